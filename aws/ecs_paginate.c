/* Many paginated lists at once: each round fetches every list's next page concurrently. */
#include <stdlib.h>
#include <string.h>

#include "ecs_int.h"
#include "banned.h"

#define LIST_PAGE_MAX 100
#define MAX_ROUNDS 100000

struct pager {
	json_t *req;
	char *last;
	int active;
};

static void release_all(struct pager *pg, struct ecsctl_ecs_call *calls, size_t n)
{
	size_t i;

	for (i = 0; pg && i < n; i++) {
		json_decref(pg[i].req);
		free(pg[i].last);
	}
	for (i = 0; calls && i < n; i++)
		ecsctl_ecs_call_release(&calls[i]);
	free(pg);
	free(calls);
}

int ecsctl_ecs_paginate(json_t **results, struct ecsctl_ecs *c, const char *operation,
                        json_t *const *requests, size_t n, const char *result_key,
                        struct ecsctl_error *err)
{
	struct pager *pg = calloc(n ? n : 1, sizeof(*pg));
	struct ecsctl_ecs_call *calls = calloc(n ? n : 1, sizeof(*calls));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	size_t i, j, m;
	int rc = 0, round;

	for (i = 0; i < n; i++)
		results[i] = NULL;
	if (!pg || !calls || !idx) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	for (i = 0; i < n; i++) {
		pg[i].req = requests[i] ? json_deep_copy(requests[i]) : json_object();
		results[i] = json_array();
		pg[i].active = 1;
		if (!pg[i].req || !results[i]) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
		if (!json_object_get(pg[i].req, "maxResults"))
			json_object_set_new(pg[i].req, "maxResults", json_integer(LIST_PAGE_MAX));
	}
	for (round = 0; !rc; round++) {
		for (i = 0, m = 0; i < n; i++) {
			if (!pg[i].active)
				continue;
			memset(&calls[m], 0, sizeof(calls[m]));
			calls[m].operation = operation;
			calls[m].request = pg[i].req;
			idx[m++] = i;
		}
		if (!m)
			break;
		if (round >= MAX_ROUNDS) {
			rc = ecsctl_error_set(err, ECSCTL_EIO, "%s: too many pages", operation);
			break;
		}
		rc = ecsctl_ecs_run(c, calls, m, err);
		for (j = 0; !rc && j < m; j++) {
			struct pager *p = &pg[idx[j]];
			const char *tok;

			json_array_extend(results[idx[j]],
			                  json_object_get(calls[j].response, result_key));
			tok = json_string_value(json_object_get(calls[j].response, "nextToken"));
			if (!tok || !*tok) {
				p->active = 0;
			} else if (p->last && !strcmp(p->last, tok)) {
				/* botocore's PaginationError: the list would never end */
				rc = ecsctl_error_set(err, ECSCTL_EIO,
				                      "%s: the same nextToken came back twice",
				                      operation);
			} else {
				free(p->last);
				p->last = strdup(tok);
				if (!p->last ||
				    json_object_set_new(p->req, "nextToken", json_string(tok)))
					rc = ecsctl_error_nomem(err);
			}
		}
		for (j = 0; j < m; j++)
			ecsctl_ecs_call_release(&calls[j]);
	}
done:
	if (rc)
		for (i = 0; i < n; i++) {
			json_decref(results[i]);
			results[i] = NULL;
		}
	release_all(pg, calls, n);
	free(idx);
	return rc;
}
