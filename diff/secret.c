/*
 * What looks secret: names (environment variables, log options, labels) and
 * values (credentials that give themselves away by their form, whatever
 * they are called). Masking (mask.c) decides where these apply.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diff_int.h"
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

int ecsctl_diff_name_looks_secret(const char *name)
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

/* A glob matched without regard to case: both sides upper-cased first
 * (fnmatch's FNM_CASEFOLD is a GNU extension). */
static int glob_matches(const char *pattern, const char *name)
{
	char *p = strdup(pattern), *n = strdup(name), *c;
	int r;

	if (!p || !n) {
		free(p);
		free(n);
		return 1; /* out of memory: mask */
	}
	for (c = p; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	for (c = n; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	r = fnmatch(p, n, 0) == 0;
	free(p);
	free(n);
	return r;
}

int diff_name_secret(const char *name, const struct ecsctl_diff_mask *m)
{
	size_t i;

	if (!name)
		return 0;
	if (ecsctl_diff_name_looks_secret(name))
		return 1;
	for (i = 0; m && i < m->nnames; i++)
		if (m->names[i] && glob_matches(m->names[i], name))
			return 1;
	return 0;
}

/* ---- values ----------------------------------------------------------- */

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

/* scheme://user:password@host: the password part is present and non-empty. */
static int url_with_password(const char *v)
{
	const char *p = v, *end, *at, *colon;

	while ((p = strstr(p, "://"))) {
		p += 3;
		end = p + strcspn(p, "/?# \t\n'\"");
		at = memchr(p, '@', (size_t)(end - p));
		colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon && colon + 1 < at)
			return 1;
	}
	return 0;
}

/* AWS access key ids: AKIA (long-term) or ASIA (temporary) + 16 of [A-Z2-7],
 * as a whole token. Other prefixes (AIDA, AROA, ...) name principals, not keys. */
static int aws_access_key_id(const char *v)
{
	const char *p;
	size_t i;

	for (p = v; (p = strchr(p, 'A')); p++) {
		if ((strncmp(p, "AKIA", 4) && strncmp(p, "ASIA", 4)) ||
		    (p > v && isalnum((unsigned char)p[-1])))
			continue;
		for (i = 4;
		     i < 20 && (isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i])); i++)
			;
		if (i == 20 && !isalnum((unsigned char)p[20]))
			return 1;
	}
	return 0;
}

/* -----BEGIN <LABEL>-----: a PEM block (a private key, or anything else
 * such blocks carry: none of it is for a plan to show). */
static int pem_block(const char *v)
{
	const char *p = strstr(v, "-----BEGIN ");
	size_t n;

	if (!p)
		return 0;
	p += 11;
	n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ");
	return n > 0 && strncmp(p + n, "-----", 5) == 0;
}

/* A JWT: header.payload.signature, base64url, the header a JSON object
 * (base64 of `{"` is `eyJ`). */
static int jwt(const char *v)
{
	const char *p;
	size_t h, b;

	for (p = v; (p = strstr(p, "eyJ")); p++) {
		if (p > v && b64url((unsigned char)p[-1]))
			continue;
		h = b64url_run(p);
		if (h < 10 || p[h] != '.')
			continue;
		b = b64url_run(p + h + 1);
		if (b >= 10 && p[h + 1 + b] == '.')
			return 1;
	}
	return 0;
}

/* Tokens whose issuers give them a fixed prefix so that scanners find them. */
static int prefixed_token(const char *v)
{
	static const char *const prefixes[] = {
	    "ghp_",  "gho_",  "ghu_",  "ghs_",  "ghr_",     "github_pat_", "glpat-",
	    "xoxb-", "xoxp-", "xoxa-", "xoxr-", "sk_live_", "rk_live_",    "AIza"};
	const char *p;
	size_t i, l;

	for (i = 0; i < COUNT(prefixes); i++) {
		l = strlen(prefixes[i]);
		for (p = v; (p = strstr(p, prefixes[i])); p++)
			if ((p == v || !b64url((unsigned char)p[-1])) && b64url_run(p + l) >= 16)
				return 1;
	}
	return 0;
}

int ecsctl_diff_value_looks_secret(const char *v)
{
	if (!v)
		return 0;
	return url_with_password(v) || aws_access_key_id(v) || pem_block(v) || jwt(v) ||
	       prefixed_token(v);
}
