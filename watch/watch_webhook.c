/* Webhook signatures (GitHub's X-Hub-Signature-256) and retry backoff. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/watch.h"
#include "banned.h"

int ecsctl_watch_webhook_parse_signature(unsigned char out[32], const char *header)
{
	size_t i;

	if (!header || strncmp(header, "sha256=", 7))
		return -1;
	header += 7;
	for (i = 0; i < 32; i++) {
		int hi = ecsctl_hex_digit((unsigned char)header[2 * i]), lo;

		if (hi < 0)
			return -1;
		lo = ecsctl_hex_digit((unsigned char)header[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return header[64] == '\0' ? 0 : -1;
}

int ecsctl_watch_webhook_verify(const void *secret, size_t secret_len, const char *header,
                                const void *body, size_t body_len)
{
	unsigned char want[32], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;

	if (!secret || !secret_len || secret_len > 1 << 20 ||
	    ecsctl_watch_webhook_parse_signature(want, header))
		return 0;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, body_len ? body : (const void *)"",
	          body_len, got, &got_len) ||
	    got_len != 32)
		return 0;
	return CRYPTO_memcmp(want, got, 32) == 0;
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

int64_t ecsctl_watch_backoff_ms(unsigned failures, int64_t base_ms, int64_t cap_ms, uint64_t *rng)
{
	int64_t d = base_ms > 0 ? base_ms : 1, half;
	unsigned i;

	if (cap_ms < d)
		cap_ms = d;
	for (i = 1; i < failures && d < cap_ms; i++)
		d = d > cap_ms / 2 ? cap_ms : d * 2;
	if (d > cap_ms)
		d = cap_ms;
	half = d / 2;
	return half + (int64_t)(xorshift(rng) % (uint64_t)(d - half + 1));
}
