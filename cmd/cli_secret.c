/* Secrets the front end reads: the webhook secret, the saved-plan key. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "banned.h"

/* Webhook secrets and plan keys are short random strings. */
#define SECRET_MAX 4096

int cli_secret_file(struct ecsctl_buf *out, const char *what, const char *file)
{
	char buf[SECRET_MAX + 1];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cli_error("cannot read %s file '%s': %s", what, file, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n == (ssize_t)sizeof(buf)) {
		if (n < 0)
			cli_error("cannot read %s file '%s': %s", what, file, strerror(errno));
		else
			cli_error("cannot read %s file '%s': longer than %d bytes", what, file,
			          SECRET_MAX);
		return -1;
	}
	/* a trailing newline is an editor's, not part of the secret */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (!n) {
		cli_error("%s file '%s' is empty", what, file);
		return -1;
	}
	ecsctl_buf_add(out, buf, (size_t)n);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ecsctl_buf_failed(out) ? -1 : 0;
}

int cli_plan_key(struct ecsctl_buf *out)
{
	const char *key = getenv("ECSCTL_PLAN_KEY"), *file = getenv("ECSCTL_PLAN_KEY_FILE");

	if (key && file) {
		cli_error("set ECSCTL_PLAN_KEY or ECSCTL_PLAN_KEY_FILE, not both");
		return -1;
	}
	/* an unset CI secret expands to "": that must not turn the seal off */
	if (key && !*key) {
		cli_error("ECSCTL_PLAN_KEY is set but empty");
		return -1;
	}
	if (file)
		return cli_secret_file(out, "plan key", file);
	if (key)
		ecsctl_buf_adds(out, key);
	return ecsctl_buf_failed(out) ? -1 : 0;
}

void cli_secret_release(struct ecsctl_buf *b)
{
	if (b->alloc)
		OPENSSL_cleanse(b->buf, b->len);
	ecsctl_buf_release(b);
}
