/*
 * credential_process: a profile names a command whose standard output is the
 * credentials as JSON (Version 1, the format every AWS SDK reads). The command
 * runs under /bin/sh -c in its own process group, with the caller's standard
 * input and standard error, so its prompts and messages reach the user; only
 * standard output is read. A timeout kills the whole group.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ecsctl/clock.h"
#include "ecsctl/aws.h"
#include "creds_int.h"
#include "banned.h"

extern char **environ;

#define MAX_OUTPUT (1u << 20)
#define READ_CHUNK 4096
#define DEFAULT_TIMEOUT_S 60
#define TERM_GRACE_MS 2000

int creds_process_parse(struct ecsctl_creds *out, const char *text, size_t len, int64_t now_ms,
                        struct ecsctl_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	json_t *version = json_object_get(doc, "Version");
	const char *ak = json_string_value(json_object_get(doc, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(doc, "SecretAccessKey"));
	json_t *tok = json_object_get(doc, "SessionToken");
	json_t *exp = json_object_get(doc, "Expiration");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	/* jansson's message quotes the text near the fault, which may be a secret:
	 * only the position is reported */
	if (!doc)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "its output is not JSON (line %d, column %d)", jerr.line,
		                        jerr.column);
	if (!json_is_object(doc)) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL, "its output is not a JSON object");
	} else if (!json_is_integer(version) || json_integer_value(version) != 1) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "its output has %s; only \"Version\": 1 is supported",
		                      version ? "another Version" : "no Version");
	} else if (!ak || !*ak || !sk || !*sk) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "its output lacks AccessKeyId or SecretAccessKey");
	} else if ((tok && !json_is_string(tok) && !json_is_null(tok)) ||
	           (exp && !json_is_string(exp) && !json_is_null(exp))) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "its SessionToken and Expiration must be strings");
	} else {
		out->access_key_id = strdup(ak);
		out->secret_access_key = strdup(sk);
		if (json_string_length(tok))
			out->session_token = strdup(json_string_value(tok));
		if (!out->access_key_id || !out->secret_access_key ||
		    (json_string_length(tok) && !out->session_token))
			rc = ecsctl_error_nomem(err);
		else if (json_is_string(exp) &&
		         (out->expires_ms = creds_time_ms(json_string_value(exp))) < 0)
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "its Expiration '%.40s' is not an ISO 8601 UTC time",
			                      json_string_value(exp));
		else if (out->expires_ms && out->expires_ms <= now_ms)
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "it returned credentials that expired at %s",
			                      json_string_value(exp));
	}
	json_decref(doc);
	if (rc)
		ecsctl_creds_release(out);
	else
		out->source = "process";
	return rc;
}

static int timeout_seconds(long *out, const char *const *env, struct ecsctl_error *err)
{
	const char *v = ecsctl_aws_getenv(env, "ECSCTL_CREDENTIAL_PROCESS_TIMEOUT");
	char *end;

	*out = DEFAULT_TIMEOUT_S;
	if (!v)
		return 0;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno || *end || end == v || *out < 1 || *out > 86400)
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "credential_process: ECSCTL_CREDENTIAL_PROCESS_TIMEOUT must be "
		    "whole seconds "
		    "from 1 to 86400, not '%.40s'",
		    v);
	return 0;
}

/* Starts `sh -c command` as the leader of a new process group with its
 * standard output on a pipe (*outfd). */
static int spawn(pid_t *pid, int *outfd, const char *command, const char *const *env,
                 struct ecsctl_error *err)
{
	static const int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGTTOU, SIGTTIN};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	int fds[2], rc;
	size_t i;

	if (pipe2(fds, O_CLOEXEC))
		return ecsctl_error_set(err, ECSCTL_EIO, "cannot make a pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&def);
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaddset(&def, reset[i]);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, "/bin/sh", &fa, &at, argv,
	                 env ? (char *const *)env : (char *const *)environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return ecsctl_error_set(err, ECSCTL_EIO, "cannot run /bin/sh: %s", strerror(rc));
	}
	*outfd = fds[0];
	return 0;
}

/* SIGTERM to the group, a grace period, then SIGKILL; reaps the leader. */
static void kill_group(pid_t pid, int *status)
{
	int64_t until = ecsctl_clock_now_ms(NULL) + TERM_GRACE_MS;

	kill(-pid, SIGTERM);
	while (ecsctl_clock_now_ms(NULL) < until) {
		if (waitpid(pid, status, WNOHANG) == pid) {
			kill(-pid, SIGKILL); /* what the leader left behind */
			return;
		}
		ecsctl_clock_sleep_ms(NULL, 20);
	}
	kill(-pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Reads the child's standard output until EOF, the deadline or the cap.
 * Returns 0, 1 on timeout, 2 when over the cap, -1 on a read error. */
static int read_output(struct ecsctl_buf *out, int fd, int64_t deadline)
{
	char chunk[READ_CHUNK];

	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int64_t left = deadline - ecsctl_clock_now_ms(NULL);
		ssize_t n;
		int r;

		if (left <= 0)
			return 1;
		r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
		if (r < 0 && errno != EINTR)
			return -1;
		if (r <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		ecsctl_buf_add(out, chunk, (size_t)n);
		if (ecsctl_buf_failed(out))
			return 2;
	}
}

int creds_process(struct ecsctl_creds *out, struct ecsctl_creds_provider *p, const char *command,
                  struct ecsctl_error *err)
{
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	struct sigaction ign, old_ttou;
	long timeout_s;
	pid_t pid;
	int fd = -1, status = 0, rd, rc, tty = 0;

	memset(out, 0, sizeof(*out));
	rc = timeout_seconds(&timeout_s, p->env, err);
	if (!rc)
		rc = spawn(&pid, &fd, command, p->env, err);
	if (rc)
		return rc;
	/* an interactive helper (an MFA prompt) needs the terminal: hand the
	 * foreground to its group while it runs, as a shell does for a job */
	if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp()) {
		memset(&ign, 0, sizeof(ign));
		ign.sa_handler = SIG_IGN;
		sigaction(SIGTTOU, &ign, &old_ttou);
		tty = !tcsetpgrp(STDIN_FILENO, pid);
		if (!tty)
			sigaction(SIGTTOU, &old_ttou, NULL);
		/* the helper may have read the terminal before it was given it
		 * (it runs as soon as it is spawned) and been stopped by SIGTTIN:
		 * continue it, as a shell's fg does after tcsetpgrp */
		else
			kill(-pid, SIGCONT);
	}
	ecsctl_buf_init(&text, MAX_OUTPUT);
	rd = read_output(&text, fd, ecsctl_clock_now_ms(NULL) + timeout_s * 1000);
	close(fd);
	if (rd) {
		kill_group(pid, &status);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (tty) {
		tcsetpgrp(STDIN_FILENO, getpgrp());
		sigaction(SIGTTOU, &old_ttou, NULL);
	}
	if (rd == 1)
		rc = ecsctl_error_set(err, ECSCTL_ETIMEOUT,
		                      "credential_process did not finish within %ld s (killed; "
		                      "ECSCTL_CREDENTIAL_PROCESS_TIMEOUT sets the limit)",
		                      timeout_s);
	else if (rd == 2)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "credential_process printed more than %u bytes (killed)",
		                      MAX_OUTPUT);
	else if (rd < 0)
		rc = ecsctl_error_set(err, ECSCTL_EIO,
		                      "credential_process: cannot read its output");
	else if (WIFSIGNALED(status))
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "credential_process was killed by signal %d",
		                      WTERMSIG(status));
	else if (WEXITSTATUS(status))
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "credential_process exited with status %d%s",
		                      WEXITSTATUS(status),
		                      WEXITSTATUS(status) == 127 ? " (command not found?)"
		                                                 : " (its messages are above)");
	if (!rc) {
		rc = creds_process_parse(out, text.buf ? text.buf : "", text.len,
		                         p->transport->wall_ms(p->transport->ud), err);
		if (rc)
			ecsctl_error_wrap(err, "credential_process");
	}
	if (text.alloc)
		memset(text.buf, 0, text.alloc);
	ecsctl_buf_release(&text);
	return rc;
}
