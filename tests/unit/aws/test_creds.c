#include "aws_tests.h"
int aws_tests_creds(void)
{
	return 0;
}
int aws_tests_parse(void)
{
	return 0;
}
