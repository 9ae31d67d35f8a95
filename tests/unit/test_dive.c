/* SPDX-License-Identifier: MIT */
/*
 * test_dive.c: dive's efficiency figures on small layers written by hand.
 * The comment above each check works the number out the way dive's
 * Efficiency() does (filetree/efficiency.go): per layer, the leaves of
 * that layer's own tree, children sorted by name; per path Σ sizes, the
 * smallest size, and the count of visits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dive.h"
#include "layer_fixture.h"

#define MAXLAYERS	8

struct fx {
	struct layer_result *r[MAXLAYERS];
	size_t n;
	struct dive_figures d;
};

static void
add_layer(struct fx *fx, const struct ent *v, size_t n)
{
	assert_true(fx->n < MAXLAYERS);
	fx->r[fx->n++] = fixture_layer(v, n);
}

#define LAYER(fx, v)	add_layer((fx), (v), NELEM(v))

static void
compute(struct fx *fx)
{
	assert_int_equal(dive_compute(fx->r, fx->n, &fx->d), 0);
}

static int
setup(void **state)
{
	*state = xcalloc(1, sizeof(struct fx));
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	size_t i, j;

	for (i = 0; i < fx->n; i++) {
		for (j = 0; j < fx->r[i]->n_entries; j++) {
			free(fx->r[i]->entries[j].path);
			free(fx->r[i]->entries[j].link);
		}
		free(fx->r[i]->entries);
		free(fx->r[i]);
	}
	free(fx);
	return 0;
}

/* The same IEEE operations as dive_compute(): exact comparison is fair. */
#define assert_ratio(x, num, den) \
	assert_true((x) == (double)(num) / (double)(den))

static void
test_empty(void **state)
{
	struct fx *fx = *state;

	compute(fx);
	/* Nothing discovered: dive says 1.0, and we say 0 % wasted. */
	assert_true(fx->d.efficiency == 1.0);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 0);
	assert_int_equal(fx->d.user_size_bytes, 0);
	assert_true(fx->d.user_wasted_percent == 0.0);
}

static void
test_single_layer(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("bin"), F("bin/a", 10),
		F("bin/b", 20) };

	LAYER(fx, l0);
	compute(fx);
	/* Each path once: Σ smallest = Σ all = 30. */
	assert_true(fx->d.efficiency == 1.0);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 30);
	assert_int_equal(fx->d.user_size_bytes, 0);
	assert_true(fx->d.user_wasted_percent == 0.0);
}

static void
test_overwrite(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("a", 100), F("k", 5) };
	static const struct ent l1[] = { F("a", 40) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	compute(fx);
	/*
	 * a: 100 + 40 = 140, smallest 40, 2 visits; k: 5.
	 * efficiency (40 + 5) / (140 + 5); wasted 140 (the kept copy too);
	 * user size 40, so 140 / 40 = 3.5.
	 */
	assert_ratio(fx->d.efficiency, 45, 145);
	assert_int_equal(fx->d.wasted_bytes, 140);
	assert_int_equal(fx->d.size_bytes, 145);
	assert_int_equal(fx->d.user_size_bytes, 40);
	assert_true(fx->d.user_wasted_percent == 3.5);
}

static void
test_three_versions(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("a", 50) };
	static const struct ent l1[] = { F("a", 10) };
	static const struct ent l2[] = { F("a", 30) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	compute(fx);
	/* a: 90, smallest 10 (not the last one); user 40: 90 / 40. */
	assert_ratio(fx->d.efficiency, 10, 90);
	assert_int_equal(fx->d.wasted_bytes, 90);
	assert_int_equal(fx->d.user_size_bytes, 40);
	assert_ratio(fx->d.user_wasted_percent, 90, 40);
}

static void
test_whiteout_file(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 100), F("g", 10) };
	static const struct ent l1[] = { WH("f"), F("h", 1) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	compute(fx);
	/*
	 * ".wh.f" is a leaf for path f; f was a file below: size 0.
	 * f: 100 + 0, smallest 0, 2 visits; g 10; h 1.
	 * efficiency (0 + 10 + 1) / (100 + 10 + 1); wasted 100; user 1.
	 */
	assert_ratio(fx->d.efficiency, 11, 111);
	assert_int_equal(fx->d.wasted_bytes, 100);
	assert_int_equal(fx->d.size_bytes, 111);
	assert_int_equal(fx->d.user_size_bytes, 1);
	assert_true(fx->d.user_wasted_percent == 100.0);
}

static void
test_whiteout_dir(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("d"), F("d/x", 30), F("d/y", 20),
		F("z", 5) };
	static const struct ent l1[] = { WH("d"), F("w", 1) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	compute(fx);
	/*
	 * Layer 0's leaves: d/x, d/y, z (d has children: not a leaf).
	 * ".wh.d" counts d's subtree below, 0 + 30 + 20, as one visit of
	 * path d: every path seen once, so no waste and efficiency 1.
	 * The layers hold 30 + 20 + 5 and 1 bytes.
	 */
	assert_true(fx->d.efficiency == 1.0);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 56);
	assert_int_equal(fx->d.user_size_bytes, 1);
	assert_true(fx->d.user_wasted_percent == 0.0);
}

static void
test_whiteout_dir_payload(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("d"), F("d/x", 10) };
	static const struct ent l1[] = { F("d/y", 20) };
	static const struct ent l2[] = { WH("d") };
	static const struct ent l3[] = { D("d") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	LAYER(fx, l3);
	compute(fx);
	/*
	 * Layer 1 has d only as an implicit parent: stacking it gives d an
	 * empty payload, no longer a directory, so ".wh.d" in layer 2
	 * counts 0.  Layer 3's empty d is a second visit of d:
	 * d: 0 + 0, 2 visits.  Σ smallest = Σ all = 10 + 20 + 0.
	 */
	assert_true(fx->d.efficiency == 1.0);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 30);
	assert_int_equal(fx->d.user_size_bytes, 20);
}

static void
test_whiteout_dir_explicit(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("d"), F("d/x", 10) };
	static const struct ent l1[] = { D("d"), F("d/y", 20) };
	static const struct ent l2[] = { WH("d") };
	static const struct ent l3[] = { D("d") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	LAYER(fx, l3);
	compute(fx);
	/*
	 * The same, but layer 1 names d: it stays a directory, and ".wh.d"
	 * counts 0 + 10 + 20 = 30.  d: 30 + 0, smallest 0, 2 visits.
	 * efficiency (10 + 20 + 0) / (10 + 20 + 30); wasted 30; user 20.
	 */
	assert_ratio(fx->d.efficiency, 30, 60);
	assert_int_equal(fx->d.wasted_bytes, 30);
	assert_int_equal(fx->d.user_size_bytes, 20);
	assert_ratio(fx->d.user_wasted_percent, 30, 20);
}

static void
test_whiteout_missing(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("a", 10) };
	static const struct ent l1[] = { F("c", 5), WH("b"), F("-x", 3) };
	static const struct ent l2[] = { F("c", 7) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	compute(fx);
	/*
	 * Layer 1 in name order: "-x" (0x2d), ".wh.b" (0x2e), "c".  b is
	 * in no lower layer: dive's lookup fails after it made b's entry
	 * (smallest -1), and the rest of layer 1 (c, 5) is never visited.
	 * a 10; -x 3; b 0 / -1; c 7 (layer 2 only, one visit).
	 * efficiency (10 + 3 - 1 + 7) / (10 + 3 + 0 + 7); no waste.
	 */
	assert_ratio(fx->d.efficiency, 19, 20);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 25);
	assert_int_equal(fx->d.user_size_bytes, 15);
	assert_true(fx->d.user_wasted_percent == 0.0);
}

static void
test_whiteout_in_base(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { WH("f"), F("g", 4) };
	static const struct ent l1[] = { F("g", 4) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	compute(fx);
	/*
	 * For layer 0 dive looks in a copy of layer 0 itself: no f there,
	 * so f gets -1 and layer 0's g is skipped.  g: 4 once (layer 1).
	 * efficiency (-1 + 4) / (0 + 4).
	 */
	assert_ratio(fx->d.efficiency, 3, 4);
	assert_int_equal(fx->d.wasted_bytes, 0);
	assert_int_equal(fx->d.size_bytes, 8);
	assert_int_equal(fx->d.user_size_bytes, 4);
}

static void
test_opaque_ignored(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { D("d"), F("d/a", 10), F("e", 7) };
	static const struct ent l1[] = { OPQ("d"), D("d"), F("d/b", 5),
		OPQ("e") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	compute(fx);
	/*
	 * The markers are never added, but their directories are: layer 1
	 * gets an implicit, empty e, a leaf of size 0 for path e.
	 * d/a 10; e: 7 + 0, smallest 0, 2 visits; d/b 5.
	 * efficiency (10 + 0 + 5) / (10 + 7 + 5); wasted 7; user 5.
	 */
	assert_ratio(fx->d.efficiency, 15, 22);
	assert_int_equal(fx->d.wasted_bytes, 7);
	assert_int_equal(fx->d.size_bytes, 22);
	assert_int_equal(fx->d.user_size_bytes, 5);
	assert_ratio(fx->d.user_wasted_percent, 7, 5);
}

static void
test_leaves_only(void **state)
{
	struct fx *fx = *state;
	/* Directory sizes are never this in a real tar; here they show. */
	static const struct ent l0[] = { DS("d", 7), F("d/x", 1) };
	static const struct ent l1[] = { DS("d", 3) };
	static const struct ent l2[] = { DS("d", 5) };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	compute(fx);
	/*
	 * Layer 0's d has a child: not visited.  Layers 1 and 2 hold d
	 * alone: leaves.  d/x 1; d: 3 + 5, smallest 3, 2 visits.
	 * efficiency (1 + 3) / (1 + 8); wasted 8; sizes 8 + 3 + 5.
	 */
	assert_ratio(fx->d.efficiency, 4, 9);
	assert_int_equal(fx->d.wasted_bytes, 8);
	assert_int_equal(fx->d.size_bytes, 16);
	assert_int_equal(fx->d.user_size_bytes, 8);
	assert_true(fx->d.user_wasted_percent == 1.0);
}

static void
test_unsafe_and_links(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = {
		{ ENTRY_FILE, "a/very/long/name", NULL, 9, ENTRY_F_UNSAFE },
		F("y", 1), HL("z", "y")
	};

	LAYER(fx, l0);
	compute(fx);
	/*
	 * The unsafe entry counts in the layer's size but is no path;
	 * the hard link is a leaf of its header size, 0.
	 * y 1, z 0: efficiency 1 / 1.
	 */
	assert_true(fx->d.efficiency == 1.0);
	assert_int_equal(fx->d.size_bytes, 10);
	assert_int_equal(fx->d.wasted_bytes, 0);
}

static void
test_whiteout_after_delete(void **state)
{
	struct fx *fx = *state;
	static const struct ent l0[] = { F("f", 8), F("g", 2) };
	static const struct ent l1[] = { WH("f") };
	static const struct ent l2[] = { WH("f") };

	LAYER(fx, l0);
	LAYER(fx, l1);
	LAYER(fx, l2);
	compute(fx);
	/*
	 * Layer 1: f found in the stack (a file): 0.  Layer 2: f is gone
	 * from the stack; the lookup fails, but f already had an entry, so
	 * nothing changes.  f: 8 + 0, smallest 0, 2 visits; g 2.
	 * efficiency (0 + 2) / (8 + 2); wasted 8; user size 0: 0 %.
	 */
	assert_ratio(fx->d.efficiency, 2, 10);
	assert_int_equal(fx->d.wasted_bytes, 8);
	assert_int_equal(fx->d.user_size_bytes, 0);
	assert_true(fx->d.user_wasted_percent == 0.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_layer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_overwrite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_three_versions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_dir, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_dir_payload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_dir_explicit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_missing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_in_base, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_opaque_ignored, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_leaves_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_and_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_after_delete,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
