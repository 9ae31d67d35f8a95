/* SPDX-License-Identifier: MIT */
/*
 * candidates.c: from the attributed final tree and the knowledge base to
 * ranked removal candidates.
 *
 * The work is in three steps.  First the candidates that depend on whole
 * packages or on the link graph are decided (package rules and their
 * removal closures from deps.c, packages present only through Recommends,
 * CUDA components and whether something links them).  Then one walk of
 * the final tree gives every file its purpose and adds it to each
 * candidate whose fix removes it.  Last, candidates that save part of a
 * file (debug sections, GPU code) or bytes outside the final tree (wasted
 * layers) are added, the union of what they free is counted once, and
 * the list is ranked.  The text of each candidate comes from the rules;
 * the numbers only from the tree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "candidates.h"

#define MAX_PKG_CANDS	4	/* candidates one package may belong to */
#define LIST_NAMES	6	/* names spelled out in a reason */

static const char *const kind_names[CK_COUNT] = {
	"uninstall-package", "no-install-recommends", "remove-paths",
	"cuda-library", "base-image", "wasted-layer", "strip-debug",
	"gpu-arch", "unreferenced-libraries"
};

const char *
candidate_kind_name(enum cand_kind k)
{
	return (unsigned)k < CK_COUNT ? kind_names[k] : "unknown";
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = xmalloc(n > 0 ? (size_t)n + 1 : 1);
	va_start(ap, f);
	vsnprintf(s, n > 0 ? (size_t)n + 1 : 1, f, ap);
	va_end(ap);
	return s;
}

static void
candidate_clear(struct candidate *c)
{
	size_t i;

	free(c->title);
	free(c->reason);
	free(c->fix);
	free(c->command);
	free(c->subject);
	for (i = 0; i < c->n_top; i++)
		free(c->top[i].path);
	free(c->layers);
	for (i = 0; i < c->n_packages; i++)
		free(c->packages[i]);
	free(c->packages);
}

/* Working state of one candidate while it is being built. */
struct work {
	struct candidate c;
	uint32_t *data;		/* whole files it frees (data ids) */
	size_t n_data, cap_data;
	uint32_t *pdata;	/* files it frees part of, and how much */
	int64_t *pbytes;
	size_t n_part, cap_part;
	int64_t outside;	/* bytes outside the final tree (wasted) */
	int64_t outside_compressed;
	size_t cap_layers;
	uint8_t *layer_hit;	/* per image layer */
	const void *rule;	/* path, CUDA or base rule */
	size_t main_pkg;	/* CK_UNINSTALL: the package named */
	bool alive;		/* listed (base rules: signature seen) */
};

struct build {
	const struct audit *a;
	const struct kb *kb;
	enum profile profile;
	struct candidates *out;
	struct work *w;
	size_t n, cap;
	size_t n_layers;
	double *ratio;		/* per layer: compressed / tar bytes */
	int64_t *size;		/* per data id */
	int64_t *zsize;		/* per data id: estimated compressed bytes */
	uint8_t *seen;		/* per data id: visited */
	int32_t (*pkgc)[MAX_PKG_CANDS];	/* per package: candidates */
	size_t *path_cand;	/* per path rule: candidate + 1 */
	size_t *cuda_cand;	/* per CUDA rule: candidate + 1 */
	size_t *base_cand;	/* per base rule */
	uint8_t *base_sig;	/* per base rule: 1 signature, 2 unless seen */
	uint8_t *cuda_linked;	/* per CUDA rule: a root links it */
	const struct kb_package_rule **pkg_rule;	/* per package */
	bool keep_files;
	size_t files_cap;
	char pathbuf[4096 + 2];
};

static struct work *
new_work(struct build *b, enum cand_kind kind, enum purpose purpose,
    enum confidence conf)
{
	struct work *w;

	xgrow((void **)&b->w, &b->cap, b->n + 1, sizeof(*b->w));
	w = &b->w[b->n++];
	memset(w, 0, sizeof(*w));
	w->c.kind = kind;
	w->c.purpose = purpose;
	w->c.confidence = conf;
	w->layer_hit = xcalloc(b->n_layers ? b->n_layers : 1, 1);
	w->alive = true;
	return w;
}

static const char *
pkg_label(const struct audit *a, size_t i, char *buf, size_t n)
{
	const struct pkg *p = &a->pkgs->v[i];

	snprintf(buf, n, "%s:%s", pkg_ecosystem_name(p->eco), p->name);
	return buf;
}

/* "a, b, c and 4 more" from package indexes. */
static char *
name_list(const struct audit *a, const size_t *v, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n && i < LIST_NAMES; i++) {
		t = fmt("%s%s%s", s, i == 0 ? "" : ", ", a->pkgs->v[v[i]].name);
		free(s);
		s = t;
	}
	if (n > LIST_NAMES) {
		t = fmt("%s and %zu more", s, n - LIST_NAMES);
		free(s);
		s = t;
	}
	return s;
}

/* "libx 12.3MB, liby 1.2MB, ..." for the largest packages of v[]. */
static char *
largest_list(const struct audit *a, const size_t *v, size_t n)
{
	size_t *o = xmalloc((n ? n : 1) * sizeof(*o)), i, k;
	char *s = xstrdup(""), *t;

	memcpy(o, v, n * sizeof(*o));
	for (i = 1; i < n; i++)		/* insertion sort: n is small */
		for (k = i; k > 0 && a->owners->stats[o[k]].bytes >
		    a->owners->stats[o[k - 1]].bytes; k--) {
			size_t x = o[k];

			o[k] = o[k - 1];
			o[k - 1] = x;
		}
	for (i = 0; i < n && i < LIST_NAMES; i++) {
		t = fmt("%s%s%s %lld bytes", s, i ? ", " : "",
		    a->pkgs->v[o[i]].name,
		    (long long)a->owners->stats[o[i]].bytes);
		free(s);
		s = t;
	}
	if (n > LIST_NAMES) {
		t = fmt("%s and %zu more", s, n - LIST_NAMES);
		free(s);
		s = t;
	}
	free(o);
	return s;
}

static void
pkg_join(struct build *b, size_t pkg, size_t cand)
{
	int k;

	for (k = 0; k < MAX_PKG_CANDS; k++)
		if (b->pkgc[pkg][k] < 0) {
			b->pkgc[pkg][k] = (int32_t)cand;
			return;
		}
}

/* ---- packages ------------------------------------------------------------ */

static bool
removable_rule(const struct build *b, const struct kb_package_rule *r)
{
	return r != NULL && b->kb->removable[b->profile][r->purpose];
}

struct order {
	size_t pkg;
	int64_t bytes;
	bool manual;		/* installed by hand (apt), or not dpkg */
};

/*
 * Largest removal first.  Removing any member of a chain often frees the
 * same set (purging binutils takes build-essential along, then autoremove
 * the rest): the package installed by hand names it, as the user typed
 * it, then the index.
 */
static int
by_bytes_desc(const void *x, const void *y)
{
	const struct order *p = x, *q = y;

	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	if (p->manual != q->manual)
		return p->manual ? -1 : 1;
	return p->pkg < q->pkg ? -1 : p->pkg > q->pkg;
}

/*
 * Those who still need package i after its removal set goes: packages
 * outside the set that require it, and packages inside that go only
 * because they require it, directly or not (apt-get purge takes
 * dependents along).  Only those without a removable rule count.
 */
static size_t
still_needed_by(struct build *b, size_t i, const struct removal_set *rs,
    size_t **out)
{
	const struct audit *a = b->a;
	const struct deps *d = a->deps;
	size_t n = a->pkgs->n, k, m = 0, sp = 0;
	uint8_t *in = xcalloc(n, 1), *dep = xcalloc(n, 1);
	size_t *v = xmalloc((n + 1) * sizeof(*v));
	size_t *stack = xmalloc((n + 1) * sizeof(*stack));

	for (k = 0; k < rs->n; k++)
		in[rs->pkgs[k]] = 1;
	in[i] = 1;
	for (k = 0; k < d->node[i].n_required_by; k++) {
		size_t q = d->node[i].required_by[k];

		if (!in[q] && !removable_rule(b, b->pkg_rule[q]))
			v[m++] = q;
	}
	/* Members that reach i: walk required_by inside the set. */
	stack[sp++] = i;
	dep[i] = 1;
	while (sp > 0) {
		const struct dep_node *dn = &d->node[stack[--sp]];

		for (k = 0; k < dn->n_required_by; k++) {
			size_t q = dn->required_by[k];

			if (!in[q] || dep[q])
				continue;
			dep[q] = 1;
			stack[sp++] = q;
			if (!removable_rule(b, b->pkg_rule[q]))
				v[m++] = q;
		}
	}
	free(in);
	free(dep);
	free(stack);
	*out = v;
	return m;
}

static void
package_candidates(struct build *b)
{
	const struct audit *a = b->a;
	size_t n = a->pkgs->n, i, k, m = 0;
	struct order *ord = xmalloc((n ? n : 1) * sizeof(*ord));
	uint8_t *covered = xcalloc(n ? n : 1, 1);
	char label[320];

	for (i = 0; i < n; i++) {
		const struct pkg *p = &a->pkgs->v[i];
		const struct removal *r = &a->removals[i];

		b->pkg_rule[i] = kb_match_package(b->kb,
		    pkg_ecosystem_name(p->eco), p->key);
		if (!removable_rule(b, b->pkg_rule[i]))
			continue;
		if (r->skipped)
			continue;	/* past deps' budget: its finding says */
		if (r->blocked_by != SIZE_MAX) {
			findings_add(&b->out->findings, "removal-blocked",
			    "a removable package cannot be removed alone",
			    "%s is %s (%s), but removing it would remove %s, "
			    "which the system needs", pkg_label(a, i, label,
			    sizeof(label)), kb_purpose_name(
			    b->pkg_rule[i]->purpose), b->pkg_rule[i]->pattern,
			    a->pkgs->v[r->blocked_by].name);
			continue;
		}
		ord[m].pkg = i;
		ord[m].manual = !p->auto_installed;
		ord[m++].bytes = r->has_apt ? r->apt.bytes : r->full.bytes;
	}
	qsort(ord, m, sizeof(*ord), by_bytes_desc);
	for (k = 0; k < m; k++) {
		size_t p = ord[k].pkg, j, nneed, *need;
		const struct removal *r = &a->removals[p];
		/* As apt decides: manually installed packages stay. */
		const struct removal_set *rs = r->has_apt ? &r->apt : &r->full;
		const struct kb_package_rule *rule = b->pkg_rule[p];
		struct work *w;
		char *list;

		if (covered[p] || rs->n == 0)
			continue;
		w = new_work(b, CK_UNINSTALL, rule->purpose, rule->confidence);
		w->main_pkg = p;
		w->c.subject = xstrdup(pkg_label(a, p, label, sizeof(label)));
		w->c.packages = xcalloc(rs->n, sizeof(char *));
		for (j = 0; j < rs->n; j++) {
			covered[rs->pkgs[j]] = 1;
			pkg_join(b, rs->pkgs[j], b->n - 1);
			w->c.packages[w->c.n_packages++] = xstrdup(pkg_label(a,
			    rs->pkgs[j], label, sizeof(label)));
		}
		if (rs->n > 1)
			w->c.title = fmt("Uninstall %s (%s) and the %zu "
			    "package%s only it needs", a->pkgs->v[p].name,
			    pkg_ecosystem_name(a->pkgs->v[p].eco), rs->n - 1,
			    rs->n == 2 ? "" : "s");
		else
			w->c.title = fmt("Uninstall %s (%s)",
			    a->pkgs->v[p].name,
			    pkg_ecosystem_name(a->pkgs->v[p].eco));
		nneed = still_needed_by(b, p, rs, &need);
		list = name_list(a, need, nneed);
		if (nneed > 0) {
			w->c.confidence = CONF_LOW;
			w->c.reason = fmt("%s But %s still need%s it: removing "
			    "it breaks them.", rule->reason, list,
			    nneed == 1 ? "s" : "");
		} else if (r->has_apt && r->full.n > rs->n) {
			size_t *held = xmalloc(r->n_held * sizeof(*held) + 1);
			char *hl;

			for (j = 0; j < r->n_held; j++)
				held[j] = r->held[j].pkg;
			hl = name_list(a, held, r->n_held);
			w->c.reason = fmt("%s Counted as apt decides; naming %s "
			    "too (installed by hand, or recommended by a "
			    "package that stays) would free %lld bytes more: "
			    "`imgaudit why` shows both.", rule->reason, hl,
			    (long long)(r->full.bytes - rs->bytes));
			free(hl);
			free(held);
		} else
			w->c.reason = xstrdup(rule->reason);
		free(list);
		free(need);
		w->c.fix = xstrdup(rule->fix);
		if (rs->fix != NULL)
			w->c.command = xstrdup(rs->fix);
		if (rule->alternative != NULL && rule->alternative[0] != '\0') {
			char *t = fmt("%s Alternative: %s", w->c.reason,
			    rule->alternative);

			free(w->c.reason);
			w->c.reason = t;
		}
	}
	/* Runtime packages with a leaner replacement: advice, not removal. */
	for (i = 0; i < n; i++) {
		const struct kb_package_rule *rule = b->pkg_rule[i];

		if (rule == NULL || removable_rule(b, rule) ||
		    rule->alternative == NULL || rule->alternative[0] == '\0')
			continue;
		findings_add(&b->out->findings, "leaner-alternative",
		    "a leaner package may serve as well",
		    "%s (%lld bytes): %s", pkg_label(a, i, label,
		    sizeof(label)), (long long)a->owners->stats[i].bytes,
		    rule->alternative);
	}
	free(ord);
	free(covered);
}

/*
 * dpkg packages that no manually installed, Essential or required
 * package reaches through Depends or Pre-Depends: apt installed them
 * because something Recommends them (or they are left over).  The set is
 * closed under reverse Depends, so purging exactly it removes nothing
 * else.  Packages the knowledge base says are used at run time stay out.
 */
static void
recommends_candidate(struct build *b)
{
	const struct audit *a = b->a;
	size_t n = a->pkgs->n, i, k, m = 0, n_auto = 0;
	uint8_t *reached = xcalloc(n ? n : 1, 1);
	size_t *stack = xmalloc((n ? n : 1) * sizeof(*stack)), sp = 0;
	size_t *set = xmalloc((n ? n : 1) * sizeof(*set));
	struct work *w;
	char *cmd, *list, label[320];

	for (i = 0; i < n; i++) {
		const struct pkg *p = &a->pkgs->v[i];

		if (p->eco != ECO_DPKG || !p->installed)
			continue;
		if (p->auto_installed)
			n_auto++;
		if (!p->auto_installed || p->essential || p->required) {
			reached[i] = 1;
			stack[sp++] = i;
		}
	}
	while (sp > 0) {
		const struct dep_node *dn = &a->deps->node[stack[--sp]];

		for (k = 0; k < dn->n_requires; k++)
			if (!reached[dn->requires[k]]) {
				reached[dn->requires[k]] = 1;
				stack[sp++] = dn->requires[k];
			}
	}
	for (i = 0; n_auto > 0 && i < n; i++) {
		const struct pkg *p = &a->pkgs->v[i];

		if (p->eco != ECO_DPKG || !p->installed || reached[i])
			continue;
		if (b->pkg_rule[i] != NULL &&
		    !removable_rule(b, b->pkg_rule[i]))
			continue;	/* the KB says it is loaded at run time */
		set[m++] = i;
	}
	if (m > 0) {
		w = new_work(b, CK_RECOMMENDS, P_DEV_ONLY, CONF_MEDIUM);
		w->c.subject = xstrdup("dpkg");
		w->c.title = fmt("apt --no-install-recommends: %zu package%s "
		    "only recommended", m, m == 1 ? "" : "s");
		list = largest_list(a, set, m);
		w->c.reason = fmt("No manually installed package needs these "
		    "through Depends or Pre-Depends: apt installed them "
		    "because another package Recommends them (largest: %s). "
		    "A recommended package can still be loaded at run time "
		    "(numpy loads libopenblas0 that way); check the list.",
		    list);
		free(list);
		w->c.fix = xstrdup("RUN apt-get install -y "
		    "--no-install-recommends ... (name what you need "
		    "explicitly)");
		cmd = xstrdup("apt-get purge -y");
		w->c.packages = xcalloc(m, sizeof(char *));
		for (k = 0; k < m; k++) {
			char *t = fmt("%s %s", cmd, a->pkgs->v[set[k]].name);

			free(cmd);
			cmd = t;
			pkg_join(b, set[k], b->n - 1);
			w->c.packages[w->c.n_packages++] = xstrdup(pkg_label(a,
			    set[k], label, sizeof(label)));
		}
		w->c.command = cmd;
	}
	free(reached);
	free(stack);
	free(set);
}

/* ---- CUDA: which components something links --------------------------- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void
cuda_links(struct build *b)
{
	const struct linkgraph *g = b->a->graph;
	size_t i;

	for (i = 0; g != NULL && i < g->n_obj; i++) {
		const struct kb_cuda_rule *r;

		if (!g->obj[i].reached || g->obj[i].dlopened ||
		    g->obj[i].root)
			continue;
		r = kb_match_cuda(b->kb, base_name(g->obj[i].path));
		if (r != NULL)
			b->cuda_linked[r - b->kb->cuda] = 1;
	}
}

static enum purpose
need_purpose(enum cuda_need n)
{
	switch (n) {
	case NEED_PROFILING:
		return P_PROFILING;
	case NEED_DEV_ONLY:
	case NEED_BUILD_ONLY:
		return P_DEV_ONLY;
	case NEED_MULTI_GPU_ONLY:
		return P_MULTI_GPU_ONLY;
	default:
		return P_RUNTIME;
	}
}

static struct work *
cuda_work(struct build *b, const struct kb_cuda_rule *r)
{
	size_t ri = (size_t)(r - b->kb->cuda);
	enum purpose p = need_purpose(r->need);
	bool linked = b->cuda_linked[ri];
	struct work *w;

	if (b->cuda_cand[ri] != 0)
		return &b->w[b->cuda_cand[ri] - 1];
	w = new_work(b, CK_CUDA, p, linked || r->need ==
	    NEED_MULTI_GPU_ONLY ? CONF_LOW : CONF_MEDIUM);
	w->rule = r;
	b->cuda_cand[ri] = b->n;
	w->c.subject = xstrdup(r->component);
	w->c.title = fmt("%s libraries (%s)", r->component,
	    kb_need_name(r->need));
	w->c.reason = linked ? fmt("%s A binary of the image links it "
	    "(DT_NEEDED): removing it breaks that binary.", r->reason) :
	    xstrdup(r->reason);
	w->c.fix = r->wheels != NULL && r->wheels[0] != '\0' ?
	    fmt("Leave %s out of the image (pip wheels: %s), or delete its "
	    "files in the RUN that installs them.", r->component,
	    r->wheels) :
	    fmt("Leave %s out of the image, or delete its files in the RUN "
	    "that installs them.", r->component);
	return w;
}

/*
 * The command that deletes what a rule's globs match, as the candidate
 * counts it: GNU find's -path matches like the rules ('*' crosses '/').
 * NULL when a glob would need quoting beyond single quotes.
 */
static char *
find_command(const struct kb_glob *g, size_t n)
{
	char *cmd = xstrdup("find / -xdev -type f \\(");
	size_t i, k = 0;
	char *t;

	for (i = 0; i < n; i++) {
		if (strchr(g[i].glob, '\'') != NULL) {
			free(cmd);
			return NULL;
		}
		if (g[i].keep)
			continue;
		t = fmt("%s%s -path '%s'", cmd, k++ ? " -o" : "", g[i].glob);
		free(cmd);
		cmd = t;
	}
	t = fmt("%s \\)", cmd);
	free(cmd);
	cmd = t;
	for (i = 0; i < n; i++) {
		if (!g[i].keep)
			continue;
		t = fmt("%s ! -path '%s'", cmd, g[i].glob);
		free(cmd);
		cmd = t;
	}
	t = fmt("%s -delete", cmd);
	free(cmd);
	return t;
}

/* ---- path and base rules ------------------------------------------------- */

static struct work *
path_work(struct build *b, const struct kb_path_rule *r)
{
	size_t ri = (size_t)(r - b->kb->path);
	struct work *w;

	if (b->path_cand[ri] != 0)
		return &b->w[b->path_cand[ri] - 1];
	w = new_work(b, CK_PATHS, r->purpose, r->confidence);
	w->rule = r;
	b->path_cand[ri] = b->n;
	w->c.subject = xstrdup(r->name);
	w->c.title = xstrdup(r->title);
	w->c.reason = xstrdup(r->reason);
	w->c.fix = xstrdup(r->fix);
	w->c.command = find_command(r->globs, r->n_globs);
	return w;
}

static struct work *
base_work(struct build *b, size_t ri)
{
	const struct kb_base_rule *r = &b->kb->base[ri];
	struct work *w;

	if (b->base_cand[ri] != 0)
		return &b->w[b->base_cand[ri] - 1];
	w = new_work(b, CK_BASE, P_DEV_ONLY, r->confidence);
	w->rule = r;
	w->alive = false;	/* until its signature is seen */
	b->base_cand[ri] = b->n;
	w->c.subject = xstrdup(r->name);
	w->c.title = xstrdup(r->title);
	w->c.reason = xstrdup(r->reason);
	w->c.fix = xstrdup(r->fix);
	return w;
}

/* ---- the walk ----------------------------------------------------------- */

static void
add_top(struct candidate *c, const char *path, int64_t bytes)
{
	size_t i;

	if (c->n_top == CAND_TOP_PATHS && bytes <= c->top[c->n_top - 1].bytes)
		return;
	if (c->n_top == CAND_TOP_PATHS)
		free(c->top[--c->n_top].path);
	i = c->n_top++;
	while (i > 0 && c->top[i - 1].bytes < bytes) {
		c->top[i] = c->top[i - 1];
		i--;
	}
	c->top[i].path = xstrdup(path);
	c->top[i].bytes = bytes;
}

/* What one file adds to a candidate's figures. */
static void
count(struct build *b, struct work *w, const char *path, int64_t bytes,
    int layer)
{
	w->c.bytes += bytes;
	w->c.files++;
	if (layer >= 0 && (size_t)layer < b->n_layers) {
		w->layer_hit[layer] = 1;
		w->c.compressed += (int64_t)((double)bytes * b->ratio[layer]);
	}
	add_top(&w->c, path, bytes);
}

/* The candidate frees the whole file. */
static void
add_file(struct build *b, struct work *w, uint32_t data, const char *path,
    int64_t bytes, int layer)
{
	xgrow((void **)&w->data, &w->cap_data, w->n_data + 1,
	    sizeof(*w->data));
	w->data[w->n_data++] = data;
	count(b, w, path, bytes, layer);
}

/* The candidate frees bytes of the file (debug sections, GPU code). */
static void
add_part(struct build *b, struct work *w, uint32_t data, const char *path,
    int64_t bytes, int layer)
{
	if (bytes <= 0)
		return;
	xgrow((void **)&w->pdata, &w->cap_part, w->n_part + 1,
	    sizeof(*w->pdata));
	w->pbytes = xrealloc(w->pbytes, w->cap_part * sizeof(*w->pbytes));
	w->pdata[w->n_part] = data;
	w->pbytes[w->n_part++] = bytes;
	count(b, w, path, bytes, layer);
}

static int
visit(void *ctx, const char *rel, size_t len, const struct tree_stat *st)
{
	struct build *b = ctx;
	const struct audit *a = b->a;
	const struct kb *kb = b->kb;
	const struct kb_path_rule *pr, *prs[16];
	const struct kb_cuda_rule *cr;
	enum purpose purpose = P_UNKNOWN;
	bool decided = false;
	struct kb_grams grams;
	size_t owner = 0, i, n_pr;
	int k;

	if (len + 2 > sizeof(b->pathbuf))
		return TREE_WALK_PRUNE;
	b->pathbuf[0] = '/';
	memcpy(b->pathbuf + 1, rel, len);
	b->pathbuf[len + 1] = '\0';

	/* Base signatures look at every kind of entry (nvcc may be a link). */
	kb_grams(&grams, b->pathbuf, len + 1);
	for (i = 0; i < kb->n_base; i++) {
		if (kb->base[i].signature != NULL &&
		    kb_glob_test(&kb->base[i].sig, b->pathbuf, len + 1,
		    &grams))
			b->base_sig[i] |= 1;
		if (kb->base[i].unless != NULL &&
		    kb_glob_test(&kb->base[i].unl, b->pathbuf, len + 1,
		    &grams))
			b->base_sig[i] |= 2;
	}
	if (st->kind != ENTRY_FILE || st->data == 0 || b->seen[st->data])
		return TREE_WALK_CONTINUE;
	b->seen[st->data] = 1;
	b->size[st->data] = st->size;
	if (st->layer >= 0 && (size_t)st->layer < b->n_layers)
		b->zsize[st->data] = (int64_t)((double)st->size *
		    b->ratio[st->layer]);

	if (st->data < a->owners->n_owner)
		owner = a->owners->owner[st->data];
	if (owner > 0) {
		for (k = 0; k < MAX_PKG_CANDS && b->pkgc[owner - 1][k] >= 0;
		    k++) {
			struct work *w = &b->w[b->pkgc[owner - 1][k]];

			add_file(b, w, st->data, b->pathbuf, st->size,
			    st->layer);
			/* A package others still need keeps its deps' purpose. */
			if (!decided && w->c.kind == CK_UNINSTALL &&
			    (w->c.confidence != CONF_LOW ||
			    w->main_pkg == owner - 1)) {
				purpose = w->c.purpose;
				decided = true;
			}
		}
	}
	cr = kb_match_cuda(kb, base_name(b->pathbuf));
	if (cr != NULL) {
		enum purpose p = need_purpose(cr->need);

		if (p != P_RUNTIME && kb->removable[b->profile][p]) {
			struct work *w = cuda_work(b, cr);
			const struct kb_package_rule *orule = owner > 0 ?
			    b->pkg_rule[owner - 1] : NULL;

			add_file(b, w, st->data, b->pathbuf, st->size,
			    st->layer);
			/*
			 * Bundled into a package the knowledge base has a
			 * verdict on (triton's own ptxas): no surer than it.
			 */
			if (orule != NULL && orule->confidence <
			    w->c.confidence)
				w->c.confidence = orule->confidence;
		}
		if (!decided) {
			purpose = p;
			decided = true;
		}
	}
	/*
	 * Each rule's candidate holds every file its command deletes; the
	 * file's purpose is the most specific rule's.
	 */
	n_pr = kb_match_paths(kb, b->pathbuf, prs, sizeof(prs) /
	    sizeof(prs[0]), &pr);
	for (i = 0; i < n_pr; i++)
		if (kb->removable[b->profile][prs[i]->purpose])
			add_file(b, path_work(b, prs[i]), st->data, b->pathbuf,
			    st->size, st->layer);
	if (pr != NULL) {
		if (!decided) {
			purpose = pr->purpose;
			decided = true;
		}
	}
	for (i = 0; i < kb->n_base; i++)
		if (kb_globs_match(kb->base[i].globs, kb->base[i].n_globs,
		    b->pathbuf))
			add_file(b, base_work(b, i), st->data, b->pathbuf,
			    st->size, st->layer);
	if (!decided && owner > 0) {
		const struct kb_package_rule *r = b->pkg_rule[owner - 1];

		purpose = r != NULL ? r->purpose : P_RUNTIME;
	}
	b->out->purpose_bytes[purpose] += st->size;
	b->out->purpose_files[purpose]++;
	if (st->layer >= 0 && (size_t)st->layer < b->n_layers)
		b->out->layer_purpose[st->layer][purpose] += st->size;
	if (b->keep_files) {
		struct classified_file *f;

		xgrow((void **)&b->out->files, &b->files_cap,
		    b->out->n_files + 1, sizeof(*f));
		f = &b->out->files[b->out->n_files++];
		f->path = xstrdup(b->pathbuf);
		f->bytes = st->size;
		f->purpose = purpose;
	}
	return TREE_WALK_CONTINUE;
}

/* ---- what the link graph and the layers add ---------------------------- */

static size_t
owner_of(const struct audit *a, uint32_t data)
{
	return data < a->owners->n_owner ? a->owners->owner[data] : 0;
}

static void
strip_candidates(struct build *b)
{
	const struct audit *a = b->a;
	const struct linkgraph *g = a->graph;
	size_t n = a->pkgs->n + 1, i;
	size_t *cand = xcalloc(n, sizeof(*cand));
	int64_t *unneeded = xcalloc(n, sizeof(*unneeded));
	char label[320];

	for (i = 0; g != NULL && i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];
		size_t who = owner_of(a, o->data);
		struct work *w;

		if (o->f->debug_bytes <= 0)
			continue;
		if (cand[who] == 0) {
			w = new_work(b, CK_STRIP, P_DEBUG, CONF_MEDIUM);
			cand[who] = b->n;
			if (who > 0) {
				w->c.subject = xstrdup(pkg_label(a, who - 1,
				    label, sizeof(label)));
				w->c.title = fmt("Strip debug symbols from %s "
				    "(%s)", a->pkgs->v[who - 1].name,
				    pkg_ecosystem_name(a->pkgs->v[who - 1].eco));
			} else {
				w->c.subject = xstrdup("");
				w->c.title = xstrdup("Strip debug symbols from "
				    "binaries of no package");
			}
			w->c.fix = xstrdup("Strip in the RUN that installs "
			    "them (`strip --strip-debug FILE...`), build "
			    "with -g0 or install a stripped build; keep "
			    "the symbols in a separate .debug file if you "
			    "need them.");
		}
		w = &b->w[cand[who] - 1];
		unneeded[who] += o->f->unneeded_bytes;
		add_part(b, w, o->data, o->path, o->f->debug_bytes, o->layer);
	}
	for (i = 0; i < n; i++) {
		struct work *w;
		char *cmd;
		size_t k;

		if (cand[i] == 0)
			continue;
		w = &b->w[cand[i] - 1];
		w->c.reason = fmt("%lld file(s) carry DWARF debug sections "
		    "that nothing needs at run time; `strip --strip-unneeded` "
		    "would save %lld bytes (the symbol tables too).",
		    (long long)w->c.files, (long long)unneeded[i]);
		/* The command, when every file fits and quotes safely. */
		if (w->c.files > (int64_t)w->c.n_top)
			continue;
		cmd = xstrdup("strip --strip-debug");
		for (k = 0; k < w->c.n_top && cmd != NULL; k++) {
			const char *p = w->c.top[k].path, *q;
			char *t;

			for (q = p; *q != '\0'; q++)
				if (*q == '\'' || (unsigned char)*q < 0x20)
					break;
			t = *q == '\0' ? fmt("%s '%s'", cmd, p) : NULL;
			free(cmd);
			cmd = t;
		}
		w->c.command = cmd;
	}
	free(cand);
	free(unneeded);
}

static void
gpu_candidate(struct build *b)
{
	const struct audit *a = b->a;
	const struct linkgraph *g = a->graph;
	struct work *w = NULL;
	char targets[128] = "", torch[128] = "", cmake[128] = "";
	size_t i, len = 0, tl = 0, cl = 0;

	if (g == NULL || a->link.n_target_sm == 0)
		return;
	/* sm_90 is "9.0" to PyTorch and "90" to CMake. */
	for (i = 0; i < a->link.n_target_sm && len < sizeof(targets) - 16;
	    i++) {
		unsigned sm = a->link.target_sm[i];

		len += (size_t)snprintf(targets + len, sizeof(targets) - len,
		    "%ssm_%u", i ? "," : "", sm);
		tl += (size_t)snprintf(torch + tl, sizeof(torch) - tl,
		    "%s%u.%u", i ? ";" : "", sm / 10, sm % 10);
		cl += (size_t)snprintf(cmake + cl, sizeof(cmake) - cl,
		    "%s%u", i ? ";" : "", sm);
	}
	for (i = 0; i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];

		if (o->other_arch_bytes <= 0)
			continue;
		if (w == NULL) {
			w = new_work(b, CK_GPU_ARCH, P_OTHER_GPU_ARCH,
			    CONF_MEDIUM);
			w->c.subject = xstrdup(targets);
			w->c.title = fmt("GPU code for architectures other "
			    "than %s", targets);
			w->c.reason = fmt("CUDA fatbins hold SASS and PTX for "
			    "GPUs other than --target-arch %s; only the code "
			    "for your GPUs is ever loaded. NVIDIA's own "
			    "libraries cannot be rebuilt: for those, pick the "
			    "wheel or base image built for your GPUs.",
			    targets);
			w->c.fix = fmt("Build your extensions and frameworks "
			    "for your GPUs only: TORCH_CUDA_ARCH_LIST=\"%s\" "
			    "or CMAKE_CUDA_ARCHITECTURES=\"%s\", or install "
			    "the wheel built for them.", torch, cmake);
		}
		add_part(b, w, o->data, o->path, o->other_arch_bytes,
		    o->layer);
	}
}

static void
unreferenced_candidate(struct build *b)
{
	const struct linkgraph *g = b->a->graph;
	struct work *w = NULL;
	size_t i;

	/* Without a root (no executable, no extension) nothing is reached. */
	for (i = 0; g != NULL && g->n_roots > 0 && i < g->n_obj; i++) {
		const struct elf_obj *o = &g->obj[i];

		if (o->role != OBJ_LIBRARY || o->reached || o->root)
			continue;
		if (w == NULL) {
			w = new_work(b, CK_UNREFERENCED, P_UNKNOWN, CONF_LOW);
			w->c.subject = xstrdup("");
			w->c.title = xstrdup("Shared libraries that nothing "
			    "links to");
			w->c.reason = xstrdup("No executable, Python extension "
			    "or library of the image reaches them through "
			    "DT_NEEDED, nor through the dlopen rules of the "
			    "knowledge base. A program may still load them "
			    "with dlopen(): try the image without them first.");
			w->c.fix = xstrdup("Delete them in the RUN that "
			    "installs them, once a test of the image shows "
			    "nothing loads them.");
		}
		add_file(b, w, o->data, o->path, o->size, o->layer);
	}
}

static void
wasted_candidates(struct build *b)
{
	const struct audit *a = b->a;
	struct tree_file *v;
	size_t n, i, l;
	size_t *cand = xcalloc(b->n_layers ? b->n_layers : 1, sizeof(*cand));

	n = tree_wasted(a->tree, 1000, &v);
	for (l = 0; l < b->n_layers; l++) {
		struct work *w;
		const char *by = a->img->layers[l].created_by;

		if (a->totals.layer_wasted == NULL ||
		    a->totals.layer_wasted[l] <= 0)
			continue;
		w = new_work(b, CK_WASTED, P_WASTED, CONF_HIGH);
		cand[l] = b->n;
		w->c.subject = fmt("%zu", l);
		w->c.title = fmt("Layer %zu writes files that later layers "
		    "delete or overwrite", l);
		w->c.reason = fmt("Layer %zu (%.60s) adds bytes that the final "
		    "tree never shows: every pull still downloads them.", l,
		    by != NULL ? by : "no history");
		w->c.fix = xstrdup("Remove them in the same RUN that creates "
		    "them (`&& rm -rf ...`), don't write them at all (e.g. "
		    "--no-cache-dir), or build in a stage and COPY only the "
		    "result.");
		w->outside = a->totals.layer_wasted[l];
		w->c.bytes = w->outside;
		w->outside_compressed = (int64_t)((double)w->outside *
		    b->ratio[l]);
		w->c.compressed = w->outside_compressed;
		w->layer_hit[l] = 1;
	}
	for (i = 0; i < n; i++) {
		if (v[i].layer < 0 || (size_t)v[i].layer >= b->n_layers ||
		    cand[v[i].layer] == 0)
			continue;
		add_top(&b->w[cand[v[i].layer] - 1].c, v[i].path, v[i].size);
		b->w[cand[v[i].layer] - 1].c.files++;
	}
	tree_files_free(v, n);
	free(cand);
}

/*
 * "rm -f 'a' 'b'" for a candidate whose every file is in its top list,
 * or NULL (too many files, or a name single quotes cannot carry).
 */
static char *
rm_command(const struct candidate *c)
{
	char *cmd, *t;
	size_t k;

	if (c->files == 0 || c->files > (int64_t)c->n_top)
		return NULL;
	cmd = xstrdup("rm -f");
	for (k = 0; k < c->n_top; k++) {
		const char *q;

		for (q = c->top[k].path; *q != '\0'; q++)
			if (*q == '\'' || (unsigned char)*q < 0x20) {
				free(cmd);
				return NULL;
			}
		t = fmt("%s '%s'", cmd, c->top[k].path);
		free(cmd);
		cmd = t;
	}
	return cmd;
}

/* ---- totals and ranking ------------------------------------------------- */

static void
count_removable(struct build *b)
{
	size_t nd = tree_data_count(b->a->tree), i, k;
	uint8_t *gone = xcalloc(nd ? nd : 1, 1);
	int64_t *part = xcalloc(nd ? nd : 1, sizeof(*part));
	struct candidates *c = b->out;

	for (i = 0; i < b->n; i++) {
		struct work *w = &b->w[i];

		if (!w->alive || w->c.confidence == CONF_LOW)
			continue;
		for (k = 0; k < w->n_data; k++) {
			uint32_t d = w->data[k];

			if (d < nd && !gone[d]) {
				gone[d] = 1;
				c->removable_bytes += b->size[d];
				c->removable_compressed += b->zsize[d];
			}
		}
		for (k = 0; k < w->n_part; k++)
			if (w->pdata[k] < nd)
				part[w->pdata[k]] += w->pbytes[k];
		c->removable_bytes += w->outside;
		c->removable_compressed += w->outside_compressed;
	}
	/* Debug sections and GPU code are disjoint parts of a file. */
	for (i = 0; i < nd; i++) {
		int64_t p = part[i];

		if (p <= 0 || gone[i])
			continue;
		if (b->size[i] > 0 && p > b->size[i])
			p = b->size[i];
		c->removable_bytes += p;
		if (b->size[i] > 0)
			c->removable_compressed += (int64_t)((double)p *
			    (double)b->zsize[i] / (double)b->size[i]);
	}
	free(gone);
	free(part);
}

/*
 * Ranked by bytes saved, but the low-confidence candidates after the
 * others: they are not in removable_bytes, and a "maybe loaded with
 * dlopen" at the top of the list would hide what is sure.
 */
static int
by_rank(const void *x, const void *y)
{
	const struct candidate *p = x, *q = y;
	bool plow = p->confidence == CONF_LOW, qlow = q->confidence == CONF_LOW;

	if (plow != qlow)
		return plow ? 1 : -1;
	if (p->bytes != q->bytes)
		return p->bytes > q->bytes ? -1 : 1;
	if (p->compressed != q->compressed)
		return p->compressed > q->compressed ? -1 : 1;
	if (p->kind != q->kind)
		return p->kind < q->kind ? -1 : 1;
	return strcmp(p->title, q->title);
}

static void
finish(struct build *b)
{
	struct candidates *c = b->out;
	size_t i, l;

	for (i = 0; i < b->kb->n_base; i++)
		if (b->base_cand[i] != 0 && b->base_sig[i] == 1)
			b->w[b->base_cand[i] - 1].alive = true;
	count_removable(b);
	c->v = xcalloc(b->n ? b->n : 1, sizeof(*c->v));
	for (i = 0; i < b->n; i++) {
		struct work *w = &b->w[i];

		if ((w->c.kind == CK_CUDA || w->c.kind == CK_UNREFERENCED) &&
		    w->c.command == NULL)
			w->c.command = rm_command(&w->c);
		if (w->alive && w->c.bytes > 0) {
			for (l = 0; l < b->n_layers; l++)
				if (w->layer_hit[l]) {
					xgrow((void **)&w->c.layers, &w->cap_layers,
					    w->c.n_layers + 1, sizeof(int));
					w->c.layers[w->c.n_layers++] = (int)l;
				}
			c->v[c->n++] = w->c;
		} else
			candidate_clear(&w->c);
		free(w->data);
		free(w->pdata);
		free(w->pbytes);
		free(w->layer_hit);
	}
	qsort(c->v, c->n, sizeof(*c->v), by_rank);
}

struct candidates *
candidates_build(const struct audit *a, const struct kb *kb,
    enum profile profile, bool keep_files)
{
	struct build b;
	size_t i, nd = tree_data_count(a->tree), np = a->pkgs->n;

	memset(&b, 0, sizeof(b));
	b.a = a;
	b.kb = kb;
	b.profile = profile;
	b.keep_files = keep_files;
	b.out = xcalloc(1, sizeof(*b.out));
	b.n_layers = a->n_layers;
	b.out->n_layers = a->n_layers;
	b.out->layer_purpose = xcalloc(b.n_layers ? b.n_layers : 1,
	    sizeof(*b.out->layer_purpose));
	b.ratio = xcalloc(b.n_layers ? b.n_layers : 1, sizeof(*b.ratio));
	for (i = 0; i < b.n_layers; i++)
		b.ratio[i] = a->layers[i]->tar_bytes > 0 ?
		    (double)a->layers[i]->compressed_bytes /
		    (double)a->layers[i]->tar_bytes : 1.0;
	b.size = xcalloc(nd ? nd : 1, sizeof(*b.size));
	b.zsize = xcalloc(nd ? nd : 1, sizeof(*b.zsize));
	b.seen = xcalloc(nd ? nd : 1, 1);
	b.pkgc = xmalloc((np ? np : 1) * sizeof(*b.pkgc));
	memset(b.pkgc, 0xff, (np ? np : 1) * sizeof(*b.pkgc));
	b.pkg_rule = xcalloc(np ? np : 1, sizeof(*b.pkg_rule));
	b.path_cand = xcalloc(kb->n_path + 1, sizeof(size_t));
	b.cuda_cand = xcalloc(kb->n_cuda + 1, sizeof(size_t));
	b.cuda_linked = xcalloc(kb->n_cuda + 1, 1);
	b.base_cand = xcalloc(kb->n_base + 1, sizeof(size_t));
	b.base_sig = xcalloc(kb->n_base + 1, 1);

	package_candidates(&b);
	b.out->n_pkg = np;
	b.out->pkg_purpose = xcalloc(np ? np : 1, sizeof(enum purpose));
	for (i = 0; i < np; i++) {
		int k = b.pkgc[i][0];

		b.out->pkg_purpose[i] = k >= 0 ? b.w[k].c.purpose :
		    b.pkg_rule[i] != NULL ? b.pkg_rule[i]->purpose : P_RUNTIME;
	}
	recommends_candidate(&b);
	cuda_links(&b);
	tree_walk(a->tree, "", visit, &b);
	strip_candidates(&b);
	gpu_candidate(&b);
	unreferenced_candidate(&b);
	wasted_candidates(&b);
	finish(&b);

	free(b.w);
	free(b.ratio);
	free(b.size);
	free(b.zsize);
	free(b.seen);
	free(b.pkgc);
	free(b.pkg_rule);
	free(b.path_cand);
	free(b.cuda_cand);
	free(b.cuda_linked);
	free(b.base_cand);
	free(b.base_sig);
	return b.out;
}

void
candidates_free(struct candidates *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		candidate_clear(&c->v[i]);
	free(c->v);
	for (i = 0; i < c->n_files; i++)
		free(c->files[i].path);
	free(c->files);
	free(c->pkg_purpose);
	free(c->layer_purpose);
	findings_free(&c->findings);
	free(c);
}
