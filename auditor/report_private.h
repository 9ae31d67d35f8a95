/* SPDX-License-Identifier: MIT */
/*
 * report_private.h: what the report builders share.  report.c builds the
 * image, layer and tree parts of the model; report_pkgs.c the package
 * parts and the `why` document.  Renderers see report.h only.
 */
#ifndef IMGAUDIT_REPORT_PRIVATE_H
#define IMGAUDIT_REPORT_PRIVATE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "audit.h"

/* Add a string (invalid UTF-8 replaced; NULL becomes null), a number. */
void rep_str(cJSON *o, const char *key, const char *s);
void rep_int(cJSON *o, const char *key, int64_t v);

/* packages[]: every package, largest first. */
cJSON *report_packages(const struct audit *a);

/* attribution{}: owned and unowned bytes, the top unowned directories. */
cJSON *report_attribution(const struct audit *a, size_t top);

/* binaries{}: ELF files, debug bytes, GPU code, link problems. */
cJSON *report_binaries(const struct audit *a, size_t top);

/* candidates[] and purposes[] (report_cands.c). */
cJSON *report_candidates(const struct audit *a);
cJSON *report_purposes(const struct audit *a);

#endif
