/* Sources: git objects at a ref (never the work tree) and plain folders. */
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "model_test.h"
#include "banned.h"

static const char td_v1[] = "kind: TaskDefinition\nfamily: web\n"
                            "containerDefinitions:\n"
                            "  - name: web\n"
                            "    image: nginx:1\n"
                            "    environment: [{name: SHA, value: \"${ECSCTL_GIT_SHORT_SHA}\"},\n"
                            "                  {name: REF, value: \"${ECSCTL_GIT_REF}\"}]\n"
                            "memory: 512\n";
static const char td_v2[] =
    "kind: TaskDefinition\nfamily: web\n"
    "containerDefinitions: [{name: web, image: \"nginx:2\"}]\nmemory: 512\n";

/* Commits everything in the work tree of `repo` on HEAD; returns the sha. */
static void commit_all(git_repository *repo, const char *msg, char sha[GIT_OID_HEXSZ + 1])
{
	git_index *idx = NULL;
	git_oid tree_id, commit_id, parent_id;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	int has_parent = git_reference_name_to_id(&parent_id, repo, "HEAD") == 0;

	assert_int_equal(git_repository_index(&idx, repo), 0);
	assert_int_equal(git_index_add_all(idx, NULL, 0, NULL, NULL), 0);
	assert_int_equal(git_index_write(idx), 0);
	assert_int_equal(git_index_write_tree(&tree_id, idx), 0);
	assert_int_equal(git_tree_lookup(&tree, repo, &tree_id), 0);
	assert_int_equal(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), 0);
	if (has_parent)
		assert_int_equal(git_commit_lookup(&parent, repo, &parent_id), 0);
	assert_int_equal(git_commit_create_v(&commit_id, repo, "HEAD", sig, sig, NULL, msg, tree,
	                                     has_parent ? 1 : 0, parent),
	                 0);
	git_oid_tostr(sha, GIT_OID_HEXSZ + 1, &commit_id);
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
}

static char *load_repo(struct ecsctl_model *m, const char *repo, const char *ref, const char *path,
                       bool worktree, int *rc)
{
	static const char *const env[] = {NULL};
	static const char *const sev[] = {"notice", "warning", "error"};
	struct ecsctl_model_options o = ECSCTL_MODEL_OPTIONS_INIT;
	struct ecsctl_diags d = ECSCTL_DIAGS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	size_t i;

	o.repo = repo;
	o.ref = ref;
	o.path = path;
	o.worktree = worktree;
	o.env = env;
	*rc = ecsctl_model_load(m, &o, &d, &err);
	ecsctl_diags_sort(&d);
	for (i = 0; i < d.count; i++) {
		char *line = ecsctl_diag_format(&d.items[i]);
		ecsctl_buf_addf(&out, "%s: %s\n", sev[d.items[i].severity], line);
		free(line);
	}
	if (*rc && !d.errors)
		ecsctl_buf_addf(&out, "fatal: %s\n", err.message);
	ecsctl_diags_release(&d);
	ecsctl_error_release(&err);
	return ecsctl_buf_detach(&out);
}

static const char *image_of(const struct ecsctl_model *m)
{
	const struct ecsctl_resource *r = ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, "web");

	assert_non_null(r);
	return json_string_value(json_object_get(
	    json_array_get(json_object_get(r->body, "containerDefinitions"), 0), "image"));
}

static const char *env_of(const struct ecsctl_model *m, int i)
{
	const struct ecsctl_resource *r = ecsctl_model_find(m, ECSCTL_KIND_TASKDEF, "web");

	return json_string_value(json_object_get(
	    json_array_get(
	        json_object_get(json_array_get(json_object_get(r->body, "containerDefinitions"), 0),
	                        "environment"),
	        i),
	    "value"));
}

static void test_source__git_reads_committed_state_only(void **state)
{
	char *dir = make_temp_dir();
	char sha1[GIT_OID_HEXSZ + 1], sha2[GIT_OID_HEXSZ + 1];
	git_repository *repo = NULL;
	struct ecsctl_model m;
	char *d;
	int rc;

	(void)state;
	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, dir, 0), 0);
	write_file(dir, "deploy/web.yaml", td_v1);
	write_file(dir, "deploy/README.md", "not a resource\n");
	write_file(dir, "deploy/.hidden/bad.yaml", "kind: Nope\n");
	write_file(dir, "other/bad.yaml", "kind: Nope\n");
	commit_all(repo, "v1", sha1);

	/* at HEAD: the committed file, built-ins from the commit */
	d = load_repo(&m, dir, NULL, "deploy", false, &rc);
	assert_string_equal(d, "");
	assert_int_equal(rc, 0);
	assert_string_equal(image_of(&m), "nginx:1");
	assert_string_equal(m.commit, sha1);
	assert_memory_equal(env_of(&m, 0), sha1, 7);
	assert_int_equal(strlen(env_of(&m, 0)), 7);
	{
		/* the branch HEAD names (init.defaultBranch varies between machines),
		 * in ECSCTL_GIT_REF and as the ref the model read (plans show it) */
		git_reference *head = NULL;
		assert_int_equal(git_repository_head(&head, repo), 0);
		assert_string_equal(env_of(&m, 1), git_reference_shorthand(head));
		assert_string_equal(m.ref, git_reference_shorthand(head));
		git_reference_free(head);
	}
	assert_string_equal(m.settings.name, "deploy");
	ecsctl_model_release(&m);
	free(d);

	/* an uncommitted edit is not seen from git, but is with --worktree */
	write_file(dir, "deploy/web.yaml", td_v2);
	d = load_repo(&m, dir, "HEAD", "deploy", false, &rc);
	assert_string_equal(image_of(&m), "nginx:1");
	ecsctl_model_release(&m);
	free(d);
	d = load_repo(&m, dir, NULL, "./deploy/", true, &rc);
	assert_string_equal(d, "");
	assert_string_equal(image_of(&m), "nginx:2");
	assert_null(m.commit);
	ecsctl_model_release(&m);
	free(d);

	/* a second commit; the first stays readable by sha */
	commit_all(repo, "v2", sha2);
	d = load_repo(&m, dir, NULL, "deploy", false, &rc);
	assert_string_equal(image_of(&m), "nginx:2");
	ecsctl_model_release(&m);
	free(d);
	d = load_repo(&m, dir, sha1, "deploy", false, &rc);
	assert_string_equal(image_of(&m), "nginx:1");
	assert_string_equal(env_of(&m, 1), sha1); /* a sha ref is its own name */
	ecsctl_model_release(&m);
	free(d);

	/* the whole repository: other/ is read too, hidden folders are not */
	d = load_repo(&m, dir, NULL, NULL, false, &rc);
	assert_string_equal(d, "error: other/bad.yaml:1:7: unknown kind 'Nope' (Cluster, "
	                       "TaskDefinition or Service)\n");
	assert_int_equal(rc, ECSCTL_EINVAL);
	ecsctl_model_release(&m);
	free(d);

	/* what cannot be read at all */
	d = load_repo(&m, dir, "nope", "deploy", false, &rc);
	assert_int_equal(rc, ECSCTL_ENOTFOUND);
	assert_non_null(strstr(d, "fatal: unknown ref 'nope'"));
	ecsctl_model_release(&m);
	free(d);
	d = load_repo(&m, dir, NULL, "missing", false, &rc);
	assert_int_equal(rc, ECSCTL_ENOTFOUND);
	assert_non_null(strstr(d, "fatal: no folder 'missing'"));
	ecsctl_model_release(&m);
	free(d);
	d = load_repo(&m, dir, NULL, "../etc", false, &rc);
	assert_int_equal(rc, ECSCTL_EINVAL);
	ecsctl_model_release(&m);
	free(d);

	git_repository_free(repo);
	git_libgit2_shutdown();
	remove_tree(dir);
	free(dir);
}

static void test_source__plain_folder(void **state)
{
	char *dir = make_temp_dir();
	struct ecsctl_model m;
	char *d;
	int rc;

	(void)state;
	write_file(dir, "b/svc.yml", "kind: Service\nserviceName: web\ntaskDefinition: web\n");
	write_file(dir, "a/web.yaml", td_v1);
	write_file(dir, "ecsctl.yaml", "region: us-east-1\n");
	/* not a git repository: --worktree only, and no ECSCTL_GIT_* values */
	d = load_repo(&m, dir, NULL, NULL, false, &rc);
	assert_int_equal(rc, ECSCTL_ENOTFOUND);
	ecsctl_model_release(&m);
	free(d);
	d = load_repo(&m, dir, NULL, NULL, true, &rc);
	assert_int_equal(rc, ECSCTL_EINVAL);
	/* display names carry the folder given; files come in sorted order */
	{
		struct ecsctl_buf want = ECSCTL_BUF_INIT;
		ecsctl_buf_addf(
		    &want,
		    "error: %s/a/web.yaml:6:38: variable 'ECSCTL_GIT_SHORT_SHA' is not set "
		    "(the config root is not read from git)\n"
		    "error: %s/a/web.yaml:7:38: variable 'ECSCTL_GIT_REF' is not set (the "
		    "config root is not read from git)\n",
		    dir, dir);
		assert_string_equal(d, want.buf);
		ecsctl_buf_release(&want);
	}
	assert_int_equal(m.count, 2);
	assert_string_equal(m.settings.region, "us-east-1");
	ecsctl_model_release(&m);
	free(d);
	remove_tree(dir);
	free(dir);
}

static void test_source__listing(void **state)
{
	struct ecsctl_source_options o = ECSCTL_SOURCE_OPTIONS_INIT;
	struct ecsctl_error err = ECSCTL_ERROR_INIT;
	struct ecsctl_source *src = NULL;
	char *dir = make_temp_dir();
	char **files = NULL, *data = NULL;
	size_t n = 0, len = 0;

	(void)state;
	write_file(dir, "z.json", "{}");
	write_file(dir, "a/b/c.yml", "x: 1\n");
	write_file(dir, "a/b.yaml", "x: 1\n");
	write_file(dir, "a/notes.txt", "");
	write_file(dir, ".git-like/x.yaml", "");
	write_file(dir, "big.yaml", "0123456789");
	o.repo = dir;
	o.worktree = true;
	assert_int_equal(ecsctl_source_open(&src, &o, &err), 0);
	assert_int_equal(src->list(src, &files, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(files[0], "a/b.yaml");
	assert_string_equal(files[1], "a/b/c.yml");
	assert_string_equal(files[2], "big.yaml");
	assert_string_equal(files[3], "z.json");
	assert_int_equal(src->read(src, "big.yaml", 10, &data, &len, &err), 0);
	assert_int_equal(len, 10);
	free(data);
	assert_int_equal(src->read(src, "big.yaml", 9, &data, &len, &err), ECSCTL_EINVAL);
	assert_null(data);
	ecsctl_error_release(&err);
	ecsctl_source_list_free(files, n);
	ecsctl_source_free(src);
	o.repo = "https://github.com/example/deploy.git";
	assert_int_equal(ecsctl_source_open(&src, &o, &err), ECSCTL_EINVAL);
	assert_non_null(strstr(err.message, "not a remote repository"));
	ecsctl_error_release(&err);
	remove_tree(dir);
	free(dir);
}

/* A commit on HEAD of `repo` whose tree is d/d/.../d/c.yaml, `depth` folders deep,
 * built with libgit2's treebuilder (no folders on disk). */
static void commit_nested(git_repository *repo, unsigned depth, char sha[GIT_OID_HEXSZ + 1])
{
	static const char leaf[] = "kind: Cluster\nclusterName: deep\n";
	git_treebuilder *tb = NULL;
	git_oid id, blob, commit_id;
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	unsigned i;

	assert_int_equal(git_blob_create_from_buffer(&blob, repo, leaf, sizeof(leaf) - 1), 0);
	assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
	assert_int_equal(git_treebuilder_insert(NULL, tb, "c.yaml", &blob, GIT_FILEMODE_BLOB), 0);
	assert_int_equal(git_treebuilder_write(&id, tb), 0);
	for (i = 0; i < depth; i++) {
		git_treebuilder_clear(tb);
		assert_int_equal(git_treebuilder_insert(NULL, tb, "d", &id, GIT_FILEMODE_TREE), 0);
		assert_int_equal(git_treebuilder_write(&id, tb), 0);
	}
	assert_int_equal(git_tree_lookup(&tree, repo, &id), 0);
	assert_int_equal(git_signature_new(&sig, "Test", "test@example.com", 1700000000, 0), 0);
	assert_int_equal(
	    git_commit_create_v(&commit_id, repo, NULL, sig, sig, NULL, "deep", tree, 0), 0);
	git_oid_tostr(sha, GIT_OID_HEXSZ + 1, &commit_id);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
}

static void test_source__git_tree_depth_is_bounded(void **state)
{
	char *dir = make_temp_dir();
	char sha[GIT_OID_HEXSZ + 1];
	git_repository *repo = NULL;
	struct ecsctl_buf want = ECSCTL_BUF_INIT;
	struct ecsctl_model m;
	unsigned i;
	char *d;
	int rc;

	(void)state;
	git_libgit2_init();
	assert_int_equal(git_repository_init(&repo, dir, 0), 0);
	/* 32 levels are read */
	commit_nested(repo, 32, sha);
	d = load_repo(&m, dir, sha, NULL, false, &rc);
	assert_string_equal(d, "");
	assert_int_equal(m.count, 1);
	ecsctl_model_release(&m);
	free(d);
	/* 33 are refused, naming the repository, the commit and the folder */
	commit_nested(repo, 2000, sha);
	d = load_repo(&m, dir, sha, NULL, false, &rc);
	assert_int_equal(rc, ECSCTL_EINVAL);
	ecsctl_buf_addf(&want, "fatal: %s@%.7s: ", dir, sha);
	for (i = 0; i < 32; i++)
		ecsctl_buf_adds(&want, "d/");
	ecsctl_buf_adds(&want, "d: folders nested deeper than 32 levels (a config root is not "
	                       "that deep; is this the right --path?)\n");
	assert_string_equal(d, want.buf);
	ecsctl_model_release(&m);
	free(d);
	/* below --path, the levels count from the config root */
	d = load_repo(&m, dir, sha, "d/d/d/d/d/d/d/d/d/d", false, &rc);
	assert_int_equal(rc, ECSCTL_EINVAL);
	assert_non_null(strstr(d, ": d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/"
	                          "d/d/d/d/d/d/d/d/d/d/d/d: folders nested deeper than 32"));
	ecsctl_model_release(&m);
	free(d);
	ecsctl_buf_release(&want);
	git_repository_free(repo);
	git_libgit2_shutdown();
	remove_tree(dir);
	free(dir);
}

static void test_source__worktree_links(void **state)
{
	char *dir = make_temp_dir(), *out = make_temp_dir();
	struct ecsctl_buf a = ECSCTL_BUF_INIT, b = ECSCTL_BUF_INIT, want = ECSCTL_BUF_INIT;
	struct ecsctl_model m;
	char *d;
	int rc;

	(void)state;
	write_file(dir, "deploy/shop.yaml", "kind: Cluster\nclusterName: shop\n");
	write_file(out, "x.yaml", "kind: Cluster\nclusterName: x\n");
	/* a folder link is skipped: its files are not read */
	ecsctl_buf_addf(&a, "%s/deploy/more", dir);
	assert_int_equal(symlink(out, a.buf), 0);
	d = load_repo(&m, dir, NULL, "deploy", true, &rc);
	assert_string_equal(d, "");
	assert_int_equal(m.count, 1);
	ecsctl_model_release(&m);
	free(d);
	/* a file link is an error naming it, wherever it points */
	ecsctl_buf_addf(&b, "%s/deploy/other.yaml", dir);
	ecsctl_buf_addf(&a, "/x.yaml"); /* a.buf: the link's target, through the folder link */
	assert_int_equal(symlink(a.buf, b.buf), 0);
	d = load_repo(&m, dir, NULL, "deploy", true, &rc);
	assert_int_equal(rc, ECSCTL_EINVAL);
	ecsctl_buf_addf(&want,
	                "fatal: %s/deploy/other.yaml: a symbolic link; ecsctl reads only regular "
	                "files and does not follow links\n",
	                dir);
	assert_string_equal(d, want.buf);
	ecsctl_model_release(&m);
	free(d);
	ecsctl_buf_release(&a);
	ecsctl_buf_release(&b);
	ecsctl_buf_release(&want);
	remove_tree(dir);
	remove_tree(out);
	free(dir);
	free(out);
}

int run_source_tests(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_source__git_reads_committed_state_only),
	    cmocka_unit_test(test_source__plain_folder),
	    cmocka_unit_test(test_source__listing),
	    cmocka_unit_test(test_source__git_tree_depth_is_bounded),
	    cmocka_unit_test(test_source__worktree_links),
	};

	return cmocka_run_group_tests_name("source", tests, NULL, NULL);
}
