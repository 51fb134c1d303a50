/*
 * Fuzzes normalization, diff, masking and rendering: the input is a JSON
 * array [desired, live] (anything else is fed as both sides). Every path must
 * return cleanly, whatever the shapes.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ecsctl/diff.h"

static void diff_all(const json_t *want, const json_t *have)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_diff_changes ch = ECSCTL_DIFF_CHANGES_INIT;
	struct ecsctl_diff_service s;
	struct ecsctl_diff_cluster c;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_diff_render_options ro = ECSCTL_DIFF_RENDER_OPTIONS_INIT;
	static const char *const names[] = {"*_PIN"};
	struct ecsctl_diff_mask all_env = {
	    .flags = ECSCTL_DIFF_MASK_ALL_ENVIRONMENT, .names = names, .nnames = 1};
	char *fields[] = {"desiredCount", "containerDefinitions[*].image", "tags[x]",
	                  "deploymentConfiguration.maximumPercent"};
	struct ecsctl_ignore_rule rule = {"*", "*", fields, 4};
	struct ecsctl_diff_service_options so = {"c/s", &rule, 1};
	json_t *j;
	bool eq;

	ecsctl_diff_taskdef_equal(&eq, want, have, &err);
	ecsctl_error_release(&err);
	ecsctl_diff_taskdef(&ch, want, have, &err);
	ecsctl_error_release(&err);
	ecsctl_diff_values(&ch, have, want, "x", &err);
	ecsctl_error_release(&err);
	j = ecsctl_diff_changes_to_json(&ch, NULL);
	json_decref(j);
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_UPDATE, "TaskDefinition", "f", &ch, &ro);
	ecsctl_diff_apply_ignore(&ch, "Service", "c/s", &rule, 1);
	ecsctl_diff_changes_release(&ch);

	ecsctl_diff_service_init(&s);
	ecsctl_diff_service(&s, want, have, &so, &err);
	ecsctl_error_release(&err);
	ro.color = true;
	ro.mask = &all_env;
	ecsctl_diff_render_text(&out, ECSCTL_DIFF_REPLACE, "Service", "c/s", &s.changes, &ro);
	ecsctl_diff_service_release(&s);

	ecsctl_diff_cluster_init(&c);
	ecsctl_diff_cluster(&c, want, have, &rule, 1, &err);
	ecsctl_error_release(&err);
	ecsctl_diff_cluster_release(&c);
	ecsctl_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v;

	if (size > 65536)
		return 0;
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!v)
		return 0;
	if (json_is_array(v) && json_array_size(v) == 2)
		diff_all(json_array_get(v, 0), json_array_get(v, 1));
	else
		diff_all(v, v);
	json_decref(v);
	return 0;
}
