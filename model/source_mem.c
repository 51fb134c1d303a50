/* One file in memory as a config root: what tests and the fuzzer load. */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/source.h"
#include "source_int.h"
#include "banned.h"

struct mem_source {
	struct ecsctl_source base;
	char *name;
	char *data;
	size_t len;
};

static int mem_list(struct ecsctl_source *src, char ***out, size_t *out_count,
                    struct ecsctl_error *err)
{
	struct mem_source *m = (struct mem_source *)src;
	struct source_list l = {0};

	source_list_add(&l, "", m->name);
	if (source_list_finish(&l, err))
		return ECSCTL_ENOMEM;
	*out = l.items;
	*out_count = l.count;
	return 0;
}

static int mem_read(struct ecsctl_source *src, const char *path, size_t max, char **out,
                    size_t *out_len, struct ecsctl_error *err)
{
	struct mem_source *m = (struct mem_source *)src;

	*out = NULL;
	*out_len = 0;
	if (strcmp(path, m->name))
		return ecsctl_error_set(err, ECSCTL_ENOTFOUND, "no file '%s'", path);
	if (m->len > max)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "file is larger than the limit of %zu bytes (%zu bytes)",
		                        max, m->len);
	*out = malloc(m->len + 1);
	if (!*out)
		return ecsctl_error_nomem(err);
	memcpy(*out, m->data, m->len);
	(*out)[m->len] = '\0';
	*out_len = m->len;
	return 0;
}

static void mem_free(struct ecsctl_source *src)
{
	struct mem_source *m = (struct mem_source *)src;

	free(m->name);
	free(m->data);
	free(m);
}

int model_source_open_buffer(struct ecsctl_source **out, const char *name, const char *data,
                             size_t len, struct ecsctl_error *err)
{
	struct mem_source *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return ecsctl_error_nomem(err);
	m->base.list = mem_list;
	m->base.read = mem_read;
	m->base.free = mem_free;
	m->name = strdup(name);
	m->data = malloc(len + 1);
	m->base.display_root = strdup("");
	m->base.root_name = strdup("ecsctl");
	if (!m->name || !m->data || !m->base.display_root || !m->base.root_name) {
		ecsctl_source_free(&m->base);
		return ecsctl_error_nomem(err);
	}
	if (len)
		memcpy(m->data, data, len);
	m->len = len;
	*out = &m->base;
	return 0;
}
