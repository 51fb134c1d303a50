/* The ecsctl:taskdef tag (reconcile/taskdef_tag.c), its substitution at
 * apply time, and the cache of task definitions by ARN (td_cache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ecsctl/reconcile.h"
#include "reconcile_int.h"
#include "reconcile_tests.h"
#include "banned.h"

#define ARN(x) "arn:aws:ecs:us-east-1:123456789012:task-definition/" x
#define DIGEST "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static json_t *td(const char *image, const char *cpu, int reversed)
{
	return json_pack("{s:s,s:s,s:[{s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}]}", "family", "web", "cpu",
	                 cpu, "containerDefinitions", "name", "web", "image", image, "environment",
	                 "name", reversed ? "B" : "A", "value", reversed ? "2" : "1", "name",
	                 reversed ? "A" : "B", "value", reversed ? "1" : "2");
}

static void test_taskdef_tag__format_names_the_revision_digest_and_rules(void **state)
{
	char *t = reconcile_taskdef_tag(ARN("web:3"), DIGEST);
	char family[200], ref[240];

	(void)state;
	assert_string_equal(t, "web:3 " DIGEST " n1");
	free(t);
	/* before the register: the placeholder, replaced at apply time */
	t = reconcile_taskdef_tag("(new revision of web)", DIGEST);
	assert_string_equal(t, "(new revision of web) " DIGEST " n1");
	free(t);
	/* a family alone names no revision */
	assert_null(reconcile_taskdef_tag("web", DIGEST));
	/* too long for a tag value (256): no tag rather than a refused call */
	memset(family, 'f', 180);
	family[180] = '\0';
	snprintf(ref, sizeof(ref), "%s:1", family);
	assert_null(reconcile_taskdef_tag(ref, DIGEST));
	snprintf(ref, sizeof(ref), "(new revision of %s)", family);
	assert_null(reconcile_taskdef_tag(ref, DIGEST));
}

static void test_taskdef_tag__digest_is_of_the_normalized_form(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	json_t *a = td("nginx:1.25", "256", 0), *b = td("nginx:1.25", "0.25 vCPU", 1);
	json_t *c = td("nginx:1.27", "256", 0);
	char *da = reconcile_taskdef_digest(a, &err), *db = reconcile_taskdef_digest(b, &err);
	char *dc = reconcile_taskdef_digest(c, &err);

	(void)state;
	assert_non_null(da);
	assert_int_equal(strlen(da), strlen(DIGEST));
	assert_memory_equal(da, "sha256:", 7);
	/* equal after normalization (cpu units, environment order): one digest */
	assert_string_equal(da, db);
	assert_string_not_equal(da, dc);
	free(da);
	free(db);
	free(dc);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	ecsctl_error_release(&err);
}

static json_t *service(const char *arn, const char *tag)
{
	return json_pack("{s:s,s:[{s:s,s:s}]}", "taskDefinition", arn, "tags", "key",
	                 ECSCTL_TASKDEF_TAG, "value", tag);
}

static void test_taskdef_tag__vouches_only_for_the_same_revision_and_digest(void **state)
{
	const char
	    *other = "sha256:ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	json_t *s;

	(void)state;
	s = service(ARN("web:3"), "web:3 " DIGEST " n1");
	assert_true(reconcile_taskdef_vouched(s, DIGEST));
	/* the desired task definition changed */
	assert_false(reconcile_taskdef_vouched(s, other));
	json_decref(s);
	/* moved out of band to another revision */
	s = service(ARN("web:4"), "web:3 " DIGEST " n1");
	assert_false(reconcile_taskdef_vouched(s, DIGEST));
	json_decref(s);
	/* a digest made under other normalization rules */
	s = service(ARN("web:3"), "web:3 " DIGEST " n0");
	assert_false(reconcile_taskdef_vouched(s, DIGEST));
	json_decref(s);
	/* not an ARN: could be any account's web:3 */
	s = service("web:3", "web:3 " DIGEST " n1");
	assert_false(reconcile_taskdef_vouched(s, DIGEST));
	json_decref(s);
	/* no tag */
	s = json_pack("{s:s,s:[]}", "taskDefinition", ARN("web:3"), "tags");
	assert_false(reconcile_taskdef_vouched(s, DIGEST));
	json_decref(s);
}

static void test_taskdef_tag__apply_substitutes_the_registered_revision(void **state)
{
	json_t *registered = json_pack("{s:s}", "web", ARN("web:4"));
	json_t *req = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s}]}", "taskDefinition",
	                        "(new revision of web)", "tags", "key", ECSCTL_TASKDEF_TAG, "value",
	                        "(new revision of web) " DIGEST " n1", "key", "note", "value",
	                        "(new revision of web)x");
	json_t *out = reconcile_substitute(req, registered);
	json_t *tags = json_object_get(out, "tags");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(out, "taskDefinition")),
	                    ARN("web:4"));
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 0), "value")),
	                    "web:4 " DIGEST " n1");
	/* only a whole placeholder, or one followed by a space */
	assert_string_equal(json_string_value(json_object_get(json_array_get(tags, 1), "value")),
	                    "(new revision of web)x");
	json_decref(out);
	json_decref(req);
	json_decref(registered);
}

static json_t *cached(int rev)
{
	char arn[128];

	snprintf(arn, sizeof(arn), ARN("web:%d"), rev);
	return json_pack("{s:s,s:i}", "taskDefinitionArn", arn, "revision", rev);
}

static void test_td_cache__bounded_least_recently_used_goes(void **state)
{
	struct ecsctl_td_cache *c = NULL;
	json_t *a = cached(1), *b = cached(2), *d = cached(3);

	(void)state;
	assert_int_equal(ecsctl_td_cache_new(&c, 2), 0);
	assert_int_equal(ecsctl_td_cache_put(c, a), 0);
	assert_int_equal(ecsctl_td_cache_put(c, b), 0);
	assert_int_equal(ecsctl_td_cache_put(c, a), 0); /* already there: no second entry */
	assert_int_equal(ecsctl_td_cache_count(c), 2);
	assert_ptr_equal(ecsctl_td_cache_get(c, ARN("web:1")), a); /* web:2 is now the oldest */
	assert_int_equal(ecsctl_td_cache_put(c, d), 0);
	assert_int_equal(ecsctl_td_cache_count(c), 2);
	assert_null(ecsctl_td_cache_get(c, ARN("web:2")));
	assert_ptr_equal(ecsctl_td_cache_get(c, ARN("web:1")), a);
	assert_ptr_equal(ecsctl_td_cache_get(c, ARN("web:3")), d);
	/* web:1 is the oldest now */
	assert_int_equal(ecsctl_td_cache_put(c, b), 0);
	assert_null(ecsctl_td_cache_get(c, ARN("web:1")));
	assert_non_null(ecsctl_td_cache_get(c, ARN("web:2")));
	/* NULL cache: nothing kept, nothing found */
	assert_int_equal(ecsctl_td_cache_put(NULL, a), 0);
	assert_null(ecsctl_td_cache_get(NULL, ARN("web:1")));
	ecsctl_td_cache_free(c);
	json_decref(a);
	json_decref(b);
	json_decref(d);
}

int reconcile_taskdef_tag_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_taskdef_tag__format_names_the_revision_digest_and_rules),
	    cmocka_unit_test(test_taskdef_tag__digest_is_of_the_normalized_form),
	    cmocka_unit_test(test_taskdef_tag__vouches_only_for_the_same_revision_and_digest),
	    cmocka_unit_test(test_taskdef_tag__apply_substitutes_the_registered_revision),
	    cmocka_unit_test(test_td_cache__bounded_least_recently_used_goes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
