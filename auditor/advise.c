/* SPDX-License-Identifier: MIT */
/*
 * advise.c: findings on how the image was built.  Each layer is classified
 * from the files it wrote (model weights by extension, files a package
 * database owns, code no package owns) and from its created_by; then the
 * order is checked against the lean-image guidance (base, dependencies,
 * app, model: least to most often changing), cleanups in their own layer
 * are measured against the bytes they fail to remove, and the base image
 * is named (advise_base.c).  Comparing two builds is diff.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise.h"
#include "audit.h"

/* ---- pure helpers ------------------------------------------------------- */

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

bool
advise_is_model_path(const char *path)
{
	static const char *const ext[] = { ".safetensors", ".bin", ".pt",
	    ".pth", ".onnx", ".gguf", ".h5", ".pb", ".ckpt", ".engine",
	    ".plan" };
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (has_suffix(path, ext[i]))
			return true;
	return false;
}

bool
advise_is_manifest_path(const char *path)
{
	static const char *const names[] = { "requirements.txt",
	    "pyproject.toml", "setup.py", "setup.cfg", "Pipfile",
	    "Pipfile.lock", "poetry.lock", "uv.lock", "environment.yml",
	    "environment.yaml", "package.json", "package-lock.json",
	    "yarn.lock", "go.mod", "Cargo.toml", "Gemfile" };
	const char *b = base_name(path);
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(b, names[i]) == 0)
			return true;
	/* requirements-dev.txt, requirements/base.txt */
	return strncmp(b, "requirements", 12) == 0 && has_suffix(b, ".txt");
}

bool
advise_is_code_path(const char *path)
{
	static const char *const ext[] = { ".py", ".pyx", ".js", ".mjs",
	    ".cjs", ".ts", ".sh", ".rb", ".go", ".java", ".jar", ".kt",
	    ".scala", ".c", ".cc", ".cpp", ".h", ".hpp", ".rs", ".php",
	    ".pl", ".lua", ".r", ".jl", ".ipynb" };
	size_t i;

	if (advise_is_manifest_path(path))
		return true;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (has_suffix(path, ext[i]))
			return true;
	return false;
}

bool
advise_is_system_path(const char *path)
{
	static const char *const pre[] = { "bin/", "sbin/", "lib/", "lib32/",
	    "lib64/", "libx32/", "etc/", "var/", "run/", "tmp/", "dev/",
	    "proc/", "sys/", "boot/", "usr/bin/", "usr/sbin/", "usr/lib/",
	    "usr/lib32/", "usr/lib64/", "usr/libexec/", "usr/include/",
	    "usr/share/", "usr/local/bin/", "usr/local/sbin/",
	    "usr/local/lib/", "usr/local/include/", "usr/local/share/",
	    "usr/local/cuda", "usr/local/nvidia/", "opt/conda/",
	    "opt/nvidia/", "root/.cache/pip/", "root/.cache/uv/" };
	size_t i;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncmp(path, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

/* Where installers put what they install, owned by a database or not. */
static bool
is_package_path(const char *path)
{
	static const char *const pre[] = { "var/lib/dpkg/", "var/lib/apt/",
	    "var/cache/apt/", "lib/apk/", "opt/conda/", "root/.cache/pip/",
	    "root/.npm/" };
	size_t i;

	if (strstr(path, "site-packages/") != NULL ||
	    strstr(path, "dist-packages/") != NULL ||
	    strstr(path, "node_modules/") != NULL ||
	    strstr(path, "conda-meta/") != NULL)
		return true;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (strncmp(path, pre[i], strlen(pre[i])) == 0)
			return true;
	return false;
}

int
advise_install_kind(const char *created_by)
{
	static const struct {
		const char *word;
		int kind;
	} cmds[] = {
		{ "apt-get install", INSTALL_APT },
		{ "apt install", INSTALL_APT },
		{ "aptitude install", INSTALL_APT },
		{ "pip install", INSTALL_PIP }, { "pip3 install", INSTALL_PIP },
		{ "poetry install", INSTALL_PIP },
		{ "pipenv install", INSTALL_PIP }, { "uv sync", INSTALL_PIP },
		{ "conda install", INSTALL_CONDA },
		{ "mamba install", INSTALL_CONDA },
		{ "conda env create", INSTALL_CONDA },
		{ "conda env update", INSTALL_CONDA },
		{ "npm install", INSTALL_NPM }, { "npm ci", INSTALL_NPM },
		{ "yarn install", INSTALL_NPM },
		{ "pnpm install", INSTALL_NPM },
		{ "apk add", INSTALL_APK },
		{ "dnf install", INSTALL_OTHER },
		{ "yum install", INSTALL_OTHER },
		{ "microdnf install", INSTALL_OTHER },
	};
	size_t i;

	if (created_by == NULL)
		return INSTALL_NONE;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strstr(created_by, cmds[i].word) != NULL)
			return cmds[i].kind;
	return INSTALL_NONE;
}

/* created_by without "/bin/sh -c ", "#(nop) " and " # buildkit". */
static const char *
step_start(const char *s, size_t *len)
{
	size_t n;

	if (strncmp(s, "/bin/sh -c ", 11) == 0)
		s += 11;
	else if (strncmp(s, "RUN /bin/sh -c ", 15) == 0) {
		/* buildkit: "RUN /bin/sh -c CMD # buildkit" */
		s += 15;
	}
	while (*s == ' ')
		s++;
	if (strncmp(s, "#(nop)", 6) == 0)
		s += 6;
	while (*s == ' ')
		s++;
	n = strlen(s);
	if (n >= 11 && strcmp(s + n - 11, " # buildkit") == 0)
		n -= 11;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	*len = n;
	return s;
}

bool
advise_copies_context(const char *created_by)
{
	char buf[512], *tok, *save = NULL, *args[32];
	const char *s;
	size_t len, n = 0;

	if (created_by == NULL)
		return false;
	s = step_start(created_by, &len);
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	tok = strtok_r(buf, " \t\n", &save);
	if (tok == NULL || (strcmp(tok, "COPY") != 0 &&
	    strcmp(tok, "ADD") != 0))
		return false;
	while ((tok = strtok_r(NULL, " \t\n", &save)) != NULL && n < 32)
		if (tok[0] != '-' || tok[1] != '-')
			args[n++] = tok;
	/* Every argument but the last is a source. */
	while (n > 1) {
		n--;
		if (strcmp(args[n - 1], ".") == 0 ||
		    strcmp(args[n - 1], "./") == 0)
			return true;
	}
	return false;
}

const char *
advise_step(const char *created_by, size_t width, char *buf, size_t n)
{
	const char *s;
	size_t len, i, o = 0;
	bool run, space = false;

	if (n == 0)
		return "";
	if (created_by == NULL || created_by[0] == '\0') {
		snprintf(buf, n, "(no history)");
		return buf;
	}
	run = (strncmp(created_by, "/bin/sh -c ", 11) == 0 &&
	    strstr(created_by, "#(nop)") == NULL) ||
	    strncmp(created_by, "RUN /bin/sh -c ", 15) == 0;
	s = step_start(created_by, &len);
	if (width + 4 > n)
		width = n > 4 ? n - 4 : 0;
	if (run && o + 4 < width) {
		memcpy(buf, "RUN ", 4);
		o = 4;
	}
	for (i = 0; i < len && o < width; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Runs of white space, newlines included, read as one. */
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true;
			continue;
		}
		if (space && o > 0) {
			buf[o++] = ' ';
			if (o >= width)
				break;
		}
		space = false;
		buf[o++] = (char)c;
	}
	if (i < len) {
		/* Cut: make room for "...", never inside a UTF-8 sequence. */
		o = o > 3 ? o - 3 : 0;
		while (o > 0 && ((unsigned char)buf[o] & 0xc0) == 0x80)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static bool
step_is_copy(const char *created_by)
{
	size_t len;
	const char *s;

	if (created_by == NULL)
		return false;
	s = step_start(created_by, &len);
	return strncmp(s, "COPY ", 5) == 0 || strncmp(s, "ADD ", 4) == 0;
}

enum layer_class
advise_classify(const struct layer_facts *f, const char *created_by,
    size_t index)
{
	if (index == 0)
		return LC_BASE;
	/* Mostly deletes: a `mv` (one whiteout, one file) is no cleanup. */
	if (f->whiteouts > f->files && f->deleted_bytes > 0)
		return LC_CLEANUP;
	if (f->files == 0)
		return LC_EMPTY;
	if (f->model_bytes > 0 && f->model_bytes * 2 >= f->bytes)
		return LC_MODEL;
	if (f->pkg_bytes > 0 && (f->pkg_bytes * 2 >= f->bytes ||
	    f->install != INSTALL_NONE))
		return LC_DEPS;
	if (f->code_bytes > 0 && (f->code_bytes * 2 >= f->bytes ||
	    f->context_copy || step_is_copy(created_by)))
		return LC_APP;
	if (f->context_copy)
		return LC_APP;
	return LC_OTHER;
}

const char *
advise_class_name(enum layer_class c)
{
	static const char *const names[LC_COUNT] = { "empty", "base",
	    "dependencies", "app", "model", "cleanup", "other" };

	return (unsigned)c < LC_COUNT ? names[c] : "other";
}

/* ---- a set of borrowed path strings ------------------------------------- */

/*
 * Keys are (bytes, length) pairs pointing into the layer results, so that
 * every prefix of a path can be looked up while the path is hashed once,
 * byte by byte: a path 10,000 components deep costs its length, not its
 * depth times its length.
 */
#define HASH_INIT	2166136261u
#define HASH_STEP(h, c)	(((h) ^ (unsigned char)(c)) * 16777619u)

struct pkey {
	const char *s;
	size_t len;
	uint32_t h;
	uint8_t flags;		/* whiteouts: PK_WHITEOUT, PK_OPAQUE */
};
#define PK_WHITEOUT	0x01	/* deletes the path and what is below */
#define PK_OPAQUE	0x02	/* hides what is below only */

struct pathset {
	struct pkey *v;
	size_t cap, n;
};

static uint32_t
hash_of(const char *s, size_t len)
{
	uint32_t h = HASH_INIT;
	size_t i;

	for (i = 0; i < len; i++)
		h = HASH_STEP(h, s[i]);
	return h;
}

static struct pkey *
pathset_find(const struct pathset *ps, const char *s, size_t len, uint32_t h)
{
	size_t i;

	if (ps->cap == 0)
		return NULL;
	for (i = h & (ps->cap - 1); ps->v[i].s != NULL;
	    i = (i + 1) & (ps->cap - 1))
		if (ps->v[i].h == h && ps->v[i].len == len &&
		    memcmp(ps->v[i].s, s, len) == 0)
			return &ps->v[i];
	return NULL;
}

/* The key for (s, len), added with flags 0 when new (*added set). */
static struct pkey *
pathset_put(struct pathset *ps, const char *s, size_t len, uint32_t h,
    bool *added)
{
	struct pkey *k;
	size_t i;

	if ((k = pathset_find(ps, s, len, h)) != NULL) {
		*added = false;
		return k;
	}
	if ((ps->n + 1) * 2 > ps->cap) {
		struct pathset big = { 0 };
		bool dummy;

		big.cap = ps->cap ? ps->cap * 2 : 256;
		big.v = xcalloc(big.cap, sizeof(*big.v));
		for (i = 0; i < ps->cap; i++)
			if (ps->v[i].s != NULL)
				pathset_put(&big, ps->v[i].s, ps->v[i].len,
				    ps->v[i].h, &dummy)->flags = ps->v[i].flags;
		free(ps->v);
		*ps = big;
	}
	for (i = h & (ps->cap - 1); ps->v[i].s != NULL;
	    i = (i + 1) & (ps->cap - 1))
		;
	ps->v[i].s = s;
	ps->v[i].len = len;
	ps->v[i].h = h;
	ps->v[i].flags = 0;
	ps->n++;
	*added = true;
	return &ps->v[i];
}

/* ---- per-layer facts ---------------------------------------------------- */

/* Is path (or an ancestor) deleted by one of the whiteouts in wh? */
static bool
covered(const struct pathset *wh, const char *path)
{
	uint32_t h = HASH_INIT;
	size_t i;

	for (i = 0;; i++) {
		char c = path[i];

		if (c == '/' || c == '\0') {
			const struct pkey *k = pathset_find(wh, path, i, h);

			/* An opaque directory hides its children only. */
			if (k != NULL && (c == '/' || (k->flags & PK_WHITEOUT)))
				return true;
			if (c == '\0')
				return false;
		}
		h = HASH_STEP(h, c);
	}
}

/*
 * Bytes each earlier layer wrote that layer i's whiteouts delete: per
 * path, only the version visible just below layer i (older versions were
 * waste already).  deleted[] has n_layers slots, zeroed by the caller.
 * *budget (entries looked at) bounds the work an image of a thousand
 * cleanup layers could ask for; past it the figures are lower bounds.
 */
static void
deleted_by(const struct audit *a, size_t i, int64_t *deleted,
    int64_t *budget)
{
	const struct layer_result *r = a->layers[i];
	struct pathset wh = { 0 }, seen = { 0 };
	size_t k, j;
	bool added;

	for (k = 0; k < r->n_entries; k++) {
		const struct layer_entry *e = &r->entries[k];
		size_t len;

		if (e->kind != ENTRY_WHITEOUT && e->kind != ENTRY_OPAQUE)
			continue;
		len = strlen(e->path);
		pathset_put(&wh, e->path, len, hash_of(e->path, len),
		    &added)->flags |= e->kind == ENTRY_WHITEOUT ? PK_WHITEOUT :
		    PK_OPAQUE;
	}
	for (j = i; wh.n > 0 && j-- > 0 && *budget > 0;) {
		const struct layer_result *e = a->layers[j];

		*budget -= (int64_t)e->n_entries;
		for (k = 0; k < e->n_entries; k++) {
			const struct layer_entry *x = &e->entries[k];
			size_t len;

			if ((x->flags & ENTRY_F_UNSAFE) ||
			    x->kind == ENTRY_WHITEOUT ||
			    x->kind == ENTRY_OPAQUE || !covered(&wh, x->path))
				continue;
			len = strlen(x->path);
			pathset_put(&seen, x->path, len, hash_of(x->path, len),
			    &added);
			if (added && x->kind == ENTRY_FILE)
				deleted[j] += x->size;
		}
	}
	free(seen.v);
	free(wh.v);
}

struct owned_walk {
	const struct audit *a;
	struct layer_facts *lf;
	unsigned char *seen;	/* per data id: counted once */
};

static int
owned_visit(void *ctx, const char *path, size_t len,
    const struct tree_stat *st)
{
	struct owned_walk *w = ctx;
	const struct audit *a = w->a;

	(void)len;
	if (st->kind != ENTRY_FILE || st->data == 0 || w->seen[st->data] ||
	    st->layer < 0 || (size_t)st->layer >= a->n_layers)
		return TREE_WALK_CONTINUE;
	w->seen[st->data] = 1;
	if (st->data < a->owners->n_owner && a->owners->owner[st->data] > 0 &&
	    !is_package_path(path) && advise_is_system_path(path))
		w->lf[st->layer].pkg_bytes += st->size;
	return TREE_WALK_CONTINUE;
}

static void
layer_facts_of(const struct audit *a, size_t i, struct layer_facts *f,
    int64_t *budget)
{
	const struct layer_result *r = a->layers[i];
	const char *cb = a->img->layers[i].created_by;
	bool manifest = false;
	size_t k;

	int64_t owned_sys = f->pkg_bytes;	/* from owned_visit() */

	memset(f, 0, sizeof(*f));
	f->pkg_bytes = owned_sys;
	f->install = advise_install_kind(cb);
	for (k = 0; k < r->n_entries; k++) {
		const struct layer_entry *e = &r->entries[k];
		struct tree_stat st;
		bool owned = false;

		if (e->flags & ENTRY_F_UNSAFE)
			continue;
		if (e->kind == ENTRY_WHITEOUT || e->kind == ENTRY_OPAQUE) {
			f->whiteouts++;
			continue;
		}
		if (e->kind != ENTRY_FILE)
			continue;
		f->files++;
		f->bytes += e->size;
		if (is_package_path(e->path)) {
			f->pkg_bytes += e->size;
			continue;
		}
		/* Owned system files were counted by owned_walk(). */
		if (advise_is_system_path(e->path))
			continue;
		if (tree_stat(a->tree, e->path, &st) == 0 &&
		    st.kind == ENTRY_FILE && st.layer == (int)i &&
		    st.data < a->owners->n_owner &&
		    a->owners->owner[st.data] > 0)
			owned = true;
		if (owned)
			f->pkg_bytes += e->size;
		else if (advise_is_model_path(e->path))
			f->model_bytes += e->size;
		else if (advise_is_manifest_path(e->path))
			manifest = true;	/* alone: no app code */
		else if (advise_is_code_path(e->path))
			f->code_bytes += e->size;
	}
	/*
	 * The classic builder writes "COPY dir:<hash> in /app": a copied
	 * directory holding the dependency manifest is the whole context.
	 */
	f->context_copy = advise_copies_context(cb) ||
	    (manifest && step_is_copy(cb) && cb != NULL &&
	    strstr(cb, "dir:") != NULL);
	/* Only a layer of more whiteouts than files can be a cleanup. */
	if (f->whiteouts > f->files) {
		int64_t *del = xcalloc(a->n_layers, sizeof(*del));

		deleted_by(a, i, del, budget);
		for (k = 0; k < i; k++)
			f->deleted_bytes += del[k];
		free(del);
	}
	f->cls = advise_classify(f, cb, i);
}

struct layer_facts *
advise_layers(const struct audit *a)
{
	struct owned_walk w;
	struct layer_facts *lf;
	int64_t budget = ADVISE_WORK_MAX;
	size_t i;

	lf = xcalloc(a->n_layers ? a->n_layers : 1, sizeof(*lf));
	/*
	 * Package-owned files in the system directories (a million of them
	 * in a big image), per layer, in one walk of the final tree rather
	 * than one lookup each.
	 */
	w.a = a;
	w.lf = lf;
	w.seen = xcalloc(tree_data_count(a->tree) + 1, 1);
	tree_walk(a->tree, "", owned_visit, &w);
	free(w.seen);
	for (i = 0; i < a->n_layers; i++)
		layer_facts_of(a, i, &lf[i], &budget);
	return lf;
}

/* ---- layer-order findings ----------------------------------------------- */

static const char *
step_of(const struct audit *a, size_t i, char *buf, size_t n)
{
	return advise_step(a->img->layers[i].created_by, 60, buf, n);
}

static void
order_findings(struct audit *a, const struct layer_facts *lf)
{
	char s1[80], s2[80], list[256];
	size_t i, j, first = a->n_layers, n_after = 0, last = 0;
	int64_t zbytes = 0;
	int off = 0;

	for (i = 1; i < a->n_layers && first == a->n_layers; i++)
		if (lf[i].cls == LC_APP || lf[i].cls == LC_MODEL)
			first = i;
	list[0] = '\0';
	for (i = first + 1; i < a->n_layers; i++) {
		if (lf[i].cls != LC_DEPS)
			continue;
		zbytes += a->layers[i]->compressed_bytes;
		if (n_after++ == 0)
			last = i;
		if (off < (int)sizeof(list) - 16)
			off += snprintf(list + off, sizeof(list) - (size_t)off,
			    "%s%zu", n_after > 1 ? ", " : "", i);
	}
	if (n_after > 0) {
		bool model = lf[first].cls == LC_MODEL;

		findings_add(&a->findings, "layer-order", model ?
		    "dependencies installed after the model files" :
		    "dependencies installed after the app code",
		    "layer%s %s (%s%s) install%s dependencies after layer %zu "
		    "(%s, %s): every %s change rebuilds %s and a deploy "
		    "re-pulls %lld bytes (compressed). Dockerfile: move the "
		    "install step%s above layer %zu's step -- base, then "
		    "system packages and framework, then `COPY requirements.txt"
		    " .` and the install, then the app code, the model last",
		    n_after > 1 ? "s" : "", list, step_of(a, last, s1,
		    sizeof(s1)), n_after > 1 ? ", ..." : "",
		    n_after > 1 ? "" : "s", first, step_of(a, first, s2,
		    sizeof(s2)), advise_class_name(lf[first].cls),
		    model ? "model" : "code", n_after > 1 ? "them" : "it",
		    (long long)zbytes, n_after > 1 ? "s" : "", first);
	}
	/* A COPY of the whole context above an install. */
	for (j = 1; j < a->n_layers; j++) {
		if (!lf[j].context_copy)
			continue;
		for (i = j + 1; i < a->n_layers && lf[i].cls != LC_DEPS; i++)
			;
		if (i == a->n_layers)
			continue;
		findings_add(&a->findings, "layer-order-context",
		    "COPY of the whole build context before the dependency "
		    "install",
		    "layer %zu (%s) copies the build context before layer %zu "
		    "(%s): a change to any file invalidates the install's build"
		    " cache, so every build re-runs it and a deploy re-pulls "
		    "%lld bytes (compressed). Dockerfile: COPY only the "
		    "dependency manifest first (COPY requirements.txt ./), RUN "
		    "the install, then COPY . (with a .dockerignore)", j,
		    step_of(a, j, s1, sizeof(s1)), i, step_of(a, i, s2,
		    sizeof(s2)), (long long)a->layers[i]->compressed_bytes);
		break;
	}
}

static void
cleanup_findings(struct audit *a, const struct layer_facts *lf)
{
	int64_t *del = xcalloc(a->n_layers ? a->n_layers : 1, sizeof(*del));
	char s1[80], s2[80];
	size_t i, j, top;
	int64_t budget = ADVISE_WORK_MAX;

	for (i = 1; i < a->n_layers; i++) {
		int64_t zsave = 0;

		if (lf[i].cls != LC_CLEANUP)
			continue;
		memset(del, 0, a->n_layers * sizeof(*del));
		deleted_by(a, i, del, &budget);
		top = 0;
		for (j = 0; j < i; j++) {
			const struct layer_result *w = a->layers[j];

			if (del[j] > del[top])
				top = j;
			if (w->tar_bytes > 0)
				zsave += (int64_t)((double)del[j] *
				    (double)w->compressed_bytes /
				    (double)w->tar_bytes);
		}
		findings_add(&a->findings, "layer-cleanup",
		    "cleanup in a separate layer from what it cleans",
		    "layer %zu (%s) deletes %lld bytes that earlier layers "
		    "wrote, most of them (%lld) in layer %zu (%s): they stay in"
		    " those layers and are pulled anyway (about %lld bytes "
		    "compressed). Dockerfile: do the cleanup with && in the "
		    "same RUN as the step that wrote the files, and drop layer "
		    "%zu", i, step_of(a, i, s1, sizeof(s1)),
		    (long long)lf[i].deleted_bytes, (long long)del[top], top,
		    step_of(a, top, s2, sizeof(s2)), (long long)zsave, i);
	}
	free(del);
}

static void
tiny_findings(struct audit *a)
{
	size_t i, n = 0;
	int64_t bytes = 0;

	for (i = 0; i < a->n_layers; i++)
		if (a->layers[i]->bytes < ADVISE_TINY_BYTES) {
			n++;
			bytes += a->layers[i]->bytes;
		}
	if (n <= ADVISE_TINY_MAX)
		return;
	findings_add(&a->findings, "layer-count", "many tiny layers",
	    "%zu of the %zu layers hold under %d bytes each (%lld bytes in "
	    "all): each is a blob to fetch, verify and unpack, and an overlay "
	    "to stack. Dockerfile: join consecutive RUN steps with && and copy "
	    "files in one COPY (or build in a stage and COPY --from it once)",
	    n, a->n_layers, ADVISE_TINY_BYTES, (long long)bytes);
}

void
advise_run(struct audit *a)
{
	struct layer_facts *lf;

	if (a->n_layers == 0)
		return;
	lf = advise_layers(a);
	order_findings(a, lf);
	cleanup_findings(a, lf);
	tiny_findings(a);
	advise_base(a);
	free(lf);
}
