/* The YAML/JSON loader: positions, documents, anchors, guard rails. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "model_test.h"
#include "banned.h"

/* Parses `text`; returns the diagnostics as "line:col: message" lines. */
static char *parse(struct mfile *f, const char *text, size_t len, bool json)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	size_t i;
	int rc = model_parse(f, json ? "f.json" : "f.yaml", text, len, json, &d);

	assert_int_equal(rc<0, d.errors> 0);
	for (i = 0; i < d.count; i++)
		ecsctl_buf_addf(&out, "%u:%u: %s\n", d.items[i].line, d.items[i].column,
		                d.items[i].message);
	ecsctl_diags_release(&d);
	return ecsctl_buf_detach(&out);
}

/* len: the bytes of `text`, or 0 for all of it */
static void expect_error(const char *text, size_t len, bool json, const char *expected)
{
	struct mfile f;
	char *got = parse(&f, text, len ? len : strlen(text), json);

	assert_string_equal(got, expected);
	assert_int_equal(f.ndocs, 0); /* a file with an error yields nothing */
	free(got);
	mfile_release(&f);
}

static void test_yaml__positions_and_styles(void **state)
{
	const char *text = "a: 1\n"
	                   "b:\n"
	                   "  - x\n"
	                   "  - c: \"2\"\n"
	                   "    d: !!str 3\n"
	                   "    e: |\n"
	                   "      block}\n";
	struct mfile f;
	char *diags = parse(&f, text, strlen(text), false);
	struct mnode *root, *b, *item;

	(void)state;
	assert_string_equal(diags, "");
	assert_int_equal(f.ndocs, 1);
	root = f.docs[0].root;
	assert_int_equal(root->type, MNODE_MAP);
	assert_int_equal(root->count, 2);
	assert_string_equal(root->entries[0].key, "a");
	assert_false(root->entries[0].value->quoted);
	b = mnode_get(root, "b")->value;
	assert_int_equal(b->type, MNODE_SEQ);
	assert_int_equal(b->line, 3);
	assert_int_equal(b->column, 3);
	item = b->items[1];
	assert_int_equal(item->line, 4);
	assert_int_equal(item->column, 5);
	assert_int_equal(mnode_get(item, "c")->line, 4);
	assert_int_equal(mnode_get(item, "c")->column, 5);
	assert_int_equal(mnode_get(item, "d")->value->line, 5);
	assert_int_equal(mnode_get(item, "d")->value->column, 8);
	assert_true(mnode_get(item, "c")->value->quoted);
	assert_true(mnode_get(item, "d")->value->quoted); /* !!str */
	assert_true(mnode_get(item, "e")->value->quoted); /* block scalar */
	assert_string_equal(mnode_get(item, "e")->value->value, "block}\n");
	free(diags);
	mfile_release(&f);
}

static void test_yaml__multi_document_skips_empty(void **state)
{
	const char *text = "---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n...\n";
	struct mfile f;
	char *diags = parse(&f, text, strlen(text), false);

	(void)state;
	assert_string_equal(diags, "");
	assert_int_equal(f.ndocs, 2);
	assert_int_equal(f.docs[0].line, 1);
	assert_int_equal(f.docs[1].line, 6);
	assert_non_null(mnode_get(f.docs[1].root, "b"));
	free(diags);
	mfile_release(&f);
}

static void test_yaml__anchors_aliases_and_merge(void **state)
{
	const char *text = "base: &b {x: 1, y: 2}\n"
	                   "copy: *b\n"
	                   "merged:\n"
	                   "  <<: *b\n"
	                   "  y: 3\n"
	                   "many:\n"
	                   "  <<: [{z: 0}, *b]\n";
	struct mfile f;
	char *diags = parse(&f, text, strlen(text), false);
	struct mnode *root, *copy, *merged, *many;

	(void)state;
	assert_string_equal(diags, "");
	root = f.docs[0].root;
	copy = mnode_get(root, "copy")->value;
	assert_int_equal(copy->type, MNODE_MAP);
	assert_int_equal(copy->line, 2); /* the alias's position */
	assert_int_equal(copy->column, 7);
	assert_string_equal(mnode_get(copy, "y")->value->value, "2");
	merged = mnode_get(root, "merged")->value;
	assert_int_equal(merged->count, 2);
	assert_null(mnode_get(merged, "<<"));
	assert_string_equal(mnode_get(merged, "x")->value->value, "1");
	assert_string_equal(mnode_get(merged, "y")->value->value, "3"); /* own keys win */
	many = mnode_get(root, "many")->value;
	assert_int_equal(many->count, 3);
	free(diags);
	mfile_release(&f);
}

static void test_yaml__json_files(void **state)
{
	/* tabs and "a":1 are JSON that YAML 1.1 may refuse: either way it loads */
	const char *text = "{\n\t\"a\":1,\n\t\"b\": [true, null, \"x\"]\n}\n";
	struct mfile f;
	char *diags = parse(&f, text, strlen(text), true);
	struct mnode *b;

	(void)state;
	assert_string_equal(diags, "");
	assert_int_equal(f.ndocs, 1);
	assert_string_equal(mnode_get(f.docs[0].root, "a")->value->value, "1");
	b = mnode_get(f.docs[0].root, "b")->value;
	assert_int_equal(b->count, 3);
	assert_true(mnode_is_null(b->items[1]));
	assert_true(b->items[2]->quoted);
	free(diags);
	mfile_release(&f);
	/* JSON that libyaml refuses goes through jansson: a surrogate pair escape,
	 * a key over 1024 characters, a key and its colon on separate lines */
	text = "\t{\"a\": \"\\ud83d\\ude00\", \"b\"\n: 1}";
	diags = parse(&f, text, strlen(text), true);
	assert_string_equal(diags, "");
	assert_string_equal(mnode_get(f.docs[0].root, "a")->value->value, "\xf0\x9f\x98\x80");
	free(diags);
	mfile_release(&f);
	expect_error("{\n\t\"a\": 1,\n\t\"a\": 2\n}", 0, true,
	             "3:4: invalid JSON: duplicate object key near '\"a\"'\n");
	expect_error("a: 1\n", 0, true, "1:1: invalid JSON: invalid token near 'a'\n");
	/* a byte order mark and CRLF line ends, as Windows editors write them */
	text = "\xef\xbb\xbf{\r\n  \"a\": 1\r\n}\r\n";
	diags = parse(&f, text, strlen(text), true);
	assert_string_equal(diags, "");
	assert_int_equal(mnode_get(f.docs[0].root, "a")->value->line, 2);
	free(diags);
	mfile_release(&f);
	text = "\xef\xbb\xbf"
	       "a: 1\r\nb: 2\r\n";
	diags = parse(&f, text, strlen(text), false);
	assert_string_equal(diags, "");
	assert_int_equal(mnode_get(f.docs[0].root, "b")->line, 2);
	free(diags);
	mfile_release(&f);
	expect_error("{\"a\": }", 0, true, "1:7: invalid JSON: unexpected token near '}'\n");
}

static void test_yaml__guard_rails(void **state)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	struct mfile f;
	char *got;
	int i;

	(void)state;
	/* 64 levels load, 65 do not */
	for (i = 0; i < 64; i++)
		ecsctl_buf_addch(&b, '[');
	for (i = 0; i < 64; i++)
		ecsctl_buf_addch(&b, ']');
	got = parse(&f, b.buf, b.len, false);
	assert_string_equal(got, "");
	free(got);
	mfile_release(&f);
	ecsctl_buf_reset(&b);
	for (i = 0; i < 100000; i++)
		ecsctl_buf_addch(&b, '[');
	expect_error(b.buf, b.len, false, "1:65: nesting deeper than 64 levels\n");

	/* billion laughs: 10^9 nodes if expanded; refused before the memory is spent */
	ecsctl_buf_reset(&b);
	ecsctl_buf_adds(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 9; i++)
		ecsctl_buf_addf(&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
		                'a' + i, 'a' + i, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
		                'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
		                'a' + i - 1, 'a' + i - 1);
	expect_error(b.buf, b.len, false,
	             "6:36: alias '*e' expands beyond the limit of 1000000 nodes or 32 MiB (an "
	             "alias bomb?)\n");

	/* a million nodes without any alias: the same budget */
	ecsctl_buf_reset(&b);
	ecsctl_buf_addch(&b, '[');
	for (i = 0; i < 1000000; i++)
		ecsctl_buf_adds(&b, "0,");
	ecsctl_buf_adds(&b, "0]");
	expect_error(b.buf, b.len, false, "1:2000000: more than 1000000 YAML nodes in one file\n");

	/* one big scalar copied many times: bounded by bytes, not nodes */
	ecsctl_buf_reset(&b);
	ecsctl_buf_adds(&b, "s: &s ");
	for (i = 0; i < (1 << 20); i++)
		ecsctl_buf_addch(&b, 'x');
	ecsctl_buf_adds(&b, "\nl: [");
	for (i = 0; i < 40; i++)
		ecsctl_buf_adds(&b, "*s, ");
	ecsctl_buf_adds(&b, "*s]\n");
	expect_error(b.buf, b.len, false,
	             "2:125: alias '*s' expands beyond the limit of 1000000 nodes or 32 MiB (an "
	             "alias bomb?)\n");

	/* over 4 MiB */
	ecsctl_buf_reset(&b);
	for (i = 0; i < (4 << 20) + 1; i++)
		ecsctl_buf_addch(&b, '#');
	expect_error(b.buf, b.len, false,
	             "0:0: file is larger than the limit of 4 MiB (4194305 bytes)\n");
	ecsctl_buf_release(&b);
}

static void test_yaml__bad_input(void **state)
{
	(void)state;
	expect_error("a: 1\nb: \xff\n", 0, false, "2:4: invalid UTF-8 (byte 0xff)\n");
	expect_error("a: \xc0\xaf\n", 0, false, "1:4: invalid UTF-8 (byte 0xc0)\n"); /* overlong */
	expect_error("a: \xed\xa0\x80\n", 0, false,
	             "1:4: invalid UTF-8 (byte 0xed)\n"); /* surrogate */
	expect_error("a: 1\nb: 2\na: 3\n", 0, false, "3:1: duplicate key 'a' (first at line 1)\n");
	expect_error("a: \"x\\0y\"\n", 0, false, "1:4: a NUL character in a value\n");
	expect_error("a: !Ref x\n", 0, false, "1:4: unsupported tag '!Ref'\n");
	expect_error(
	    "a: *nope\n", 0, false,
	    "1:4: undefined alias '*nope' (anchors do not reach across '---' documents)\n");
	expect_error("? [a]\n: 1\n", 0, false, "1:3: mapping keys must be plain strings\n");
	expect_error("a: [1, 2\n", 0, false,
	             "2:1: invalid YAML: did not find expected ',' or ']' while parsing a flow "
	             "sequence\n");
	expect_error("a: b: c\n", 0, false,
	             "1:5: invalid YAML: mapping values are not allowed in this context\n");
	expect_error("a:\n\t- x\n", 0, false,
	             "2:1: invalid YAML: found character that cannot start any token while "
	             "scanning for the next token\n");
}

int run_yaml_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_yaml__positions_and_styles),
	    cmocka_unit_test(test_yaml__multi_document_skips_empty),
	    cmocka_unit_test(test_yaml__anchors_aliases_and_merge),
	    cmocka_unit_test(test_yaml__json_files),
	    cmocka_unit_test(test_yaml__guard_rails),
	    cmocka_unit_test(test_yaml__bad_input),
	};

	return cmocka_run_group_tests_name("yaml", tests, NULL, NULL);
}
