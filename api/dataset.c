/* dataset.c: CSV, scikit-learn CSV and IDX bytes into a dataset; its canonical content.
 *
 * CSV is read in two passes over the bytes: the first counts the lines (so the matrix is
 * allocated once, and a file past a bound is refused before anything large is allocated),
 * the second parses every cell. Cells are slices of the input; only names are copied.
 * Numbers are read with strtod in the C locale gliad runs in; a cell that is not a whole
 * finite number is an error naming its line and column, never a zero.
 */
#include "api/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const glia_dataset_formats[] = {"csv", "sklearn", "idx", NULL};

#define MAGIC      "GLIADS1\n"
#define HEADER_LEN 24
#define MAX_COLS   (GLIA_DATASET_MAX_FEATURES + 1)

typedef struct cell {
    const char *p;
    size_t n;
    int is_quoted;
} cell_t;

typedef struct reader {
    const char *p, *end;
    int64_t line; /* the line the next record starts on (1-based) */
} reader_t;

static void set_where(glia_dataset_where_t *w, int64_t row, int64_t column, int64_t offset)
{
    if (w != NULL) {
        w->row = row;
        w->column = column;
        w->offset = offset;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One record's cells into cells[0..max) (more are counted, not kept). Returns the number of
 * cells, 0 at the end of the input (blank lines are skipped), or -1 for a quote that is
 * never closed. *line is set to the record's first line. */
static long read_record(reader_t *r, cell_t *cells, long max, int64_t *line)
{
    long n = 0;

    for (;;) { /* skip blank lines */
        const char *q = r->p;
        while (q < r->end && is_blank(*q))
            q++;
        if (q == r->end) {
            r->p = q;
            return 0;
        }
        if (*q != '\n')
            break;
        r->p = q + 1;
        r->line++;
    }
    *line = r->line;
    for (;;) {
        cell_t c = {NULL, 0, 0};
        while (r->p < r->end && is_blank(*r->p))
            r->p++;
        if (r->p < r->end && *r->p == '"') {
            c.is_quoted = 1;
            c.p = ++r->p;
            for (;;) {
                if (r->p == r->end)
                    return -1;
                if (*r->p == '"' && r->p + 1 < r->end && r->p[1] == '"') {
                    r->p += 2;
                    continue;
                }
                if (*r->p == '"')
                    break;
                if (*r->p == '\n')
                    r->line++;
                r->p++;
            }
            c.n = (size_t)(r->p - c.p);
            r->p++;
            while (r->p < r->end && is_blank(*r->p))
                r->p++;
        } else {
            c.p = r->p;
            while (r->p < r->end && *r->p != ',' && *r->p != '\n')
                r->p++;
            c.n = (size_t)(r->p - c.p);
            while (c.n > 0 && is_blank(c.p[c.n - 1]))
                c.n--;
        }
        if (n < max)
            cells[n] = c;
        n++;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        /* The end of the record: a newline, the end of input, or junk after a quote (which
         * the caller reports as that cell not being a number). */
        while (r->p < r->end && *r->p != '\n')
            r->p++;
        if (r->p < r->end) {
            r->p++;
            r->line++;
        }
        return n;
    }
}

/* A cell as a finite number: 0, or -1 when it is not one. */
static int cell_number(const cell_t *c, double *out)
{
    char buf[80], *e;
    double v;

    if (c->n == 0 || c->n >= sizeof(buf))
        return -1;
    memcpy(buf, c->p, c->n);
    buf[c->n] = '\0';
    errno = 0;
    v = strtod(buf, &e);
    if (e != buf + c->n || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* A cell's text, unquoted, as a new string (NULL on out of memory). */
static char *cell_text(const cell_t *c)
{
    char *s = malloc(c->n + 1), *o = s;

    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < c->n; i++) {
        *o++ = c->p[i];
        if (c->is_quoted && c->p[i] == '"' && i + 1 < c->n && c->p[i + 1] == '"')
            i++;
    }
    *o = '\0';
    return s;
}

/* A cell shown in a message: at most 32 characters. */
static void cell_show(const cell_t *c, char *out, size_t size)
{
    size_t n = c->n < 32 ? c->n : 32;
    snprintf(out, size, "%.*s%s", (int)n, c->p, c->n > 32 ? "..." : "");
    for (char *o = out; *o; o++) /* messages are JSON strings: ASCII stays, the rest is '?' */
        *o = (unsigned char)*o < 0x20 || (unsigned char)*o >= 0x7f || *o == '"' ? '?' : *o;
}

static int cell_cmp(const cell_t *a, const cell_t *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int d = memcmp(a->p, b->p, n);
    return d != 0 ? d : (a->n > b->n) - (a->n < b->n);
}

void glia_dataset_free(glia_dataset_t *ds)
{
    if (ds == NULL)
        return;
    if (ds->class_names != NULL)
        for (uint32_t i = 0; i < ds->classes; i++)
            free(ds->class_names[i]);
    if (ds->feature_names != NULL)
        for (uint32_t i = 0; i < ds->features; i++)
            free(ds->feature_names[i]);
    free(ds->class_names);
    free(ds->feature_names);
    free(ds->x8);
    free(ds->xf);
    free(ds->labels);
    free(ds->fmin);
    free(ds->fmax);
    free(ds);
}

/* The shape's bounds, before the matrix is allocated. */
static int check_shape(uint64_t samples, uint64_t features, glia_error_t *err)
{
    if (features > GLIA_DATASET_MAX_FEATURES)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu features: a dataset holds at most %d features",
                              (unsigned long long)features, GLIA_DATASET_MAX_FEATURES);
    if (samples > GLIA_DATASET_MAX_SAMPLES)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu samples: a dataset holds at most %d samples",
                              (unsigned long long)samples, GLIA_DATASET_MAX_SAMPLES);
    if (samples * features > GLIA_DATASET_MAX_CELLS)
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%llu samples x %llu features = %llu values: a dataset holds at "
                              "most %d values",
                              (unsigned long long)samples, (unsigned long long)features,
                              (unsigned long long)(samples * features), GLIA_DATASET_MAX_CELLS);
    if (samples == 0)
        return glia_error_set(err, GLIA_EINVAL, "", "the file holds no samples");
    return 0;
}

/* The matrix, ranges and labels of a dataset of this shape (features as float32). */
static int alloc_matrix(glia_dataset_t *ds, uint32_t samples, uint32_t features, int is_u8)
{
    const size_t cells = (size_t)samples * features;

    ds->samples = samples;
    ds->features = features;
    ds->is_u8 = is_u8;
    if (is_u8)
        ds->x8 = malloc(cells ? cells : 1);
    else
        ds->xf = malloc((cells ? cells : 1) * sizeof(float));
    ds->labels = calloc(samples, sizeof(int32_t));
    ds->fmin = malloc(features * sizeof(double));
    ds->fmax = malloc(features * sizeof(double));
    if ((is_u8 ? (void *)ds->x8 : (void *)ds->xf) == NULL || ds->labels == NULL ||
        ds->fmin == NULL || ds->fmax == NULL)
        return GLIA_ENOMEM;
    for (uint32_t j = 0; j < features; j++) {
        ds->fmin[j] = INFINITY;
        ds->fmax[j] = -INFINITY;
    }
    return 0;
}

/* Features as bytes when every value is an integer in [0, 255] (the canonical storage). */
static int narrow(glia_dataset_t *ds)
{
    const size_t cells = (size_t)ds->samples * ds->features;

    for (uint32_t j = 0; j < ds->features; j++)
        if (ds->fmin[j] < 0 || ds->fmax[j] > 255)
            return 0;
    for (size_t i = 0; i < cells; i++)
        if (ds->xf[i] != floorf(ds->xf[i]))
            return 0;
    if ((ds->x8 = malloc(cells)) == NULL)
        return GLIA_ENOMEM;
    for (size_t i = 0; i < cells; i++)
        ds->x8[i] = (uint8_t)ds->xf[i];
    free(ds->xf);
    ds->xf = NULL;
    ds->is_u8 = 1;
    return 0;
}

/* qsort has no context argument, and parsers run on several workers at once: the words
 * are sorted by index with a thread-local base. */
static _Thread_local const cell_t *tl_base;
static int by_word(const void *a, const void *b)
{
    return cell_cmp(&tl_base[*(const uint32_t *)a], &tl_base[*(const uint32_t *)b]);
}

/* Labels from their cells: class indices when every one is an integer in [0, max_class),
 * else (with words allowed) words numbered in byte order. */
static int set_labels(glia_dataset_t *ds, const cell_t *cells, const int64_t *lines,
                      int64_t label_col, uint32_t max_class, int allow_words, glia_error_t *err,
                      glia_dataset_where_t *where)
{
    int has_word = 0;
    int32_t top = -1;
    uint32_t *order;
    char shown[48];

    for (uint32_t i = 0; i < ds->samples; i++) {
        double v;
        if (cell_number(&cells[i], &v) != 0) {
            has_word = 1;
            if (!allow_words) {
                cell_show(&cells[i], shown, sizeof(shown));
                set_where(where, lines[i], label_col + 1, 0);
                return glia_error_set(err, GLIA_EFORMAT, "",
                                      "line %lld, column %lld: label \"%s\" is not a class index",
                                      (long long)lines[i], (long long)label_col + 1, shown);
            }
            break;
        }
        if (v != floor(v) || v < 0 || v >= max_class) {
            cell_show(&cells[i], shown, sizeof(shown));
            set_where(where, lines[i], label_col + 1, 0);
            return glia_error_set(err, GLIA_ERANGE, "",
                                  "line %lld, column %lld: label %s is not a class index in "
                                  "[0, %u]",
                                  (long long)lines[i], (long long)label_col + 1, shown,
                                  max_class - 1);
        }
        ds->labels[i] = (int32_t)v;
        top = ds->labels[i] > top ? ds->labels[i] : top;
    }
    if (!has_word) {
        ds->classes = (uint32_t)top + 1;
        return 0;
    }
    if ((order = malloc(ds->samples * sizeof(*order))) == NULL)
        return GLIA_ENOMEM;
    for (uint32_t i = 0; i < ds->samples; i++)
        order[i] = i;
    tl_base = cells;
    qsort(order, ds->samples, sizeof(*order), by_word);
    ds->classes = 0;
    for (uint32_t k = 0; k < ds->samples; k++) {
        if (k == 0 || cell_cmp(&cells[order[k]], &cells[order[k - 1]]) != 0)
            ds->classes++;
        ds->labels[order[k]] = (int32_t)ds->classes - 1;
    }
    if (ds->classes > GLIA_DATASET_MAX_CLASSES) {
        free(order);
        return glia_error_set(err, GLIA_ERANGE, "",
                              "%u distinct labels: a dataset holds at most %d classes", ds->classes,
                              GLIA_DATASET_MAX_CLASSES);
    }
    if ((ds->class_names = calloc(ds->classes, sizeof(char *))) == NULL) {
        free(order);
        return GLIA_ENOMEM;
    }
    for (uint32_t k = 0; k < ds->samples; k++) {
        int32_t c = ds->labels[order[k]];
        if (ds->class_names[c] == NULL &&
            (ds->class_names[c] = cell_text(&cells[order[k]])) == NULL) {
            free(order);
            return GLIA_ENOMEM;
        }
    }
    free(order);
    return 0;
}

/* CSV and scikit-learn's CSV (is_sklearn: the first line is "samples,features,names..."). */
static int parse_csv(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                     int is_sklearn, glia_dataset_t *ds, glia_error_t *err,
                     glia_dataset_where_t *where)
{
    reader_t r = {(const char *)bytes, (const char *)bytes + len, 1};
    cell_t *first = NULL, *row = NULL, *label_cells = NULL;
    int64_t *lines = NULL, line1 = 0, line2 = 0, line, label_col, records = 0;
    long ncols, n2 = 0, n;
    int has_header = 0, rc = GLIA_ENOMEM;
    uint64_t promised = 0, named = 0;
    uint32_t s = 0;
    char shown[48];

    first = malloc((MAX_COLS + 1) * sizeof(*first));
    row = malloc((MAX_COLS + 1) * sizeof(*row));
    if (first == NULL || row == NULL)
        goto done;
    if ((ncols = read_record(&r, first, MAX_COLS + 1, &line1)) < 0)
        goto unclosed;
    if (ncols == 0) {
        rc = glia_error_set(err, GLIA_EINVAL, "", "the file holds no samples");
        goto done;
    }
    if (is_sklearn) {
        double sv, fv;
        has_header = 1;
        {
            if (ncols < 2 || cell_number(&first[0], &sv) != 0 || cell_number(&first[1], &fv) != 0 ||
                sv < 0 || sv > 1e12 || fv < 1 || sv != floor(sv) || fv != floor(fv) ||
                fv > GLIA_DATASET_MAX_FEATURES) {
                set_where(where, line1, 1, 0);
                rc = glia_error_set(err, GLIA_EFORMAT, "",
                                    "line %lld: a scikit-learn CSV file starts with \"samples,"
                                    "features,class names...\"",
                                    (long long)line1);
                goto done;
            }
            promised = (uint64_t)sv;
            named = (uint64_t)(ncols - 2);
            ncols = (long)fv + 1;
        }
    } else {
        reader_t peek = r;
        if ((n2 = read_record(&peek, row, MAX_COLS + 1, &line2)) < 0)
            goto unclosed;
        has_header = o->header;
        if (has_header < 0) {
            /* auto: a word above a number is a header */
            has_header = 0;
            for (long j = 0; j < ncols && j < n2 && j < MAX_COLS; j++) {
                double v;
                if (cell_number(&first[j], &v) != 0 && cell_number(&row[j], &v) == 0)
                    has_header = 1;
            }
        }
    }
    if (ncols > MAX_COLS) {
        rc = glia_error_set(err, GLIA_ERANGE, "",
                            "%ld columns: a dataset holds at most %d features and a label", ncols,
                            GLIA_DATASET_MAX_FEATURES);
        goto done;
    }
    if (ncols < 2) {
        set_where(where, line1, 0, 0);
        rc = glia_error_set(err, GLIA_EINVAL, "",
                            "line %lld has one column: a sample needs at least one feature and "
                            "a label",
                            (long long)line1);
        goto done;
    }

    /* The label column. */
    label_col = ncols - 1;
    if (!is_sklearn && o->label != NULL) {
        char *e;
        long v = strtol(o->label, &e, 10);
        if (*o->label != '\0' && *e == '\0' && o->label[0] != '-' && o->label[0] != '+') {
            if (v >= ncols) {
                rc = glia_error_set(err, GLIA_EINVAL, "?label",
                                    "label column %ld does not exist: the file has %ld columns "
                                    "(0 to %ld)",
                                    v, ncols, ncols - 1);
                goto done;
            }
            label_col = v;
        } else {
            label_col = -1;
            for (long j = 0; has_header && j < ncols; j++) {
                char *t = cell_text(&first[j]);
                if (t == NULL)
                    goto done;
                if (strcmp(t, o->label) == 0)
                    label_col = j;
                free(t);
                if (label_col >= 0)
                    break;
            }
            if (label_col < 0) {
                rc = glia_error_set(err, GLIA_EINVAL, "?label",
                                    has_header ? "label column \"%s\" is not in the header"
                                               : "label column \"%s\": the file has no header "
                                                 "to name it (give its 0-based index)",
                                    o->label);
                goto done;
            }
        }
    }

    /* Pass 1: count the records. */
    {
        reader_t count = {(const char *)bytes, (const char *)bytes + len, 1};
        int64_t l;
        while ((n = read_record(&count, row, 0, &l)) > 0)
            records++;
        if (n < 0)
            goto unclosed;
    }
    records -= has_header;
    if ((rc = check_shape((uint64_t)records, (uint64_t)ncols - 1, err)) != 0)
        goto done;
    if (is_sklearn && (uint64_t)records != promised) {
        set_where(where, line1, 1, 0);
        rc = glia_error_set(err, GLIA_EFORMAT, "",
                            "line %lld promises %llu samples; the file holds %lld",
                            (long long)line1, (unsigned long long)promised, (long long)records);
        goto done;
    }
    if (o->reserve_cb != NULL &&
        o->reserve_cb(o->reserve_arg,
                      (uint64_t)records * (uint64_t)(ncols - 1) * 5 +
                          (uint64_t)records * (sizeof(int32_t) + sizeof(cell_t) + 8) +
                          (uint64_t)ncols * 16) != 0) {
        rc = glia_error_set(err, GLIA_ELIMIT, "", "the memory budget is spent");
        goto done;
    }
    rc = GLIA_ENOMEM;
    if (alloc_matrix(ds, (uint32_t)records, (uint32_t)ncols - 1, 0) != 0)
        goto done;
    if ((label_cells = malloc((size_t)records * sizeof(*label_cells))) == NULL ||
        (lines = malloc((size_t)records * sizeof(*lines))) == NULL)
        goto done;
    if (has_header && !is_sklearn) {
        if ((ds->feature_names = calloc(ds->features, sizeof(char *))) == NULL)
            goto done;
        for (long j = 0, f = 0; j < ncols; j++) {
            if (j == label_col)
                continue;
            if ((ds->feature_names[f++] = cell_text(&first[j])) == NULL)
                goto done;
        }
    }

    /* Pass 2: every cell. */
    r.p = (const char *)bytes;
    r.line = 1;
    if (has_header)
        read_record(&r, row, MAX_COLS + 1, &line);
    while ((n = read_record(&r, row, MAX_COLS + 1, &line)) > 0) {
        float *x = ds->xf + (size_t)s * ds->features;
        if (n != ncols) {
            set_where(where, line, 0, 0);
            rc = glia_error_set(
                err, GLIA_EFORMAT, "", "line %lld has %ld cells; the %s has %ld (a ragged row)",
                (long long)line, n,
                is_sklearn ? "first line promises features and a label, so" : "first line", ncols);
            goto done;
        }
        for (long j = 0, f = 0; j < ncols; j++) {
            double v;
            if (j == label_col)
                continue;
            if (cell_number(&row[j], &v) != 0) {
                cell_show(&row[j], shown, sizeof(shown));
                set_where(where, line, j + 1, 0);
                rc = glia_error_set(err, GLIA_EFORMAT, "",
                                    "line %lld, column %ld: \"%s\" is not a number",
                                    (long long)line, j + 1, shown);
                goto done;
            }
            x[f] = (float)v;
            ds->fmin[f] = v < ds->fmin[f] ? v : ds->fmin[f];
            ds->fmax[f] = v > ds->fmax[f] ? v : ds->fmax[f];
            f++;
        }
        label_cells[s] = row[label_col];
        lines[s] = line;
        s++;
    }
    if ((rc = set_labels(ds, label_cells, lines, label_col,
                         is_sklearn && named > 0 ? (uint32_t)named : GLIA_DATASET_MAX_CLASSES,
                         !is_sklearn, err, where)) != 0)
        goto done;
    if (is_sklearn && named > 0) {
        ds->classes = (uint32_t)named;
        rc = GLIA_ENOMEM;
        if ((ds->class_names = calloc(named, sizeof(char *))) == NULL)
            goto done;
        for (uint64_t k = 0; k < named; k++)
            if ((ds->class_names[k] = cell_text(&first[2 + k])) == NULL)
                goto done;
    }
    rc = narrow(ds);
    goto done;
unclosed:
    set_where(where, r.line, 0, 0);
    rc = glia_error_set(err, GLIA_EFORMAT, "", "a quoted cell is never closed (from line %lld)",
                        (long long)r.line);
done:
    free(first);
    free(row);
    free(label_cells);
    free(lines);
    return rc;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One IDX header at `off`: its dimensions and where its data starts. */
static int idx_header(const uint8_t *b, size_t len, size_t off, const char *what, uint32_t *dims,
                      int *nd, size_t *data, glia_error_t *err, glia_dataset_where_t *where)
{
    if (len - off < 4 || b[off] != 0 || b[off + 1] != 0) {
        char seen[16] = "";
        for (size_t i = 0; i < 4 && off + i < len; i++)
            snprintf(seen + 3 * i, sizeof(seen) - 3 * i, "%02x ", b[off + i]);
        set_where(where, 0, 0, (int64_t)off);
        return glia_error_set(err, GLIA_EFORMAT, "",
                              "byte %zu: bad IDX magic %s(the %s file should start with 00 00, "
                              "a type byte and a dimension count)",
                              off, seen, what);
    }
    if (b[off + 2] != 0x08) {
        set_where(where, 0, 0, (int64_t)off + 2);
        return glia_error_set(err, GLIA_EFORMAT, "",
                              "byte %zu: IDX type 0x%02x: only unsigned bytes (0x08) are read",
                              off + 2, b[off + 2]);
    }
    *nd = b[off + 3];
    if (*nd < 1 || *nd > 4 || len - off - 4 < 4 * (size_t)*nd) {
        set_where(where, 0, 0, (int64_t)off + 3);
        return glia_error_set(err, GLIA_EFORMAT, "", "byte %zu: the %s file has %d dimensions%s",
                              off + 3, what, *nd,
                              *nd < 1 || *nd > 4 ? " (1 to 4 are read)" : " but ends first");
    }
    for (int i = 0; i < *nd; i++)
        dims[i] = be32(b + off + 4 + 4 * (size_t)i);
    *data = off + 4 + 4 * (size_t)*nd;
    return 0;
}

/* IDX (images, labels) pairs; with `ds` NULL only counted into *samples and *features. */
static int parse_idx(const uint8_t *b, size_t len, glia_dataset_t *ds, uint64_t *samples,
                     uint64_t *features, glia_error_t *err, glia_dataset_where_t *where)
{
    size_t off = 0;
    uint64_t s = 0;
    uint32_t parts = 0;
    int rc;

    *features = 0;
    while (off < len) {
        uint32_t dims[4], ldims[4];
        int nd, lnd;
        size_t data, ldata;
        uint64_t n, f = 1;

        if ((rc = idx_header(b, len, off, "images", dims, &nd, &data, err, where)) != 0)
            return rc;
        if (nd < 2) {
            set_where(where, 0, 0, (int64_t)off + 3);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: an images file (2 to 4 dimensions) was expected; "
                                  "this one has 1 (send the images file, then its labels file)",
                                  off + 3);
        }
        n = dims[0];
        for (int i = 1; i < nd; i++)
            f *= dims[i];
        if ((rc = check_shape(s + n > 0 ? s + n : 1, f, err)) != 0)
            return rc;
        if (parts > 0 && f != *features) {
            set_where(where, 0, 0, (int64_t)off);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: these images have %llu features; the first part's "
                                  "have %llu",
                                  off, (unsigned long long)f, (unsigned long long)*features);
        }
        if (parts == GLIA_DATASET_MAX_PARTS)
            return glia_error_set(err, GLIA_ERANGE, "", "more than %d (images, labels) pairs",
                                  GLIA_DATASET_MAX_PARTS);
        *features = f;
        if (len - data < n * f) {
            set_where(where, 0, 0, (int64_t)len);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "the images file at byte %zu promises %llu x %llu bytes; it "
                                  "ends first (truncated)",
                                  off, (unsigned long long)n, (unsigned long long)f);
        }
        off = data + n * f;
        if (off == len) {
            set_where(where, 0, 0, (int64_t)off);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: the images end here; their labels file must follow",
                                  off);
        }
        if ((rc = idx_header(b, len, off, "labels", ldims, &lnd, &ldata, err, where)) != 0)
            return rc;
        if (lnd != 1 || ldims[0] != n) {
            set_where(where, 0, 0, (int64_t)off);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: a labels file of %llu labels (1 dimension) must "
                                  "follow %llu images",
                                  off, (unsigned long long)n, (unsigned long long)n);
        }
        if (len - ldata < n) {
            set_where(where, 0, 0, (int64_t)len);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "the labels file at byte %zu promises %llu labels; it ends "
                                  "first (truncated)",
                                  off, (unsigned long long)n);
        }
        if (ds != NULL) {
            memcpy(ds->x8 + s * f, b + data, n * f);
            for (uint64_t i = 0; i < n; i++)
                ds->labels[s + i] = b[ldata + i];
            ds->parts[parts] = (uint32_t)n;
        }
        s += n;
        parts++;
        off = ldata + n;
    }
    if (ds != NULL)
        ds->n_parts = parts;
    *samples = s;
    return check_shape(s, *features ? *features : 1, err);
}

static int parse_idx_all(const uint8_t *b, size_t len, const glia_dataset_options_t *o,
                         glia_dataset_t *ds, glia_error_t *err, glia_dataset_where_t *where)
{
    uint64_t samples, features;
    int rc;

    if (len == 0)
        return glia_error_set(err, GLIA_EINVAL, "", "the body is empty: no samples");
    if ((rc = parse_idx(b, len, NULL, &samples, &features, err, where)) != 0)
        return rc;
    if (o->reserve_cb != NULL &&
        o->reserve_cb(o->reserve_arg, samples * features + samples * 4 + features * 16) != 0)
        return glia_error_set(err, GLIA_ELIMIT, "", "the memory budget is spent");
    if (alloc_matrix(ds, (uint32_t)samples, (uint32_t)features, 1) != 0)
        return GLIA_ENOMEM;
    parse_idx(b, len, ds, &samples, &features, err, where);
    for (size_t i = 0; i < (size_t)samples * features; i++) {
        const uint32_t j = (uint32_t)(i % features);
        ds->fmin[j] = ds->x8[i] < ds->fmin[j] ? ds->x8[i] : ds->fmin[j];
        ds->fmax[j] = ds->x8[i] > ds->fmax[j] ? ds->x8[i] : ds->fmax[j];
    }
    for (uint32_t i = 0; i < ds->samples; i++)
        ds->classes =
            (uint32_t)ds->labels[i] + 1 > ds->classes ? (uint32_t)ds->labels[i] + 1 : ds->classes;
    return 0;
}

int glia_dataset_parse(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                       glia_dataset_t **out, glia_error_t *err, glia_dataset_where_t *where)
{
    glia_dataset_t *ds = calloc(1, sizeof(*ds));
    int rc;

    *out = NULL;
    set_where(where, 0, 0, 0);
    if (ds == NULL)
        return GLIA_ENOMEM;
    switch (o->format) {
    case GLIA_DATASET_CSV:
    case GLIA_DATASET_SKLEARN:
        rc = parse_csv(bytes, len, o, o->format == GLIA_DATASET_SKLEARN, ds, err, where);
        break;
    case GLIA_DATASET_IDX:
        rc = parse_idx_all(bytes, len, o, ds, err, where);
        break;
    default:
        rc = glia_error_set(err, GLIA_EINVAL, "?format", "unknown dataset format");
        break;
    }
    if (rc != 0) {
        glia_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

uint64_t glia_dataset_encoded_bytes(uint32_t samples, uint32_t features, int is_u8)
{
    return HEADER_LEN + (uint64_t)samples * features * (is_u8 ? 1 : 4) + (uint64_t)samples * 4;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int glia_dataset_encode(const glia_dataset_t *ds, uint8_t **blob, size_t *len)
{
    const size_t cells = (size_t)ds->samples * ds->features;
    const size_t n = (size_t)glia_dataset_encoded_bytes(ds->samples, ds->features, ds->is_u8);
    uint8_t *b = malloc(n), *p;

    if (b == NULL)
        return GLIA_ENOMEM;
    memcpy(b, MAGIC, 8);
    put32(b + 8, ds->samples);
    put32(b + 12, ds->features);
    put32(b + 16, ds->classes);
    put32(b + 20, ds->is_u8 ? 0 : 1);
    p = b + HEADER_LEN;
    if (ds->is_u8) {
        memcpy(p, ds->x8, cells);
        p += cells;
    } else {
        for (size_t i = 0; i < cells; i++, p += 4) {
            uint32_t u;
            float f = ds->xf[i] == 0 ? 0.0f : ds->xf[i]; /* -0 and 0 are one value */
            memcpy(&u, &f, 4);
            put32(p, u);
        }
    }
    for (uint32_t i = 0; i < ds->samples; i++, p += 4)
        put32(p, (uint32_t)ds->labels[i]);
    *blob = b;
    *len = n;
    return 0;
}

int glia_dataset_decode(const uint8_t *b, size_t len, glia_dataset_t **out)
{
    glia_dataset_t *ds;
    uint32_t samples, features, classes, storage;
    const uint8_t *p;
    size_t cells;

    *out = NULL;
    if (len < HEADER_LEN || memcmp(b, MAGIC, 8) != 0)
        return GLIA_EFORMAT;
    samples = get32(b + 8);
    features = get32(b + 12);
    classes = get32(b + 16);
    storage = get32(b + 20);
    if (storage > 1 || samples > GLIA_DATASET_MAX_SAMPLES || features > GLIA_DATASET_MAX_FEATURES ||
        classes > GLIA_DATASET_MAX_CLASSES ||
        len != glia_dataset_encoded_bytes(samples, features, storage == 0))
        return GLIA_EFORMAT;
    if ((ds = calloc(1, sizeof(*ds))) == NULL)
        return GLIA_ENOMEM;
    if (alloc_matrix(ds, samples, features, storage == 0) != 0) {
        glia_dataset_free(ds);
        return GLIA_ENOMEM;
    }
    ds->classes = classes;
    cells = (size_t)samples * features;
    p = b + HEADER_LEN;
    for (size_t i = 0; i < cells; i++) {
        double v;
        if (storage == 0) {
            v = ds->x8[i] = p[i];
        } else {
            uint32_t u = get32(p + 4 * i);
            memcpy(&ds->xf[i], &u, 4);
            v = ds->xf[i];
        }
        ds->fmin[i % features] = v < ds->fmin[i % features] ? v : ds->fmin[i % features];
        ds->fmax[i % features] = v > ds->fmax[i % features] ? v : ds->fmax[i % features];
    }
    p += cells * (storage == 0 ? 1 : 4);
    for (uint32_t i = 0; i < samples; i++) {
        ds->labels[i] = (int32_t)get32(p + 4 * (size_t)i);
        if (ds->labels[i] < 0 || (uint32_t)ds->labels[i] >= classes) {
            glia_dataset_free(ds);
            return GLIA_EFORMAT;
        }
    }
    *out = ds;
    return 0;
}

static json_t *number(const glia_dataset_t *ds, double v)
{
    return ds->is_u8 ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *names(char **v, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; a != NULL && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *glia_dataset_describe(const glia_dataset_t *ds)
{
    json_t *d = json_object(), *lo = json_array(), *hi = json_array(), *counts = json_array();
    uint32_t *count = calloc(ds->classes ? ds->classes : 1, sizeof(uint32_t));
    double all_lo = INFINITY, all_hi = -INFINITY;
    int bad = d == NULL || lo == NULL || hi == NULL || counts == NULL || count == NULL;

    for (uint32_t j = 0; !bad && j < ds->features; j++) {
        bad |= json_array_append_new(lo, number(ds, ds->fmin[j])) != 0;
        bad |= json_array_append_new(hi, number(ds, ds->fmax[j])) != 0;
        all_lo = ds->fmin[j] < all_lo ? ds->fmin[j] : all_lo;
        all_hi = ds->fmax[j] > all_hi ? ds->fmax[j] : all_hi;
    }
    for (uint32_t i = 0; !bad && i < ds->samples; i++)
        count[ds->labels[i]]++;
    for (uint32_t c = 0; !bad && c < ds->classes; c++)
        bad |= json_array_append_new(counts, json_integer(count[c])) != 0;
    free(count);
    if (!bad) {
        bad |= json_object_set_new(d, "samples", json_integer(ds->samples)) != 0;
        bad |= json_object_set_new(d, "features", json_integer(ds->features)) != 0;
        bad |= json_object_set_new(d, "classes", json_integer(ds->classes)) != 0;
        bad |= json_object_set_new(d, "storage", json_string(ds->is_u8 ? "uint8" : "float32")) != 0;
        bad |= json_object_set_new(d, "range",
                                   json_pack("{s:o, s:o}", "min", number(ds, all_lo), "max",
                                             number(ds, all_hi))) != 0;
        bad |= json_object_set_new(d, "class_counts", counts) != 0;
        counts = NULL;
        if (ds->class_names != NULL)
            bad |= json_object_set_new(d, "class_names", names(ds->class_names, ds->classes)) != 0;
        bad |= json_object_set_new(d, "feature_min", lo) != 0;
        bad |= json_object_set_new(d, "feature_max", hi) != 0;
        lo = hi = NULL;
        if (ds->feature_names != NULL)
            bad |= json_object_set_new(d, "feature_names",
                                       names(ds->feature_names, ds->features)) != 0;
        if (ds->n_parts > 1) {
            json_t *parts = json_array();
            for (uint32_t k = 0; parts != NULL && k < ds->n_parts; k++)
                json_array_append_new(parts, json_integer(ds->parts[k]));
            bad |= json_object_set_new(d, "parts", parts) != 0;
        }
    }
    json_decref(lo);
    json_decref(hi);
    json_decref(counts);
    if (bad) {
        json_decref(d);
        return NULL;
    }
    return d;
}
