#include "sim_tests.h"

int main(void)
{
	int failed = 0;

	failed += sim_tests_deploy();
	failed += sim_tests_parts();
	failed += sim_tests_query();
	failed += sim_tests_placement();
	failed += sim_tests_throttle();
	return failed ? 1 : 0;
}
