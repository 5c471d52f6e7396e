/* perturb_apply.c: applying a perturbation's samples, one way per generator.
 *
 * Most steps are reverted, and of the synapses a step perturbs only the live ones (those
 * leaving a neuron that can fire during the evaluation pass) can change its outcome. So
 * a step computes the samples of the live synapses, evaluates, and computes the rest only
 * if it keeps the change. How it gets a sample without computing the ones before it
 * depends on the generator:
 *
 * - mulberry32-js (the reference's): sample k of a step is the Box-Muller of draws 2k and
 *   2k+1 after the step's first; the generator's state at any draw is known without
 *   taking the draws before it (glia_rng_mulberry_plan), and the state after the step is
 *   set as if every draw had been taken. The samples are the reference's doubles.
 * - xoshiro256ss stream 2: the step takes one 64-bit word as its key, and the sample of
 *   synapse s is a function of (key, s) (sample.c). Nothing else is drawn.
 * - xoshiro256ss stream 1 (releases before stream 2): one polar-method sample per
 *   eligible synapse, in order, all before the evaluation.
 */
#include "core/learners/perturb.h"

#include <stdint.h>

#include "core/learners/perturb_parts.h"
#include "core/net_storage.h"
#include "core/sample.h"

/* ---- applying samples ------------------------------------------------------------------ */

static int is_live(const step_t *st, int pre)
{
    return st->all_live || st->p->live[pre];
}

/* Apply g[i] to synapse syn[i], saving the old weight for revert. */
static void apply_saved(step_t *st, const int *syn, const double *g, int m)
{
    glia_perturb_t *p = st->p;
    double *w = st->net->w;

    for (int i = 0; i < m; i++) {
        const int s = syn[i];
        p->applied[p->n_applied] = s;
        p->saved[p->n_applied++] = w[s];
        w[s] = clamped(w[s] + g[i] * st->std, st->clamp);
    }
}

/* Apply g[i] to synapse syn[i] (a kept step's rest: nothing to save). */
static void apply(step_t *st, const int *syn, const double *g, int m)
{
    double *w = st->net->w;

    for (int i = 0; i < m; i++)
        w[syn[i]] = clamped(w[syn[i]] + g[i] * st->std, st->clamp);
}

static void apply_range(step_t *st, int s0, const double *g, int m)
{
    glia__add_clamped(st->net->w + s0, g, m, st->std, st->clamp);
}

/* ---- xoshiro256ss stream 1: every sample now, in order ----------------------------------- */

void glia__perturb_sequential_all(step_t *st)
{
    glia_perturb_t *p = st->p;

    for (int k = 0; k < st->n; k++) {
        const double g = glia_rng_gauss(st->ctx->rng);
        apply_saved(st, &p->eligible[k], &g, 1);
    }
}

/* ---- mulberry32-js: samples by their place in the order -------------------------------- */

/* The live synapses and their places k in the eligible order, into batch/batch_k. */
static int mulberry_live(step_t *st)
{
    glia_perturb_t *p = st->p;
    const glia_net_t *net = st->net;
    int m = 0;

    if (p->has_list) {
        for (int k = 0; k < st->n; k++) {
            if (is_live(st, net->pre[p->eligible[k]])) {
                p->batch_k[m] = k;
                p->batch[m++] = p->eligible[k];
            }
        }
        return m;
    }
    /* territory parts (one pass: the live pres are the driven inputs that are on) */
    for (int i = 0; i < net->n_driven; i++) {
        const int v = net->driven[i];
        if (!p->live[v])
            continue;
        for (int s = net->out_start[v]; s < net->out_start[v + 1]; s++) {
            const int w = s >> 6;
            const uint64_t bit = (uint64_t)1 << (s & 63);
            int base = 0;
            if (!(p->seen[w] & bit))
                continue;
            for (int a = 0; a < p->n_terr; a++) {
                const uint64_t x = p->part[(size_t)a * (size_t)p->words + (size_t)w];
                if (x & bit) {
                    p->batch_k[m] = base + p->part_rank[(size_t)a * (size_t)p->words + (size_t)w] +
                                    popcount64(x & (bit - 1));
                    p->batch[m++] = s;
                    break;
                }
                base += p->part_count[a];
            }
        }
    }
    return m;
}

void glia__perturb_mulberry_before(step_t *st, const glia_mulberry_plan_t *plan)
{
    glia_perturb_t *p = st->p;
    int m;

    if (st->all_live && !p->has_list)
        glia__perturb_union_list(p, st->net, st->ctx->territories);
    m = mulberry_live(st);
    for (int i = 0; i < m; i++) {
        const uint64_t j = 2 * (uint64_t)p->batch_k[i];
        p->draws[2 * i] = glia_mulberry_plan_state(plan, j);
        p->draws[2 * i + 1] = glia_mulberry_plan_state(plan, j + 1);
    }
    glia__gauss_mulberry_n(p->draws, m, p->g);
    apply_saved(st, p->batch, p->g, m);
}

void glia__perturb_mulberry_keep(step_t *st, const glia_mulberry_plan_t *plan)
{
    glia_perturb_t *p = st->p;
    const glia_net_t *net = st->net;
    int m = 0;

    if (st->all_live)
        return;
    if (!p->has_list)
        glia__perturb_union_list(p, st->net, st->ctx->territories);
    glia_mulberry_plan_fill(plan, 0, 2 * (uint64_t)st->n, p->draws);
    glia__gauss_mulberry_n(p->draws, st->n, p->g);
    for (int k = 0; k < st->n; k++) {
        if (!p->live[net->pre[p->eligible[k]]]) {
            p->batch[m] = p->eligible[k];
            p->g[m++] = p->g[k]; /* m <= k: compacts in place */
        }
    }
    apply(st, p->batch, p->g, m);
}

/* ---- xoshiro256ss stream 2: samples by synapse ------------------------------------------ */

/* Stream 2 computes samples two at a time: synapses 2p and 2p+1 share one word. A batch
 * is a list of pairs (draws[], as uint32) whose samples fill g[] two by two, then is
 * applied: whole runs of consecutive synapses (the outgoing synapses of a neuron: pairs
 * from `first`), and single synapses (batch[]: the sample of their half of the pair). */
typedef struct keyed_batch {
    int n_pairs;
    int n_runs;
    int n_single;
} keyed_batch_t;

/* Queue the run s0 .. s0+len-1; its pairs start at g[2 * n_pairs] (+1 if s0 is odd). */
static void queue_run(glia_perturb_t *p, keyed_batch_t *b, int s0, int len)
{
    const uint32_t first = (uint32_t)s0 >> 1, last = (uint32_t)(s0 + len - 1) >> 1;

    p->batch_k[2 * b->n_runs] = s0;
    p->batch_k[2 * b->n_runs + 1] = len;
    b->n_runs++;
    for (uint32_t q = first; q <= last; q++)
        p->draws[b->n_pairs++] = q;
}

/* Compute the queued samples and apply them (saved for revert when `save`). The singles
 * are batch[0 .. n_single). */
static void keyed_flush(step_t *st, uint64_t key, keyed_batch_t *b, int save)
{
    glia_perturb_t *p = st->p;
    double *w = st->net->w;
    int at = 0;

    for (int i = 0; i < b->n_single; i++)
        p->draws[b->n_pairs + i] = (uint32_t)p->batch[i] >> 1;
    glia__gauss_pairs(key, p->draws, b->n_pairs + b->n_single, p->g);
    for (int r = 0; r < b->n_runs; r++) {
        const int s0 = p->batch_k[2 * r], len = p->batch_k[2 * r + 1];
        const double *g = p->g + 2 * at + (s0 & 1);
        if (save) {
            for (int k = 0; k < len; k++) {
                p->applied[p->n_applied] = s0 + k;
                p->saved[p->n_applied++] = w[s0 + k];
            }
        }
        apply_range(st, s0, g, len);
        at += (int)(((uint32_t)(s0 + len - 1) >> 1) - ((uint32_t)s0 >> 1) + 1);
    }
    for (int i = 0; i < b->n_single; i++) {
        const int s = p->batch[i];
        const double g = p->g[2 * (b->n_pairs + i) + (s & 1)];
        if (save) {
            p->applied[p->n_applied] = s;
            p->saved[p->n_applied++] = w[s];
        }
        w[s] = clamped(w[s] + g * st->std, st->clamp);
    }
}

/* The live synapses of the set (live = 1: before the evaluation, saved for revert), or
 * the others (live = 0: a kept step's rest). */
void glia__perturb_keyed_apply(step_t *st, uint64_t key, int live)
{
    glia_perturb_t *p = st->p;
    const glia_net_t *net = st->net;
    const uint8_t *in_u = p->in_u, *lv = p->live;
    keyed_batch_t b = {0, 0, 0};
    int m = 0;

    if (!live && st->all_live)
        return; /* everything was live */
    if (p->has_list || p->n_terr == 0) {
        for (int k = 0; k < st->n; k++) {
            const int s = p->eligible[k];
            p->batch[m] = s;
            m += is_live(st, net->pre[s]) == live;
        }
    } else if (live && !st->all_live) {
        /* one pass: out of the driven inputs that are on, into or out of U */
        for (int i = 0; i < net->n_driven; i++) {
            const int v = net->driven[i], s0 = net->out_start[v], s1 = net->out_start[v + 1];
            if (!lv[v] || s1 == s0)
                continue;
            if (in_u[v]) {
                queue_run(p, &b, s0, s1 - s0);
                continue;
            }
            for (int s = s0; s < s1; s++) {
                p->batch[m] = s;
                m += in_u[net->post[s]];
            }
        }
    } else {
        /* The whole set: every synapse out of U (runs of consecutive ids), then every
         * synapse into U from outside it. */
        for (int i = 0; i < p->n_u; i++) {
            const int v = p->u_list[i];
            if (v < net->n && is_live(st, v) == live && net->out_start[v + 1] > net->out_start[v])
                queue_run(p, &b, net->out_start[v], net->out_start[v + 1] - net->out_start[v]);
        }
        /* into U from outside it: with one pass, those from a live input went before
         * the evaluation; with more, all of them */
        const int any_live = live || st->all_live;
        for (int i = 0; i < p->n_u; i++) {
            const int v = p->u_list[i];
            if (v >= net->n)
                continue;
            for (int k = p->in_start[v]; k < p->in_start[v + 1]; k++) {
                const int pre = p->in_pre[k];
                p->batch[m] = p->in_syn[k];
                m += !in_u[pre] & ((lv[pre] | st->all_live) == any_live);
            }
        }
    }
    b.n_single = m;
    keyed_flush(st, key, &b, live);
}

/* Stream 2 from a listed set (one pass): the driven inputs' part, live when their input
 * is on, applied before the evaluation (live = 1) or, when a step keeps, the rest. */
void glia__perturb_keyed_set_driven(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input,
                                    int live)
{
    glia_perturb_t *p = st->p;
    const glia_net_t *net = st->net;
    keyed_batch_t b = {0, 0, 0};
    int m = 0;

    for (int i = 0; i < ks->n_drun; i++) {
        const int v = net->driven[ks->drun[i]];
        if ((int)((input >> ks->drun[i]) & 1) == live)
            queue_run(p, &b, net->out_start[v], net->out_start[v + 1] - net->out_start[v]);
    }
    for (int i = 0; i < ks->n_dsingle; i++) {
        const int s = ks->dsingle[i];
        p->batch[m] = s;
        m += (int)((input >> p->drv_index[net->pre[s]]) & 1) == live;
    }
    b.n_single = m;
    if (b.n_runs > 0 || m > 0)
        keyed_flush(st, key, &b, live);
}

/* A kept step's rest from a listed set: the never-live part (one vector loop of samples
 * over its pairs), then the driven inputs that were off. */
void glia__perturb_keyed_set_keep(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input)
{
    glia_perturb_t *p = st->p;
    double *w = st->net->w;

    glia__gauss_pairs(key, ks->pair, ks->n_pairs, p->g);
    for (int r = 0; r < ks->n_runs; r++) {
        const int s0 = ks->run[3 * r], len = ks->run[3 * r + 1];
        apply_range(st, s0, p->g + 2 * ks->run[3 * r + 2] + (s0 & 1), len);
    }
    for (int i = 0; i < ks->n_single; i++) {
        const int s = ks->single[2 * i];
        w[s] = clamped(w[s] + p->g[2 * ks->single[2 * i + 1] + (s & 1)] * st->std, st->clamp);
    }
    glia__perturb_keyed_set_driven(st, key, ks, input, 0);
}
