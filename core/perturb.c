/* perturb.c: perturb / evaluate / keep or revert over (network, generator, scratch).
 *
 * Most steps are reverted, and of the synapses a step perturbs only those leaving a
 * neuron that can fire during the evaluation pass can change its outcome (with one pass:
 * the driven inputs that are on, the "live" synapses). So a step computes the samples of
 * the live synapses, evaluates, and computes the rest only if it keeps the change. How
 * it gets a sample without computing the ones before it depends on the generator:
 *
 * - mulberry32-js (the reference's): sample k of a step is the Box-Muller of draws 2k and
 *   2k+1 after the step's first; the generator's state at any draw is known without
 *   taking the draws before it (glia_rng_mulberry_plan), and the state after the step is
 *   set as if every draw had been taken. The samples are the reference's doubles.
 * - xoshiro256ss stream 2: the step takes one 64-bit word as its key, and the sample of
 *   synapse s is a function of (key, s) (sample.c). Nothing else is drawn.
 * - xoshiro256ss stream 1 (releases before stream 2): one polar-method sample per
 *   eligible synapse, in order, all before the evaluation.
 *
 * The astrocyte learner names its synapses as a union of territories: with mulberry32-js
 * the union's order matters (it decides which draws each synapse gets), and bit sets of
 * the territories' synapses give the size of the union and the place of each live
 * synapse in it without building it; with stream 2 only membership matters, and the
 * territories' neurons give it. The list is built only when a step keeps.
 *
 * Beyond the paper (training.reward_scope, learner.perturb_thresholds, random search):
 * a step that scores several patterns evaluates them all with full passes, and "live"
 * means driven by an input that is on in any of them; thresholds are drawn after the
 * weights and applied before the evaluation; a redraw replaces every weight at once.
 * Bias units fire in every pass, so a network with them has every synapse live.
 */
#include "core/perturb.h"

#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/sample.h"

/* Territory bit sets are built only up to this size (the reference's: 2.3 KB); above it
 * the union is built as a list. */
#define BITS_BUDGET (4u << 20)

/* Stream 2's cache of territory sets: at most this many bytes of lists, in a table of
 * SET_SLOTS sets (open addressing by mask); sets beyond either are listed each step. */
#define SET_BUDGET (16u << 20)
#define SET_SLOTS  1024

/* The synapses of a set of territories for stream 2 with one pass, grouped by what a
 * step does with them: the outgoing runs of the set's neurons and the synapses into the
 * set from outside it, each split by whether its pre is a driven input (live when that
 * input is on) or not (never live: perturbed only when a step keeps). */
typedef struct glia_keyed_set {
    uint64_t mask; /* territories */
    int n;         /* synapses */
    int n_runs;    /* run[3i..3i+2]: first synapse, length, place of its first pair */
    int n_single;  /* single[2i], single[2i+1]: synapse, place of its pair */
    int n_pairs;   /* the pairs of all of them, ascending, each once */
    int n_drun;    /* driven inputs in the set: drun[i] is the input's index */
    int n_dsingle;
    int *run, *single, *drun, *dsingle;
    uint32_t *pair;
} keyed_set_t;

enum { MODE_SEQUENTIAL, MODE_MULBERRY, MODE_KEYED, MODE_REDRAW };

int glia_perturb_init(glia_perturb_t *p, const glia_net_t *net)
{
    const size_t nsyn = net->n_syn ? (size_t)net->n_syn : 1;
    const size_t n = (size_t)net->n;

    memset(p, 0, sizeof(*p));
    p->eligible = malloc(nsyn * sizeof(int));
    p->saved = malloc(nsyn * sizeof(double));
    p->applied = malloc(nsyn * sizeof(int));
    p->mark = calloc(nsyn, sizeof(uint32_t));
    p->live = calloc(n, 1);
    /* A batch of stream-2 pairs: at most a pair per synapse plus one per run (a run is a
     * neuron's outgoing synapses), two samples each; mulberry32-js: two draws a synapse. */
    p->draws = malloc((2 * nsyn + n + 2) * sizeof(uint32_t));
    p->g = malloc(2 * (nsyn + n + 2) * sizeof(double));
    p->batch = malloc(nsyn * sizeof(int));
    p->batch_k = malloc(2 * (nsyn + 1) * sizeof(int));
    p->in_u = calloc((size_t)net->id_space, 1);
    p->u_list = malloc((size_t)net->id_space * sizeof(int));
    p->in_start = calloc(n + 1, sizeof(int));
    p->in_syn = malloc(nsyn * sizeof(int));
    p->in_pre = malloc(nsyn * sizeof(int));
    p->drv_index = malloc(n * sizeof(int));
    if (p->drv_index != NULL) {
        for (size_t j = 0; j < n; j++)
            p->drv_index[j] = -1;
        for (int i = 0; i < net->n_driven; i++)
            p->drv_index[net->driven[i]] = i;
    }
    p->words = (int)((nsyn + 63) / 64);
    p->nwords = (int)((n + 63) / 64);
    p->neurons = malloc((n ? n : 1) * sizeof(int));
    p->saved_thr = malloc((n ? n : 1) * sizeof(double));
    p->nmark = calloc(n ? n : 1, sizeof(uint32_t));
    p->cur_rate = calloc(n ? n : 1, sizeof(double));
    p->cand_rate = calloc(n ? n : 1, sizeof(double));
    if (!p->eligible || !p->saved || !p->applied || !p->mark || !p->live || !p->draws || !p->g ||
        !p->batch || !p->batch_k || !p->in_u || !p->u_list || !p->in_start || !p->in_syn ||
        !p->in_pre || !p->drv_index || !p->neurons || !p->saved_thr || !p->nmark || !p->cur_rate ||
        !p->cand_rate)
        return GLIA_ENOMEM;
    /* Synapses by post position, ascending (a counting sort of the pre-major order). */
    for (int s = 0; s < net->n_syn; s++)
        p->in_start[net->post[s] + 1]++;
    for (int q = 0; q < net->n; q++)
        p->in_start[q + 1] += p->in_start[q];
    {
        int *at = p->neurons; /* n ints, free until the first step (n may exceed n_syn) */
        memcpy(at, p->in_start, n * sizeof(int));
        for (int s = 0; s < net->n_syn; s++)
            p->in_syn[at[net->post[s]]++] = s;
        for (int k = 0; k < net->n_syn; k++)
            p->in_pre[k] = net->pre[p->in_syn[k]];
    }
    return 0;
}

void glia_perturb_destroy(glia_perturb_t *p)
{
    free(p->eligible);
    free(p->saved);
    free(p->applied);
    free(p->mark);
    free(p->live);
    free(p->draws);
    free(p->g);
    free(p->batch);
    free(p->batch_k);
    free(p->in_u);
    free(p->u_list);
    free(p->in_start);
    free(p->in_syn);
    free(p->in_pre);
    free(p->bits);
    free(p->part);
    free(p->part_rank);
    free(p->seen);
    free(p->adj);
    free(p->u_bits);
    free(p->drv_index);
    if (p->sets != NULL) {
        for (int i = 0; i < SET_SLOTS; i++)
            free(p->sets[i]);
        free(p->sets);
    }
    free(p->scratch_set);
    free(p->neurons);
    free(p->saved_thr);
    free(p->nmark);
    free(p->cur_rate);
    free(p->cand_rate);
    memset(p, 0, sizeof(*p));
}

void glia_perturb_union_begin(glia_perturb_t *p, const glia_net_t *net)
{
    /* a list from here on, whatever glia_perturb_union_territories said before */
    p->n_terr = 0;
    p->cur_set = NULL;
    if (++p->stamp == 0) { /* wrapped: clear the stamps once every 2^32 unions */
        memset(p->mark, 0, (size_t)net->n_syn * sizeof(uint32_t));
        p->stamp = 1;
    }
}

int glia_perturb_union_add(glia_perturb_t *p, int n_eligible, const int *syn, int n)
{
    for (int i = 0; i < n; i++) {
        int k = syn[i];
        if (p->mark[k] != p->stamp) {
            p->mark[k] = p->stamp;
            p->eligible[n_eligible++] = k;
        }
    }
    return n_eligible;
}

/* ---- beyond the paper: thresholds, several patterns -------------------------------------- */

void glia_perturb_neurons_begin(glia_perturb_t *p, const glia_net_t *net)
{
    if (++p->nstamp == 0) {
        memset(p->nmark, 0, (size_t)net->n * sizeof(uint32_t));
        p->nstamp = 1;
    }
    p->n_neurons = 0;
    p->neurons_listed = 1;
}

void glia_perturb_neurons_add(glia_perturb_t *p, const glia_net_t *net, const int *pos, int n)
{
    for (int i = 0; i < n; i++) {
        int j = pos[i];
        if (!GLIA_ROLE_IS_SOURCE(net->role[j]) && p->nmark[j] != p->nstamp) {
            p->nmark[j] = p->nstamp;
            p->neurons[p->n_neurons++] = j;
        }
    }
}

void glia_perturb_draw_batch(glia_perturb_t *p, glia_rng_t *rng, int count, int m)
{
    /* A partial Fisher-Yates shuffle of 0..count-1: m draws, no repeats. */
    for (int i = 0; i < count; i++)
        p->perm[i] = i;
    for (int i = 0; i < m; i++) {
        int k = i + (int)(glia_rng_next(rng) * (count - i));
        int t = p->perm[k];
        p->perm[k] = p->perm[i];
        p->perm[i] = t;
        p->drawn[i] = t;
    }
    p->n_drawn = m;
}

void glia_perturb_invalidate(glia_perturb_t *p)
{
    p->cache_valid = 0;
}

const double *glia_perturb_rates(const glia_perturb_t *p)
{
    return p->want_rates ? p->cur_rate : NULL;
}

/* The patterns an evaluation scores beyond the paper's one: the whole task, or this
 * step's minibatch. Returns how many; *idx is NULL for the task (pattern i is i). */
static int score_set(const glia_learner_ctx_t *ctx, const int **idx)
{
    if (ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK) {
        *idx = NULL;
        return ctx->cfg->task.count;
    }
    *idx = ctx->perturb->drawn;
    return ctx->perturb->n_drawn;
}

/* Score the network over several patterns: the mean soft and binary rewards, in pattern
 * order, and with `rate`, the mean firing per position. */
static void score_many(glia_learner_ctx_t *ctx, double *soft, double *reward, double *rate)
{
    const glia_config_t *cfg = ctx->cfg;
    glia_net_t *net = ctx->net;
    const int *idx;
    const int m = score_set(ctx, &idx);
    double s = 0.0, r = 0.0;

    if (rate != NULL)
        memset(rate, 0, (size_t)net->n * sizeof(double));
    for (int i = 0; i < m; i++) {
        const glia_pattern_t *pat = &cfg->task.patterns[idx ? idx[i] : i];
        glia_net_forward(net, pat->input, cfg->network.passes);
        s += glia_net_soft_reward(net, pat->target);
        r += glia_reward_binary(glia_net_output(net), pat->target, cfg->task.target_width);
        for (int j = 0; rate != NULL && j < net->n; j++)
            rate[j] += net->fired[j];
    }
    for (int j = 0; rate != NULL && j < net->n; j++)
        rate[j] /= m;
    *soft = s / m;
    *reward = r / m;
}

/* The inputs a perturbation's evaluation drives: the pattern's, or those on in any
 * pattern scored (what makes a synapse live). */
static uint64_t scored_inputs(const glia_learner_ctx_t *ctx, const glia_pattern_t *pat)
{
    const int *idx;
    uint64_t any = 0;
    int m;

    if (ctx->cfg->training.reward_scope == GLIA_SCOPE_PATTERN)
        return pat->input;
    m = score_set(ctx, &idx);
    for (int i = 0; i < m; i++)
        any |= ctx->cfg->task.patterns[idx ? idx[i] : i].input;
    return any;
}

/* ---- the territory form of the set ---------------------------------------------------- */

static int popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

static int mode_of(const glia_learner_ctx_t *ctx)
{
    if (ctx->rng->kind == GLIA_RNG_MULBERRY32_JS)
        return MODE_MULBERRY;
    if (ctx->rng->kind == GLIA_RNG_XOSHIRO256SS && ctx->cfg->rng_version >= 2)
        return MODE_KEYED;
    return MODE_SEQUENTIAL;
}

/* Every territory's synapses as a bit set, built once; 1, or -1 when over budget or out
 * of memory (then the union is built as a list). */
static int build_bits(glia_perturb_t *p, const glia_territories_t *terr)
{
    const size_t words = (size_t)p->words;

    if (p->bits_state != 0)
        return p->bits_state;
    p->bits_state = -1;
    if ((size_t)terr->count * words * sizeof(uint64_t) > BITS_BUDGET)
        return -1;
    p->bits = calloc((size_t)terr->count * words, sizeof(uint64_t));
    p->part = malloc(GLIA_MAX_ACTIVE * words * sizeof(uint64_t));
    p->part_rank = malloc(GLIA_MAX_ACTIVE * words * sizeof(int));
    p->seen = malloc(words * sizeof(uint64_t));
    if (!p->bits || !p->part || !p->part_rank || !p->seen)
        return -1;
    for (int t = 0; t < terr->count; t++) {
        uint64_t *b = p->bits + (size_t)t * words;
        for (int i = 0; i < terr->t[t].n_syn; i++)
            b[terr->t[t].syn[i] >> 6] |= (uint64_t)1 << (terr->t[t].syn[i] & 63);
    }
    p->bits_state = 1;
    return 1;
}

/* The posts of every pre as a bit set over positions, built once (stream 2's count). */
static int build_adj(glia_perturb_t *p, const glia_net_t *net)
{
    const size_t nw = (size_t)p->nwords;

    if (p->adj_state != 0)
        return p->adj_state;
    p->adj_state = -1;
    if ((size_t)net->n * nw * sizeof(uint64_t) > BITS_BUDGET)
        return -1;
    p->adj = calloc((size_t)net->n * nw, sizeof(uint64_t));
    p->u_bits = calloc(nw, sizeof(uint64_t));
    if (!p->adj || !p->u_bits)
        return -1;
    for (int s = 0; s < net->n_syn; s++)
        p->adj[(size_t)net->pre[s] * nw + (size_t)(net->post[s] >> 6)] |= (uint64_t)1
                                                                          << (net->post[s] & 63);
    p->adj_state = 1;
    return 1;
}

/* in_u := the selected territories' ids (read at positions, spec 2), also as a list. */
static void mark_u(glia_perturb_t *p, const glia_territories_t *terr)
{
    p->n_u = 0;
    for (int a = 0; a < p->n_terr; a++) {
        const glia_territory_t *t = &terr->t[p->terr_ids[a]];
        for (int i = 0; i < t->n_ids; i++) {
            if (!p->in_u[t->ids[i]]) {
                p->in_u[t->ids[i]] = 1;
                p->u_list[p->n_u++] = t->ids[i];
            }
        }
    }
}

static void clear_u(glia_perturb_t *p)
{
    for (int i = 0; i < p->n_u; i++)
        p->in_u[p->u_list[i]] = 0;
    p->n_u = 0;
}

/* |{s : in_u[pre] || in_u[post]}|: the out- and in-degrees of U, less the synapses inside
 * U (counted twice). An id beyond the last position owns nothing. */
static int count_touching(glia_perturb_t *p, const glia_net_t *net)
{
    const size_t nw = (size_t)p->nwords;
    int n = 0, inside = 0;

    if (build_adj(p, net) == 1) {
        for (int i = 0; i < p->n_u; i++) {
            if (p->u_list[i] < net->n)
                p->u_bits[p->u_list[i] >> 6] |= (uint64_t)1 << (p->u_list[i] & 63);
        }
        for (int i = 0; i < p->n_u; i++) {
            const int v = p->u_list[i];
            const uint64_t *row = p->adj + (size_t)v * nw;
            if (v >= net->n)
                continue;
            for (size_t w = 0; w < nw; w++)
                inside += popcount64(row[w] & p->u_bits[w]);
        }
        for (int i = 0; i < p->n_u; i++) {
            if (p->u_list[i] < net->n)
                p->u_bits[p->u_list[i] >> 6] = 0;
        }
    } else {
        for (int i = 0; i < p->n_u; i++) {
            const int v = p->u_list[i];
            if (v >= net->n)
                continue;
            for (int s = net->out_start[v]; s < net->out_start[v + 1]; s++)
                inside += p->in_u[net->post[s]];
        }
    }
    for (int i = 0; i < p->n_u; i++) {
        const int v = p->u_list[i];
        if (v < net->n)
            n += net->out_start[v + 1] - net->out_start[v] + p->in_start[v + 1] - p->in_start[v];
    }
    return n - inside;
}

/* List the set of the territories marked in in_u into `ks` (whose arrays are large
 * enough: the scratch set's). */
static int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Place of pair q in the ascending list pair[0..n). */
static int pair_at(const uint32_t *pair, int n, uint32_t q)
{
    int lo = 0, hi = n - 1;

    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (pair[mid] < q)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void list_set(glia_perturb_t *p, const glia_net_t *net, keyed_set_t *ks)
{
    int np = 0;

    ks->n = ks->n_runs = ks->n_single = ks->n_drun = ks->n_dsingle = 0;
    for (int i = 0; i < p->n_u; i++) {
        const int v = p->u_list[i];
        int s0, len;
        if (v >= net->n)
            continue; /* an id with no position owns nothing */
        s0 = net->out_start[v];
        len = net->out_start[v + 1] - s0;
        if (len == 0)
            continue;
        ks->n += len;
        if (p->drv_index[v] >= 0) {
            ks->drun[ks->n_drun++] = p->drv_index[v];
            continue;
        }
        ks->run[3 * ks->n_runs] = s0;
        ks->run[3 * ks->n_runs + 1] = len;
        ks->n_runs++;
        for (uint32_t q = (uint32_t)s0 >> 1; q <= (uint32_t)(s0 + len - 1) >> 1; q++)
            ks->pair[np++] = q;
    }
    for (int i = 0; i < p->n_u; i++) {
        const int v = p->u_list[i];
        if (v >= net->n)
            continue;
        for (int k = p->in_start[v]; k < p->in_start[v + 1]; k++) {
            const int pre = p->in_pre[k];
            if (p->in_u[pre])
                continue; /* an outgoing synapse of the set */
            ks->n++;
            if (p->drv_index[pre] >= 0) {
                ks->dsingle[ks->n_dsingle++] = p->in_syn[k];
            } else {
                ks->single[2 * ks->n_single++] = p->in_syn[k];
                ks->pair[np++] = (uint32_t)p->in_syn[k] >> 1;
            }
        }
    }
    /* each pair once: a synapse's partner is often in the set too */
    qsort(ks->pair, (size_t)np, sizeof(uint32_t), cmp_u32);
    ks->n_pairs = 0;
    for (int i = 0; i < np; i++) {
        if (ks->n_pairs == 0 || ks->pair[ks->n_pairs - 1] != ks->pair[i])
            ks->pair[ks->n_pairs++] = ks->pair[i];
    }
    for (int r = 0; r < ks->n_runs; r++)
        ks->run[3 * r + 2] = pair_at(ks->pair, ks->n_pairs, (uint32_t)ks->run[3 * r] >> 1);
    for (int i = 0; i < ks->n_single; i++)
        ks->single[2 * i + 1] = pair_at(ks->pair, ks->n_pairs, (uint32_t)ks->single[2 * i] >> 1);
}

/* A copy of `src` in one block, or NULL. */
static keyed_set_t *copy_set(const keyed_set_t *src, size_t *bytes)
{
    const size_t ints = 3 * (size_t)src->n_runs + 2 * (size_t)src->n_single + (size_t)src->n_drun +
                        (size_t)src->n_dsingle;
    const size_t size = sizeof(keyed_set_t) + ints * sizeof(int) + (size_t)src->n_pairs * 4;
    keyed_set_t *ks = malloc(size);
    int *at;

    if (ks == NULL)
        return NULL;
    *ks = *src;
    at = (int *)(ks + 1);
    ks->run = at;
    memcpy(at, src->run, 3 * (size_t)src->n_runs * sizeof(int));
    at += 3 * src->n_runs;
    ks->single = at;
    memcpy(at, src->single, 2 * (size_t)src->n_single * sizeof(int));
    at += 2 * src->n_single;
    ks->drun = at;
    memcpy(at, src->drun, (size_t)src->n_drun * sizeof(int));
    at += src->n_drun;
    ks->dsingle = at;
    memcpy(at, src->dsingle, (size_t)src->n_dsingle * sizeof(int));
    at += src->n_dsingle;
    ks->pair = (uint32_t *)at;
    memcpy(at, src->pair, (size_t)src->n_pairs * 4);
    *bytes = size;
    return ks;
}

/* The listed set of the selected territories: from the cache, else listed now (and kept
 * while the budget allows). NULL when out of memory. */
static keyed_set_t *keyed_set(glia_perturb_t *p, const glia_net_t *net,
                              const glia_territories_t *terr)
{
    uint64_t mask = 0;
    size_t slot = 0;
    keyed_set_t *ks;

    for (int a = 0; a < p->n_terr; a++)
        mask |= (uint64_t)1 << p->terr_ids[a];
    if (p->sets == NULL)
        p->sets = calloc(SET_SLOTS, sizeof(*p->sets));
    if (p->sets != NULL) {
        slot = (size_t)((mask * 0x9e3779b97f4a7c15ULL) >> 54); /* 10 bits: SET_SLOTS */
        for (int probe = 0; probe < SET_SLOTS; probe++, slot = (slot + 1) % SET_SLOTS) {
            if (p->sets[slot] == NULL)
                break;
            if (p->sets[slot]->mask == mask)
                return p->sets[slot];
        }
    }
    if (p->scratch_set == NULL) {
        const size_t nsyn = (size_t)net->n_syn + 1, n = (size_t)net->n + 1;
        p->scratch_set = malloc(sizeof(keyed_set_t) +
                                (3 * n + 4 * nsyn + n + (size_t)net->n_driven) * sizeof(int));
        if (p->scratch_set == NULL)
            return NULL;
        p->scratch_set->run = (int *)(p->scratch_set + 1);
        p->scratch_set->single = p->scratch_set->run + 3 * n;
        p->scratch_set->dsingle = p->scratch_set->single + 2 * nsyn;
        p->scratch_set->pair = (uint32_t *)(p->scratch_set->dsingle + nsyn);
        p->scratch_set->drun = (int *)(p->scratch_set->pair + nsyn + n);
    }
    ks = p->scratch_set;
    ks->mask = mask;
    mark_u(p, terr);
    list_set(p, net, ks);
    clear_u(p);
    if (p->sets != NULL && p->sets[slot] == NULL && p->sets_bytes < SET_BUDGET) {
        size_t bytes = 0;
        keyed_set_t *kept = copy_set(ks, &bytes);
        if (kept != NULL) {
            p->sets[slot] = kept;
            p->sets_bytes += bytes;
            return kept;
        }
    }
    return ks;
}

/* The union as parts: part[a] = territory a's synapses not in an earlier one. */
static int union_bits(glia_perturb_t *p, const glia_territories_t *terr)
{
    const int words = p->words;
    int n = 0;

    memset(p->seen, 0, (size_t)words * sizeof(uint64_t));
    for (int a = 0; a < p->n_terr; a++) {
        const uint64_t *b = p->bits + (size_t)p->terr_ids[a] * (size_t)words;
        uint64_t *part = p->part + (size_t)a * (size_t)words;
        int *rank = p->part_rank + (size_t)a * (size_t)words;
        int c = 0;
        for (int w = 0; w < words; w++) {
            part[w] = b[w] & ~p->seen[w];
            p->seen[w] |= b[w];
            rank[w] = c;
            c += popcount64(part[w]);
        }
        p->part_count[a] = c;
        n += c;
    }
    (void)terr;
    return n;
}

/* The union as a list in eligible[] (selected order, then id order, each once). */
static int union_list(glia_perturb_t *p, const glia_net_t *net, const glia_territories_t *terr)
{
    int n = 0;

    if (p->bits_state == 1) {
        /* each territory's list, less what an earlier one had (its part's bits) */
        for (int a = 0; a < p->n_terr; a++) {
            const uint64_t *part = p->part + (size_t)a * (size_t)p->words;
            const glia_territory_t *t = &terr->t[p->terr_ids[a]];
            for (int i = 0; i < t->n_syn; i++) {
                const int s = t->syn[i];
                p->eligible[n] = s;
                n += (int)((part[s >> 6] >> (s & 63)) & 1);
            }
        }
    } else {
        const int n_terr = p->n_terr;
        glia_perturb_union_begin(p, net);
        p->n_terr = n_terr;
        for (int a = 0; a < n_terr; a++) {
            const glia_territory_t *t = &terr->t[p->terr_ids[a]];
            n = glia_perturb_union_add(p, n, t->syn, t->n_syn);
        }
    }
    p->has_list = 1;
    return n;
}

int glia_perturb_union_territories(glia_learner_ctx_t *ctx, const int *t, int k)
{
    glia_perturb_t *p = ctx->perturb;
    const glia_territories_t *terr = ctx->territories;
    const int mode = mode_of(ctx);

    p->n_terr = k;
    memcpy(p->terr_ids, t, (size_t)k * sizeof(int));
    p->has_list = 0;
    if (mode == MODE_MULBERRY && build_bits(p, terr) == 1)
        p->n_set = union_bits(p, terr);
    else if (mode == MODE_KEYED) {
        p->cur_set = NULL;
        if (ctx->cfg->network.passes == 1 && ctx->net->can_update && terr->count <= 64)
            p->cur_set = keyed_set(p, ctx->net, terr);
        if (p->cur_set != NULL) {
            p->n_set = p->cur_set->n;
        } else {
            mark_u(p, terr);
            p->n_set = count_touching(p, ctx->net);
        }
    } else
        p->n_set = union_list(p, ctx->net, terr);
    return p->n_set;
}

/* ---- base pass, evaluation ------------------------------------------------------------- */

static void count_fires(glia_learner_ctx_t *ctx)
{
    const glia_net_t *net = ctx->net;

    if (ctx->fire_count == NULL)
        return;
    for (int j = 0; j < net->n; j++)
        ctx->fire_count[j] += net->fired[j];
}

void glia_perturb_base(glia_learner_ctx_t *ctx, const glia_pattern_t *pat, glia_step_info_t *info)
{
    glia_net_t *net = ctx->net;
    glia_perturb_t *p = ctx->perturb;

    if (ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN) {
        /* The task's score of the current weights is cached: every try either keeps its
         * own score or puts back the weights this one was taken on. */
        if (!p->cache_valid) {
            score_many(ctx, &p->cur_soft, &p->cur_reward, p->want_rates ? p->cur_rate : NULL);
            p->cache_valid = ctx->cfg->training.reward_scope == GLIA_SCOPE_TASK;
        }
        info->base_soft = info->after_soft = p->cur_soft;
        info->reward = p->cur_reward;
        info->output = 0;
        return;
    }
    glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    count_fires(ctx);
    ctx->perturb->has_base = 1;
    ctx->perturb->base_input = pat->input;
    info->base_soft = info->after_soft = glia_net_soft_reward(net, pat->target);
    info->output = glia_net_output(net);
    info->reward = glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
}

static double clamped(double v, double clamp)
{
    if (v > clamp)
        v = clamp;
    if (v < -clamp)
        v = -clamp;
    return v;
}

/* ---- applying samples ------------------------------------------------------------------ */

typedef struct step {
    glia_learner_ctx_t *ctx;
    glia_perturb_t *p;
    glia_net_t *net;
    double std, clamp;
    int all_live; /* more than one pass: any neuron can fire, every synapse is live */
    int n;        /* size of the set */
} step_t;

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

static void sequential_all(step_t *st)
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

static void mulberry_before(step_t *st, const glia_mulberry_plan_t *plan)
{
    glia_perturb_t *p = st->p;
    int m;

    if (st->all_live && !p->has_list)
        union_list(p, st->net, st->ctx->territories);
    m = mulberry_live(st);
    for (int i = 0; i < m; i++) {
        const uint64_t j = 2 * (uint64_t)p->batch_k[i];
        p->draws[2 * i] = glia_mulberry_plan_state(plan, j);
        p->draws[2 * i + 1] = glia_mulberry_plan_state(plan, j + 1);
    }
    glia__gauss_mulberry_n(p->draws, m, p->g);
    apply_saved(st, p->batch, p->g, m);
}

static void mulberry_keep(step_t *st, const glia_mulberry_plan_t *plan)
{
    glia_perturb_t *p = st->p;
    const glia_net_t *net = st->net;
    int m = 0;

    if (st->all_live)
        return;
    if (!p->has_list)
        union_list(p, st->net, st->ctx->territories);
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
static void keyed_apply(step_t *st, uint64_t key, int live)
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
static void keyed_set_driven(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input,
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
static void keyed_set_keep(step_t *st, uint64_t key, const keyed_set_t *ks, uint64_t input)
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
    keyed_set_driven(st, key, ks, input, 0);
}

/* ---- thresholds and redraws (beyond the paper) ------------------------------------------ */

/* Without a list from the learner, the thresholds a step moves are those of the
 * non-source post neurons of its eligible synapses. */
static void neurons_from_eligible(step_t *st)
{
    glia_perturb_t *p = st->p;

    if (!p->has_list)
        union_list(p, st->net, st->ctx->territories);
    glia_perturb_neurons_begin(p, st->net);
    for (int k = 0; k < st->n; k++)
        glia_perturb_neurons_add(p, st->net, &st->net->post[p->eligible[k]], 1);
}

/* Move the listed thresholds after the weights (their draws follow the weights'):
 * thr += gauss * threshold_std, clamped, or with a redraw a uniform value within the
 * clamp; saved for revert, and applied before the evaluation. */
static void perturb_thresholds(step_t *st)
{
    glia_perturb_t *p = st->p;
    double *thr = st->net->thr;
    const double std = st->ctx->cfg->learner.threshold_std;
    const double clamp = st->ctx->cfg->learner.threshold_clamp;

    for (int k = 0; k < p->n_neurons; k++) {
        const int j = p->neurons[k];
        p->saved_thr[k] = thr[j];
        if (p->redraw)
            thr[j] = (2.0 * glia_rng_next(st->ctx->rng) - 1.0) * clamp;
        else
            thr[j] = clamped(thr[j] + glia_rng_gauss(st->ctx->rng) * std, clamp);
    }
    p->n_thr_applied = p->n_neurons;
}

/* Random search: every eligible weight redrawn uniformly within the clamp, in order. */
static void redraw_all(step_t *st)
{
    glia_perturb_t *p = st->p;
    double *w = st->net->w;

    if (!p->has_list)
        union_list(p, st->net, st->ctx->territories);
    for (int k = 0; k < st->n; k++) {
        const int s = p->eligible[k];
        p->applied[p->n_applied] = s;
        p->saved[p->n_applied++] = w[s];
        w[s] = (2.0 * glia_rng_next(st->ctx->rng) - 1.0) * st->clamp;
    }
}

/* ---- the step --------------------------------------------------------------------------- */

static void revert(step_t *st)
{
    glia_perturb_t *p = st->p;

    for (int k = p->n_applied - 1; k >= 0; k--)
        st->net->w[p->applied[k]] = p->saved[k];
    for (int k = 0; k < p->n_thr_applied; k++)
        st->net->thr[p->neurons[k]] = p->saved_thr[k];
}

int glia_perturb_try(glia_learner_ctx_t *ctx, int n, const glia_pattern_t *pat,
                     glia_step_info_t *info)
{
    glia_perturb_t *p = ctx->perturb;
    glia_net_t *net = ctx->net;
    const int many = ctx->cfg->training.reward_scope != GLIA_SCOPE_PATTERN;
    const int thresholds = ctx->cfg->learner.perturb_thresholds || p->redraw;
    const uint64_t input = scored_inputs(ctx, pat);
    glia_mulberry_plan_t plan;
    step_t st;
    uint64_t key = 0;
    int mode = p->redraw ? MODE_REDRAW : mode_of(ctx), kept;
    double reward = 0.0;

    st.ctx = ctx;
    st.p = p;
    st.net = net;
    st.std = ctx->cfg->training.perturbation_std;
    st.clamp = ctx->cfg->training.weight_clamp;
    /* more than one pass, or bias units: any neuron can fire, every synapse is live */
    st.all_live = ctx->cfg->network.passes != 1 || net->n_bias > 0;
    st.n = p->n_terr > 0 ? p->n_set : n;
    if (p->n_terr == 0)
        p->has_list = 1;
    p->n_applied = 0;
    p->n_thr_applied = 0;
    for (int i = 0; i < net->n_driven; i++)
        p->live[net->driven[i]] = (uint8_t)((input >> i) & 1);
    if (thresholds && !p->neurons_listed)
        neurons_from_eligible(&st);

    if (mode == MODE_MULBERRY && glia_rng_mulberry_plan(ctx->rng, 2 * (uint64_t)st.n, &plan) != 0)
        mode = MODE_SEQUENTIAL; /* millions of draws in one step: take them one by one */
    if (mode == MODE_REDRAW) {
        redraw_all(&st);
    } else if (mode == MODE_SEQUENTIAL) {
        if (!p->has_list)
            union_list(p, net, ctx->territories);
        sequential_all(&st);
    } else if (mode == MODE_MULBERRY) {
        mulberry_before(&st, &plan);
        ctx->rng->s = plan.s_after; /* as if every draw were taken; the thresholds draw next */
    } else {
        key = glia_rng_next_u64(ctx->rng);
        if (p->cur_set != NULL)
            keyed_set_driven(&st, key, p->cur_set, input, 1);
        else
            keyed_apply(&st, key, 1);
    }
    if (thresholds)
        perturb_thresholds(&st);

    /* The evaluation: over the patterns scored; or from the base pass, only what the
     * applied synapses reach (not when thresholds moved: their neurons may lie beyond). */
    if (many)
        score_many(ctx, &info->after_soft, &reward, p->want_rates ? p->cand_rate : NULL);
    else if (ctx->cfg->network.passes == 1 && p->has_base && p->base_input == pat->input &&
             p->n_thr_applied == 0)
        glia_net_forward_update(net, pat->input, p->applied, p->n_applied);
    else
        glia_net_forward(net, pat->input, ctx->cfg->network.passes);
    if (!many)
        info->after_soft = glia_net_soft_reward(net, pat->target);
    info->decided = 1;
    kept = info->after_soft > info->base_soft; /* strict improvement only */
    if (kept) {
        if (mode == MODE_MULBERRY)
            mulberry_keep(&st, &plan);
        else if (mode == MODE_KEYED && p->cur_set != NULL)
            keyed_set_keep(&st, key, p->cur_set, input);
        else if (mode == MODE_KEYED)
            keyed_apply(&st, key, 0);
        info->kept = 1;
        if (many) {
            /* the candidate's score is the current weights' now */
            p->cur_soft = info->after_soft;
            p->cur_reward = info->reward = reward;
            if (p->want_rates) {
                double *t = p->cur_rate;
                p->cur_rate = p->cand_rate;
                p->cand_rate = t;
            }
        } else {
            info->output = glia_net_output(net);
            info->reward =
                glia_reward_binary(info->output, pat->target, ctx->cfg->task.target_width);
        }
    } else {
        revert(&st);
    }

    for (int i = 0; i < net->n_driven; i++)
        p->live[net->driven[i]] = 0;
    clear_u(p);
    p->cur_set = NULL;
    p->n_terr = 0;
    p->n_applied = 0;
    p->n_thr_applied = 0;
    p->has_base = 0;
    /* a neuron list and a redraw are for one try */
    p->neurons_listed = 0;
    p->redraw = 0;
    return kept;
}
