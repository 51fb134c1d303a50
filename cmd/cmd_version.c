/* ecsctl version: ecsctl's version, the commit and date it was built from, and
 * the version of each library as that library reports it at run time, which
 * is what a bug report needs: a portable build and a .deb of one commit can
 * run different libcurl or OpenSSL releases. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <yaml.h>

#include "buildinfo.h"
#include "cli.h"
#include "commands.h"
#include "banned.h"

#define N_LIBS 6

struct lib_version {
	const char *name;
	char version[64];
};

static void library_versions(struct lib_version libs[N_LIBS])
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	int major = 0, minor = 0, rev = 0;

	git_libgit2_version(&major, &minor, &rev);
	libs[0].name = "libcurl";
	snprintf(libs[0].version, sizeof(libs[0].version), "%s", curl->version);
	libs[1].name = "libyaml";
	snprintf(libs[1].version, sizeof(libs[1].version), "%s", yaml_get_version_string());
	libs[2].name = "jansson";
	snprintf(libs[2].version, sizeof(libs[2].version), "%s", jansson_version_str());
	libs[3].name = "libgit2";
	snprintf(libs[3].version, sizeof(libs[3].version), "%d.%d.%d", major, minor, rev);
	libs[4].name = "openssl";
	snprintf(libs[4].version, sizeof(libs[4].version), "%s",
	         OpenSSL_version(OPENSSL_VERSION_STRING));
	libs[5].name = "libmicrohttpd";
	snprintf(libs[5].version, sizeof(libs[5].version), "%s", MHD_get_version());
}

static int print_json(const struct lib_version libs[N_LIBS])
{
	json_t *doc, *l = json_object();
	int i, rc = EXIT_OK;

	for (i = 0; l && i < N_LIBS; i++)
		json_object_set_new(l, libs[i].name, json_string(libs[i].version));
	doc = json_pack("{s:s, s:s, s:s?, s:o}", "version", ECSCTL_VERSION, "commit",
	                ecsctl_build_commit, "buildDate",
	                ecsctl_build_date[0] ? ecsctl_build_date : NULL, "libraries", l);
	if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', stdout) == EOF) {
		cli_error("could not write the version");
		rc = EXIT_ERROR;
	}
	json_decref(doc);
	return rc;
}

int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cli_flag flags[] = {{NULL, 0, 0, NULL, NULL, NULL}};
	struct lib_version libs[N_LIBS];
	bool help;
	int i, npos, rc;

	rc = cli_parse(argc, argv, cli_find_command("version"), flags, ctx, &npos, &help);
	if (rc >= 0)
		return rc;
	if (npos) {
		cli_error("'ecsctl version' takes no arguments");
		return EXIT_USAGE;
	}
	library_versions(libs);
	if (ctx->output && !strcmp(ctx->output, "json"))
		return print_json(libs);
	printf("ecsctl %s\ncommit %s\n", ECSCTL_VERSION, ecsctl_build_commit);
	if (ecsctl_build_date[0])
		printf("built %s\n", ecsctl_build_date);
	for (i = 0; i < N_LIBS; i++)
		printf("%s %s\n", libs[i].name, libs[i].version);
	return EXIT_OK;
}
