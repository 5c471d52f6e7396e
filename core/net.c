/* net.c: network construction (reference draw order), forward pass, rewards.
 *
 * Synapses are created pre-major, so synapse id order is also grouped by pre: the
 * forward pass walks only the outgoing ranges of neurons that fired, and still adds
 * into each act[post] in synapse id order, which parity needs (float addition is not
 * associative).
 */
#include "core/net.h"

#include "core/net_phase1a.h"
#include "core/net_storage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sample.h"

static void index_synapses(glia_net_t *net)
{
    memset(net->out_start, 0, ((size_t)net->n + 1) * sizeof(int));
    for (int s = 0; s < net->n_syn; s++)
        net->out_start[net->pre[s] + 1]++;
    for (int j = 0; j < net->n; j++)
        net->out_start[j + 1] += net->out_start[j];
}

/* The lookups of glia_net_forward_update and the soft reward's cache. */
static int net_index_update(glia_net_t *net)
{
    const size_t n = (size_t)net->n, ids = (size_t)net->id_space;
    const size_t nd = net->n_driven ? (size_t)net->n_driven : 1;

    net->reader_start = calloc(ids + 1, sizeof(int));
    net->reader = malloc((n ? n : 1) * sizeof(int));
    net->driven_syn = malloc(nd * n * sizeof(int));
    net->driven_rank = malloc(nd * sizeof(int));
    net->touched = calloc(ids, sizeof(uint32_t));
    net->soft_e = malloc((net->n_readout ? (size_t)net->n_readout : 1) * sizeof(double));
    net->soft_term = malloc((net->n_readout ? (size_t)net->n_readout : 1) * sizeof(double));
    if (!net->reader_start || !net->reader || !net->driven_syn || !net->driven_rank ||
        !net->touched || !net->soft_e || !net->soft_term)
        return GLIA_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
            net->reader_start[net->id[j] + 1]++;
    }
    for (size_t x = 0; x < ids; x++)
        net->reader_start[x + 1] += net->reader_start[x];
    {
        /* readers of each id in position order */
        int *cur = malloc((ids ? ids : 1) * sizeof(int));
        if (cur == NULL)
            return GLIA_ENOMEM;
        memcpy(cur, net->reader_start, ids * sizeof(int));
        for (size_t j = 0; j < n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                net->reader[cur[net->id[j]]++] = (int)j;
        }
        free(cur);
    }
    /* Bias units fire without input: the inputs-only shortcuts do not hold. */
    net->can_update = net->n_bias == 0;
    for (int i = 0; i < net->n_driven; i++) {
        const int v = net->driven[i];
        int *row = net->driven_syn + (size_t)i * n;
        for (size_t x = 0; x < n; x++)
            row[x] = -1;
        for (int s = net->out_start[v]; s < net->out_start[v + 1]; s++) {
            if (row[net->post[s]] >= 0)
                net->can_update = 0; /* two synapses to one post */
            row[net->post[s]] = s;
        }
        /* insertion sort of the inputs by position */
        {
            int k = i;
            while (k > 0 && net->driven[net->driven_rank[k - 1]] > v) {
                net->driven_rank[k] = net->driven_rank[k - 1];
                k--;
            }
            net->driven_rank[k] = i;
        }
    }
    for (int i = 1; i < net->n_driven; i++) {
        if (net->driven[net->driven_rank[i]] == net->driven[net->driven_rank[i - 1]])
            net->can_update = 0; /* two inputs on one position */
    }
    return 0;
}

static glia_net_t *net_new_clusters(const glia_config_t *cfg, glia_rng_t *rng)
{
    const int clusters = cfg->network.clusters;
    const int csize = glia_config_cluster_size(cfg);
    const int stride = glia_config_id_stride(cfg);
    const int n = clusters * csize;
    const double half = cfg->network.spread / 2.0;
    int id_space = stride * (clusters - 1) + csize;
    glia_net_t *net;
    int cap;

    if (id_space < n)
        id_space = n;
    net = calloc(1, sizeof(*net));
    if (net == NULL || glia__net_alloc_neurons(net, n, id_space) != 0)
        goto fail;

    /* Neurons in position order: per cluster, inputs, outputs, modulatory, regular.
     * Draw order per neuron: x, then y, then z (spec 2). */
    for (int c = 0, j = 0; c < clusters; c++) {
        for (int k = 0; k < csize; k++, j++) {
            int role;
            if (cfg->network.bias && k == csize - 1)
                role = GLIA_ROLE_BIAS;
            else if (k < cfg->network.inputs)
                role = GLIA_ROLE_INPUT;
            else if (k < cfg->network.inputs + cfg->network.outputs)
                role = GLIA_ROLE_OUTPUT;
            else if (k < cfg->network.inputs + cfg->network.outputs + cfg->network.modulatory)
                role = GLIA_ROLE_MODULATORY;
            else
                role = GLIA_ROLE_REGULAR;
            net->role[j] = (uint8_t)role;
            net->cluster[j] = c;
            net->id[j] = stride * c + k;
            net->x[j] = cfg->network.cluster_spacing * c + (-half + cfg->network.spread * glia_rng_next(rng));
            net->y[j] = -half + cfg->network.spread * glia_rng_next(rng);
            net->z[j] = -half + cfg->network.spread * glia_rng_next(rng);
            net->thr[j] = cfg->network.threshold;
            if (role == GLIA_ROLE_BIAS)
                net->bias[net->n_bias++] = j;
        }
    }

    net->n_driven = cfg->task.input_width;
    for (int i = 0; i < net->n_driven; i++)
        net->driven[i] = cfg->network.input_cluster * csize + i;
    net->n_readout = cfg->task.target_width;
    for (int i = 0; i < net->n_readout; i++)
        net->readout[i] = cfg->network.output_cluster * csize + cfg->network.inputs + i;

    /* Synapses: every ordered pair (pre, post), post not a source, pre != post. A pair
     * with a draw below p is created and draws its weight right away (spec 2). */
    cap = 1024;
    for (int pre = 0; pre < n; pre++) {
        for (int post = 0; post < n; post++) {
            double p;
            if (pre == post || GLIA_ROLE_IS_SOURCE(net->role[post]))
                continue;
            p = net->cluster[pre] == net->cluster[post] ? cfg->network.p_intra
                                                         : cfg->network.p_inter;
            if (!(glia_rng_next(rng) < p))
                continue;
            if (glia__net_push_synapse(net, &cap, pre, post,
                                       (glia_rng_next(rng) - 0.5) * cfg->network.weight_init) != 0)
                goto fail;
        }
    }
    return net;

fail:
    glia_net_free(net);
    return NULL;
}

glia_net_t *glia_net_new(const glia_config_t *cfg, glia_rng_t *rng)
{
    glia_net_t *net = cfg->network.layout == GLIA_LAYOUT_PHASE1A
                          ? glia__net_new_phase1a(cfg, rng)
                          : net_new_clusters(cfg, rng);

    if (net == NULL)
        return NULL;
    if (net->pre == NULL && glia__net_alloc_synapses(net, 1) != 0) { /* no synapse at all */
        glia_net_free(net);
        return NULL;
    }
    index_synapses(net);
    net->fire_ge = cfg->network.fire_rule == GLIA_FIRE_GE;
    net->carry = (uint8_t)(cfg->network.carry_state != 0);
    /* V8's exp where results are the reference's (mulberry32-js) or new (stream 2) */
    net->v8_exp = cfg->rng == GLIA_RNG_MULBERRY32_JS ||
                  (cfg->rng == GLIA_RNG_XOSHIRO256SS && cfg->rng_version >= 2);
    if (net_index_update(net) != 0) {
        glia_net_free(net);
        return NULL;
    }
    return net;
}

glia_net_t *glia_net_new_manual(int n, const int *role, const int *cluster, const int *id,
                                int n_driven, const int *driven, int n_readout,
                                const int *readout, int n_syn, const int *pre, const int *post,
                                const double *w, double threshold)
{
    glia_net_t *net;
    int id_space = n;

    if (n < 1 || n_syn < 0 || n_driven < 0 || n_driven > n || n_driven > GLIA_MAX_WIDTH ||
        n_readout < 0 || n_readout > n || n_readout > GLIA_MAX_WIDTH)
        return NULL;
    /* Pattern bits index these arrays: a position outside the network would be written
     * by every forward pass. */
    for (int i = 0; i < n_driven; i++) {
        if (driven[i] < 0 || driven[i] >= n)
            return NULL;
    }
    for (int i = 0; i < n_readout; i++) {
        if (readout[i] < 0 || readout[i] >= n)
            return NULL;
    }
    for (int j = 0; j < n; j++) {
        if (id[j] < 0 || role[j] < 0 || role[j] > GLIA_ROLE_BIAS)
            return NULL;
        if (id[j] + 1 > id_space)
            id_space = id[j] + 1;
    }
    for (int s = 0; s < n_syn; s++) {
        if (pre[s] < 0 || pre[s] >= n || post[s] < 0 || post[s] >= n ||
            (s > 0 && pre[s] < pre[s - 1]))
            return NULL;
    }
    net = calloc(1, sizeof(*net));
    if (net == NULL || glia__net_alloc_neurons(net, n, id_space) != 0 ||
        glia__net_alloc_synapses(net, n_syn > 0 ? n_syn : 1) != 0)
        goto fail;
    for (int j = 0; j < n; j++) {
        net->role[j] = (uint8_t)role[j];
        net->cluster[j] = cluster[j];
        net->id[j] = id[j];
        net->thr[j] = threshold;
        if (role[j] == GLIA_ROLE_BIAS)
            net->bias[net->n_bias++] = j;
    }
    net->n_driven = n_driven;
    memcpy(net->driven, driven, (size_t)n_driven * sizeof(int));
    net->n_readout = n_readout;
    memcpy(net->readout, readout, (size_t)n_readout * sizeof(int));
    net->n_syn = n_syn;
    if (n_syn > 0) {
        memcpy(net->pre, pre, (size_t)n_syn * sizeof(int));
        memcpy(net->post, post, (size_t)n_syn * sizeof(int));
        memcpy(net->w, w, (size_t)n_syn * sizeof(double));
    }
    index_synapses(net);
    if (net_index_update(net) != 0)
        goto fail;
    return net;

fail:
    glia_net_free(net);
    return NULL;
}

int glia_net_neuron_count(const glia_net_t *net)
{
    return net->n;
}

int glia_net_synapse_count(const glia_net_t *net)
{
    return net->n_syn;
}

int glia_net_id_space(const glia_net_t *net)
{
    return net->id_space;
}

void glia_net_neuron(const glia_net_t *net, int j, glia_neuron_info_t *info)
{
    info->position = j;
    info->id = net->id[j];
    info->role = net->role[j];
    info->cluster = net->cluster[j];
    info->x = net->x[j];
    info->y = net->y[j];
    info->z = net->z[j];
    info->threshold = net->thr[j];
}

void glia_net_synapse(const glia_net_t *net, int s, int *pre, int *post, double *w)
{
    *pre = net->pre[s];
    *post = net->post[s];
    *w = net->w[s];
}

double glia_net_weight_sum(const glia_net_t *net)
{
    double sum = 0.0;
    for (int s = 0; s < net->n_syn; s++)
        sum += net->w[s];
    return sum;
}

double glia_net_mean_abs_weight(const glia_net_t *net)
{
    double sum = 0.0;
    if (net->n_syn == 0)
        return 0.0;
    for (int s = 0; s < net->n_syn; s++)
        sum += fabs(net->w[s]);
    return sum / net->n_syn;
}

int glia_net_input_count(const glia_net_t *net)
{
    return net->n_driven;
}

int glia_net_input_position(const glia_net_t *net, int i)
{
    return net->driven[i];
}

int glia_net_output_count(const glia_net_t *net)
{
    return net->n_readout;
}

int glia_net_output_position(const glia_net_t *net, int i)
{
    return net->readout[i];
}

double *glia_net_weights(glia_net_t *net)
{
    return net->w;
}

const uint8_t *glia_net_fired(const glia_net_t *net)
{
    return net->fired;
}

/* One propagation cycle from the outputs in `fired`: act[post] += w over the synapses of
 * neurons that fired (in synapse id order: synapses are grouped by pre), then every
 * non-source neuron fires on its act (spec 3; phase 1a step 2). `first_from_inputs`: only
 * the driven inputs can have fired (a pass's first cycle without carried state), so only
 * they are visited, in position order, which is the full scan's order. */
static inline void net_cycle_to(const glia_net_t *net, uint64_t input, int first_from_inputs,
                                uint8_t *fired, double *act)
{
    const int n = net->n;
    const int *post = net->post;
    const double *w = net->w;

    memset(act, 0, (size_t)net->id_space * sizeof(double));
    if (first_from_inputs) {
        for (int r = 0; r < net->n_driven; r++) {
            const int i = net->driven_rank[r], j = net->driven[i];
            if (!((input >> i) & 1))
                continue;
            for (int s = net->out_start[j]; s < net->out_start[j + 1]; s++)
                act[post[s]] += w[s];
        }
    } else {
        for (int j = 0; j < n; j++) {
            if (!fired[j])
                continue;
            for (int s = net->out_start[j]; s < net->out_start[j + 1]; s++)
                act[post[s]] += w[s];
        }
    }
    if (net->fire_ge) {
        for (int j = 0; j < n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                fired[j] = act[net->id[j]] >= net->thr[j];
        }
    } else {
        for (int j = 0; j < n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                fired[j] = act[net->id[j]] > net->thr[j];
        }
    }
}

void glia_net_cycle(glia_net_t *net)
{
    net_cycle_to(net, 0, 0, net->fired, net->act);
}

void glia_net_clamp(glia_net_t *net, uint64_t input)
{
    for (int i = 0; i < net->n_driven; i++)
        net->fired[net->driven[i]] = (uint8_t)((input >> i) & 1);
    for (int i = 0; i < net->n_bias; i++)
        net->fired[net->bias[i]] = 1;
}

uint64_t glia_net_forward_to(const glia_net_t *net, uint64_t input, int passes, uint8_t *fired,
                             double *act)
{
    uint64_t out = 0;

    if (!net->carry)
        memset(fired, 0, (size_t)net->n);
    for (int i = 0; i < net->n_driven; i++)
        fired[net->driven[i]] = (uint8_t)((input >> i) & 1);
    for (int i = 0; i < net->n_bias; i++)
        fired[net->bias[i]] = 1;
    for (int p = 0; p < passes; p++)
        net_cycle_to(net, input, p == 0 && !net->carry && net->can_update, fired, act);
    for (int i = 0; i < net->n_readout; i++)
        out |= (uint64_t)fired[net->readout[i]] << i;
    return out;
}

void glia_net_forward(glia_net_t *net, uint64_t input, int passes)
{
    glia_net_forward_to(net, input, passes, net->fired, net->act);
}

void glia_net_forward_update(glia_net_t *net, uint64_t input, const int *syn, int m)
{
    const size_t n = (size_t)net->n;
    const int *on[GLIA_MAX_WIDTH]; /* the rows of the inputs that are on, by position */
    int n_on = 0;

    if (!net->can_update || net->carry) {
        glia_net_forward(net, input, 1);
        return;
    }
    for (int r = 0; r < net->n_driven; r++) {
        const int i = net->driven_rank[r];
        if ((input >> i) & 1)
            on[n_on++] = net->driven_syn + (size_t)i * n;
    }
    if (++net->stamp == 0) {
        memset(net->touched, 0, (size_t)net->id_space * sizeof(uint32_t));
        net->stamp = 1;
    }
    for (int k = 0; k < m; k++) {
        const int x = net->post[syn[k]];
        double a = 0.0;
        if (net->touched[x] == net->stamp)
            continue;
        net->touched[x] = net->stamp;
        /* act[x] as the full pass sums it: from 0, the inputs that fired, by position */
        for (int r = 0; r < n_on; r++) {
            const int s = on[r][x];
            if (s >= 0)
                a += net->w[s];
        }
        net->act[x] = a;
        for (int t = net->reader_start[x]; t < net->reader_start[x + 1]; t++) {
            const int j = net->reader[t];
            net->fired[j] = net->fire_ge ? a >= net->thr[j] : a > net->thr[j];
        }
    }
}

uint64_t glia_net_output(const glia_net_t *net)
{
    uint64_t out = 0;
    for (int i = 0; i < net->n_readout; i++)
        out |= (uint64_t)net->fired[net->readout[i]] << i;
    return out;
}

double glia_reward_binary(uint64_t output, uint64_t target, int width)
{
    int correct = 0;
    for (int i = 0; i < width; i++)
        correct += ((output >> i) & 1) == ((target >> i) & 1);
    return (double)correct / width;
}

double glia_net_soft_reward(glia_net_t *net, uint64_t target)
{
    double r = 0.0;

    for (int i = 0; i < net->n_readout; i++) {
        int j = net->readout[i];
        double a = net->act[net->id[j]] - net->thr[j];
        /* -sign*a with sign = +1 for a target bit 1, -1 for 0; exact either way. */
        double e = ((target >> i) & 1) ? -a : a;
        /* The term is a function of e alone: the last call's when e is the same double. */
        if (!net->has_soft || memcmp(&e, &net->soft_e[i], sizeof(e)) != 0) {
            net->soft_e[i] = e;
            net->soft_term[i] = 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(e) : exp(e)));
        }
        r += net->soft_term[i];
    }
    net->has_soft = 1;
    return r / net->n_readout;
}

/* Byte by byte from the least significant: the same on any host. */
static uint64_t fnv_f64(uint64_t h, double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof(u));
    for (int b = 0; b < 8; b++) {
        h ^= (u >> (8 * b)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

uint64_t glia_hash_f64(const double *v, size_t n)
{
    uint64_t h = FNV_BASIS;

    for (size_t i = 0; i < n; i++)
        h = fnv_f64(h, v[i]);
    return h;
}

void glia_net_hashes(const glia_net_t *net, glia_net_hashes_t *h)
{
    h->positions = FNV_BASIS;
    for (int j = 0; j < net->n; j++) {
        h->positions = fnv_f64(h->positions, net->x[j]);
        h->positions = fnv_f64(h->positions, net->y[j]);
        h->positions = fnv_f64(h->positions, net->z[j]);
    }
    h->pairs = FNV_BASIS;
    for (int s = 0; s < net->n_syn; s++) {
        h->pairs = fnv_f64(h->pairs, (double)net->pre[s]);
        h->pairs = fnv_f64(h->pairs, (double)net->post[s]);
    }
    h->weights = glia_hash_f64(net->w, (size_t)net->n_syn);
    h->thresholds = glia_hash_f64(net->thr, (size_t)net->n);
}
