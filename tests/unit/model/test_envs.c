/* Environments: variable layers, typed variables, one error per unset
 * variable, overlays through the loader, settings an environment overrides. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_test.h"
#include "banned.h"

struct run {
	const char *env;
	const char *const *vars;
	size_t nvars;
	const char *const *var_files;
	size_t nvar_files;
	const char *const *process; /* NULL: an empty environment */
	bool explain;
};

/* Loads `dir`/cfg from disk; diagnostics as "error: file:line:col: ..." lines
 * with `dir`/ left out. */
static char *load_dir(struct ecsctl_model *m, const char *dir, const struct run *r)
{
	static const char *const empty_env[] = {NULL};
	static const char *const sev[] = {"notice", "warning", "error"};
	struct ecsctl_model_options o = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf out = ECSCTL_BUF_INIT, prefix = ECSCTL_BUF_INIT;
	size_t i;
	int rc;

	o.repo = dir;
	o.path = "cfg";
	o.worktree = true;
	o.env = r->process ? r->process : empty_env;
	o.environment = r->env;
	o.vars = r->vars;
	o.nvars = r->nvars;
	o.var_files = r->var_files;
	o.nvar_files = r->nvar_files;
	o.explain = r->explain;
	rc = ecsctl_model_load(m, &o, &diags, &err);
	assert_int_equal(rc<0, diags.errors> 0);
	ecsctl_diags_sort(&diags);
	ecsctl_buf_addf(&prefix, "%s/", dir);
	for (i = 0; i < diags.count; i++) {
		char *line = ecsctl_diag_format(&diags.items[i]), *p;

		while ((p = strstr(line, prefix.buf)))
			memmove(p, p + prefix.len, strlen(p + prefix.len) + 1);
		ecsctl_buf_addf(&out, "%s: %s\n", sev[diags.items[i].severity], line);
		free(line);
	}
	ecsctl_diags_release(&diags);
	ecsctl_error_release(&err);
	ecsctl_buf_release(&prefix);
	return out.buf ? ecsctl_buf_detach(&out) : strdup("");
}

static const char *tag(const struct ecsctl_model *m, const char *key)
{
	json_t *tags = json_object_get(m->resources[0].body, "tags"), *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		if (!strcmp(json_string_value(json_object_get(t, "key")), key))
			return json_string_value(json_object_get(t, "value"));
	}
	return NULL;
}

static void test_envs__precedence(void **state)
{
	char *dir = make_temp_dir(), *d, flag[256];
	const char *const process[] = {"A=proc", "F=proc", NULL};
	const char *files[1], *const vars[] = {"E=flag", "E=flag2"};
	struct run r = {"e1", vars, 2, files, 1, process, false};
	struct ecsctl_model m;

	(void)state;
	write_file(dir, "cfg/ecsctl.yaml",
	           "variables: {A: top, B: top, C: top, D: top, E: top}\n"
	           "environments:\n"
	           "  e1:\n"
	           "    varFiles: [vars/e1.yaml]\n"
	           "    variables: {C: env, D: env, E: env}\n");
	write_file(dir, "cfg/vars/e1.yaml", "B: file\nC: file\nD: file\nE: file\n");
	write_file(dir, "flag.json", "{\"D\": \"flagfile\", \"E\": \"flagfile\"}");
	write_file(dir, "cfg/c.yaml",
	           "kind: Cluster\nclusterName: c\ntags:\n"
	           "  - {key: a, value: '${A}'}\n  - {key: b, value: '${B}'}\n"
	           "  - {key: c, value: '${C}'}\n  - {key: d, value: '${D}'}\n"
	           "  - {key: e, value: '${E}'}\n  - {key: f, value: '${F}'}\n"
	           "  - {key: g, value: '${G:-dflt}'}\n");
	snprintf(flag, sizeof(flag), "%s/flag.json", dir);
	files[0] = flag;
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "");
	/* process < variables < varFiles < the environment's < --var-file < --var */
	assert_string_equal(tag(&m, "a"), "top");
	assert_string_equal(tag(&m, "b"), "file");
	assert_string_equal(tag(&m, "c"), "env");
	assert_string_equal(tag(&m, "d"), "flagfile");
	assert_string_equal(tag(&m, "e"), "flag2"); /* the last --var wins */
	assert_string_equal(tag(&m, "f"), "proc");
	assert_string_equal(tag(&m, "g"), "dflt");
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

static void test_envs__typed_insertion(void **state)
{
	char *dir = make_temp_dir(), *d;
	struct run r = {"e1", NULL, 0, NULL, 0, NULL, false};
	struct ecsctl_model m;
	const struct ecsctl_resource *svc, *td;
	json_t *aws;

	(void)state;
	write_file(dir, "cfg/ecsctl.yaml", "environments: {e1: {varFiles: [v.yaml]}}\n");
	write_file(dir, "cfg/v.yaml",
	           "SUBNETS: [subnet-a, subnet-b]\nLABELS: {x: '1', y: '2'}\nCOUNT: 3\n");
	write_file(dir, "cfg/s.yaml",
	           "kind: Service\nserviceName: s\ntaskDefinition: t\ndesiredCount: ${COUNT}\n"
	           "networkConfiguration:\n  awsvpcConfiguration: {subnets: \"${SUBNETS}\"}\n"
	           "---\n"
	           "kind: TaskDefinition\nfamily: t\nnetworkMode: awsvpc\n"
	           "containerDefinitions:\n"
	           "  - {name: c, image: i, memory: 128, dockerLabels: \"${LABELS}\"}\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "");
	svc = ecsctl_model_find(&m, ECSCTL_KIND_SERVICE, "default/s");
	td = ecsctl_model_find(&m, ECSCTL_KIND_TASKDEF, "t");
	assert_int_equal(json_integer_value(json_object_get(svc->body, "desiredCount")), 3);
	aws = json_object_get(json_object_get(svc->body, "networkConfiguration"),
	                      "awsvpcConfiguration");
	assert_int_equal(json_array_size(json_object_get(aws, "subnets")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(aws, "subnets"), 1)),
	                    "subnet-b");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_object_get(
	            json_array_get(json_object_get(td->body, "containerDefinitions"), 0),
	            "dockerLabels"),
	        "y")),
	    "2");
	ecsctl_model_release(&m);
	free(d);

	/* a list inside a longer string is an error; a wrong type names the
	 * variable file the value came from */
	write_file(dir, "cfg/s.yaml",
	           "kind: Cluster\nclusterName: c-${SUBNETS}\n---\n"
	           "kind: Cluster\nclusterName: d\ntags: ${LABELS}\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(
	    d, "error: cfg/s.yaml:2:16: variable 'SUBNETS' is a list (set in cfg/v.yaml:1:1): only "
	       "a value that is exactly '${SUBNETS}' takes it, not a longer string\n"
	       "error: cfg/v.yaml:2:9: 'tags' must be a list, got a mapping\n");
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

/* The case: one unset variable used many times is one error, and the
 * dangling `taskDefinition 'api-'` that only follows from it is not reported. */
static void test_envs__unset_is_one_error(void **state)
{
	char *dir = make_temp_dir(), *d;
	struct run r = {NULL, NULL, 0, NULL, 0, NULL, false};
	struct ecsctl_model m;

	(void)state;
	write_file(dir, "cfg/s.yaml",
	           "kind: Service\ncluster: shop-${ENV}\nserviceName: api\n"
	           "taskDefinition: api-${ENV}\n"
	           "networkConfiguration:\n  awsvpcConfiguration: {subnets: \"${SUBNETS}\"}\n"
	           "tags: [{key: env, value: \"${ENV}\"}]\n"
	           "---\n"
	           "kind: TaskDefinition\nfamily: api-staging\n"
	           "containerDefinitions: [{name: c, image: \"i:${ENV}\", memory: 128}]\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "error: cfg/s.yaml:2:15: variable 'ENV' is not set; also used at "
	                       "cfg/s.yaml:4:21, cfg/s.yaml:7:26, cfg/s.yaml:11:41\n"
	                       "error: cfg/s.yaml:6:34: variable 'SUBNETS' is not set\n");
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

static void test_envs__settings_override(void **state)
{
	char *dir = make_temp_dir(), *d;
	struct run r = {"prod", NULL, 0, NULL, 0, NULL, false};
	struct ecsctl_model m;

	(void)state;
	write_file(dir, "cfg/ecsctl.yaml",
	           "name: shop\nregion: us-east-1\nprune: false\n"
	           "wait: {timeout: 10m, rollbackOnFailure: true}\n"
	           "ignoreDifferences: [{kind: Service, fields: [desiredCount]}]\n"
	           "environments:\n"
	           "  prod:\n"
	           "    region: ${REGION}\n"
	           "    variables: {REGION: eu-west-1}\n"
	           "    prune: true\n    suspend: true\n    keepRevisions: 2\n"
	           "    wait: {timeout: 20m}\n"
	           "    ignoreDifferences: [{kind: Cluster, fields: [tags]}]\n"
	           "  named: {name: shop-main}\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "");
	assert_string_equal(m.settings.name, "shop-prod"); /* its own owner */
	assert_string_equal(m.settings.region, "eu-west-1");
	assert_true(m.settings.prune);
	assert_true(m.settings.suspend);
	assert_int_equal(m.settings.keep_revisions, 2);
	assert_int_equal(m.settings.wait_timeout_ms, 20 * 60 * 1000);
	assert_true(m.settings.rollback_on_failure); /* not overridden: kept */
	assert_int_equal(m.settings.nignore, 1);
	assert_string_equal(m.settings.ignore[0].kind, "Cluster");
	ecsctl_model_release(&m);
	free(d);
	r.env = "named";
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "");
	assert_string_equal(m.settings.name, "shop-main");
	assert_string_equal(m.settings.region, "us-east-1");
	assert_false(m.settings.prune);
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

static void test_envs__overlays(void **state)
{
	char *dir = make_temp_dir(), *d;
	struct run r = {"prod", NULL, 0, NULL, 0, NULL, true};
	struct ecsctl_model m;
	const struct ecsctl_resource *svc;
	json_t *e;
	size_t i;
	bool found = false;

	(void)state;
	write_file(dir, "cfg/ecsctl.yaml",
	           "environments:\n  prod: {overlays: [over/prod], variables: {N: 4}}\n"
	           "  staging: {overlays: [over/staging]}\n");
	write_file(dir, "cfg/base.yaml",
	           "kind: Service\nserviceName: web\ntaskDefinition: web:1\ndesiredCount: 1\n"
	           "---\nkind: Service\nserviceName: debug\ntaskDefinition: web:1\n");
	write_file(dir, "cfg/over/prod/web.yaml",
	           "kind: Service\nserviceName: web\ndesiredCount: ${N}\n"
	           "---\nkind: Service\nserviceName: debug\n$patch: delete\n"
	           "---\nkind: Cluster\nclusterName: prod-only\n");
	/* another environment's overlay is never a base document */
	write_file(dir, "cfg/over/staging/x.yaml", "kind: Service\nserviceName: web\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "");
	assert_int_equal(m.count, 2); /* prod-only cluster, web; debug deleted */
	assert_non_null(ecsctl_model_find(&m, ECSCTL_KIND_CLUSTER, "prod-only"));
	svc = ecsctl_model_find(&m, ECSCTL_KIND_SERVICE, "default/web");
	assert_int_equal(json_integer_value(json_object_get(svc->body, "desiredCount")), 4);
	/* render --explain: where the final value was written */
	json_array_foreach(svc->explain, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "path")), "desiredCount"))
			continue;
		found = true;
		assert_string_equal(json_string_value(json_object_get(e, "value")), "4");
		assert_string_equal(json_string_value(json_object_get(e, "from")) + strlen(dir) + 1,
		                    "cfg/over/prod/web.yaml:3:15");
	}
	assert_true(found);
	ecsctl_model_release(&m);
	free(d);

	/* an error in a merged value names the overlay's file and line */
	write_file(dir, "cfg/over/prod/web.yaml",
	           "kind: Service\nserviceName: web\n"
	           "desiredCount: many\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "error: cfg/over/prod/web.yaml:3:15: 'desiredCount' must be an "
	                       "integer, got 'many'\n");
	ecsctl_model_release(&m);
	free(d);
	write_file(dir, "cfg/over/prod/web.yaml", "serviceName: web\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, "error: cfg/over/prod/web.yaml:1:1: an overlay document needs "
	                       "'kind' and the name of the document it patches (clusterName, "
	                       "family, or cluster and serviceName)\n");
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

/* One configuration, one expected output. */
static void expect_error(const char *settings, const char *env, const char *var,
                         const char *var_file, const char *expected)
{
	char *dir = make_temp_dir(), *d;
	const char *const vars[] = {var};
	const char *const files[] = {var_file};
	struct run r = {env, vars, var ? 1 : 0, files, var_file ? 1 : 0, NULL, false};
	struct ecsctl_model m;

	write_file(dir, "cfg/ecsctl.yaml", settings);
	if (strstr(settings, "vars/list.yaml"))
		write_file(dir, "cfg/vars/list.yaml", "- a\n- b\n");
	if (strstr(settings, "vars/bad.yaml"))
		write_file(dir, "cfg/vars/bad.yaml", "1X: a\nEMPTY:\n");
	d = load_dir(&m, dir, &r);
	assert_string_equal(d, expected);
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

static void test_envs__errors(void **state)
{
	(void)state;
	expect_error(
	    "environments: {a: {}, b: {}}\n", NULL, NULL, NULL,
	    "error: cfg/ecsctl.yaml:1:15: ecsctl.yaml declares environments (a, b): choose "
	    "one with --env NAME\n");
	expect_error("environments: {a: {}}\n", "c", NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:15: no environment 'c' in ecsctl.yaml (a)\n");
	expect_error("name: x\n", "c", NULL, NULL,
	             "error: cfg/ecsctl.yaml: --env c: ecsctl.yaml declares no environments\n");
	/* a broken ecsctl.yaml: its own error, none about environments */
	expect_error("name: [x\n", "c", NULL, NULL,
	             "error: cfg/ecsctl.yaml:2:1: invalid YAML: did not find expected ',' or ']' "
	             "while parsing a flow sequence\n");
	expect_error(
	    "environments: [a]\n", NULL, NULL, NULL,
	    "error: cfg/ecsctl.yaml:1:15: environments must be a mapping of NAME: {...}\n");
	expect_error("environments: {a: 1}\n", "a", NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:19: environment 'a' must be a mapping (variables, "
	             "varFiles, overlays, settings)\n");
	expect_error("environments: {a: {regoin: x}}\n", "a", NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:20: unknown member 'regoin' in environment 'a', did "
	             "you mean 'region'?\n");
	expect_error("name: x\n", NULL, "oops", NULL,
	             "error: --var takes NAME=VALUE, not 'oops'\n");
	expect_error("name: x\n", NULL, "1X=3", NULL,
	             "error: --var takes NAME=VALUE, not '1X=3'\n");
	expect_error("name: x\n", NULL, NULL, "/nonexistent/v.yaml",
	             "error: /nonexistent/v.yaml: cannot read the variable file: No such file or "
	             "directory\n");
	expect_error("variables: [a]\n", NULL, NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:12: variables must be a mapping of NAME: value\n");
	expect_error("environments: {a: {varFiles: [vars/list.yaml]}}\n", "a", NULL, NULL,
	             "error: cfg/vars/list.yaml:1:1: variables must be a mapping of NAME: value\n");
	expect_error(
	    "environments: {a: {varFiles: [vars/bad.yaml]}}\n", "a", NULL, NULL,
	    "error: cfg/vars/bad.yaml:1:1: invalid variable name '1X' (letters, digits "
	    "and '_', not starting with a digit)\n"
	    "error: cfg/vars/bad.yaml:2:1: variable 'EMPTY' has no value (write \"\" for an "
	    "empty one)\n");
	expect_error("environments: {a: {varFiles: [vars/none.yaml]}}\n", "a", NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:31: variable file 'vars/none.yaml': cannot read "
	             "'cfg/vars/none.yaml': No such file or directory\n");
	expect_error("environments: {a: {varFiles: [../x.yaml]}}\n", "a", NULL, NULL,
	             "error: cfg/ecsctl.yaml:1:31: variable file '../x.yaml' is not a path inside "
	             "the config root\n");
}

/* Without a resolver (a library user that gives none) lookups are refused,
 * naming the scheme; an unknown scheme is refused before that. */
static void test_envs__lookups_refused(void **state)
{
	char *d;

	(void)state;
	d = load_text(NULL, "c.yaml",
	              "kind: Cluster\nclusterName: c\n"
	              "tags: [{key: a, value: '${ssm:/shop/x}'}]\n",
	              NULL);
	assert_string_equal(d, "error: c.yaml:3:24: lookups such as '${ssm:...}' are not "
	                       "supported here\n");
	free(d);
	d = load_text(NULL, "c.yaml",
	              "kind: Cluster\nclusterName: c\n"
	              "tags: [{key: a, value: '${vault:x}'}]\n",
	              NULL);
	assert_string_equal(d, "error: c.yaml:3:24: unknown lookup 'vault:' (ssm, cfn or "
	                       "tfstate)\n");
	free(d);
}

/* A big list inserted many times is an alias bomb by other means: bounded. */
static void test_envs__insertion_budget(void **state)
{
	char *dir = make_temp_dir(), *d;
	struct run r = {"e", NULL, 0, NULL, 0, NULL, false};
	struct ecsctl_buf vars = ECSCTL_BUF_INIT, docs = ECSCTL_BUF_INIT;
	struct ecsctl_model m;
	size_t i;

	(void)state;
	ecsctl_buf_adds(&vars, "BIG:\n");
	for (i = 0; i < 20000; i++)
		ecsctl_buf_adds(&vars, "  - x\n");
	for (i = 0; i < 60; i++)
		ecsctl_buf_addf(
		    &docs, "---\nkind: Cluster\nclusterName: c%zu\ncapacityProviders: ${BIG}\n", i);
	write_file(dir, "cfg/ecsctl.yaml", "environments: {e: {varFiles: [v.yaml]}}\n");
	write_file(dir, "cfg/v.yaml", vars.buf);
	write_file(dir, "cfg/c.yaml", docs.buf);
	d = load_dir(&m, dir, &r);
	/* 49 insertions of 20,001 nodes fit in 1,000,000; the 50th is refused */
	assert_null(strstr(d, "c.yaml:196:20"));
	assert_non_null(strstr(d, "error: cfg/c.yaml:200:20: variables expand beyond the limit of "
	                          "1000000 nodes or 32 MiB in one load\n"));
	ecsctl_model_release(&m);
	free(d);
	ecsctl_buf_release(&vars);
	ecsctl_buf_release(&docs);
	remove_tree(dir);
	free(dir);
}

int run_envs_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_envs__precedence),
	    cmocka_unit_test(test_envs__typed_insertion),
	    cmocka_unit_test(test_envs__unset_is_one_error),
	    cmocka_unit_test(test_envs__settings_override),
	    cmocka_unit_test(test_envs__overlays),
	    cmocka_unit_test(test_envs__errors),
	    cmocka_unit_test(test_envs__lookups_refused),
	    cmocka_unit_test(test_envs__insertion_budget),
	};

	return cmocka_run_group_tests_name("envs", tests, NULL, NULL);
}
