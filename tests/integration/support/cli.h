/* cli.h: running the gliad binary as a command (gliad run, gliad experiment, ...) in a
 * temporary working directory, with its output captured whole.
 *
 * A suite makes the directory in its .init and removes it in its .fini:
 *     TestSuite(cli, .init = it_cli_dir_make, .fini = it_cli_dir_remove);
 */
#ifndef GLIA_IT_CLI_H
#define GLIA_IT_CLI_H

typedef struct it_cli {
    int status; /* exit code; 128 + signal when killed */
    char *out;  /* stdout, whole */
    char *err;  /* stderr, whole */
} it_cli_t;

void it_cli_dir_make(void);
void it_cli_dir_remove(void);
const char *it_cli_dir(void);

/* Run GLIAD_PATH with `args` (NULL-terminated, without argv[0]) in the directory, with no
 * GLIA_* variable of the environment configuring it behind the test's back. */
it_cli_t it_cli(const char *const *args);
void it_cli_free(it_cli_t *c);

/* Write `text` to <dir>/<name> and return the path, which stays valid for the next 15
 * calls. */
const char *it_cli_put_file(const char *name, const char *text);

#endif
