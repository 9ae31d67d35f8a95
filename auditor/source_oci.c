/* SPDX-License-Identifier: MIT */
/*
 * source_oci.c: OCI image layouts, as a directory (oci:DIR[:REF]) or as a
 * tar (oci-archive:PATH[:REF]).  index.json leads, possibly through nested
 * indexes and manifest lists, to one manifest chosen by reference name and
 * platform; the manifest names the config and the layer blobs.  Every
 * document read here is verified against the digest that named it.
 * Docker's schema 2 manifests and manifest lists are read the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "source_private.h"

#define INDEX_DEPTH_MAX	4	/* nested indexes followed, at most */
#define CANDIDATES_MAX	1024

#define MT_OCI_INDEX	"application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST	"application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST \
	"application/vnd.docker.distribution.manifest.v2+json"

struct candidate {
	const char *digest;	/* borrowed from a document in docs[] */
	const char *name;	/* ref name annotation, or NULL */
	char platform[128];	/* "os/arch[/variant]" or "" */
};

struct selection {
	struct candidate v[CANDIDATES_MAX];
	size_t n;
	cJSON *docs[INDEX_DEPTH_MAX + 1 + CANDIDATES_MAX];
	size_t n_docs;
};

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
is_index_type(const char *mt)
{
	return mt != NULL && (strcmp(mt, MT_OCI_INDEX) == 0 ||
	    strcmp(mt, MT_DOCKER_LIST) == 0);
}

static void
descriptor_platform(const cJSON *desc, char *buf, size_t n)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(desc, "platform");
	const char *os = jstr(p, "os"), *arch = jstr(p, "architecture");
	const char *variant = jstr(p, "variant");

	buf[0] = '\0';
	if (os != NULL && arch != NULL)
		snprintf(buf, n, "%s/%s%s%s", os, arch, variant ? "/" : "",
		    variant ? variant : "");
}

/*
 * Does platform `have` satisfy the request `want`?  A request without a
 * variant accepts any variant ("linux/arm64" matches "linux/arm64/v8").
 */
static int
platform_match(const char *want, const char *have)
{
	size_t n = strlen(want);
	const char *slash = strchr(want, '/');

	if (strcmp(want, have) == 0)
		return 1;
	/* want is "os/arch" (one slash): any variant of it will do. */
	return slash != NULL && strchr(slash + 1, '/') == NULL &&
	    strncmp(want, have, n) == 0 && have[n] == '/';
}

/* Collect the manifests an index names, descending into nested indexes. */
static enum ia_status
collect(struct source *src, const cJSON *index, int depth, const char *name,
    struct selection *sel, struct ia_error *err)
{
	const cJSON *manifests, *d;

	manifests = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	if (!cJSON_IsArray(manifests))
		return ia_seterr(err, IA_EINPUT, "%s: image index has no "
		    "manifests list", src->path);
	cJSON_ArrayForEach(d, manifests) {
		const char *mt = jstr(d, "mediaType");
		const char *digest = jstr(d, "digest");
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(d,
		    "annotations");
		/*
		 * The reference name may sit on a nested index (skopeo writes
		 * index.json -> index "latest" -> one manifest per platform):
		 * its manifests inherit it.
		 */
		const char *own = jstr(ann, "org.opencontainers.image.ref.name");

		if (own == NULL)
			own = jstr(ann, "io.containerd.image.name");
		if (own == NULL)
			own = name;

		if (digest == NULL || !digest_valid(digest))
			return ia_seterr(err, IA_EINPUT, "%s: index entry with "
			    "a missing or unsupported digest '%s' (only sha256 "
			    "is supported)", src->path, digest ? digest : "");
		if (is_index_type(mt)) {
			char path[128];
			cJSON *sub;
			enum ia_status st;

			if (depth >= INDEX_DEPTH_MAX)
				return ia_seterr(err, IA_EINPUT, "%s: image "
				    "indexes nested more than %d deep", src->path,
				    INDEX_DEPTH_MAX);
			if (sel->n_docs >= sizeof(sel->docs) /
			    sizeof(sel->docs[0]))
				return ia_seterr(err, IA_EINPUT, "%s: more than "
				    "%zu nested image indexes", src->path,
				    sizeof(sel->docs) / sizeof(sel->docs[0]));
			src_blob_path(digest, path, sizeof(path));
			st = src_read_json(src, path, digest, "image index",
			    &sub, err);
			if (st != IA_OK)
				return st;
			sel->docs[sel->n_docs++] = sub;
			st = collect(src, sub, depth + 1, own, sel, err);
			if (st != IA_OK)
				return st;
			continue;
		}
		if (sel->n >= CANDIDATES_MAX)
			return ia_seterr(err, IA_EINPUT, "%s: more than %d "
			    "manifests in the index", src->path, CANDIDATES_MAX);
		sel->v[sel->n].digest = digest;
		sel->v[sel->n].name = own;
		descriptor_platform(d, sel->v[sel->n].platform,
		    sizeof(sel->v[sel->n].platform));
		sel->n++;
	}
	return IA_OK;
}

static void
list_platforms(const struct selection *sel, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sel->n && used < n; i++) {
		const char *p = sel->v[i].platform[0] ? sel->v[i].platform :
		    "(none given)";

		if (strcmp(p, "unknown/unknown") == 0)
			continue;	/* build attestations, not images */
		used += (size_t)snprintf(buf + used, n - used, "%s%s",
		    used ? ", " : "", p);
	}
}

static enum ia_status
choose(struct source *src, const char *ref, const struct source_options *opt,
    struct selection *sel, const char **digest, struct ia_error *err)
{
	size_t i, kept = 0, match = 0, pick = 0;
	char list[1024];

	/* A reference name narrows the list first (oci:DIR:REF). */
	if (ref != NULL) {
		for (i = 0; i < sel->n; i++)
			if (sel->v[i].name != NULL && (strcmp(sel->v[i].name,
			    ref) == 0))
				sel->v[kept++] = sel->v[i];
		if (kept == 0) {
			size_t used = 0;

			list[0] = '\0';
			for (i = 0; i < sel->n && used < sizeof(list); i++)
				if (sel->v[i].name != NULL)
					used += (size_t)snprintf(list + used,
					    sizeof(list) - used, "%s%s",
					    used ? ", " : "", sel->v[i].name);
			return ia_seterr(err, IA_EINPUT, "%s: no image named '%s' "
			    "in index.json (names present: %s)", src->path, ref,
			    used ? list : "none");
		}
		sel->n = kept;
	}
	if (sel->n == 0)
		return ia_seterr(err, IA_EINPUT, "%s: index.json lists no "
		    "image manifest", src->path);
	if (sel->n == 1 && (sel->v[0].platform[0] == '\0' ||
	    !opt->platform_given || platform_match(opt->platform,
	    sel->v[0].platform))) {
		*digest = sel->v[0].digest;
		return IA_OK;
	}
	for (i = 0; i < sel->n; i++)
		if (platform_match(opt->platform, sel->v[i].platform)) {
			if (match++ == 0)
				pick = i;
		}
	list_platforms(sel, list, sizeof(list));
	if (match == 0)
		return ia_seterr(err, IA_EINPUT, "%s: no %s image here; "
		    "platforms present: %s (choose one with --platform)",
		    src->path, opt->platform, list);
	for (i = 0; i < sel->n; i++)
		if (i != pick && platform_match(opt->platform,
		    sel->v[i].platform) && strcmp(sel->v[i].digest,
		    sel->v[pick].digest) != 0)
			return ia_seterr(err, IA_EINPUT, "%s: several %s images "
			    "here; name one with oci:%s:REF", src->path,
			    opt->platform, src->path);
	*digest = sel->v[pick].digest;
	return IA_OK;
}

enum ia_status
source_oci_manifest(struct source *src, const char *digest,
    struct ia_error *err)
{
	struct image *img = &src->img;
	cJSON *man = NULL, *config = NULL;
	const cJSON *layers, *cfg, *d;
	const char *mt, *cdigest;
	char path[128];
	enum ia_status st;
	size_t i;

	if (src_blob_path(digest, path, sizeof(path)) != 0)
		return ia_seterr(err, IA_EINPUT, "%s: unsupported manifest digest "
		    "'%s'", src->path, digest);
	st = src_read_json(src, path, digest, "manifest", &man, err);
	if (st != IA_OK)
		goto done;
	mt = jstr(man, "mediaType");
	if (mt != NULL && is_index_type(mt)) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest %s is an index, "
		    "expected an image manifest", src->path, digest);
		goto done;
	}
	if (mt != NULL && strcmp(mt, MT_OCI_MANIFEST) != 0 &&
	    strcmp(mt, MT_DOCKER_MANIFEST) != 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest %s has unsupported "
		    "media type %s", src->path, digest, mt);
		goto done;
	}
	img->digest = xstrdup(digest);
	layers = cJSON_GetObjectItemCaseSensitive(man, "layers");
	cfg = cJSON_GetObjectItemCaseSensitive(man, "config");
	cdigest = jstr(cfg, "digest");
	if (!cJSON_IsArray(layers) || cdigest == NULL) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest %s lacks a config "
		    "or a layers list (invalid manifest)", src->path, digest);
		goto done;
	}
	img->n_layers = (size_t)cJSON_GetArraySize(layers);
	if (img->n_layers > SOURCE_LAYERS_MAX) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest %s lists %zu layers, "
		    "over the limit of %d (no runtime mounts that many)",
		    src->path, digest, img->n_layers, SOURCE_LAYERS_MAX);
		img->n_layers = 0;
		goto done;
	}
	img->layers = xcalloc(img->n_layers, sizeof(*img->layers));
	i = 0;
	cJSON_ArrayForEach(d, layers) {
		struct image_layer *l = &img->layers[i];
		const char *lmt = jstr(d, "mediaType");
		const char *ldigest = jstr(d, "digest");
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(d, "size");
		int comp = src_media_compression(lmt);

		if (lmt == NULL || comp < 0 || comp == COMP_UNKNOWN) {
			st = ia_seterr(err, IA_EINPUT, "%s: layer %zu has "
			    "unsupported media type %s", src->path, i,
			    lmt ? lmt : "(none)");
			goto done;
		}
		if (ldigest == NULL || src_blob_path(ldigest, path,
		    sizeof(path)) != 0) {
			st = ia_seterr(err, IA_EINPUT, "%s: layer %zu has a "
			    "missing or unsupported digest '%s'", src->path, i,
			    ldigest ? ldigest : "");
			goto done;
		}
		l->media_type = xstrdup(lmt);
		l->compression = (enum layer_compression)comp;
		l->digest = xstrdup(ldigest);
		l->blob = xstrdup(path);
		/*
		 * A descriptor must give the blob's size (OCI image spec), a
		 * whole number a file could have: it bounds what is read.
		 */
		if (size == NULL || (!cJSON_IsNumber(size) ||
		    size->valuedouble < 0 || size->valuedouble > 9e18 ||
		    size->valuedouble != (double)(int64_t)size->valuedouble)) {
			st = ia_seterr(err, IA_EINPUT, "%s: layer %zu has a "
			    "missing or invalid size in the manifest (invalid "
			    "manifest)", src->path, i);
			goto done;
		}
		l->size = (int64_t)size->valuedouble;
		i++;
	}
	if (src_blob_path(cdigest, path, sizeof(path)) != 0) {
		st = ia_seterr(err, IA_EINPUT, "%s: unsupported config digest "
		    "'%s'", src->path, cdigest);
		goto done;
	}
	img->config_digest = xstrdup(cdigest);
	st = src_read_json(src, path, cdigest, "config", &config, err);
	if (st != IA_OK)
		goto done;
	st = src_apply_config(src, config, err);
done:
	cJSON_Delete(config);
	cJSON_Delete(man);
	return st;
}

enum ia_status
source_oci_load(struct source *src, const char *ref,
    const struct source_options *opt, struct ia_error *err)
{
	struct selection *sel;
	cJSON *layout = NULL;
	const char *digest = NULL;
	enum ia_status st;
	size_t i;

	sel = xcalloc(1, sizeof(*sel));
	if (!src_has(src, "oci-layout")) {
		st = ia_seterr(err, IA_EINPUT, "%s: not an image: no oci-layout "
		    "file", src->path);
		goto done;
	}
	st = src_read_json(src, "oci-layout", NULL, "layout file", &layout, err);
	if (st != IA_OK)
		goto done;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(layout,
	    "imageLayoutVersion"))) {
		st = ia_seterr(err, IA_EINPUT, "%s: oci-layout has no "
		    "imageLayoutVersion (invalid JSON for a layout)", src->path);
		goto done;
	}
	if (!src_has(src, "index.json")) {
		st = ia_seterr(err, IA_EINPUT, "%s: missing index.json: an OCI "
		    "layout needs one to name its images (invalid manifest)",
		    src->path);
		goto done;
	}
	st = src_read_json(src, "index.json", NULL, "index", &sel->docs[0], err);
	if (st != IA_OK)
		goto done;
	sel->n_docs = 1;
	st = collect(src, sel->docs[0], 0, NULL, sel, err);
	if (st != IA_OK)
		goto done;
	st = choose(src, ref, opt, sel, &digest, err);
	if (st != IA_OK)
		goto done;
	st = source_oci_manifest(src, digest, err);
	if (st == IA_OK && opt->platform_given && src->img.platform != NULL &&
	    !platform_match(opt->platform, src->img.platform))
		st = ia_seterr(err, IA_EINPUT, "%s: the image is %s, not %s",
		    src->path, src->img.platform, opt->platform);
done:
	for (i = 0; i < sel->n_docs; i++)
		cJSON_Delete(sel->docs[i]);
	cJSON_Delete(layout);
	free(sel);
	return st;
}
