/* dataset_idx.c: MNIST-style IDX files of unsigned bytes into a dataset.
 *
 * A body is one or more (images, labels) pairs, each an IDX file: two zero bytes, a type byte
 * (0x08: unsigned bytes), a dimension count, big-endian dimensions, then the data. The pairs
 * are walked twice: the first walk only checks and counts (so the memory is asked for and the
 * matrix allocated once), the second copies the bytes.
 */
#include "api/dataset_idx.h"
#include "api/dataset_matrix.h"

#include <stdio.h>
#include <string.h>

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
        glia__dataset_set_where(where, 0, 0, (int64_t)off);
        return glia_error_set(err, GLIA_EFORMAT, "",
                              "byte %zu: bad IDX magic %s(the %s file should start with 00 00, "
                              "a type byte and a dimension count)",
                              off, seen, what);
    }
    if (b[off + 2] != 0x08) {
        glia__dataset_set_where(where, 0, 0, (int64_t)off + 2);
        return glia_error_set(err, GLIA_EFORMAT, "",
                              "byte %zu: IDX type 0x%02x: only unsigned bytes (0x08) are read",
                              off + 2, b[off + 2]);
    }
    *nd = b[off + 3];
    if (*nd < 1 || *nd > 4 || len - off - 4 < 4 * (size_t)*nd) {
        glia__dataset_set_where(where, 0, 0, (int64_t)off + 3);
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
static int walk_pairs(const uint8_t *b, size_t len, glia_dataset_t *ds, uint64_t *samples,
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
            glia__dataset_set_where(where, 0, 0, (int64_t)off + 3);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: an images file (2 to 4 dimensions) was expected; "
                                  "this one has 1 (send the images file, then its labels file)",
                                  off + 3);
        }
        n = dims[0];
        for (int i = 1; i < nd; i++)
            f *= dims[i];
        if ((rc = glia__dataset_check_shape(s + n > 0 ? s + n : 1, f, err)) != 0)
            return rc;
        if (parts > 0 && f != *features) {
            glia__dataset_set_where(where, 0, 0, (int64_t)off);
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
            glia__dataset_set_where(where, 0, 0, (int64_t)len);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "the images file at byte %zu promises %llu x %llu bytes; it "
                                  "ends first (truncated)",
                                  off, (unsigned long long)n, (unsigned long long)f);
        }
        off = data + n * f;
        if (off == len) {
            glia__dataset_set_where(where, 0, 0, (int64_t)off);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: the images end here; their labels file must follow",
                                  off);
        }
        if ((rc = idx_header(b, len, off, "labels", ldims, &lnd, &ldata, err, where)) != 0)
            return rc;
        if (lnd != 1 || ldims[0] != n) {
            glia__dataset_set_where(where, 0, 0, (int64_t)off);
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "byte %zu: a labels file of %llu labels (1 dimension) must "
                                  "follow %llu images",
                                  off, (unsigned long long)n, (unsigned long long)n);
        }
        if (len - ldata < n) {
            glia__dataset_set_where(where, 0, 0, (int64_t)len);
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
    return glia__dataset_check_shape(s, *features ? *features : 1, err);
}

int glia__dataset_parse_idx(const uint8_t *b, size_t len, const glia_dataset_options_t *o,
                            glia_dataset_t *ds, glia_error_t *err, glia_dataset_where_t *where)
{
    uint64_t samples, features;
    int rc;

    if (len == 0)
        return glia_error_set(err, GLIA_EINVAL, "", "the body is empty: no samples");
    if ((rc = walk_pairs(b, len, NULL, &samples, &features, err, where)) != 0)
        return rc;
    if (o->reserve_cb != NULL &&
        o->reserve_cb(o->reserve_arg, samples * features + samples * 4 + features * 16) != 0)
        return glia_error_set(err, GLIA_ELIMIT, "", "the memory budget is spent");
    if (glia__dataset_alloc_matrix(ds, (uint32_t)samples, (uint32_t)features, 1) != 0)
        return GLIA_ENOMEM;
    walk_pairs(b, len, ds, &samples, &features, err, where);
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
