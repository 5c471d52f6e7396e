/* run.c: `gliad run`, the offline entry point: one (config, seed) run, one JSON
 * result on stdout, the resolved config it ran with included (as in the API's result).
 * Exit 0 on success, 2 on a bad flag, preset or config (the message names the flag or
 * the config field), 1 on a runtime failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/config_json.h"
#include "api/experiment_json.h"
#include "api/json_write.h"
#include "api/requests.h"
#include "api/result_json.h"
#include "core/session.h"
#include "offline/cli.h"

#define PROG "gliad run"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gliad run [--preset NAME] [--seed N] [--episodes E] [--config FILE.json]\n"
            "                 [--compact]\n"
            "  --preset    control, cursor, astrocyte-firing, astrocyte-traffic, epsilon,\n"
            "              maturity (or exp020..exp024), reach; phase 1a: exp002..exp018 with\n"
            "              -baseline|-ambient|-dampening|-full (exp012b-full, ...; GET\n"
            "              /v1/presets lists them); default: glia's defaults\n"
            "  --seed      0..4294967295 (default 42)\n"
            "  --episodes  1..%d, as POST .../run takes (default: the preset's published\n"
            "              run length); a study's runs take at most %d each, as a study\n"
            "              multiplies them by up to %d runs\n"
            "  --config    JSON overrides applied on the preset (see openapi.yaml, Config)\n"
            "  --compact   one line of JSON instead of indented\n"
            "The result is GET /v1/sessions/{name}/result's: the run, its inference, and the\n"
            "resolved \"config\" it ran with.\n",
            GLIA_MAX_RUN_EPISODES, GLIA_MAX_EXPERIMENT_EPISODES, GLIA_MAX_RUNS);
}

/* Fetch a flag's value from "--flag=value" or "--flag value". */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (strcmp(argv[*i], name) == 0) {
        if (*i + 1 >= argc)
            return NULL;
        return argv[++*i];
    }
    return NULL;
}

static int is_flag(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int glia_cli_run(int argc, char **argv)
{
    const char *preset = NULL, *config_path = NULL;
    uint64_t seed = 42, episodes = 0;
    int compact = 0, rc;
    json_t *overrides = NULL, *result = NULL;
    glia_config_t cfg;
    glia_error_t err;
    glia_session_t *s = NULL;
    const glia_preset_info_t *info;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--compact") == 0) {
            compact = 1;
        } else if (is_flag(a, "--preset")) {
            if ((preset = flag_value(argc, argv, &i, "--preset")) == NULL)
                goto missing;
        } else if (is_flag(a, "--config")) {
            if ((config_path = flag_value(argc, argv, &i, "--config")) == NULL)
                goto missing;
        } else if (is_flag(a, "--seed")) {
            v = flag_value(argc, argv, &i, "--seed");
            if (v == NULL)
                goto missing;
            if (glia_cli_parse_u64(v, 0, UINT32_MAX, &seed) != 0) {
                fprintf(stderr,
                        PROG ": --seed: must be an integer in [0, 4294967295], not \"%s\"\n", v);
                return 2;
            }
        } else if (is_flag(a, "--episodes")) {
            v = flag_value(argc, argv, &i, "--episodes");
            if (v == NULL)
                goto missing;
            if (glia_cli_parse_u64(v, 1, GLIA_MAX_RUN_EPISODES, &episodes) != 0) {
                fprintf(stderr, PROG ": --episodes: must be an integer in [1, %d], not \"%s\"\n",
                        GLIA_MAX_RUN_EPISODES, v);
                return 2;
            }
        } else {
            fprintf(stderr, PROG ": unknown argument \"%s\"\n", a);
            usage(stderr);
            return 2;
        }
        continue;
    missing:
        fprintf(stderr, PROG ": %s: needs a value\n", a);
        return 2;
    }

    if (config_path != NULL && (overrides = glia_cli_load_json(PROG, config_path)) == NULL)
        return 2;
    glia_error_clear(&err);
    rc = glia_config_resolve(&cfg, preset, "--preset", overrides, "", &err);
    json_decref(overrides);
    if (rc != 0) {
        if (strcmp(err.field, "--preset") == 0)
            fprintf(stderr, PROG ": --preset: %s\n", err.message);
        else
            fprintf(stderr, PROG ": %s: %s: %s\n", config_path ? config_path : "config",
                    err.field[0] ? err.field : "/", err.message);
        return 2;
    }
    info = preset ? glia_preset_find(preset) : NULL;
    if (episodes == 0)
        episodes = info ? (uint64_t)info->episodes : 5000;

    if (glia_session_new(&cfg, (uint32_t)seed, &s, &err) != 0 ||
        glia_session_run_episodes(s, episodes) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        glia_session_free(s);
        return 1;
    }
    result = glia_result_to_json(s, info ? info->name : NULL, 1);
    rc = result != NULL && glia_cli_print_json(result, compact) == 0 ? 0 : 1;
    if (rc != 0)
        fprintf(stderr, PROG ": cannot write the result\n");
    json_decref(result);
    glia_session_free(s);
    return rc;
}
