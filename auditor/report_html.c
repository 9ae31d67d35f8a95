/* SPDX-License-Identifier: MIT */
/*
 * report_html.c: the HTML report, one self-contained page.  The page is
 * reports/report.html (embedded at build time, with reports/report.css and
 * reports/report.js) with five placeholders filled in: the stylesheet and
 * the script as they are, the Content-Security-Policy that allows exactly
 * those two (by their SHA-256, computed here), the title, and the v1
 * report as one JSON block.
 *
 * This file draws nothing: reports/report.js builds every table and chart
 * from the JSON block, as DOM text (never markup), so the only image
 * strings written here are the title, HTML-escaped, and the JSON, escaped
 * so that no string can end the <script> element that carries it.  What
 * a figure means is the report model's (report.c, docs/report-schema.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "embed.h"
#include "report.h"

/* The embedded asset named name, or NULL when the build left it out. */
static const struct embedded_file *
asset(const char *name)
{
	const struct embedded_file *e;

	for (e = report_assets; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

/* Does s[0..n) hold needle, ignoring ASCII case? */
static int
has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* "sha256-BASE64" of s[0..n), for a CSP source list; 0 or -1. */
static int
csp_hash(const char *s, size_t n, char out[64])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	memcpy(out, "sha256-", 7);
	EVP_EncodeBlock((unsigned char *)out + 7, md, (int)mdlen);
	return 0;
}

char *
report_html_json(const cJSON *report)
{
	char *json, *out, *o;
	const unsigned char *p;
	size_t n;

	json = cJSON_PrintUnformatted(report);
	if (json == NULL)
		return NULL;
	/* Each byte grows to at most six ("\u003c"). */
	n = strlen(json);
	out = malloc(n * 6 + 1);
	if (out == NULL) {
		cJSON_free(json);
		return NULL;
	}
	/*
	 * The characters only ever occur inside JSON strings (cJSON's own
	 * syntax has none of them), where \uXXXX means the same character.
	 * U+2028 and U+2029 are escaped too: they end a line in older
	 * JavaScript and in some viewers.
	 */
	for (p = (const unsigned char *)json, o = out; *p != '\0'; p++) {
		if (*p == '<' || *p == '>' || *p == '&') {
			o += snprintf(o, 7, "\\u%04x", *p);
		} else if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9)) {
			o += snprintf(o, 7, "\\u%04x", p[2] == 0xa8 ?
			    0x2028 : 0x2029);
			p += 2;
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	cJSON_free(json);
	return out;
}

/* s as HTML text: markup characters as entities, control bytes as '?'. */
static int
put_escaped(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		int rc;

		switch (c) {
		case '&': rc = fputs("&amp;", f); break;
		case '<': rc = fputs("&lt;", f); break;
		case '>': rc = fputs("&gt;", f); break;
		case '"': rc = fputs("&quot;", f); break;
		case '\'': rc = fputs("&#39;", f); break;
		default:
			rc = fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
		}
		if (rc == EOF)
			return -1;
	}
	return 0;
}

static const char *
image_ref(const cJSON *report)
{
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(report, "image");
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(img, "ref");

	return cJSON_IsString(ref) ? ref->valuestring : "image";
}

int
report_write_html(const cJSON *report, FILE *f)
{
	const struct embedded_file *tpl, *css, *js;
	char css_h[64], js_h[64];
	const char *p, *end, *mark;
	char *json;
	int rc = -1;

	tpl = asset("reports/report.html");
	css = asset("reports/report.css");
	js = asset("reports/report.js");
	/* A stylesheet or script that could end its own element is a bug. */
	if (tpl == NULL || css == NULL || js == NULL ||
	    has_ci(css->data, css->len, "</style") ||
	    has_ci(js->data, js->len, "</script") ||
	    has_ci(js->data, js->len, "<!--") ||
	    csp_hash(css->data, css->len, css_h) != 0 ||
	    csp_hash(js->data, js->len, js_h) != 0) {
		errno = EINVAL;
		return -1;
	}
	json = report_html_json(report);
	if (json == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* Copy the template, filling in each {{NAME}} it holds. */
	for (p = tpl->data, end = tpl->data + tpl->len; p < end; ) {
		size_t n;
		int w = 0;

		mark = strstr(p, "{{");
		if (mark == NULL)
			mark = end;
		n = (size_t)(mark - p);
		if (n > 0 && fwrite(p, 1, n, f) != n)
			goto out;
		if (mark == end)
			break;
		if (strncmp(mark, "{{CSP}}", 7) == 0) {
			w = fprintf(f, "default-src 'none'; script-src '%s'; "
			    "style-src '%s'; img-src 'none'; connect-src "
			    "'none'; base-uri 'none'; form-action 'none'",
			    js_h, css_h) < 0 ? -1 : 0;
			p = mark + 7;
		} else if (strncmp(mark, "{{TITLE}}", 9) == 0) {
			w = put_escaped(f, image_ref(report));
			p = mark + 9;
		} else if (strncmp(mark, "{{STYLE}}", 9) == 0) {
			w = fwrite(css->data, 1, css->len, f) == css->len ? 0 :
			    -1;
			p = mark + 9;
		} else if (strncmp(mark, "{{SCRIPT}}", 10) == 0) {
			w = fwrite(js->data, 1, js->len, f) == js->len ? 0 : -1;
			p = mark + 10;
		} else if (strncmp(mark, "{{DATA}}", 8) == 0) {
			w = fputs(json, f) == EOF ? -1 : 0;
			p = mark + 8;
		} else {
			w = fputs("{{", f) == EOF ? -1 : 0;
			p = mark + 2;
		}
		if (w != 0)
			goto out;
	}
	rc = ferror(f) ? -1 : 0;
out:
	free(json);
	return rc;
}
