/* SPDX-License-Identifier: MIT */
/*
 * policy_private.h: what the policy files share and nobody else sees: the
 * rule table, the loaded policy, and the helpers the JSON reader
 * (policy_load.c) and the .dive-ci reader (policy_dive.c) both use.
 */
#ifndef IMGAUDIT_POLICY_PRIVATE_H
#define IMGAUDIT_POLICY_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "policy.h"

/* The rules, in the order they are checked and reported. */
enum rule_id {
	R_FINAL,
	R_COMPRESSED,
	R_WASTED,
	R_WASTED_PCT,
	R_EFFICIENCY,
	R_REMOVABLE,
	R_LAYERS,
	R_FORBIDDEN,
	R_DIVE_EFF,
	R_DIVE_WASTED,
	R_DIVE_USER,
	R_COUNT
};

enum rule_kind {
	K_SIZE,		/* bytes: a number, or a string "2.5GB" */
	K_FRACTION,	/* 0..1 */
	K_PERCENT,	/* 0..100 */
	K_COUNT,	/* a whole number */
	K_PURPOSES	/* forbidden_purposes: an array, checked apart */
};

struct rule_def {
	const char *key;
	enum rule_kind kind;
	int dive;		/* a dive key: strings as dive reads them */
	int floor;		/* broken when actual < limit (else >) */
	const char *total;	/* the totals member compared */
};

/* Indexed by enum rule_id (policy.c). */
extern const struct rule_def policy_defs[R_COUNT];

/* The keys that are not rules of their own. */
#define KEY_RULES	"rules"
#define KEY_ALLOWANCE	"forbidden_purposes_allowance"
#define KEY_IGNORE	"ignore_paths"

/* DESIGN.md's purposes; forbidden_purposes names only these. */
#define POLICY_N_PURPOSES	12
extern const char *const policy_purposes[POLICY_N_PURPOSES];

enum limit_state { L_UNSET, L_ON, L_DISABLED };

struct limit {
	enum limit_state state;
	uint64_t bytes;		/* K_SIZE */
	double x;		/* the other kinds */
	int line;		/* where a .dive-ci set it, for "set twice" */
};

struct policy {
	char *path;
	struct limit lim[R_COUNT];
	unsigned forbidden;	/* bit i: purposes[i] is forbidden */
	int has_forbidden;	/* forbidden_purposes was given */
	uint64_t allowance;
	int has_allowance;
	char **ignore;
	size_t n_ignore;
};

/*
 * A value from the policy file, quoted for a message: at most 40 bytes,
 * control characters as '?', so a binary file cannot garble the terminal.
 */
const char *policy_quoted(const char *s, char *buf, size_t n);
/* Fill err with "PATH[:LINE]: message" and return IA_EINPUT. */
enum ia_status policy_bad(struct ia_error *err, const char *path, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* v in the fewest digits that read back as v ("0.1", not "0.1000..01"). */
const char *policy_shortest(double v, char *buf, size_t n);
/*
 * Set rule id from text: a size for K_SIZE rules, and for dive's rules
 * what dive accepts there ("disabled", a decimal, a size).  Returns 0, or
 * -1 with the reason in why (n bytes).
 */
int policy_set_text(struct policy *p, enum rule_id id, const char *s,
    char *why, size_t n);
/* The rule named key (only dive's with dive_only), or -1. */
int policy_find_rule(const char *key, int dive_only, int nocase);
/* Read a .dive-ci file held in buf (changed in place) into p. */
enum ia_status policy_load_dive(struct policy *p, char *buf,
    struct ia_error *err);

#endif
