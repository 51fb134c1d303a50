/*
 * Saved plans are sealed (docs/security.md, "The saved plan file"): what
 * `apply FILE` executes is planned again from the desired state the file
 * carries, never read from the calls it stores, and an optional HMAC seal
 * says the file is the one `plan -o` wrote.
 *
 * Why re-derive rather than bind each call to its change with a digest: a
 * digest in the file can be recomputed by whoever edits the file, and even
 * a keyed one only proves who wrote the calls, not that they do what the
 * diff shown says. Planning again makes the calls and the diff one function
 * of (desired state, live ECS): the file's calls and diff are then only
 * checked against it, and any difference is refused.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ecsctl/buf.h"
#include "reconcile_int.h"
#include "banned.h"

#define SEAL_ALG "HMAC-SHA256"

/* hex HMAC-SHA256 of the document's canonical text without "seal" */
static char *seal_of(const json_t *doc, const void *key, size_t keylen)
{
	json_t *copy = json_copy((json_t *)doc);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct ecsctl_buf hex = ECSCTL_BUF_INIT;
	char *text = NULL;

	if (copy)
		json_object_del(copy, "seal");
	text = copy ? ecsctl_diff_canonical_dump(copy) : NULL;
	if (text && HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, strlen(text),
	                 mac, &maclen))
		ecsctl_buf_addhex(&hex, mac, maclen);
	free(text);
	json_decref(copy);
	return maclen ? ecsctl_buf_detach(&hex) : NULL;
}

int ecsctl_plan_seal(json_t *doc, const void *key, size_t keylen, struct ecsctl_error *err)
{
	char *mac = seal_of(doc, key, keylen);
	int rc = 0;

	if (!mac ||
	    json_object_set_new(doc, "seal", json_pack("{s:s,s:s}", "alg", SEAL_ALG, "mac", mac)))
		rc = reconcile_oom(err);
	free(mac);
	return rc;
}

int ecsctl_plan_check_seal(const json_t *doc, const void *key, size_t keylen,
                           struct ecsctl_error *err)
{
	const json_t *seal = json_object_get(doc, "seal");
	const char *alg = json_string_value(json_object_get(seal, "alg"));
	const char *mac = json_string_value(json_object_get(seal, "mac"));
	char *want = NULL;
	int rc = 0;

	if (!seal)
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "the saved plan is not sealed, and a plan key is set: it was "
		    "not written by 'ecsctl plan -o' with this key");
	if (!alg || strcmp(alg, SEAL_ALG) || !mac)
		return ecsctl_error_set(err, ECSCTL_EINVAL,
		                        "the saved plan's seal is not an %s seal", SEAL_ALG);
	if (!(want = seal_of(doc, key, keylen)))
		return reconcile_oom(err);
	if (strlen(mac) != strlen(want) || CRYPTO_memcmp(mac, want, strlen(want)))
		rc = ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "the saved plan's seal does not match: the file was changed "
		    "after 'ecsctl plan -o' wrote it, or sealed with another key");
	free(want);
	return rc;
}

/* The first member of two change objects that differs ("calls", "diff", ...). */
static const char *first_difference(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)a, k, v) {
		if (!json_equal(v, json_object_get(b, k)))
			return k;
	}
	json_object_foreach((json_t *)b, k, v) {
		if (!json_object_get(a, k))
			return k;
	}
	return NULL;
}

static const char *str_or(const json_t *v)
{
	return json_string_value(v) ? json_string_value(v) : "?";
}

static void describe_change(struct ecsctl_buf *b, size_t i, const json_t *ch)
{
	ecsctl_buf_addf(b, "change %zu (%s %s '%s')", i + 1, str_or(json_object_get(ch, "action")),
	                str_or(json_object_get(ch, "kind")), str_or(json_object_get(ch, "name")));
}

/* "call N (Operation)" of the file's change that the plan does not make */
static void describe_calls(struct ecsctl_buf *b, const json_t *file, const json_t *plan)
{
	size_t i, n = json_array_size(file);

	for (i = 0; i < n; i++)
		if (!json_equal(json_array_get(file, i), json_array_get(plan, i)))
			break;
	if (i < n)
		ecsctl_buf_addf(b, "call %zu (%s) is not one its reviewed change makes", i + 1,
		                str_or(json_object_get(json_array_get(file, i), "operation")));
	else
		ecsctl_buf_addf(b, "call %zu of its reviewed change is missing", i + 1);
}

/* ECSCTL_EINVAL naming the first difference between the file's changes and
 * the plan's, 0 when there is none. */
static int compare_changes(const json_t *file, const json_t *plan, struct ecsctl_error *err)
{
	struct ecsctl_buf b = ECSCTL_BUF_INIT;
	size_t i, nf = json_array_size(file), np = json_array_size(plan);
	const char *member = NULL;
	int rc = 0;

	for (i = 0; i < nf && i < np; i++)
		if ((member = first_difference(json_array_get(file, i), json_array_get(plan, i))))
			break;
	if (member) {
		describe_change(&b, i, json_array_get(file, i));
		if (!strcmp(member, "calls")) {
			ecsctl_buf_adds(&b, ": ");
			describe_calls(&b, json_object_get(json_array_get(file, i), "calls"),
			               json_object_get(json_array_get(plan, i), "calls"));
		} else {
			ecsctl_buf_addf(&b, ": its '%s' is not what the desired state plans",
			                member);
		}
	} else if (nf > np) {
		describe_change(&b, np, json_array_get(file, np));
		ecsctl_buf_adds(&b, " is not in the plan of the reviewed desired state");
	} else if (np > nf) {
		describe_change(&b, nf, json_array_get(plan, nf));
		ecsctl_buf_adds(&b, " of the plan of the reviewed desired state is missing");
	}
	if (b.len)
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "the saved plan was edited: %s; nothing was changed, run "
		                      "'ecsctl plan -o' again",
		                      ecsctl_buf_failed(&b) ? "out of memory" : b.buf);
	ecsctl_buf_release(&b);
	return rc;
}

/* The model of saved->desired, with the plan's commit and ref (the tags a
 * plan writes name them). */
static int desired_model(struct ecsctl_model *m, const struct ecsctl_plan *saved,
                         struct ecsctl_error *err)
{
	struct ecsctl_diags diags = ECSCTL_DIAGS_INIT;
	char *digest = NULL;
	int rc;

	if (!json_is_object(json_object_get(saved->desired, "model")))
		return ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "the saved plan holds no desired state (written by an older "
		    "ecsctl?): run 'ecsctl plan -o' again");
	if (!(digest = reconcile_hash_json(saved->desired)))
		return reconcile_oom(err);
	rc = strcmp(digest, saved->digest ? saved->digest : "")
	         ? ecsctl_error_set(err, ECSCTL_EINVAL,
	                            "the saved plan's desiredDigest is not the sha256 of its "
	                            "desired state: the file was edited")
	         : 0;
	free(digest);
	if (rc)
		return rc;
	if ((rc = ecsctl_model_from_json(m, json_object_get(saved->desired, "model"), &diags, err)))
		ecsctl_error_wrap(err, "the saved plan");
	ecsctl_diags_release(&diags);
	if (!rc && ((saved->commit && !(m->commit = strdup(saved->commit))) ||
	            (saved->ref && !(m->ref = strdup(saved->ref)))))
		rc = reconcile_oom(err);
	return rc;
}

int ecsctl_plan_rederive(struct ecsctl_plan *out, const struct ecsctl_plan *saved,
                         const json_t *doc, struct ecsctl_ecs *ecs, struct ecsctl_error *err)
{
	struct ecsctl_plan_options po = ECSCTL_PLAN_OPTIONS_INIT;
	struct ecsctl_model m = {0};
	const json_t *targets = json_object_get(saved->desired, "targets");
	const char **names = calloc(json_array_size(targets) + 1, sizeof(*names));
	json_t *again = NULL;
	size_t i;
	int rc;

	if (!names) {
		rc = reconcile_oom(err);
		goto done;
	}
	if ((rc = desired_model(&m, saved, err)))
		goto done;
	for (i = 0; i < json_array_size(targets); i++)
		if (!(names[po.ntargets++] = json_string_value(json_array_get(targets, i)))) {
			rc = ecsctl_error_set(err, ECSCTL_EINVAL,
			                      "the saved plan's targets are not strings");
			goto done;
		}
	po.targets = names;
	/* read as the plan was: a fingerprint over every revision (--refresh)
	 * differs from one over the revisions the tags left unread */
	po.refresh = json_is_true(json_object_get(saved->scope, "refresh"));
	if ((rc = ecsctl_reconcile_plan(out, NULL, &m, ecs, &po, err)))
		goto done;
	if (strcmp(out->fingerprint, saved->fingerprint ? saved->fingerprint : "")) {
		rc = ecsctl_error_set(err, ECSCTL_ESTALE,
		                      "live ECS changed since the plan was made");
		goto done;
	}
	if (!(again = ecsctl_plan_to_json(out, true))) {
		rc = reconcile_oom(err);
		goto done;
	}
	if (!json_equal(json_object_get(json_object_get(again, "saved"), "scope"),
	                json_object_get(json_object_get(doc, "saved"), "scope"))) {
		rc = ecsctl_error_set(err, ECSCTL_EINVAL,
		                      "the saved plan was edited: its scope is not the one of its "
		                      "desired state");
		goto done;
	}
	if ((rc = compare_changes(json_object_get(doc, "changes"),
	                          json_object_get(again, "changes"), err)))
		goto done;
	if (!json_equal(
	        json_object_get(again, "hooks") ? json_object_get(again, "hooks") : json_null(),
	        json_object_get(doc, "hooks") ? json_object_get(doc, "hooks") : json_null())) {
		rc = ecsctl_error_set(
		    err, ECSCTL_EINVAL,
		    "the saved plan was edited: its hooks are not the ones of its "
		    "desired state; nothing was changed, run 'ecsctl plan -o' again");
		goto done;
	}
	free(out->source);
	out->source = NULL;
	if (saved->source && !(out->source = strdup(saved->source)))
		rc = reconcile_oom(err);
done:
	json_decref(again);
	ecsctl_model_release(&m);
	free(names);
	return rc;
}
