/* main.c: gliad's entry point: the daemon, or one of the offline subcommands. */
#include <stdio.h>
#include <string.h>

#include "offline/cli.h"
#include "server/datasets/classify_command.h"
#include "server/datasets/command.h"
#include "server/flags.h"
#include "server/serve.h"
#include "server/server.h"

#define COMMANDS "serve, run, experiment, dataset, classify, version, help"

static void commands(FILE *f)
{
    fprintf(f,
            "usage: gliad <command> [options]\n\n"
            "commands:\n"
            "  serve [options]       run the daemon (the default: gliad [options] is gliad serve)\n"
            "  run [options]         one run offline; its result as JSON on stdout\n"
            "  experiment FILE.json  a study (conditions x seeds, or a sweep) offline; its report\n"
            "                        on stdout\n"
            "  dataset COMMAND       datasets in the store offline: import, list, show, delete\n"
            "  classify [options]    train and test a classifier on a dataset offline; JSON out\n"
            "  version               print gliad's version\n"
            "  help [COMMAND]        this text, or one command's usage (gliad help run)\n");
}

/* gliad --help: the commands, then the daemon's options (bare `gliad [options]` serves). */
static void overview(void)
{
    commands(stdout);
    printf("\nserve options (each also an environment variable):\n");
    glia_options_print(stdout);
}

/* `gliad help [COMMAND]`: exit 0, or 2 for a command that does not exist. */
static int help(int argc, char **argv)
{
    static char help_flag[] = "--help";
    char *args[] = {argv[argc > 2 ? 2 : 1], help_flag, NULL};

    if (argc < 3 || strcmp(argv[2], "help") == 0) {
        overview();
        return 0;
    }
    if (argc > 3) {
        fprintf(stderr, "gliad help: unknown argument \"%s\" (one command at most)\n", argv[3]);
        return 2;
    }
    if (strcmp(argv[2], "serve") == 0)
        return glia_serve(1, args + 1);
    if (strcmp(argv[2], "run") == 0)
        return glia_cli_run(2, args);
    if (strcmp(argv[2], "experiment") == 0)
        return glia_cli_experiment(2, args);
    if (strcmp(argv[2], "dataset") == 0)
        return glia_cli_dataset(2, args);
    if (strcmp(argv[2], "classify") == 0)
        return glia_cli_classify(2, args);
    if (strcmp(argv[2], "version") == 0) {
        printf("usage: gliad version\n  prints \"gliad %s\": this build's version\n", GLIA_VERSION);
        return 0;
    }
    fprintf(stderr, "gliad help: unknown command \"%s\"; the commands are " COMMANDS "\n", argv[2]);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return glia_cli_run(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "experiment") == 0)
        return glia_cli_experiment(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "dataset") == 0)
        return glia_cli_dataset(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "classify") == 0)
        return glia_cli_classify(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "version") == 0) {
        printf("gliad %s\n", GLIA_VERSION);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        overview();
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return glia_serve(argc - 2, argv + 2);
    if (argc < 2 || argv[1][0] == '-')
        return glia_serve(argc - 1, argv + 1);
    fprintf(stderr, "gliad: unknown command \"%s\"\n", argv[1]);
    commands(stderr);
    return 2;
}
