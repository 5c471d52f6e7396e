/* cli.c: see cli.h. */
#include "cli.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "extra.h"

static char dir[64];

void it_cli_dir_make(void)
{
    snprintf(dir, sizeof(dir), "/tmp/glia-it-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

void it_cli_dir_remove(void)
{
    char cmd[128];

    if (strncmp(dir, "/tmp/glia-it-", 13) == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        cr_expect_eq(system(cmd), 0);
    }
}

const char *it_cli_dir(void)
{
    return dir;
}

it_cli_t it_cli(const char *const *args)
{
    static const char *const env[] = {
        "GLIA_TOKEN",   "GLIA_TOKEN_FILE",   "GLIA_LISTEN", "GLIA_DATA_DIR",
        "GLIA_WORKERS", "GLIA_MAX_DB_BYTES", NULL};
    const char *argv[40];
    char out_path[128], err_path[128];
    it_cli_t c = {0};
    int n = 0, status;
    pid_t pid;

    argv[n++] = GLIAD_PATH;
    for (int i = 0; args[i] != NULL; i++) {
        cr_assert_lt(n, 39, "too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    snprintf(out_path, sizeof(out_path), "%s/stdout", dir);
    snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
    pid = fork();
    cr_assert(pid >= 0, "fork");
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || chdir(dir) != 0)
            _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        for (int i = 0; env[i] != NULL; i++)
            unsetenv(env[i]);
        execv(GLIAD_PATH, (char *const *)argv);
        _exit(127);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    c.out = it_read_file(out_path, NULL);
    c.err = it_read_file(err_path, NULL);
    cr_assert(c.out && c.err, "cannot read the captured output");
    return c;
}

void it_cli_free(it_cli_t *c)
{
    free(c->out);
    free(c->err);
    memset(c, 0, sizeof(*c));
}

const char *it_cli_put_file(const char *name, const char *text)
{
    static char path[16][160];
    static int next;
    char *p = path[next++ % 16];

    snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
    cr_assert_eq(it_write_file(p, text, strlen(text)), 0, "write %s", p);
    return p;
}
