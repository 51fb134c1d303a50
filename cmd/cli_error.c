/* The one way a command prints a library error. */
#include <string.h>

#include "cli.h"
#include "banned.h"

void cli_print_error(const char *what, const struct ecsctl_error *err)
{
	const char *msg = err->message ? err->message : "failed";
	const char *sep = what ? ": " : "";
	const char *code = err->aws_code;

	if (!what)
		what = "";
	/* the ECS client's messages already read "Operation: Code: text" */
	if (code && strstr(msg, code))
		code = NULL;
	/* what AWS support asks for: the error name, the status, the request id */
	if (!err->aws_code)
		cli_error("%s%s%s", what, sep, msg);
	else if (err->request_id)
		cli_error("%s%s%s (%s%sHTTP %d, request id %s)", what, sep, msg, code ? code : "",
		          code ? ", " : "", err->http_status, err->request_id);
	else
		cli_error("%s%s%s (%s%sHTTP %d)", what, sep, msg, code ? code : "",
		          code ? ", " : "", err->http_status);
}
