/* load.c: gunzip (zlib), parse (api/dataset.c), encode and hash a dataset, with every
 * large buffer counted against the memory budget before it is allocated.
 *
 * The budget is taken in steps as the buffers appear (the decompressed bytes as they
 * grow, the parse's matrix once its shape is known, the canonical content) and given
 * back as each one goes, so a load that would not fit is refused (507) before it holds
 * the memory, and a finished load holds only its canonical content.
 */
#include "server/datasets/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/error.h"

int glia_is_gzip(const uint8_t *b, size_t len)
{
    return len >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

int glia_gunzip(const uint8_t *in, size_t len, uint64_t max_bytes, glia_budget_t *budget,
                uint8_t **out, size_t *out_len, uint64_t *held, uint64_t *need, int *too_large,
                char *msg, size_t msg_size)
{
    z_stream z;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    uint64_t taken = 0;
    int zrc = Z_OK, rc = 0;

    *out = NULL;
    *out_len = 0;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return GLIA_ENOMEM;
    z.next_in = (Bytef *)in;
    for (;;) {
        size_t chunk = len - (size_t)((const uint8_t *)z.next_in - in);
        z.avail_in = chunk > (1u << 30) ? (1u << 30) : (uInt)chunk;
        if (n == cap) {
            size_t grow = cap < (1u << 20) ? (1u << 20) : cap;
            uint8_t *nb;
            if (cap >= max_bytes) {
                /* Full at the bound: one byte more would be past it. */
                uint8_t probe;
                z.next_out = &probe;
                z.avail_out = 1;
                zrc = inflate(&z, Z_NO_FLUSH);
                if (z.avail_out == 0) {
                    *too_large = 1;
                    snprintf(msg, msg_size,
                             "the decompressed body exceeds %llu bytes (--max-dataset-bytes)",
                             (unsigned long long)max_bytes);
                    rc = GLIA_ELIMIT;
                    break;
                }
                goto ended;
            }
            if (grow > max_bytes - cap)
                grow = (size_t)(max_bytes - cap);
            if (budget != NULL && glia_budget_take(budget, grow) != 0) {
                *need = taken + grow;
                snprintf(msg, msg_size, "decompressing the body");
                rc = GLIA_ELIMIT;
                break;
            }
            taken += budget != NULL ? grow : 0;
            if ((nb = realloc(buf, cap + grow)) == NULL) {
                rc = GLIA_ENOMEM;
                break;
            }
            buf = nb;
            cap += grow;
        }
        z.next_out = buf + n;
        z.avail_out = (uInt)(cap - n > (1u << 30) ? (1u << 30) : cap - n);
        zrc = inflate(&z, Z_NO_FLUSH);
        n = (size_t)(z.next_out - buf);
    ended:
        if (zrc == Z_STREAM_END) {
            size_t used = (size_t)((const uint8_t *)z.next_in - in);
            if (used == len)
                break;
            if (!glia_is_gzip(in + used, len - used)) {
                snprintf(msg, msg_size,
                         "byte %zu: after a gzip member comes something that is not gzip "
                         "(compress every file, or none)",
                         used);
                rc = GLIA_EFORMAT;
                break;
            }
            inflateReset(&z); /* the next member (files concatenated) */
            continue;
        }
        if (zrc == Z_BUF_ERROR && z.avail_in == 0) {
            snprintf(msg, msg_size, "the gzip data ends early (truncated at byte %zu)", len);
            rc = GLIA_EFORMAT;
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            if (zrc == Z_MEM_ERROR) {
                rc = GLIA_ENOMEM;
            } else {
                snprintf(msg, msg_size, "byte %zu: the gzip data is damaged (%s)",
                         (size_t)((const uint8_t *)z.next_in - in), z.msg ? z.msg : "zlib");
                rc = GLIA_EFORMAT;
            }
            break;
        }
    }
    inflateEnd(&z);
    if (rc != 0) {
        free(buf);
        if (budget != NULL)
            glia_budget_give(budget, taken);
        return rc;
    }
    *out = buf;
    *out_len = n;
    *held = taken;
    return 0;
}

typedef struct reserve {
    glia_budget_t *budget;
    uint64_t taken, need;
} reserve_t;

static int reserve_cb(void *arg, uint64_t bytes)
{
    reserve_t *r = arg;

    if (r->budget == NULL)
        return 0;
    if (glia_budget_take(r->budget, bytes) != 0) {
        r->need = bytes;
        return -1;
    }
    r->taken += bytes;
    return 0;
}

static void give(glia_budget_t *b, uint64_t *held)
{
    if (b != NULL && *held > 0)
        glia_budget_give(b, *held);
    *held = 0;
}

int glia_dataset_load(const uint8_t *bytes, size_t len, const glia_dataset_options_t *o,
                      uint64_t max_bytes, glia_budget_t *budget, glia_dataset_loaded_t *out,
                      glia_error_t *err, glia_dataset_where_t *where)
{
    glia_dataset_options_t opt = *o;
    reserve_t res = {budget, 0, 0};
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    uint64_t plain_held = 0, blob_bytes;
    glia_dataset_t *ds = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (where != NULL)
        memset(where, 0, sizeof(*where));
    if (glia_is_gzip(bytes, len)) {
        char msg[GLIA_MESSAGE_MAX];
        rc = glia_gunzip(bytes, len, max_bytes, budget, &plain, &plain_len, &plain_held, &out->need,
                         &out->is_too_large, msg, sizeof(msg));
        if (rc != 0) {
            out->is_over_budget = rc == GLIA_ELIMIT && !out->is_too_large;
            return glia_error_set(err, rc, "", "%s", msg);
        }
        bytes = plain;
        len = plain_len;
    }
    opt.reserve_cb = reserve_cb;
    opt.reserve_arg = &res;
    rc = glia_dataset_parse(bytes, len, &opt, &ds, err, where);
    free(plain);
    give(budget, &plain_held);
    if (rc != 0) {
        give(budget, &res.taken);
        if (rc == GLIA_ELIMIT) {
            out->is_over_budget = 1;
            out->need = res.need;
        }
        return rc;
    }
    blob_bytes = glia_dataset_encoded_bytes(ds->samples, ds->features, ds->is_u8);
    if (budget != NULL && glia_budget_take(budget, blob_bytes) != 0) {
        glia_dataset_free(ds);
        give(budget, &res.taken);
        out->is_over_budget = 1;
        out->need = blob_bytes;
        return glia_error_set(err, GLIA_ELIMIT, "", "the memory budget is spent");
    }
    out->held = budget != NULL ? blob_bytes : 0;
    rc = glia_dataset_encode(ds, &out->blob, &out->blob_len);
    if (rc == 0 && (out->meta = glia_dataset_describe(ds)) == NULL)
        rc = GLIA_ENOMEM;
    glia_dataset_free(ds);
    give(budget, &res.taken);
    if (rc != 0) {
        give(budget, &out->held);
        glia_dataset_loaded_destroy(out);
        return rc;
    }
    glia_sha256_hex(out->blob, out->blob_len, out->hash);
    json_object_set_new(out->meta, "hash", json_string(out->hash));
    json_object_set_new(out->meta, "bytes", json_integer((json_int_t)out->blob_len));
    return 0;
}

void glia_dataset_loaded_destroy(glia_dataset_loaded_t *l)
{
    free(l->blob);
    json_decref(l->meta);
    l->blob = NULL;
    l->meta = NULL;
}
