#include "ops_tests.h"

int main(void)
{
	int failed = 0;

	failed += ops_run_drift_tests();
	failed += ops_run_watch_tests();
	failed += ops_run_import_tests();
	return failed ? 1 : 0;
}
