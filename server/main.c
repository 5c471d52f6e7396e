/* main.c: gliad's entry point: the daemon, or one of the offline subcommands. */
#include <stdio.h>
#include <string.h>

#include "offline/cli.h"
#include "server/serve.h"
#include "server/server.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: gliad [serve] [options]     run the daemon (gliad --help for options)\n"
               "       gliad run [--preset NAME] [--seed N] [--episodes E] [--config FILE]\n"
               "       gliad experiment FILE.json [--format json|md|csv] [--threads N]\n"
               "       gliad version\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return glia_cli_run(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "experiment") == 0)
        return glia_cli_experiment(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "version") == 0) {
        printf("gliad %s\n", GLIA_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return glia_serve(argc - 2, argv + 2);
    if (argc < 2 || argv[1][0] == '-')
        return glia_serve(argc - 1, argv + 1);
    fprintf(stderr, "gliad: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
