/* A temporary HOME, an environment list and a loopback server for the
 * credentials tests (test_creds*.c). */
#ifndef CREDS_WORLD_H
#define CREDS_WORLD_H

#include "ecsctl/error.h"
#include "loopback.h"

struct world {
	char dir[64];
	char *env[32];
	int nenv;
	struct lb_server *srv;
};

/* A fresh directory under /tmp and a loopback server answering with `h`. */
void world_start(struct world *w, lb_handler h, void *ud);
/* Adds "fmt" formatted with `arg` ("NAME=%s") to the environment list. */
void world_env(struct world *w, const char *fmt, const char *arg);
/* Writes `text` to `name` inside the directory (".aws/" is created). */
void world_file(struct world *w, const char *name, const char *text);
/* The path of `name` inside the directory; a new string. */
char *world_path(const struct world *w, const char *name);
void world_stop(struct world *w);

/* Resolves credentials (region eu-west-1); returns the rc, copies the key id
 * and the source. */
int world_resolve(struct world *w, const char *profile, char akid[64], const char **source,
                  struct ecsctl_error *err);

/* ISO 8601 UTC, `seconds` from now. */
void world_iso_in(char out[32], int seconds);

#endif
