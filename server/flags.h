/* flags.h: gliad's options from flags and GLIA_* environment variables. */
#ifndef GLIA_FLAGS_H
#define GLIA_FLAGS_H

#include <stdio.h>

#include "server/server.h"

/* Fill `opt`. Returns 0 to go on, 1 after printing --help (exit 0), or 2 after printing
 * what is wrong (the process's exit code). */
int glia_options_parse(int argc, char **argv, glia_options_t *opt);

/* Print the daemon's flags to `f`, one a line: flag, environment variable, help. */
void glia_options_print(FILE *f);

#endif
