/* SPDX-License-Identifier: MIT */
/*
 * policy.h: the CI gate of `imgaudit audit IMAGE --policy FILE`
 * (docs/policy.md).  A policy is a set of limits on the report's totals
 * and on the purposes of the final tree's files, read from imgaudit's JSON
 * format or from dive's .dive-ci file.
 *
 *	struct policy *p;
 *	struct policy_result res;
 *	if (policy_load(path, &p, &err) != IA_OK) ... exit 2, err.msg
 *	rc = policy_check(p, report, files, n_files, &res);  // 0, 1 or -1
 *	cJSON_AddItemToObject(report, "policy", policy_result_json(p, &res));
 *	policy_result_free(&res);
 *	policy_free(p);
 *
 * Ownership: the policy owns what it read; a result owns its violations
 * and is freed by policy_result_free() whatever policy_check() returned.
 * Nothing here prints or exits.
 */
#ifndef IMGAUDIT_POLICY_H
#define IMGAUDIT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common.h"

/* Policy files larger than this are refused. */
#define POLICY_MAX_BYTES	(1024 * 1024)

struct policy;			/* opaque */

/*
 * Read a policy file: imgaudit's JSON format, or dive's .dive-ci (YAML
 * subset).  A file whose first non-blank character is '{' or '[' is JSON,
 * anything else is read as a .dive-ci file.  Returns IA_OK and *out (free
 * it with policy_free()), or IA_EINPUT with err->msg naming the file and
 * the problem on one line, e.g. "policy.json: max_final_size: '12XB' is
 * not a size"; *out is then NULL.
 */
enum ia_status policy_load(const char *path, struct policy **out,
    struct ia_error *err);
/* Accepts NULL. */
void policy_free(struct policy *p);
/* The path policy_load() was given (for "imgaudit: policy FILE: ..."). */
const char *policy_path(const struct policy *p);
/* How many rules the policy sets ("disabled" dive rules excluded). */
size_t policy_n_rules(const struct policy *p);

/*
 * One broken rule.  rule is the key as the policy names it
 * ("max_final_size", "lowestEfficiency"); message is one line that starts
 * with the rule and gives the limit and the actual value.  limit and
 * actual are in the rule's unit: bytes, a count, a 0..1 fraction or, for
 * max_wasted_percent, a percentage.
 */
struct policy_violation {
	char *rule;
	char *message;
	double limit;
	double actual;
};

struct policy_result {
	struct policy_violation *v;
	size_t n;
	size_t n_rules_checked;
};

/* One file of the final tree, as the classifier sees it. */
struct policy_file {
	const char *path;	/* "/usr/lib/x.so" */
	int64_t bytes;
	const char *purpose;	/* "runtime", ...; NULL means "unknown" */
};

/*
 * Check the policy against report, the v1 JSON report (its "totals"), and
 * files[0..n_files), every regular file of the final tree with its purpose
 * (files may be NULL when n_files is 0).  Rules are checked in a fixed
 * order (docs/policy.md), so the violations come out in that order.
 * Returns 0 when every rule holds, 1 when some rule is broken, -1 when the
 * report lacks a total a rule needs (a bug in the caller).  res is always
 * set; free it with policy_result_free().
 */
int policy_check(const struct policy *p, const cJSON *report,
    const struct policy_file *files, size_t n_files,
    struct policy_result *res);
/* Free what res holds and empty it; accepts NULL. */
void policy_result_free(struct policy_result *res);

/*
 * The result as JSON for the report's "policy" member:
 * {"file","passed","rules_checked","violations":[{"rule","message","limit",
 * "actual"}]}.  The caller owns the returned item (or adds it to the
 * report, which then owns it).
 */
cJSON *policy_result_json(const struct policy *p,
    const struct policy_result *res);

/*
 * A size as dive reads highestWastedBytes (go-humanize's ParseBytes): a
 * decimal number, then optional blanks and a unit, case-insensitive: none
 * or B, k/kB, M/MB, ... E/EB (powers of 1000), Ki/KiB ... Ei/EiB (powers
 * of 1024); the product is truncated to whole bytes.  Returns 0 and *out,
 * or -1 with a reason in why (n bytes).
 */
int policy_parse_size(const char *s, uint64_t *out, char *why, size_t n);

#endif
