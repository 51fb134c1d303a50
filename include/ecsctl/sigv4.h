/*
 * AWS Signature Version 4, as botocore's SigV4Auth computes it.
 *
 * The pieces are exposed one by one so that a verifier (ecs-local) can
 * recompute a signature from what arrived on the wire: parse the
 * Authorization header, build the canonical request over exactly the headers
 * it names, and compare signatures in constant time.
 *
 * Canonical request (one line each, joined by "\n"):
 *   METHOD (uppercased)
 *   path: dot segments and empty segments removed as botocore does, then every
 *         byte outside A-Z a-z 0-9 - _ . ~ / percent-encoded (%XX, uppercase);
 *         so an already-encoded "%20" becomes "%2520", as botocore does
 *   query: pairs split on '&' and the first '=', each key and value
 *         percent-decoded then re-encoded with the unreserved set, sorted by
 *         key then value (bytewise), joined with '&'; empty pairs dropped
 *   canonical headers: "name:value\n" for each signed name in sorted order;
 *         value = every header of that name (case-insensitive) with runs of
 *         whitespace collapsed to one space and trimmed, joined with ','
 *   signed headers: the sorted, lowercase, ';'-joined names
 *   payload hash: hex SHA-256 of the body (or the hash given)
 */
#ifndef ECSCTL_SIGV4_H
#define ECSCTL_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "ecsctl/buf.h"
#include "ecsctl/error.h"

struct ecsctl_sigv4_header {
	const char *name; /* any case */
	const char *value;
};

struct ecsctl_sigv4_request {
	const char *method; /* "POST" */
	const char *path;   /* as sent on the wire; NULL or "" means "/" */
	const char *query;  /* without '?'; NULL or "" for none */
	const struct ecsctl_sigv4_header *headers;
	size_t nheaders;
	/* Lowercase ';'-separated names to sign (as in SignedHeaders=). NULL signs
	 * every header given except user-agent, expect and x-amzn-trace-id, as
	 * botocore does. A listed name absent from `headers` is an error. */
	const char *signed_headers;
	const void *payload; /* may be NULL when payload_len is 0 */
	size_t payload_len;
	const char *payload_hash; /* 64 hex chars to use instead of hashing payload, or NULL */
};

/* The fields of an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header. */
struct ecsctl_sigv4_auth {
	char access_key[129];
	char date[9]; /* yyyymmdd */
	char region[64];
	char service[64];
	char signed_headers[1024];
	char signature[65];
};

/* Appends the canonical request to `out`. Returns 0, ECSCTL_EINVAL (a signed
 * header is missing, a bad payload hash, or a NULL method) or ECSCTL_ENOMEM. */
int ecsctl_sigv4_canonical_request(struct ecsctl_buf *out, const struct ecsctl_sigv4_request *req,
                                   struct ecsctl_error *err);

/* Appends the string to sign for a canonical request. `amz_date` is the
 * X-Amz-Date value (yyyymmddThhmmssZ). */
int ecsctl_sigv4_string_to_sign(struct ecsctl_buf *out, const char *canonical_request,
                                size_t canonical_len, const char *amz_date, const char *region,
                                const char *service, struct ecsctl_error *err);

/*
 * Computes the signature (64 lowercase hex chars + NUL into `out`) of `req`
 * signed at `amz_date` for `region`/`service` with `secret_key`. The secret
 * is never copied anywhere but OpenSSL's HMAC state. Errors as above.
 */
int ecsctl_sigv4_signature(char out[65], const struct ecsctl_sigv4_request *req,
                           const char *amz_date, const char *region, const char *service,
                           const char *secret_key, struct ecsctl_error *err);

/*
 * Appends a full Authorization header value ("AWS4-HMAC-SHA256 Credential=
 * AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=..., Signature=...").
 * `req->signed_headers` may be NULL (all headers, as above).
 */
int ecsctl_sigv4_authorization(struct ecsctl_buf *out, const struct ecsctl_sigv4_request *req,
                               const char *amz_date, const char *region, const char *service,
                               const char *access_key, const char *secret_key,
                               struct ecsctl_error *err);

/* Parses an Authorization header value. Returns 0 or ECSCTL_EINVAL with a
 * message that never repeats the signature. */
int ecsctl_sigv4_parse_authorization(struct ecsctl_sigv4_auth *out, const char *value,
                                     struct ecsctl_error *err);

/* Compares two signatures in constant time: 1 when equal. */
int ecsctl_sigv4_equal(const char *a, const char *b);

/* Formats a time (seconds since the epoch, UTC) as X-Amz-Date into `out`. */
void ecsctl_sigv4_amz_date(char out[17], int64_t epoch_seconds);

/* Percent-encodes `len` bytes with the SigV4 unreserved set (plus '/' when
 * keep_slash). Used for query strings (STS) as well. */
void ecsctl_sigv4_uri_encode(struct ecsctl_buf *out, const char *s, size_t len, int keep_slash);

/*
 * Verifies a request as a server does (for ecs-local --require-sigv4).
 * `req` carries the request as received: every header, and signed_headers
 * NULL (it is taken from `authorization`). Checks, in order: the header is
 * well-formed (else aws_code IncompleteSignatureException), the access key is
 * `access_key` (else UnrecognizedClientException, "The security token included
 * in the request is invalid."), X-Amz-Date is present, its day matches the
 * credential scope and, when `now_s` is not 0, it is within 5 minutes of it
 * (else InvalidSignatureException "Signature expired..."), SignedHeaders
 * includes host, and the signature matches in constant time (else
 * InvalidSignatureException "The request signature we calculated does not
 * match the signature you provided..."). Returns 0 or ECSCTL_EINVAL with
 * err->aws_code and err->http_status (400) set. `*scope` (may be NULL) gets
 * the parsed header, for the region and service.
 */
int ecsctl_sigv4_verify(struct ecsctl_sigv4_auth *scope, const struct ecsctl_sigv4_request *req,
                        const char *authorization, const char *access_key, const char *secret_key,
                        int64_t now_s, struct ecsctl_error *err);

#endif
