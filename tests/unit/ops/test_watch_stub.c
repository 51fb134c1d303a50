#include "ops_tests.h"

int ops_run_watch_tests(void)
{
	return 0;
}
