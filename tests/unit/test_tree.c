/* SPDX-License-Identifier: MIT */
/*
 * test_tree.c: the final-tree merge on small layers written by hand.  Every
 * expected number is counted in the comment above its assertion, from the
 * entries alone, never from what tree.c printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layer_fixture.h"
#include "tree.h"

#define MAXLAYERS	8

struct fx {
	struct layer_result *r[MAXLAYERS];
	size_t n;
	struct tree *t;
	struct tree_totals tot;
	struct findings f;
};

static void
add_layer(struct fx *fx, const struct ent *v, size_t n)
{
	assert_true(fx->n < MAXLAYERS);
	fx->r[fx->n++] = fixture_layer(v, n);
}

#define LAYER(fx, v)	add_layer((fx), (v), NELEM(v))

static void
merge(struct fx *fx)
{
	size_t i;

	fx->t = tree_new();
	for (i = 0; i < fx->n; i++)
		tree_apply(fx->t, fx->r[i], (int)i, &fx->f);
	tree_finish(fx->t, &fx->tot, &fx->f);
}

static int
setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fx));
	return 0;
}

/* The tree goes first: it borrows the layers' strings. */
static int
teardown(void **state)
{
	struct fx *fx = *state;
	size_t i, j;

	tree_free(fx->t);
	for (i = 0; i < fx->n; i++) {
		for (j = 0; j < fx->r[i]->n_entries; j++) {
			free(fx->r[i]->entries[j].path);
			free(fx->r[i]->entries[j].link);
		}
		free(fx->r[i]->entries);
		free(fx->r[i]);
	}
	findings_free(&fx->f);
	free(fx);
	return 0;
}

static size_t
count_kind(const struct findings *f, const char *kind)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].kind, kind) == 0)
			n++;
	return n;
}

static void
test_whiteout_file(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("a"), F("a/f", 100), F("a/g", 50) };
	static const struct ent l1[] = { WH("a/f") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* Left: a, a/g.  a/f's 100 bytes from layer 0 are waste. */
	assert_int_equal(fx->tot.final_entries, 2);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 50);
	assert_int_equal(fx->tot.n_layers, 2);
	assert_int_equal(fx->tot.layer_wasted[0], 100);
	assert_int_equal(fx->tot.layer_wasted[1], 0);
	assert_int_equal(fx->tot.wasted_bytes, 100);
	assert_int_equal(fx->f.n, 0);
}

static void
test_whiteout_dir(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("d"), D("d/x"), F("d/x/1", 10), F("d/2", 20), F("e", 5)
	};
	static const struct ent l1[] = { WH("d"), WH("nothing/there") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* Only e stays; d/x/1 + d/2 = 30 bytes of layer 0 wasted. */
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 5);
	assert_int_equal(fx->tot.layer_wasted[0], 30);
	assert_int_equal(fx->tot.wasted_bytes, 30);
}

static void
test_opaque(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("d"), F("d/a", 10), D("d/s"), F("d/s/b", 20), F("keep", 1)
	};
	/* The marker comes last in the tar: it still hides only layer 0. */
	static const struct ent l1[] = { D("d"), F("d/c", 7), OPQ("d") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* Left: d, d/c, keep.  d/a + d/s/b = 30 bytes wasted in layer 0. */
	assert_int_equal(fx->tot.final_entries, 3);
	assert_int_equal(fx->tot.final_files, 2);
	assert_int_equal(fx->tot.final_bytes, 8);
	assert_int_equal(fx->tot.layer_wasted[0], 30);
	assert_int_equal(fx->tot.layer_wasted[1], 0);
}

static void
test_opaque_root(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("a", 3), D("b"), F("b/c", 4) };
	static const struct ent l1[] = { OPQ(""), F("z", 2) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* ".wh..wh..opq" at the top hides all of layer 0 (3 + 4). */
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_bytes, 2);
	assert_int_equal(fx->tot.layer_wasted[0], 7);
}

static void
test_overwrite(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 100) };
	static const struct ent l1[] = { F("f", 40) };
	static const struct ent l2[] = { F("f", 10) };
	struct tree_file *v;
	size_t n;

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	merge(fx);
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_bytes, 10);
	assert_int_equal(fx->tot.layer_wasted[0], 100);
	assert_int_equal(fx->tot.layer_wasted[1], 40);
	assert_int_equal(fx->tot.layer_wasted[2], 0);
	assert_int_equal(fx->tot.wasted_bytes, 140);

	/* The two wasted versions, largest first, under the path written. */
	n = tree_wasted(fx->t, 10, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "/f");
	assert_int_equal(v[0].size, 100);
	assert_int_equal(v[0].layer, 0);
	assert_int_equal(v[0].kind, ENTRY_FILE);
	assert_string_equal(v[1].path, "/f");
	assert_int_equal(v[1].size, 40);
	assert_int_equal(v[1].layer, 1);
	tree_files_free(v, n);
}

static void
test_same_layer_twice(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 9), F("f", 4) };

	LAYER(fx, l0);
	merge(fx);
	/* The later entry wins, as on extraction; the first is waste. */
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_bytes, 4);
	assert_int_equal(fx->tot.layer_wasted[0], 9);
}

static void
test_file_over_dir(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("p"), D("p/q"), F("p/q/r", 30), F("p/s", 3)
	};
	static const struct ent l1[] = { F("p", 8) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* p is a file now; everything that was below it (30 + 3) is gone. */
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 8);
	assert_int_equal(fx->tot.layer_wasted[0], 33);
}

static void
test_dir_over_dir_and_file(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("d"), F("d/a", 5), F("x", 6),
		SL("y", "x") };
	static const struct ent l1[] = { D("d"), D("x"), D("y") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/*
	 * d over d keeps d/a; x (a file) and y (a symlink) become
	 * directories: d, d/a, x, y.  x's 6 bytes are waste.
	 */
	assert_int_equal(fx->tot.final_entries, 4);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 5);
	assert_int_equal(fx->tot.layer_wasted[0], 6);
}

static void
test_hardlink_once(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("bin"), F("bin/a", 1000), HL("bin/b", "bin/a"),
		HL("bin/c", "bin/b")
	};

	LAYER(fx, l0);
	merge(fx);
	/* Three names, one copy of the data. */
	assert_int_equal(fx->tot.final_files, 3);
	assert_int_equal(fx->tot.final_entries, 4);
	assert_int_equal(fx->tot.final_bytes, 1000);
	assert_int_equal(fx->tot.wasted_bytes, 0);
	assert_int_equal(fx->f.n, 0);
}

static void
test_hardlink_survives_delete(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("bin"), F("bin/a", 1000), HL("bin/b", "bin/a"), F("c", 7)
	};
	static const struct ent l1[] = { WH("bin/a"), HL("d", "c") };
	static const struct ent l2[] = { F("c", 2) };
	static const struct ent l3[] = { WH("bin/b") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/*
	 * After layer 1: bin/b still holds a's data, d shares c's.
	 * bin, bin/b, c, d: 3 files, 1000 + 7 bytes, nothing wasted.
	 */
	assert_int_equal(fx->tot.final_entries, 4);
	assert_int_equal(fx->tot.final_files, 3);
	assert_int_equal(fx->tot.final_bytes, 1007);
	assert_int_equal(fx->tot.wasted_bytes, 0);

	tree_free(fx->t);
	LAYER(fx, l2);
	LAYER(fx, l3);
	memset(&fx->tot, 0, sizeof(fx->tot));
	merge(fx);
	/*
	 * Layer 2 replaces c, but d keeps the old 7 bytes; layer 3 deletes
	 * the last name of a's data: 1000 wasted in layer 0.
	 * Left: bin, c (2 bytes), d (7 bytes).
	 */
	assert_int_equal(fx->tot.final_entries, 3);
	assert_int_equal(fx->tot.final_files, 2);
	assert_int_equal(fx->tot.final_bytes, 9);
	assert_int_equal(fx->tot.layer_wasted[0], 1000);
	assert_int_equal(fx->tot.layer_wasted[2], 0);
	assert_int_equal(fx->tot.wasted_bytes, 1000);
}

static void
test_hardlink_missing(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("gone", 5), D("dir") };
	/* Whiteouts go first, so "gone" is missing for this layer's link. */
	static const struct ent l1[] = {
		HL("x", "nope"), HL("y", "gone"), WH("gone"), HL("z", "dir")
	};

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* dir, x, y, z; the links are empty files. */
	assert_int_equal(fx->tot.final_entries, 4);
	assert_int_equal(fx->tot.final_files, 3);
	assert_int_equal(fx->tot.final_bytes, 0);
	assert_int_equal(fx->tot.layer_wasted[0], 5);
	assert_int_equal(fx->f.n, 3);
	assert_string_equal(fx->f.v[0].kind, "hardlink-missing");
	assert_string_equal(fx->f.v[0].title, "hard link to a missing file");
	assert_string_equal(fx->f.v[0].detail, "layer 1: /x -> /nope");
	assert_string_equal(fx->f.v[1].detail, "layer 1: /y -> /gone");
	assert_string_equal(fx->f.v[2].kind, "hardlink-directory");
	assert_string_equal(fx->f.v[2].detail, "layer 1: /z -> /dir");
}

static void
test_hardlink_to_itself(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 12) };
	static const struct ent l1[] = { HL("f", "f") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* The link replaces its own target and keeps its data alive. */
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 12);
	assert_int_equal(fx->tot.wasted_bytes, 0);
	assert_int_equal(fx->f.n, 0);
}

static void
test_symlink_loop(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		SL("a", "b"), SL("b", "a"),	/* a loop of two */
		SL("c", "c/x"),			/* goes through itself */
		D("e"), F("f", 1),
		SL("ok", "/e/../f"),		/* fine: /f */
		SL("up", "../../../../f"),	/* clamped: /f */
		SL("dot", "."),			/* the root: fine */
		SL("e/self", "../e/self/../self"),	/* loop via e */
		SL("dangling", "/nowhere"),		/* not reported */
		SL("stdout", "/proc/self/fd/1"),	/* not reported */
	};
	size_t i;
	int saw_a = 0, saw_b = 0, saw_c = 0, saw_self = 0;

	LAYER(fx, l0);
	merge(fx);
	/* 9 symlinks + e + f; f is the only file. */
	assert_int_equal(fx->tot.final_entries, 11);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(count_kind(&fx->f, "symlink-loop"), 4);
	assert_int_equal(fx->f.n, 4);
	for (i = 0; i < fx->f.n; i++) {
		assert_string_equal(fx->f.v[i].title, "symbolic link loop");
		saw_a += strcmp(fx->f.v[i].detail, "/a -> b") == 0;
		saw_b += strcmp(fx->f.v[i].detail, "/b -> a") == 0;
		saw_c += strcmp(fx->f.v[i].detail, "/c -> c/x") == 0;
		saw_self += strcmp(fx->f.v[i].detail,
		    "/e/self -> ../e/self/../self") == 0;
	}
	assert_int_equal(saw_a + saw_b + saw_c + saw_self, 4);
}

static void
test_symlink_chain(void **state)
{
	struct fx *fx = *state;
	struct ent v[11];
	char names[10][16], targets[10][8];
	int i;

	/* l0 -> l1 -> ... -> l9 -> t: at most 10 follows, no loop. */
	for (i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d", i);
		snprintf(targets[i], sizeof(targets[i]), "l%d", i + 1);
		v[i] = (struct ent)SL(names[i], targets[i]);
	}
	snprintf(targets[9], sizeof(targets[9]), "t");
	v[10] = (struct ent)F("t", 1);
	add_layer(fx, v, NELEM(v));
	merge(fx);
	assert_int_equal(fx->tot.final_entries, 11);
	assert_int_equal(fx->f.n, 0);
}

static void
test_symlink_hop_limit(void **state)
{
	struct fx *fx = *state;
	struct ent v[42];
	char names[42][16], targets[42][16];
	int i;

	/* m0 -> m1 -> ... -> m40 -> t: following m0 takes 41 hops. */
	for (i = 0; i <= 40; i++) {
		snprintf(names[i], sizeof(names[i]), "m%d", i);
		snprintf(targets[i], sizeof(targets[i]), "m%d", i + 1);
		v[i] = (struct ent)SL(names[i], targets[i]);
	}
	snprintf(targets[40], sizeof(targets[40]), "t");
	v[41] = (struct ent)F("t", 1);
	add_layer(fx, v, 42);
	merge(fx);
	/* Only m0 is more than 40 follows from a file. */
	assert_int_equal(fx->f.n, 1);
	assert_string_equal(fx->f.v[0].detail, "/m0 -> m1");
}

static void
test_implicit_parents(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("usr/lib/x.so", 10) };
	static const struct ent l1[] = { D("usr/lib") };
	struct tree_file *v;
	size_t n;

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* usr, usr/lib made implicitly; layer 1's dir keeps x.so. */
	assert_int_equal(fx->tot.final_entries, 3);
	assert_int_equal(fx->tot.final_files, 1);
	assert_int_equal(fx->tot.final_bytes, 10);

	/* Equal bytes: ordered by path, "/usr" before "/usr/lib". */
	n = tree_largest_dirs(fx->t, 10, 0, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "/usr");
	assert_int_equal(v[0].size, 10);
	assert_int_equal(v[0].kind, ENTRY_DIR);
	assert_string_equal(v[1].path, "/usr/lib");
	assert_int_equal(v[1].size, 10);
	assert_int_equal(v[1].layer, 1);
	tree_files_free(v, n);
}

static void
test_per_layer_wasted(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("a", 1), F("b", 2), F("c", 4) };
	static const struct ent l1[] = { F("a", 8), WH("b"), F("d", 16) };
	static const struct ent l2[] = { WH("a"), F("d", 32), F("e", 64) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	merge(fx);
	/*
	 * Layer 0 loses a (1) and b (2); layer 1 loses a (8) and d (16);
	 * layer 2 keeps d (32) and e (64); c (4) stays from layer 0.
	 */
	assert_int_equal(fx->tot.layer_wasted[0], 3);
	assert_int_equal(fx->tot.layer_wasted[1], 24);
	assert_int_equal(fx->tot.layer_wasted[2], 0);
	assert_int_equal(fx->tot.wasted_bytes, 27);
	assert_int_equal(fx->tot.final_bytes, 100);
	/* Nothing is lost: final + wasted = every byte of every layer. */
	assert_int_equal(fx->tot.final_bytes + fx->tot.wasted_bytes,
	    1 + 2 + 4 + 8 + 16 + 32 + 64);
}

static void
test_largest_files(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		F("z", 5), F("b", 9), F("a", 9), F("tiny", 1), F("empty", 0),
		HL("a2", "a"), HL("0link", "b")
	};
	static const struct ent l1[] = { F("z", 7) };
	struct tree_file *v;
	size_t n;

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/*
	 * a and a2 share 9 bytes, b and 0link share 9: each listed once,
	 * under its first path ("/0link" < "/b", "/a" < "/a2").
	 */
	n = tree_largest_files(fx->t, 10, &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].path, "/0link");
	assert_int_equal(v[0].size, 9);
	assert_int_equal(v[0].kind, ENTRY_HARDLINK);
	assert_int_equal(v[0].layer, 0);
	assert_string_equal(v[1].path, "/a");
	assert_int_equal(v[1].kind, ENTRY_FILE);
	assert_string_equal(v[2].path, "/z");
	assert_int_equal(v[2].size, 7);
	assert_int_equal(v[2].layer, 1);
	assert_string_equal(v[3].path, "/tiny");
	tree_files_free(v, n);

	n = tree_largest_files(fx->t, 2, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].path, "/a");
	tree_files_free(v, n);

	n = tree_largest_files(fx->t, 0, &v);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void
test_largest_dirs(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("opt"), D("opt/m"), F("opt/m/w", 100),
		HL("opt/m/w2", "opt/m/w"),
		D("opt/n"), HL("opt/n/w3", "opt/m/w"), F("opt/n/v", 1),
		D("srv"), F("srv/x", 50), F("srv/y", 51),
		D("empty")
	};
	struct tree_file *v;
	size_t n;

	LAYER(fx, l0);
	merge(fx);
	assert_int_equal(fx->tot.final_bytes, 202);
	/*
	 * One inode, three names: /opt/m counts it once (100), /opt/n once
	 * (100 + 1), /opt once (101).  /srv 101.  /empty has no bytes.
	 * Ties by path: /opt, /opt/n, /srv; then /opt/m.
	 */
	n = tree_largest_dirs(fx->t, 10, 0, &v);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].path, "/opt");
	assert_int_equal(v[0].size, 101);
	assert_string_equal(v[1].path, "/opt/n");
	assert_int_equal(v[1].size, 101);
	assert_string_equal(v[2].path, "/srv");
	assert_int_equal(v[2].size, 101);
	assert_string_equal(v[3].path, "/opt/m");
	assert_int_equal(v[3].size, 100);
	tree_files_free(v, n);

	/* One component deep: /opt and /srv only. */
	n = tree_largest_dirs(fx->t, 10, 1, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "/opt");
	assert_string_equal(v[1].path, "/srv");
	tree_files_free(v, n);
}

static void
test_path_under_file(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 4) };
	static const struct ent l1[] = { F("f/x", 2) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* f becomes a directory holding x; f's 4 bytes are waste. */
	assert_int_equal(fx->tot.final_entries, 2);
	assert_int_equal(fx->tot.final_bytes, 2);
	assert_int_equal(fx->tot.layer_wasted[0], 4);
	assert_int_equal(fx->f.n, 1);
	assert_string_equal(fx->f.v[0].kind, "path-under-file");
	assert_string_equal(fx->f.v[0].detail,
	    "layer 1: /f/x (a parent was replaced by a directory)");
}

static void
test_symlink_parent(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		D("usr"), D("usr/lib"), SL("lib", "usr/lib"),
		F("usr/lib/old", 6)
	};
	/* A usr-merged base; this layer writes through the link. */
	static const struct ent l1[] = {
		F("lib/foo", 3), WH("lib/old"), D("lib/sub"), F("lib/sub/z", 1)
	};
	struct tree_file *v;
	size_t n;

	LAYER(fx, l0);
	LAYER(fx, l1);
	merge(fx);
	/* usr, usr/lib, lib, usr/lib/foo, usr/lib/sub, usr/lib/sub/z. */
	assert_int_equal(fx->tot.final_entries, 6);
	assert_int_equal(fx->tot.final_bytes, 4);
	assert_int_equal(fx->tot.layer_wasted[0], 6);
	assert_int_equal(fx->f.n, 0);
	n = tree_largest_files(fx->t, 10, &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "/usr/lib/foo");
	assert_string_equal(v[1].path, "/usr/lib/sub/z");
	tree_files_free(v, n);
}

static void
test_unsafe_skipped(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		{ ENTRY_FILE, "very/long/name", NULL, 11, ENTRY_F_UNSAFE },
		{ ENTRY_WHITEOUT, "kept", NULL, 0, ENTRY_F_UNSAFE },
		F("kept", 2)
	};

	LAYER(fx, l0);
	merge(fx);
	/* Not placed, not applied; its 11 bytes came along all the same. */
	assert_int_equal(fx->tot.final_entries, 1);
	assert_int_equal(fx->tot.final_bytes, 2);
	assert_int_equal(fx->tot.layer_wasted[0], 11);
}

static void
test_empty(void **state)
{
	struct fx *fx = *state;
	struct tree_file *v;

	merge(fx);
	assert_int_equal(fx->tot.final_entries, 0);
	assert_int_equal(fx->tot.final_bytes, 0);
	assert_int_equal(fx->tot.n_layers, 0);
	assert_int_equal(tree_largest_files(fx->t, 5, &v), 0);
	assert_null(v);
	assert_int_equal(tree_largest_dirs(fx->t, 5, 2, &v), 0);
	assert_null(v);
	assert_int_equal(tree_wasted(fx->t, 5, &v), 0);
	assert_null(v);
	tree_files_free(NULL, 0);
	tree_free(NULL);
}

/*
 * Many entries: 100 directories of 1000 files each, half the directories
 * deleted by the next layer.  Checks the hash table grows and subtree
 * deletion stays exact at scale.
 */
static void
test_scale(void **state)
{
	struct fx *fx = *state;
	struct layer_result *r0, *r1;
	struct tree_file *v;
	size_t i, j, k, n;
	char buf[32];

	r0 = xcalloc(1, sizeof(*r0));
	r0->n_entries = 100 * 1001;
	r0->entries = xcalloc(r0->n_entries, sizeof(*r0->entries));
	for (i = 0, k = 0; i < 100; i++) {
		snprintf(buf, sizeof(buf), "d%zu", i);
		r0->entries[k].kind = ENTRY_DIR;
		r0->entries[k++].path = xstrdup(buf);
		for (j = 0; j < 1000; j++) {
			snprintf(buf, sizeof(buf), "d%zu/f%zu", i, j);
			r0->entries[k].kind = ENTRY_FILE;
			r0->entries[k].size = (int64_t)(j + 1);
			r0->entries[k++].path = xstrdup(buf);
		}
	}
	r1 = xcalloc(1, sizeof(*r1));
	r1->n_entries = 50;
	r1->entries = xcalloc(r1->n_entries, sizeof(*r1->entries));
	for (i = 0; i < 50; i++) {
		snprintf(buf, sizeof(buf), "d%zu", 2 * i);
		r1->entries[i].kind = ENTRY_WHITEOUT;
		r1->entries[i].path = xstrdup(buf);
	}
	fx->r[fx->n++] = r0;
	fx->r[fx->n++] = r1;
	merge(fx);
	/* Σ 1..1000 = 500500 per directory; 50 stay, 50 are waste. */
	assert_int_equal(fx->tot.final_entries, 50 * 1001);
	assert_int_equal(fx->tot.final_files, 50 * 1000);
	assert_int_equal(fx->tot.final_bytes, 50 * 500500);
	assert_int_equal(fx->tot.layer_wasted[0], 50 * 500500);
	/* Largest: the 1000-byte file of the odd directories, by path. */
	n = tree_largest_files(fx->t, 3, &v);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].path, "/d1/f999");
	assert_string_equal(v[1].path, "/d11/f999");
	assert_string_equal(v[2].path, "/d13/f999");
	tree_files_free(v, n);
	n = tree_wasted(fx->t, 1, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "/d0/f999");
	tree_files_free(v, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whiteout_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_opaque, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opaque_root, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overwrite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_same_layer_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_file_over_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dir_over_dir_and_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_survives_delete,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_to_itself, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_loop, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_chain, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_hop_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_implicit_parents, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_per_layer_wasted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_largest_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_largest_dirs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_path_under_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_parent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_skipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scale, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
