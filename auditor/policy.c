/* SPDX-License-Identifier: MIT */
/*
 * policy.c: the CI gate.  Checks a loaded policy (policy_load.c, and
 * policy_dive.c for .dive-ci files) against the report's totals and the
 * purposes of the final tree's files, and describes every broken rule on
 * one line, sizes as docker prints them.
 *
 * dive's three rules are reproduced as dive (github.com/wagoodman/dive,
 * runtime/ci/rule.go and cmd/dive/cli/internal/command/ci/rules.go)
 * evaluates them: the same strict comparisons, the same value syntax
 * (strconv.ParseFloat, and go-humanize's ParseBytes for sizes), the same
 * ranges and the same defaults for a .dive-ci file.  Computing the figures
 * is left to tree.c and dive.c, the purposes to the classifier, and
 * printing and the exit status to cli.c.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "policy.h"
#include "policy_private.h"
#include "report.h"

/* In the order the rules are checked and reported (docs/policy.md). */
const struct rule_def policy_defs[R_COUNT] = {
	[R_FINAL] = { "max_final_size", K_SIZE, 0, 0, "final_bytes" },
	[R_COMPRESSED] = { "max_compressed_size", K_SIZE, 0, 0,
	    "compressed_bytes" },
	[R_WASTED] = { "max_wasted_size", K_SIZE, 0, 0, "wasted_bytes" },
	[R_WASTED_PCT] = { "max_wasted_percent", K_PERCENT, 0, 0,
	    "wasted_bytes" },
	[R_EFFICIENCY] = { "min_efficiency", K_FRACTION, 0, 1, "efficiency" },
	[R_REMOVABLE] = { "max_removable_size", K_SIZE, 0, 0,
	    "removable_bytes" },
	[R_LAYERS] = { "max_layers", K_COUNT, 0, 0, "layers" },
	[R_FORBIDDEN] = { "forbidden_purposes", K_PURPOSES, 0, 0, NULL },
	[R_DIVE_EFF] = { "lowestEfficiency", K_FRACTION, 1, 1,
	    "dive_efficiency" },
	[R_DIVE_WASTED] = { "highestWastedBytes", K_SIZE, 1, 0,
	    "dive_wasted_bytes" },
	[R_DIVE_USER] = { "highestUserWastedPercent", K_FRACTION, 1, 0,
	    "dive_user_wasted_percent" },
};

const char *const policy_purposes[POLICY_N_PURPOSES] = {
	"runtime", "training-only", "dev-only", "profiling", "build-cache",
	"docs", "tests", "debug", "multi-gpu-only", "other-gpu-arch",
	"wasted", "unknown"
};

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_ignore; i++)
		free(p->ignore[i]);
	free(p->ignore);
	free(p->path);
	free(p);
}

const char *
policy_path(const struct policy *p)
{
	return p->path;
}

size_t
policy_n_rules(const struct policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < R_COUNT; i++)
		n += p->lim[i].state == L_ON;
	return n + (p->forbidden != 0);
}

/* ---- checking ---- */

static void
add_violation(struct policy_result *res, enum rule_id id, double limit,
    double actual, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
add_violation(struct policy_result *res, enum rule_id id, double limit,
    double actual, const char *fmt, ...)
{
	struct policy_violation *v;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	res->v = xrealloc(res->v, (res->n + 1) * sizeof(res->v[0]));
	v = &res->v[res->n++];
	v->rule = xstrdup(policy_defs[id].key);
	v->message = xstrdup(msg);
	v->limit = limit;
	v->actual = actual;
}

/* A total of the report: 0 and *out (finite, >= 0), or -1. */
static int
total(const cJSON *totals, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(totals, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return -1;
	*out = v->valuedouble;
	return 0;
}

/*
 * Two sizes as docker prints them; when both print alike ("2MB" over a
 * "2MB" limit) the exact byte counts follow, so the line makes sense.
 */
static void
two_sizes(double actual, uint64_t limit, char *a, char *l, size_t n)
{
	char ha[16], hl[16];
	int64_t ia = actual >= 0x1p63 ? INT64_MAX : (int64_t)actual;
	int64_t il = limit > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)limit;

	report_human_size(ia, ha, sizeof(ha));
	report_human_size(il, hl, sizeof(hl));
	if (strcmp(ha, hl) == 0 && ia != il) {
		snprintf(a, n, "%s (%lld bytes)", ha, (long long)ia);
		snprintf(l, n, "%s (%lld bytes)", hl, (long long)il);
	} else {
		snprintf(a, n, "%s", ha);
		snprintf(l, n, "%s", hl);
	}
}

/*
 * The limit as written, the actual value in three digits or as many more
 * as it takes to differ from the limit ("0.9499999999999998" under 0.95).
 */
static void
two_numbers(double actual, double limit, char *a, char *l, size_t n)
{
	int prec;

	policy_shortest(limit, l, n);
	for (prec = 3; prec <= 17; prec++) {
		snprintf(a, n, "%.*g", prec, actual);
		if (strcmp(a, l) != 0 || actual == limit)
			break;
	}
}

/* A path from the image, safe on one line: controls as \xNN, long cut. */
static const char *
safe_path(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s), i, o = 0;

	/* Keep the tail, which names the file. */
	if (len > 100) {
		memcpy(buf, "...", 3);
		o = 3;
		s += len - 97;
	}
	for (i = 0; s[i] != '\0' && o + 5 < n; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(buf + o, 5, "\\x%02x", (unsigned char)s[i]);
			o += 4;
		} else
			buf[o++] = s[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Is path ignored: does a glob match it, or a directory above it? */
static int
ignored(const struct policy *p, const char *path)
{
	char dir[4096];
	size_t i, k, len = strlen(path);

	for (i = 0; i < p->n_ignore; i++) {
		if (fnmatch(p->ignore[i], path, 0) == 0)
			return 1;
		if (len >= sizeof(dir))
			continue;
		for (k = len; k > 1; k--) {
			if (path[k - 1] != '/' || k - 1 == 0)
				continue;
			memcpy(dir, path, k - 1);
			dir[k - 1] = '\0';
			if (fnmatch(p->ignore[i], dir, 0) == 0)
				return 1;
		}
	}
	return 0;
}

static void
check_forbidden(const struct policy *p, const struct policy_file *files,
    size_t n_files, struct policy_result *res)
{
	uint64_t bytes[POLICY_N_PURPOSES] = { 0 }, sum = 0;
	size_t count[POLICY_N_PURPOSES] = { 0 }, i, k, big = (size_t)-1;
	char parts[512], a[48], l[48], b[16], path[512];
	const char *purpose;
	size_t o = 0;

	for (i = 0; i < n_files; i++) {
		purpose = files[i].purpose ? files[i].purpose : "unknown";
		for (k = 0; k < POLICY_N_PURPOSES; k++)
			if (strcmp(purpose, policy_purposes[k]) == 0)
				break;
		if (k == POLICY_N_PURPOSES || !(p->forbidden & (1u << k)) ||
		    files[i].bytes < 0 || ignored(p, files[i].path))
			continue;
		bytes[k] += (uint64_t)files[i].bytes;
		count[k]++;
		sum += (uint64_t)files[i].bytes;
		if (big == (size_t)-1 || files[i].bytes > files[big].bytes)
			big = i;
	}
	/* Strict like every other rule: the allowance itself is allowed. */
	if (sum <= p->allowance)
		return;
	parts[0] = '\0';
	for (k = 0; k < POLICY_N_PURPOSES; k++) {
		if (count[k] == 0 || o >= sizeof(parts))
			continue;
		report_human_size((int64_t)bytes[k], a, sizeof(a));
		o += (size_t)snprintf(parts + o, sizeof(parts) - o,
		    "%s%s %s in %zu file%s", o ? ", " : "",
		    policy_purposes[k], a, count[k], count[k] == 1 ? "" : "s");
	}
	two_sizes((double)sum, p->allowance, a, l, sizeof(a));
	add_violation(res, R_FORBIDDEN, (double)p->allowance, (double)sum,
	    "forbidden_purposes: the final tree holds %s of forbidden files "
	    "(%s), over the %s allowance; largest: %s (%s)", a, parts, l,
	    safe_path(files[big].path, path, sizeof(path)),
	    report_human_size(files[big].bytes, b, sizeof(b)));
}

int
policy_check(const struct policy *p, const cJSON *report,
    const struct policy_file *files, size_t n_files,
    struct policy_result *res)
{
	const cJSON *totals = cJSON_GetObjectItemCaseSensitive(report,
	    "totals");
	char a[64], l[64];
	double actual, layer_bytes;
	const struct limit *lim;
	int i, broken;

	memset(res, 0, sizeof(*res));
	if (!cJSON_IsObject(totals))
		return -1;
	for (i = 0; i < R_COUNT; i++) {
		lim = &p->lim[i];
		if (i == R_FORBIDDEN) {
			if (p->forbidden == 0)
				continue;
			res->n_rules_checked++;
			check_forbidden(p, files, n_files, res);
			continue;
		}
		if (lim->state != L_ON)
			continue;
		res->n_rules_checked++;
		if (total(totals, policy_defs[i].total, &actual) != 0)
			goto fail;
		if (i == R_WASTED_PCT) {
			if (total(totals, "layer_bytes", &layer_bytes) != 0)
				goto fail;
			actual = layer_bytes > 0 ? 100 * actual / layer_bytes :
			    0;
		}
		/* dive's comparisons, strict both ways: a limit is allowed. */
		if (policy_defs[i].kind == K_SIZE)
			broken = actual >= 0x1p64 ||
			    (uint64_t)actual > lim->bytes;
		else if (policy_defs[i].floor)
			broken = actual < lim->x;
		else
			broken = actual > lim->x;
		if (!broken)
			continue;
		if (policy_defs[i].kind == K_SIZE)
			two_sizes(actual, lim->bytes, a, l, sizeof(a));
		else
			two_numbers(actual, lim->x, a, l, sizeof(a));
		switch (i) {
		case R_FINAL:
			add_violation(res, i, (double)lim->bytes, actual,
			    "max_final_size: the final tree is %s, over the %s "
			    "limit", a, l);
			break;
		case R_COMPRESSED:
			add_violation(res, i, (double)lim->bytes, actual,
			    "max_compressed_size: the image pulls %s "
			    "compressed, over the %s limit", a, l);
			break;
		case R_WASTED:
			add_violation(res, i, (double)lim->bytes, actual,
			    "max_wasted_size: %s is wasted (hidden by later "
			    "layers), over the %s limit", a, l);
			break;
		case R_WASTED_PCT:
			add_violation(res, i, lim->x, actual,
			    "max_wasted_percent: %s%% of the layer bytes are "
			    "wasted, over the %s%% limit", a, l);
			break;
		case R_EFFICIENCY:
			add_violation(res, i, lim->x, actual,
			    "min_efficiency: the efficiency is %s, under the "
			    "%s minimum", a, l);
			break;
		case R_REMOVABLE:
			add_violation(res, i, (double)lim->bytes, actual,
			    "max_removable_size: the removal candidates would "
			    "save %s, over the %s limit", a, l);
			break;
		case R_LAYERS:
			add_violation(res, i, lim->x, actual,
			    "max_layers: the image has %s layers, over the "
			    "limit of %s", a, l);
			break;
		case R_DIVE_EFF:
			add_violation(res, i, lim->x, actual,
			    "lowestEfficiency: dive's efficiency is %s, under "
			    "the %s threshold", a, l);
			break;
		case R_DIVE_WASTED:
			add_violation(res, i, (double)lim->bytes, actual,
			    "highestWastedBytes: dive counts %s wasted, over "
			    "the %s threshold", a, l);
			break;
		case R_DIVE_USER:
			add_violation(res, i, lim->x, actual,
			    "highestUserWastedPercent: dive's user wasted "
			    "fraction is %s, over the %s threshold", a, l);
			break;
		default:
			break;
		}
	}
	return res->n > 0;
fail:
	policy_result_free(res);
	return -1;
}

void
policy_result_free(struct policy_result *res)
{
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->n; i++) {
		free(res->v[i].rule);
		free(res->v[i].message);
	}
	free(res->v);
	memset(res, 0, sizeof(*res));
}

cJSON *
policy_result_json(const struct policy *p, const struct policy_result *res)
{
	cJSON *o = cJSON_CreateObject(), *arr, *v;
	size_t i;

	if (o == NULL)
		ia_oom(sizeof(*o));
	cJSON_AddStringToObject(o, "file", p->path);
	cJSON_AddBoolToObject(o, "passed", res->n == 0);
	cJSON_AddNumberToObject(o, "rules_checked",
	    (double)res->n_rules_checked);
	arr = cJSON_AddArrayToObject(o, "violations");
	if (arr == NULL)
		ia_oom(sizeof(*o));
	for (i = 0; i < res->n; i++) {
		if ((v = cJSON_CreateObject()) == NULL)
			ia_oom(sizeof(*v));
		cJSON_AddStringToObject(v, "rule", res->v[i].rule);
		cJSON_AddStringToObject(v, "message", res->v[i].message);
		cJSON_AddNumberToObject(v, "limit", res->v[i].limit);
		cJSON_AddNumberToObject(v, "actual", res->v[i].actual);
		cJSON_AddItemToArray(arr, v);
	}
	return o;
}
