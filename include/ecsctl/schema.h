/*
 * The ECS API model as data: every shape reachable from the operations
 * ecsctl and ecs-local use, generated from botocore's service-2.json by
 * scripts/gen-schema.py into schema/ecs_schema_data.c (committed). Facts only:
 * types, members, required, enums, limits, patterns, sensitive. Also holds the
 * shapes of ecsctl.yaml (flag ECSCTL_SCHEMA_OWN), so one validator serves both.
 *
 * Everything here is static, read-only data: nothing to free.
 */
#ifndef ECSCTL_SCHEMA_H
#define ECSCTL_SCHEMA_H

#include <stddef.h>

enum ecsctl_schema_type {
	ECSCTL_SCHEMA_STRUCTURE,
	ECSCTL_SCHEMA_LIST,
	ECSCTL_SCHEMA_MAP,
	ECSCTL_SCHEMA_STRING,
	ECSCTL_SCHEMA_INTEGER,
	ECSCTL_SCHEMA_LONG,
	ECSCTL_SCHEMA_BOOLEAN,
	ECSCTL_SCHEMA_DOUBLE,
	ECSCTL_SCHEMA_TIMESTAMP,
	ECSCTL_SCHEMA_BLOB
};

/* Documented rules the model states only in prose; checked by the validator. */
enum ecsctl_schema_rule {
	ECSCTL_RULE_NONE,
	ECSCTL_RULE_NAME,            /* letters, digits, '_' and '-' */
	ECSCTL_RULE_ASCII_PRINTABLE, /* bytes 33..126 */
	ECSCTL_RULE_TASK_CPU,        /* "256", "1 vCPU", "0.5 vcpu" */
	ECSCTL_RULE_TASK_MEMORY,     /* "512", "1GB", "1 GB" */
	ECSCTL_RULE_DURATION         /* ecsctl.yaml: "90s", "10m" */
};

/* Member flags */
#define ECSCTL_SCHEMA_REQUIRED 0x1
#define ECSCTL_SCHEMA_DEPRECATED 0x2
#define ECSCTL_SCHEMA_IDEMPOTENCY_TOKEN 0x4
/* Shape flags */
#define ECSCTL_SCHEMA_SENSITIVE 0x1
#define ECSCTL_SCHEMA_EXCEPTION 0x2
#define ECSCTL_SCHEMA_OWN 0x4 /* an ecsctl.yaml shape, not AWS's */
/* a structure that is a document: any JSON value, passed through as given
 * (a lifecycle hook's hookDetails) */
#define ECSCTL_SCHEMA_DOCUMENT 0x8

/* Lengths (strings: characters; lists, maps: entries) or values (numbers). */
struct ecsctl_schema_limits {
	unsigned char has_min, has_max;
	double min, max;
};

struct ecsctl_schema_member {
	const char *name;
	unsigned short shape; /* index, see ecsctl_schema_at() */
	unsigned char flags;  /* ECSCTL_SCHEMA_REQUIRED ... */
	unsigned char rule;   /* enum ecsctl_schema_rule */
	/* documented limits of this member, on top of its shape's */
	struct ecsctl_schema_limits limits;
};

struct ecsctl_schema_shape {
	const char *name;
	enum ecsctl_schema_type type;
	unsigned flags; /* ECSCTL_SCHEMA_SENSITIVE ... */
	struct ecsctl_schema_limits limits;
	const char *pattern; /* the model's regular expression, or NULL */
	/* structure: members in the model's order (iterate 0..nmembers-1) */
	const struct ecsctl_schema_member *members;
	unsigned nmembers;
	unsigned short member;     /* list: element shape index */
	unsigned short key, value; /* map: key and value shape indexes */
	const char *const *enums;  /* string: allowed values, or NULL */
	unsigned nenums;
};

struct ecsctl_schema_operation {
	const char *name;
	int input, output;         /* shape indexes, -1 when none */
	const char *const *errors; /* declared exception shape names */
	unsigned nerrors;
};

/* The model's apiVersion, e.g. "2014-11-13". */
extern const char ecsctl_schema_api_version[];

/* Shape by name, or NULL. */
const struct ecsctl_schema_shape *ecsctl_schema_shape(const char *name);

/* Shape by index (member->shape, shape->member, ...); NULL when out of range. */
const struct ecsctl_schema_shape *ecsctl_schema_at(unsigned index);

/* Number of shapes; indexes run 0..count-1, in name order. */
unsigned ecsctl_schema_count(void);

/* Operation by name ("CreateService"), or NULL. */
const struct ecsctl_schema_operation *ecsctl_schema_operation(const char *name);

/* An operation's input / output shape; NULL when unknown or absent. */
const struct ecsctl_schema_shape *ecsctl_schema_input(const char *operation);
const struct ecsctl_schema_shape *ecsctl_schema_output(const char *operation);

/* A structure's member by exact name; NULL when absent or not a structure. */
const struct ecsctl_schema_member *ecsctl_schema_member(const struct ecsctl_schema_shape *s,
                                                        const char *name);

/* The shape of a member. */
const struct ecsctl_schema_shape *ecsctl_schema_member_shape(const struct ecsctl_schema_member *m);

/* 1 when `value` is one of a string shape's enum values (or it has none). */
int ecsctl_schema_enum_ok(const struct ecsctl_schema_shape *s, const char *value);

/*
 * "Did you mean": the candidate closest to `word` by edit distance
 * (transpositions count 1, case differences are cheap), or NULL when none is
 * close enough to be a plausible typo. For a structure the candidates are its
 * member names, for a string shape its enum values.
 */
const char *ecsctl_schema_suggest(const struct ecsctl_schema_shape *s, const char *word);

/* Same over an explicit list of `n` candidates. */
const char *ecsctl_schema_suggest_in(const char *word, const char *const *candidates, size_t n);

/* Optimal string alignment distance between `a` and `b`; SIZE_MAX when too long to compare. */
size_t ecsctl_schema_edit_distance(const char *a, const char *b);

#endif
