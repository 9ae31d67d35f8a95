/* SPDX-License-Identifier: MIT */
/*
 * main.c: set the process up and hand over to the front end (cli.c).
 */
#include <locale.h>
#include <malloc.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	/*
	 * One malloc arena: each layer's threads would otherwise get their
	 * own, and keep its freed pages (29 MB more peak RSS on make bench's
	 * image, no measurable speed-up: the hot threads hardly allocate).
	 */
	mallopt(M_ARENA_MAX, 1);
	/* Entry names in pax headers are UTF-8; let libarchive keep them so. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	return cli_main(argc, argv);
}
