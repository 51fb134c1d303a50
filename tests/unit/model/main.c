#include "model_test.h"
#include "banned.h"

int main(void)
{
	int failed = 0;

	failed += run_yaml_tests();
	failed += run_vars_tests();
	failed += run_validate_tests();
	failed += run_describe_tests();
	failed += run_source_tests();
	failed += run_rules_tests();
	failed += run_envs_tests();
	failed += run_overlay_tests();
	return failed ? 1 : 0;
}
