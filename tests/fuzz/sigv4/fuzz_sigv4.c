/*
 * The SigV4 canonicalizer and Authorization parser on arbitrary input. The
 * input is split at NUL bytes into method, path, query, signed-header list,
 * then name/value header pairs; the rest after the last pair is the payload.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/sigv4.h"

#define MAXF 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *f[MAXF];
	struct ecsctl_sigv4_header h[MAXF / 2];
	struct ecsctl_sigv4_request req = {0};
	struct ecsctl_sigv4_auth auth;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	size_t nf = 0, i, pos = 0;
	char sig[65];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	while (nf < MAXF && pos <= size) {
		f[nf++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	for (i = nf; i < MAXF; i++)
		f[i] = NULL;
	req.method = f[0];
	req.path = f[1];
	req.query = f[2];
	req.signed_headers = (f[3] && *f[3]) ? f[3] : NULL;
	for (i = 4; i + 1 < nf; i += 2) {
		h[req.nheaders].name = f[i];
		h[req.nheaders++].value = f[i + 1];
	}
	req.headers = h;
	req.payload = data;
	req.payload_len = size;
	ecsctl_sigv4_canonical_request(&out, &req, &err);
	ecsctl_error_release(&err);
	ecsctl_sigv4_signature(sig, &req, "20240115T093000Z", "us-east-1", "ecs", "secret", &err);
	ecsctl_error_release(&err);
	ecsctl_sigv4_parse_authorization(&auth, copy, &err);
	ecsctl_error_release(&err);
	req.signed_headers = NULL;
	ecsctl_sigv4_verify(NULL, &req, req.nheaders ? h[0].value : copy, "AKID", "secret",
	                    1705311000, &err);
	ecsctl_error_release(&err);
	ecsctl_buf_release(&out);
	free(copy);
	return 0;
}
