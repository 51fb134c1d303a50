/*
 * The Markdown plan (reconcile/plan_markdown.c): code spans that survive any
 * member name, the size cap with its tail. That GitHub's parser reads it as
 * a table and details sections is tested on a real plan in
 * tests/e2e/test_plan_output.py (cmark-gfm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecsctl/reconcile.h"
#include "reconcile_tests.h"
#include "banned.h"

/* A saved plan of `n` updates of services s0..s(n-1), each changing
 * `path` from "a" to a `width`-byte value. */
static void plan_of(struct ecsctl_plan *p, size_t n, const char *path, size_t width)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *changes = json_array(), *doc;
	char *big = malloc(width + 1);
	size_t i;

	assert_non_null(big);
	memset(big, 'x', width);
	big[width] = '\0';
	for (i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "shop/s%zu", i);
		json_array_append_new(
		    changes, json_pack("{s:s,s:s,s:s,s:i,s:[],s:[{s:s,s:s,s:s}]}", "action",
		                       "update", "kind", "Service", "name", name, "phase", 2,
		                       "calls", "diff", "path", path, "before", "a", "after", big));
	}
	doc = json_pack("{s:i,s:s,s:s,s:s,s:o,s:{s:s,s:s,s:{}}}", "formatVersion", 1, "commit",
	                "0123456789abcdef0123456789abcdef01234567", "ref", "main", "source",
	                "/srv/r|epo`x:deploy", "changes", changes, "saved", "desiredDigest", "d",
	                "fingerprint", "f", "scope");
	ecsctl_plan_init(p);
	assert_int_equal(ecsctl_plan_from_json(p, doc, &err), 0);
	json_decref(doc);
	free(big);
}

static void test_plan_markdown__code_spans_and_html_escaped(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_plan p;

	(void)state;
	plan_of(&p, 1, "environment[A|B``C].value", 3);
	ecsctl_plan_render_markdown(&b, &p, NULL);
	/* a backtick run in a name gets a longer delimiter; a pipe cannot split the cell */
	assert_non_null(strstr(b.buf, "### ecsctl plan for commit `0123456` (`main`) of "
	                              "``/srv/r\\|epo`x:deploy``\n"));
	assert_non_null(
	    strstr(b.buf, "| Service `shop/s0` | update | ```environment[A\\|B``C].value``` |\n"));
	assert_non_null(strstr(b.buf, "<details><summary>Service <code>shop/s0</code>: update"
	                              "</summary>\n\n```diff\n! ~ Service \"shop/s0\" will be "
	                              "updated in-place\n!     ~ environment[A|B``C] {\n"));
	assert_non_null(strstr(b.buf, "\n```\n\n</details>\n"));
	assert_null(strstr(b.buf, "more resource"));
	ecsctl_buf_release(&b);
	ecsctl_plan_release(&p);
}

static void test_plan_markdown__capped_with_a_tail_naming_the_rest(void **state)
{
	struct ecsctl_plan_render_options o = ECSCTL_PLAN_RENDER_OPTIONS_INIT;
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct ecsctl_plan p;
	size_t details = 0;
	const char *s;

	(void)state;
	/* 40 resources of ~3 KB each: 120 KB of diff */
	plan_of(&p, 40, "image", 3000);
	ecsctl_plan_render_markdown(&b, &p, NULL);
	assert_false(ecsctl_buf_failed(&b));
	assert_true(b.len < 65000);
	for (s = b.buf; (s = strstr(s, "<details>")); s++)
		details++;
	assert_true(details > 10 && details < 40);
	/* every resource in the table, the ones left out named at the end */
	assert_non_null(strstr(b.buf, "| Service `shop/s39` | update | `image` |\n"));
	s = strstr(b.buf, " more resources not shown in full**: Service `shop/s");
	assert_non_null(s);
	while (s > b.buf && s[-1] >= '0' && s[-1] <= '9')
		s--;
	assert_int_equal(strtoul(s, NULL, 10), 40 - details);
	assert_non_null(strstr(b.buf, "Service `shop/s39`: this comment stops at 65000"));
	/* a smaller cap is kept too */
	ecsctl_buf_reset(&b);
	o.max_bytes = 12000;
	ecsctl_plan_render_markdown(&b, &p, &o);
	assert_true(b.len < 12000);
	assert_non_null(strstr(b.buf, "more resources not shown in full"));
	ecsctl_buf_release(&b);
	ecsctl_plan_release(&p);
}

int reconcile_plan_markdown_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_markdown__code_spans_and_html_escaped),
	    cmocka_unit_test(test_plan_markdown__capped_with_a_tail_naming_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
