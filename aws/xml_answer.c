/*
 * The XML the query protocol (STS, CloudFormation) and S3 answer with: a
 * few elements found by name, their text with the XML entities decoded, and
 * the <Error> of a failed call. Not a general XML parser: AWS answers have
 * no attributes we need, no CDATA, no comments, and elements of one name
 * nest only as list items (<member> inside <member>), which spans count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecsctl/aws.h"
#include "ecsctl/buf.h"
#include "aws_int.h"
#include "banned.h"

/* Whether "<tag>" or "<tag ...>" (not "<tagX>") starts at p; *inner is
 * where its content starts, NULL for an empty <tag/>. */
static int opens_at(const char *p, const char *end, const char *tag, size_t tlen,
                    const char **inner)
{
	const char *q = p + 1 + tlen, *gt;

	if ((size_t)(end - p) <= tlen + 1 || p[0] != '<' || memcmp(p + 1, tag, tlen) ||
	    (*q != '>' && *q != ' ' && *q != '/'))
		return 0;
	gt = memchr(q, '>', (size_t)(end - q));
	if (!gt)
		return 0;
	*inner = gt[-1] == '/' ? NULL : gt + 1;
	return 1;
}

/* The next "<tag>" in [p, end), or NULL. */
static const char *find_open(const char *p, const char *end, const char *tag, size_t tlen,
                             const char **inner)
{
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (opens_at(p, end, tag, tlen, inner))
			return p;
		p++;
	}
	return NULL;
}

int ecsctl_aws_xml_find(struct ecsctl_aws_xml_span *out, const char *from, const char *to,
                        const char *tag)
{
	size_t tlen = strlen(tag);
	const char *inner = NULL, *p, *open;
	int depth = 1;

	open = find_open(from, to, tag, tlen, &inner);
	if (!open)
		return -1;
	out->end = out->start = inner ? inner : open;
	if (!inner) { /* <tag/> */
		out->after = (const char *)memchr(open, '>', (size_t)(to - open)) + 1;
		return 0;
	}
	for (p = inner; p < to && (p = memchr(p, '<', (size_t)(to - p))) != NULL; p++) {
		const char *in2 = NULL;

		if ((size_t)(to - p) > tlen + 2 && p[1] == '/' && !memcmp(p + 2, tag, tlen) &&
		    p[2 + tlen] == '>') {
			if (--depth == 0) {
				out->end = p;
				out->after = p + tlen + 3;
				return 0;
			}
		} else if (opens_at(p, to, tag, tlen, &in2) && in2) {
			depth++; /* a list item inside a list item of the same name */
		}
	}
	return -1;
}

char *ecsctl_aws_xml_decode(const char *a, const char *b)
{
	static const struct {
		const char *ent;
		char ch;
	} ents[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	struct ecsctl_buf out = ECSCTL_BUF_INIT;
	const char *p;

	for (p = a; p < b; p++) {
		size_t i;
		int done_ent = 0;

		if (*p != '&') {
			ecsctl_buf_addch(&out, *p);
			continue;
		}
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			size_t l = strlen(ents[i].ent);

			if ((size_t)(b - p) >= l && !strncmp(p, ents[i].ent, l)) {
				ecsctl_buf_addch(&out, ents[i].ch);
				p += l - 1;
				done_ent = 1;
				break;
			}
		}
		if (!done_ent && p + 2 < b && p[1] == '#') {
			char *end;
			long v = p[2] == 'x' ? strtol(p + 3, &end, 16) : strtol(p + 2, &end, 10);

			/* ASCII only: the values we read (keys, ids, outputs) are
			 * sent as UTF-8 bytes, never as numeric references beyond it */
			if (end < b && *end == ';' && v > 0 && v < 128) {
				ecsctl_buf_addch(&out, (int)v);
				p = end;
				done_ent = 1;
			}
		}
		if (!done_ent)
			ecsctl_buf_addch(&out, '&');
	}
	if (ecsctl_buf_failed(&out)) {
		ecsctl_buf_release(&out);
		return NULL;
	}
	return out.buf ? ecsctl_buf_detach(&out) : strdup("");
}

char *ecsctl_aws_xml_text(const char *from, const char *to, const char *tag)
{
	struct ecsctl_aws_xml_span s;

	if (!from || ecsctl_aws_xml_find(&s, from, to, tag))
		return NULL;
	return ecsctl_aws_xml_decode(s.start, s.end);
}

int ecsctl_aws_parse_xml_error(long status, const char *request_id, const char *body, size_t len,
                               struct ecsctl_error *err)
{
	const char *end = body ? body + len : NULL;
	char *code = ecsctl_aws_xml_text(body, end, "Code");
	char *msg = ecsctl_aws_xml_text(body, end, "Message");
	char *rid = request_id ? NULL : ecsctl_aws_xml_text(body, end, "RequestId");
	char status_code[24];
	int rc;

	snprintf(status_code, sizeof(status_code), "%ld", status);
	rc = aws_set_error(err, status, code && *code ? code : status_code, msg ? msg : "",
	                   msg ? strlen(msg) : 0, request_id ? request_id : rid);
	free(code);
	free(msg);
	free(rid);
	return rc;
}
