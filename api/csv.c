/* csv.c: CSV tables (csv.h).
 *
 * glia_csv_rows flattens each row twice: once to learn the columns (a JSON object used as
 * an ordered set: jansson keeps insertion order), once to place the row's values. Both
 * walks are the same function, so a column and its values cannot disagree.
 */
#include "api/csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_write.h"

#define COLUMN_MAX 512 /* a flattened column name: longer ones are cut */

const char *const glia_table_formats[] = {"json", "csv", NULL};

void glia_csv_text(glia_strbuf_t *b, int is_first, const char *text)
{
    if (!is_first)
        glia_strbuf_puts(b, ",");
    if (strpbrk(text, ",\"\r\n") == NULL) {
        glia_strbuf_puts(b, text);
        return;
    }
    glia_strbuf_puts(b, "\"");
    for (const char *p = text; *p; p++) {
        const char *q = strchr(p, '"');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        glia_strbuf_append(b, p, n);
        if (q == NULL)
            break;
        glia_strbuf_puts(b, "\"\"");
        p = q;
    }
    glia_strbuf_puts(b, "\"");
}

void glia_csv_value(glia_strbuf_t *b, int is_first, const json_t *v)
{
    char num[40];

    if (json_is_string(v)) {
        glia_csv_text(b, is_first, json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        glia_csv_text(b, is_first, num);
    } else if (json_is_real(v) && isfinite(json_real_value(v))) {
        glia_json_format_real(json_real_value(v), num, sizeof(num));
        glia_csv_text(b, is_first, num);
    } else if (json_is_boolean(v)) {
        glia_csv_text(b, is_first, json_is_true(v) ? "true" : "false");
    } else if (json_is_object(v) || json_is_array(v)) {
        char *text = glia_json_dumps(v, GLIA_JSON_COMPACT, NULL);
        if (text == NULL)
            b->failed = 1;
        glia_csv_text(b, is_first, text ? text : "");
        free(text);
    } else {
        glia_csv_text(b, is_first, ""); /* null, NaN */
    }
}

/* Call fn(name, value) for every scalar under `v` named `name` (flattened as csv.h says). */
typedef void (*leaf_fn)(const char *name, const json_t *v, void *arg);

static void flatten(const char *name, const json_t *v, leaf_fn fn, void *arg)
{
    char child[COLUMN_MAX];
    const char *key;
    json_t *m;

    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, m)
        {
            snprintf(child, sizeof(child), "%s%s%s", name, name[0] ? "." : "", key);
            flatten(child, m, fn, arg);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            snprintf(child, sizeof(child), "%s%s%zu", name, name[0] ? "." : "", i);
            flatten(child, json_array_get(v, i), fn, arg);
        }
    } else {
        fn(name, v, arg);
    }
}

static void add_column(const char *name, const json_t *v, void *arg)
{
    json_t *columns = arg;
    (void)v;

    if (json_object_get(columns, name) == NULL)
        json_object_set_new(columns, name, json_integer((json_int_t)json_object_size(columns)));
}

typedef struct row_values {
    const json_t *columns;
    const json_t **values; /* [columns] borrowed */
} row_values_t;

static void place_value(const char *name, const json_t *v, void *arg)
{
    row_values_t *r = arg;
    const json_t *at = json_object_get(r->columns, name);

    if (at != NULL)
        r->values[json_integer_value(at)] = v;
}

char *glia_csv_rows(const json_t *rows, size_t *len)
{
    glia_strbuf_t b = {0};
    json_t *columns = json_object();
    row_values_t r = {columns, NULL};
    const char *key;
    json_t *v;
    size_t n;

    if (columns == NULL)
        return NULL;
    for (size_t i = 0; i < json_array_size(rows); i++)
        flatten("", json_array_get(rows, i), add_column, columns);
    n = json_object_size(columns);
    if ((r.values = calloc(n ? n : 1, sizeof(*r.values))) == NULL) {
        json_decref(columns);
        return NULL;
    }
    json_object_foreach(columns, key, v) glia_csv_text(&b, json_integer_value(v) == 0, key);
    glia_strbuf_puts(&b, "\n");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        memset(r.values, 0, n * sizeof(*r.values));
        flatten("", json_array_get(rows, i), place_value, &r);
        for (size_t c = 0; c < n; c++)
            glia_csv_value(&b, c == 0, r.values[c]);
        glia_strbuf_puts(&b, "\n");
    }
    free(r.values);
    json_decref(columns);
    return glia_strbuf_take(&b, len);
}

char *glia_csv_outputs(const json_t *doc, size_t *len)
{
    glia_strbuf_t b = {0};
    const json_t *patterns = json_object_get(doc, "patterns");
    const json_t *points = json_object_get(doc, "points");

    glia_strbuf_puts(&b, "episode,pattern,input,target,output,correct,accuracy\n");
    for (size_t i = 0; i < json_array_size(points); i++) {
        const json_t *point = json_array_get(points, i);
        const json_t *outs = json_object_get(point, "outputs");
        for (size_t p = 0; p < json_array_size(outs); p++) {
            const json_t *pat = json_array_get(patterns, p);
            const char *out = json_string_value(json_array_get(outs, p));
            const char *target = json_string_value(json_object_get(pat, "target"));
            size_t width = out ? strlen(out) : 0, same = 0;
            char num[40];

            for (size_t k = 0; target != NULL && k < width && target[k]; k++)
                same += out[k] == target[k];
            glia_csv_value(&b, 1, json_object_get(point, "episode"));
            glia_strbuf_printf(&b, ",%zu", p);
            glia_csv_value(&b, 0, json_object_get(pat, "input"));
            glia_csv_value(&b, 0, json_object_get(pat, "target"));
            glia_csv_text(&b, 0, out ? out : "");
            glia_csv_text(&b, 0, out && target && strcmp(out, target) == 0 ? "true" : "false");
            /* As glia_reward_binary: matching bits / width, one division. */
            glia_json_format_real(width ? (double)same / (double)width : 0.0, num, sizeof(num));
            glia_csv_text(&b, 0, num);
            glia_strbuf_puts(&b, "\n");
        }
    }
    return glia_strbuf_take(&b, len);
}

char *glia_csv_curves(const json_t *curves, size_t *len)
{
    glia_strbuf_t b = {0};
    const json_t *metrics = json_object_get(curves, "metrics");
    const json_t *conds = json_object_get(curves, "conditions");
    /* the x axis: "episode", or the curves' "x" (reward_queries) */
    const char *axis = json_is_string(json_object_get(curves, "x"))
                           ? json_string_value(json_object_get(curves, "x"))
                           : "episode";

    glia_strbuf_puts(&b, "condition,seeds,");
    glia_strbuf_puts(&b, axis);
    glia_strbuf_puts(&b, ",metric,n,mean,sd,ci_low,ci_high\n");
    for (size_t c = 0; c < json_array_size(conds); c++) {
        const json_t *cond = json_array_get(conds, c), *points = json_object_get(cond, "points");
        for (size_t i = 0; i < json_array_size(points); i++) {
            const json_t *point = json_array_get(points, i);
            for (size_t m = 0; m < json_array_size(metrics); m++) {
                const char *name = json_string_value(json_array_get(metrics, m));
                const json_t *s = json_object_get(point, name ? name : "");
                const json_t *ci = json_object_get(s, "ci95");
                glia_csv_value(&b, 1, json_object_get(cond, "label"));
                glia_csv_value(&b, 0, json_object_get(cond, "seeds"));
                glia_csv_value(&b, 0, json_object_get(point, axis));
                glia_csv_text(&b, 0, name ? name : "");
                glia_csv_value(&b, 0, json_object_get(s, "n"));
                glia_csv_value(&b, 0, json_object_get(s, "mean"));
                glia_csv_value(&b, 0, json_object_get(s, "sd"));
                glia_csv_value(&b, 0, json_object_get(ci, "low"));
                glia_csv_value(&b, 0, json_object_get(ci, "high"));
                glia_strbuf_puts(&b, "\n");
            }
        }
    }
    return glia_strbuf_take(&b, len);
}
