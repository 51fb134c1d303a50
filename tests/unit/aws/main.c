#include "aws_tests.h"

int main(void)
{
	int failed = 0;

	failed += aws_tests_sigv4();
	failed += aws_tests_parse();
	failed += aws_tests_http();
	failed += aws_tests_seam();
	failed += aws_tests_creds();
	failed += aws_tests_creds_process();
	failed += aws_tests_creds_sso();
	failed += aws_tests_settings();
	failed += aws_tests_client();
	return failed ? 1 : 0;
}
