/* The generated tables behind schema.h (schema/ecs_schema_data.c). */
#ifndef ECSCTL_SCHEMA_INT_H
#define ECSCTL_SCHEMA_INT_H

#include "ecsctl/schema.h"

/* sorted by name, so lookups are binary searches */
extern const struct ecsctl_schema_shape ecsctl_schema_shapes[];
extern const unsigned ecsctl_schema_nshapes;
extern const struct ecsctl_schema_operation ecsctl_schema_operations[];
extern const unsigned ecsctl_schema_noperations;

#endif
