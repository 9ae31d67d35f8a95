/* SPDX-License-Identifier: MIT */
/*
 * fuzz_link_header.c: the registry's Link header parser
 * (registry_parse_link_next() in registry.c) on a hostile value, and the
 * URL it yields resolved against a base as the tag and catalog listings
 * do (registry_url_resolve()).  The input is cut at its first NUL.
 */
#include "fuzz.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h, *next, *url;

	if (size > 65536)
		return 0;
	h = xstrndup((const char *)data, size);
	next = registry_parse_link_next(h);
	if (next != NULL) {
		url = registry_url_resolve("https://registry.example:5000/v2/"
		    "r/tags/list?n=100", next);
		free(url);
		free(next);
	}
	/* The header value itself as a URL, absolute or relative. */
	url = registry_url_resolve("http://h/v2/_catalog", h);
	free(url);
	free(h);
	return 0;
}
