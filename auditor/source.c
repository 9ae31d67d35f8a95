/* SPDX-License-Identifier: MIT */
/*
 * source.c: pick the image source from the user's reference, and the
 * pieces every format shares: reading named files out of a directory or an
 * outer tar, verified JSON documents, and the config (history, platform,
 * diff_ids).  The formats themselves live in source_oci.c and
 * source_dockerarchive.c; registries will come in source_registry.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "source_private.h"

struct file_stream {
	int fd;
	const char *name;
};

int
src_blob_path(const char *digest, char *buf, size_t n)
{
	if (!digest_valid(digest))
		return -1;
	snprintf(buf, n, "blobs/sha256/%s", digest + 7);
	return 0;
}

/*
 * Names come from manifests, which nobody vouches for: only plain relative
 * names without ".." are looked up in a directory.
 */
static int
safe_name(const char *name)
{
	const char *p = name;

	if (*name == '\0' || *name == '/')
		return 0;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += len;
		if (*p == '/')
			p++;
	}
	return 1;
}

int
src_has(struct source *src, const char *name)
{
	struct stat sb;

	if (src->reg != NULL)
		return 1;	/* asking is what costs: read and see */
	if (src->ti != NULL)
		return tarindex_has(src->ti, name);
	return safe_name(name) && fstatat(src->dirfd, name, &sb, 0) == 0;
}

static ssize_t
file_read(void *ctx, void *buf, size_t n, struct ia_error *err)
{
	struct file_stream *s = ctx;
	ssize_t got;

	do
		got = read(s->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		ia_seterr(err, IA_EINPUT, "%s: read error: %s", s->name,
		    strerror(errno));
	return got;
}

enum ia_status
src_stream(struct source *src, const char *name, struct blob_stream *bs,
    int64_t *size, struct ia_error *err)
{
	if (src->reg != NULL)
		return source_registry_stream(src, name, bs, size, err);
	if (src->ti != NULL) {
		const struct tarmember *m = tarindex_find(src->ti, name);

		if (m == NULL)
			return ia_seterr(err, IA_EINPUT, "%s: missing blob %s "
			    "(the archive has no such member)", src->path, name);
		tarindex_stream(src->ti, m, bs);
		*size = m->size;
		return IA_OK;
	} else {
		struct file_stream *s;
		struct stat sb;
		int fd;

		if (!safe_name(name))
			return ia_seterr(err, IA_EINPUT, "%s: refusing blob name "
			    "'%s' (absolute or with '..')", src->path, name);
		/* O_NONBLOCK: a fifo posing as a blob must not hang the open. */
		fd = openat(src->dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			return ia_seterr(err, IA_EINPUT, "%s: missing blob %s: %s",
			    src->path, name, strerror(errno));
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return ia_seterr(err, IA_EINPUT, "%s: blob %s is not a "
			    "regular file", src->path, name);
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->name = src->path;
		bs->read = file_read;
		bs->ctx = s;
		*size = sb.st_size;
		return IA_OK;
	}
}

void
source_close_layer(struct source *src, struct blob_stream *bs)
{
	if (bs->ctx == NULL)
		return;
	if (src->reg != NULL) {
		source_registry_close(src, bs);
		bs->ctx = NULL;
	} else if (src->ti != NULL) {
		tarindex_stream_free(bs);
	} else {
		struct file_stream *s = bs->ctx;

		close(s->fd);
		free(s);
		bs->ctx = NULL;
	}
}

enum ia_status
src_json_too_large(struct source *src, const char *name, int64_t size,
    struct ia_error *err)
{
	char a[32], b[32];

	if (size < 0)
		return ia_seterr(err, IA_EINPUT, "%s: %s is larger than one "
		    "JSON document may be, %s (--max-json %lld); raise "
		    "--max-json to read it", src->path, name,
		    limits_size(src->json_max, b, sizeof(b)),
		    (long long)src->json_max);
	return ia_seterr(err, IA_EINPUT, "%s: %s is %s bytes, larger than one "
	    "JSON document may be, %s (--max-json %lld); raise --max-json to "
	    "read it", src->path, name, limits_group(size, a, sizeof(a)),
	    limits_size(src->json_max, b, sizeof(b)),
	    (long long)src->json_max);
}

enum ia_status
src_read_all(struct source *src, const char *name, char **buf, size_t *len,
    struct ia_error *err)
{
	struct blob_stream bs = { 0 };
	enum ia_status st;
	int64_t size, got = 0;
	char *p;

	*buf = NULL;
	if (src->reg != NULL)
		return source_registry_read(src, name, buf, len, err);
	st = src_stream(src, name, &bs, &size, err);
	if (st != IA_OK)
		return st;
	if (size > src->json_max) {
		source_close_layer(src, &bs);
		return src_json_too_large(src, name, size, err);
	}
	p = xmalloc((size_t)size + 1);
	while (got < size) {
		ssize_t n = bs.read(bs.ctx, p + got, (size_t)(size - got), err);

		if (n < 0) {
			st = IA_EINPUT;
			break;
		}
		if (n == 0) {
			st = ia_seterr(err, IA_EINPUT, "%s: %s is truncated",
			    src->path, name);
			break;
		}
		got += n;
	}
	source_close_layer(src, &bs);
	if (st != IA_OK) {
		free(p);
		return st;
	}
	p[size] = '\0';
	*buf = p;
	*len = (size_t)size;
	return IA_OK;
}

enum ia_status
src_read_json(struct source *src, const char *name, const char *digest,
    const char *what, cJSON **out, struct ia_error *err)
{
	char *buf;
	size_t len;
	enum ia_status st;

	*out = NULL;
	st = src_read_all(src, name, &buf, &len, err);
	if (st != IA_OK)
		return st;
	if (digest != NULL) {
		char got[DIGEST_STRLEN];

		digest_buffer(buf, len, got);
		if (strcmp(got, digest) != 0) {
			free(buf);
			return ia_seterr(err, IA_EINPUT, "%s: %s %s: digest "
			    "mismatch (the data hashes to %s)", src->path, what,
			    digest, got);
		}
	}
	*out = cJSON_ParseWithLength(buf, len);
	free(buf);
	if (*out == NULL)
		return ia_seterr(err, IA_EINPUT, "%s: %s %s is not valid JSON "
		    "(invalid JSON)", src->path, what, name);
	return IA_OK;
}

int
src_media_compression(const char *mt)
{
	static const struct {
		const char *type;
		enum layer_compression comp;
	} table[] = {
		{ "application/vnd.oci.image.layer.v1.tar", COMP_NONE },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", COMP_GZIP },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", COMP_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar",
		    COMP_NONE },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
		    COMP_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
		    COMP_ZSTD },
		{ "application/vnd.docker.image.rootfs.diff.tar", COMP_NONE },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", COMP_GZIP },
		{ "application/vnd.docker.image.rootfs.diff.tar.zstd", COMP_ZSTD },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
		    COMP_GZIP },
	};
	size_t i;

	if (mt == NULL)
		return COMP_UNKNOWN;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(mt, table[i].type) == 0)
			return table[i].comp;
	return -1;
}

static char *
json_string(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring ? xstrdup(v->valuestring)
	    : NULL;
}

static char *
json_text(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *s, *copy;

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	s = cJSON_PrintUnformatted(v);
	if (s == NULL)
		return NULL;
	copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

enum ia_status
src_apply_config(struct source *src, cJSON *config, struct ia_error *err)
{
	struct image *img = &src->img;
	const cJSON *rootfs, *ids, *hist, *h, *cfg;
	char *os, *arch, *variant;
	size_t i, n_ids;

	if (!cJSON_IsObject(config))
		return ia_seterr(err, IA_EINPUT, "%s: image config is not a JSON "
		    "object (invalid JSON for a config)", src->path);
	os = json_string(config, "os");
	arch = json_string(config, "architecture");
	variant = json_string(config, "variant");
	if (os != NULL && arch != NULL) {
		size_t n = strlen(os) + strlen(arch) + (variant ?
		    strlen(variant) : 0) + 3;

		img->platform = xmalloc(n);
		snprintf(img->platform, n, "%s/%s%s%s", os, arch,
		    variant ? "/" : "", variant ? variant : "");
	}
	free(os);
	free(arch);
	free(variant);
	img->created = json_string(config, "created");
	cfg = cJSON_GetObjectItemCaseSensitive(config, "config");
	if (cJSON_IsObject(cfg)) {
		img->entrypoint = json_text(cfg, "Entrypoint");
		img->cmd = json_text(cfg, "Cmd");
		img->env = json_text(cfg, "Env");
		img->labels = json_text(cfg, "Labels");
	}

	/* rootfs.diff_ids name the uncompressed layers, in order. */
	rootfs = cJSON_GetObjectItemCaseSensitive(config, "rootfs");
	ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	if (!cJSON_IsArray(ids))
		return ia_seterr(err, IA_EINPUT, "%s: image config has no "
		    "rootfs.diff_ids list", src->path);
	n_ids = (size_t)cJSON_GetArraySize(ids);
	if (n_ids != img->n_layers)
		return ia_seterr(err, IA_EINPUT, "%s: the config lists %zu "
		    "diff_ids but the manifest %zu layers", src->path, n_ids,
		    img->n_layers);
	i = 0;
	cJSON_ArrayForEach(h, ids) {
		if (!cJSON_IsString(h) || !digest_valid(h->valuestring))
			return ia_seterr(err, IA_EINPUT, "%s: config diff_id %zu "
			    "is not a sha256 digest", src->path, i);
		img->layers[i++].diff_id = xstrdup(h->valuestring);
	}

	/*
	 * History has one entry per Dockerfile step; steps that made no layer
	 * (ENV, CMD, ...) say "empty_layer": true and are skipped so that the
	 * rest line up with the layers.
	 */
	hist = cJSON_GetObjectItemCaseSensitive(config, "history");
	i = 0;
	cJSON_ArrayForEach(h, hist) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h,
		    "empty_layer")))
			continue;
		if (i < img->n_layers)
			img->layers[i].created_by = json_string(h, "created_by");
		i++;
	}
	if (cJSON_IsArray(hist) && i != img->n_layers)
		findings_add(&img->findings, "history-mismatch",
		    "history does not line up with the layers",
		    "the config's history has %zu non-empty entries for %zu "
		    "layers; created_by may be missing or misplaced", i,
		    img->n_layers);
	return IA_OK;
}

/*
 * Split "PATH[:REF]": the longest prefix (up to a ':') that exists is the
 * path, since both paths and references may contain ':'.
 */
static void
split_ref(const char *spec, char **path, char **ref)
{
	struct stat sb;
	size_t len = strlen(spec);

	*ref = NULL;
	while (len > 0) {
		char *p = xstrndup(spec, len);

		if (stat(p, &sb) == 0) {
			*path = p;
			if (spec[len] == ':' && spec[len + 1] != '\0')
				*ref = xstrdup(spec + len + 1);
			return;
		}
		free(p);
		while (len > 0 && spec[--len] != ':')
			;
	}
	*path = xstrdup(spec);
}

static enum ia_status
open_container(struct source *src, int want_dir, struct ia_error *err)
{
	struct stat sb;

	if (stat(src->path, &sb) != 0)
		return ia_seterr(err, IA_EINPUT, "%s: %s", src->path,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
		return ia_seterr(err, IA_EINPUT, "%s: not a regular file or "
		    "directory (archives are read in place: save a stream to a "
		    "file first)", src->path);
	if (S_ISDIR(sb.st_mode)) {
		if (want_dir == 0)
			return ia_seterr(err, IA_EINPUT, "%s: is a directory, "
			    "not an archive", src->path);
		src->dirfd = open(src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (src->dirfd < 0)
			return ia_seterr(err, IA_EINPUT, "%s: %s", src->path,
			    strerror(errno));
		return IA_OK;
	}
	if (want_dir == 1)
		return ia_seterr(err, IA_EINPUT, "%s: not a directory (an OCI "
		    "layout is a directory; use oci-archive: for a tar)",
		    src->path);
	if (sb.st_size == 0)
		return ia_seterr(err, IA_EINPUT, "%s: not an image (empty file)",
		    src->path);
	return tarindex_open(src->path, &src->ti, err);
}

enum ia_status
source_open(const char *spec, const struct source_options *opt,
    struct source **out, struct ia_error *err)
{
	static const struct {
		const char *prefix;
		const char *transport;
		int want_dir;	/* 1 dir, 0 file, -1 either */
	} transports[] = {
		{ "docker-archive:", "docker-archive", 0 },
		{ "oci-archive:", "oci-archive", 0 },
		{ "oci:", "oci", 1 },
	};
	struct source *src;
	enum ia_status st;
	char *ref = NULL;
	const char *rest = spec, *transport = NULL;
	int want_dir = -1;
	size_t i;

	*out = NULL;
	if (strncmp(spec, "docker://", 9) == 0) {
		src = xcalloc(1, sizeof(*src));
		src->dirfd = -1;
		src->json_max = limits_or_default(opt->limits)->max_json;
		src->img.ref = xstrdup(spec);
		src->path = xstrdup(spec);
		st = source_registry_open(src, spec, opt, err);
		if (st == IA_OK)
			st = source_oci_load(src, NULL, opt, err);
		if (st == IA_OK) {
			src->img.transport = "docker";
			*out = src;
			return IA_OK;
		}
		source_free(src);
		return st;
	}
	for (i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		size_t n = strlen(transports[i].prefix);

		if (strncmp(spec, transports[i].prefix, n) == 0) {
			rest = spec + n;
			transport = transports[i].transport;
			want_dir = transports[i].want_dir;
			break;
		}
	}
	src = xcalloc(1, sizeof(*src));
	src->dirfd = -1;
	src->json_max = limits_or_default(opt->limits)->max_json;
	src->img.ref = xstrdup(spec);
	if (transport != NULL)
		split_ref(rest, &src->path, &ref);
	else
		src->path = xstrdup(spec);

	st = open_container(src, want_dir, err);
	if (st != IA_OK)
		goto done;
	if (transport == NULL) {
		/* A bare path: tell the format from what is inside. */
		if (src->ti == NULL && src_has(src, "oci-layout"))
			transport = "oci";
		else if (src->ti != NULL && src_has(src, "manifest.json"))
			transport = "docker-archive";
		else if (src->ti != NULL && src_has(src, "oci-layout"))
			transport = "oci-archive";
		else {
			st = ia_seterr(err, IA_EINPUT, "%s: not an image: %s",
			    src->path, src->ti ? "the tar has neither "
			    "manifest.json (docker save) nor oci-layout (OCI)" :
			    "the directory has no oci-layout file");
			goto done;
		}
	}
	src->img.transport = transport;
	if (strcmp(transport, "docker-archive") == 0)
		st = source_docker_load(src, ref, opt, err);
	else
		st = source_oci_load(src, ref, opt, err);
	if (st != IA_OK)
		goto done;
	*out = src;
	src = NULL;
done:
	free(ref);
	source_free(src);
	return st;
}

const struct image *
source_image(const struct source *src)
{
	return &src->img;
}

enum ia_status
source_open_layer(struct source *src, size_t i, struct blob_stream *bs,
    int64_t *size, struct ia_error *err)
{
	return src_stream(src, src->img.layers[i].blob, bs, size, err);
}

void
source_free(struct source *src)
{
	size_t i;

	if (src == NULL)
		return;
	for (i = 0; i < src->img.n_layers; i++) {
		struct image_layer *l = &src->img.layers[i];

		free(l->digest);
		free(l->diff_id);
		free(l->media_type);
		free(l->created_by);
		free(l->blob);
	}
	free(src->img.layers);
	free(src->img.ref);
	free(src->img.digest);
	free(src->img.config_digest);
	free(src->img.platform);
	free(src->img.created);
	free(src->img.entrypoint);
	free(src->img.env);
	free(src->img.labels);
	free(src->img.cmd);
	findings_free(&src->img.findings);
	source_registry_free(src);
	tarindex_free(src->ti);
	if (src->dirfd >= 0)
		close(src->dirfd);
	free(src->path);
	free(src);
}
