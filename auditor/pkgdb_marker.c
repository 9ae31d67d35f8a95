/* SPDX-License-Identifier: MIT */
/*
 * pkgdb_marker.c: PEP 508 environment markers ("python_version < '3.10'
 * and sys_platform != 'win32'") evaluated for the images we audit: Linux,
 * x86_64, CPython, and the Python version a site-packages path names.
 *
 * The answer has three values: a marker about something we cannot know
 * (platform_release, a patch level the path does not give) is
 * MARKER_UNKNOWN, and pip's reader keeps such requirements.  Extras are
 * an input: the reader evaluates once with none, then once per extra the
 * marker names, to tell "never here" from "only with [extra]".
 */
#include <stdlib.h>
#include <string.h>

#include "pkgdb_private.h"

/* Parentheses deeper than this are not a marker anyone wrote. */
#define MARKER_DEPTH	32

enum tok {
	T_END,
	T_LP,
	T_RP,
	T_STR,
	T_VAR,
	T_OP,
	T_AND,
	T_OR,
	T_IN,
	T_NOT,
	T_BAD
};

struct lexer {
	const char *p, *end;
	enum tok t;
	struct span s;		/* the token's text (a string's inside) */
};

static bool
is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void
lex(struct lexer *lx)
{
	const char *p = lx->p, *q;

	while (p < lx->end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	lx->s = span_make(p, 0);
	if (p >= lx->end) {
		lx->t = T_END;
	} else if (*p == '(' || *p == ')') {
		lx->t = *p == '(' ? T_LP : T_RP;
		p++;
	} else if (*p == '"' || *p == '\'') {
		q = memchr(p + 1, *p, (size_t)(lx->end - p - 1));
		if (q == NULL) {
			lx->t = T_BAD;
			p = lx->end;
		} else {
			lx->t = T_STR;
			lx->s = span_make(p + 1, (size_t)(q - p - 1));
			p = q + 1;
		}
	} else if (strchr("<>=!~", *p) != NULL) {
		for (q = p; q < lx->end && q - p < 3 &&
		    strchr("<>=!~", *q) != NULL; q++)
			;
		lx->s = span_make(p, (size_t)(q - p));
		lx->t = span_eq(lx->s, "==") || span_eq(lx->s, "!=") ||
		    span_eq(lx->s, "<=") || span_eq(lx->s, ">=") ||
		    span_eq(lx->s, "<") || span_eq(lx->s, ">") ||
		    span_eq(lx->s, "~=") || span_eq(lx->s, "===") ?
		    T_OP : T_BAD;
		p = q;
	} else if (is_ident(*p)) {
		for (q = p; q < lx->end && is_ident(*q); q++)
			;
		lx->s = span_make(p, (size_t)(q - p));
		lx->t = span_eq(lx->s, "and") ? T_AND :
		    span_eq(lx->s, "or") ? T_OR :
		    span_eq(lx->s, "in") ? T_IN :
		    span_eq(lx->s, "not") ? T_NOT : T_VAR;
		p = q;
	} else {
		lx->t = T_BAD;
		p = lx->end;
	}
	lx->p = p;
}

enum vkind {
	V_STRING,
	V_VERSION,		/* python_version: "3.11" is all of it */
	V_VERSION_PREFIX	/* python_full_version: "3.11" then unknown */
};

struct operand {
	bool known;
	bool is_extra;
	bool literal;
	enum vkind kind;
	struct span v;
};

struct mctx {
	struct lexer lx;
	const char *pyver;
	const char *extra;
	char **extras;
	size_t max_extras, *n_extras;
	bool bad;
	int depth;
};

/* What the environment variables are on the machines we audit for. */
static const struct {
	const char *name;
	const char *value;
} fixed_env[] = {
	{ "sys_platform", "linux" },
	{ "sys.platform", "linux" },
	{ "platform_system", "Linux" },
	{ "os_name", "posix" },
	{ "os.name", "posix" },
	{ "platform_machine", "x86_64" },
	{ "platform.machine", "x86_64" },
	{ "implementation_name", "cpython" },
	{ "platform_python_implementation", "CPython" },
	{ "platform.python_implementation", "CPython" },
	{ "python_implementation", "CPython" },
};

static struct operand
operand(struct mctx *c)
{
	struct operand o;
	size_t i;

	memset(&o, 0, sizeof(o));
	if (c->lx.t == T_STR) {
		o.known = o.literal = true;
		o.v = c->lx.s;
		return o;
	}
	if (c->lx.t != T_VAR) {
		c->bad = true;
		return o;
	}
	if (span_eq(c->lx.s, "extra")) {
		o.known = o.is_extra = true;
		o.v = span_make(c->extra ? c->extra : "",
		    c->extra ? strlen(c->extra) : 0);
		return o;
	}
	if (span_eq(c->lx.s, "python_version") ||
	    span_eq(c->lx.s, "python_full_version") ||
	    span_eq(c->lx.s, "implementation_version")) {
		o.kind = span_eq(c->lx.s, "python_version") ? V_VERSION :
		    V_VERSION_PREFIX;
		o.known = c->pyver != NULL;
		if (o.known)
			o.v = span_make(c->pyver, strlen(c->pyver));
		return o;
	}
	for (i = 0; i < sizeof(fixed_env) / sizeof(fixed_env[0]); i++)
		if (span_eq(c->lx.s, fixed_env[i].name)) {
			o.known = true;
			o.v = span_make(fixed_env[i].value,
			    strlen(fixed_env[i].value));
			return o;
		}
	return o;		/* platform_release and the like: unknown */
}

#define VER_MAX	16

struct version {
	unsigned long c[VER_MAX];
	size_t n;
	bool wildcard;		/* "3.11.*" */
};

/* "3.11.4", "3.8.0rc1" (the suffix ignored), "3.11.*"; false if no
 * leading number. */
static bool
parse_version(struct span s, struct version *v)
{
	size_t i = 0;

	memset(v, 0, sizeof(*v));
	s = span_trim(s);
	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
		unsigned long x = 0;

		for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++)
			if (x < 100000000UL)
				x = x * 10 + (unsigned long)(s.p[i] - '0');
		if (v->n < VER_MAX)
			v->c[v->n++] = x;
		if (i + 1 < s.n && s.p[i] == '.' && s.p[i + 1] == '*') {
			v->wildcard = true;
			break;
		}
		if (i + 1 < s.n && s.p[i] == '.' &&
		    s.p[i + 1] >= '0' && s.p[i + 1] <= '9')
			i++;
		else
			break;
	}
	return v->n > 0;
}

/* Possible signs of a <=> b, as a set: bit 0 "<", bit 1 "=", bit 2 ">". */
#define S_LT	1
#define S_EQ	2
#define S_GT	4

/*
 * a is known to n components, or to a->n then unknown when a_open (a
 * python_full_version of which the path told "3.11"); b is exact.  Only
 * the first len components count (len 0: all).
 */
static unsigned
ver_signs(const struct version *a, bool a_open, const struct version *b,
    size_t len)
{
	size_t i, n = a->n > b->n ? a->n : b->n;
	unsigned long x, y;

	if (len > 0 && n > len)
		n = len;
	for (i = 0; i < n; i++) {
		if (i >= a->n && a_open) {
			/* a's tail is unknown, each part >= 0 */
			for (; i < n; i++)
				if (i < b->n && b->c[i] != 0)
					return S_LT | S_EQ | S_GT;
			return S_EQ | S_GT;
		}
		x = i < a->n ? a->c[i] : 0;
		y = i < b->n ? b->c[i] : 0;
		if (x != y)
			return x < y ? S_LT : S_GT;
	}
	return S_EQ;
}

static unsigned
flip(unsigned s)
{
	return (s & S_EQ) | (s & S_LT ? S_GT : 0) | (s & S_GT ? S_LT : 0);
}

/* The op is true for exactly the signs in `yes`: decide over the set. */
static enum marker_value
decide(unsigned signs, unsigned yes)
{
	if ((signs & yes) == signs)
		return MARKER_TRUE;
	if ((signs & yes) == 0)
		return MARKER_FALSE;
	return MARKER_UNKNOWN;
}

static enum marker_value
tri_not(enum marker_value v)
{
	return v == MARKER_UNKNOWN ? v : v == MARKER_TRUE ? MARKER_FALSE :
	    MARKER_TRUE;
}

static enum marker_value
tri_and(enum marker_value a, enum marker_value b)
{
	if (a == MARKER_FALSE || b == MARKER_FALSE)
		return MARKER_FALSE;
	if (a == MARKER_UNKNOWN || b == MARKER_UNKNOWN)
		return MARKER_UNKNOWN;
	return MARKER_TRUE;
}

static enum marker_value
tri_or(enum marker_value a, enum marker_value b)
{
	if (a == MARKER_TRUE || b == MARKER_TRUE)
		return MARKER_TRUE;
	if (a == MARKER_UNKNOWN || b == MARKER_UNKNOWN)
		return MARKER_UNKNOWN;
	return MARKER_FALSE;
}

static enum marker_value
compare_versions(const struct operand *l, struct span op,
    const struct operand *r)
{
	struct version a, b;
	bool swapped = l->kind == V_STRING && r->kind != V_STRING;
	const struct operand *var = swapped ? r : l, *lit = swapped ? l : r;
	bool open = var->kind == V_VERSION_PREFIX;
	unsigned s, pre;

	if (!parse_version(var->v, &a) || !parse_version(lit->v, &b))
		return MARKER_UNKNOWN;
	if (b.wildcard && !swapped &&
	    (span_eq(op, "==") || span_eq(op, "!="))) {
		s = ver_signs(&a, open, &b, b.n);
		s = decide(s, S_EQ);
		return span_eq(op, "==") ? s : tri_not(s);
	}
	if (span_eq(op, "~=")) {
		/* a ~= b: a >= b and a == b's all-but-last parts .* */
		if (b.n < 2 || swapped)
			return MARKER_UNKNOWN;
		s = ver_signs(&a, open, &b, 0);
		pre = ver_signs(&a, open, &b, b.n - 1);
		return tri_and(decide(s, S_EQ | S_GT), decide(pre, S_EQ));
	}
	s = ver_signs(&a, open, &b, 0);
	if (swapped)
		s = flip(s);
	if (span_eq(op, "=="))
		return decide(s, S_EQ);
	if (span_eq(op, "!="))
		return decide(s, S_LT | S_GT);
	if (span_eq(op, "<"))
		return decide(s, S_LT);
	if (span_eq(op, "<="))
		return decide(s, S_LT | S_EQ);
	if (span_eq(op, ">"))
		return decide(s, S_GT);
	if (span_eq(op, ">="))
		return decide(s, S_GT | S_EQ);
	return MARKER_UNKNOWN;
}

static bool
span_contains(struct span hay, struct span needle)
{
	return memmem(hay.p, hay.n, needle.p, needle.n) != NULL ||
	    needle.n == 0;
}

static void
note_extra(struct mctx *c, struct span lit)
{
	char *raw, *name;
	size_t i;

	if (c->extras == NULL)
		return;
	raw = span_dup(span_trim(lit));
	name = pkgdb_pip_normalise(raw);
	free(raw);
	for (i = 0; i < *c->n_extras; i++)
		if (strcmp(c->extras[i], name) == 0)
			break;
	if (i < *c->n_extras || *c->n_extras >= c->max_extras || *name == 0) {
		free(name);
		return;
	}
	c->extras[(*c->n_extras)++] = name;
}

static enum marker_value
compare(struct mctx *c, const struct operand *l, struct span op, bool in,
    bool notin, const struct operand *r)
{
	enum marker_value v;
	char *raw, *norm;
	bool eq;

	if (l->is_extra || r->is_extra) {
		const struct operand *lit = l->is_extra ? r : l;

		if (!lit->literal || in || notin ||
		    !(span_eq(op, "==") || span_eq(op, "!=")))
			return MARKER_UNKNOWN;
		note_extra(c, lit->v);
		/* PEP 685: extras compare normalised */
		raw = span_dup(span_trim(lit->v));
		norm = pkgdb_pip_normalise(raw);
		eq = c->extra != NULL && strcmp(norm, c->extra) == 0;
		free(raw);
		free(norm);
		return (eq == span_eq(op, "==")) ? MARKER_TRUE : MARKER_FALSE;
	}
	if (!l->known || !r->known)
		return MARKER_UNKNOWN;
	if (in || notin) {
		/* "3.11" is only the start of a python_full_version */
		if (l->kind == V_VERSION_PREFIX || r->kind == V_VERSION_PREFIX)
			return MARKER_UNKNOWN;
		v = span_contains(r->v, l->v) ? MARKER_TRUE : MARKER_FALSE;
		return notin ? tri_not(v) : v;
	}
	if (l->kind != V_STRING || r->kind != V_STRING)
		return compare_versions(l, op, r);
	if (span_eq(op, "==") || span_eq(op, "===") || span_eq(op, "!=")) {
		eq = l->v.n == r->v.n && memcmp(l->v.p, r->v.p, l->v.n) == 0;
		return (eq == !span_eq(op, "!=")) ? MARKER_TRUE : MARKER_FALSE;
	}
	/* Two version-looking strings ordered: PEP 508 compares them as
	 * versions; anything else we leave undecided. */
	{
		struct version a, b;

		if (parse_version(l->v, &a) && parse_version(r->v, &b)) {
			struct operand ll = *l;

			ll.kind = V_VERSION;
			return compare_versions(&ll, op, r);
		}
	}
	return MARKER_UNKNOWN;
}

static enum marker_value m_or(struct mctx *c);

static enum marker_value
m_atom(struct mctx *c)
{
	struct operand l, r;
	struct span op = { "", 0 };
	bool in = false, notin = false;
	enum marker_value v;

	if (c->bad)
		return MARKER_UNKNOWN;
	if (c->lx.t == T_LP) {
		if (++c->depth > MARKER_DEPTH) {
			c->bad = true;
			return MARKER_UNKNOWN;
		}
		lex(&c->lx);
		v = m_or(c);
		if (c->lx.t != T_RP)
			c->bad = true;
		else
			lex(&c->lx);
		c->depth--;
		return v;
	}
	l = operand(c);
	lex(&c->lx);
	if (c->lx.t == T_OP) {
		op = c->lx.s;
	} else if (c->lx.t == T_IN) {
		in = true;
	} else if (c->lx.t == T_NOT) {
		lex(&c->lx);
		if (c->lx.t != T_IN)
			c->bad = true;
		notin = true;
	} else {
		c->bad = true;
	}
	if (c->bad)
		return MARKER_UNKNOWN;
	lex(&c->lx);
	r = operand(c);
	if (c->bad)
		return MARKER_UNKNOWN;
	lex(&c->lx);
	return compare(c, &l, op, in, notin, &r);
}

static enum marker_value
m_and(struct mctx *c)
{
	enum marker_value v = m_atom(c);

	while (!c->bad && c->lx.t == T_AND) {
		lex(&c->lx);
		v = tri_and(v, m_atom(c));
	}
	return v;
}

static enum marker_value
m_or(struct mctx *c)
{
	enum marker_value v = m_and(c);

	while (!c->bad && c->lx.t == T_OR) {
		lex(&c->lx);
		v = tri_or(v, m_and(c));
	}
	return v;
}

enum marker_value
pip_marker_eval(struct span m, const char *pyver, const char *extra,
    char **extras, size_t max_extras, size_t *n_extras, bool *bad)
{
	struct mctx c;
	size_t dummy = 0;
	enum marker_value v;

	memset(&c, 0, sizeof(c));
	c.lx.p = m.p;
	c.lx.end = m.p + m.n;
	c.pyver = pyver;
	c.extra = extra;
	c.extras = extras;
	c.max_extras = max_extras;
	c.n_extras = n_extras != NULL ? n_extras : &dummy;
	lex(&c.lx);
	v = m_or(&c);
	if (c.lx.t != T_END)
		c.bad = true;
	if (c.bad) {
		if (bad != NULL)
			*bad = true;
		return MARKER_UNKNOWN;
	}
	return v;
}

char *
pip_python_version(const char *path)
{
	const char *p = path, *e, *d;

	/* the component "pythonX.Y" of lib/pythonX.Y/site-packages */
	while ((p = strstr(p, "python")) != NULL) {
		if (p == path || p[-1] == '/') {
			d = p + 6;
			for (e = d; *e >= '0' && *e <= '9'; e++)
				;
			if (e > d && *e == '.') {
				for (e++; *e >= '0' && *e <= '9'; e++)
					;
				if (e[-1] != '.' && (*e == '/' || *e == '\0'))
					return xstrndup(d, (size_t)(e - d));
			}
		}
		p += 6;
	}
	return NULL;
}
