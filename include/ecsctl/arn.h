/* Amazon ECS ARNs: "arn:<partition>:ecs:<region>:<account>:<type>/<rest>".
 * One reader for every place that takes a task definition, service or
 * cluster by ARN or by its short name. */
#ifndef ECSCTL_ARN_H
#define ECSCTL_ARN_H

#include <stddef.h>

/* "<rest>" of `s` when it is an ARN ("arn:" first) naming a `type` resource
 * ("task-definition", "service", "cluster"); NULL otherwise or for NULL. */
const char *ecsctl_arn_resource(const char *s, const char *type);

/* A task definition reference as "family:revision" (or "family"): the
 * ARN's resource part, or `s` itself when it is no such ARN; "" for NULL. */
const char *ecsctl_arn_taskdef(const char *s);

/* The length of the family at the start of ecsctl_arn_taskdef(s): it ends
 * at the first ':' ("web:3" -> 3). */
size_t ecsctl_arn_family_len(const char *s);

/* The family of a task definition reference, newly allocated; NULL when
 * out of memory. */
char *ecsctl_arn_family(const char *s);

/* A cluster's name: the ARN's resource part, or `s` itself. */
const char *ecsctl_arn_cluster(const char *s);

#endif
