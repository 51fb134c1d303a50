/* The config root read from git objects at a ref: what was committed, never
 * the work tree, so an uncommitted edit is not deployed by accident. */
#include <git2.h>
#include <limits.h>
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

static int walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	const char *name = git_tree_entry_name(entry);
	git_object_t type = git_tree_entry_type(entry);

	if (name[0] == '.')
		return type == GIT_OBJECT_TREE ? 1 : 0; /* 1 skips the subtree */
	if (type == GIT_OBJECT_BLOB && git_tree_entry_filemode(entry) != GIT_FILEMODE_LINK &&
	    source_wanted(name))
		source_list_add(payload, root, name);
	return 0;
}

static int git_list(struct ecsctl_source *src, char ***out, size_t *out_count,
                    struct ecsctl_error *err)
{
	struct git_source *g = (struct git_source *)src;
	struct source_list l = {0};

	*out = NULL;
	*out_count = 0;
	if (git_tree_walk(g->root, GIT_TREEWALK_PRE, walk_cb, &l) < 0) {
		ecsctl_source_list_free(l.items, l.count);
		return ecsctl_error_set(err, ECSCTL_EIO, "reading the git tree: %s", git_msg());
	}
	if (source_list_finish(&l, err))
		return ECSCTL_ENOMEM;
	*out = l.items;
	*out_count = l.count;
	return 0;
}

static int git_read(struct ecsctl_source *src, const char *path, size_t max, char **out,
                    size_t *out_len, struct ecsctl_error *err)
{
	struct git_source *g = (struct git_source *)src;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (git_tree_entry_bypath(&e, g->root, path) < 0 ||
	    git_blob_lookup(&blob, g->repo, git_tree_entry_id(e)) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: %s", path, git_msg());
		goto done;
	}
	size = git_blob_rawsize(blob);
	if (size > max) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "file is larger than the limit of %zu bytes (%llu bytes)",
		                      max, (unsigned long long)size);
		goto done;
	}
	*out = malloc((size_t)size + 1);
	if (!*out) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory reading %s", path);
		goto done;
	}
	memcpy(*out, git_blob_rawcontent(blob), (size_t)size);
	(*out)[size] = '\0';
	*out_len = (size_t)size;
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
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
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	g->base.list = git_list;
	g->base.read = git_read;
	g->base.free = git_free;
	g->base.from_git = true;
	if (!clean) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "--path '%s' must be a relative path inside the repository",
		                      path);
		goto done;
	}
	if (git_repository_open_ext(&g->repo, repo, 0, NULL) < 0) {
		rc =
		    ecsctl_error_set(err, ECSCTL_ENOTFOUND,
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
			rc =
			    ecsctl_error_set(err, ECSCTL_ENOTFOUND,
			                     "no folder '%s' in '%s' at '%s' (only committed files "
			                     "are read; --worktree reads the folder on disk)",
			                     clean, repo, ref);
			goto done;
		}
		if (git_tree_lookup(&g->root, g->repo, git_tree_entry_id(entry)) < 0) {
			rc =
			    ecsctl_error_set(err, ECSCTL_EIO, "reading '%s': %s", clean, git_msg());
			goto done;
		}
	} else {
		g->root = tree;
		tree = NULL;
	}
	g->base.commit = oid_hex(git_commit_id(commit));
	g->base.ref = ref_name(gref, ref);
	g->base.display_root = strdup(clean);
	g->base.root_name = root_name_of(g->repo, repo, clean);
	if (!g->base.commit || !g->base.ref || !g->base.display_root || !g->base.root_name) {
		rc = ecsctl_error_set(err, ECSCTL_ENOMEM, "out of memory");
		goto done;
	}
	*out = &g->base;
	g = NULL;
done:
	if (g) {
		free(g->base.commit);
		free(g->base.ref);
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
