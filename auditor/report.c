/* SPDX-License-Identifier: MIT */
/*
 * report.c: build the v1 JSON report (the report model) from an audit.
 * The keys are a contract (DESIGN.md): add, never rename.  Strings from the
 * image are made valid UTF-8 here, once, so that every renderer can trust
 * them; escaping for a terminal or a page is the renderer's job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"
#include "report.h"
#include "report_private.h"

/* Length of a valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
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
	/* Overlong forms and surrogates. */
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) ||
	    (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

/* A copy of s with each invalid UTF-8 byte replaced by U+FFFD. */
static char *
clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *clean, *q;

	q = clean = xmalloc(strlen(s) * 3 + 1);
	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (n == 0) {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			p++;
		} else {
			memcpy(q, p, n);
			q += n;
			p += n;
		}
	}
	*q = '\0';
	return clean;
}

void
rep_str(cJSON *o, const char *key, const char *s)
{
	char *clean;

	if (s == NULL) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	clean = clean_utf8(s);
	cJSON_AddStringToObject(o, key, clean);
	free(clean);
}

void
rep_int(cJSON *o, const char *key, int64_t v)
{
	cJSON_AddNumberToObject(o, key, (double)v);
}

/*
 * Entrypoint and Cmd keep their JSON form (an array, usually).  Invalid
 * UTF-8 is replaced in the text first: JSON's own syntax is ASCII, so only
 * string contents (values and keys) can change.
 */
static void
add_raw_json(cJSON *o, const char *key, const char *text)
{
	char *clean = text ? clean_utf8(text) : NULL;
	cJSON *v = clean ? cJSON_Parse(clean) : NULL;

	free(clean);

	if (v == NULL)
		v = cJSON_CreateNull();
	cJSON_AddItemToObject(o, key, v);
}

/*
 * What a file version is: the ELF reader's facts, or libmagic's word for
 * large files (filetype.h), or NULL.  path starts with '/'.
 */
static const char *
file_type(const struct audit *a, int layer, const char *path, char *buf,
    size_t n)
{
	const struct layer_result *r;
	size_t i;

	if (layer < 0 || (size_t)layer >= a->n_layers)
		return NULL;
	r = a->layers[layer];
	path++;
	for (i = 0; i < r->n_elves; i++) {
		const struct elf_facts *f = &r->elves[i].facts;

		if (strcmp(r->entries[r->elves[i].entry].path, path) != 0)
			continue;
		snprintf(buf, n, "ELF %d-bit %s%s%s", f->elfclass,
		    f->type == ELF_ET_EXEC || (f->type == ELF_ET_DYN &&
		    f->interp != NULL && f->soname == NULL) ? "executable" :
		    f->type == ELF_ET_DYN ? "shared library" :
		    f->type == ELF_ET_REL ? "relocatable" : "file",
		    f->debug_bytes > 0 ? ", with debug info" : "",
		    f->fatbin.n_arch > 0 ? ", with CUDA GPU code" : "");
		return buf;
	}
	for (i = 0; i < r->n_types; i++)
		if (strcmp(r->entries[r->types[i].entry].path, path) == 0)
			return r->types[i].type;
	return NULL;
}

static void
add_files(cJSON *root, const char *key, const struct audit *a,
    struct tree_file *v, size_t n, int with_layer)
{
	cJSON *arr = cJSON_AddArrayToObject(root, key);
	char buf[128];
	size_t i;

	for (i = 0; i < n; i++) {
		cJSON *f = cJSON_CreateObject();

		rep_str(f, "path", v[i].path);
		rep_int(f, "bytes", v[i].size);
		if (with_layer) {
			rep_int(f, "layer", v[i].layer);
			rep_str(f, "type", file_type(a, v[i].layer, v[i].path,
			    buf, sizeof(buf)));
		}
		cJSON_AddItemToArray(arr, f);
	}
	tree_files_free(v, n);
}

static cJSON *
build_image(const struct audit *a)
{
	const struct image *img = a->img;
	cJSON *o = cJSON_CreateObject();

	rep_str(o, "ref", img->ref);
	rep_str(o, "transport", img->transport);
	rep_str(o, "digest", img->digest);
	rep_str(o, "config_digest", img->config_digest);
	rep_str(o, "platform", img->platform);
	rep_str(o, "created", img->created);
	rep_str(o, "verified", a->verify == VERIFY_FULL ? "full" :
	    a->verify == VERIFY_BLOB ? "blob" : "none");
	add_raw_json(o, "entrypoint", img->entrypoint);
	add_raw_json(o, "cmd", img->cmd);
	return o;
}

static cJSON *
build_totals(const struct audit *a)
{
	cJSON *o = cJSON_CreateObject();
	int64_t compressed = 0, layer_bytes = 0, tar_bytes = 0;
	size_t i;

	for (i = 0; i < a->n_layers; i++) {
		compressed += a->layers[i]->compressed_bytes;
		layer_bytes += a->layers[i]->bytes;
		tar_bytes += a->layers[i]->tar_bytes;
	}
	rep_int(o, "layers", (int64_t)a->n_layers);
	rep_int(o, "compressed_bytes", compressed);
	rep_int(o, "layer_bytes", layer_bytes);
	rep_int(o, "tar_bytes", tar_bytes);
	rep_int(o, "final_bytes", a->totals.final_bytes);
	rep_int(o, "final_files", a->totals.final_files);
	rep_int(o, "final_entries", a->totals.final_entries);
	rep_int(o, "wasted_bytes", a->totals.wasted_bytes);
	cJSON_AddNumberToObject(o, "efficiency", layer_bytes > 0 ?
	    (double)a->totals.final_bytes / (double)layer_bytes : 1.0);
	/* Each byte once, over the high- and medium-confidence candidates. */
	rep_int(o, "removable_bytes", a->cands ? a->cands->removable_bytes : 0);
	rep_int(o, "removable_compressed_bytes", a->cands ?
	    a->cands->removable_compressed : 0);
	cJSON_AddNumberToObject(o, "dive_efficiency", a->dive.efficiency);
	rep_int(o, "dive_wasted_bytes", a->dive.wasted_bytes);
	cJSON_AddNumberToObject(o, "dive_user_wasted_percent",
	    a->dive.user_wasted_percent);
	rep_int(o, "dive_size_bytes", a->dive.size_bytes);
	rep_int(o, "dive_user_size_bytes", a->dive.user_size_bytes);
	return o;
}

static cJSON *
build_layers(const struct audit *a)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < a->n_layers; i++) {
		const struct layer_result *r = a->layers[i];
		const struct image_layer *il = &a->img->layers[i];
		cJSON *o = cJSON_CreateObject();
		size_t k, entries = 0;

		for (k = 0; k < r->n_entries; k++)
			if (r->entries[k].kind != ENTRY_WHITEOUT &&
			    r->entries[k].kind != ENTRY_OPAQUE)
				entries++;
		rep_int(o, "index", (int64_t)i);
		rep_str(o, "digest", r->digest);
		rep_str(o, "diff_id", r->diff_id);
		rep_str(o, "media_type", il->media_type);
		rep_str(o, "compression", layer_compression_name(r->compression));
		rep_str(o, "created_by", il->created_by);
		rep_int(o, "compressed_bytes", r->compressed_bytes);
		rep_int(o, "tar_bytes", r->tar_bytes);
		rep_int(o, "bytes", r->bytes);
		rep_int(o, "files", r->files);
		rep_int(o, "entries", (int64_t)entries);
		rep_int(o, "wasted_bytes", i < a->totals.n_layers ?
		    a->totals.layer_wasted[i] : 0);
		if (a->cands != NULL && i < a->cands->n_layers) {
			cJSON *pp = cJSON_AddObjectToObject(o, "purposes");
			int p;

			for (p = 0; p < P_COUNT; p++)
				if (a->cands->layer_purpose[i][p] > 0)
					rep_int(pp, kb_purpose_name((enum purpose)p),
					    a->cands->layer_purpose[i][p]);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *
build_findings(const struct audit *a)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < a->findings.n; i++) {
		cJSON *o = cJSON_CreateObject();

		rep_str(o, "kind", a->findings.v[i].kind);
		rep_str(o, "title", a->findings.v[i].title);
		rep_str(o, "detail", a->findings.v[i].detail);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

cJSON *
report_build(const struct audit *a, size_t top)
{
	cJSON *root = cJSON_CreateObject();
	struct tree_file *v;
	size_t n;

	cJSON_AddStringToObject(root, "schema", REPORT_SCHEMA);
	cJSON_AddItemToObject(root, "image", build_image(a));
	cJSON_AddItemToObject(root, "totals", build_totals(a));
	cJSON_AddItemToObject(root, "layers", build_layers(a));
	cJSON_AddItemToObject(root, "packages", report_packages(a));
	cJSON_AddItemToObject(root, "candidates", report_candidates(a));
	cJSON_AddItemToObject(root, "purposes", report_purposes(a));
	cJSON_AddItemToObject(root, "findings", build_findings(a));
	rep_int(root, "findings_omitted", (int64_t)a->findings.dropped);

	n = tree_largest_files(a->tree, top, &v);
	add_files(root, "largest_files", a, v, n, 1);
	n = tree_largest_dirs(a->tree, top, 3, &v);
	add_files(root, "largest_dirs", a, v, n, 0);
	n = tree_wasted(a->tree, top, &v);
	add_files(root, "wasted_files", a, v, n, 1);
	cJSON_AddItemToObject(root, "attribution", report_attribution(a, top));
	cJSON_AddItemToObject(root, "binaries", report_binaries(a, top));
	return root;
}

/* rep_str(), in place of key's value (where it is in o, for cmp(1)). */
static void
replace_str(cJSON *o, const char *key, const char *s)
{
	cJSON *tmp = cJSON_CreateObject(), *v;

	rep_str(tmp, key, s);
	v = cJSON_DetachItemFromObjectCaseSensitive(tmp, key);
	cJSON_Delete(tmp);
	if (!cJSON_ReplaceItemInObjectCaseSensitive(o, key, v))
		cJSON_AddItemToObject(o, key, v);
}

cJSON *
report_from_stored(const char *json, const struct image *img)
{
	cJSON *r = json != NULL ? cJSON_Parse(json) : NULL;
	cJSON *schema = cJSON_GetObjectItemCaseSensitive(r, "schema");
	cJSON *image = cJSON_GetObjectItemCaseSensitive(r, "image");

	if (!cJSON_IsString(schema) ||
	    strcmp(schema->valuestring, REPORT_SCHEMA) != 0 ||
	    !cJSON_IsObject(image)) {
		cJSON_Delete(r);
		return NULL;
	}
	/* Where the image was read from is this run's, not the image's. */
	replace_str(image, "ref", img->ref);
	replace_str(image, "transport", img->transport);
	return r;
}

int
report_write_json(const cJSON *report, FILE *f)
{
	char *s = cJSON_Print(report);
	int rc;

	if (s == NULL)
		return -1;
	rc = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
	cJSON_free(s);
	return rc;
}
