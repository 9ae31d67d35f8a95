/* SPDX-License-Identifier: MIT */
/*
 * main.c: set the process up and hand over to the front end (cli.c).
 */
#include <locale.h>

#include "cli.h"

int
main(int argc, char **argv)
{
	/* Entry names in pax headers are UTF-8; let libarchive keep them so. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	return cli_main(argc, argv);
}
