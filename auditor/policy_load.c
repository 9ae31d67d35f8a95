/* SPDX-License-Identifier: MIT */
/*
 * policy_load.c: reading a policy file.  Reads at most POLICY_MAX_BYTES,
 * tells JSON from a .dive-ci file by its first character, and turns every
 * value into a limit with the syntax and the range its rule allows: sizes
 * as go-humanize parses them (dive's highestWastedBytes), decimals as
 * strconv.ParseFloat does (dive's other two rules).  The .dive-ci subset
 * of YAML is policy_dive.c's; checking is policy.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "policy.h"
#include "policy_private.h"

const char *
policy_quoted(const char *s, char *buf, size_t n)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o + 4 < n && i < 40; i++)
		buf[o++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ?
		    '?' : s[i];
	if (s[i] != '\0' && o + 4 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

enum ia_status
policy_bad(struct ia_error *err, const char *path, int line,
    const char *fmt, ...)
{
	char msg[768], where[32] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	return ia_seterr(err, IA_EINPUT, "%s%s: %s", path, where, msg);
}

/*
 * A decimal number as Go's strconv.ParseFloat reads one, less the forms
 * nobody writes in a policy (hex, inf, nan, underscores): optional sign,
 * digits with an optional point, optional exponent.  Returns 0 and *out
 * (finite), or -1.
 */
static int
parse_decimal(const char *s, double *out)
{
	const char *p = s;
	char *end;
	int digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
		digits += *p != '.';
	if (digits == 0 || strchr(s, '.') != strrchr(s, '.'))
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	*out = strtod(s, &end);
	if (*end != '\0' || !isfinite(*out))
		return -1;
	return 0;
}

int
policy_parse_size(const char *s, uint64_t *out, char *why, size_t n)
{
	/* go-humanize's bytesSizeTable, lower case. */
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1e3 }, { "kb", 1e3 }, { "ki", 0x1p10 },
		{ "kib", 0x1p10 }, { "m", 1e6 }, { "mb", 1e6 },
		{ "mi", 0x1p20 }, { "mib", 0x1p20 }, { "g", 1e9 },
		{ "gb", 1e9 }, { "gi", 0x1p30 }, { "gib", 0x1p30 },
		{ "t", 1e12 }, { "tb", 1e12 }, { "ti", 0x1p40 },
		{ "tib", 0x1p40 }, { "p", 1e15 }, { "pb", 1e15 },
		{ "pi", 0x1p50 }, { "pib", 0x1p50 }, { "e", 1e18 },
		{ "eb", 1e18 }, { "ei", 0x1p60 }, { "eib", 0x1p60 },
	};
	char num[64], unit[16], q[64];
	size_t nd = 0, nu, i;
	const char *u;
	double f;

	/* The number is the longest run of digits and points, as there. */
	while ((s[nd] >= '0' && s[nd] <= '9') || s[nd] == '.')
		nd++;
	if (nd == 0 || nd >= sizeof(num)) {
		snprintf(why, n, "'%s' is not a size: %s", policy_quoted(s, q,
		    sizeof(q)), nd == 0 ? "it does not start with a number" :
		    "the number is too long");
		return -1;
	}
	memcpy(num, s, nd);
	num[nd] = '\0';
	if (parse_decimal(num, &f) != 0) {
		snprintf(why, n, "'%s' is not a size: '%s' is not a number",
		    policy_quoted(s, q, sizeof(q)), num);
		return -1;
	}
	/* The unit: blanks around it trimmed, case ignored. */
	for (u = s + nd; *u == ' ' || *u == '\t'; u++)
		continue;
	nu = strlen(u);
	while (nu > 0 && (u[nu - 1] == ' ' || u[nu - 1] == '\t'))
		nu--;
	for (i = 0; nu < sizeof(unit) && i < sizeof(units) / sizeof(units[0]);
	    i++)
		if (strlen(units[i].unit) == nu &&
		    strncasecmp(u, units[i].unit, nu) == 0)
			break;
	if (nu >= sizeof(unit) || i == sizeof(units) / sizeof(units[0])) {
		snprintf(why, n, "'%s' is not a size: unknown unit '%s' (use "
		    "B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)",
		    policy_quoted(s, q, sizeof(q)),
		    policy_quoted(u, unit, sizeof(unit)));
		return -1;
	}
	f *= units[i].mult;
	if (f >= 0x1p64) {
		snprintf(why, n, "'%s' is not a size: too large",
		    policy_quoted(s, q, sizeof(q)));
		return -1;
	}
	*out = (uint64_t)f;	/* truncated, as uint64(f) in Go */
	return 0;
}

const char *
policy_shortest(double v, char *buf, size_t n)
{
	int prec;

	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, n, "%.0f", v);
		return buf;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return buf;
	}
	snprintf(buf, n, "%.17g", v);
	return buf;
}

/* dive's isRuleDisabled: "", disabled, off or false, any case, trimmed. */
static int
is_disabled(const char *s)
{
	static const char *const words[] = { "", "disabled", "off", "false" };
	size_t len, i;

	s += strspn(s, " \t\r\n");
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len &&
		    strncasecmp(s, words[i], len) == 0)
			return 1;
	return 0;
}

/* Check v against the range of rule id and store it.  0, or -1 and why. */
static int
set_number(struct policy *p, enum rule_id id, double v, char *why, size_t n)
{
	const struct rule_def *d = &policy_defs[id];
	struct limit *l = &p->lim[id];
	char b[32];

	policy_shortest(v, b, sizeof(b));
	switch (d->kind) {
	case K_SIZE:
		if (!(v >= 0 && v < 0x1p64) || v != floor(v)) {
			snprintf(why, n, "%s: %s is not a number of bytes",
			    d->key, b);
			return -1;
		}
		l->bytes = (uint64_t)v;
		break;
	case K_FRACTION:
		/* dive: "outside allowed range (0-1)". */
		if (!(v >= 0 && v <= 1)) {
			snprintf(why, n, "%s: %s is outside the allowed "
			    "range 0..1", d->key, b);
			return -1;
		}
		l->x = v;
		break;
	case K_PERCENT:
		if (!(v >= 0 && v <= 100)) {
			snprintf(why, n, "%s: %s is outside the allowed "
			    "range 0..100 (a percentage)", d->key, b);
			return -1;
		}
		l->x = v;
		break;
	case K_COUNT:
		if (!(v >= 0 && v <= 1e9) || v != floor(v)) {
			snprintf(why, n, "%s: %s is not a whole number",
			    d->key, b);
			return -1;
		}
		l->x = v;
		break;
	case K_PURPOSES:
		return -1;
	}
	l->state = L_ON;
	return 0;
}

/*
 * Set rule id from text: a size for K_SIZE rules, and for dive's rules
 * what dive accepts there ("disabled", a decimal, a size).
 */
int
policy_set_text(struct policy *p, enum rule_id id, const char *s, char *why,
    size_t n)
{
	const struct rule_def *d = &policy_defs[id];
	char q[64], r[256];
	double v;

	if (d->dive && is_disabled(s)) {
		p->lim[id].state = L_DISABLED;
		return 0;
	}
	if (d->kind == K_SIZE) {
		if (policy_parse_size(s, &p->lim[id].bytes, r,
		    sizeof(r)) != 0) {
			snprintf(why, n, "%s: %s", d->key, r);
			return -1;
		}
		p->lim[id].state = L_ON;
		return 0;
	}
	if (!d->dive || parse_decimal(s, &v) != 0) {
		snprintf(why, n, "%s: '%s' is not a number", d->key,
		    policy_quoted(s, q, sizeof(q)));
		return -1;
	}
	return set_number(p, id, v, why, n);
}

/* ---- JSON ---- */

static const char *
json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

/* Edit distance of two short keys (both under 64 bytes), else a lot. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[64], cur[64];

	if (la >= 64 || lb >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			if (ins < cur[j])
				cur[j] = ins;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

/* The known key nearest to key, if it is a likely typo; else NULL. */
static const char *
suggest(const char *key)
{
	static const char *const extra[] = { KEY_RULES, KEY_ALLOWANCE,
	    KEY_IGNORE };
	const char *best = NULL, *k;
	size_t i, d, bestd = 3;

	for (i = 0; i < R_COUNT + 3; i++) {
		k = i < R_COUNT ? policy_defs[i].key : extra[i - R_COUNT];
		d = strcasecmp(key, k) == 0 ? 0 : distance(key, k);
		if (d < bestd) {
			bestd = d;
			best = k;
		}
	}
	return best;
}

int
policy_find_rule(const char *key, int dive_only, int nocase)
{
	int i;

	for (i = 0; i < R_COUNT; i++) {
		if (dive_only && !policy_defs[i].dive)
			continue;
		if ((nocase ? strcasecmp(key, policy_defs[i].key) :
		    strcmp(key, policy_defs[i].key)) == 0)
			return i;
	}
	return -1;
}

/* One rule's value from JSON.  0, or -1 and why. */
static int
json_rule(struct policy *p, enum rule_id id, const cJSON *v, char *why,
    size_t n)
{
	const struct rule_def *d = &policy_defs[id];

	if (p->lim[id].state != L_UNSET) {
		snprintf(why, n, "%s is set twice", d->key);
		return -1;
	}
	if (cJSON_IsNumber(v))
		return set_number(p, id, v->valuedouble, why, n);
	if (cJSON_IsString(v) && (d->kind == K_SIZE || d->dive))
		return policy_set_text(p, id, v->valuestring, why, n);
	switch (d->kind) {
	case K_SIZE:
		snprintf(why, n, "%s: expected a size (bytes, or a string such "
		    "as \"2.5GB\"), not %s", d->key, json_type(v));
		break;
	case K_FRACTION:
		snprintf(why, n, "%s: expected a number from 0 to 1, not %s",
		    d->key, json_type(v));
		break;
	case K_PERCENT:
		snprintf(why, n, "%s: expected a number from 0 to 100, not %s",
		    d->key, json_type(v));
		break;
	default:
		snprintf(why, n, "%s: expected a whole number, not %s",
		    d->key, json_type(v));
		break;
	}
	return -1;
}

static int
json_purposes(struct policy *p, const cJSON *v, char *why, size_t n)
{
	const cJSON *e;
	char q[64];
	size_t i;

	if (!cJSON_IsArray(v)) {
		snprintf(why, n, "forbidden_purposes: expected an array of "
		    "purpose names, not %s", json_type(v));
		return -1;
	}
	p->has_forbidden = 1;
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			snprintf(why, n, "forbidden_purposes: expected purpose "
			    "names, not %s", json_type(e));
			return -1;
		}
		for (i = 0; i < POLICY_N_PURPOSES; i++)
			if (strcmp(e->valuestring, policy_purposes[i]) == 0)
				break;
		if (i == POLICY_N_PURPOSES) {
			snprintf(why, n, "forbidden_purposes: unknown purpose "
			    "'%s' (purposes: runtime, training-only, dev-only, "
			    "profiling, build-cache, docs, tests, debug, "
			    "multi-gpu-only, other-gpu-arch, wasted, unknown)",
			    policy_quoted(e->valuestring, q, sizeof(q)));
			return -1;
		}
		if (p->forbidden & (1u << i)) {
			snprintf(why, n, "forbidden_purposes: '%s' is listed "
			    "twice", policy_purposes[i]);
			return -1;
		}
		p->forbidden |= 1u << i;
	}
	return 0;
}

static int
json_ignore(struct policy *p, const cJSON *v, char *why, size_t n)
{
	const cJSON *e;
	char q[64];

	if (!cJSON_IsArray(v)) {
		snprintf(why, n, "ignore_paths: expected an array of globs, "
		    "not %s", json_type(v));
		return -1;
	}
	p->ignore = xcalloc((size_t)cJSON_GetArraySize(v) + 1,
	    sizeof(p->ignore[0]));
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			snprintf(why, n, "ignore_paths: expected globs "
			    "(strings), not %s", json_type(e));
			return -1;
		}
		/* Paths are absolute: a relative glob would match nothing. */
		if (e->valuestring[0] != '/' && e->valuestring[0] != '*') {
			snprintf(why, n, "ignore_paths: '%s' matches nothing: "
			    "paths start with '/' (\"/usr/share/doc/*\")",
			    policy_quoted(e->valuestring, q, sizeof(q)));
			return -1;
		}
		p->ignore[p->n_ignore++] = xstrdup(e->valuestring);
	}
	return 0;
}

/* The members of a JSON policy object (the top, or "rules"). */
static int
json_members(struct policy *p, const cJSON *obj, int nested, char *why,
    size_t n)
{
	const cJSON *v, *w;
	const char *key, *hint;
	char q[64];
	int id;

	cJSON_ArrayForEach(v, obj) {
		key = v->string;
		for (w = obj->child; w != v; w = w->next)
			if (strcmp(w->string, key) == 0) {
				snprintf(why, n, "key '%s' appears twice",
				    policy_quoted(key, q, sizeof(q)));
				return -1;
			}
		if ((id = policy_find_rule(key, nested, 0)) >= 0 &&
		    policy_defs[id].kind != K_PURPOSES) {
			if (json_rule(p, (enum rule_id)id, v, why, n) != 0)
				return -1;
		} else if (!nested && strcmp(key, KEY_RULES) == 0) {
			if (!cJSON_IsObject(v)) {
				snprintf(why, n, "rules: expected an object "
				    "of dive's rules, not %s", json_type(v));
				return -1;
			}
			if (json_members(p, v, 1, why, n) != 0)
				return -1;
		} else if (!nested && id == R_FORBIDDEN) {
			if (json_purposes(p, v, why, n) != 0)
				return -1;
		} else if (!nested && strcmp(key, KEY_ALLOWANCE) == 0) {
			uint64_t b;
			char r[256];

			if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
			    v->valuedouble < 0x1p64 &&
			    v->valuedouble == floor(v->valuedouble))
				b = (uint64_t)v->valuedouble;
			else if (!cJSON_IsString(v)) {
				snprintf(why, n, "%s: expected a size (bytes, "
				    "or a string such as \"10MB\"), not %s",
				    KEY_ALLOWANCE, json_type(v));
				return -1;
			} else if (policy_parse_size(v->valuestring, &b, r,
			    sizeof(r)) != 0) {
				snprintf(why, n, "%s: %s", KEY_ALLOWANCE, r);
				return -1;
			}
			p->allowance = b;
			p->has_allowance = 1;
		} else if (!nested && strcmp(key, KEY_IGNORE) == 0) {
			if (json_ignore(p, v, why, n) != 0)
				return -1;
		} else {
			hint = nested ? NULL : suggest(key);
			snprintf(why, n, "unknown key '%s'%s%s%s%s",
			    policy_quoted(key, q, sizeof(q)),
			    nested ? " in rules (dive's rules are "
			    "lowestEfficiency, highestWastedBytes and "
			    "highestUserWastedPercent)" : "",
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
			return -1;
		}
	}
	return 0;
}

static enum ia_status
load_json(struct policy *p, const char *buf, size_t len,
    struct ia_error *err)
{
	const char *end = NULL, *c;
	char why[640], near[32];
	cJSON *root;
	int line = 1, rc;

	/* The length counts the NUL: cJSON checks that it ends the text. */
	root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	if (root == NULL) {
		/* cJSON blames the end for a trailing comma, too. */
		if (end == NULL || end < buf || end >= buf + len)
			return policy_bad(err, p->path, 0, "not valid JSON: "
			    "it ends early (a missing '}' or a trailing "
			    "comma?)");
		for (c = buf; c < end; c++)
			line += *c == '\n';
		return policy_bad(err, p->path, line, "not valid JSON near "
		    "'%s'", policy_quoted(end, near, sizeof(near)));
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return policy_bad(err, p->path, 0, "a JSON policy is an object "
		    "{\"key\": value, ...}");
	}
	rc = json_members(p, root, 0, why, sizeof(why));
	cJSON_Delete(root);
	if (rc != 0)
		return policy_bad(err, p->path, 0, "%s", why);
	/* Keys that only qualify forbidden_purposes must not stand alone. */
	if (!p->has_forbidden && (p->has_allowance || p->ignore != NULL))
		return policy_bad(err, p->path, 0, "%s applies only to "
		    "forbidden_purposes, which the policy does not set",
		    p->has_allowance ? KEY_ALLOWANCE : KEY_IGNORE);
	return IA_OK;
}

/* ---- loading ---- */

/* Read all of path (at most POLICY_MAX_BYTES) into a NUL-ended buffer. */
static enum ia_status
read_all(const char *path, char **out, size_t *outlen, struct ia_error *err)
{
	enum ia_status rc = IA_OK;
	size_t len = 0, cap = 64 * 1024;
	char *buf = NULL;
	struct stat st;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return policy_bad(err, path, 0, "%s", strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = policy_bad(err, path, 0, "is a directory, not a policy "
		    "file");
		goto out;
	}
	buf = xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > POLICY_MAX_BYTES) {
				rc = policy_bad(err, path, 0, "larger than %d "
				    "bytes, too large for a policy file",
				    POLICY_MAX_BYTES);
				goto out;
			}
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = policy_bad(err, path, 0, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > POLICY_MAX_BYTES) {
		rc = policy_bad(err, path, 0, "larger than %d bytes, too large "
		    "for a policy file", POLICY_MAX_BYTES);
		goto out;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		rc = policy_bad(err, path, 0, "not a text file (it holds a NUL "
		    "byte)");
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

enum ia_status
policy_load(const char *path, struct policy **out, struct ia_error *err)
{
	struct policy *p = NULL;
	enum ia_status rc;
	char *buf = NULL, *text;
	size_t len = 0, skip;

	*out = NULL;
	if ((rc = read_all(path, &buf, &len, err)) != IA_OK)
		goto out;
	p = xcalloc(1, sizeof(*p));
	p->path = xstrdup(path);
	/* A UTF-8 byte order mark is not content. */
	text = buf;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	skip = strspn(text, " \t\r\n");
	if (text[skip] == '{' || text[skip] == '[')
		rc = load_json(p, text, len, err);
	else
		rc = policy_load_dive(p, text, err);
	if (rc != IA_OK)
		goto out;
	*out = p;
	p = NULL;
out:
	policy_free(p);
	free(buf);
	return rc;
}
