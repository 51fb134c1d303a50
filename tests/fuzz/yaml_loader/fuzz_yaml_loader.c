/*
 * The desired-state loader on arbitrary bytes: one file through the same
 * parse, variables, conversion and validation as `ecsctl validate`. Inputs
 * starting with '{' or '[' are loaded as a .json file, those starting with
 * "# settings" as ecsctl.yaml, others as a YAML resource file.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecsctl/model.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const env[] = {"TAG=1.0", NULL};
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_model m;
	const char *name = "f.yaml";
	json_t *doc;

	if (size && (data[0] == '{' || data[0] == '['))
		name = "f.json";
	else if (size >= 10 && !memcmp(data, "# settings", 10))
		name = "ecsctl.yaml";

	ecsctl_model_load_buffer(&m, name, (const char *)data, size, env, &diags, &err);
	doc = ecsctl_model_render(&m);
	json_decref(doc);
	ecsctl_model_release(&m);
	ecsctl_diags_release(&diags);
	ecsctl_error_release(&err);
	return 0;
}
