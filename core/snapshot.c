/* snapshot.c: a session's complete state <-> bytes.
 *
 * Layout (little-endian): "GLIASNAP", u32 version, the config (every field of the
 * field table in order, then the task), the seed, and then only what changes while
 * training: generator, counters, trajectory, weights, neuron thresholds, sensing state,
 * cursor and astrocyte state. The static network (positions, topology) is not stored:
 * it is a pure function of (config, seed), so loading rebuilds it and then overwrites
 * the dynamic state. A trailing FNV-1a 64 checksum covers everything before it.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_MAGIC   "GLIASNAP"
#define SNAP_VERSION 2u /* 2: trajectory points carry their output vectors */

typedef struct writer {
    uint8_t *buf;
    size_t len, cap;
    int failed;
} writer_t;

typedef struct reader {
    const uint8_t *buf;
    size_t len, pos;
    int failed;
} reader_t;

static void put(writer_t *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        uint8_t *nb;
        while (cap < w->len + n)
            cap *= 2;
        nb = realloc(w->buf, cap);
        if (nb == NULL) {
            w->failed = 1;
            return;
        }
        w->buf = nb;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_u64(writer_t *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 8);
}

static void put_u32(writer_t *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put(w, b, 4);
}

static void put_i32(writer_t *w, int v)
{
    put_u32(w, (uint32_t)v);
}

static void put_f64(writer_t *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(w, u);
}

static const uint8_t *get(reader_t *r, size_t n)
{
    const uint8_t *p;
    if (r->failed || r->len - r->pos < n) {
        r->failed = 1;
        return NULL;
    }
    p = r->buf + r->pos;
    r->pos += n;
    return p;
}

static uint64_t get_u64(reader_t *r)
{
    const uint8_t *b = get(r, 8);
    uint64_t v = 0;
    if (b == NULL)
        return 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t get_u32(reader_t *r)
{
    const uint8_t *b = get(r, 4);
    uint32_t v = 0;
    if (b == NULL)
        return 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static int get_i32(reader_t *r)
{
    return (int)get_u32(r);
}

static double get_f64(reader_t *r)
{
    uint64_t u = get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* A generator state a run can reach. mulberry32-js counts up from seed + 1: a negative
 * or non-finite state cannot come from a run, and its integer conversion would be
 * undefined. xoshiro256** never reaches all zeros, where it would return 0 forever and
 * the polar method would never find a point inside the circle. */
static int rng_state_ok(const glia_rng_t *rng)
{
    if (rng->kind == GLIA_RNG_MULBERRY32_JS)
        return isfinite(rng->s) && rng->s >= 1.0;
    return (rng->x[0] | rng->x[1] | rng->x[2] | rng->x[3]) != 0;
}

static void put_config(writer_t *w, const glia_config_t *cfg)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        const char *p = (const char *)cfg + f->offset;
        if (f->type == GLIA_FIELD_DOUBLE) {
            double v;
            memcpy(&v, p, sizeof(v));
            put_f64(w, v);
        } else {
            int v;
            memcpy(&v, p, sizeof(v));
            put_i32(w, v);
        }
    }
    put_i32(w, cfg->task.count);
    put_i32(w, cfg->task.input_width);
    put_i32(w, cfg->task.target_width);
    for (int i = 0; i < cfg->task.count; i++) {
        put_u64(w, cfg->task.patterns[i].input);
        put_u64(w, cfg->task.patterns[i].target);
    }
}

static void get_config(reader_t *r, glia_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        char *p = (char *)cfg + f->offset;
        if (f->type == GLIA_FIELD_DOUBLE) {
            double v = get_f64(r);
            memcpy(p, &v, sizeof(v));
        } else {
            int v = get_i32(r);
            memcpy(p, &v, sizeof(v));
        }
    }
    cfg->task.count = get_i32(r);
    cfg->task.input_width = get_i32(r);
    cfg->task.target_width = get_i32(r);
    if (cfg->task.count < 0 || cfg->task.count > GLIA_MAX_PATTERNS) {
        r->failed = 1;
        return;
    }
    for (int i = 0; i < cfg->task.count; i++) {
        cfg->task.patterns[i].input = get_u64(r);
        cfg->task.patterns[i].target = get_u64(r);
    }
}

static void put_point(writer_t *w, const glia_point_t *p)
{
    put_u64(w, p->episode);
    put_f64(w, p->avg_reward);
    put_f64(w, p->accept_rate);
    put_f64(w, p->accuracy);
    put_i32(w, p->distinct_outputs);
}

static void get_point(reader_t *r, glia_point_t *p)
{
    p->episode = get_u64(r);
    p->avg_reward = get_f64(r);
    p->accept_rate = get_f64(r);
    p->accuracy = get_f64(r);
    p->distinct_outputs = get_i32(r);
}

int glia_session_save(const glia_session_t *s, uint8_t **buf, size_t *len)
{
    writer_t w = {0};
    const glia_net_t *net = s->net;

    put(&w, SNAP_MAGIC, 8);
    put_u32(&w, SNAP_VERSION);
    put_config(&w, &s->cfg);
    put_u32(&w, s->seed);

    put_i32(&w, s->rng.kind);
    put_i32(&w, s->rng.has_spare);
    put_f64(&w, s->rng.s);
    put_f64(&w, s->rng.spare);
    for (int i = 0; i < 4; i++)
        put_u64(&w, s->rng.x[i]);

    put_u64(&w, s->steps);
    put_u64(&w, s->episodes);
    put_u64(&w, s->accepted);
    put_u64(&w, s->rejected);
    put_i32(&w, s->step_in_episode);
    put_f64(&w, s->ep_reward_sum);
    put_i32(&w, s->ep_accepted);
    put_i32(&w, s->ep_rejected);
    put_i32(&w, s->has_last);
    put_point(&w, &s->last);
    for (int p = 0; p < s->cfg.task.count; p++)
        put_u64(&w, s->last_outputs[p]);
    put_u64(&w, s->n_traj);
    for (size_t i = 0; i < s->n_traj; i++) {
        put_point(&w, &s->traj[i]);
        for (int p = 0; p < s->cfg.task.count; p++)
            put_u64(&w, s->traj_outputs[i * (size_t)s->cfg.task.count + (size_t)p]);
    }

    put_i32(&w, net->n_syn);
    for (int k = 0; k < net->n_syn; k++)
        put_f64(&w, net->w[k]);
    put_i32(&w, net->n);
    for (int j = 0; j < net->n; j++) {
        put_f64(&w, net->thr[j]);
        put_u32(&w, s->fire_count[j]);
    }
    put_i32(&w, net->id_space);
    put(&w, s->prev_fired, (size_t)net->id_space);
    for (int d = 0; d < 3; d++)
        put_f64(&w, s->cursor.pos[d]);

    put_i32(&w, s->n_astro);
    for (int i = 0; i < s->n_astro; i++) {
        const glia_astro_t *a = &s->astro[i];
        put_f64(&w, a->threshold);
        put_i32(&w, a->hist_len);
        put_i32(&w, a->hist_pos);
        put_i32(&w, a->hist_sum);
        put(&w, a->hist, GLIA_MAX_HISTORY);
        put_u64(&w, a->activations);
        put_u64(&w, a->successes);
        put_u64(&w, a->epsilon_activations);
        for (int p = 0; p < s->cfg.task.count; p++)
            put_u64(&w, a->by_pattern[p]);
    }
    if (!w.failed)
        put_u64(&w, fnv1a(w.buf, w.len));
    if (w.failed) {
        free(w.buf);
        return GLIA_ENOMEM;
    }
    *buf = w.buf;
    *len = w.len;
    return 0;
}

int glia_session_load(const uint8_t *buf, size_t len, glia_session_t **out, glia_error_t *err)
{
    reader_t r = {buf, len, 0, 0};
    glia_config_t cfg;
    glia_session_t *s = NULL;
    const uint8_t *magic;
    uint32_t version, seed;
    uint64_t n_traj;
    int rc;

    *out = NULL;
    if (len < 8 + 4 + 8 || memcmp(buf, SNAP_MAGIC, 8) != 0)
        return glia_error_set(err, GLIA_EFORMAT, "", "not a glia snapshot");
    if (fnv1a(buf, len - 8) != (r.pos = len - 8, get_u64(&r)))
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot checksum mismatch (corrupt)");
    r.pos = 0;
    r.len = len - 8;
    magic = get(&r, 8);
    (void)magic;
    version = get_u32(&r);
    if (version != SNAP_VERSION)
        return glia_error_set(err, GLIA_EVERSION, "", "snapshot format version %u; this build reads %u",
                              version, SNAP_VERSION);
    get_config(&r, &cfg);
    seed = get_u32(&r);
    if (r.failed)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot truncated");
    if ((rc = glia_session_new(&cfg, seed, &s, err)) != 0)
        return rc;

    s->rng.kind = get_i32(&r);
    s->rng.has_spare = get_i32(&r);
    s->rng.s = get_f64(&r);
    s->rng.spare = get_f64(&r);
    for (int i = 0; i < 4; i++)
        s->rng.x[i] = get_u64(&r);

    s->steps = get_u64(&r);
    s->episodes = get_u64(&r);
    s->accepted = get_u64(&r);
    s->rejected = get_u64(&r);
    s->step_in_episode = get_i32(&r);
    s->ep_reward_sum = get_f64(&r);
    s->ep_accepted = get_i32(&r);
    s->ep_rejected = get_i32(&r);
    s->has_last = get_i32(&r);
    get_point(&r, &s->last);
    for (int p = 0; p < cfg.task.count; p++)
        s->last_outputs[p] = get_u64(&r);
    n_traj = get_u64(&r);
    /* Each point takes 36 bytes plus 8 per pattern: bound the count by what is left. */
    if (r.failed || n_traj > (r.len - r.pos) / (36 + 8 * (uint64_t)cfg.task.count) + 1)
        goto bad;
    if (n_traj > 0 && glia__reserve_points(s, (size_t)n_traj) != 0) {
        glia_session_free(s);
        return GLIA_ENOMEM;
    }
    for (uint64_t i = 0; i < n_traj; i++) {
        get_point(&r, &s->traj[s->n_traj]);
        for (int p = 0; p < cfg.task.count; p++)
            s->traj_outputs[s->n_traj * (size_t)cfg.task.count + (size_t)p] = get_u64(&r);
        s->n_traj++;
    }

    if (get_i32(&r) != s->net->n_syn)
        goto bad;
    for (int k = 0; k < s->net->n_syn; k++)
        s->net->w[k] = get_f64(&r);
    if (get_i32(&r) != s->net->n)
        goto bad;
    for (int j = 0; j < s->net->n; j++) {
        s->net->thr[j] = get_f64(&r);
        s->fire_count[j] = get_u32(&r);
    }
    if (get_i32(&r) != s->net->id_space)
        goto bad;
    {
        const uint8_t *pf = get(&r, (size_t)s->net->id_space);
        if (pf != NULL)
            memcpy(s->prev_fired, pf, (size_t)s->net->id_space);
    }
    for (int d = 0; d < 3; d++)
        s->cursor.pos[d] = get_f64(&r);

    if (get_i32(&r) != s->n_astro)
        goto bad;
    for (int i = 0; i < s->n_astro; i++) {
        glia_astro_t *a = &s->astro[i];
        const uint8_t *h;
        a->threshold = get_f64(&r);
        a->hist_len = get_i32(&r);
        a->hist_pos = get_i32(&r);
        a->hist_sum = get_i32(&r);
        h = get(&r, GLIA_MAX_HISTORY);
        if (h != NULL)
            memcpy(a->hist, h, GLIA_MAX_HISTORY);
        a->activations = get_u64(&r);
        a->successes = get_u64(&r);
        a->epsilon_activations = get_u64(&r);
        for (int p = 0; p < s->cfg.task.count; p++)
            a->by_pattern[p] = get_u64(&r);
        if (a->hist_len < 0 || a->hist_len > cfg.learner.astrocyte.history || a->hist_pos < 0 ||
            a->hist_pos >= cfg.learner.astrocyte.history || a->hist_sum < 0 ||
            a->hist_sum > a->hist_len)
            goto bad;
    }
    if (r.failed || r.pos != r.len || s->rng.kind != cfg.rng || !rng_state_ok(&s->rng) ||
        s->step_in_episode < 0 || s->step_in_episode >= cfg.training.steps_per_episode ||
        s->ep_accepted < 0 || s->ep_rejected < 0 ||
        s->ep_accepted + s->ep_rejected > s->step_in_episode ||
        s->accepted + s->rejected > s->steps)
        goto bad;
    *out = s;
    return 0;

bad:
    glia_session_free(s);
    return glia_error_set(err, GLIA_EFORMAT, "", "snapshot does not match its configuration");
}
