/* The libcurl transport: TLS verification is on, redirects are not followed. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "aws_tests.h"
#include "ecsctl/http.h"
#include "loopback.h"

static int hits;

static void count_handler(void *ud, const struct lb_request *req, struct lb_response *resp)
{
	hits++;
	resp->status = 302;
	resp->headers[0][0] = "Location";
	resp->headers[0][1] = "http://127.0.0.1:1/elsewhere";
	resp->body = "moved";
}

/* A self-signed certificate for 127.0.0.1, as PEM strings (caller frees). */
static void self_signed(char **cert_pem, char **key_pem)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *b;
	long len;
	char *p;

	assert_non_null(key);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1,
	                           -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	len = BIO_get_mem_data(b, &p);
	*cert_pem = strndup(p, (size_t)len);
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
	len = BIO_get_mem_data(b, &p);
	*key_pem = strndup(p, (size_t)len);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
}

static int run_get(const char *url, struct ecsctl_http_exchange *x, struct ecsctl_error *err)
{
	struct ecsctl_http_transport t;
	int rc;

	assert_int_equal(ecsctl_http_curl_new(&t, 2, err), 0);
	memset(x, 0, sizeof(*x));
	x->method = "GET";
	x->url = url;
	/* a TLS handshake under valgrind takes seconds */
	x->connect_timeout_ms = 30000;
	x->timeout_ms = 30000;
	rc = ecsctl_http_run(&t, x, err);
	ecsctl_http_transport_release(&t);
	return rc;
}

static void test_aws_http__tls_peer_is_verified(void **state)
{
	char *cert = NULL, *key = NULL;
	struct lb_server *srv;
	struct ecsctl_http_exchange x;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;

	self_signed(&cert, &key);
	hits = 0;
	srv = lb_start_tls(count_handler, NULL, cert, key);
	if (!srv) {
		free(cert);
		free(key);
		skip(); /* libmicrohttpd built without TLS */
	}
	/* a self-signed certificate is refused before any request is sent */
	assert_int_equal(run_get(lb_url(srv), &x, &err), ECSCTL_ENET);
	assert_int_equal(x.net, ECSCTL_HTTP_CONNECT);
	assert_int_equal(hits, 0);
	ecsctl_error_release(&err);
	ecsctl_http_exchange_release(&x);
	lb_stop(srv);
	free(cert);
	free(key);
}

static void test_aws_http__redirects_not_followed(void **state)
{
	struct lb_server *srv;
	struct ecsctl_http_exchange x;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	char *loc;

	hits = 0;
	srv = lb_start(count_handler, NULL);
	assert_int_equal(run_get(lb_url(srv), &x, &err), 0);
	assert_int_equal(x.status, 302);
	assert_int_equal(hits, 1);
	loc = ecsctl_http_header(&x, "location");
	assert_string_equal(loc, "http://127.0.0.1:1/elsewhere");
	assert_string_equal(x.resp_body.buf, "moved");
	free(loc);
	ecsctl_http_exchange_release(&x);
	lb_stop(srv);
}

static void test_aws_http__refused_connection_is_connect_error(void **state)
{
	struct ecsctl_http_exchange x;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct lb_server *srv = lb_start(count_handler, NULL);
	char url[64];

	/* a port that was just free: nothing listens there any more */
	memcpy(url, lb_url(srv), sizeof(url));
	lb_stop(srv);
	assert_int_equal(run_get(url, &x, &err), ECSCTL_ENET);
	assert_int_equal(x.net, ECSCTL_HTTP_CONNECT);
	ecsctl_error_release(&err);
	ecsctl_http_exchange_release(&x);
}

int aws_tests_http(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aws_http__tls_peer_is_verified),
	    cmocka_unit_test(test_aws_http__redirects_not_followed),
	    cmocka_unit_test(test_aws_http__refused_connection_is_connect_error),
	};

	return cmocka_run_group_tests_name("aws_http", tests, NULL, NULL);
}
