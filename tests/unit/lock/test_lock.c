/*
 * The lease logic (lock/lease.c) on a compare-and-swap store in memory and a
 * virtual clock, and the file backend's flock for real: acquire, wait and
 * give up naming the holder, take an expired lease over only if unchanged,
 * the heartbeat's pace and its loss, release, unlock --force.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lock_int.h"
#include "banned.h"

/* ---- a store in memory: one lease and its version ---- */
struct mem {
	struct ecsctl_lease cur;
	bool set;
	int version;
	int creates, replaces, removes;
	bool lose_create_answer; /* write, then answer "exists" (a retried lost answer) */
	int64_t now;
	long sleeps;
};

static struct mem M;

static void copy_lease(struct ecsctl_lease *to, const struct ecsctl_lease *from)
{
	to->id = strdup(from->id);
	to->holder = strdup(from->holder);
	to->commit = strdup(from->commit);
	to->started_ms = from->started_ms;
	to->expires_ms = from->expires_ms;
}

static char *ver(void)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "v%d", M.version);
	return strdup(buf);
}

static void put(const struct ecsctl_lease *l)
{
	ecsctl_lease_release(&M.cur);
	copy_lease(&M.cur, l);
	M.set = true;
	M.version++;
}

static int mem_create(struct ecsctl_lock *l, const struct ecsctl_lease *mine, char **version,
                      struct ecsctl_error *err)
{
	(void)l;
	M.creates++;
	*version = NULL;
	if (M.set)
		return ecsctl_error_set(err, ECSCTL_ELOCKED, "exists");
	put(mine);
	if (M.lose_create_answer) {
		M.lose_create_answer = false;
		return ecsctl_error_set(err, ECSCTL_ELOCKED, "exists (our own, answer lost)");
	}
	*version = ver();
	return 0;
}

static int mem_get(struct ecsctl_lock *l, struct ecsctl_lease *out, char **version,
                   struct ecsctl_error *err)
{
	(void)l;
	memset(out, 0, sizeof(*out));
	*version = NULL;
	if (!M.set)
		return ecsctl_error_set(err, ECSCTL_ENOTFOUND, "none");
	copy_lease(out, &M.cur);
	*version = ver();
	return 0;
}

static int mem_replace(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                       const struct ecsctl_lease *mine, char **new_version,
                       struct ecsctl_error *err)
{
	char *now = ver();
	bool same = M.set && !strcmp(now, version ? version : "") && !strcmp(M.cur.id, old->id);

	(void)l;
	free(now);
	M.replaces++;
	*new_version = NULL;
	if (!same)
		return ecsctl_error_set(err, ECSCTL_ELOCKED, "changed");
	put(mine);
	*new_version = ver();
	return 0;
}

static int mem_remove(struct ecsctl_lock *l, const struct ecsctl_lease *old, const char *version,
                      struct ecsctl_error *err)
{
	char *now = ver();
	bool same = M.set && !strcmp(now, version ? version : "") && !strcmp(M.cur.id, old->id);

	(void)l;
	free(now);
	M.removes++;
	if (!M.set)
		return ecsctl_error_set(err, ECSCTL_ENOTFOUND, "none");
	if (!same)
		return ecsctl_error_set(err, ECSCTL_ELOCKED, "changed");
	ecsctl_lease_release(&M.cur);
	M.set = false;
	return 0;
}

static const struct lock_backend mem_backend = {mem_create, mem_get, mem_replace, mem_remove};

static int64_t v_now(void *ud)
{
	(void)ud;
	return M.now;
}

static void v_sleep(void *ud, int64_t ms)
{
	(void)ud;
	M.now += ms;
	M.sleeps++;
}

static struct ecsctl_lock *mem_lock(int64_t ttl_ms)
{
	struct ecsctl_lock_config cfg = {0};
	struct ecsctl_lock_options o;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *l = NULL;

	memset(&o, 0, sizeof(o));
	o.wall_ms = v_now;
	o.sleep_ms = v_sleep;
	cfg.backend = "file";
	cfg.path = "/nonexistent/unused.lock";
	cfg.key = "shop";
	cfg.ttl_ms = ttl_ms;
	assert_int_equal(ecsctl_lock_new(&l, &cfg, &o, &err), 0);
	l->be = &mem_backend;
	return l;
}

static void plant(const char *id, const char *holder, int64_t started, int64_t expires)
{
	struct ecsctl_lease l = {(char *)id, (char *)holder, (char *)"c0ffee", started, expires};

	put(&l);
}

static int reset(void **state)
{
	(void)state;
	ecsctl_lease_release(&M.cur);
	memset(&M, 0, sizeof(M));
	M.now = 1700000000000;
	return 0;
}

static void test_lease__acquire_release_and_acquire_again(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = mem_lock(60000), *b = mem_lock(60000);

	(void)state;
	assert_int_equal(ecsctl_lock_acquire(a, "abc123", 0, &err), 0);
	assert_non_null(ecsctl_lock_held(a));
	assert_string_equal(M.cur.commit, "abc123");
	assert_true(M.cur.expires_ms == M.now + 60000);
	assert_non_null(strstr(M.cur.holder, "pid "));
	assert_int_equal(ecsctl_lock_release(a, &err), 0);
	assert_false(M.set);
	assert_int_equal(ecsctl_lock_acquire(b, "def456", 0, &err), 0);
	ecsctl_lock_release(b, &err);
	ecsctl_lock_free(a);
	ecsctl_lock_free(b);
}

static void test_lease__a_live_holder_makes_the_second_wait_then_fail_naming_it(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *b = mem_lock(60000);
	int64_t t0 = M.now;

	(void)state;
	plant("11112222333344445555666677778888", "ci@runner-3 pid 77", M.now - 125000,
	      M.now + 3600000);
	assert_int_equal(ecsctl_lock_acquire(b, "def456", 5000, &err), ECSCTL_ELOCKED);
	/* waited the timeout on the virtual clock, polling every second */
	assert_true(M.now - t0 >= 5000 && M.now - t0 < 6000);
	assert_int_equal(M.sleeps, 5);
	assert_non_null(strstr(err.message, "is held by ci@runner-3 pid 77 (commit c0ffee, for "
	                                    "2m10s, lease 11112222333344445555666677778888)"));
	assert_non_null(
	    strstr(err.message, "ecsctl unlock --force 11112222333344445555666677778888"));
	assert_string_equal(M.cur.holder, "ci@runner-3 pid 77"); /* untouched */
	ecsctl_error_release(&err);
	ecsctl_lock_free(b);
}

static void test_lease__an_expired_lease_is_taken_over_only_if_unchanged(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *b = mem_lock(60000);

	(void)state;
	plant("deadbeefdeadbeefdeadbeefdeadbeef", "ghost@ci-7 pid 1", M.now - 600000, M.now - 1);
	assert_int_equal(ecsctl_lock_acquire(b, "def456", 0, &err), 0);
	assert_string_equal(M.cur.commit, "def456");
	assert_int_equal(M.replaces, 1);
	assert_non_null(ecsctl_lock_taken_from(b));
	assert_non_null(strstr(ecsctl_lock_taken_from(b), "ghost@ci-7 pid 1"));
	ecsctl_lock_release(b, &err);
	ecsctl_lock_free(b);
}

static void test_lease__heartbeat_renews_every_third_of_the_ttl(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = mem_lock(30000);
	int64_t first;

	(void)state;
	assert_int_equal(ecsctl_lock_acquire(a, "abc", 0, &err), 0);
	first = M.cur.expires_ms;
	M.now += 9000;
	assert_int_equal(ecsctl_lock_renew(a, &err), 0);
	assert_int_equal(M.replaces, 0); /* too soon: no call */
	M.now += 2000;
	assert_int_equal(ecsctl_lock_renew(a, &err), 0);
	assert_int_equal(M.replaces, 1);
	assert_true(M.cur.expires_ms == first + 11000);
	ecsctl_lock_release(a, &err);
	ecsctl_lock_free(a);
}

static void test_lease__a_lease_taken_from_us_stops_the_heartbeat(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = mem_lock(30000);

	(void)state;
	assert_int_equal(ecsctl_lock_acquire(a, "abc", 0, &err), 0);
	/* unlock --force by someone, then another writer */
	plant("99999999999999999999999999999999", "other@host pid 2", M.now, M.now + 30000);
	M.now += 20000;
	assert_int_equal(ecsctl_lock_renew(a, &err), ECSCTL_ELOCKED);
	assert_non_null(strstr(err.message, "was taken from us"));
	assert_null(ecsctl_lock_held(a));
	ecsctl_error_release(&err);
	/* and release leaves the other's lease alone */
	assert_int_equal(ecsctl_lock_release(a, &err), 0);
	assert_string_equal(M.cur.holder, "other@host pid 2");
	ecsctl_lock_free(a);
}

static void test_lease__our_own_write_with_a_lost_answer_is_ours(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = mem_lock(60000);

	(void)state;
	M.lose_create_answer = true;
	assert_int_equal(ecsctl_lock_acquire(a, "abc", 0, &err), 0);
	assert_non_null(ecsctl_lock_held(a));
	assert_int_equal(M.creates, 1);
	ecsctl_lock_release(a, &err);
	assert_false(M.set);
	ecsctl_lock_free(a);
}

static void test_lease__force_unlock_needs_the_right_id(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = mem_lock(60000);

	(void)state;
	assert_int_equal(ecsctl_lock_force_unlock(a, "aaaa", &err), ECSCTL_ENOTFOUND);
	ecsctl_error_release(&err);
	plant("deadbeefdeadbeefdeadbeefdeadbeef", "ghost@ci-7 pid 1", M.now, M.now + 60000);
	assert_int_equal(ecsctl_lock_force_unlock(a, "aaaa", &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "ghost@ci-7 pid 1"));
	ecsctl_error_release(&err);
	assert_true(M.set);
	assert_int_equal(ecsctl_lock_force_unlock(a, "deadbeefdeadbeefdeadbeefdeadbeef", &err), 0);
	assert_false(M.set);
	ecsctl_lock_free(a);
}

static void test_lock_config__defaults_and_errors(void **state)
{
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock_config c;
	json_t *j = json_pack("{s:s}", "backend", "file");

	(void)state;
	assert_int_equal(ecsctl_lock_config_read(&c, j, "shop/prod", &err), 0);
	assert_string_equal(c.path, "/tmp/ecsctl-shop_prod.lock");
	assert_true(c.ttl_ms == 60000);
	ecsctl_lock_config_release(&c);
	json_object_set_new(j, "backend", json_string("dynamodb"));
	assert_int_equal(ecsctl_lock_config_read(&c, j, "shop", &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "needs a table"));
	ecsctl_error_release(&err);
	ecsctl_lock_config_release(&c);
	json_object_set_new(j, "table", json_string("t"));
	json_object_set_new(j, "ttl", json_string("1s"));
	assert_int_equal(ecsctl_lock_config_read(&c, j, "shop", &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "too short"));
	ecsctl_error_release(&err);
	ecsctl_lock_config_release(&c);
	json_decref(j);
}

/* The file backend for real: flock is per open file, so two locks in one
 * process exclude each other as two processes do. */
static void test_file_lock__second_holder_is_named_and_release_frees_it(void **state)
{
	struct ecsctl_lock_config cfg = {0};
	struct ecsctl_lock_options o;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_lock *a = NULL, *b = NULL;
	char dir[] = "/tmp/ecsctl-lock-XXXXXX", path[64], pid[32];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/l.lock", dir);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	memset(&o, 0, sizeof(o));
	cfg.backend = "file";
	cfg.path = path;
	assert_int_equal(ecsctl_lock_new(&a, &cfg, &o, &err), 0);
	assert_int_equal(ecsctl_lock_new(&b, &cfg, &o, &err), 0);
	assert_int_equal(ecsctl_lock_acquire(a, "abc123", 0, &err), 0);
	assert_int_equal(ecsctl_lock_acquire(b, "def456", 0, &err), ECSCTL_ELOCKED);
	assert_non_null(strstr(err.message, pid));
	assert_non_null(strstr(err.message, "commit abc123"));
	ecsctl_error_release(&err);
	/* a live holder's file lock is not for unlock --force */
	assert_int_equal(ecsctl_lock_force_unlock(b, ecsctl_lock_held(a)->id, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "held by a live process"));
	ecsctl_error_release(&err);
	assert_int_equal(ecsctl_lock_renew(a, &err), 0); /* no expiry: nothing to do */
	assert_int_equal(ecsctl_lock_release(a, &err), 0);
	assert_int_equal(ecsctl_lock_acquire(b, "def456", 0, &err), 0);
	assert_int_equal(ecsctl_lock_release(b, &err), 0);
	ecsctl_lock_free(a);
	ecsctl_lock_free(b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_lease__acquire_release_and_acquire_again, reset),
	    cmocka_unit_test_setup(
	        test_lease__a_live_holder_makes_the_second_wait_then_fail_naming_it, reset),
	    cmocka_unit_test_setup(test_lease__an_expired_lease_is_taken_over_only_if_unchanged,
	                           reset),
	    cmocka_unit_test_setup(test_lease__heartbeat_renews_every_third_of_the_ttl, reset),
	    cmocka_unit_test_setup(test_lease__a_lease_taken_from_us_stops_the_heartbeat, reset),
	    cmocka_unit_test_setup(test_lease__our_own_write_with_a_lost_answer_is_ours, reset),
	    cmocka_unit_test_setup(test_lease__force_unlock_needs_the_right_id, reset),
	    cmocka_unit_test(test_lock_config__defaults_and_errors),
	    cmocka_unit_test(test_file_lock__second_holder_is_named_and_release_frees_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
