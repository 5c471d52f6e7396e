/* flags.c: gliad's options, from flags and GLIA_* environment variables.
 * Precedence: flag, then environment, then default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "flags.h"

typedef struct flag_def {
    const char *flag;
    const char *env;
    const char *help;
} flag_def_t;

static const flag_def_t flags[] = {
    {"--listen", "GLIA_LISTEN", "address:port to listen on (default 127.0.0.1:8080; port 0 = any)"},
    {"--workers", "GLIA_WORKERS", "learning worker threads (default: number of cores)"},
    {"--http-threads", "GLIA_HTTP_THREADS", "HTTP threads (default 2)"},
    {"--data-dir", "GLIA_DATA_DIR", "directory of the SQLite store (default ./data)"},
    {"--token", "GLIA_TOKEN", "bearer token required on /v1 (required off loopback)"},
    {"--token-file", "GLIA_TOKEN_FILE", "file holding the bearer token"},
    {"--max-sessions", "GLIA_MAX_SESSIONS", "sessions at most (default 1000)"},
    {"--max-body-bytes", "GLIA_MAX_BODY_BYTES", "largest request body (default 1048576)"},
    {"--log-format", "GLIA_LOG_FORMAT", "text or json (default text)"},
    {"--checkpoint-seconds", "GLIA_CHECKPOINT_SECONDS", "checkpoint running sessions this often (default 5)"},
    {"--slice-ms", "GLIA_SLICE_MS", "length of one slice of learning work (default 50)"},
    {"--max-connections", "GLIA_MAX_CONNECTIONS", "open HTTP connections at most, streams included (default 4096)"},
    {"--max-exported", "GLIA_MAX_EXPORTED", "sessions with per-session /metrics gauges at most (default 50)"},
    {"--max-db-bytes", "GLIA_MAX_DB_BYTES", "quota on the database size; writes past it fail like a full disk (default: none)"},
    {"--port-file", "GLIA_PORT_FILE", "write the bound port to this file once listening"},
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: gliad [serve] [options]\n\noptions (each also an environment variable):\n");
    for (size_t i = 0; i < NFLAGS; i++)
        fprintf(f, "  %-22s %-26s %s\n", flags[i].flag, flags[i].env, flags[i].help);
}

static int set_option(glia_options_t *opt, const char *flag, const char *v)
{
    uint64_t n;

    if (strcmp(flag, "--listen") == 0) {
        if (strlen(v) >= sizeof(opt->listen) || strchr(v, ':') == NULL)
            goto bad;
        snprintf(opt->listen, sizeof(opt->listen), "%s", v);
    } else if (strcmp(flag, "--workers") == 0) {
        if (glia_cli_parse_u64(v, 1, 256, &n) != 0)
            goto bad;
        opt->workers = (int)n;
    } else if (strcmp(flag, "--http-threads") == 0) {
        if (glia_cli_parse_u64(v, 1, 64, &n) != 0)
            goto bad;
        opt->http_threads = (int)n;
    } else if (strcmp(flag, "--data-dir") == 0) {
        if (v[0] == '\0' || strlen(v) >= sizeof(opt->data_dir) - 32)
            goto bad;
        snprintf(opt->data_dir, sizeof(opt->data_dir), "%s", v);
    } else if (strcmp(flag, "--token") == 0) {
        if (strlen(v) >= sizeof(opt->token))
            goto bad;
        snprintf(opt->token, sizeof(opt->token), "%s", v);
    } else if (strcmp(flag, "--token-file") == 0) {
        FILE *f = fopen(v, "r");
        size_t len;
        if (f == NULL) {
            fprintf(stderr, "gliad: --token-file: cannot read %s\n", v);
            return GLIA_EIO;
        }
        len = fread(opt->token, 1, sizeof(opt->token) - 1, f);
        fclose(f);
        opt->token[len] = '\0';
        while (len > 0 && (opt->token[len - 1] == '\n' || opt->token[len - 1] == '\r' ||
                           opt->token[len - 1] == ' '))
            opt->token[--len] = '\0';
        if (len == 0) {
            fprintf(stderr, "gliad: --token-file: %s is empty\n", v);
            return GLIA_EINVAL;
        }
    } else if (strcmp(flag, "--max-sessions") == 0) {
        if (glia_cli_parse_u64(v, 1, 1000000, &n) != 0)
            goto bad;
        opt->max_sessions = (int)n;
    } else if (strcmp(flag, "--max-body-bytes") == 0) {
        if (glia_cli_parse_u64(v, 1024, 1u << 30, &n) != 0)
            goto bad;
        opt->max_body_bytes = (size_t)n;
    } else if (strcmp(flag, "--log-format") == 0) {
        if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
            goto bad;
        opt->log_json = strcmp(v, "json") == 0;
    } else if (strcmp(flag, "--checkpoint-seconds") == 0) {
        char *end;
        double d = strtod(v, &end);
        if (*end != '\0' || !(d >= 0.05 && d <= 86400))
            goto bad;
        opt->checkpoint_seconds = d;
    } else if (strcmp(flag, "--slice-ms") == 0) {
        if (glia_cli_parse_u64(v, 1, 10000, &n) != 0)
            goto bad;
        opt->slice_ms = (int)n;
    } else if (strcmp(flag, "--max-connections") == 0) {
        if (glia_cli_parse_u64(v, 16, 1000000, &n) != 0)
            goto bad;
        opt->max_connections = (int)n;
    } else if (strcmp(flag, "--max-exported") == 0) {
        if (glia_cli_parse_u64(v, 0, 100000, &n) != 0)
            goto bad;
        opt->max_exported = (int)n;
    } else if (strcmp(flag, "--max-db-bytes") == 0) {
        if (glia_cli_parse_u64(v, 65536, UINT64_MAX / 2, &n) != 0)
            goto bad;
        opt->max_db_bytes = n;
    } else if (strcmp(flag, "--port-file") == 0) {
        snprintf(opt->port_file, sizeof(opt->port_file), "%s", v);
    }
    return 0;
bad:
    fprintf(stderr, "gliad: %s: invalid value \"%s\" (see gliad --help)\n", flag, v);
    return GLIA_EINVAL;
}

int glia_options_parse(int argc, char **argv, glia_options_t *opt)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    memset(opt, 0, sizeof(*opt));
    snprintf(opt->listen, sizeof(opt->listen), "127.0.0.1:8080");
    snprintf(opt->data_dir, sizeof(opt->data_dir), "./data");
    opt->workers = cores > 0 ? (int)cores : 2;
    opt->http_threads = 2;
    opt->max_sessions = 1000;
    opt->max_body_bytes = 1048576;
    opt->checkpoint_seconds = 5.0;
    opt->slice_ms = 50;
    opt->max_connections = 4096;
    opt->max_exported = 50;

    /* Environment first, so flags override. --token-file before --token would let a
     * file override an explicit token, so tokens from either source simply apply in
     * table order: GLIA_TOKEN, then GLIA_TOKEN_FILE. */
    for (size_t i = 0; i < NFLAGS; i++) {
        const char *v = getenv(flags[i].env);
        if (v != NULL && v[0] != '\0' && set_option(opt, flags[i].flag, v) != 0) {
            fprintf(stderr, "gliad: (from %s)\n", flags[i].env);
            return 2;
        }
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        size_t k;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        }
        for (k = 0; k < NFLAGS; k++) {
            size_t n = strlen(flags[k].flag);
            if (strncmp(a, flags[k].flag, n) == 0 && (a[n] == '\0' || a[n] == '='))
                break;
        }
        if (k == NFLAGS) {
            fprintf(stderr, "gliad: unknown argument \"%s\" (see gliad --help)\n", a);
            return 2;
        }
        v = strchr(a, '=');
        if (v != NULL) {
            v++;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "gliad: %s: needs a value\n", flags[k].flag);
            return 2;
        }
        if (set_option(opt, flags[k].flag, v) != 0)
            return 2;
    }
    return 0;
}
