/* The config root read from git objects at a ref: what was committed, never
 * the work tree, so an uncommitted edit is not deployed by accident. */
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

struct git_source {
	struct ecsctl_source base;
	git_repository *repo;
	git_tree *root;
};

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* A tree still to read, with the path that leads to it ("a/b/"). */
struct pending_tree {
	git_tree *tree;
	char *prefix;
	unsigned depth;
};

struct walk {
	struct git_source *g;
	struct ecsctl_error *err;
	struct pending_tree *stack;
	size_t count, alloc;
	size_t entries;
	struct source_list files;
};

/* "REPO@abc1234: PATH: " before a walk error, so a crash-looping commit is named. */
static int walk_error(struct walk *w, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int walk_error(struct walk *w, int code, const char *path, const char *fmt, ...)
{
	char lead[PATH_MAX + 16];
	va_list ap;

	snprintf(lead, sizeof(lead), "%s@%.7s", w->g->base.origin, w->g->base.commit);
	va_start(ap, fmt);
	source_error_v(w->err, code, lead, w->g->base.display_root, path, fmt, ap);
	va_end(ap);
	return code;
}

static int push_tree(struct walk *w, git_tree *tree, char *prefix, unsigned depth)
{
	if (w->count == w->alloc) {
		size_t n = w->alloc ? w->alloc * 2 : 16;
		struct pending_tree *p = realloc(w->stack, n * sizeof(*p));

		if (!p)
			return -1;
		w->stack = p;
		w->alloc = n;
	}
	w->stack[w->count].tree = tree;
	w->stack[w->count].prefix = prefix;
	w->stack[w->count].depth = depth;
	w->count++;
	return 0;
}

/* Entries count when a tree is loaded, so the budget also bounds what waits in the stack. */
static int count_entries(struct walk *w, const git_tree *tree, const char *path)
{
	size_t n = git_tree_entrycount(tree);

	if (n > SOURCE_MAX_ENTRIES - w->entries)
		return walk_error(w, ECSCTL_EINVAL, path, SOURCE_TOO_MANY, SOURCE_MAX_ENTRIES);
	w->entries += n;
	return 0;
}

/*
 * Looks up the subtree `e` at `depth`, within the limits. The object's size
 * is read from its header first: libgit2 inflates and parses a tree whole,
 * so a huge one is refused before it is loaded.
 */
static int open_subtree(struct walk *w, git_tree **out, const git_tree_entry *e, const char *path,
                        unsigned depth)
{
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type;
	int rc = 0;

	*out = NULL;
	if (depth > SOURCE_MAX_DEPTH)
		return walk_error(w, ECSCTL_EINVAL, path, SOURCE_TOO_DEEP, SOURCE_MAX_DEPTH);
	if (git_repository_odb(&odb, w->g->repo) < 0 ||
	    git_odb_read_header(&size, &type, odb, git_tree_entry_id(e)) < 0) {
		rc = walk_error(w, ECSCTL_EIO, path, "%s", git_msg());
		goto done;
	}
	if (size > SOURCE_MAX_TREE_BYTES) {
		rc = walk_error(w, ECSCTL_EINVAL, path,
		                "a folder listing larger than %u MiB (%zu bytes)",
		                SOURCE_MAX_TREE_BYTES >> 20, size);
		goto done;
	}
	if (git_tree_lookup(out, w->g->repo, git_tree_entry_id(e)) < 0)
		rc = walk_error(w, ECSCTL_EIO, path, "%s", git_msg());
	else
		rc = count_entries(w, *out, path);
	if (rc) {
		git_tree_free(*out);
		*out = NULL;
	}
done:
	git_odb_free(odb);
	return rc;
}

/* Lists one tree's files and queues its folders. */
static int walk_tree(struct walk *w, const struct pending_tree *t)
{
	size_t i, n = git_tree_entrycount(t->tree);
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t->tree, i);
		const char *name = git_tree_entry_name(e);
		struct ecsctl_buf path = ECSCTL_BUF_INIT;
		git_tree *sub = NULL;

		if (name[0] == '.')
			continue;
		ecsctl_buf_addf(&path, "%s%s", t->prefix, name);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			char *prefix = NULL;

			rc = open_subtree(w, &sub, e, path.buf, t->depth + 1);
			ecsctl_buf_addch(&path, '/');
			if (rc == 0 && (!(prefix = ecsctl_buf_detach(&path)) ||
			                push_tree(w, sub, prefix, t->depth + 1))) {
				git_tree_free(sub);
				free(prefix);
				rc = ecsctl_error_nomem(w->err);
			}
		} else if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && source_wanted(name)) {
			if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK)
				rc = walk_error(w, ECSCTL_EINVAL, path.buf, "%s",
				                SOURCE_LINK_MESSAGE);
			else
				source_list_add(&w->files, t->prefix, name);
		}
		ecsctl_buf_release(&path);
	}
	return rc;
}

/*
 * Walks the config root without recursion (libgit2's git_tree_walk()
 * recurses once per level, and a commit of 75,000 nested folders overflowed
 * the stack), in SOURCE_MAX_DEPTH levels and SOURCE_MAX_ENTRIES entries.
 */
static int git_list(struct ecsctl_source *src, char ***out, size_t *out_count,
                    struct ecsctl_error *err)
{
	struct git_source *g = (struct git_source *)src;
	struct walk w = {g, err, NULL, 0, 0, 0, {0}};
	git_tree *root = NULL;
	char *prefix = strdup("");
	int rc = 0;

	*out = NULL;
	*out_count = 0;
	if (!prefix || git_tree_dup(&root, g->root) < 0 || push_tree(&w, root, prefix, 0)) {
		git_tree_free(root);
		free(prefix);
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	rc = count_entries(&w, root, "");
	while (w.count > 0 && rc == 0) {
		struct pending_tree t = w.stack[--w.count];

		rc = walk_tree(&w, &t);
		git_tree_free(t.tree);
		free(t.prefix);
	}
	if (rc == 0)
		rc = source_list_finish(&w.files, err);
done:
	while (w.count > 0) {
		git_tree_free(w.stack[--w.count].tree);
		free(w.stack[w.count].prefix);
	}
	free(w.stack);
	if (rc) {
		ecsctl_source_list_free(w.files.items, w.files.count);
		return rc;
	}
	*out = w.files.items;
	*out_count = w.files.count;
	return 0;
}

/* The blob at `path`: its id, and its size from the object header. */
static int blob_at(struct git_source *g, const char *path, git_oid *id, size_t *size)
{
	git_tree_entry *e = NULL;
	git_odb *odb = NULL;
	git_object_t type;
	int rc = -1;

	if (git_tree_entry_bypath(&e, g->root, path) == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_BLOB && git_repository_odb(&odb, g->repo) == 0 &&
	    git_odb_read_header(size, &type, odb, git_tree_entry_id(e)) == 0) {
		git_oid_cpy(id, git_tree_entry_id(e));
		rc = 0;
	}
	git_odb_free(odb);
	git_tree_entry_free(e);
	return rc;
}

static int git_id(struct ecsctl_source *src, const char *path, char *out, size_t size)
{
	git_oid id;
	size_t n;

	if (size < GIT_OID_HEXSZ + 1 || blob_at((struct git_source *)src, path, &id, &n))
		return -1;
	git_oid_tostr(out, size, &id);
	return 0;
}

static int git_read(struct ecsctl_source *src, const char *path, size_t max, char **out,
                    size_t *out_len, struct ecsctl_error *err)
{
	struct git_source *g = (struct git_source *)src;
	git_blob *blob = NULL;
	git_oid id;
	size_t size;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (blob_at(g, path, &id, &size) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, git_msg());
		goto done;
	}
	/* from the header: a huge blob is refused before it is inflated */
	if (size > max) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "file is larger than the limit of %zu bytes (%zu bytes)", max,
		                      size);
		goto done;
	}
	if (git_blob_lookup(&blob, g->repo, &id) < 0 || git_blob_rawsize(blob) != size) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, git_msg());
		goto done;
	}
	*out = malloc(size + 1);
	if (!*out) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory reading %s", path);
		goto done;
	}
	memcpy(*out, git_blob_rawcontent(blob), size);
	(*out)[size] = '\0';
	*out_len = size;
done:
	git_blob_free(blob);
	return rc;
}

static void git_free(struct ecsctl_source *src)
{
	struct git_source *g = (struct git_source *)src;

	git_tree_free(g->root);
	git_repository_free(g->repo);
	free(g);
	git_libgit2_shutdown();
}

/* "HEAD" -> its branch ("main"); a branch or tag -> its short name; a sha -> as given. */
static char *ref_name(git_reference *ref, const char *given)
{
	git_reference *resolved = NULL;
	char *out;

	if (!ref)
		return strdup(given);
	if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC &&
	    git_reference_resolve(&resolved, ref) == 0) {
		out = strdup(git_reference_shorthand(resolved));
		git_reference_free(resolved);
		return out;
	}
	return strdup(git_reference_shorthand(ref));
}

static char *oid_hex(const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return strdup(hex);
}

static char *root_name_of(git_repository *repo, const char *repo_path, const char *path)
{
	const char *wd = git_repository_workdir(repo);
	char real[PATH_MAX];

	if (*path)
		return source_basename(path);
	if (wd)
		return source_basename(wd);
	if (realpath(repo_path, real))
		return source_basename(real);
	return source_basename(repo_path);
}

int ecsctl_source_open_git(struct ecsctl_source **out, const char *repo, const char *ref,
                           const char *path, struct ecsctl_error *err)
{
	struct git_source *g = NULL;
	git_object *obj = NULL;
	git_reference *gref = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	char *clean = NULL;
	int rc = 0;

	*out = NULL;
	git_libgit2_init();
	g = calloc(1, sizeof(*g));
	clean = source_clean_path(path);
	if (!g) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	g->base.list = git_list;
	g->base.read = git_read;
	g->base.id = git_id;
	g->base.free = git_free;
	g->base.from_git = true;
	if (!clean) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "--path '%s' must be a relative path inside the repository",
		                      path);
		goto done;
	}
	if (git_repository_open_ext(&g->repo, repo, 0, NULL) < 0) {
		rc = ecsctl_error_set(
		    err, ECSCTL_ENOTFOUND,
		    "'%s' is not a git repository (use --worktree to read a plain "
		    "folder): %s",
		    repo, git_msg());
		goto done;
	}
	if (git_revparse_ext(&obj, &gref, g->repo, ref) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "unknown ref '%s' in '%s': %s", ref,
		                      repo, git_msg());
		goto done;
	}
	if (git_commit_tree(&tree, commit) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "reading the tree of '%s': %s", ref,
		                      git_msg());
		goto done;
	}
	if (*clean) {
		if (git_tree_entry_bypath(&entry, tree, clean) < 0 ||
		    git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
			rc = ecsctl_error_set(
			    err, ECSCTL_ENOTFOUND,
			    "no folder '%s' in '%s' at '%s' (only committed files "
			    "are read; --worktree reads the folder on disk)",
			    clean, repo, ref);
			goto done;
		}
		if (git_tree_lookup(&g->root, g->repo, git_tree_entry_id(entry)) < 0) {
			rc = ecsctl_error_set(err, ECSCTL_EIO, "reading '%s': %s", clean,
			                      git_msg());
			goto done;
		}
	} else {
		g->root = tree;
		tree = NULL;
	}
	g->base.commit = oid_hex(git_commit_id(commit));
	g->base.ref = ref_name(gref, ref);
	g->base.subject = strdup(git_commit_summary(commit) ? git_commit_summary(commit) : "");
	g->base.commit_time = (long long)git_commit_time(commit);
	g->base.display_root = strdup(clean);
	g->base.root_name = root_name_of(g->repo, repo, clean);
	g->base.origin = strdup(repo);
	if (!g->base.commit || !g->base.ref || !g->base.subject || !g->base.display_root ||
	    !g->base.root_name || !g->base.origin) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	*out = &g->base;
	g = NULL;
done:
	if (g) {
		free(g->base.origin);
		free(g->base.commit);
		free(g->base.ref);
		free(g->base.subject);
		free(g->base.display_root);
		free(g->base.root_name);
		git_tree_free(g->root);
		git_repository_free(g->repo);
		free(g);
		git_libgit2_shutdown();
	}
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	git_reference_free(gref);
	git_object_free(obj);
	free(clean);
	return rc;
}
