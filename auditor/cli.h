/* SPDX-License-Identifier: MIT */
/*
 * cli.h: the front end.  cli_main() reads argv, runs one subcommand and
 * returns the exit status of DESIGN.md (0 ok, 1 policy, 2 usage or input,
 * 3 internal).  It and main.c are the only code that prints to the user.
 */
#ifndef IMGAUDIT_CLI_H
#define IMGAUDIT_CLI_H

#define IMGAUDIT_VERSION "0.1.0"

int cli_main(int argc, char **argv);

#endif
