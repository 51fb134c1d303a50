/*
 * An API request body checked like the desired state: for ecs-local, which
 * must refuse what ECS refuses, and for anything else holding a payload.
 */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "model_int.h"
#include "banned.h"

size_t ecsctl_model_check_payload(const char *operation, const json_t *payload,
                                  struct ecsctl_diags *diags)
{
	const struct ecsctl_schema_shape *shape = ecsctl_schema_input(operation);
	struct ecsctl_buf label = ECSCTL_BUF_INIT;
	struct model_conv conv = {0};
	struct mnode *root = NULL;
	json_t *body = NULL;
	int why = 0;

	ecsctl_buf_addf(&label, "%s request", operation);
	conv.resource = label.buf;
	conv.diags = diags;
	if (!shape) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, NULL, 0, 0, NULL, NULL,
		                 "unknown operation '%s'", operation);
		conv.errors++;
		goto done;
	}
	root = mnode_from_json(payload, &why);
	if (!root) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, NULL, 0, 0, label.buf, NULL, "%s",
		                 why ? "nesting deeper than 64 levels or a NUL character"
		                     : "out of memory");
		conv.errors++;
		goto done;
	}
	/* a JSON body has no positions to report */
	body = model_convert(&conv, root, shape, "");
	if (!strcmp(operation, "RegisterTaskDefinition"))
		model_check_rules(&conv, ECSCTL_KIND_TASKDEF, root);
	else if (!strcmp(operation, "CreateService"))
		model_check_rules(&conv, ECSCTL_KIND_SERVICE, root);
done:
	json_decref(body);
	mnode_free(root);
	ecsctl_buf_release(&label);
	return conv.errors;
}

size_t ecsctl_model_check_rules(enum ecsctl_kind kind, const json_t *body, const json_t *taskdef,
                                const char *label, struct ecsctl_diags *diags)
{
	struct model_conv conv = {0};
	struct mnode *root = NULL, *td = NULL;
	int why = 0;

	/* no positions in a payload: the label stands where a file name would */
	conv.file = label;
	conv.diags = diags;
	root = mnode_from_json(body, &why);
	if (taskdef)
		td = mnode_from_json(taskdef, &why);
	if (!root || (taskdef && !td)) {
		ecsctl_diags_add(diags, ECSCTL_ERROR, label, 0, 0, NULL, NULL, "%s",
		                 why ? "nesting deeper than 64 levels or a NUL character"
		                     : "out of memory");
		conv.errors++;
	} else if (kind == ECSCTL_KIND_TASKDEF) {
		model_check_rules(&conv, kind, root);
	} else if (kind == ECSCTL_KIND_SERVICE) {
		model_check_service(&conv, root, td, td ? "its task definition" : NULL, NULL);
	}
	mnode_free(root);
	mnode_free(td);
	return conv.errors;
}
