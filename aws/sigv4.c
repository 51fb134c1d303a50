#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ecsctl/sigv4.h"
#include "banned.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

void ecsctl_sigv4_uri_encode(struct ecsctl_buf *out, const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			ecsctl_buf_addch(out, c);
		} else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

			ecsctl_buf_add(out, esc, 3);
		}
	}
}

/* Decodes %XX (a malformed escape is kept literally) then re-encodes. */
static void add_requery(struct ecsctl_buf *out, const char *s, size_t len)
{
	struct ecsctl_buf raw = ECSCTL_BUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len && (hi = ecsctl_hex_digit(s[i + 1])) >= 0 &&
		    (lo = ecsctl_hex_digit(s[i + 2])) >= 0) {
			ecsctl_buf_addch(&raw, hi * 16 + lo);
			i += 2;
		} else {
			ecsctl_buf_addch(&raw, s[i]);
		}
	}
	if (ecsctl_buf_failed(&raw))
		ecsctl_buf_fail_from(out, &raw);
	else
		ecsctl_sigv4_uri_encode(out, raw.buf, raw.len, 0);
	ecsctl_buf_release(&raw);
}

/* botocore's remove_dot_segments: drops "", "." and pops on "..". */
static void add_path(struct ecsctl_buf *out, const char *path)
{
	struct ecsctl_buf norm = ECSCTL_BUF_INIT;
	size_t *starts = NULL, nseg = 0, len, i = 0;

	if (!path || !*path) {
		ecsctl_buf_addch(out, '/');
		return;
	}
	len = strlen(path);
	starts = malloc(sizeof(*starts) * (len / 2 + 2));
	if (!starts) {
		ecsctl_buf_fail(out);
		return;
	}
	while (i <= len) {
		size_t j = i;

		while (j < len && path[j] != '/')
			j++;
		if (j - i == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg) {
				nseg--;
				ecsctl_buf_setlen(&norm, starts[nseg]);
			}
		} else if (j > i && !(j - i == 1 && path[i] == '.')) {
			starts[nseg++] = norm.len;
			if (nseg > 1 || path[0] == '/')
				ecsctl_buf_addch(&norm, '/');
			ecsctl_buf_add(&norm, path + i, j - i);
		}
		i = j + 1;
	}
	if (path[0] == '/' && nseg == 0)
		ecsctl_buf_addch(&norm, '/');
	else if (path[len - 1] == '/' && nseg)
		ecsctl_buf_addch(&norm, '/');
	if (ecsctl_buf_failed(&norm))
		ecsctl_buf_fail_from(out, &norm);
	else
		ecsctl_sigv4_uri_encode(out, norm.buf, norm.len, 1);
	ecsctl_buf_release(&norm);
	free(starts);
}

struct qpair {
	char *key;
	char *value;
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : strcmp(x->value, y->value);
}

static int add_query(struct ecsctl_buf *out, const char *query)
{
	struct qpair *pairs = NULL;
	size_t n = 0, cap = 0, i, len;
	const char *p = query;
	int rc = 0;

	if (!query || !*query)
		return 0;
	len = strlen(query);
	cap = 1;
	for (i = 0; i < len; i++)
		cap += query[i] == '&';
	pairs = calloc(cap, sizeof(*pairs));
	if (!pairs)
		return -1;
	while (*p || p == query) {
		const char *amp = strchr(p, '&'), *eq;
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);
		struct ecsctl_buf k = ECSCTL_BUF_INIT, v = ECSCTL_BUF_INIT;

		if (plen) {
			eq = memchr(p, '=', plen);
			add_requery(&k, p, eq ? (size_t)(eq - p) : plen);
			if (eq)
				add_requery(&v, eq + 1, plen - (size_t)(eq + 1 - p));
			pairs[n].key = ecsctl_buf_detach(&k);
			pairs[n].value = ecsctl_buf_detach(&v);
			n++;
			if (!pairs[n - 1].key || !pairs[n - 1].value) {
				rc = -1;
				goto done;
			}
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	qsort(pairs, n, sizeof(*pairs), qpair_cmp);
	for (i = 0; i < n; i++)
		ecsctl_buf_addf(out, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].value);
done:
	for (i = 0; i < n; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

/* Appends the trimmed, whitespace-collapsed value (Python's ' '.join(v.split())). */
static void add_trimall(struct ecsctl_buf *out, const char *v)
{
	int pending = 0, any = 0;

	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
		    (c >= 0x1c && c <= 0x1f)) {
			pending = any;
			continue;
		}
		if (pending)
			ecsctl_buf_addch(out, ' ');
		pending = 0;
		any = 1;
		ecsctl_buf_addch(out, c);
	}
}

static int is_unsigned_header(const char *name)
{
	return !strcasecmp(name, "user-agent") || !strcasecmp(name, "expect") ||
	       !strcasecmp(name, "x-amzn-trace-id");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *lower_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	size_t i;

	if (!d)
		return NULL;
	for (i = 0; i < len; i++)
		d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	d[len] = '\0';
	return d;
}

/* Collects the sorted, unique, lowercase names to sign. */
static int signed_names(char ***out, size_t *count, const struct ecsctl_sigv4_request *req)
{
	char **names = NULL;
	size_t n = 0, i, cap;
	const char *s = req->signed_headers;

	if (s) {
		cap = 1;
		for (i = 0; s[i]; i++)
			cap += s[i] == ';';
	} else {
		cap = req->nheaders;
	}
	names = calloc(cap ? cap : 1, sizeof(*names));
	if (!names)
		return -1;
	if (s) {
		while (1) {
			const char *semi = strchr(s, ';');
			size_t len = semi ? (size_t)(semi - s) : strlen(s);

			while (len && (*s == ' '))
				s++, len--;
			while (len && s[len - 1] == ' ')
				len--;
			if (len && !(names[n++] = lower_dup(s, len)))
				goto oom;
			if (!semi)
				break;
			s = semi + 1;
		}
	} else {
		for (i = 0; i < req->nheaders; i++) {
			const char *nm = req->headers[i].name;

			if (is_unsigned_header(nm))
				continue;
			if (!(names[n++] = lower_dup(nm, strlen(nm))))
				goto oom;
		}
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 1; i < n;) {
		if (!strcmp(names[i], names[i - 1])) {
			free(names[i]);
			memmove(names + i, names + i + 1, (n - i - 1) * sizeof(*names));
			n--;
		} else {
			i++;
		}
	}
	*out = names;
	*count = n;
	return 0;
oom:
	while (n)
		free(names[--n]);
	free(names);
	return -1;
}

static int sha256_hex(struct ecsctl_buf *out, const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL))
		return -1;
	ecsctl_buf_addhex(out, md, mdlen);
	return 0;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (ecsctl_hex_digit(s[i]) < 0)
			return 0;
	return s[64] == '\0';
}

int ecsctl_sigv4_canonical_request(struct ecsctl_buf *out, const struct ecsctl_sigv4_request *req,
                                   struct ecsctl_error *err)
{
	char **names = NULL;
	size_t nnames = 0, i, j;
	const char *m;
	int rc = 0;

	if (!req->method || !*req->method)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "sigv4: no method");
	if (req->payload_hash && !is_hex64(req->payload_hash))
		return ecsctl_error_set(err, ECSCTL_EINVAL, "sigv4: payload hash is not 64 hex");
	if (signed_names(&names, &nnames, req))
		return ecsctl_error_nomem(err);
	for (m = req->method; *m; m++)
		ecsctl_buf_addch(out, (*m >= 'a' && *m <= 'z') ? *m - 32 : *m);
	ecsctl_buf_addch(out, '\n');
	add_path(out, req->path);
	ecsctl_buf_addch(out, '\n');
	if (add_query(out, req->query)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	ecsctl_buf_addch(out, '\n');
	for (i = 0; i < nnames; i++) {
		int found = 0;

		ecsctl_buf_addf(out, "%s:", names[i]);
		for (j = 0; j < req->nheaders; j++) {
			if (strcasecmp(req->headers[j].name, names[i]))
				continue;
			if (found++)
				ecsctl_buf_addch(out, ',');
			add_trimall(out, req->headers[j].value ? req->headers[j].value : "");
		}
		if (!found) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "sigv4: signed header '%s' is not in the request",
			                      names[i]);
			goto done;
		}
		ecsctl_buf_addch(out, '\n');
	}
	ecsctl_buf_addch(out, '\n');
	for (i = 0; i < nnames; i++)
		ecsctl_buf_addf(out, "%s%s", i ? ";" : "", names[i]);
	ecsctl_buf_addch(out, '\n');
	if (req->payload_hash) {
		for (m = req->payload_hash; *m; m++)
			ecsctl_buf_addch(out, (*m >= 'A' && *m <= 'F') ? *m + 32 : *m);
	} else if (sha256_hex(out, req->payload, req->payload_len)) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "sigv4: sha256 failed");
		goto done;
	}
	if (ecsctl_buf_failed(out))
		rc = ecsctl_error_nomem(err);
done:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return rc;
}

int ecsctl_sigv4_string_to_sign(struct ecsctl_buf *out, const char *canonical_request,
                                size_t canonical_len, const char *amz_date, const char *region,
                                const char *service, struct ecsctl_error *err)
{
	if (!amz_date || strlen(amz_date) < 8 || !region || !service)
		return ecsctl_error_set(err, ECSCTL_EINVAL, "sigv4: bad date, region or service");
	ecsctl_buf_addf(out, ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n", amz_date, amz_date,
	                region, service);
	if (sha256_hex(out, canonical_request, canonical_len) || ecsctl_buf_failed(out))
		return ecsctl_error_nomem(err);
	return 0;
}

static int hmac(unsigned char out[32], const void *key, size_t keylen, const char *msg,
                size_t msglen)
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, out,
	            &len) == NULL;
}

int ecsctl_sigv4_signature(char out[65], const struct ecsctl_sigv4_request *req,
                           const char *amz_date, const char *region, const char *service,
                           const char *secret_key, struct ecsctl_error *err)
{
	struct ecsctl_buf cr = ECSCTL_BUF_INIT, sts = ECSCTL_BUF_INIT, key = ECSCTL_BUF_INIT;
	struct ecsctl_buf hex = ECSCTL_BUF_INIT;
	unsigned char k[32], sig[32];
	int rc;

	out[0] = '\0';
	rc = ecsctl_sigv4_canonical_request(&cr, req, err);
	if (!rc)
		rc = ecsctl_sigv4_string_to_sign(&sts, cr.buf, cr.len, amz_date, region, service,
		                                 err);
	if (rc)
		goto done;
	ecsctl_buf_addf(&key, "AWS4%s", secret_key ? secret_key : "");
	if (ecsctl_buf_failed(&key) || hmac(k, key.buf, key.len, amz_date, 8) ||
	    hmac(k, k, 32, region, strlen(region)) || hmac(k, k, 32, service, strlen(service)) ||
	    hmac(k, k, 32, "aws4_request", 12) || hmac(sig, k, 32, sts.buf, sts.len)) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "sigv4: hmac failed");
		goto done;
	}
	ecsctl_buf_addhex(&hex, sig, 32);
	if (ecsctl_buf_failed(&hex)) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	memcpy(out, hex.buf, 65);
done:
	OPENSSL_cleanse(k, sizeof(k));
	if (key.alloc)
		OPENSSL_cleanse(key.buf, key.len);
	ecsctl_buf_release(&key);
	ecsctl_buf_release(&cr);
	ecsctl_buf_release(&sts);
	ecsctl_buf_release(&hex);
	return rc;
}

int ecsctl_sigv4_authorization(struct ecsctl_buf *out, const struct ecsctl_sigv4_request *req,
                               const char *amz_date, const char *region, const char *service,
                               const char *access_key, const char *secret_key,
                               struct ecsctl_error *err)
{
	char sig[65];
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	rc = ecsctl_sigv4_signature(sig, req, amz_date, region, service, secret_key, err);
	if (rc)
		return rc;
	if (signed_names(&names, &n, req))
		return ecsctl_error_nomem(err);
	ecsctl_buf_addf(out, ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=",
	                access_key, amz_date, region, service);
	for (i = 0; i < n; i++) {
		ecsctl_buf_addf(out, "%s%s", i ? ";" : "", names[i]);
		free(names[i]);
	}
	free(names);
	ecsctl_buf_addf(out, ", Signature=%s", sig);
	OPENSSL_cleanse(sig, sizeof(sig));
	if (ecsctl_buf_failed(out))
		return ecsctl_error_nomem(err);
	return 0;
}

/* Copies the text up to `stop` (or the end) into dst; -1 when it does not fit or is empty. */
static int take(char *dst, size_t cap, const char **p, char stop)
{
	const char *end = stop ? strchr(*p, stop) : NULL;
	size_t len = end ? (size_t)(end - *p) : strcspn(*p, ", ");

	if (!len || len >= cap)
		return -1;
	memcpy(dst, *p, len);
	dst[len] = '\0';
	*p += len + (end ? 1 : 0);
	return 0;
}

int ecsctl_sigv4_parse_authorization(struct ecsctl_sigv4_auth *out, const char *value,
                                     struct ecsctl_error *err)
{
	const char *p = value;
	int have_cred = 0, have_sh = 0, have_sig = 0;
	char term[16];

	memset(out, 0, sizeof(*out));
	if (!p || strncmp(p, ALGORITHM " ", sizeof(ALGORITHM)))
		goto bad;
	p += sizeof(ALGORITHM);
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncmp(p, "Credential=", 11)) {
			p += 11;
			if (take(out->access_key, sizeof(out->access_key), &p, '/') ||
			    take(out->date, sizeof(out->date), &p, '/') || strlen(out->date) != 8 ||
			    take(out->region, sizeof(out->region), &p, '/') ||
			    take(out->service, sizeof(out->service), &p, '/') ||
			    take(term, sizeof(term), &p, 0) || strcmp(term, "aws4_request"))
				goto bad;
			have_cred = 1;
		} else if (!strncmp(p, "SignedHeaders=", 14)) {
			p += 14;
			if (take(out->signed_headers, sizeof(out->signed_headers), &p, 0))
				goto bad;
			have_sh = 1;
		} else if (!strncmp(p, "Signature=", 10)) {
			p += 10;
			if (take(out->signature, sizeof(out->signature), &p, 0) ||
			    !is_hex64(out->signature))
				goto bad;
			have_sig = 1;
		} else if (*p) {
			goto bad;
		}
	}
	if (have_cred && have_sh && have_sig)
		return 0;
bad:
	memset(out, 0, sizeof(*out));
	return ecsctl_error_set(err, ECSCTL_EINVAL, "malformed Authorization header");
}

int ecsctl_sigv4_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

void ecsctl_sigv4_amz_date(char out[17], int64_t epoch_seconds)
{
	time_t t = (time_t)epoch_seconds;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm))
		out[0] = '\0';
}
