/* SPDX-License-Identifier: MIT */
/*
 * source_registry.c: docker://HOST[:PORT]/REPO[:TAG|@DIGEST] as an image
 * container.  The OCI reader (source_oci.c) asks a container for
 * "oci-layout", "index.json" and "blobs/sha256/<hex>"; here those names
 * become registry requests:
 *
 *	oci-layout           a constant: the registry speaks OCI's model
 *	index.json           an index of one descriptor: the manifest (or
 *	                     index, or Docker manifest list) the tag names
 *	blobs/sha256/<hex>   a document fetched earlier (the tag's manifest),
 *	                     else GET /blobs/ (configs), else GET /manifests/
 *	                     by digest (the manifests an index lists)
 *
 * Layers are never read whole: src_stream() hands the layer reader a
 * libcurl stream (registry.c), and the digest is checked as it flows.
 * HTTP, authentication and retries are registry.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "registry.h"
#include "source_private.h"

struct reg_doc {
	char *name;		/* "blobs/sha256/<hex>" */
	char *body;
	size_t len;
};

struct reg_state {
	struct registry *reg;
	char *reference;	/* tag or digest */
	struct reg_doc *docs;
	size_t n_docs, cap;
};

static void
keep_doc(struct reg_state *rs, const char *digest, const char *body,
    size_t len)
{
	char name[128];

	if (src_blob_path(digest, name, sizeof(name)) != 0)
		return;
	xgrow((void **)&rs->docs, &rs->cap, rs->n_docs + 1, sizeof(*rs->docs));
	rs->docs[rs->n_docs].name = xstrdup(name);
	rs->docs[rs->n_docs].body = xstrndup(body, len);
	rs->docs[rs->n_docs].len = len;
	rs->n_docs++;
}

enum ia_status
source_registry_open(struct source *src, const char *spec,
    const struct source_options *opt, struct ia_error *err)
{
	struct registry_options ro;
	struct reg_state *rs = xcalloc(1, sizeof(*rs));
	enum ia_status st;

	memset(&ro, 0, sizeof(ro));
	ro.creds = opt->creds;
	ro.tls_verify = !opt->tls_no_verify;
	src->reg = rs;
	st = registry_open(spec + strlen("docker://"), &ro, &rs->reg,
	    &rs->reference, err);
	if (st != IA_OK)
		return st;
	src->img.transport = "docker";
	return IA_OK;
}

/*
 * registry.c refuses a body over the max it was handed with "... too
 * large (more than N bytes)"; say which option moves that max.
 */
static enum ia_status
name_the_limit(struct source *src, const char *name, enum ia_status st,
    struct ia_error *err)
{
	if (st != IA_OK && err != NULL &&
	    strstr(err->msg, " too large (more than ") != NULL)
		return src_json_too_large(src, name, -1, err);
	return st;
}

/* The tag's document, as the one entry of a synthetic index.json. */
static enum ia_status
read_index(struct source *src, struct reg_state *rs, char **buf, size_t *len,
    struct ia_error *err)
{
	char *body = NULL, *mt = NULL, *digest = NULL, *text;
	size_t blen = 0;
	enum ia_status st;
	cJSON *idx, *arr, *d;

	st = registry_manifest(rs->reg, rs->reference, &body, &blen, &mt,
	    &digest, src->json_max, err);
	if (st != IA_OK)
		return name_the_limit(src, "the manifest", st, err);
	keep_doc(rs, digest, body, blen);
	idx = cJSON_CreateObject();
	cJSON_AddNumberToObject(idx, "schemaVersion", 2);
	arr = cJSON_AddArrayToObject(idx, "manifests");
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", mt ? mt :
	    "application/vnd.oci.image.manifest.v1+json");
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)blen);
	cJSON_AddItemToArray(arr, d);
	text = cJSON_PrintUnformatted(idx);
	cJSON_Delete(idx);
	free(body);
	free(mt);
	free(digest);
	if (text == NULL)
		return ia_seterr(err, IA_EINTERNAL, "%s: out of memory",
		    src->img.ref);
	*buf = xstrdup(text);
	*len = strlen(text);
	cJSON_free(text);
	return IA_OK;
}

enum ia_status
source_registry_read(struct source *src, const char *name, char **buf,
    size_t *len, struct ia_error *err)
{
	struct reg_state *rs = src->reg;
	char digest[80];
	enum ia_status st;
	size_t i;

	if (strcmp(name, "oci-layout") == 0) {
		*buf = xstrdup("{\"imageLayoutVersion\":\"1.0.0\"}");
		*len = strlen(*buf);
		return IA_OK;
	}
	if (strcmp(name, "index.json") == 0)
		return read_index(src, rs, buf, len, err);
	for (i = 0; i < rs->n_docs; i++)
		if (strcmp(rs->docs[i].name, name) == 0) {
			*buf = xstrndup(rs->docs[i].body, rs->docs[i].len);
			*len = rs->docs[i].len;
			return IA_OK;
		}
	if (strncmp(name, "blobs/sha256/", 13) != 0 ||
	    strlen(name + 13) != 64)
		return ia_seterr(err, IA_EINPUT, "%s: no document %s in a "
		    "registry", src->img.ref, name);
	snprintf(digest, sizeof(digest), "sha256:%s", name + 13);
	st = registry_blob(rs->reg, digest, buf, len, src->json_max, err);
	if (st == IA_OK)
		return IA_OK;
	/* A manifest an index lists lives under /manifests/, not /blobs/. */
	{
		struct ia_error err2 = { 0 };
		char *mt = NULL, *got = NULL;

		if (registry_manifest(rs->reg, digest, buf, len, &mt, &got,
		    src->json_max, &err2) == IA_OK) {
			free(mt);
			free(got);
			return IA_OK;
		}
	}
	return name_the_limit(src, name, st, err);
}

enum ia_status
source_registry_stream(struct source *src, const char *name,
    struct blob_stream *bs, int64_t *size, struct ia_error *err)
{
	struct reg_state *rs = src->reg;
	char digest[80];

	if (strncmp(name, "blobs/sha256/", 13) != 0 ||
	    strlen(name + 13) != 64)
		return ia_seterr(err, IA_EINPUT, "%s: no blob %s in a registry",
		    src->img.ref, name);
	snprintf(digest, sizeof(digest), "sha256:%s", name + 13);
	return registry_stream_open(rs->reg, digest, bs, size, err);
}

void
source_registry_close(struct source *src, struct blob_stream *bs)
{
	(void)src;
	registry_stream_close(bs);
}

void
source_registry_free(struct source *src)
{
	struct reg_state *rs = src->reg;
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_docs; i++) {
		free(rs->docs[i].name);
		free(rs->docs[i].body);
	}
	free(rs->docs);
	free(rs->reference);
	registry_free(rs->reg);
	free(rs);
	src->reg = NULL;
}
