/* cli.c: the command-line helpers of gliad's entry points (offline/cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/json_write.h"
#include "core/error.h"
#include "offline/cli.h"

int glia_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return GLIA_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return GLIA_EINVAL;
    *out = v;
    return 0;
}

json_t *glia_cli_load_json(const char *prog, const char *path)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

    if (j == NULL && jerr.line < 1) /* not a position in the file: it could not be read */
        fprintf(stderr, "%s: %s: %s\n", prog, path, jerr.text);
    else if (j == NULL)
        fprintf(stderr, "%s: %s:%d:%d: %s\n", prog, path, jerr.line, jerr.column, jerr.text);
    return j;
}

int glia_cli_print_json(const json_t *json, int compact)
{
    char *text = glia_json_dumps(json, compact ? GLIA_JSON_COMPACT : GLIA_JSON_PRETTY, NULL);
    int rc;

    if (text == NULL)
        return GLIA_ENOMEM;
    rc = (fputs(text, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) ? GLIA_EIO
                                                                                         : 0;
    free(text);
    return rc;
}
