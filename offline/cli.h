/* cli.h: the offline programs (gliad run, gliad experiment) and the small helpers
 * gliad's command-line entry points share (flags.c parses the daemon's flags with them). */
#ifndef GLIA_CLI_H
#define GLIA_CLI_H

#include <jansson.h>
#include <stdint.h>

/* Parse a whole decimal integer in [min, max]. Returns 0 or GLIA_EINVAL. */
int glia_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Load a JSON file (duplicate keys rejected). On failure prints
 * "<prog>: <path>:<line>:<col>: <text>" to stderr and returns NULL. */
json_t *glia_cli_load_json(const char *prog, const char *path);

/* Print `json` (pretty unless compact) and a newline to stdout. Returns 0, GLIA_ENOMEM or
 * GLIA_EIO. */
int glia_cli_print_json(const json_t *json, int compact);

/* `gliad run ...`: one batch run; returns the process exit code. */
int glia_cli_run(int argc, char **argv);

/* `gliad experiment FILE.json ...`: a whole study offline; returns the exit code. */
int glia_cli_experiment(int argc, char **argv);

#endif
