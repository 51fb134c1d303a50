#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "model_test.h"
#include "banned.h"

char *load_text(struct ecsctl_model *m, const char *name, const char *text, const char *const *env)
{
	static const char *const empty_env[] = {NULL};
	static const char *const sev[] = {"notice", "warning", "error"};
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_model local;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	size_t i;
	int rc;

	rc = ecsctl_model_load_buffer(m ? m : &local, name, text, strlen(text),
	                              env ? env : empty_env, &diags, &err);
	/* the return code agrees with the diagnostics */
	assert_int_equal(rc<0, diags.errors> 0);
	ecsctl_diags_sort(&diags);
	for (i = 0; i < diags.count; i++) {
		char *line = ecsctl_diag_format(&diags.items[i]);
		ecsctl_buf_addf(&out, "%s: %s\n", sev[diags.items[i].severity], line);
		free(line);
	}
	if (!m)
		ecsctl_model_release(&local);
	ecsctl_diags_release(&diags);
	ecsctl_error_release(&err);
	return ecsctl_buf_detach(&out);
}

void write_file(const char *dir, const char *rel, const char *text)
{
	struct ecsctl_buf path = ECSCTL_BUF_INIT;
	char *slash;
	FILE *f;

	ecsctl_buf_addf(&path, "%s/%s", dir, rel);
	for (slash = strchr(path.buf + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path.buf, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path.buf, strerror(errno));
		*slash = '/';
	}
	f = fopen(path.buf, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
	ecsctl_buf_release(&path);
}

char *make_temp_dir(void)
{
	char tmpl[] = "/tmp/ecsctl-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void remove_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
