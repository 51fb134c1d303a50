/* The Terraform state address reader: outputs, resources in modules,
 * count and for_each keys, data sources, paths, sensitivity, errors. */
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecsctl/lookup.h"
#include "banned.h"

/* A state as Terraform 1.x writes it (trimmed to what addresses read). */
static const char STATE[] =
    "{\"version\": 4, \"outputs\": {"
    "  \"vpc_id\": {\"value\": \"vpc-1\", \"type\": \"string\"},"
    "  \"db\": {\"value\": {\"host\": \"db.internal\", \"ports\": [5432, 5433]},"
    "           \"type\": [\"object\", {}]},"
    "  \"db_password\": {\"value\": \"pw\", \"type\": \"string\", \"sensitive\": true}},"
    " \"resources\": ["
    "  {\"mode\": \"managed\", \"type\": \"aws_lb\", \"name\": \"main\", \"instances\": ["
    "    {\"attributes\": {\"arn\": \"arn:lb/main\", \"tags\": {\"Name\": \"main\"},"
    "                    \"subnets\": [\"s-1\", \"s-2\"]}}]},"
    "  {\"mode\": \"data\", \"type\": \"aws_lb\", \"name\": \"main\", \"instances\": ["
    "    {\"attributes\": {\"arn\": \"arn:lb/data\"}}]},"
    "  {\"mode\": \"managed\", \"type\": \"aws_subnet\", \"name\": \"private\","
    "   \"each\": \"list\", \"instances\": ["
    "    {\"index_key\": 0, \"attributes\": {\"id\": \"subnet-0\"}},"
    "    {\"index_key\": 1, \"attributes\": {\"id\": \"subnet-1\"}}]},"
    "  {\"module\": \"module.app\", \"mode\": \"managed\", \"type\": \"aws_db_instance\","
    "   \"name\": \"db\", \"instances\": [{\"attributes\": {\"address\": \"rds.internal\","
    "   \"password\": \"dbpw\"}, \"sensitive_attributes\": [[{\"type\": \"get_attr\","
    "   \"value\": \"password\"}]]}]},"
    "  {\"module\": \"module.net[\\\"eu\\\"].module.sg[0]\", \"mode\": \"managed\","
    "   \"type\": \"aws_security_group\", \"name\": \"web\", \"each\": \"map\","
    "   \"instances\": [{\"index_key\": \"a\", \"attributes\": {\"id\": \"sg-a\"},"
    "   \"sensitive_attributes\": [{\"type\": \"get_attr\", \"value\": \"id\"}]},"
    "   {\"index_key\": \"b\", \"attributes\": {\"id\": \"sg-b\"}}]}"
    "]}";

static json_t *state(void)
{
	json_t *s = json_loads(STATE, 0, NULL);

	assert_non_null(s);
	return s;
}

/* The value at `address` as compact JSON; `secret` gets its flag. */
static char *at(const char *address, bool *secret)
{
	json_t *s = state(), *v = NULL;
	char *why = NULL, *text;
	bool sec = false;

	if (ecsctl_lookup_tfstate(&v, &sec, s, address, &why)) {
		text = why;
	} else {
		assert_null(why);
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	}
	if (secret)
		*secret = sec;
	json_decref(v);
	json_decref(s);
	return text;
}

static void check(const char *address, const char *want, bool want_secret)
{
	bool secret = !want_secret;
	char *got = at(address, &secret);

	assert_string_equal(got, want);
	assert_int_equal(secret, want_secret);
	free(got);
}

static void test_lookup_tfstate__outputs(void **st)
{
	(void)st;
	check("outputs.vpc_id", "\"vpc-1\"", false);
	check("output.vpc_id", "\"vpc-1\"", false);
	check("outputs.db", "{\"host\":\"db.internal\",\"ports\":[5432,5433]}", false);
	check("outputs.db.host", "\"db.internal\"", false);
	check("outputs.db.ports[1]", "5433", false);
	check("outputs.db[\"host\"]", "\"db.internal\"", false);
	check("outputs.db_password", "\"pw\"", true);
}

static void test_lookup_tfstate__resources(void **st)
{
	(void)st;
	check("aws_lb.main.arn", "\"arn:lb/main\"", false);
	check("aws_lb.main.tags.Name", "\"main\"", false);
	check("aws_lb.main.subnets[0]", "\"s-1\"", false);
	check("data.aws_lb.main.arn", "\"arn:lb/data\"", false);
}

static void test_lookup_tfstate__count_and_for_each_keys(void **st)
{
	(void)st;
	check("aws_subnet.private[1].id", "\"subnet-1\"", false);
	check("aws_subnet.private[0].id", "\"subnet-0\"", false);
	check("module.net[\"eu\"].module.sg[0].aws_security_group.web[\"b\"].id", "\"sg-b\"",
	      false);
	/* sensitive_attributes, flat form (Terraform 1.10+) */
	check("module.net[\"eu\"].module.sg[0].aws_security_group.web[\"a\"].id", "\"sg-a\"", true);
}

static void test_lookup_tfstate__modules_and_sensitive_attributes(void **st)
{
	(void)st;
	check("module.app.aws_db_instance.db.address", "\"rds.internal\"", false);
	check("module.app.aws_db_instance.db.password", "\"dbpw\"", true);
}

static void test_lookup_tfstate__errors_say_what_is_missing(void **st)
{
	(void)st;
	check("outputs.nope", "the state has no output 'nope'", false);
	check("outputs.db.user", "no 'user' in the value", false);
	check("aws_lb.other.arn", "the state has no resource 'aws_lb.other'", false);
	check("aws_db_instance.db.address", "the state has no resource 'aws_db_instance.db'",
	      false);
	check("module.app.aws_db_instance.db",
	      "name an attribute of 'module.app.aws_db_instance.db'"
	      " (module.app.aws_db_instance.db.id)",
	      false);
	check("aws_subnet.private.id",
	      "'aws_subnet.private' has count or for_each: name an instance with [0] or [\"key\"]",
	      false);
	check("aws_subnet.private[7].id", "'aws_subnet.private' has no such instance", false);
	check("aws_subnet.private[\"0\"].id", "'aws_subnet.private' has no such instance", false);
	check("aws_lb.main[0].arn", "'aws_lb.main' has one instance: write it without a key",
	      false);
	check("module.net.module.sg[0].aws_security_group.web[\"a\"].id",
	      "the state has no resource 'module.net.module.sg[0].aws_security_group.web'", false);
	check("aws_subnet.private[x].id", "a key is [0] or [\"name\"], not '[x].id'", false);
	check("aws_lb", "'aws_lb' is not TYPE.NAME or outputs.NAME", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup_tfstate__outputs),
	    cmocka_unit_test(test_lookup_tfstate__resources),
	    cmocka_unit_test(test_lookup_tfstate__count_and_for_each_keys),
	    cmocka_unit_test(test_lookup_tfstate__modules_and_sensitive_attributes),
	    cmocka_unit_test(test_lookup_tfstate__errors_say_what_is_missing),
	};

	return cmocka_run_group_tests_name("lookup", tests, NULL, NULL) ? 1 : 0;
}
