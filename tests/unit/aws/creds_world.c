#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "aws_tests.h"
#include "creds_world.h"
#include "ecsctl/buf.h"
#include "ecsctl/creds.h"

void world_start(struct world *w, lb_handler h, void *ud)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/ecsctl-creds-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	w->srv = lb_start(h, ud);
	assert_non_null(w->srv);
}

void world_env(struct world *w, const char *fmt, const char *arg)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	assert_true(w->nenv + 1 < (int)(sizeof(w->env) / sizeof(w->env[0])));
	ecsctl_buf_addf(&b, fmt, arg);
	w->env[w->nenv++] = ecsctl_buf_detach(&b);
	w->env[w->nenv] = NULL;
}

char *world_path(const struct world *w, const char *name)
{
	struct ecsctl_buf p = ECSCTL_BUF_INIT;

	ecsctl_buf_addf(&p, "%s/%s", w->dir, name);
	return ecsctl_buf_detach(&p);
}

void world_file(struct world *w, const char *name, const char *text)
{
	char *path = world_path(w, name);
	char *slash;
	FILE *f;

	/* make the parent folders */
	for (slash = strchr(path + strlen(w->dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

void world_stop(struct world *w)
{
	struct ecsctl_buf cmd = ECSCTL_BUF_INIT;
	int i;

	for (i = 0; i < w->nenv; i++)
		free(w->env[i]);
	lb_stop(w->srv);
	ecsctl_buf_addf(&cmd, "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd.buf), 0);
	ecsctl_buf_release(&cmd);
}

int world_resolve(struct world *w, const char *profile, char akid[64], const char **source,
                  struct ecsctl_error *err)
{
	struct ecsctl_creds_options o = ECSCTL_CREDS_OPTIONS_INIT;
	struct ecsctl_creds_provider *p = NULL;
	const struct ecsctl_creds *c = NULL;
	int rc;

	o.profile = profile;
	o.env = (const char *const *)w->env;
	o.region = "eu-west-1";
	rc = ecsctl_creds_provider_new(&p, &o, err);
	assert_int_equal(rc, 0);
	rc = ecsctl_creds_get(&c, p, err);
	akid[0] = '\0';
	if (!rc) {
		snprintf(akid, 64, "%s", c->access_key_id);
		*source = c->source;
		assert_non_null(c->secret_access_key);
	}
	ecsctl_creds_provider_free(p);
	return rc;
}

void world_iso_in(char out[32], int seconds)
{
	time_t t = time(NULL) + seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
