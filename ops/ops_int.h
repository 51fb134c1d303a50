/* Shared inside ops/. */
#ifndef ECSCTL_OPS_INT_H
#define ECSCTL_OPS_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "ecsctl/ecs.h"
#include "ecsctl/error.h"

/* A string member or "" (never NULL). */
const char *ops_str(const json_t *o, const char *k);

/* DescribeTasks of `arns` (100 a call, all at once) into `*out`, in `arns`
 * order. With `strict` a task ECS does not know is ECSCTL_ENOTFOUND; else it
 * is left out (a stopped task ECS forgot between list and describe). */
int ops_describe_tasks(json_t **out, struct ecsctl_ecs *ecs, const char *cluster,
                       const json_t *arns, bool strict, struct ecsctl_error *err);

#endif
