/* The tags ecsctl writes on what it owns. One header so that every module
 * (reconcile, drift, import, the CLI) reads and writes the same names. */
#ifndef ECSCTL_TAGS_H
#define ECSCTL_TAGS_H

/* The owner (ecsctl.yaml's `owner`): only resources carrying it are changed. */
#define ECSCTL_OWNER_TAG "ecsctl:owner"
/* The commit a resource was last deployed from ("import" when adopted). */
#define ECSCTL_REVISION_TAG "ecsctl:revision"
/* On services: the task definition revision ecsctl deployed and the digest
 * of the desired task definition it equals, "web:3 sha256:<hex> n1"
 * (reconcile/taskdef_tag.c): a plan that finds both unchanged does not read
 * the revision again. */
#define ECSCTL_TASKDEF_TAG "ecsctl:taskdef"
/* What every tag ecsctl itself writes starts with (drift leaves them out of
 * member diffs: ownership and the deployed commit are reported apart). */
#define ECSCTL_TAG_PREFIX "ecsctl:"
/* The value ECSCTL_REVISION_TAG carries on resources `ecsctl import --adopt` tagged. */
#define ECSCTL_REVISION_IMPORTED "import"

#endif
