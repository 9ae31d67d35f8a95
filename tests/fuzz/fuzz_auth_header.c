/* SPDX-License-Identifier: MIT */
/*
 * fuzz_auth_header.c: the registry's WWW-Authenticate parser
 * (registry_parse_challenge() in registry_auth.c) on a hostile header
 * value, with every output wanted and with none.  Header values are text:
 * the input is cut at its first NUL, as curl would hand it over.
 */
#include "fuzz.h"
#include "registry.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h, *scheme, *realm, *service, *scope;

	if (size > 65536)
		return 0;
	h = xstrndup((const char *)data, size);
	if (registry_parse_challenge(h, &scheme, &realm, &service,
	    &scope) == 0) {
		free(scheme);
		free(realm);
		free(service);
		free(scope);
	}
	(void)registry_parse_challenge(h, NULL, NULL, NULL, NULL);
	free(h);
	return 0;
}
