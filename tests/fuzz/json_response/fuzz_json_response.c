/*
 * The AWS JSON answer parser on arbitrary bytes. The first two bytes pick the
 * HTTP status (200 + byte % 400) and whether an X-Amzn-ErrorType header is
 * present (then it runs to the first NUL); the rest is the body. The
 * redacting log formatter also sees every parsed document.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "../../../aws/ecs_int.h" /* the redacting formatter is module-private */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf log = ECSCTL_BUF_INIT;
	char *etype = NULL;
	json_t *out = NULL;
	long status;
	size_t off = 2;

	if (size < 2)
		return 0;
	status = 200 + data[0] % 400;
	if (data[1] & 1) {
		const uint8_t *nul = memchr(data + 2, 0, size - 2);

		if (nul) {
			etype = strndup((const char *)data + 2, (size_t)(nul - data - 2));
			off = (size_t)(nul - data) + 1;
		}
	}
	ecsctl_aws_parse_json_answer(&out, status, etype, "rid", (const char *)data + off,
	                             size - off, &err);
	if (out)
		ecs_add_redacted(&log, out);
	if (err.code && (!err.message || (status >= 300 && !err.aws_code)))
		abort();
	json_decref(out);
	ecsctl_buf_release(&log);
	ecsctl_error_release(&err);
	free(etype);
	return 0;
}
