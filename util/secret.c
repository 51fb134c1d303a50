/*
 * What looks secret, one rule set for every output (docs/security.md,
 * "Secrets in output"): names (environment variables, log options, labels,
 * JSON members), values that give themselves away by their form, and the
 * same rules on free text (log lines, error messages).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecsctl/secret.h"
#include "banned.h"

/* ---- names ------------------------------------------------------------ */

/* Case-insensitive: does w[0..n) contain / start with / end with / equal `s`? */
static int w_contains(const char *w, size_t n, const char *s)
{
	size_t l = strlen(s), i;

	for (i = 0; i + l <= n; i++)
		if (strncasecmp(w + i, s, l) == 0)
			return 1;
	return 0;
}

static int w_ends(const char *w, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && strncasecmp(w + n - l, s, l) == 0;
}

static int w_equals(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && strncasecmp(w, s, n) == 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One word of a name. Short words (KEY, PASS, AUTH, ...) count only whole or
 * as the end of a compound (APIKEY, OAUTH, SENTRYDSN): inside longer words they
 * are MONKEY, KEYBOARD, PASSENGER, AUTHOR, BYPASS. */
static int word_is_secret(const char *w, size_t n)
{
	static const char *const contained[] = {"PASSWORD", "PASSWD",       "PASSPHRASE", "SECRET",
	                                        "TOKEN",    "CREDENTIAL",   "SIGNATURE",  "COOKIE",
	                                        "SESSION",  "AUTHORIZATION"};
	static const char *const whole[] = {"KEY", "PASS", "AUTHN", "AUTHZ"};
	static const char *const endings[] = {"APIKEY",  "PRIVATEKEY", "ACCESSKEY", "SIGNINGKEY",
	                                      "AUTHKEY", "MASTERKEY",  "SSHKEY",    "ENCRYPTIONKEY",
	                                      "PWD",     "AUTH",       "DSN"};
	size_t i;

	for (i = 0; i < COUNT(contained); i++)
		if (w_contains(w, n, contained[i]))
			return 1;
	for (i = 0; i < COUNT(whole); i++)
		if (w_equals(w, n, whole[i]))
			return 1;
	for (i = 0; i < COUNT(endings); i++)
		if (w_ends(w, n, endings[i]))
			return 1;
	return 0;
}

/* Where a new word starts at p (p > start): after a separator (handled by the
 * caller), at a lower-to-upper change (apiKey), at the last capital of a run
 * followed by a lower-case letter (APIKey), and between letters and digits. */
static int word_boundary(const char *start, const char *p)
{
	unsigned char c = (unsigned char)*p, prev;

	if (p <= start)
		return 0;
	prev = (unsigned char)p[-1];
	if (isupper(c) && islower(prev))
		return 1;
	if (isupper(c) && isupper(prev) && islower((unsigned char)p[1]))
		return 1;
	return (isdigit(c) && isalpha(prev)) || (isalpha(c) && isdigit(prev));
}

int ecsctl_secret_name(const char *name)
{
	const char *p, *start;

	if (!name)
		return 0;
	for (p = start = name;; p++) {
		int sep = !*p || !isalnum((unsigned char)*p);
		if (sep || word_boundary(start, p)) {
			if (p > start && word_is_secret(start, (size_t)(p - start)))
				return 1;
			if (!*p)
				return 0;
			start = sep ? p + 1 : p;
		}
	}
}

/* ---- values ----------------------------------------------------------- */

/* Each finder returns where the secret part of the first match at or after
 * `s` starts, with its length in *len, or NULL: values are masked whole,
 * text only over that part. */

static int b64url(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Length of the run of b64url characters at s. */
static size_t b64url_run(const char *s)
{
	size_t n = 0;

	while (b64url((unsigned char)s[n]))
		n++;
	return n;
}

/* scheme://user:password@host: the non-empty password. */
static const char *find_url_password(const char *s, size_t *len)
{
	const char *p = s, *end, *at, *colon;

	while ((p = strstr(p, "://"))) {
		p += 3;
		end = p + strcspn(p, "/?# \t\r\n'\"<>");
		/* the last '@': a password may hold an unencoded one */
		for (at = end; at > p && at[-1] != '@'; at--)
			;
		if (at == p)
			continue;
		at--;
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon && colon + 1 < at) {
			*len = (size_t)(at - colon - 1);
			return colon + 1;
		}
	}
	return NULL;
}

static int key_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* NAME=value where NAME looks secret and starts a field (a connection
 * string's `Password=...;`, a query's `&token=...`): the non-empty value. */
static const char *find_assignment(const char *s, size_t *len)
{
	const char *eq, *k, *v;
	char name[64];
	size_t n;

	for (eq = strchr(s, '='); eq; eq = strchr(eq + 1, '=')) {
		for (k = eq; k > s && key_char((unsigned char)k[-1]); k--)
			;
		n = (size_t)(eq - k);
		if (!n || n >= sizeof(name) || (k > s && !strchr(";&?, \t\r\n\"'", k[-1])))
			continue;
		memcpy(name, k, n);
		name[n] = '\0';
		for (v = eq + 1; *v == ' '; v++)
			;
		*len = strcspn(v, ";&, \t\r\n\"'");
		if (*len && ecsctl_secret_name(name))
			return v;
	}
	return NULL;
}

/* AWS access key ids: AKIA (long-term) or ASIA (temporary) + 16 of [A-Z2-7],
 * as a whole token. Other prefixes (AIDA, AROA, ...) name principals, not keys. */
static const char *find_aws_access_key_id(const char *s, size_t *len)
{
	const char *p;
	size_t i;

	for (p = s; (p = strchr(p, 'A')); p++) {
		if ((strncmp(p, "AKIA", 4) && strncmp(p, "ASIA", 4)) ||
		    (p > s && isalnum((unsigned char)p[-1])))
			continue;
		for (i = 4;
		     i < 20 && (isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i])); i++)
			;
		if (i == 20 && !isalnum((unsigned char)p[20])) {
			*len = 20;
			return p;
		}
	}
	return NULL;
}

/* -----BEGIN <LABEL>----- to its -----END <LABEL>----- (or the end): a PEM
 * block (a private key, or anything else such blocks carry). */
static const char *find_pem_block(const char *s, size_t *len)
{
	const char *p = s, *end;
	size_t n;

	while ((p = strstr(p, "-----BEGIN "))) {
		n = strspn(p + 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ");
		if (n > 0 && !strncmp(p + 11 + n, "-----", 5)) {
			end = strstr(p + 16 + n, "-----END ");
			end = end ? strstr(end + 9, "-----") : NULL;
			*len = end ? (size_t)(end + 5 - p) : strlen(p);
			return p;
		}
		p += 11;
	}
	return NULL;
}

/* A JWT: header.payload.signature, base64url, the header a JSON object
 * (base64 of `{"` is `eyJ`). */
static const char *find_jwt(const char *s, size_t *len)
{
	const char *p;
	size_t h, b;

	for (p = s; (p = strstr(p, "eyJ")); p++) {
		if (p > s && b64url((unsigned char)p[-1]))
			continue;
		h = b64url_run(p);
		if (h < 10 || p[h] != '.')
			continue;
		b = b64url_run(p + h + 1);
		if (b >= 10 && p[h + 1 + b] == '.') {
			*len = h + 2 + b + b64url_run(p + h + 2 + b);
			return p;
		}
	}
	return NULL;
}

/* Tokens whose issuers give them a fixed prefix so that scanners find them. */
static const char *find_prefixed_token(const char *s, size_t *len)
{
	static const char *const prefixes[] = {
	    "ghp_",  "gho_",  "ghu_",  "ghs_",  "ghr_",     "github_pat_", "glpat-",
	    "xoxb-", "xoxp-", "xoxa-", "xoxr-", "sk_live_", "rk_live_",    "AIza"};
	const char *p, *best = NULL;
	size_t i, l;

	for (i = 0; i < COUNT(prefixes); i++) {
		l = strlen(prefixes[i]);
		for (p = s; (p = strstr(p, prefixes[i])) && (!best || p < best); p++)
			if ((p == s || !b64url((unsigned char)p[-1])) && b64url_run(p + l) >= 16) {
				best = p;
				*len = l + b64url_run(p + l);
				break;
			}
	}
	return best;
}

typedef const char *(*finder)(const char *s, size_t *len);
static const finder finders[] = {find_url_password, find_assignment, find_aws_access_key_id,
                                 find_pem_block,    find_jwt,        find_prefixed_token};

/* The earliest match of any rule at or after `s`. */
static const char *find_secret(const char *s, size_t *len)
{
	const char *best = NULL, *p;
	size_t i, n = 0;

	for (i = 0; i < COUNT(finders); i++)
		if ((p = finders[i](s, &n)) && (!best || p < best)) {
			best = p;
			*len = n;
		}
	return best;
}

int ecsctl_secret_value(const char *v)
{
	size_t len;

	return v && find_secret(v, &len);
}

void ecsctl_secret_redact(struct ecsctl_buf *out, const char *text)
{
	const char *p;
	size_t len = 0;

	while (text && (p = find_secret(text, &len))) {
		ecsctl_buf_add(out, text, (size_t)(p - text));
		ecsctl_buf_adds(out, ECSCTL_SECRET_MASK);
		text = p + len;
	}
	if (text)
		ecsctl_buf_adds(out, text);
}
