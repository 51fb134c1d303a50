/* ${NAME}, ${NAME:-default}, $${, built-ins; substituted before typing. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "model_int.h"
#include "model_test.h"
#include "banned.h"

static const char *const env[] = {"TAG=1.4.2", "EMPTY=", "PORT=8080", "X=a}b", NULL};

/* Substitutes in "v: <value>"; returns the result, diagnostics in *diags. */
static char *subst(const char *value, char **diags_out)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct model_vars v;
	struct mfile f;
	char text[256];
	char *out;
	size_t i, n;

	memset(&v, 0, sizeof(v));
	v.env = env;
	v.builtin[0][0] = "ECSCTL_GIT_SHA";
	v.builtin[0][1] = "0123456789abcdef0123456789abcdef01234567";
	v.builtin[1][0] = "ECSCTL_GIT_REF";
	v.builtin[1][1] = NULL; /* known name, no value: not read from git */
	n = (size_t)snprintf(text, sizeof(text), "v: %s\n", value);
	assert_int_equal(model_parse(&f, "f.yaml", text, n, false, &d), 0);
	model_vars_apply(f.docs[0].root, &v, "f.yaml", &d);
	model_vars_report(&v, &d);
	ecsctl_diags_sort(&d);
	model_vars_release(&v);
	out = strdup(mnode_get(f.docs[0].root, "v")->value->value);
	*diags_out = calloc(1, 512);
	for (i = 0; i < d.count; i++) {
		char *line = ecsctl_diag_format(&d.items[i]);
		size_t used = strlen(*diags_out);
		snprintf(*diags_out + used, 512 - used, "%s\n", line);
		free(line);
	}
	ecsctl_diags_release(&d);
	mfile_release(&f);
	return out;
}

static void expect(const char *value, const char *result, const char *diags)
{
	char *d = NULL;
	char *got = subst(value, &d);

	assert_string_equal(got, result);
	assert_string_equal(d, diags);
	free(got);
	free(d);
}

static void test_vars__substitution(void **state)
{
	(void)state;
	expect("nginx:${TAG}", "nginx:1.4.2", "");
	expect("${TAG}-${PORT}", "1.4.2-8080", "");
	expect("${MISSING:-1.0}", "1.0", "");
	expect("${EMPTY:-fallback}", "fallback", ""); /* set but empty: like the shell's :- */
	expect("'${EMPTY}'", "", "");
	expect("${MISSING:-}", "", "");
	expect("${MISSING:-a b c}", "a b c", "");
	expect("$${TAG}", "${TAG}", "");   /* escaped */
	expect("$$${TAG}", "$${TAG}", ""); /* left to right: '$', then an escaped '${' */
	expect("cost $5 and $ alone", "cost $5 and $ alone", "");
	expect("${ECSCTL_GIT_SHA}", "0123456789abcdef0123456789abcdef01234567", "");
	expect("'${X}'", "a}b", "");
	expect("\"${TAG}\"", "1.4.2", "");
}

static void test_vars__errors_name_every_unset_variable(void **state)
{
	(void)state;
	expect("${NOPE}", "", "f.yaml:1:4: variable 'NOPE' is not set\n");
	expect("a-${ONE}-${TWO}", "a--",
	       "f.yaml:1:6: variable 'ONE' is not set\n"
	       "f.yaml:1:13: variable 'TWO' is not set\n");
	expect("${ECSCTL_GIT_REF}", "",
	       "f.yaml:1:4: variable 'ECSCTL_GIT_REF' is not set (the config root is not read "
	       "from git)\n");
	expect("x${TAG", "x", "f.yaml:1:5: unterminated '${' (write '$${' for a literal '${')\n");
	expect(
	    "${1A}", "",
	    "f.yaml:1:4: invalid variable reference '${1A}' (use ${NAME} or ${NAME:-default})\n");
	expect("${A-b}", "",
	       "f.yaml:1:4: invalid variable reference '${A-b}' (use ${NAME} or "
	       "${NAME:-default})\n");
	/* a quoted scalar: the position is the scalar's */
	expect("\"  ${NOPE}\"", "  ", "f.yaml:1:4: variable 'NOPE' is not set\n");
}

static void test_vars__values_only_and_typed_after(void **state)
{
	const char *const penv[] = {"PORT=8080", "HOST=db", NULL};
	struct ecsctl_model m;
	char *d;

	(void)state;
	/* keys are not substituted; a plain ${PORT} becomes an integer */
	d = load_text(&m, "td.yaml",
	              "kind: TaskDefinition\n"
	              "family: web\n"
	              "containerDefinitions:\n"
	              "  - name: web\n"
	              "    image: nginx\n"
	              "    memory: 128\n"
	              "    portMappings:\n"
	              "      - containerPort: ${PORT}\n"
	              "    dockerLabels:\n"
	              "      ${HOST}: x\n",
	              penv);
	assert_string_equal(d, "");
	assert_int_equal(
	    json_integer_value(json_object_get(
	        json_array_get(
	            json_object_get(
	                json_array_get(json_object_get(m.resources[0].body, "containerDefinitions"),
	                               0),
	                "portMappings"),
	            0),
	        "containerPort")),
	    8080);
	assert_non_null(json_object_get(
	    json_object_get(
	        json_array_get(json_object_get(m.resources[0].body, "containerDefinitions"), 0),
	        "dockerLabels"),
	    "${HOST}"));
	ecsctl_model_release(&m);
	free(d);
}

/* libyaml's message for an unquoted ${ in a flow mapping says nothing of
 * variables: the hint does. */
static void test_vars__flow_mapping_hint(void **state)
{
	char *d;

	(void)state;
	d = load_text(NULL, "c.yaml",
	              "kind: Cluster\nclusterName: c\ntags: [{key: env, value: ${ENV}}]\n", NULL);
	assert_string_equal(d, "error: c.yaml:3:27: invalid YAML: did not find expected ',' or '}' "
	                       "while parsing a flow mapping (quote a value that starts with '${': "
	                       "in a flow mapping '{' opens another one)\n");
	free(d);
	/* other flow mapping mistakes keep libyaml's message alone */
	d = load_text(NULL, "c.yaml", "kind: Cluster\ntags: [{key: env value: x]\n", NULL);
	assert_null(strstr(d, "quote a value"));
	free(d);
}

int run_vars_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vars__substitution),
	    cmocka_unit_test(test_vars__errors_name_every_unset_variable),
	    cmocka_unit_test(test_vars__values_only_and_typed_after),
	    cmocka_unit_test(test_vars__flow_mapping_hint),
	};

	return cmocka_run_group_tests_name("vars", tests, NULL, NULL);
}
