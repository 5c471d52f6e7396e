/* dataset_csv.c: CSV and scikit-learn CSV bytes into a dataset.
 *
 * CSV is read in two passes over the bytes: the first counts the lines (so the matrix is
 * allocated once, and a file past a bound is refused before anything large is allocated),
 * the second parses every cell. Cells are slices of the input; only names are copied.
 * Numbers are read with strtod in the C locale gliad runs in; a cell that is not a whole
 * finite number is an error naming its line and column, never a zero.
 *
 * A parse is a few steps over one csv_t: the first line (a header or not; scikit-learn's
 * "samples,features,class names..."), the label column, counting and reserving, the cells,
 * the labels.
 */
#include "api/dataset_csv.h"
#include "api/dataset_matrix.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS (GLIA_DATASET_MAX_FEATURES + 1)

typedef struct cell {
    const char *p;
    size_t n;
    int is_quoted;
} cell_t;

typedef struct reader {
    const char *p, *end;
    int64_t line; /* the line the next record starts on (1-based) */
} reader_t;

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
                glia__dataset_set_where(where, lines[i], label_col + 1, 0);
                return glia_error_set(err, GLIA_EFORMAT, "",
                                      "line %lld, column %lld: label \"%s\" is not a class index",
                                      (long long)lines[i], (long long)label_col + 1, shown);
            }
            break;
        }
        if (v != floor(v) || v < 0 || v >= max_class) {
            cell_show(&cells[i], shown, sizeof(shown));
            glia__dataset_set_where(where, lines[i], label_col + 1, 0);
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

/* One parse: the input, what the first line said, and what the steps below hand on. */
typedef struct csv {
    const uint8_t *bytes;
    size_t len;
    const glia_dataset_options_t *o;
    int is_sklearn;
    glia_dataset_t *ds;
    glia_error_t *err;
    glia_dataset_where_t *where;
    reader_t r;          /* the first line, then pass 2; its line names an unclosed quote */
    cell_t *first, *row; /* the first record; the current one (MAX_COLS + 1 each) */
    cell_t *label_cells; /* samples: each sample's label cell */
    int64_t *lines;      /* samples: the line each sample is on */
    int64_t line1, label_col, records;
    long ncols;
    int has_header;
    uint64_t promised, named; /* scikit-learn: the samples and class names of the first line */
} csv_t;

static int unclosed(csv_t *c)
{
    glia__dataset_set_where(c->where, c->r.line, 0, 0);
    return glia_error_set(c->err, GLIA_EFORMAT, "",
                          "a quoted cell is never closed (from line %lld)", (long long)c->r.line);
}

/* scikit-learn's first line "samples,features,class names...": the columns are the features
 * and a label, whatever the first line's own count. */
static int sklearn_first_line(csv_t *c)
{
    double sv, fv;

    c->has_header = 1;
    if (c->ncols < 2 || cell_number(&c->first[0], &sv) != 0 ||
        cell_number(&c->first[1], &fv) != 0 || sv < 0 || sv > 1e12 || fv < 1 || sv != floor(sv) ||
        fv != floor(fv) || fv > GLIA_DATASET_MAX_FEATURES) {
        glia__dataset_set_where(c->where, c->line1, 1, 0);
        return glia_error_set(c->err, GLIA_EFORMAT, "",
                              "line %lld: a scikit-learn CSV file starts with \"samples,"
                              "features,class names...\"",
                              (long long)c->line1);
    }
    c->promised = (uint64_t)sv;
    c->named = (uint64_t)(c->ncols - 2);
    c->ncols = (long)fv + 1;
    return 0;
}

/* Whether the first line is a header: as asked, or (auto) a word above a number. */
static int detect_header(csv_t *c)
{
    reader_t peek = c->r;
    int64_t line2;
    long n2;

    if ((n2 = read_record(&peek, c->row, MAX_COLS + 1, &line2)) < 0)
        return unclosed(c);
    c->has_header = c->o->header < 0 ? -1 : c->o->header != 0; /* -1 auto, else 0 or 1 */
    if (c->has_header < 0) {
        c->has_header = 0;
        for (long j = 0; j < c->ncols && j < n2 && j < MAX_COLS; j++) {
            double v;
            if (cell_number(&c->first[j], &v) != 0 && cell_number(&c->row[j], &v) == 0)
                c->has_header = 1;
        }
    }
    return 0;
}

/* The first record: the number of columns and whether it is a header. */
static int first_line(csv_t *c)
{
    int rc;

    c->first = malloc((MAX_COLS + 1) * sizeof(*c->first));
    c->row = malloc((MAX_COLS + 1) * sizeof(*c->row));
    if (c->first == NULL || c->row == NULL)
        return GLIA_ENOMEM;
    if ((c->ncols = read_record(&c->r, c->first, MAX_COLS + 1, &c->line1)) < 0)
        return unclosed(c);
    if (c->ncols == 0)
        return glia_error_set(c->err, GLIA_EINVAL, "", "the file holds no samples");
    if ((rc = c->is_sklearn ? sklearn_first_line(c) : detect_header(c)) != 0)
        return rc;
    if (c->ncols > MAX_COLS)
        return glia_error_set(c->err, GLIA_ERANGE, "",
                              "%ld columns: a dataset holds at most %d features and a label",
                              c->ncols, GLIA_DATASET_MAX_FEATURES);
    if (c->ncols < 2) {
        glia__dataset_set_where(c->where, c->line1, 0, 0);
        return glia_error_set(c->err, GLIA_EINVAL, "",
                              "line %lld has one column: a sample needs at least one feature and "
                              "a label",
                              (long long)c->line1);
    }
    return 0;
}

/* The label column: the last, or o->label as a 0-based index or a header name. */
static int label_column(csv_t *c)
{
    const char *label = c->o->label;
    char *e;
    long v;

    c->label_col = c->ncols - 1;
    if (c->is_sklearn || label == NULL)
        return 0;
    v = strtol(label, &e, 10);
    if (*label != '\0' && *e == '\0' && label[0] != '-' && label[0] != '+') {
        if (v >= c->ncols)
            return glia_error_set(c->err, GLIA_EINVAL, "?label",
                                  "label column %ld does not exist: the file has %ld columns "
                                  "(0 to %ld)",
                                  v, c->ncols, c->ncols - 1);
        c->label_col = v;
        return 0;
    }
    c->label_col = -1;
    for (long j = 0; c->has_header && j < c->ncols; j++) {
        char *t = cell_text(&c->first[j]);
        if (t == NULL)
            return GLIA_ENOMEM;
        if (strcmp(t, label) == 0)
            c->label_col = j;
        free(t);
        if (c->label_col >= 0)
            break;
    }
    if (c->label_col < 0)
        return glia_error_set(c->err, GLIA_EINVAL, "?label",
                              c->has_header ? "label column \"%s\" is not in the header"
                                            : "label column \"%s\": the file has no header "
                                              "to name it (give its 0-based index)",
                              label);
    return 0;
}

/* Pass 1: count the records, check the shape, ask for the memory, then allocate the matrix,
 * the label cells and lines, and the feature names of a header. */
static int count_and_reserve(csv_t *c)
{
    reader_t count = {(const char *)c->bytes, (const char *)c->bytes + c->len, 1};
    const glia_dataset_options_t *o = c->o;
    glia_dataset_t *ds = c->ds;
    int64_t l;
    long n;
    int rc;

    while ((n = read_record(&count, c->row, 0, &l)) > 0)
        c->records++;
    if (n < 0)
        return unclosed(c);
    c->records -= c->has_header;
    if ((rc = glia__dataset_check_shape((uint64_t)c->records, (uint64_t)c->ncols - 1, c->err)) != 0)
        return rc;
    if (c->is_sklearn && (uint64_t)c->records != c->promised) {
        glia__dataset_set_where(c->where, c->line1, 1, 0);
        return glia_error_set(
            c->err, GLIA_EFORMAT, "", "line %lld promises %llu samples; the file holds %lld",
            (long long)c->line1, (unsigned long long)c->promised, (long long)c->records);
    }
    if (o->reserve_cb != NULL &&
        o->reserve_cb(o->reserve_arg,
                      (uint64_t)c->records * (uint64_t)(c->ncols - 1) * 5 +
                          (uint64_t)c->records * (sizeof(int32_t) + sizeof(cell_t) + 8) +
                          (uint64_t)c->ncols * 16) != 0)
        return glia_error_set(c->err, GLIA_ELIMIT, "", "the memory budget is spent");
    if (glia__dataset_alloc_matrix(ds, (uint32_t)c->records, (uint32_t)c->ncols - 1, 0) != 0 ||
        (c->label_cells = malloc((size_t)c->records * sizeof(*c->label_cells))) == NULL ||
        (c->lines = malloc((size_t)c->records * sizeof(*c->lines))) == NULL)
        return GLIA_ENOMEM;
    if (c->has_header && !c->is_sklearn) {
        if ((ds->feature_names = calloc(ds->features, sizeof(char *))) == NULL)
            return GLIA_ENOMEM;
        for (long j = 0, f = 0; j < c->ncols; j++) {
            if (j == c->label_col)
                continue;
            if ((ds->feature_names[f++] = cell_text(&c->first[j])) == NULL)
                return GLIA_ENOMEM;
        }
    }
    return 0;
}

/* One record's features into sample s's row of the matrix and its ranges. */
static int record_cells(csv_t *c, uint32_t s, long n, int64_t line)
{
    glia_dataset_t *ds = c->ds;
    float *x = ds->xf + (size_t)s * ds->features;
    char shown[48];

    if (n != c->ncols) {
        glia__dataset_set_where(c->where, line, 0, 0);
        return glia_error_set(
            c->err, GLIA_EFORMAT, "", "line %lld has %ld cells; the %s has %ld (a ragged row)",
            (long long)line, n,
            c->is_sklearn ? "first line promises features and a label, so" : "first line",
            c->ncols);
    }
    for (long j = 0, f = 0; j < c->ncols; j++) {
        double v;
        if (j == c->label_col)
            continue;
        if (cell_number(&c->row[j], &v) != 0) {
            cell_show(&c->row[j], shown, sizeof(shown));
            glia__dataset_set_where(c->where, line, j + 1, 0);
            return glia_error_set(c->err, GLIA_EFORMAT, "",
                                  "line %lld, column %ld: \"%s\" is not a number", (long long)line,
                                  j + 1, shown);
        }
        x[f] = (float)v;
        ds->fmin[f] = v < ds->fmin[f] ? v : ds->fmin[f];
        ds->fmax[f] = v > ds->fmax[f] ? v : ds->fmax[f];
        f++;
    }
    return 0;
}

/* Pass 2: every cell (pass 1 found no unclosed quote, so every record reads). */
static int cells(csv_t *c)
{
    int64_t line;
    uint32_t s = 0;
    long n;
    int rc;

    c->r.p = (const char *)c->bytes;
    c->r.line = 1;
    if (c->has_header)
        read_record(&c->r, c->row, MAX_COLS + 1, &line);
    while ((n = read_record(&c->r, c->row, MAX_COLS + 1, &line)) > 0) {
        if ((rc = record_cells(c, s, n, line)) != 0)
            return rc;
        c->label_cells[s] = c->row[c->label_col];
        c->lines[s] = line;
        s++;
    }
    return 0;
}

/* The labels, scikit-learn's class names, and the canonical storage. */
static int labels(csv_t *c)
{
    glia_dataset_t *ds = c->ds;
    const int has_names = c->is_sklearn && c->named > 0;
    int rc;

    if ((rc = set_labels(ds, c->label_cells, c->lines, c->label_col,
                         has_names ? (uint32_t)c->named : GLIA_DATASET_MAX_CLASSES, !c->is_sklearn,
                         c->err, c->where)) != 0)
        return rc;
    if (has_names) {
        ds->classes = (uint32_t)c->named;
        if ((ds->class_names = calloc(c->named, sizeof(char *))) == NULL)
            return GLIA_ENOMEM;
        for (uint64_t k = 0; k < c->named; k++)
            if ((ds->class_names[k] = cell_text(&c->first[2 + k])) == NULL)
                return GLIA_ENOMEM;
    }
    return glia__dataset_narrow(ds);
}

int glia__dataset_parse_csv(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                            int is_sklearn, glia_dataset_t *ds, glia_error_t *err,
                            glia_dataset_where_t *where)
{
    csv_t c = {.bytes = bytes,
               .len = len,
               .o = o,
               .is_sklearn = is_sklearn,
               .ds = ds,
               .err = err,
               .where = where,
               .r = {(const char *)bytes, (const char *)bytes + len, 1}};
    int rc;

    if ((rc = first_line(&c)) == 0 && (rc = label_column(&c)) == 0 &&
        (rc = count_and_reserve(&c)) == 0 && (rc = cells(&c)) == 0)
        rc = labels(&c);
    free(c.first);
    free(c.row);
    free(c.label_cells);
    free(c.lines);
    return rc;
}
