/* SPDX-License-Identifier: MIT */
/*
 * linkgraph.c: link the final tree's ELF files as ld.so would, from the
 * programs the image runs, and sum what the files carry that a serving
 * image may not need: debug sections and GPU code per architecture.
 *
 * The ELF facts come from the layer reader (elf.c, one streaming pass);
 * this file only looks them up by path in the final tree.  It never reads
 * file data and never follows anything outside the tree.  What the report
 * makes of the results (findings now, candidates with the knowledge base)
 * is the caller's.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kb.h"
#include "linkgraph.h"

#define SEARCH_MAX	256	/* directories in one search list */
#define MISSING_SHOWN	20	/* library-missing findings */
#define NO_LOADER	SIZE_MAX

/* Injected by the NVIDIA container runtime from the host: never missing. */
static const char *const host_libs[] = {
	"libcuda.so*", "libnvidia-*.so*", "libnvcuvid.so*",
	"libnvoptix.so*", "libnvidia-ml.so*"
};

struct search {
	char *dir[SEARCH_MAX];
	size_t n;
};

struct build {
	const struct linkgraph_options *opt;
	struct tree *t;
	struct linkgraph *g;
	uint32_t *by_data;		/* obj index + 1 per data id */
	size_t n_data;
	struct search ld_path, conf, defaults, path;
	const char *triplet;
	/*
	 * Objects reached, in order: each with the directory it was reached
	 * in ($ORIGIN) and the queue index of the object whose DT_NEEDED
	 * reached it (NO_LOADER for roots and dlopen), for DT_RPATH's
	 * inheritance.
	 */
	struct { size_t obj, loader; char *dir; } *queue;
	size_t q_head, q_n, q_cap;
};

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void
search_add(struct search *s, const char *dir, size_t len)
{
	size_t i;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len == 0 || s->n == SEARCH_MAX)
		return;
	for (i = 0; i < s->n; i++)
		if (strlen(s->dir[i]) == len && memcmp(s->dir[i], dir, len) == 0)
			return;
	s->dir[s->n++] = xstrndup(dir, len);
}

/* "a:b:c" (or ';', ',', spaces and tabs too for ld.so.conf). */
static void
search_split(struct search *s, const char *list, const char *seps)
{
	const char *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, seps);

		search_add(s, p, n);
		p += n;
		if (*p != '\0')
			p++;
	}
}

static void
search_free(struct search *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->dir[i]);
	s->n = 0;
}

/* ---- the config: Env, Entrypoint, Cmd ---- */

static char *
env_value(const struct image *img, const char *key)
{
	cJSON *env = img->env ? cJSON_Parse(img->env) : NULL, *e;
	size_t klen = strlen(key);
	char *v = NULL;

	cJSON_ArrayForEach(e, env)
		if (cJSON_IsString(e) &&
		    strncmp(e->valuestring, key, klen) == 0 &&
		    e->valuestring[klen] == '=') {
			free(v);
			v = xstrdup(e->valuestring + klen + 1);
		}
	cJSON_Delete(env);
	return v;
}

/* The program the container starts: Entrypoint[0], else Cmd[0]. */
static char *
start_program(const struct image *img)
{
	const char *texts[2] = { img->entrypoint, img->cmd };
	char *prog = NULL;
	size_t i;

	for (i = 0; i < 2 && prog == NULL; i++) {
		cJSON *a = texts[i] ? cJSON_Parse(texts[i]) : NULL;
		cJSON *first = cJSON_GetArrayItem(a, 0);

		if (cJSON_IsString(first) && first->valuestring[0] != '\0')
			prog = xstrdup(first->valuestring);
		cJSON_Delete(a);
	}
	return prog;
}

/* ---- ld.so.conf ---- */

bool
linkgraph_wants(const char *path)
{
	return strcmp(path, "etc/ld.so.conf") == 0 ||
	    (strncmp(path, "etc/ld.so.conf.d/", 17) == 0 &&
	    strchr(path + 17, '/') == NULL);
}

struct conf_file {
	char *path;		/* "/etc/ld.so.conf.d/x.conf" */
	char *text;
};

struct conf_set {
	struct conf_file *v;
	size_t n, cap;
};

static void
conf_collect(void *ctx, const char *path, const char *data, size_t len,
    int layer)
{
	struct conf_set *cs = ctx;
	size_t n = strlen(path) + 2;

	(void)layer;
	xgrow((void **)&cs->v, &cs->cap, cs->n + 1, sizeof(*cs->v));
	cs->v[cs->n].path = xmalloc(n);
	snprintf(cs->v[cs->n].path, n, "/%s", path);
	cs->v[cs->n].text = xstrndup(data, len);
	cs->n++;
}

static int
conf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->path,
	    ((const struct conf_file *)b)->path);
}

/* One ld.so.conf file; include globs are matched against the others. */
static void
conf_parse(struct build *b, struct conf_set *cs, size_t i, int depth)
{
	char *line, *save = NULL, *text;
	size_t k;

	if (depth > 8)
		return;		/* includes that include themselves */
	text = xstrdup(cs->v[i].text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');

		if (hash != NULL)
			*hash = '\0';
		line += strspn(line, " \t");
		if (strncmp(line, "include", 7) == 0 &&
		    (line[7] == ' ' || line[7] == '\t')) {
			char *pat = line + 8 + strspn(line + 8, " \t"), *end;

			end = pat + strcspn(pat, " \t\r");
			*end = '\0';
			for (k = 0; k < cs->n; k++)
				if (k != i && fnmatch(pat, cs->v[k].path,
				    FNM_PATHNAME) == 0)
					conf_parse(b, cs, k, depth + 1);
			continue;
		}
		search_split(&b->conf, line, " \t,:\r");
	}
	free(text);
}

static void
read_conf(struct build *b, struct layer_result **layers, size_t n_layers)
{
	struct conf_set cs = { 0 };
	size_t i;

	tree_final_captures(b->t, layers, n_layers, linkgraph_wants,
	    conf_collect, &cs);
	if (cs.n > 1)
		qsort(cs.v, cs.n, sizeof(*cs.v), conf_cmp);
	for (i = 0; i < cs.n; i++)
		if (strcmp(cs.v[i].path, "/etc/ld.so.conf") == 0)
			conf_parse(b, &cs, i, 0);
	for (i = 0; i < cs.n; i++) {
		free(cs.v[i].path);
		free(cs.v[i].text);
	}
	free(cs.v);
}

/* ---- objects ---- */

static int
is_extension(const char *path)
{
	const char *base = base_name(path);
	size_t n = strlen(base);

	if (strstr(path, "site-packages/") == NULL &&
	    strstr(path, "dist-packages/") == NULL &&
	    strstr(path, "lib-dynload/") == NULL)
		return 0;
	if (n < 4 || strcmp(base + n - 3, ".so") != 0)
		return 0;
	/* Bundled libraries are "libfoo.so"; modules "_foo.cpython-311-...". */
	return strstr(base, ".cpython-") != NULL ||
	    strstr(base, ".abi3.") != NULL || strncmp(base, "lib", 3) != 0;
}

static int
obj_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct elf_obj *)a)->path,
	    ((const struct elf_obj *)b)->path);
}

static void
collect_objects(struct build *b, struct layer_result **layers, size_t n)
{
	struct linkgraph *g = b->g;
	size_t i, j, cap = 0;

	for (i = n; i-- > 0;)
		for (j = 0; j < layers[i]->n_elves; j++) {
			const struct layer_elf *le = &layers[i]->elves[j];
			const char *path = layers[i]->entries[le->entry].path;
			struct tree_stat st;
			struct elf_obj *o;
			size_t len;

			if (tree_stat(b->t, path, &st) != 0 ||
			    st.kind != ENTRY_FILE || st.layer != (int)i ||
			    st.data == 0 || b->by_data[st.data] != 0 ||
			    le->facts.elfclass == 0)
				continue;
			xgrow((void **)&g->obj, &cap, g->n_obj + 1,
			    sizeof(*g->obj));
			o = &g->obj[g->n_obj++];
			memset(o, 0, sizeof(*o));
			len = strlen(path);
			o->path = xmalloc(len + 2);
			o->path[0] = '/';
			memcpy(o->path + 1, path, len + 1);
			o->f = &le->facts;
			o->data = st.data;
			o->size = st.size;
			o->layer = (int)i;
			if (le->facts.type == ELF_ET_DYN && is_extension(path))
				o->role = OBJ_EXTENSION;
			else if (le->facts.type == ELF_ET_EXEC ||
			    (le->facts.type == ELF_ET_DYN &&
			    le->facts.interp != NULL &&
			    le->facts.soname == NULL))
				o->role = OBJ_EXECUTABLE;
			else if (le->facts.type == ELF_ET_DYN &&
			    (le->facts.soname != NULL ||
			    strstr(base_name(path), ".so") != NULL))
				o->role = OBJ_LIBRARY;
			else if (le->facts.type == ELF_ET_DYN)
				o->role = OBJ_EXECUTABLE;	/* static-pie */
			else
				o->role = OBJ_OTHER;
			b->by_data[st.data] = 1;	/* placeholder */
		}
	if (g->n_obj > 1)
		qsort(g->obj, g->n_obj, sizeof(*g->obj), obj_path_cmp);
	for (i = 0; i < g->n_obj; i++)
		b->by_data[g->obj[i].data] = (uint32_t)i + 1;
}

/* The object at path (following links), or NULL. */
static struct elf_obj *
obj_at(struct build *b, const char *path)
{
	struct tree_stat st;

	while (*path == '/')
		path++;
	if (tree_stat_follow(b->t, path, &st) != 0 || st.kind != ENTRY_FILE ||
	    st.data == 0 || st.data >= b->n_data || b->by_data[st.data] == 0)
		return NULL;
	return &b->g->obj[b->by_data[st.data] - 1];
}

static void
enqueue(struct build *b, struct elf_obj *o, const char *via, int dlopened,
    size_t loader)
{
	const char *slash;

	if (o->reached)
		return;
	o->reached = true;
	o->dlopened = dlopened;
	xgrow((void **)&b->queue, &b->q_cap, b->q_n + 1, sizeof(*b->queue));
	b->queue[b->q_n].obj = (size_t)(o - b->g->obj);
	b->queue[b->q_n].loader = loader;
	slash = strrchr(via, '/');
	b->queue[b->q_n].dir = slash ? xstrndup(via, (size_t)(slash - via)) :
	    xstrdup("");
	b->q_n++;
}

/* dir with $ORIGIN, $LIB and $PLATFORM expanded, into buf. */
static const char *
expand(struct build *b, const char *dir, const char *origin, char *buf,
    size_t n)
{
	size_t len = 0;
	const char *p = dir;

	while (*p != '\0' && len + 1 < n) {
		const char *val = NULL;
		size_t skip = 0;

		if (strncmp(p, "$ORIGIN", 7) == 0)
			val = origin, skip = 7;
		else if (strncmp(p, "${ORIGIN}", 9) == 0)
			val = origin, skip = 9;
		else if (strncmp(p, "$LIB", 4) == 0)
			val = "lib64", skip = 4;
		else if (strncmp(p, "${LIB}", 6) == 0)
			val = "lib64", skip = 6;
		else if (strncmp(p, "$PLATFORM", 9) == 0)
			val = b->triplet, skip = 9;
		if (val != NULL) {
			len += (size_t)snprintf(buf + len, n - len, "%s", val);
			if (len >= n)
				len = n - 1;
			p += skip;
		} else
			buf[len++] = *p++;
	}
	buf[len] = '\0';
	return buf;
}

static struct elf_obj *
try_dir(struct build *b, const struct elf_obj *from, const char *dir,
    const char *origin, const char *name, char *found, size_t n)
{
	char ex[4096];
	struct elf_obj *o;

	expand(b, dir, origin, ex, sizeof(ex));
	if ((size_t)snprintf(found, n, "%s/%s", ex, name) >= n)
		return NULL;
	o = obj_at(b, found);
	if (o == NULL || o->f->elfclass != from->f->elfclass ||
	    o->f->machine != from->f->machine)
		return NULL;
	return o;
}

static struct elf_obj *
try_list(struct build *b, const struct elf_obj *from, const char *list,
    const char *origin, const char *name, char *found, size_t n)
{
	struct search s = { 0 };
	struct elf_obj *o = NULL;
	size_t i;

	if (list == NULL)
		return NULL;
	search_split(&s, list, ":;");
	for (i = 0; i < s.n && o == NULL; i++)
		o = try_dir(b, from, s.dir[i], origin, name, found, n);
	search_free(&s);
	return o;
}

/*
 * ld.so's search for one DT_NEEDED name of the object at queue index qi.
 * Without DT_RUNPATH, glibc tries the DT_RPATH of that object, then of the
 * object that loaded it, and so on up to the executable (elf/dl-load.c,
 * _dl_map_object), each with its own $ORIGIN.
 */
static struct elf_obj *
resolve_needed(struct build *b, size_t qi, const char *name, char *found,
    size_t n)
{
	const struct elf_obj *from = &b->g->obj[b->queue[qi].obj];
	const char *origin = b->queue[qi].dir;
	const struct search *lists[3] = { &b->ld_path, NULL, NULL };
	struct elf_obj *o = NULL;
	size_t i, k;
	char org[4096];

	snprintf(org, sizeof(org), "/%s", origin);
	if (strchr(name, '/') != NULL) {
		snprintf(found, n, "%s", name);
		o = obj_at(b, name[0] == '/' ? name : found);
		return o;
	}
	for (k = qi; from->f->runpath == NULL && o == NULL && k != NO_LOADER;
	    k = b->queue[k].loader) {
		const struct elf_obj *l = &b->g->obj[b->queue[k].obj];
		char lorg[4096];

		snprintf(lorg, sizeof(lorg), "/%s", b->queue[k].dir);
		o = try_list(b, from, l->f->rpath, lorg, name, found, n);
	}
	for (k = 0; o == NULL && k < b->ld_path.n; k++)
		o = try_dir(b, from, b->ld_path.dir[k], org, name, found, n);
	if (o == NULL)
		o = try_list(b, from, from->f->runpath, org, name, found, n);
	lists[0] = &b->conf;
	lists[1] = &b->defaults;
	for (i = 0; o == NULL && i < 2; i++)
		for (k = 0; o == NULL && k < lists[i]->n; k++)
			o = try_dir(b, from, lists[i]->dir[k], org, name, found,
			    n);
	return o;
}

static int
host_provided(const char *soname)
{
	size_t i;

	for (i = 0; i < sizeof(host_libs) / sizeof(host_libs[0]); i++)
		if (kb_fnmatch(host_libs[i], soname))
			return 1;
	return 0;
}

static void
note_missing(struct build *b, const char *soname, const struct elf_obj *by)
{
	struct linkgraph *g = b->g;
	size_t i, cap;

	if (host_provided(soname))
		return;
	for (i = 0; i < g->n_missing; i++)
		if (strcmp(g->missing[i].soname, soname) == 0) {
			g->missing[i].n_needers++;
			return;
		}
	cap = g->n_missing;
	xgrow((void **)&g->missing, &cap, g->n_missing + 1,
	    sizeof(*g->missing));
	g->missing[g->n_missing].soname = xstrdup(soname);
	g->missing[g->n_missing].needed_by = xstrdup(by->path);
	g->missing[g->n_missing].n_needers = 1;
	g->n_missing++;
}

static void
walk_queue(struct build *b)
{
	char found[8192];

	while (b->q_head < b->q_n) {
		size_t qi = b->q_head++, k;
		struct elf_obj *o = &b->g->obj[b->queue[qi].obj], *q;

		/* The directories stay: DT_RPATH's $ORIGIN may need them. */
		if (o->f->interp != NULL && (q = obj_at(b, o->f->interp)) !=
		    NULL)
			enqueue(b, q, o->f->interp, 0, NO_LOADER);
		for (k = 0; k < o->f->n_needed; k++) {
			q = resolve_needed(b, qi, o->f->needed[k], found,
			    sizeof(found));
			if (q != NULL)
				enqueue(b, q, found, 0, qi);
			else
				note_missing(b, o->f->needed[k], o);
		}
	}
}

/*
 * Does a rule's load glob name the object at path?  A glob with a '/'
 * matches the whole path (plugin directories), else the file name.
 */
static int
loads(const char *path, const char *pat)
{
	if (strchr(pat, '/') != NULL)
		return kb_fnmatch(pat, path);
	return kb_fnmatch(pat, base_name(path));
}

/* Reach what reached loaders dlopen; repeat while that reaches more. */
static void
apply_dlopen(struct build *b)
{
	struct linkgraph *g = b->g;
	size_t i, r, j;
	int more = 1;

	while (more) {
		more = 0;
		for (i = 0; i < g->n_obj; i++) {
			const char *base = base_name(g->obj[i].path);

			if (!g->obj[i].reached)
				continue;
			for (r = 0; r < b->opt->n_dlopen; r++) {
				const struct kb_dlopen_rule *dr =
				    &b->opt->dlopen[r];

				if (!kb_fnmatch(dr->loader, base))
					continue;
				for (j = 0; j < g->n_obj; j++)
					if (!g->obj[j].reached &&
					    g->obj[j].role == OBJ_LIBRARY &&
					    loads(g->obj[j].path, dr->loads)) {
						enqueue(b, &g->obj[j],
						    g->obj[j].path, 1, NO_LOADER);
						more = 1;
					}
			}
		}
		walk_queue(b);
	}
}

/* ---- roots ---- */

struct path_walk {
	struct build *b;
	const char *top;
	size_t toplen;
};

static int
root_in_path(void *ctx, const char *path, size_t len,
    const struct tree_stat *st)
{
	struct path_walk *w = ctx;
	struct build *b = w->b;
	struct elf_obj *o;

	if (len == w->toplen)
		return TREE_WALK_CONTINUE;	/* the directory itself */
	if (st->kind == ENTRY_DIR)
		return TREE_WALK_PRUNE;
	if (st->kind != ENTRY_FILE || st->data == 0 ||
	    st->data >= b->n_data || b->by_data[st->data] == 0)
		return TREE_WALK_CONTINUE;
	o = &b->g->obj[b->by_data[st->data] - 1];
	if (o->role == OBJ_EXECUTABLE && !o->root) {
		o->root = true;
		b->g->n_roots++;
		enqueue(b, o, path, 0, NO_LOADER);
	}
	return TREE_WALK_CONTINUE;
}

static void
find_roots(struct build *b, const struct image *img)
{
	struct linkgraph *g = b->g;
	char *prog = start_program(img), buf[8192];
	struct elf_obj *o;
	size_t i;

	if (prog != NULL) {
		if (strchr(prog, '/') != NULL)
			o = obj_at(b, prog);
		else
			for (i = 0, o = NULL; o == NULL && i < b->path.n; i++) {
				snprintf(buf, sizeof(buf), "%s/%s",
				    b->path.dir[i], prog);
				o = obj_at(b, buf);
			}
		if (o != NULL && !o->root) {
			o->root = true;
			g->n_roots++;
			enqueue(b, o, o->path, 0, NO_LOADER);
		}
		free(prog);
	}
	for (i = 0; i < b->path.n; i++) {
		struct path_walk w;
		const char *d = b->path.dir[i];

		while (*d == '/')
			d++;
		w.b = b;
		w.top = d;
		w.toplen = strlen(d);
		tree_walk(b->t, d, root_in_path, &w);
	}
	/*
	 * Every other executable too: helpers outside PATH (apt's methods,
	 * git's libexec) are run by the programs that are.
	 */
	for (i = 0; i < g->n_obj; i++)
		if ((g->obj[i].role == OBJ_EXTENSION ||
		    g->obj[i].role == OBJ_EXECUTABLE) && !g->obj[i].root) {
			g->obj[i].root = true;
			g->n_roots++;
			enqueue(b, &g->obj[i], g->obj[i].path, 0,
			    NO_LOADER);
		}
}

/* ---- sums and findings ---- */

static int
has_target(const struct linkgraph_options *opt, uint16_t sm)
{
	size_t i;

	for (i = 0; i < opt->n_target_sm; i++)
		if (opt->target_sm[i] == sm)
			return 1;
	return 0;
}

static int64_t
arch_bytes(const struct fatbin_arch *a)
{
	return a->sass_bytes + a->ptx_bytes + a->ir_bytes;
}

static void
sum_gpu(struct linkgraph *g, const struct linkgraph_options *opt)
{
	size_t i, k, j, cap = 0;

	for (i = 0; i < g->n_obj; i++) {
		const struct fatbin_summary *fs = &g->obj[i].f->fatbin;

		for (k = 0; k < fs->n_arch; k++) {
			const struct fatbin_arch *a = &fs->arch[k];

			g->obj[i].gpu_bytes += arch_bytes(a);
			if (opt->n_target_sm > 0 && !has_target(opt, a->sm))
				g->obj[i].other_arch_bytes += arch_bytes(a);

			for (j = 0; j < g->n_arch; j++)
				if (g->arch[j].a.sm == a->sm)
					break;
			if (j == g->n_arch) {
				xgrow((void **)&g->arch, &cap, g->n_arch + 1,
				    sizeof(*g->arch));
				memset(&g->arch[j], 0, sizeof(g->arch[j]));
				g->arch[j].a.sm = a->sm;
				/* Keep the array sorted by sm. */
				while (j > 0 && g->arch[j - 1].a.sm > a->sm) {
					struct gpu_arch t = g->arch[j - 1];

					g->arch[j - 1] = g->arch[j];
					g->arch[j] = t;
					j--;
				}
				g->n_arch++;
			}
			g->arch[j].a.n_sass += a->n_sass;
			g->arch[j].a.n_ptx += a->n_ptx;
			g->arch[j].a.n_ir += a->n_ir;
			g->arch[j].a.sass_bytes += a->sass_bytes;
			g->arch[j].a.sass_uncompressed += a->sass_uncompressed;
			g->arch[j].a.ptx_bytes += a->ptx_bytes;
			g->arch[j].a.ptx_uncompressed += a->ptx_uncompressed;
			g->arch[j].a.ir_bytes += a->ir_bytes;
			g->arch[j].a.ir_uncompressed += a->ir_uncompressed;
			g->arch[j].n_libraries++;
		}
	}
}

static void
gpu_findings(struct linkgraph *g, const struct linkgraph_options *opt)
{
	char line[2048];
	size_t i, len = 0;
	int64_t total = 0, other = 0;

	if (g->n_arch == 0)
		return;
	line[0] = '\0';
	for (i = 0; i < g->n_arch; i++) {
		const struct fatbin_arch *a = &g->arch[i].a;
		int k;

		total += arch_bytes(a);
		if (opt->n_target_sm > 0 && !has_target(opt, a->sm))
			other += arch_bytes(a);
		k = snprintf(line + len, sizeof(line) - len,
		    "%ssm_%u %lld bytes (SASS %lld, PTX %lld) in %zu "
		    "libraries", len ? "; " : "", a->sm,
		    (long long)arch_bytes(a), (long long)a->sass_bytes,
		    (long long)a->ptx_bytes, g->arch[i].n_libraries);
		if (k < 0 || (size_t)k >= sizeof(line) - len)
			break;
		len += (size_t)k;
	}
	findings_add(&g->findings, "gpu-architectures",
	    "CUDA GPU code for several architectures", "%zu architectures, "
	    "%lld bytes of GPU code: %s", g->n_arch, (long long)total, line);
	if (opt->n_target_sm > 0 && other > 0)
		findings_add(&g->findings, "other-gpu-arch",
		    "GPU code for architectures you do not run",
		    "%lld bytes of GPU code are for other GPUs than --target-arch; "
		    "build or install for your GPUs only "
		    "(TORCH_CUDA_ARCH_LIST, CMAKE_CUDA_ARCHITECTURES, or the "
		    "wheel/base image built for them); `--format json` lists "
		    "them per library (binaries.gpu_libraries)",
		    (long long)other);
	/* A library with GPU code but none that runs on a target GPU. */
	for (i = 0; opt->n_target_sm > 0 && i < g->n_obj; i++) {
		const struct fatbin_summary *fs = &g->obj[i].f->fatbin;
		size_t k, t;
		int ok = fs->n_arch == 0;

		for (t = 0; t < opt->n_target_sm && !ok; t++)
			for (k = 0; k < fs->n_arch; k++)
				if ((fs->arch[k].sm == opt->target_sm[t] &&
				    fs->arch[k].n_sass > 0) ||
				    (fs->arch[k].sm <= opt->target_sm[t] &&
				    fs->arch[k].n_ptx > 0))
					ok = 1;
		if (!ok)
			findings_add(&g->findings, "gpu-arch-missing",
			    "library has no GPU code for your GPUs",
			    "%s: no SASS for the --target-arch architectures "
			    "and no PTX old enough to compile for them",
			    g->obj[i].path);
	}
}

static void
link_findings(struct linkgraph *g)
{
	size_t i, shown = 0, top[5] = { 0 }, n_top = 0, k;
	char line[1024];
	size_t len = 0;

	for (i = 0; i < g->n_missing && i < MISSING_SHOWN; i++)
		findings_add(&g->findings, "library-missing",
		    "a needed shared library is not in the image",
		    "%s needs %s, which ld.so would not find: this image would "
		    "fail to load it%s", g->missing[i].needed_by,
		    g->missing[i].soname, g->missing[i].n_needers > 1 ?
		    " (and others need it too)" : "");
	if (g->n_missing > MISSING_SHOWN)
		findings_add(&g->findings, "library-missing",
		    "more needed shared libraries are missing",
		    "%zu more sonames (--format json: binaries.missing_libraries)",
		    g->n_missing - MISSING_SHOWN);
	/* The five largest unreferenced libraries, for the detail. */
	for (i = 0; i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];

		if (o->role != OBJ_LIBRARY || o->reached)
			continue;
		g->obj[i].unreferenced = true;
		g->unreferenced_bytes += o->size;
		g->n_unreferenced++;
		for (k = n_top; k > 0 && g->obj[top[k - 1]].size < o->size;
		    k--)
			if (k < 5)
				top[k] = top[k - 1];
		if (k < 5) {
			top[k] = i;
			if (n_top < 5)
				n_top++;
		}
	}
	if (g->n_unreferenced == 0)
		return;
	line[0] = '\0';
	for (k = 0; k < n_top; k++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s (%lld)",
		    k ? ", " : "", g->obj[top[k]].path,
		    (long long)g->obj[top[k]].size);

		if (w < 0 || (size_t)w >= sizeof(line) - len)
			break;
		len += (size_t)w;
		shown++;
	}
	findings_add(&g->findings, "library-unreferenced",
	    "shared libraries nothing links to",
	    "%zu libraries, %lld bytes, that no entrypoint, PATH program or "
	    "Python extension module links to (they may still be loaded with "
	    "dlopen); largest: %s", g->n_unreferenced,
	    (long long)g->unreferenced_bytes, line);
}

static void
elf_findings(struct linkgraph *g)
{
	size_t i, n = 0;

	for (i = 0; i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];

		g->elf_bytes += o->size;
		if (o->f->debug_bytes > 0) {
			g->n_unstripped++;
			g->debug_bytes += o->f->debug_bytes;
		}
		g->unneeded_bytes += o->f->unneeded_bytes;
		if (o->f->problem != NULL && n++ < MISSING_SHOWN)
			findings_add(&g->findings, "elf-malformed",
			    "ELF file could not be read completely", "%s: %s",
			    o->path, o->f->problem);
	}
}

static const char *
triplet(const struct linkgraph *g)
{
	size_t i;

	/* The machine most objects are for. */
	for (i = 0; i < g->n_obj; i++)
		if (g->obj[i].f->machine == 183)
			return "aarch64-linux-gnu";
	return "x86_64-linux-gnu";
}

struct linkgraph *
linkgraph_build(struct tree *t, struct layer_result **layers,
    size_t n_layers, const struct image *img,
    const struct linkgraph_options *opt)
{
	struct linkgraph *g = xcalloc(1, sizeof(*g));
	struct build b;
	char *v, buf[256];
	static const char *const defaults[] = {
		"/lib64", "/usr/lib64", "/lib", "/usr/lib"
	};
	size_t i;

	memset(&b, 0, sizeof(b));
	b.opt = opt;
	b.t = t;
	b.g = g;
	b.n_data = tree_data_count(t);
	b.by_data = xcalloc(b.n_data, sizeof(*b.by_data));
	collect_objects(&b, layers, n_layers);
	b.triplet = triplet(g);

	if ((v = env_value(img, "LD_LIBRARY_PATH")) != NULL) {
		search_split(&b.ld_path, v, ":;");
		free(v);
	}
	v = env_value(img, "PATH");
	search_split(&b.path, v ? v : "/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin", ":");
	free(v);
	read_conf(&b, layers, n_layers);
	/* Debian's ld.so searches the multiarch directories first. */
	snprintf(buf, sizeof(buf), "/lib/%s", b.triplet);
	search_add(&b.defaults, buf, strlen(buf));
	snprintf(buf, sizeof(buf), "/usr/lib/%s", b.triplet);
	search_add(&b.defaults, buf, strlen(buf));
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		search_add(&b.defaults, defaults[i], strlen(defaults[i]));

	if (g->n_obj > 0) {
		find_roots(&b, img);
		walk_queue(&b);
		apply_dlopen(&b);
	}
	sum_gpu(g, opt);
	elf_findings(g);
	link_findings(g);
	gpu_findings(g, opt);

	for (i = 0; i < b.q_n; i++)
		free(b.queue[i].dir);
	free(b.queue);
	search_free(&b.ld_path);
	search_free(&b.conf);
	search_free(&b.defaults);
	search_free(&b.path);
	free(b.by_data);
	return g;
}

void
linkgraph_free(struct linkgraph *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_obj; i++)
		free(g->obj[i].path);
	free(g->obj);
	for (i = 0; i < g->n_missing; i++) {
		free(g->missing[i].soname);
		free(g->missing[i].needed_by);
	}
	free(g->missing);
	free(g->arch);
	findings_free(&g->findings);
	free(g);
}
