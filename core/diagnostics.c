/* diagnostics.c: the session's credit-assignment diagnostics (diagnostics.h). */
#include "core/diagnostics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net_storage.h"

int glia_diag_init(glia_diag_t *d, const glia_config_t *cfg, const glia_net_t *net, int territories)
{
    memset(d, 0, sizeof(*d));
    d->interval = cfg->training.diagnostics_interval;
    if (d->interval == 0)
        return 0;
    d->count = territories;
    d->t = calloc(territories > 0 ? (size_t)territories : 1, sizeof(*d->t));
    if (d->t == NULL)
        return GLIA_ENOMEM;
    d->can_sample =
        net->n_syn > 0 && net->n_syn <= GLIA_DIAG_MAX_SYNAPSES && !cfg->network.carry_state;
    if (!d->can_sample)
        return 0;
    d->w_before = malloc((size_t)net->n_syn * sizeof(double));
    d->grad = malloc(((size_t)net->n_syn + (size_t)net->n) * sizeof(double));
    if (d->w_before == NULL || d->grad == NULL)
        return GLIA_ENOMEM;
    return glia_surrogate_init(&d->sg, net, cfg->network.passes);
}

void glia_diag_destroy(glia_diag_t *d)
{
    free(d->t);
    free(d->w_before);
    free(d->grad);
    glia_surrogate_destroy(&d->sg);
    memset(d, 0, sizeof(*d));
}

void glia_diag_before(glia_diag_t *d, const glia_config_t *cfg, const glia_net_t *net,
                      uint64_t step, const glia_pattern_t *pat, const glia_pattern_t *pats,
                      const int *idx, int m)
{
    d->sampling = d->interval > 0 && d->can_sample && step % (uint64_t)d->interval == 0;
    if (!d->sampling)
        return;
    memcpy(d->w_before, net->w, (size_t)net->n_syn * sizeof(double));
    if (pat != NULL)
        glia_surrogate_gradient(&d->sg, cfg, net, pat, NULL, 1, d->grad);
    else
        glia_surrogate_gradient(&d->sg, cfg, net, pats, idx, m, d->grad);
}

double glia_diag_cosine(const double *a, const double *b, int n)
{
    double ab = 0.0, aa = 0.0, bb = 0.0, c;

    for (int k = 0; k < n; k++) {
        ab += a[k] * b[k];
        aa += a[k] * a[k];
        bb += b[k] * b[k];
    }
    if (aa == 0.0 || bb == 0.0)
        return 0.0;
    c = ab / (sqrt(aa) * sqrt(bb));
    return c > 1.0 ? 1.0 : c < -1.0 ? -1.0 : c; /* rounding can step past +-1 */
}

void glia_diag_after(glia_diag_t *d, const glia_net_t *net, const glia_step_info_t *info)
{
    int moved = 0;

    if (d->interval == 0)
        return;
    if (info->decided) {
        for (int a = 0; a < info->n_active; a++) {
            glia_diag_territory_t *t;
            if (info->active[a] < 0 || info->active[a] >= d->count)
                continue;
            t = &d->t[info->active[a]];
            t->decided++;
            if (info->kept) {
                t->kept++;
                t->gain_sum += info->after_soft - info->base_soft;
            }
        }
    }
    if (!d->sampling)
        return;
    d->sampling = 0;
    /* dw into w_before; the descent direction is -g, so the cosine's sign is flipped */
    for (int k = 0; k < net->n_syn; k++) {
        d->w_before[k] = net->w[k] - d->w_before[k];
        moved |= d->w_before[k] != 0.0;
    }
    if (!moved)
        return;
    {
        const double c = glia_diag_cosine(d->w_before, d->grad, net->n_syn);
        int has_grad = 0;
        for (int k = 0; k < net->n_syn && !has_grad; k++)
            has_grad = d->grad[k] != 0.0;
        if (!has_grad)
            return;
        d->cos_sum += -c;
        d->cos_n++;
    }
}

void glia_diag_point(glia_diag_t *d, double *mean, uint64_t *n, int recorded)
{
    *n = d->cos_n;
    *mean = d->cos_n > 0 ? d->cos_sum / (double)d->cos_n : 0.0;
    if (recorded) {
        d->cos_sum = 0.0;
        d->cos_n = 0;
    }
}

/* Section: i32 territories, then per territory u64 decided, u64 kept, f64 gain sum; then
 * f64 cosine sum and u64 samples since the last trajectory point. */
void glia_diag_save(const glia_diag_t *d, glia_writer_t *w)
{
    glia_put_i32(w, d->count);
    for (int i = 0; i < d->count; i++) {
        glia_put_u64(w, d->t[i].decided);
        glia_put_u64(w, d->t[i].kept);
        glia_put_f64(w, d->t[i].gain_sum);
    }
    glia_put_f64(w, d->cos_sum);
    glia_put_u64(w, d->cos_n);
}

int glia_diag_load(glia_diag_t *d, glia_reader_t *r, uint64_t steps)
{
    if (glia_get_i32(r) != d->count)
        r->failed = 1;
    for (int i = 0; i < d->count && !r->failed; i++) {
        glia_diag_territory_t *t = &d->t[i];
        t->decided = glia_get_u64(r);
        t->kept = glia_get_u64(r);
        /* each kept step gains a soft-reward difference in [-1, 1] */
        t->gain_sum = glia_get_f64_in(r, -(double)t->kept, (double)t->kept);
        if (t->decided > steps || t->kept > t->decided)
            r->failed = 1;
    }
    d->cos_sum = glia_get_f64(r);
    d->cos_n = glia_get_u64(r);
    if (!isfinite(d->cos_sum) || fabs(d->cos_sum) > (double)d->cos_n || d->cos_n > steps ||
        (!d->can_sample && d->cos_n != 0))
        r->failed = 1;
    return r->failed ? GLIA_EFORMAT : 0;
}

void glia_diag_describe(const glia_diag_t *d, glia_emit_t *e)
{
    glia_emit_array_begin(e, "territories");
    for (int i = 0; i < d->count; i++) {
        const glia_diag_territory_t *t = &d->t[i];
        glia_emit_object_begin(e, NULL);
        glia_emit_int(e, "id", i);
        glia_emit_int(e, "decided", (int64_t)t->decided);
        glia_emit_int(e, "kept", (int64_t)t->kept);
        if (t->decided > 0)
            glia_emit_number(e, "accept_rate", (double)t->kept / (double)t->decided);
        else
            glia_emit_null(e, "accept_rate");
        if (t->kept > 0)
            glia_emit_number(e, "mean_gain", t->gain_sum / (double)t->kept);
        else
            glia_emit_null(e, "mean_gain");
        glia_emit_object_end(e);
    }
    glia_emit_array_end(e);
}
