/* flags.c: gliad's options, from flags and GLIA_* environment variables.
 * Precedence: flag, then environment, then default. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offline/cli.h"
#include "server/flags.h"

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
    {"--token", "GLIA_TOKEN",
     "bearer token required on /v1 (required off loopback); visible to every user in ps: "
     "prefer --token-file or GLIA_TOKEN"},
    {"--token-file", "GLIA_TOKEN_FILE", "file holding the bearer token (recommended)"},
    {"--max-sessions", "GLIA_MAX_SESSIONS", "sessions at most (default 1000)"},
    {"--max-body-bytes", "GLIA_MAX_BODY_BYTES", "largest request body (default 1048576)"},
    {"--max-dataset-bytes", "GLIA_MAX_DATASET_BYTES",
     "largest dataset upload (POST /v1/datasets), and its size decompressed (default 256M)"},
    {"--log-format", "GLIA_LOG_FORMAT", "text or json (default text)"},
    {"--checkpoint-seconds", "GLIA_CHECKPOINT_SECONDS", "checkpoint running sessions this often (default 5)"},
    {"--slice-ms", "GLIA_SLICE_MS", "length of one slice of learning work (default 50)"},
    {"--max-connections", "GLIA_MAX_CONNECTIONS", "open HTTP connections at most, streams included (default 4096)"},
    {"--max-exported", "GLIA_MAX_EXPORTED", "sessions with per-session /metrics gauges at most (default 50)"},
    {"--max-db-bytes", "GLIA_MAX_DB_BYTES", "quota on the database size; writes past it fail like a full disk (default: none)"},
    {"--port-file", "GLIA_PORT_FILE", "write the bound port to this file once listening"},
    {"--max-memory", "GLIA_MAX_MEMORY",
     "memory budget for sessions and large replies, bytes or with K/M/G/T (default: half of "
     "the machine's or the cgroup's memory)"},
    {"--max-points", "GLIA_MAX_POINTS", "trajectory points one session may hold (default 100000)"},
    {"--max-events", "GLIA_MAX_EVENTS",
     "events one session keeps stored; the oldest are dropped beyond it (default 50000)"},
    {"--max-connections-per-ip", "GLIA_MAX_CONNECTIONS_PER_IP",
     "open connections from one client address (default: a quarter of --max-connections; 0: "
     "no limit)"},
    {"--request-timeout", "GLIA_REQUEST_TIMEOUT",
     "seconds a client has to send a request's line and headers, and then its body (default 30)"},
    {"--salvage", "GLIA_SALVAGE",
     "start from a damaged store: back it up, keep what can be read, report what was lost"},
};

#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

/* Physical memory, or the cgroup's limit when lower (containers): 0 when unknown. */
static uint64_t machine_memory(void)
{
    static const char *const limits[] = {"/sys/fs/cgroup/memory.max",
                                         "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    uint64_t mem = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        FILE *f = fopen(limits[i], "r");
        unsigned long long v;
        if (f == NULL)
            continue;
        if (fscanf(f, "%llu", &v) == 1 && v > 0 && (mem == 0 || v < mem))
            mem = v; /* "max" (no limit) does not scan */
        fclose(f);
    }
    return mem;
}

/* "1073741824", "512M", "2G", "1.5G", "64KiB": bytes (powers of 1024). 0 or GLIA_EINVAL. */
static int parse_bytes(const char *v, uint64_t *out)
{
    char *end;
    double d = strtod(v, &end), mul = 1;

    if (end == v || !(d >= 0))
        return GLIA_EINVAL;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1024.0; end++; break;
    case 'M': mul = 1024.0 * 1024; end++; break;
    case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mul > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (*end != '\0' || d * mul > 1e18)
        return GLIA_EINVAL;
    *out = (uint64_t)(d * mul);
    return 0;
}

void glia_options_print(FILE *f)
{
    for (size_t i = 0; i < NFLAGS; i++)
        fprintf(f, "  %-25s %-28s %s\n", flags[i].flag, flags[i].env, flags[i].help);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gliad [serve] [options]\n\n"
               "Run the daemon: the HTTP API and the web UI over the store in --data-dir, which\n"
               "one gliad at a time may use (it holds <data dir>/glia.lock).\n\n"
               "options (each also an environment variable):\n");
    glia_options_print(f);
    fprintf(f, "\nother commands: run, experiment, version (gliad help lists them)\n");
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
    } else if (strcmp(flag, "--max-dataset-bytes") == 0) {
        if (parse_bytes(v, &n) != 0 || n < 1024 || n > ((uint64_t)4 << 30))
            goto bad;
        opt->max_dataset_bytes = (size_t)n;
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
    } else if (strcmp(flag, "--max-memory") == 0) {
        if (parse_bytes(v, &n) != 0 || n < (16u << 20))
            goto bad;
        opt->max_memory = n;
    } else if (strcmp(flag, "--max-points") == 0) {
        if (glia_cli_parse_u64(v, 2, 100000000, &n) != 0)
            goto bad;
        opt->max_points = (int)n;
    } else if (strcmp(flag, "--max-events") == 0) {
        if (glia_cli_parse_u64(v, 2 * GLIA_EVENT_RING, 1000000000, &n) != 0)
            goto bad;
        opt->max_events = (int)n;
    } else if (strcmp(flag, "--max-connections-per-ip") == 0) {
        if (glia_cli_parse_u64(v, 0, 1000000, &n) != 0)
            goto bad;
        opt->max_conns_per_ip = (int)n;
    } else if (strcmp(flag, "--request-timeout") == 0) {
        char *end;
        double d = strtod(v, &end);
        if (*end != '\0' || !(d >= 1 && d <= 86400))
            goto bad;
        opt->request_timeout = d;
    } else if (strcmp(flag, "--salvage") == 0) {
        if (strcmp(v, "1") != 0 && strcmp(v, "true") != 0 && strcmp(v, "0") != 0 &&
            strcmp(v, "false") != 0)
            goto bad;
        opt->salvage = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
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
    opt->max_dataset_bytes = (size_t)256 << 20;
    opt->checkpoint_seconds = 5.0;
    opt->slice_ms = 50;
    opt->max_connections = 4096;
    opt->max_exported = 50;
    opt->max_points = 100000;
    opt->max_events = 50000;
    opt->max_conns_per_ip = -1; /* a quarter of max_connections, once that is known */
    opt->request_timeout = 30.0;

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
        if (v == NULL && strcmp(flags[k].flag, "--salvage") == 0) {
            v = "1"; /* a switch: no value follows */
        } else if (v != NULL) {
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
    if (opt->max_conns_per_ip < 0)
        opt->max_conns_per_ip = opt->max_connections / 4;
    if (opt->max_memory == 0) {
        uint64_t mem = machine_memory();
        opt->max_memory = mem > 0 ? mem / 2 : (uint64_t)4 << 30;
    }
    return 0;
}
