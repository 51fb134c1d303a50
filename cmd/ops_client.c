
#include "cli.h"
#include "ops_client.h"
#include "banned.h"

void ops_print_error(const char *what, const struct ecsctl_error *err)
{
	if (err->aws_code)
		cli_error("%s: %s: %s (HTTP %d%s%s)", what, err->aws_code,
		          err->message ? err->message : "", err->http_status,
		          err->request_id ? ", request id " : "",
		          err->request_id ? err->request_id : "");
	else
		cli_error("%s: %s", what, err->message ? err->message : "unknown error");
}
