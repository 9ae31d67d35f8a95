/* SPDX-License-Identifier: MIT */
/*
 * dive.h: the figures dive prints, computed the way dive computes them, so
 * that teams who gate CI on dive's numbers can compare like with like.
 * docs/metrics.md states the definitions and how they differ from ours.
 *
 *	struct dive_figures d;
 *	dive_compute(layers, n, &d);
 */
#ifndef IMGAUDIT_DIVE_H
#define IMGAUDIT_DIVE_H

#include <stddef.h>
#include <stdint.h>

#include "layer.h"

struct dive_figures {
	double efficiency;		/* Σ smallest version / Σ all versions; 1 when empty */
	int64_t wasted_bytes;		/* Σ all versions of paths seen in 2+ layers */
	int64_t size_bytes;		/* Σ layer sizes (tar header sizes) */
	int64_t user_size_bytes;	/* the same without the first layer */
	double user_wasted_percent;	/* wasted / user size; 0 when user size is 0 */
};

/*
 * Returns 0, or -1 when the layers hold more names than dive's trees can
 * number (2^32: an image far larger than memory would allow anyway).
 */
int dive_compute(struct layer_result *const *layers, size_t n,
    struct dive_figures *out);

#endif
