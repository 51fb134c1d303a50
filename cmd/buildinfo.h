/* What `ecsctl version` says about the build itself: the commit (with
 * "-dirty" when tracked files differed from it) and the build date (ISO 8601,
 * UTC; empty when neither git nor SOURCE_DATE_EPOCH told it). Written into
 * the build tree by cmake/buildinfo.cmake. */
#ifndef ECSCTL_BUILDINFO_H
#define ECSCTL_BUILDINFO_H

extern const char ecsctl_build_commit[];
extern const char ecsctl_build_date[];

#endif
