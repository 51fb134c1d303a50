/* Overlay merge rules, one by one, on parsed documents. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "model_test.h"
#include "banned.h"

static void dump(struct ecsctl_buf *b, const struct mnode *n)
{
	size_t i;

	if (n->type == MNODE_SCALAR) {
		ecsctl_buf_adds(b, n->value);
		return;
	}
	ecsctl_buf_adds(b, n->type == MNODE_MAP ? "{" : "[");
	for (i = 0; i < n->count; i++) {
		if (i)
			ecsctl_buf_adds(b, ", ");
		if (n->type == MNODE_MAP) {
			ecsctl_buf_addf(b, "%s: ", n->entries[i].key);
			dump(b, n->entries[i].value);
		} else {
			dump(b, n->items[i]);
		}
	}
	ecsctl_buf_adds(b, n->type == MNODE_MAP ? "}" : "]");
}

/* Merges `patch` (as o.yaml) onto `base` (b.yaml); checks the result, in flow
 * style, and the diagnostics. */
static void expect_merge(const char *base, const char *patch, const char *result, const char *diags)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_buf got = ECSCTL_BUF_INIT, msgs = ECSCTL_BUF_INIT;
	struct mfile fb, fp;
	size_t i;

	assert_int_equal(model_parse(&fb, "b.yaml", base, strlen(base), false, &d), 0);
	assert_int_equal(model_parse(&fp, "o.yaml", patch, strlen(patch), false, &d), 0);
	model_overlay_merge(fb.docs[0].root, fp.docs[0].root, "o.yaml", &d);
	dump(&got, fb.docs[0].root);
	for (i = 0; i < d.count; i++) {
		char *line = ecsctl_diag_format(&d.items[i]);
		ecsctl_buf_addf(&msgs, "%s\n", line);
		free(line);
	}
	assert_string_equal(got.buf, result);
	assert_string_equal(msgs.buf ? msgs.buf : "", diags);
	ecsctl_buf_release(&got);
	ecsctl_buf_release(&msgs);
	ecsctl_diags_release(&d);
	mfile_release(&fb);
	mfile_release(&fp);
}

static void test_overlay__maps_merge_scalars_and_lists_replace(void **state)
{
	(void)state;
	expect_merge("a: 1\nb: {c: 2, d: 3}\nl: [x, y]\n", "b: {d: 4, e: 5}\nl: [z]\nn: new\n",
	             "{a: 1, b: {c: 2, d: 4, e: 5}, l: [z], n: new}", "");
	/* a mapping over a scalar (and back) replaces */
	expect_merge("a: 1\nb: {c: 2}\n", "a: {x: 1}\nb: plain\n", "{a: {x: 1}, b: plain}", "");
	/* lists not named below replace whole: command, subnets, settings */
	expect_merge("command: [a, b]\nsettings: [{name: containerInsights, value: enabled}]\n",
	             "command: [c]\nsettings: [{name: other, value: x}]\n",
	             "{command: [c], settings: [{name: other, value: x}]}", "");
}

static void test_overlay__named_lists_merge_by_key(void **state)
{
	(void)state;
	/* containerDefinitions by name: merged, and a new one appended */
	expect_merge(
	    "containerDefinitions:\n"
	    "  - {name: web, image: a, cpu: 1}\n"
	    "  - {name: side, image: s}\n",
	    "containerDefinitions:\n"
	    "  - {name: web, image: b}\n"
	    "  - {name: new, image: n}\n",
	    "{containerDefinitions: [{name: web, image: b, cpu: 1}, {name: side, image: s}, "
	    "{name: new, image: n}]}",
	    "");
	/* environment and secrets by name */
	expect_merge(
	    "environment: [{name: A, value: '1'}, {name: B, value: '2'}]\n"
	    "secrets: [{name: S, valueFrom: x}]\n",
	    "environment: [{name: B, value: '3'}, {name: C, value: '4'}]\n"
	    "secrets: [{name: S, valueFrom: y}]\n",
	    "{environment: [{name: A, value: 1}, {name: B, value: 3}, {name: C, value: 4}], "
	    "secrets: [{name: S, valueFrom: y}]}",
	    "");
	/* portMappings by containerPort + protocol, protocol tcp when absent */
	expect_merge("portMappings: [{containerPort: 80, protocol: tcp}, {containerPort: 53}]\n",
	             "portMappings:\n"
	             "  - {containerPort: 80, hostPort: 8080}\n"
	             "  - {containerPort: 53, protocol: udp}\n",
	             "{portMappings: [{containerPort: 80, protocol: tcp, hostPort: 8080}, "
	             "{containerPort: 53}, {containerPort: 53, protocol: udp}]}",
	             "");
	/* volumes by name, tags by key, loadBalancers by target group */
	expect_merge(
	    "volumes: [{name: data, host: {sourcePath: /a}}]\n"
	    "tags: [{key: team, value: a}, {key: env, value: x}]\n"
	    "loadBalancers: [{targetGroupArn: tg1, containerName: web, containerPort: 80}]\n",
	    "volumes: [{name: data, host: {sourcePath: /b}}, {name: tmp}]\n"
	    "tags: [{key: env, value: prod}]\n"
	    "loadBalancers:\n"
	    "  - {targetGroupArn: tg1, containerPort: 8080}\n"
	    "  - {targetGroupArn: tg2, containerName: web, containerPort: 80}\n",
	    "{volumes: [{name: data, host: {sourcePath: /b}}, {name: tmp}], "
	    "tags: [{key: team, value: a}, {key: env, value: prod}], "
	    "loadBalancers: [{targetGroupArn: tg1, containerName: web, containerPort: 8080}, "
	    "{targetGroupArn: tg2, containerName: web, containerPort: 80}]}",
	    "");
	/* nested: a container's environment inside containerDefinitions */
	expect_merge("containerDefinitions:\n"
	             "  - name: web\n"
	             "    environment: [{name: A, value: '1'}]\n",
	             "containerDefinitions:\n"
	             "  - name: web\n"
	             "    environment: [{name: B, value: '2'}]\n",
	             "{containerDefinitions: [{name: web, environment: [{name: A, value: 1}, "
	             "{name: B, value: 2}]}]}",
	             "");
}

static void test_overlay__patch_delete(void **state)
{
	(void)state;
	/* a member, and an item named by its key */
	expect_merge("a: 1\nb: 2\nenvironment: [{name: A, value: x}, {name: B, value: y}]\n",
	             "b: {$patch: delete}\nenvironment: [{name: A, $patch: delete}]\n",
	             "{a: 1, environment: [{name: B, value: y}]}", "");
	expect_merge("portMappings: [{containerPort: 80}, {containerPort: 81}]\n",
	             "portMappings: [{containerPort: 81, protocol: tcp, $patch: delete}]\n",
	             "{portMappings: [{containerPort: 80}]}", "");
}

static void test_overlay__errors(void **state)
{
	(void)state;
	expect_merge("a: 1\n", "b: {$patch: delete}\n", "{a: 1}",
	             "o.yaml:1:4: nothing to delete: no member 'b' in the base\n");
	expect_merge("tags: [{key: a, value: x}]\n", "tags: [{key: b, $patch: delete}]\n",
	             "{tags: [{key: a, value: x}]}",
	             "o.yaml:1:8: nothing to delete: no item 'tags[b]' in the base\n");
	expect_merge("containerDefinitions: [{name: web}]\n",
	             "containerDefinitions: [{image: x}]\n",
	             "{containerDefinitions: [{name: web}]}",
	             "o.yaml:1:24: an item of 'containerDefinitions' in an "
	             "overlay needs 'name': items merge by it\n");
	expect_merge("a: {b: 1}\n", "a: {$patch: replace}\n", "{a: {b: 1}}",
	             "o.yaml:1:13: '$patch' takes 'delete' (the only patch directive)\n");
}

/* Moved nodes remember the overlay: messages and render --explain name it. */
static void test_overlay__provenance(void **state)
{
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct mfile fb, fp;
	const char *base = "containerDefinitions:\n  - {name: web, image: a, cpu: 1}\n";
	const char *patch = "containerDefinitions:\n  - name: web\n    image: b\n";
	const struct mnode *web, *img, *cpu;

	(void)state;
	assert_int_equal(model_parse(&fb, "b.yaml", base, strlen(base), false, &d), 0);
	assert_int_equal(model_parse(&fp, "o.yaml", patch, strlen(patch), false, &d), 0);
	model_overlay_merge(fb.docs[0].root, fp.docs[0].root, "o.yaml", &d);
	web = mnode_get(fb.docs[0].root, "containerDefinitions")->value->items[0];
	img = mnode_get(web, "image")->value;
	cpu = mnode_get(web, "cpu")->value;
	assert_string_equal(img->file, "o.yaml");
	assert_int_equal(img->line, 3);
	assert_int_equal(img->column, 12);
	assert_null(cpu->file); /* still the base document's */
	assert_int_equal(d.count, 0);
	mfile_release(&fb);
	mfile_release(&fp);
	ecsctl_diags_release(&d);
}

int run_overlay_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overlay__maps_merge_scalars_and_lists_replace),
	    cmocka_unit_test(test_overlay__named_lists_merge_by_key),
	    cmocka_unit_test(test_overlay__patch_delete),
	    cmocka_unit_test(test_overlay__errors),
	    cmocka_unit_test(test_overlay__provenance),
	};

	return cmocka_run_group_tests_name("overlay", tests, NULL, NULL);
}
