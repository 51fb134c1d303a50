/*
 * Drift report formatters: text for a terminal, Markdown for a pull request
 * comment or $GITHUB_STEP_SUMMARY, JUnit XML for CI test tabs. Every value
 * shown comes from the report, already masked.
 */
#include <string.h>

#include "ecsctl/diff.h"
#include "ecsctl/drift.h"
#include "banned.h"

#define MAX_VALUE 120

static const char *short_sha(const char *sha, char buf[13])
{
	size_t n;

	if (!sha)
		return NULL;
	n = strlen(sha);
	if (n > 12)
		n = 12;
	memcpy(buf, sha, n);
	buf[n] = '\0';
	return buf;
}

static void add_value(struct ecsctl_buf *out, const json_t *v)
{
	if (!v || json_is_null(v))
		ecsctl_buf_adds(out, "(absent)");
	else
		ecsctl_diff_render_value(out, v, MAX_VALUE);
}

static void add_summary_line(struct ecsctl_buf *out, const struct ecsctl_drift_report *r)
{
	size_t counts[ECSCTL_DRIFT_NSTATUS], i;
	const char *sep = "";

	ecsctl_drift_report_counts(r, counts);
	ecsctl_buf_addf(out, "%zu resource%s", r->count, r->count == 1 ? "" : "s");
	ecsctl_buf_adds(out, ": ");
	for (i = 0; i < ECSCTL_DRIFT_NSTATUS; i++) {
		if (!counts[i])
			continue;
		ecsctl_buf_addf(out, "%s%zu %s", sep, counts[i], ecsctl_drift_status_name(i));
		sep = ", ";
	}
	if (!r->count)
		ecsctl_buf_adds(out, "nothing to compare");
}

/* ---- text -------------------------------------------------------------- */

static const char *status_color(enum ecsctl_drift_status s)
{
	switch (s) {
	case ECSCTL_DRIFT_IN_SYNC:
		return "\033[32m";
	case ECSCTL_DRIFT_UNMANAGED:
	case ECSCTL_DRIFT_PROGRESSING:
		return "\033[36m";
	case ECSCTL_DRIFT_DRIFTED:
		return "\033[33m";
	default:
		return "\033[31m";
	}
}

void ecsctl_drift_format_text(struct ecsctl_buf *out, const struct ecsctl_drift_report *r,
                              const struct ecsctl_drift_format_options *opts)
{
	struct ecsctl_drift_format_options defaults = ECSCTL_DRIFT_FORMAT_OPTIONS_INIT;
	char sha[13];
	size_t i, j;

	if (!opts)
		opts = &defaults;
	ecsctl_buf_addf(
	    out, "Drift at commit %s: ", r->commit ? short_sha(r->commit, sha) : "(work tree)");
	add_summary_line(out, r);
	ecsctl_buf_adds(out, "\n");
	for (i = 0; i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];

		if (it->status == ECSCTL_DRIFT_IN_SYNC && !opts->show_in_sync)
			continue;
		ecsctl_buf_adds(out, "\n");
		if (opts->color)
			ecsctl_buf_adds(out, status_color(it->status));
		ecsctl_buf_addf(out, "%-10s", ecsctl_drift_status_name(it->status));
		if (opts->color)
			ecsctl_buf_adds(out, "\033[0m");
		ecsctl_buf_addf(out, " %s \"%s\"", ecsctl_kind_name(it->kind), it->name);
		if (it->deployed_commit)
			ecsctl_buf_addf(out, " deployed from %s",
			                short_sha(it->deployed_commit, sha));
		if (it->updated_at)
			ecsctl_buf_addf(out, ", changed %s", it->updated_at);
		ecsctl_buf_adds(out, "\n");
		if (it->message)
			ecsctl_buf_addf(out, "    %s\n", it->message);
		for (j = 0; j < json_array_size(it->diff); j++) {
			const json_t *d = json_array_get(it->diff, j);

			ecsctl_buf_addf(out, "    %s: git ",
			                json_string_value(json_object_get(d, "path")));
			add_value(out, json_object_get(d, "git"));
			ecsctl_buf_adds(out, ", live ");
			add_value(out, json_object_get(d, "live"));
			ecsctl_buf_adds(out, "\n");
		}
	}
}

/* ---- markdown ---------------------------------------------------------- */

void ecsctl_drift_md_escape(struct ecsctl_buf *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			ecsctl_buf_addch(out, ' ');
		else if (c == '<')
			ecsctl_buf_adds(out, "&lt;");
		else if (c == '>')
			ecsctl_buf_adds(out, "&gt;");
		else if (c == '&')
			ecsctl_buf_adds(out, "&amp;");
		else if (strchr("\\`*_[]|~#!", c)) {
			ecsctl_buf_addch(out, '\\');
			ecsctl_buf_addch(out, c);
		} else if (c < 0x20)
			ecsctl_buf_addch(out, ' ');
		else
			ecsctl_buf_addch(out, c);
	}
}

static void md_value(struct ecsctl_buf *out, const json_t *v)
{
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;

	add_value(&tmp, v);
	ecsctl_drift_md_escape(out, tmp.buf);
	ecsctl_buf_fail_from(out, &tmp);
	ecsctl_buf_release(&tmp);
}

void ecsctl_drift_format_markdown(struct ecsctl_buf *out, const struct ecsctl_drift_report *r)
{
	char sha[13];
	size_t i, j, shown = 0;

	ecsctl_buf_adds(out, "### ecsctl drift");
	if (r->commit)
		ecsctl_buf_addf(out, " at %s", short_sha(r->commit, sha));
	ecsctl_buf_adds(out, "\n\n");
	ecsctl_buf_adds(out, ecsctl_drift_report_fails(r) ? "**Drift found.** " : "**In sync.** ");
	add_summary_line(out, r);
	ecsctl_buf_adds(
	    out, "\n\n| Status | Kind | Name | Deployed commit | Last change | Differences |\n"
	         "|---|---|---|---|---|---|\n");
	for (i = 0; i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];

		ecsctl_buf_addf(out, "| %s | %s | ", ecsctl_drift_status_name(it->status),
		                ecsctl_kind_name(it->kind));
		ecsctl_drift_md_escape(out, it->name);
		ecsctl_buf_adds(out, " | ");
		ecsctl_drift_md_escape(
		    out, it->deployed_commit ? short_sha(it->deployed_commit, sha) : "-");
		ecsctl_buf_adds(out, " | ");
		ecsctl_drift_md_escape(out, it->updated_at ? it->updated_at : "-");
		ecsctl_buf_addf(out, " | %zu |\n", json_array_size(it->diff));
	}
	for (i = 0; i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];

		if (!json_array_size(it->diff) && !it->message)
			continue;
		if (!shown++)
			ecsctl_buf_adds(out, "\n#### Details\n");
		ecsctl_buf_addf(out, "\n<details><summary>%s %s ",
		                ecsctl_drift_status_name(it->status), ecsctl_kind_name(it->kind));
		ecsctl_drift_md_escape(out, it->name);
		ecsctl_buf_adds(out, "</summary>\n\n");
		if (it->message) {
			ecsctl_drift_md_escape(out, it->message);
			ecsctl_buf_adds(out, "\n\n");
		}
		if (json_array_size(it->diff))
			ecsctl_buf_adds(out, "| Member | Git | Live |\n|---|---|---|\n");
		for (j = 0; j < json_array_size(it->diff); j++) {
			const json_t *d = json_array_get(it->diff, j);

			ecsctl_buf_adds(out, "| ");
			ecsctl_drift_md_escape(out, json_string_value(json_object_get(d, "path")));
			ecsctl_buf_adds(out, " | ");
			md_value(out, json_object_get(d, "git"));
			ecsctl_buf_adds(out, " | ");
			md_value(out, json_object_get(d, "live"));
			ecsctl_buf_adds(out, " |\n");
		}
		ecsctl_buf_adds(out, "\n</details>\n");
	}
}

/* ---- junit ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at `s`, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && s[0] == 0xe0 && s[1] < 0xa0)
		return 0;
	if (n == 3 && s[0] == 0xed && s[1] >= 0xa0)
		return 0; /* surrogates */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

void ecsctl_drift_xml_escape(struct ecsctl_buf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (s && *s) {
		size_t n = utf8_len(s);

		if (!n) {
			ecsctl_buf_addch(out, '?');
			s++;
			continue;
		}
		if (n > 1) {
			ecsctl_buf_add(out, s, n);
		} else if (*s == '&') {
			ecsctl_buf_adds(out, "&amp;");
		} else if (*s == '<') {
			ecsctl_buf_adds(out, "&lt;");
		} else if (*s == '>') {
			ecsctl_buf_adds(out, "&gt;");
		} else if (*s == '"') {
			ecsctl_buf_adds(out, "&quot;");
		} else if (*s == '\'') {
			ecsctl_buf_adds(out, "&apos;");
		} else if (*s == '\n' || *s == '\t') {
			ecsctl_buf_addf(out, "&#%u;", *s);
		} else if (*s < 0x20 || *s == 0x7f) {
			ecsctl_buf_addch(out, '?');
		} else {
			ecsctl_buf_addch(out, (char)*s);
		}
		s += n;
	}
}

static void junit_details(struct ecsctl_buf *out, const struct ecsctl_drift_item *it)
{
	struct ecsctl_buf tmp = ECSCTL_BUF_INIT;
	size_t j;

	if (it->message)
		ecsctl_buf_addf(&tmp, "%s\n", it->message);
	for (j = 0; j < json_array_size(it->diff); j++) {
		const json_t *d = json_array_get(it->diff, j);

		ecsctl_buf_addf(&tmp, "%s: git ", json_string_value(json_object_get(d, "path")));
		add_value(&tmp, json_object_get(d, "git"));
		ecsctl_buf_adds(&tmp, ", live ");
		add_value(&tmp, json_object_get(d, "live"));
		ecsctl_buf_adds(&tmp, "\n");
	}
	ecsctl_drift_xml_escape(out, tmp.buf);
	ecsctl_buf_fail_from(out, &tmp);
	ecsctl_buf_release(&tmp);
}

void ecsctl_drift_format_junit(struct ecsctl_buf *out, const struct ecsctl_drift_report *r)
{
	size_t i, failures = 0;

	for (i = 0; i < r->count; i++)
		failures += ecsctl_drift_status_fails(r->items[i].status);
	ecsctl_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	ecsctl_buf_addf(out, "<testsuites name=\"ecsctl drift\" tests=\"%zu\" failures=\"%zu\">\n",
	                r->count, failures);
	ecsctl_buf_addf(out,
	                "  <testsuite name=\"ecsctl drift\" tests=\"%zu\" failures=\"%zu\" "
	                "errors=\"0\" skipped=\"0\">\n",
	                r->count, failures);
	if (r->commit) {
		ecsctl_buf_adds(out, "    <properties><property name=\"commit\" value=\"");
		ecsctl_drift_xml_escape(out, r->commit);
		ecsctl_buf_adds(out, "\"/></properties>\n");
	}
	for (i = 0; i < r->count; i++) {
		const struct ecsctl_drift_item *it = &r->items[i];
		const char *st = ecsctl_drift_status_name(it->status);

		ecsctl_buf_addf(out, "    <testcase classname=\"%s\" name=\"",
		                ecsctl_kind_name(it->kind));
		ecsctl_drift_xml_escape(out, it->name);
		ecsctl_buf_adds(out, "\">\n");
		if (ecsctl_drift_status_fails(it->status)) {
			ecsctl_buf_addf(out, "      <failure type=\"%s\" message=\"%s\">", st, st);
			junit_details(out, it);
			ecsctl_buf_adds(out, "</failure>\n");
		} else if (it->status == ECSCTL_DRIFT_UNMANAGED) {
			ecsctl_buf_adds(
			    out, "      <system-out>unmanaged: live, not in git</system-out>\n");
		}
		ecsctl_buf_adds(out, "    </testcase>\n");
	}
	ecsctl_buf_adds(out, "  </testsuite>\n</testsuites>\n");
}
