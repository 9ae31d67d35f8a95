/* SPDX-License-Identifier: MIT */
/*
 * report_cands.c: the report's candidates[] and purposes[] (docs/report-
 * schema.md), built from candidates.c's ranked list.  Numbers are copied
 * as they are; this file only shapes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"
#include "report.h"
#include "report_private.h"

cJSON *
report_candidates(const struct audit *a)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; a->cands != NULL && i < a->cands->n; i++) {
		const struct candidate *c = &a->cands->v[i];
		cJSON *o = cJSON_CreateObject(), *paths, *tops, *layers;

		rep_int(o, "rank", (int64_t)i + 1);
		rep_str(o, "kind", candidate_kind_name(c->kind));
		rep_str(o, "title", c->title);
		rep_str(o, "purpose", kb_purpose_name(c->purpose));
		rep_int(o, "bytes_saved", c->bytes);
		rep_int(o, "compressed_bytes_saved", c->compressed);
		rep_str(o, "confidence", kb_confidence_name(c->confidence));
		rep_str(o, "reason", c->reason);
		rep_str(o, "fix", c->fix);
		rep_str(o, "command", c->command);
		rep_int(o, "files", c->files);
		paths = cJSON_AddArrayToObject(o, "paths");
		tops = cJSON_AddArrayToObject(o, "top_paths");
		for (k = 0; k < c->n_top; k++) {
			cJSON *t = cJSON_CreateObject();
			char *clean;

			rep_str(t, "path", c->top[k].path);
			rep_int(t, "bytes", c->top[k].bytes);
			cJSON_AddItemToArray(tops, t);
			/* The same (valid UTF-8) text, without the size. */
			clean = cJSON_GetStringValue(cJSON_GetObjectItem(t,
			    "path"));
			cJSON_AddItemToArray(paths, cJSON_CreateString(clean));
		}
		layers = cJSON_AddArrayToObject(o, "layers");
		for (k = 0; k < c->n_layers; k++)
			cJSON_AddItemToArray(layers,
			    cJSON_CreateNumber(c->layers[k]));
		switch (c->kind) {
		case CK_UNINSTALL:
			rep_str(o, "package", c->subject);
			/* FALLTHROUGH */
		case CK_RECOMMENDS: {
			cJSON *p = cJSON_AddArrayToObject(o, "packages");

			for (k = 0; k < c->n_packages; k++) {
				cJSON *s = cJSON_CreateObject();

				rep_str(s, "x", c->packages[k]);
				cJSON_AddItemToArray(p, cJSON_DetachItemFromObject(
				    s, "x"));
				cJSON_Delete(s);
			}
			break;
		}
		case CK_PATHS:
		case CK_BASE:
			rep_str(o, "rule", c->subject);
			break;
		case CK_CUDA:
			rep_str(o, "component", c->subject);
			break;
		case CK_STRIP:
			rep_str(o, "package", c->subject[0] ? c->subject :
			    NULL);
			break;
		case CK_GPU_ARCH:
			rep_str(o, "target_arch", c->subject);
			break;
		default:
			break;
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

cJSON *
report_purposes(const struct audit *a)
{
	cJSON *arr = cJSON_CreateArray();
	int p;

	for (p = 0; a->cands != NULL && p < P_COUNT; p++) {
		cJSON *o;

		if (a->cands->purpose_files[p] == 0)
			continue;
		o = cJSON_CreateObject();
		rep_str(o, "purpose", kb_purpose_name((enum purpose)p));
		rep_int(o, "bytes", a->cands->purpose_bytes[p]);
		rep_int(o, "files", a->cands->purpose_files[p]);
		rep_str(o, "removable", a->kb != NULL &&
		    a->kb->removable[a->profile][p] ? "yes" : "no");
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}
