/* SPDX-License-Identifier: MIT */
/*
 * layer_fixture.h: layer results written by hand, for the unit tests of
 * the stages after the layer reader (tree.c, dive.c).  A test lists its
 * entries with the macros below; fixture_layer() turns them into a
 * struct layer_result that layer_result_free() frees.
 */
#ifndef IMGAUDIT_LAYER_FIXTURE_H
#define IMGAUDIT_LAYER_FIXTURE_H

#include <stdint.h>

#include "layer.h"

/* One entry as a test writes it. */
struct ent {
	int kind;
	const char *path;
	const char *link;
	int64_t size;
	int flags;
};

#define F(p, n)		{ ENTRY_FILE, (p), NULL, (n), 0 }
#define D(p)		{ ENTRY_DIR, (p), NULL, 0, 0 }
#define DS(p, n)	{ ENTRY_DIR, (p), NULL, (n), 0 }
#define SL(p, to)	{ ENTRY_SYMLINK, (p), (to), 0, 0 }
#define HL(p, to)	{ ENTRY_HARDLINK, (p), (to), 0, 0 }
#define WH(p)		{ ENTRY_WHITEOUT, (p), NULL, 0, 0 }
#define OPQ(p)		{ ENTRY_OPAQUE, (p), NULL, 0, 0 }
#define NELEM(v)	(sizeof(v) / sizeof((v)[0]))

static inline struct layer_result *
fixture_layer(const struct ent *v, size_t n)
{
	struct layer_result *r = xcalloc(1, sizeof(*r));
	size_t i;

	r->entries = xcalloc(n ? n : 1, sizeof(*r->entries));
	r->n_entries = n;
	for (i = 0; i < n; i++) {
		r->entries[i].kind = (uint8_t)v[i].kind;
		r->entries[i].path = xstrdup(v[i].path);
		r->entries[i].link = v[i].link ? xstrdup(v[i].link) : NULL;
		r->entries[i].size = v[i].size;
		r->entries[i].flags = (uint8_t)v[i].flags;
	}
	return r;
}

#endif
