/* SPDX-License-Identifier: MIT */
/*
 * limits.c: the user's ceilings (limits.h): defaults, and the parsing of
 * one option's value with its range.  Sizes are read by the policy's size
 * parser (go-humanize's units, the ones dive users already write), so
 * `--max-json 16MiB` and a policy's "16MiB" mean the same.  What happens
 * past each ceiling is the business of the module that holds the data:
 * source.c (JSON), layer.c (entries, paths, captured files), pkgdb.c and
 * layer_pipe.c (ratio).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "policy.h"

void
limits_default(struct ia_limits *lim)
{
	lim->max_entries = LIMITS_ENTRIES;
	lim->max_path = LIMITS_PATH;
	lim->max_json = LIMITS_JSON;
	lim->max_pkgdb = LIMITS_PKGDB;
	lim->max_ratio = LIMITS_RATIO;
	lim->ratio_floor = LIMITS_RATIO_FLOOR;
}

const struct ia_limits *
limits_or_default(const struct ia_limits *lim)
{
	static const struct ia_limits defaults = {
		LIMITS_ENTRIES, LIMITS_PATH, LIMITS_JSON, LIMITS_PKGDB,
		LIMITS_RATIO, LIMITS_RATIO_FLOOR
	};

	return lim != NULL ? lim : &defaults;
}

/* A plain decimal count in [lo, hi]: digits only, no sign, no blanks. */
static int
parse_count(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
limits_parse(struct ia_limits *lim, const char *name, const char *value,
    char *why, size_t n)
{
	char a[32], q[64];
	uint64_t size;
	int64_t v;

	if (strcmp(name, "max-entries") == 0) {
		if (parse_count(value, 1, LIMITS_ENTRIES_MAX, &v) != 0)
			goto count;
		lim->max_entries = v;
		return 0;
	}
	if (strcmp(name, "max-path") == 0) {
		if (parse_count(value, 1, LIMITS_PATH_MAX, &v) != 0)
			goto count;
		lim->max_path = v;
		return 0;
	}
	if (strcmp(name, "max-ratio") == 0) {
		if (parse_count(value, 2, LIMITS_RATIO_MAX, &v) != 0)
			goto count;
		lim->max_ratio = v;
		return 0;
	}
	if (strcmp(name, "max-json") == 0 || strcmp(name, "max-pkgdb") == 0) {
		if (policy_parse_size(value, &size, q, sizeof(q)) != 0 ||
		    size < 1 || size > (uint64_t)LIMITS_SIZE_MAX) {
			snprintf(why, n, "--%s takes a size from 1 byte to "
			    "1GiB, like 4096, 100MB or 64MiB, not '%.100s'",
			    name, value);
			return -1;
		}
		if (name[4] == 'j')
			lim->max_json = (int64_t)size;
		else
			lim->max_pkgdb = (int64_t)size;
		return 0;
	}
	snprintf(why, n, "no limit named --%.60s", name);
	return -1;
count:
	snprintf(why, n, "--%s takes a number from %s to %s, not '%.100s'",
	    name, strcmp(name, "max-ratio") == 0 ? "2" : "1",
	    limits_group(strcmp(name, "max-entries") == 0 ?
	    LIMITS_ENTRIES_MAX : strcmp(name, "max-path") == 0 ?
	    LIMITS_PATH_MAX : LIMITS_RATIO_MAX, a, sizeof(a)), value);
	return -1;
}

const char *
limits_group(int64_t v, char *buf, size_t n)
{
	char digits[24];
	size_t len, i, o = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu",
	    (unsigned long long)u);
	if (n == 0)
		return buf;
	if (v < 0 && o + 1 < n)
		buf[o++] = '-';
	for (i = 0; i < len && o + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0) {
			buf[o++] = ',';
			if (o + 1 >= n)
				break;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *
limits_size(int64_t v, char *buf, size_t n)
{
	char a[32];

	if (v > 0 && v % (1LL << 30) == 0)
		snprintf(buf, n, "%lld GiB", (long long)(v >> 30));
	else if (v > 0 && v % (1LL << 20) == 0)
		snprintf(buf, n, "%lld MiB", (long long)(v >> 20));
	else if (v > 0 && v % 1024 == 0)
		snprintf(buf, n, "%lld KiB", (long long)(v >> 10));
	else
		snprintf(buf, n, "%s bytes", limits_group(v, a, sizeof(a)));
	return buf;
}
