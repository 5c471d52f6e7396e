/* network.c: the layered binary network of classify.h, its build and its evaluation.
 *
 * Evaluation is by chunks of GLIA_CLS_CHUNK samples; a chunk's samples are independent
 * (each sample's sums are taken in synapse order), and what a chunk adds up (per-class
 * reward sums, hits, confusion counts) is kept in its own slot and added in chunk order
 * afterwards: the same bits whichever thread ran which chunk.
 *
 * A hidden unit's net input is summed in float over its synapses (inputs are 0/1), the
 * output net inputs in double. Trying one territory recomputes only its units on every
 * training sample and moves the output sums by the difference of their contributions;
 * the rest of the network is not touched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify/classify_internal.h"

static double clampd(double v, double lim) { return v < -lim ? -lim : v > lim ? lim : v; }

void glia__cls_territory(const glia_cls_t *c, int t, uint32_t *first, uint32_t *end)
{
    uint32_t size = (uint32_t)c->cfg.network.territory_size;
    *first = (uint32_t)t * size;
    *end = *first + size < c->H ? *first + size : c->H;
}

/* Unit j's firing on split samples [a, a+len) into out[0..len). */
static void fire(const glia_cls_t *c, const glia_cls_params_t *p, uint32_t j, uint32_t a,
                 uint32_t len, uint8_t *out)
{
    float net[GLIA_CLS_CHUNK];
    const uint8_t *col = c->data->col;
    size_t stride = c->data->samples;
    memset(net, 0, sizeof net);
    for (uint32_t k = c->in_start[j]; k < c->in_start[j + 1]; k++) {
        float w = (float)p->in_w[k];
        const uint8_t *x = col + (size_t)c->in_src[k] * stride + a;
        for (uint32_t s = 0; s < len; s++)
            net[s] += w * (float)x[s];
    }
    float th = (float)p->th[j];
    for (uint32_t s = 0; s < len; s++)
        out[s] = net[s] > th;
}

/* Output net inputs of samples [a, a+len) from scratch: o[cls * stride + s - a0]. h, when
 * not NULL, receives each unit's firing (h[j * n + s], training samples). */
static void forward(const glia_cls_t *c, const glia_cls_params_t *p, uint32_t a, uint32_t len,
                    uint8_t *h, double *o, size_t stride)
{
    uint8_t f[GLIA_CLS_CHUNK];
    for (uint32_t k = 0; k < c->C; k++)
        memset(o + k * stride, 0, len * sizeof *o);
    for (uint32_t j = 0; j < c->H; j++) {
        uint8_t *fj = h ? h + (size_t)j * c->n + a : f;
        fire(c, p, j, a, len, fj);
        for (uint32_t k = c->out_start[j]; k < c->out_start[j + 1]; k++) {
            double w = p->out_w[k];
            double *ok = o + c->out_dst[k] * stride;
            for (uint32_t s = 0; s < len; s++)
                ok[s] += fj[s] ? w : 0.0;
        }
    }
}

/* The soft correctness of output net input a (after threshold) for target bit t. */
static double soft(double a, int t, double scale)
{
    double u = 0.5 + (t ? a : -a) / (2.0 * scale);
    return u < 0 ? 0 : u > 1 ? 1 : u;
}

/* Per-class reward sums and hits of samples [a, a+len), o as forward() lays it out. */
static void score_chunk(const glia_cls_t *c, const double *o, size_t stride, const double *oth,
                        uint32_t a, uint32_t len, double *sum, uint32_t *hits, uint32_t *conf)
{
    uint32_t C = c->C, h = 0;
    double scale = c->cfg.training.margin_scale;
    int kind = c->cfg.training.reward;
    memset(sum, 0, C * sizeof *sum);
    for (uint32_t s = 0; s < len; s++) {
        uint32_t y = c->data->label[a + s], best = 0;
        double ay = o[y * stride + s] - oth[y], other = -INFINITY, top = -INFINITY;
        double rest = 0, r;
        for (uint32_t k = 0; k < C; k++) {
            double ak = o[k * stride + s] - oth[k];
            if (ak > top) {
                top = ak;
                best = k;
            }
            if (k == y)
                continue;
            other = ak > other ? ak : other;
            if (kind != GLIA_CLS_MARGIN)
                rest += soft(ak, 0, scale);
        }
        if (kind == GLIA_CLS_MARGIN)
            r = clampd((ay - other) / scale, 1.0);
        else if (kind == GLIA_CLS_BALANCED)
            r = 0.5 * soft(ay, 1, scale) + 0.5 * rest / (double)(C - 1);
        else
            r = (soft(ay, 1, scale) + rest) / (double)C;
        sum[y] += r;
        h += best == y;
        if (conf)
            conf[y * C + best]++;
    }
    *hits = h;
}

/* Trial of territory t (or of the readout when t == T) on training samples [a, a+len). */
static void trial_territory(glia_cls_t *c, int t, uint32_t a, uint32_t len)
{
    size_t n = c->n;
    for (uint32_t k = 0; k < c->C; k++)
        memcpy(c->o_try + k * n + a, c->o + k * n + a, len * sizeof *c->o);
    if (t < (int)c->T) {
        uint32_t first, end;
        glia__cls_territory(c, t, &first, &end);
        for (uint32_t j = first; j < end; j++) {
            uint8_t *old = c->h + (size_t)j * n + a, *now = c->h_try + (size_t)j * n + a;
            fire(c, &c->try_, j, a, len, now);
            for (uint32_t k = c->out_start[j]; k < c->out_start[j + 1]; k++) {
                double w0 = c->cur.out_w[k], w1 = c->try_.out_w[k];
                double *ok = c->o_try + c->out_dst[k] * n + a;
                for (uint32_t s = 0; s < len; s++)
                    ok[s] += (now[s] ? w1 : 0.0) - (old[s] ? w0 : 0.0);
            }
        }
    }
}

static void chunk(void *arg, int i)
{
    glia_cls_t *c = arg;
    const glia_cls_data_t *d = c->data;
    uint32_t a = (uint32_t)i * GLIA_CLS_CHUNK;
    if (c->job == JOB_TEST) {
        double o[GLIA_CLS_MAX_CLASSES * GLIA_CLS_CHUNK];
        double sum[GLIA_CLS_MAX_CLASSES];
        uint32_t hits, len = d->n_test - a < GLIA_CLS_CHUNK ? d->n_test - a : GLIA_CLS_CHUNK;
        uint32_t *conf = c->conf + (size_t)i * c->C * c->C;
        memset(conf, 0, (size_t)c->C * c->C * sizeof *conf);
        forward(c, &c->cur, d->n_train + a, len, NULL, o, GLIA_CLS_CHUNK);
        score_chunk(c, o, GLIA_CLS_CHUNK, c->cur.oth, d->n_train + a, len, sum, &hits, conf);
        return;
    }
    uint32_t len = c->n - a < GLIA_CLS_CHUNK ? c->n - a : GLIA_CLS_CHUNK;
    const double *o = c->o_try, *oth = c->try_.oth;
    switch (c->job) {
    case JOB_FORWARD_TRAIN:
        forward(c, &c->cur, a, len, c->h, c->o + a, c->n);
        o = c->o;
        oth = c->cur.oth;
        break;
    case JOB_TRIAL_ALL: forward(c, &c->try_, a, len, c->h_try, c->o_try + a, c->n); break;
    default: trial_territory(c, c->territory, a, len); break;
    }
    score_chunk(c, o + a, c->n, oth, a, len, c->part + (size_t)i * c->C, c->hits + i, NULL);
}

void glia__cls_run(glia_cls_t *c, int job, int territory)
{
    int n = job == JOB_TEST ? c->n_test_chunks : c->n_chunks;
    c->job = job;
    c->territory = territory;
    if (c->exec.run)
        c->exec.run(c->exec.team, n, chunk, c);
    else
        for (int i = 0; i < n; i++)
            chunk(c, i);
}

void glia__cls_reduce(const glia_cls_t *c, double *reward, uint32_t *correct)
{
    double total = 0;
    uint32_t hits = 0;
    for (uint32_t k = 0; k < c->C; k++) {
        double s = 0;
        for (int i = 0; i < c->n_chunks; i++)
            s += c->part[(size_t)i * c->C + k];
        if (c->cfg.training.reward == GLIA_CLS_SOFT)
            total += s;
        else if (c->class_n[k])
            total += s / (double)c->class_n[k];
    }
    for (int i = 0; i < c->n_chunks; i++)
        hits += c->hits[i];
    if (c->cfg.training.reward == GLIA_CLS_SOFT) {
        *reward = total / (double)c->n;
    } else {
        uint32_t present = 0;
        for (uint32_t k = 0; k < c->C; k++)
            present += c->class_n[k] > 0;
        *reward = total / (double)present;
    }
    *correct = hits;
}

static int alloc_params(glia_cls_params_t *p, uint64_t n_in, uint64_t n_out, uint32_t H, uint32_t C)
{
    p->in_w = malloc((n_in ? n_in : 1) * sizeof *p->in_w);
    p->out_w = malloc((n_out ? n_out : 1) * sizeof *p->out_w);
    p->th = malloc((size_t)H * sizeof *p->th);
    p->oth = malloc((size_t)C * sizeof *p->oth);
    return p->in_w && p->out_w && p->th && p->oth ? 0 : GLIA_ENOMEM;
}

static void free_params(glia_cls_params_t *p)
{
    free(p->in_w);
    free(p->out_w);
    free(p->th);
    free(p->oth);
}

static uint64_t expected_synapses(const glia_cls_config_t *cfg, uint32_t bits, uint32_t C)
{
    return (uint64_t)ceil((double)bits * cfg->network.hidden * cfg->network.p_in +
                          (double)cfg->network.hidden * C * cfg->network.p_out);
}

uint64_t glia_cls_footprint(const glia_cls_config_t *cfg, const glia_cls_data_t *d)
{
    uint64_t H = (uint64_t)cfg->network.hidden, C = d->classes, n = d->n_train;
    uint64_t syn = expected_synapses(cfg, d->bits, d->classes);
    uint64_t chunks = (n + GLIA_CLS_CHUNK - 1) / GLIA_CLS_CHUNK + 1;
    uint64_t test_chunks = (d->n_test + GLIA_CLS_CHUNK - 1) / GLIA_CLS_CHUNK + 1;
    return syn * (4 + 4 + 8 + 8) + H * (4 + 4 + 16) + 2 * H * n + 2 * C * n * 8 +
           chunks * (C * 8 + 4) + test_chunks * C * C * 4 + C * C * 4 + sizeof(glia_cls_t);
}

static int build(glia_cls_t *c, glia_error_t *err)
{
    const glia_cls_config_t *cfg = &c->cfg;
    uint32_t bits = c->data->bits;
    double wi = cfg->network.weight_init;
    c->in_start = calloc((size_t)c->H + 1, sizeof *c->in_start);
    c->out_start = calloc((size_t)c->H + 1, sizeof *c->out_start);
    uint64_t cap = expected_synapses(cfg, bits, c->C) + 1024;
    cap = cap > GLIA_CLS_MAX_SYNAPSES ? GLIA_CLS_MAX_SYNAPSES : cap;
    /* first pass: connectivity and weights into growable arrays */
    uint32_t *src = malloc(cap * sizeof *src), *dst = NULL;
    double *w = malloc(cap * sizeof *w), *wo = NULL;
    if (!c->in_start || !c->out_start || !src || !w)
        goto nomem;
    uint64_t n_in = 0;
    for (uint32_t j = 0; j < c->H; j++) {
        for (uint32_t b = 0; b < bits; b++)
            if (glia_rng_next(&c->rng) < cfg->network.p_in) {
                if (n_in == cap) {
                    if (cap >= GLIA_CLS_MAX_SYNAPSES)
                        goto too_many;
                    cap = cap * 2 > GLIA_CLS_MAX_SYNAPSES ? GLIA_CLS_MAX_SYNAPSES : cap * 2;
                    uint32_t *s2 = realloc(src, cap * sizeof *src);
                    if (s2)
                        src = s2;
                    double *w2 = realloc(w, cap * sizeof *w);
                    if (w2)
                        w = w2;
                    if (!s2 || !w2)
                        goto nomem;
                }
                src[n_in] = b;
                w[n_in++] = (glia_rng_next(&c->rng) - 0.5) * wi;
            }
        c->in_start[j + 1] = (uint32_t)n_in;
    }
    uint64_t room = GLIA_CLS_MAX_SYNAPSES - n_in, n_out = 0;
    uint64_t ocap = (uint64_t)c->H * c->C;
    if (ocap > room)
        ocap = room;
    dst = malloc((ocap ? ocap : 1) * sizeof *dst);
    wo = malloc((ocap ? ocap : 1) * sizeof *wo);
    if (!dst || !wo)
        goto nomem;
    for (uint32_t j = 0; j < c->H; j++) {
        for (uint32_t k = 0; k < c->C; k++)
            if (glia_rng_next(&c->rng) < cfg->network.p_out) {
                if (n_out == ocap)
                    goto too_many;
                dst[n_out] = k;
                wo[n_out++] = (glia_rng_next(&c->rng) - 0.5) * wi;
            }
        c->out_start[j + 1] = (uint32_t)n_out;
    }
    c->n_in = n_in;
    c->n_out = n_out;
    c->in_src = src;
    c->out_dst = dst;
    if (alloc_params(&c->cur, n_in, n_out, c->H, c->C) ||
        alloc_params(&c->try_, n_in, n_out, c->H, c->C)) {
        free(w);
        free(wo);
        return GLIA_ENOMEM;
    }
    memcpy(c->cur.in_w, w, n_in * sizeof *w);
    memcpy(c->cur.out_w, wo, n_out * sizeof *wo);
    free(w);
    free(wo);
    for (uint32_t j = 0; j < c->H; j++)
        c->cur.th[j] = cfg->network.threshold_init;
    for (uint32_t k = 0; k < c->C; k++)
        c->cur.oth[k] = cfg->network.threshold_init;
    memcpy(c->try_.in_w, c->cur.in_w, n_in * sizeof *w);
    memcpy(c->try_.out_w, c->cur.out_w, n_out * sizeof *w);
    memcpy(c->try_.th, c->cur.th, c->H * sizeof *w);
    memcpy(c->try_.oth, c->cur.oth, c->C * sizeof *w);
    return 0;
too_many:
    free(src);
    free(w);
    free(dst);
    free(wo);
    return glia_error_set(err, GLIA_EINVAL, "/network",
                          "more than %d synapses (input->hidden plus hidden->output)",
                          GLIA_CLS_MAX_SYNAPSES);
nomem:
    free(src);
    free(w);
    free(dst);
    free(wo);
    return GLIA_ENOMEM;
}

int glia_cls_new(const glia_cls_config_t *cfg, const glia_cls_data_t *data, uint32_t seed,
                 const glia_cls_exec_t *exec, glia_cls_t **out, glia_error_t *err)
{
    *out = NULL;
    int rc = glia_cls_config_validate(cfg, err);
    if (rc)
        return rc;
    if (data->classes > GLIA_CLS_MAX_CLASSES)
        return glia_error_set(err, GLIA_EINVAL, "/dataset", "more than %d classes",
                              GLIA_CLS_MAX_CLASSES);
    if (expected_synapses(cfg, data->bits, data->classes) > GLIA_CLS_MAX_SYNAPSES)
        return glia_error_set(err, GLIA_EINVAL, "/network",
                              "about %llu synapses expected (%u input bits x %d hidden x p_in "
                              "+ hidden x %u classes x p_out): at most %d",
                              (unsigned long long)expected_synapses(cfg, data->bits, data->classes),
                              data->bits, cfg->network.hidden, data->classes,
                              GLIA_CLS_MAX_SYNAPSES);
    glia_cls_t *c = calloc(1, sizeof *c);
    if (!c)
        return GLIA_ENOMEM;
    c->cfg = *cfg;
    c->data = data;
    if (exec)
        c->exec = *exec;
    glia_rng_seed(&c->rng, GLIA_RNG_XOSHIRO256SS, seed);
    c->H = (uint32_t)cfg->network.hidden;
    c->C = data->classes;
    c->T = (c->H + (uint32_t)cfg->network.territory_size - 1) / (uint32_t)cfg->network.territory_size;
    c->n = data->n_train;
    if ((rc = build(c, err)) != 0)
        goto fail;
    rc = GLIA_ENOMEM;
    size_t hn = (size_t)c->H * c->n, on = (size_t)c->C * c->n;
    c->n_chunks = (int)((c->n + GLIA_CLS_CHUNK - 1) / GLIA_CLS_CHUNK);
    c->n_test_chunks = (int)((data->n_test + GLIA_CLS_CHUNK - 1) / GLIA_CLS_CHUNK);
    c->h = malloc(hn ? hn : 1);
    c->h_try = malloc(hn ? hn : 1);
    c->o = malloc((on ? on : 1) * sizeof *c->o);
    c->o_try = malloc((on ? on : 1) * sizeof *c->o);
    c->part = malloc((size_t)(c->n_chunks + 1) * c->C * sizeof *c->part);
    c->hits = malloc((size_t)(c->n_chunks + 1) * sizeof *c->hits);
    c->conf = malloc((size_t)(c->n_test_chunks + 1) * c->C * c->C * sizeof *c->conf);
    c->confusion = calloc((size_t)c->C * c->C, sizeof *c->confusion);
    c->class_n = calloc(c->C, sizeof *c->class_n);
    if (!c->h || !c->h_try || !c->o || !c->o_try || !c->part || !c->hits || !c->conf ||
        !c->confusion || !c->class_n)
        goto fail;
    for (uint32_t i = 0; i < c->n; i++)
        c->class_n[data->label[i]]++;
    glia__cls_run(c, JOB_FORWARD_TRAIN, -1);
    glia__cls_reduce(c, &c->reward, &c->correct);
    *out = c;
    return 0;
fail:
    glia_cls_free(c);
    return rc;
}

void glia_cls_free(glia_cls_t *c)
{
    if (!c)
        return;
    free(c->in_start);
    free(c->in_src);
    free(c->out_start);
    free(c->out_dst);
    free_params(&c->cur);
    free_params(&c->try_);
    free(c->h);
    free(c->h_try);
    free(c->o);
    free(c->o_try);
    free(c->part);
    free(c->hits);
    free(c->conf);
    free(c->confusion);
    free(c->class_n);
    free(c);
}

void glia_cls_score(glia_cls_t *c, glia_cls_score_t *s)
{
    uint32_t C = c->C, n_test = c->data->n_test;
    memset(c->confusion, 0, (size_t)C * C * sizeof *c->confusion);
    if (n_test)
        glia__cls_run(c, JOB_TEST, -1);
    for (int i = 0; i < c->n_test_chunks; i++)
        for (uint32_t k = 0; k < C * C; k++)
            c->confusion[k] += c->conf[(size_t)i * C * C + k];
    uint32_t hits = 0, present = 0;
    double per_class = 0;
    for (uint32_t y = 0; y < C; y++) {
        uint32_t row = 0;
        for (uint32_t k = 0; k < C; k++)
            row += c->confusion[y * C + k];
        hits += c->confusion[y * C + y];
        if (row) {
            per_class += (double)c->confusion[y * C + y] / row;
            present++;
        }
    }
    s->reward = c->reward;
    s->train_accuracy = (double)c->correct / (double)c->n;
    s->test_accuracy = n_test ? (double)hits / n_test : 0;
    s->test_balanced = present ? per_class / present : 0;
    s->classes = C;
    s->confusion = c->confusion;
}

void glia_cls_counts(const glia_cls_t *c, glia_cls_counts_t *out) { *out = c->counts; }

void glia_cls_shape(const glia_cls_t *c, glia_cls_shape_t *out)
{
    out->bits = c->data->bits;
    out->hidden = c->H;
    out->outputs = c->C;
    out->territories = c->T;
    out->in_synapses = c->n_in;
    out->out_synapses = c->n_out;
}
