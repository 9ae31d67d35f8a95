/* SPDX-License-Identifier: MIT */
/*
 * source_dockerarchive.c: `docker save` tarballs.  manifest.json lists, per
 * image, the config file and the layer files in order.  Three layouts are
 * met in practice and read the same way:
 *	legacy:      <id>/layer.tar, uncompressed, config "<hex>.json"
 *	kaniko:      "<hex>.tar.gz" gzip layers, config "sha256:<hex>"
 *	Docker 25+:  blobs/sha256/<hex> (an OCI layout inside the tar)
 * Docker 25+ archives also carry an OCI index: the image's manifest digest
 * and the layers' media types are taken from it (find_oci_manifest()).
 * Where a file name carries a digest (hex.json, sha256:hex, blobs/sha256/
 * hex, hex.tar.gz) the blob is verified against it; the legacy layer.tar
 * files carry none, and are verified against the config's diff_ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "source_private.h"

static int
is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * The digest a member's name promises, or NULL: "blobs/sha256/<hex>",
 * "sha256:<hex>", or a base name "<hex>" followed by nothing or a '.'.
 */
static char *
name_digest(const char *name)
{
	const char *base = strrchr(name, '/');
	char buf[DIGEST_STRLEN];

	base = base ? base + 1 : name;
	if (strncmp(base, "sha256:", 7) == 0)
		base += 7;
	if (strlen(base) < 64 || !is_hex64(base) ||
	    (base[64] != '\0' && base[64] != '.'))
		return NULL;
	snprintf(buf, sizeof(buf), "sha256:%.64s", base);
	return xstrdup(buf);
}

static const cJSON *
pick_entry(struct source *src, const cJSON *manifest, const char *ref,
    struct ia_error *err)
{
	const cJSON *e, *tags, *t;
	int n = cJSON_GetArraySize(manifest);
	char list[1024];
	size_t used = 0;

	if (ref != NULL && ref[0] == '@') {
		char *end;
		long k = strtol(ref + 1, &end, 10);

		if (*end != '\0' || k < 0 || k >= n) {
			ia_seterr(err, IA_EINPUT, "%s: no image %s (the archive "
			    "holds %d)", src->path, ref, n);
			return NULL;
		}
		return cJSON_GetArrayItem(manifest, (int)k);
	}
	if (ref == NULL && n == 1)
		return cJSON_GetArrayItem(manifest, 0);
	list[0] = '\0';
	cJSON_ArrayForEach(e, manifest) {
		tags = cJSON_GetObjectItemCaseSensitive(e, "RepoTags");
		cJSON_ArrayForEach(t, tags) {
			if (!cJSON_IsString(t))
				continue;
			if (ref != NULL && strcmp(t->valuestring, ref) == 0)
				return e;
			if (used < sizeof(list))
				used += (size_t)snprintf(list + used,
				    sizeof(list) - used, "%s%s", used ? ", " : "",
				    t->valuestring);
		}
	}
	if (n == 0)
		ia_seterr(err, IA_EINPUT, "%s: manifest.json lists no image "
		    "(invalid manifest)", src->path);
	else if (ref != NULL)
		ia_seterr(err, IA_EINPUT, "%s: no image tagged '%s' (tags "
		    "present: %s)", src->path, ref, used ? list : "none");
	else
		ia_seterr(err, IA_EINPUT, "%s: the archive holds %d images; name "
		    "one as docker-archive:%s:NAME:TAG or :@INDEX (tags: %s)",
		    src->path, n, src->path, used ? list : "none");
	return NULL;
}

/* Does manifest man use config cdigest?  Then take its names and types. */
static int
adopt_manifest(struct source *src, const char *mdigest, const char *cdigest)
{
	struct image *img = &src->img;
	struct ia_error ignored;
	const cJSON *layers, *d;
	cJSON *man = NULL;
	char path[128];
	size_t i = 0;
	int found = 0;

	if (src_blob_path(mdigest, path, sizeof(path)) != 0 ||
	    src_read_json(src, path, mdigest, "manifest", &man, &ignored) != IA_OK)
		return 0;
	d = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    man, "config"), "digest");
	if (!cJSON_IsString(d) || strcmp(d->valuestring, cdigest) != 0)
		goto done;
	found = 1;
	free(img->digest);
	img->digest = xstrdup(mdigest);
	layers = cJSON_GetObjectItemCaseSensitive(man, "layers");
	if (cJSON_GetArraySize(layers) != (int)img->n_layers)
		goto done;
	cJSON_ArrayForEach(d, layers) {
		struct image_layer *l = &img->layers[i++];
		const char *mt = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "mediaType"));
		const char *ld = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "digest"));
		int comp = src_media_compression(mt);

		/* Only where the manifest speaks of the very same blob. */
		if (mt == NULL || ld == NULL || l->digest == NULL ||
		    strcmp(ld, l->digest) != 0 || comp <= COMP_UNKNOWN)
			continue;
		l->media_type = xstrdup(mt);
		l->compression = (enum layer_compression)comp;
	}
done:
	cJSON_Delete(man);
	return found;
}

/*
 * Docker 25+ writes an OCI layout beside manifest.json.  Its index names
 * the image manifest, whose digest is what registries and `docker images
 * --digests` show, and whose media types say how each layer is
 * compressed.  manifest.json stays the authority: this only adds names.
 */
static void
find_oci_manifest(struct source *src, const char *cdigest)
{
	struct ia_error ignored;
	const cJSON *d, *sd;
	cJSON *index = NULL, *sub;
	char path[128];

	if (cdigest == NULL || !src_has(src, "index.json") ||
	    src_read_json(src, "index.json", NULL, "index", &index,
	    &ignored) != IA_OK)
		return;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(index,
	    "manifests")) {
		const char *mt = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "mediaType"));
		const char *md = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(d, "digest"));

		if (md == NULL)
			continue;
		if (mt == NULL || strstr(mt, "index") == NULL) {
			if (adopt_manifest(src, md, cdigest))
				break;
			continue;
		}
		/* One level of nesting, as docker writes for multi-platform. */
		if (src_blob_path(md, path, sizeof(path)) != 0 ||
		    src_read_json(src, path, md, "index", &sub, &ignored) != IA_OK)
			continue;
		cJSON_ArrayForEach(sd, cJSON_GetObjectItemCaseSensitive(sub,
		    "manifests")) {
			const char *smd = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(sd, "digest"));

			if (smd != NULL && adopt_manifest(src, smd, cdigest))
				break;
		}
		cJSON_Delete(sub);
	}
	cJSON_Delete(index);
}

enum ia_status
source_docker_load(struct source *src, const char *ref,
    const struct source_options *opt, struct ia_error *err)
{
	struct image *img = &src->img;
	cJSON *manifest = NULL, *config = NULL;
	const cJSON *entry, *layers, *l;
	const char *cname;
	char *cdigest = NULL;
	enum ia_status st;
	size_t i;

	if (src->ti == NULL)
		return ia_seterr(err, IA_EINPUT, "%s: a docker archive is a tar "
		    "file, not a directory", src->path);
	st = src_read_json(src, "manifest.json", NULL, "manifest", &manifest,
	    err);
	if (st != IA_OK)
		goto done;
	if (!cJSON_IsArray(manifest)) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest.json is not a list "
		    "(invalid manifest)", src->path);
		goto done;
	}
	entry = pick_entry(src, manifest, ref, err);
	if (entry == NULL) {
		st = IA_EINPUT;
		goto done;
	}
	cname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry,
	    "Config"));
	layers = cJSON_GetObjectItemCaseSensitive(entry, "Layers");
	if (cname == NULL || !cJSON_IsArray(layers)) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest.json entry lacks "
		    "Config or Layers (invalid manifest)", src->path);
		goto done;
	}
	img->n_layers = (size_t)cJSON_GetArraySize(layers);
	if (img->n_layers > SOURCE_LAYERS_MAX) {
		st = ia_seterr(err, IA_EINPUT, "%s: manifest.json lists %zu "
		    "layers, over the limit of %d (no runtime mounts that many)",
		    src->path, img->n_layers, SOURCE_LAYERS_MAX);
		img->n_layers = 0;
		goto done;
	}
	img->layers = xcalloc(img->n_layers, sizeof(*img->layers));
	i = 0;
	cJSON_ArrayForEach(l, layers) {
		struct image_layer *il = &img->layers[i];

		if (!cJSON_IsString(l)) {
			st = ia_seterr(err, IA_EINPUT, "%s: manifest.json layer "
			    "%zu is not a file name (invalid manifest)",
			    src->path, i);
			goto done;
		}
		il->blob = xstrdup(l->valuestring);
		il->digest = name_digest(l->valuestring);
		il->size = -1;
		il->compression = COMP_UNKNOWN;
		if (!src_has(src, il->blob)) {
			st = ia_seterr(err, IA_EINPUT, "%s: missing blob %s "
			    "(layer %zu in manifest.json)", src->path, il->blob, i);
			goto done;
		}
		i++;
	}
	cdigest = name_digest(cname);
	img->config_digest = cdigest ? xstrdup(cdigest) : NULL;
	/* Docker's image ID is the config's digest: the best name we have. */
	img->digest = cdigest ? xstrdup(cdigest) : NULL;
	st = src_read_json(src, cname, cdigest, "config", &config, err);
	if (st != IA_OK)
		goto done;
	st = src_apply_config(src, config, err);
	if (st == IA_OK)
		find_oci_manifest(src, cdigest);
	if (st == IA_OK && opt->platform_given && img->platform != NULL &&
	    strncmp(img->platform, opt->platform, strlen(opt->platform)) != 0)
		st = ia_seterr(err, IA_EINPUT, "%s: the image is %s, not %s",
		    src->path, img->platform, opt->platform);
done:
	free(cdigest);
	cJSON_Delete(config);
	cJSON_Delete(manifest);
	return st;
}
