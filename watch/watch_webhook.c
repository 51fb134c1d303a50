/* Webhook signatures (GitHub's X-Hub-Signature-256). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/watch.h"
#include "banned.h"

/* HMAC takes a key of any length; one past this is not a secret someone
 * configured but a mistake, and HMAC() wants an int. */
#define SECRET_MAX (1 << 20)
#define SIGNATURE_PREFIX "sha256="
#define SHA256_LEN 32

int ecsctl_watch_webhook_parse_signature(unsigned char out[32], const char *header)
{
	size_t i;

	if (!header || strncmp(header, SIGNATURE_PREFIX, strlen(SIGNATURE_PREFIX)))
		return -1;
	header += strlen(SIGNATURE_PREFIX);
	for (i = 0; i < SHA256_LEN; i++) {
		int hi = ecsctl_hex_digit((unsigned char)header[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = ecsctl_hex_digit((unsigned char)header[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return header[2 * SHA256_LEN] == '\0' ? 0 : -1;
}

int ecsctl_watch_webhook_verify(const void *secret, size_t secret_len, const char *header,
                                const void *body, size_t body_len)
{
	unsigned char want[SHA256_LEN], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;

	if (!secret || !secret_len || secret_len > SECRET_MAX ||
	    ecsctl_watch_webhook_parse_signature(want, header))
		return 0;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, body_len ? body : (const void *)"",
	          body_len, got, &got_len) ||
	    got_len != SHA256_LEN)
		return 0;
	return CRYPTO_memcmp(want, got, SHA256_LEN) == 0;
}
