/* perturb_union.c: the set of synapses a perturbation step perturbs.
 *
 * A learner names its synapses as merged lists (glia_perturb_union_*) or as a union of
 * astrocyte territories. With mulberry32-js the union's order matters (it decides which
 * draws each synapse gets), and bit sets of the territories' synapses give the size of
 * the union and the place of each live synapse in it without building it; with stream 2
 * only membership matters, and the territories' neurons give it (with one pass, each set
 * of territories is listed once, grouped by what a step does with it, and cached). The
 * list is built only when a step keeps or a generator needs it in order.
 */
#include "core/learners/perturb.h"

#include <stdlib.h>
#include <string.h>

#include "core/learners/perturb_parts.h"
#include "core/net_storage.h"

/* Territory bit sets are built only up to this size (the reference's: 2.3 KB); above it
 * the union is built as a list. */
#define BITS_BUDGET (4u << 20)

/* Stream 2's cache of territory sets: at most this many bytes of lists, in a table of
 * SET_SLOTS sets (open addressing by mask); sets beyond either are listed each step. */
#define SET_BUDGET (16u << 20)
#define SET_SLOTS  1024

void glia__perturb_union_destroy(glia_perturb_t *p)
{
    free(p->bits);
    free(p->part);
    free(p->part_rank);
    free(p->seen);
    free(p->adj);
    free(p->u_bits);
    if (p->sets != NULL) {
        for (int i = 0; i < SET_SLOTS; i++)
            free(p->sets[i]);
        free(p->sets);
    }
    free(p->scratch_set);
}

/* ---- lists -------------------------------------------------------------------------------- */

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

/* ---- the territory form of the set ---------------------------------------------------- */

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

void glia__perturb_clear_u(glia_perturb_t *p)
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

/* List the set of the territories marked in in_u into `ks` (whose arrays are large
 * enough: the scratch set's). */
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
    glia__perturb_clear_u(p);
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
int glia__perturb_union_list(glia_perturb_t *p, const glia_net_t *net,
                             const glia_territories_t *terr)
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
    const int mode = perturb_mode(ctx);

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
        p->n_set = glia__perturb_union_list(p, ctx->net, terr);
    return p->n_set;
}

/* ---- base pass, evaluation ------------------------------------------------------------- */
