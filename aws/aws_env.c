/* Environment, region, endpoint, URL host, and the shared config files. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "aws_int.h"
#include "banned.h"

extern char **environ;

#define MAX_CONFIG_FILE (4u << 20)
#define READ_CHUNK 4096

const char *ecsctl_aws_getenv(const char *const *env, const char *name)
{
	const char *const *e = env ? env : (const char *const *)environ;
	size_t len = strlen(name);

	for (; e && *e; e++)
		if (!strncmp(*e, name, len) && (*e)[len] == '=')
			return (*e)[len + 1] ? *e + len + 1 : NULL;
	return NULL;
}

static int valid_region(const char *r)
{
	size_t i;

	for (i = 0; r[i]; i++)
		if (!isalnum((unsigned char)r[i]) && r[i] != '-')
			return 0;
	return i > 0 && i < 64;
}

int ecsctl_aws_resolve_region(char **out, const char *flag, const char *profile,
                              const char *config_region, const char *const *env,
                              struct ecsctl_error *err)
{
	const char *r = flag && *flag ? flag : NULL;
	char *from_file = NULL;
	int rc = 0;

	*out = NULL;
	if (!r)
		r = ecsctl_aws_getenv(env, "AWS_REGION");
	if (!r)
		r = ecsctl_aws_getenv(env, "AWS_DEFAULT_REGION");
	if (!r) {
		rc = ecsctl_aws_profile_value(&from_file, NULL, aws_profile_name(profile, env),
		                              "region", 1, env, err);
		if (rc)
			return rc;
		r = from_file;
	}
	if (!r && config_region && *config_region)
		r = config_region;
	if (!r) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "no region: use --region, AWS_REGION, a profile's region "
		                      "or region: in ecsctl.yaml");
	} else if (!valid_region(r)) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "invalid region '%.64s'", r);
	} else if (!(*out = strdup(r))) {
		rc = ecsctl_error_nomem(err);
	}
	free(from_file);
	return rc;
}

static const struct aws_partition *partition_of(const char *region)
{
	size_t i, j;

	for (i = 0; i < aws_npartitions; i++)
		for (j = 0; aws_partitions[i].regions[j]; j++)
			if (!strcmp(region, aws_partitions[i].regions[j]))
				return &aws_partitions[i];
	for (i = 0; i < aws_npartitions; i++) {
		regex_t re;
		int match;

		if (regcomp(&re, aws_partitions[i].region_regex, REG_EXTENDED | REG_NOSUB))
			continue;
		match = !regexec(&re, region, 0, NULL, 0);
		regfree(&re);
		if (match)
			return &aws_partitions[i];
	}
	return &aws_partitions[0]; /* botocore falls back to the aws partition */
}

static int env_true(const char *const *env, const char *name)
{
	const char *v = ecsctl_aws_getenv(env, name);

	return v && !strcasecmp(v, "true");
}

/* The endpoint host's first labels where they differ from the service name
 * (the services' endpoint-rule-set-1.json). */
static const char *host_prefix(const char *service)
{
	if (!strcmp(service, "sso"))
		return "portal.sso";
	if (!strcmp(service, "sso-oidc"))
		return "oidc";
	return service;
}

int ecsctl_aws_resolve_endpoint(char **out, const char *service, const char *flag,
                                const char *region, const char *const *env,
                                struct ecsctl_error *err)
{
	struct ecsctl_buf name = ECSCTL_BUF_INIT, b = ECSCTL_BUF_INIT;
	const char *url = flag && *flag ? flag : NULL, *s;
	int fips = env_true(env, "AWS_USE_FIPS_ENDPOINT");
	int dual = env_true(env, "AWS_USE_DUALSTACK_ENDPOINT");
	const struct aws_partition *p;

	*out = NULL;
	if (!url) {
		ecsctl_buf_adds(&name, "AWS_ENDPOINT_URL_");
		for (s = service; *s; s++)
			ecsctl_buf_addch(&name,
			                 *s == '-' || *s == ' ' ? '_' : toupper((unsigned char)*s));
		url = ecsctl_aws_getenv(env, name.buf);
		ecsctl_buf_release(&name);
	}
	if (!url)
		url = ecsctl_aws_getenv(env, "AWS_ENDPOINT_URL");
	if (url) {
		/* endpoint-rule-set-1.json: a custom endpoint excludes FIPS and dual-stack */
		if (fips || dual)
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "Invalid Configuration: %s and custom endpoint are "
			                        "not supported",
			                        fips ? "FIPS" : "Dualstack");
		if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "endpoint URL '%.200s' is not http(s)", url);
		ecsctl_buf_adds(&b, url);
		while (b.len > 8 && b.buf[b.len - 1] == '/')
			ecsctl_buf_setlen(&b, b.len - 1);
	} else {
		if (!region || !valid_region(region))
			return ecsctl_error_set(err, ECSCTL_EINVAL,
			                        "no valid region for the %s endpoint", service);
		p = partition_of(region);
		if ((fips && !p->supports_fips) || (dual && !p->supports_dual_stack))
			return ecsctl_error_set(
			    err, ECSCTL_EINVAL,
			    "%s is enabled but partition '%s' does not support it",
			    fips && !p->supports_fips ? "FIPS" : "DualStack", p->id);
		ecsctl_buf_addf(&b, "https://%s%s.%s.%s", host_prefix(service), fips ? "-fips" : "",
		                region, dual ? p->dual_stack_dns_suffix : p->dns_suffix);
	}
	*out = ecsctl_buf_detach(&b);
	return *out ? 0 : ecsctl_error_nomem(err);
}

char *ecsctl_aws_url_host(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at, *port = NULL;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	int https = !strncasecmp(url, "https", 5);

	if (!p)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return NULL;
		if (rb + 1 < end && rb[1] == ':')
			port = rb + 1;
	} else {
		port = memchr(p, ':', (size_t)(end - p));
	}
	for (; p < (port ? port : end); p++)
		ecsctl_buf_addch(&b, tolower((unsigned char)*p));
	if (port && port + 1 < end) {
		size_t plen = (size_t)(end - port - 1);

		if (!((https && plen == 3 && !strncmp(port + 1, "443", 3)) ||
		      (!https && plen == 2 && !strncmp(port + 1, "80", 2))))
			ecsctl_buf_add(&b, port, plen + 1);
	}
	return ecsctl_buf_detach(&b);
}

static char *trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

/* Reads a file whole, capped; NULL content when it does not exist. */
static int slurp(char **out, const char *path, struct ecsctl_error *err)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	char chunk[READ_CHUNK];
	size_t n;
	FILE *f = fopen(path, "r");

	*out = NULL;
	if (!f)
		return 0;
	ecsctl_buf_init(&b, MAX_CONFIG_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ecsctl_buf_add(&b, chunk, n);
	if (ferror(f) || ecsctl_buf_failed(&b)) {
		fclose(f);
		ecsctl_buf_release(&b);
		return ecsctl_error_set(err, ECSCTL_EIO, "cannot read '%s' (or over 4 MiB)", path);
	}
	fclose(f);
	*out = ecsctl_buf_detach(&b);
	return *out ? 0 : ecsctl_error_nomem(err);
}

/* Does the "[...]" header text name the section? In config files a profile
 * is "[profile NAME]" except for "[default]", an SSO session
 * "[sso-session NAME]" (kind "sso-session"); credentials files (config 0)
 * write "[NAME]". */
static int section_matches(const char *h, size_t len, const char *kind, const char *name,
                           int config)
{
	char *text = trimmed(h, len);
	const char *n = text;
	size_t klen = strlen(kind);
	int match = 0;

	if (!text)
		return 0;
	if (config && !strncmp(n, kind, klen) && (n[klen] == ' ' || n[klen] == '\t')) {
		n += klen + 1;
		while (*n == ' ' || *n == '\t')
			n++;
		match = !strcmp(n, name);
	} else if (!config || !strcmp(kind, "profile")) {
		match = !strcmp(n, name);
	}
	free(text);
	return match;
}

static int section_value(char **out, int *section_found, const char *kind, const char *name,
                         const char *key, int config, const char *const *env,
                         struct ecsctl_error *err)
{
	const char *path = ecsctl_aws_getenv(env, config ? "AWS_CONFIG_FILE"
	                                                 : "AWS_SHARED_CREDENTIALS_FILE");
	const char *home = ecsctl_aws_getenv(env, "HOME");
	struct ecsctl_buf pathb = ECSCTL_BUF_INIT;
	char *text = NULL, *line, *next;
	int in = 0, rc = 0;

	*out = NULL;
	if (section_found)
		*section_found = 0;
	if (!path) {
		if (!home)
			return 0;
		ecsctl_buf_addf(&pathb, "%s/.aws/%s", home, config ? "config" : "credentials");
		path = pathb.buf;
	}
	rc = slurp(&text, path, err);
	if (rc || !text)
		goto done;
	for (line = text; line && *line; line = next) {
		char *eq;
		size_t len;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		len = strlen(line);
		if (*line == '#' || *line == ';' || !len)
			continue;
		if (*line == '[') {
			char *rb = strchr(line, ']');

			in = rb &&
			     section_matches(line + 1, (size_t)(rb - line - 1), kind, name, config);
			if (in && section_found)
				*section_found = 1;
			continue;
		}
		eq = strchr(line, '=');
		if (!in || !eq)
			continue;
		{
			char *k = trimmed(line, (size_t)(eq - line));
			int match = k && !strcmp(k, key);

			free(k);
			if (match) {
				free(*out);
				*out = trimmed(eq + 1, strlen(eq + 1));
				if (!*out) {
					rc = ecsctl_error_nomem(err);
					goto done;
				}
			}
		}
	}
done:
	free(text);
	ecsctl_buf_release(&pathb);
	return rc;
}

int ecsctl_aws_profile_value(char **out, int *section_found, const char *profile, const char *key,
                             int config, const char *const *env, struct ecsctl_error *err)
{
	return section_value(out, section_found, "profile", profile, key, config, env, err);
}

int ecsctl_aws_sso_session_value(char **out, int *section_found, const char *session,
                                 const char *key, const char *const *env, struct ecsctl_error *err)
{
	return section_value(out, section_found, "sso-session", session, key, 1, env, err);
}
