/* Import: describe a cluster, its services and their task definitions, and
 * lay them out as files (see import.h). */
#include <stdlib.h>
#include <string.h>

#include "ecsctl/arn.h"
#include "ecsctl/import.h"
#include "ecsctl/tags.h"
#include "banned.h"

void ecsctl_import_result_release(struct ecsctl_import_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		free(r->files[i].path);
		free(r->files[i].text);
	}
	free(r->files);
	json_decref(r->arns);
	free(r->owner);
	memset(r, 0, sizeof(*r));
}

/* Appends a file made of `docs` at `path` (taken). */
static int push_file(struct ecsctl_import_result *r, struct ecsctl_buf *path, const char *header,
                     json_t *const *docs, size_t n, struct ecsctl_error *err)
{
	struct ecsctl_buf text = ECSCTL_BUF_INIT;
	struct ecsctl_import_file *f;
	int rc;

	ecsctl_buf_adds(&text, header);
	if ((rc = ecsctl_import_yaml(&text, docs, n, err)) < 0)
		goto done;
	f = realloc(r->files, (r->count + 1) * sizeof(*f));
	if (!f || ecsctl_buf_failed(path)) {
		if (f)
			r->files = f;
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	r->files = f;
	f[r->count].path = ecsctl_buf_detach(path);
	f[r->count].text = ecsctl_buf_detach(&text);
	r->count++;
done:
	ecsctl_buf_release(&text);
	ecsctl_buf_release(path);
	return rc;
}

int ecsctl_import_settings(struct ecsctl_import_result *r, const char *owner, const char *region,
                           struct ecsctl_error *err)
{
	struct ecsctl_buf path = ECSCTL_BUF_INIT;
	json_t *doc = json_pack("{s:s, s:s}", "name", owner, "region", region);
	int rc;

	if (!doc)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "the owner name and the region must be UTF-8 text");
	ecsctl_buf_adds(&path, "ecsctl.yaml");
	rc = push_file(r, &path, "# ecsctl settings (written by ecsctl import)\n", &doc, 1, err);
	json_decref(doc);
	return rc;
}

/* File names come from ECS names (letters, digits, '-', '_'), but a
 * service name is checked again so nothing can climb out of the folder. */
static int add_file(struct ecsctl_import_result *r, const char *dir, const char *name,
                    json_t *const *docs, size_t n, struct ecsctl_error *err)
{
	struct ecsctl_buf path = ECSCTL_BUF_INIT;
	size_t i;

	if (!*name || name[0] == '.')
		return ecsctl_error_set(err, ECSCTL_EINVAL, "cannot name a file after '%s'", name);
	for (i = 0; name[i]; i++)
		if (name[i] == '/' || name[i] == '\\')
			return ecsctl_error_set(err, ECSCTL_EINVAL, "cannot name a file after '%s'",
			                        name);
	ecsctl_buf_addf(&path, "%s/%s.yaml", dir, name);
	return push_file(r, &path, "# imported by ecsctl import\n", docs, n, err);
}

/* A string member of `o`, or "" when absent or not a string. */
static const char *member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Records an ARN for adoption and the first owner tag seen. */
static void note(struct ecsctl_import_result *r, const json_t *live, const char *arn_member)
{
	const json_t *t;
	size_t i;

	json_array_append_new(r->arns, json_string(member(live, arn_member)));
	json_array_foreach(json_object_get(live, "tags"), i, t) {
		const char *k = json_string_value(json_object_get(t, "key"));
		const char *v = json_string_value(json_object_get(t, "value"));

		if (!r->owner && k && v && !strcmp(k, ECSCTL_OWNER_TAG))
			r->owner = strdup(v);
	}
}

static int svc_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "serviceName"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "serviceName"));

	return strcmp(x ? x : "", y ? y : "");
}

static int describe(json_t **svcs, struct ecsctl_ecs *c, const char *cluster,
                    const char *const *names, size_t n, struct ecsctl_error *err)
{
	json_t *arns = NULL, *fail = NULL;
	const char **v = NULL;
	size_t i;
	int rc = 0;

	if (!n) {
		if ((rc = ecsctl_ecs_list_services(&arns, c, cluster, err)) < 0)
			goto done;
		n = json_array_size(arns);
		v = calloc(n + 1, sizeof(*v));
		if (!v) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
		for (i = 0; i < n; i++)
			v[i] = json_string_value(json_array_get(arns, i));
		names = v;
	}
	if (n && (rc = ecsctl_ecs_describe_services(svcs, &fail, c, cluster, names, n, err)) < 0)
		goto done;
	if (!*svcs && !(*svcs = json_array()))
		rc = ecsctl_error_nomem(err);
	if (rc == 0 && json_array_size(fail))
		rc = ecsctl_error_set(
		    err, ECSCTL_ENOTFOUND, "service '%s' not found in cluster '%s'",
		    json_string_value(json_object_get(json_array_get(fail, 0), "arn")), cluster);
done:
	free(v);
	json_decref(arns);
	json_decref(fail);
	return rc;
}

int ecsctl_import_run(struct ecsctl_import_result *out, struct ecsctl_ecs *c, const char *cluster,
                      const char *const *services, size_t n, struct ecsctl_error *err)
{
	json_t *clusters = NULL, *fail = NULL, *svcs = NULL, *done_families = json_object();
	json_t *docs[2] = {NULL, NULL}, *s;
	const char *names[1] = {cluster};
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->arns = json_array();
	if (!done_families || !out->arns) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if ((rc = ecsctl_ecs_describe_clusters(&clusters, &fail, c, names, 1, err)) < 0)
		goto done;
	s = json_array_get(clusters, 0);
	if (!s || strcmp(member(s, "status"), "ACTIVE")) {
		rc = ecsctl_error_set(err, ECSCTL_ENOTFOUND, "cluster '%s' not found", cluster);
		goto done;
	}
	note(out, s, "clusterArn");
	if (!(docs[0] = ecsctl_import_cluster(s))) {
		rc = ecsctl_error_nomem(err);
		goto done;
	}
	if ((rc = add_file(out, "clusters", cluster, docs, 1, err)) < 0)
		goto done;
	json_decref(docs[0]);
	docs[0] = NULL;
	if ((rc = describe(&svcs, c, cluster, services, n, err)) < 0)
		goto done;
	{
		/* sort by name, so a shared family lands in the first service's file */
		size_t k = json_array_size(svcs);
		json_t **v = calloc(k + 1, sizeof(*v));

		if (!v) {
			rc = ecsctl_error_nomem(err);
			goto done;
		}
		for (i = 0; i < k; i++)
			v[i] = json_array_get(svcs, i);
		qsort(v, k, sizeof(*v), svc_cmp);
		for (i = 0; i < k && rc == 0; i++) {
			const char *st = member(v[i], "status");
			const char *arn = member(v[i], "taskDefinition");
			const char *fam_arn;
			char fam[256];
			json_t *td = NULL, *tags = NULL;
			size_t nd = 0;

			if (strcmp(st, "ACTIVE"))
				continue;
			note(out, v[i], "serviceArn");
			snprintf(fam, sizeof(fam), "%.*s", (int)ecsctl_arn_family_len(arn),
			         ecsctl_arn_taskdef(arn));
			fam_arn = json_string_value(json_object_get(done_families, fam));
			if (!fam_arn) {
				if ((rc = ecsctl_ecs_describe_task_definition(&td, &tags, c, arn,
				                                              err)) < 0)
					break;
				docs[nd++] = ecsctl_import_taskdef(td, tags);
				json_object_set_new(done_families, fam, json_string(arn));
				fam_arn = arn;
				out->taskdefs++;
				json_decref(td);
				json_decref(tags);
			}
			/* a second revision of a family already imported is pinned as is */
			docs[nd++] = ecsctl_import_service(v[i], strcmp(fam_arn, arn) ? NULL : fam);
			if (!docs[0] || !docs[nd - 1])
				rc = ecsctl_error_nomem(err);
			else
				rc = add_file(
				    out, "services",
				    json_string_value(json_object_get(v[i], "serviceName")), docs,
				    nd, err);
			out->services += rc == 0;
			json_decref(docs[0]);
			json_decref(docs[1]);
			docs[0] = docs[1] = NULL;
		}
		free(v);
	}
done:
	json_decref(docs[0]);
	json_decref(docs[1]);
	json_decref(clusters);
	json_decref(fail);
	json_decref(svcs);
	json_decref(done_families);
	return rc;
}
