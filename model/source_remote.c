/*
 * Remote repositories: a bare clone cached under
 * $XDG_CACHE_HOME/ecsctl/repos/<sha256 of the URL> (else ~/.cache/...),
 * fetched (never re-cloned) on every open, then read through the git source
 * at the ref. Each remote branch is fetched into the local branch of the
 * same name, so `--ref main` and HEAD (the remote's default branch) work as
 * they do on a local repository.
 *
 * Credentials come from a libgit2 callback: https gets ECSCTL_GIT_TOKEN as
 * the password (user "x-access-token", which GitHub, GitLab and Gitea take);
 * ssh uses the agent. The token is never put in a URL, a message or a log.
 */
#include <errno.h>
#include <ftw.h>
#include <git2.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecsctl/buf.h"
#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

#define MAX_AUTH_TRIES 3

struct auth {
	const char *token;
	int tries;
};

static const char *git_msg(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
	struct auth *a = payload;

	(void)url;
	/* libgit2 asks again after each refusal: stop instead of looping */
	if (++a->tries > MAX_AUTH_TRIES)
		return GIT_EUSER;
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && a->token && *a->token)
		return git_credential_userpass_plaintext_new(out, "x-access-token", a->token);
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out,
		                                         user_from_url ? user_from_url : "git");
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user_from_url ? user_from_url : "git");
	return GIT_PASSTHROUGH;
}

/* The URL without user:password@, for messages. */
static char *display_url(const char *url)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	const char *scheme = strstr(url, "://"), *at, *host;

	if (!scheme) {
		ecsctl_buf_adds(&b, url);
		return ecsctl_buf_detach(&b);
	}
	host = scheme + 3;
	at = strchr(host, '@');
	if (at && at < host + strcspn(host, "/"))
		host = at + 1;
	ecsctl_buf_add(&b, url, (size_t)(scheme + 3 - url));
	ecsctl_buf_adds(&b, host);
	return ecsctl_buf_detach(&b);
}

static char *cache_path(const char *url, const char *cache_dir)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (!EVP_Digest(url, strlen(url), md, &n, EVP_sha256(), NULL))
		return NULL;
	if (cache_dir)
		ecsctl_buf_addf(&b, "%s", cache_dir);
	else if (xdg && *xdg == '/')
		ecsctl_buf_addf(&b, "%s/ecsctl/repos", xdg);
	else if (home && *home)
		ecsctl_buf_addf(&b, "%s/.cache/ecsctl/repos", home);
	else
		return NULL;
	ecsctl_buf_addch(&b, '/');
	ecsctl_buf_addhex(&b, md, n);
	return ecsctl_buf_failed(&b) ? (ecsctl_buf_release(&b), NULL) : ecsctl_buf_detach(&b);
}

static int mkdirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return -1;
	for (s = p + 1; !rc && *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	free(p);
	return rc;
}

/* Anonymous, without url.<base>.insteadOf rewriting: libgit2 1.5 leaks
 * the regex match data of that config lookup on every remote it creates,
 * and ecsctl takes the URL it is given literally anyway. */
static int make_remote(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options o;

	if (git_remote_create_options_init(&o, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0)
		return -1;
	o.repository = repo;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &o);
}

static void fetch_options(git_fetch_options *fo, struct auth *a)
{
	git_fetch_options_init(fo, GIT_FETCH_OPTIONS_VERSION);
	fo->callbacks.credentials = credentials;
	fo->callbacks.payload = a;
	fo->prune = GIT_FETCH_PRUNE;
	fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

/* Removes a half-made clone (its own folder only: never follows links). */
static void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Fetches `remote` and points HEAD at the remote's default branch (a
 * branch renamed upstream, master -> main, is followed). */
static int fetch(git_repository *repo, git_remote *remote, struct auth *a, const char *shown,
                 struct ecsctl_error *err)
{
	git_fetch_options fo;
	git_buf head = GIT_BUF_INIT;
	char *spec = "+refs/heads/*:refs/heads/*";
	git_strarray specs = {&spec, 1};
	int rc = 0;

	fetch_options(&fo, a);
	if (git_remote_fetch(remote, &specs, &fo, "ecsctl fetch") < 0)
		return ecsctl_error_set(err, ECSCTL_EIO, "fetching '%s': %s", shown, git_msg());
	if (git_remote_default_branch(&head, remote) == 0 &&
	    git_repository_set_head(repo, head.ptr) < 0)
		rc = ecsctl_error_set(err, ECSCTL_EIO, "setting HEAD from '%s': %s", shown,
		                      git_msg());
	git_buf_dispose(&head);
	return rc;
}

/* Fetches into the cached clone, or makes it (in a temporary folder renamed
 * into place, so an interrupted clone never looks like a cache). */
static int source_remote_sync(const char *url, const char *dir, const char *token,
                              struct ecsctl_error *err)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	struct auth a = {token, 0};
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;
	char *shown = display_url(url);
	const char *what = shown ? shown : "the remote";
	int rc = 0;

	git_libgit2_init();
	/* An anonymous remote with the refspec given at each fetch: the cache
	 * is named after the URL, so nothing needs to be kept in its config. */
	if (git_repository_open_bare(&repo, dir) == 0) {
		if (make_remote(&remote, repo, url) < 0)
			rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot use the cache of '%s': %s",
			                      what, git_msg());
		else
			rc = fetch(repo, remote, &a, what, err);
		goto done;
	}
	ecsctl_buf_addf(&tmp, "%s.tmp-%ld", dir, (long)getpid());
	if (ecsctl_buf_failed(&tmp) || mkdirs(dir)) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot create the cache folder for '%s'",
		                      dir);
		goto done;
	}
	if (git_repository_init(&repo, tmp.buf, 1) < 0 || make_remote(&remote, repo, url) < 0) {
		rc = ecsctl_error_set(err, ECSCTL_EIO, "cannot set up a clone of '%s': %s", what,
		                      git_msg());
		goto done;
	}
	if ((rc = fetch(repo, remote, &a, what, err)) < 0)
		goto done;
	if (rename(tmp.buf, dir)) {
		if (errno != ENOTEMPTY && errno != EEXIST)
			rc = ecsctl_error_set(err, ECSCTL_EIO,
			                      "cannot move the clone into '%s': %s", dir,
			                      strerror(errno));
		/* else a concurrent run won the race: its clone serves as well */
		remove_tree(tmp.buf);
	}
done:
	git_remote_free(remote);
	git_repository_free(repo);
	if (tmp.len && rc < 0)
		remove_tree(tmp.buf);
	ecsctl_buf_release(&tmp);
	free(shown);
	git_libgit2_shutdown();
	return rc;
}

int ecsctl_source_open_remote(struct ecsctl_source **out, const char *url, const char *ref,
                              const char *path, const char *cache_dir, struct ecsctl_error *err)
{
	char *dir = cache_path(url, cache_dir), *name = NULL;
	int rc;

	*out = NULL;
	if (!dir) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "no cache folder for remote repositories (set XDG_CACHE_HOME "
		                      "or HOME)");
		goto done;
	}
	if ((rc = source_remote_sync(url, dir, getenv("ECSCTL_GIT_TOKEN"), err)) < 0)
		goto done;
	if ((rc = ecsctl_source_open_git(out, dir, ref, path, err)) < 0)
		goto done;
	/* messages name the URL, not the cache folder */
	name = display_url(url);
	if (name) {
		free((*out)->origin);
		(*out)->origin = name;
		name = NULL;
	}
	/* the settings' default name is the repository's, not the cache hash */
	if (!path || !*path) {
		name = source_basename(url);
		if (name && *name) {
			free((*out)->root_name);
			(*out)->root_name = name;
			name = NULL;
		}
	}
done:
	free(name);
	free(dir);
	return rc;
}
