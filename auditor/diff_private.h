/* SPDX-License-Identifier: MIT */
/*
 * diff_private.h: what diff.c and diff_files.c share.
 */
#ifndef IMGAUDIT_DIFF_PRIVATE_H
#define IMGAUDIT_DIFF_PRIVATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct audit;

/*
 * The "files" object of the diff (docs/diff.md): counts and bytes of the
 * files added, removed and changed between the final trees of o and n,
 * and the top largest of each.  The caller owns the returned object.
 */
cJSON *diff_files(const struct audit *o, const struct audit *n, size_t top);

#endif
