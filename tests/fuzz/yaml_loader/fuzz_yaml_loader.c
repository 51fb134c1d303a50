/*
 * The desired-state loader on arbitrary bytes: one file through the same
 * parse, variables, conversion and validation as `ecsctl validate`. Inputs
 * starting with '{' or '[' are loaded as a .json file, others as YAML.
 */
#include <stddef.h>
#include <stdint.h>

#include "ecsctl/model.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const env[] = {"TAG=1.0", NULL};
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_model m;
	const char *name = size && (data[0] == '{' || data[0] == '[') ? "f.json" : "f.yaml";
	json_t *doc;

	ecsctl_model_load_buffer(&m, name, (const char *)data, size, env, &diags, &err);
	doc = ecsctl_model_render(&m);
	json_decref(doc);
	ecsctl_model_release(&m);
	ecsctl_diags_release(&diags);
	ecsctl_error_release(&err);
	return 0;
}
