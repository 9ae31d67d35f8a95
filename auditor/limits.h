/* SPDX-License-Identifier: MIT */
/*
 * limits.h: the ceilings a user may move — entries in one layer, the
 * length of one path, the size of one JSON document and of one package-
 * database file, the decompression ratio — in one struct of plain
 * integers (docs/limits.md).
 *
 *	struct ia_limits lim;
 *	limits_default(&lim);
 *	if (limits_parse(&lim, "max-json", "16MiB", why, sizeof(why)) != 0)
 *		usage error, why says what the option takes;
 *	opts.limits = lim;                        // audit.h
 *
 * The struct is carried by value in struct audit_options and borrowed
 * (const pointer) by the source, the layer reader and the package
 * databases; a NULL pointer there means limits_default().  Anything that
 * keys a stored result on the options that shape it hashes every field.
 * The other ceilings of docs/limits.md stay compile-time constants.
 */
#ifndef IMGAUDIT_LIMITS_H
#define IMGAUDIT_LIMITS_H

#include <stddef.h>
#include <stdint.h>

/* Defaults; docs/limits.md says why each is what it is. */
#define LIMITS_ENTRIES		2000000		/* --max-entries */
#define LIMITS_PATH		4096		/* --max-path: Linux PATH_MAX */
#define LIMITS_JSON		(64LL << 20)	/* --max-json */
#define LIMITS_PKGDB		(64LL << 20)	/* --max-pkgdb */
#define LIMITS_RATIO		100		/* --max-ratio */
#define LIMITS_RATIO_FLOOR	(256LL * 1000 * 1000)

/* What each option accepts (usage errors outside it). */
#define LIMITS_ENTRIES_MAX	100000000	/* ~20 GB of entries */
#define LIMITS_PATH_MAX		32768		/* tree.c/dive.c: 16-bit */
#define LIMITS_SIZE_MAX		(1LL << 30)	/* held whole in memory */
#define LIMITS_RATIO_MAX	1000000

struct ia_limits {
	int64_t max_entries;	/* entries kept from one layer; past it the
				   image is refused */
	int64_t max_path;	/* bytes of one entry name; past it the entry
				   is unsafe (a finding) */
	int64_t max_json;	/* bytes of one manifest, index or config;
				   past it the image is refused */
	int64_t max_pkgdb;	/* bytes of one package-database (or loader)
				   file; past it not read (a finding) */
	int64_t max_ratio;	/* decompression ratio of a layer, N:1 ... */
	int64_t ratio_floor;	/* ... checked past this many tar bytes */
};

void limits_default(struct ia_limits *lim);

/* lim when not NULL, else a static copy of the defaults. */
const struct ia_limits *limits_or_default(const struct ia_limits *lim);

/*
 * Set the limit of option name ("max-entries", "max-path", "max-json",
 * "max-pkgdb", "max-ratio", without the dashes) from the text value.
 * Sizes take go-humanize's units, as policies do (policy_parse_size():
 * 64MiB, 100MB, 1.5GiB, 4096); counts are plain decimal numbers.  Returns
 * 0, or -1 with why saying what the option takes (lim unchanged).
 */
int limits_parse(struct ia_limits *lim, const char *name, const char *value,
    char *why, size_t n);

/* "2,000,000": v with thousands separators, in buf. */
const char *limits_group(int64_t v, char *buf, size_t n);

/* "64 MiB" when v is a whole number of MiB or KiB, else "1,000 bytes". */
const char *limits_size(int64_t v, char *buf, size_t n);

#endif
