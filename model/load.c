/* Placeholder until the loader lands: keeps the tree linking. */
#include "ecsctl/model.h"
#include "banned.h"

int ecsctl_model_load(struct ecsctl_model *out, const struct ecsctl_model_options *opts,
                      struct ecsctl_diags *diags, struct ecsctl_error *err)
{
	(void)out;
	(void)opts;
	(void)diags;
	return ecsctl_error_set(err, ECSCTL_EINVAL, "the model loader is not built yet");
}
