/* SPDX-License-Identifier: MIT */
/*
 * policy_dive.c: dive's .dive-ci file, the YAML subset dive's README
 * documents: "rules:" and under it one indented "key: value" line per
 * rule, with comments.  Parsed by hand, line by line; anything else (flow
 * style, anchors, other keys, tabs) is refused with its line, since a
 * gate must not pass because a rule was silently not read.  Values are
 * read by policy_load.c's policy_set_text(), as dive reads them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "policy.h"
#include "policy_private.h"

/*
 * Cut a comment off line (in place): '#' at the start or after a blank,
 * outside quotes, as YAML reads it.  Then drop trailing blanks.
 */
static void
yaml_strip(char *s)
{
	char quote = 0, *t;

	for (t = s; *t != '\0'; t++) {
		if (quote != 0) {
			if (*t == quote)
				quote = 0;
		} else if (*t == '\'' || *t == '"') {
			quote = *t;
		} else if (*t == '#' && (t == s || t[-1] == ' ' ||
		    t[-1] == '\t')) {
			*t = '\0';
			break;
		}
	}
	for (t = s + strlen(s); t > s && (t[-1] == ' ' || t[-1] == '\t' ||
	    t[-1] == '\r'); t--)
		t[-1] = '\0';
}

/*
 * Split "key: value" (in place): *key and *value point into s, value ""
 * when the line is "key:".  Returns 0, or -1 when s has no ": ".
 */
static int
yaml_split(char *s, char **key, char **value)
{
	char *c;

	for (c = s; (c = strchr(c, ':')) != NULL; c++)
		if (c[1] == '\0' || c[1] == ' ' || c[1] == '\t')
			break;
	if (c == NULL || c == s)
		return -1;
	*c++ = '\0';
	while (*c == ' ' || *c == '\t')
		c++;
	*key = s;
	*value = c;
	return 0;
}

/* One rule line's value: plain, or quoted with ' or " (no escapes). */
static int
yaml_scalar(char *v, char *why, size_t n)
{
	size_t len = strlen(v);

	if (len == 0) {
		snprintf(why, n, "no value (write 'disabled' to turn the "
		    "rule off)");
		return -1;
	}
	if (v[0] == '\'' || v[0] == '"') {
		if (len < 2 || v[len - 1] != v[0] ||
		    memchr(v + 1, v[0], len - 2) != NULL ||
		    (v[0] == '"' && memchr(v + 1, '\\', len - 2) != NULL)) {
			snprintf(why, n, "a quoted value must be one plain "
			    "quoted word, like '20MB'");
			return -1;
		}
		memmove(v, v + 1, len - 2);
		v[len - 2] = '\0';
		return 0;
	}
	if (strchr("{[&*!|>%@`", v[0]) != NULL) {
		snprintf(why, n, "only plain values are supported (a number, "
		    "a size or disabled), not '%c...'", v[0]);
		return -1;
	}
	return 0;
}

/* dive's defaults for the rules a .dive-ci file leaves out. */
static void
dive_defaults(struct policy *p)
{
	struct limit *l;

	l = &p->lim[R_DIVE_EFF];
	if (l->state == L_UNSET) {
		l->state = L_ON;
		l->x = 0.9;
	}
	l = &p->lim[R_DIVE_WASTED];
	if (l->state == L_UNSET)
		l->state = L_DISABLED;
	l = &p->lim[R_DIVE_USER];
	if (l->state == L_UNSET) {
		l->state = L_ON;
		l->x = 0.1;
	}
}

enum ia_status
policy_load_dive(struct policy *p, char *buf, struct ia_error *err)
{
	char *s, *next, *key, *value, why[640], q[64];
	const char *f = p->path;
	int ln = 0, in_rules = 0, rules_seen = 0, content = 0, id;
	size_t indent, rule_indent = 0;

	for (s = buf; s != NULL; s = next) {
		ln++;
		if ((next = strchr(s, '\n')) != NULL)
			*next++ = '\0';
		yaml_strip(s);
		indent = strspn(s, " \t");
		if (s[indent] == '\0')
			continue;
		if (memchr(s, '\t', indent) != NULL)
			return policy_bad(err, f, ln, "a tab in the "
			    "indentation (YAML indents with spaces)");
		if (!content++ && strcmp(s, "---") == 0)
			continue;
		if (indent > 0 && !in_rules)
			return policy_bad(err, f, ln, "unexpected indentation "
			    "(rules go under 'rules:')");
		if (yaml_split(s + indent, &key, &value) != 0)
			return policy_bad(err, f, ln, "expected 'key: value', "
			    "not '%s'",
			    policy_quoted(s + indent, q, sizeof(q)));
		if (indent == 0) {
			/* viper matches keys in any case; so do we. */
			if (strcasecmp(key, KEY_RULES) != 0)
				return policy_bad(err, f, ln, "unknown key "
				    "'%s' (a .dive-ci file holds only "
				    "'rules:')",
				    policy_quoted(key, q, sizeof(q)));
			if (rules_seen)
				return policy_bad(err, f, ln, "'rules:' "
				    "appears twice");
			if (*value != '\0')
				return policy_bad(err, f, ln, "write each "
				    "rule on an indented line under 'rules:' "
				    "(flow style is not supported)");
			rules_seen = in_rules = 1;
			rule_indent = 0;
			continue;
		}
		if (rule_indent == 0)
			rule_indent = indent;
		else if (indent != rule_indent)
			return policy_bad(err, f, ln, "inconsistent "
			    "indentation (the rules above are indented by %zu)",
			    rule_indent);
		if ((id = policy_find_rule(key, 1, 1)) < 0)
			return policy_bad(err, f, ln, "unknown rule '%s' "
			    "(dive's rules are lowestEfficiency, "
			    "highestWastedBytes and highestUserWastedPercent)",
			    policy_quoted(key, q, sizeof(q)));
		if (p->lim[id].state != L_UNSET)
			return policy_bad(err, f, ln, "%s is set twice (first "
			    "on line %d)", policy_defs[id].key,
			    p->lim[id].line);
		if (yaml_scalar(value, why, sizeof(why)) != 0)
			return policy_bad(err, f, ln, "%s: %s",
			    policy_defs[id].key, why);
		if (policy_set_text(p, (enum rule_id)id, value, why,
		    sizeof(why)) != 0)
			return policy_bad(err, f, ln, "%s", why);
		p->lim[id].line = ln;
	}
	/* An empty file is more likely a mistake than dive's defaults. */
	if (!rules_seen)
		return policy_bad(err, f, 0, "no 'rules:' (neither a JSON "
		    "policy nor a .dive-ci file)");
	dive_defaults(p);
	return IA_OK;
}
