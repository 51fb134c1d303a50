/* Whose credentials these are: STS GetCallerIdentity through the client's
 * engine, for the account guard (an environment's accountId). */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecs_int.h"
#include "banned.h"

int ecsctl_ecs_account(const char **account, struct ecsctl_ecs *c, struct ecsctl_error *err)
{
	struct ecsctl_aws_target to = {0};
	struct ecsctl_ecs_call call = {0};
	const char *region = NULL;
	char *url = NULL;
	int rc;

	*account = NULL;
	if (c->account) {
		*account = c->account;
		return 0;
	}
	rc = ecsctl_aws_sts_endpoint(&url, &region, c->region, c->sts_legacy, c->env, err);
	if (rc)
		return rc;
	to.service = "sts";
	to.url = url;
	to.region = region;
	to.content_type = "application/x-www-form-urlencoded; charset=utf-8";
	to.body = "Action=GetCallerIdentity&Version=2011-06-15";
	call.operation = "GetCallerIdentity";
	call.to = &to;
	rc = ecsctl_ecs_run(c, &call, 1, err);
	if (!rc) {
		c->account = ecsctl_aws_xml_text(call.answer, call.answer + call.answer_len,
		                                 "Account");
		if (!c->account || strlen(c->account) != 12 ||
		    strspn(c->account, "0123456789") != 12) {
			free(c->account);
			c->account = NULL;
			rc = ecsctl_error_set(err, ECSCTL_EIO,
			                      "GetCallerIdentity: no account in the answer");
		}
	}
	*account = c->account;
	ecsctl_ecs_call_release(&call);
	free(url);
	return rc;
}
