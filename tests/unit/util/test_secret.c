/* ecsctl/secret.h: free text redacted with the rules plans mask values by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ecsctl/secret.h"
#include "util_tests.h"

static void redacts(const char *text, const char *want)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;

	ecsctl_secret_redact(&b, text);
	assert_false(ecsctl_buf_failed(&b));
	assert_string_equal(b.buf, want);
	ecsctl_buf_release(&b);
}

static void test_util_secret__redacts_only_the_secret_part(void **state)
{
	(void)state;
	redacts("GET https://admin:pa55w0rd@db.internal:5432/x failed",
	        "GET https://admin:***@db.internal:5432/x failed");
	/* a password holding '@' ends at the last one */
	redacts("postgres://u:p@ss@h/db", "postgres://u:***@h/db");
	redacts("Server=db;User Id=sa;Password=Hunter2;Encrypt=true",
	        "Server=db;User Id=sa;Password=***;Encrypt=true");
	redacts("https://h/x?a=1&X-Amz-Signature=abcdef&b=2",
	        "https://h/x?a=1&X-Amz-Signature=***&b=2");
	redacts("key AKIAIOSFODNN7EXAMPLE used", "key *** used");
	redacts("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- after",
	        "*** after");
	redacts("two: https://a:b@h and Pwd=x;", "two: https://a:***@h and Pwd=***;");
	/* what is not a secret stays */
	redacts("ssh://git@github.com/o/r.git monkey=1 -Dtoken.ttl=30 sort=key",
	        "ssh://git@github.com/o/r.git monkey=1 -Dtoken.ttl=30 sort=key");
	redacts("Password=", "Password=");
	redacts("", "");
}

static void test_util_secret__values(void **state)
{
	(void)state;
	assert_true(ecsctl_secret_value("Data Source=x;Password=y"));
	assert_true(ecsctl_secret_value("https://u:p@h"));
	assert_false(ecsctl_secret_value("https://u@h"));
	assert_false(ecsctl_secret_value("a=b;c=d"));
	assert_false(ecsctl_secret_value(NULL));
}

int util_secret_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_util_secret__redacts_only_the_secret_part),
	    cmocka_unit_test(test_util_secret__values),
	};
	return cmocka_run_group_tests_name("util_secret", tests, NULL, NULL);
}
