/* footprint.c: a session's memory, estimated from its config (see footprint.h). */
#include "core/footprint.h"

#include <math.h>

#include "core/learners/learner.h"
#include "core/session_internal.h"

/* What the allocator adds to every block (header and rounding), on average. */
#define BLOCK 32u

/* Expected count of independent draws (n trials, probability p) plus four standard
 * deviations: a bound the real count passes about once in 30,000 sessions, and then by
 * little. */
static double upper(double n, double p)
{
    double mean = n * p;
    return mean + 4.0 * sqrt(n * p * (1.0 - p)) + (p > 0 ? 1.0 : 0.0);
}

/* The capacity glia_net_new grows its synapse arrays to: 1024, doubled until it holds n. */
static double synapse_capacity(double n)
{
    double cap = 1024;
    while (cap < n)
        cap *= 2;
    return cap;
}

uint64_t glia_config_points(const glia_config_t *cfg, uint64_t episodes)
{
    const uint64_t every = (uint64_t)cfg->training.trajectory_interval;

    if (cfg->learner.kind == GLIA_LEARNER_CONTROL || every == 0)
        return 0;
    return (episodes + every - 1) / every; /* episodes 0, every, 2 every, ... */
}

/* What a learner's state takes beyond the astrocytes' (by kind). */
typedef struct sizes {
    double n, id_space, astrocytes, synapses, modulatory;
} sizes_t;

static double astrocyte_bytes(const glia_config_t *cfg, const sizes_t *z)
{
    /* per astrocyte: its record (threshold, history, counters), its per-pattern counters,
     * and four scratch slots; then the firing arrays and the firing rates by id */
    return 128 + z->astrocytes * (128 + 8.0 * cfg->task.count + BLOCK + 14) + z->id_space + z->n +
           8 * z->id_space + 9 * BLOCK;
}

/* The neuromod learner (neuromod.c): per synapse its trace, history, chemistry, flags,
 * adjustment counters and two weight copies (70 bytes); per neuron its counters, and its
 * neighbours within the ambient radius (every pair at most; the fraction of the cluster's
 * cube a ball of that radius covers bounds the chance of a pair); distances to the
 * modulatory and output neurons. */
static double neuromod_bytes(const glia_config_t *cfg, const sizes_t *z)
{
    const double r = cfg->learner.neuromod.ambient_radius, side = cfg->network.spread;
    const double outputs = cfg->task.target_width;
    double f = 1, pairs;

    if (side > 0) {
        f = 4.0 / 3.0 * 3.14159265358979 * r * r * r / (side * side * side);
        if (f > 1)
            f = 1;
    }
    pairs = upper(z->n * (z->n - 1), f);
    return 512 + 70 * z->synapses + 4 * (z->n + 1) + 12 * pairs + 32 * z->n +
           (z->modulatory + 2 * outputs) * z->n * 8 + z->modulatory * 12 + 24 * BLOCK;
}

/* The estimators and backprop (issue 21): their scratch over the parameters (every
 * synapse and neuron) and, for backprop, every pass's firing and net input. */
static double estimator_bytes(const glia_config_t *cfg, const sizes_t *z)
{
    const double params = z->synapses + z->n, passes = cfg->network.passes;

    switch (cfg->learner.kind) {
    case GLIA_LEARNER_WEIGHT_PERTURBATION: /* lists, signs, saved parameters */
        return 128 + 4 * params + 8 * params + 8 * params + 6 * BLOCK;
    case GLIA_LEARNER_NODE_PERTURBATION: /* eligibilities, two firings, act and noise */
        return 128 + 8 * params + 2 * z->n + 16 * z->id_space + 6 * BLOCK;
    case GLIA_LEARNER_ES: /* keys, rewards, ranks inline (6 KiB); indices, noise, ... */
        return 128 + 6144 +
               (cfg->learner.es.population > 1 ? 20 * params + 8 * z->n + 6 * BLOCK : 0);
    default: /* backprop: gradient, Adam's moments, the unrolled passes, their gradients */
        return 128 + 8 * params +
               (cfg->learner.backprop.optimizer == GLIA_OPT_ADAM ? 16 * params : 0) +
               (passes + 1) * z->n + 8 * passes * z->id_space + 8 * z->id_space + 16 * z->n +
               9 * BLOCK;
    }
}

/* Bytes of the learner's state, by kind. A learner added later without a row here gets
 * the fallback, which tests/core/test_footprint.c checks against what it really holds. */
static double learner_bytes(const glia_config_t *cfg, const sizes_t *z)
{
    switch (cfg->learner.kind) {
    case GLIA_LEARNER_CONTROL:
    case GLIA_LEARNER_RANDOM_SEARCH:
        return BLOCK; /* no state: the network is the best candidate */
    case GLIA_LEARNER_CURSOR:
        return 128 + z->id_space + 2 * BLOCK;
    case GLIA_LEARNER_ASTROCYTE:
    case GLIA_LEARNER_GLOBAL:
        return astrocyte_bytes(cfg, z);
    case GLIA_LEARNER_SCATTERED:
        return astrocyte_bytes(cfg, z) + 4 * z->synapses + BLOCK;
    case GLIA_LEARNER_NEUROMOD:
        return neuromod_bytes(cfg, z);
    case GLIA_LEARNER_WEIGHT_PERTURBATION:
    case GLIA_LEARNER_NODE_PERTURBATION:
    case GLIA_LEARNER_ES:
    case GLIA_LEARNER_BACKPROP:
        return estimator_bytes(cfg, z);
    default:
        return 256 + z->astrocytes * 256 + z->id_space * 16 + z->synapses * 8 + 8 * BLOCK;
    }
}

/* What the learner adds to a snapshot. */
static double learner_snapshot(const glia_config_t *cfg, const sizes_t *z)
{
    switch (cfg->learner.kind) {
    case GLIA_LEARNER_ASTROCYTE:
    case GLIA_LEARNER_GLOBAL:
    case GLIA_LEARNER_SCATTERED:
        return z->id_space + z->astrocytes * (108 + 8.0 * cfg->task.count);
    case GLIA_LEARNER_NEUROMOD:
        return 512 + 16 * z->n + 60 * z->synapses + 8 * (cfg->task.target_width + 2);
    case GLIA_LEARNER_BACKPROP: /* with adam, two moments per parameter */
        return 64 + (cfg->learner.backprop.optimizer == GLIA_OPT_ADAM
                         ? 16 * (z->synapses + z->n)
                         : 0);
    default:
        return 64;
    }
}

/* perturb.c's budgets: territory bit sets up to BITS_BUDGET; stream 2's listed sets up to
 * SET_BUDGET bytes in SET_SLOTS slots (keep in step with perturb.c). */
#define BITS_BUDGET (4.0 * 1024 * 1024)
#define SET_BUDGET  (16.0 * 1024 * 1024)
#define SET_SLOTS   1024.0

/* What perturb.c fills in while the session runs, at its bounds: the territories' bit
 * sets (territory learners, both generators), the neurons' adjacency bits and the cache
 * of listed territory sets (stream 2). A listed set holds the outgoing runs of its
 * neurons and the synapses into it: at most 3 ints a neuron and 4 a synapse of the union
 * of max_active territories. Every selection the learner can make is one set. */
static double caches_bytes(const glia_config_t *cfg, const sizes_t *z, double t_max,
                           double csize)
{
    const int kind = cfg->learner.kind;
    const int territorial = kind == GLIA_LEARNER_ASTROCYTE || kind == GLIA_LEARNER_GLOBAL ||
                            kind == GLIA_LEARNER_SCATTERED;
    const int keyed = cfg->rng == GLIA_RNG_XOSHIRO256SS && cfg->rng_version >= 2;
    const double words = ceil((z->synapses + 1) / 64), nwords = ceil(z->n / 64);
    const double k = cfg->learner.astrocyte.max_active, nd = cfg->task.input_width;
    double bytes = 0, masks = 0, choose = 1, per_set, sets;

    if (!territorial)
        return 0;
    if (z->astrocytes * words * 8 <= BITS_BUDGET)
        bytes += z->astrocytes * words * 8 + GLIA_MAX_ACTIVE * words * 12 + words * 8 + 4 * BLOCK;
    if (!keyed)
        return bytes;
    if (z->n * nwords * 8 <= BITS_BUDGET)
        bytes += z->n * nwords * 8 + nwords * 8 + 2 * BLOCK;
    for (int j = 1; j <= (int)k && masks < SET_SLOTS; j++) {
        choose = choose * (z->astrocytes - j + 1) / j; /* C(astrocytes, j) */
        masks += choose;
    }
    if (masks > SET_SLOTS)
        masks = SET_SLOTS;
    per_set = 128 + BLOCK + 4 * (3 * k * csize + 4 * k * t_max + nd);
    sets = masks * per_set;
    if (sets > SET_BUDGET + per_set)
        sets = SET_BUDGET + per_set;
    /* the slot table and the scratch set a selection is listed into */
    bytes += 8 * SET_SLOTS + sets + 128 + BLOCK + 4 * (4 * z->n + 4 * z->synapses + nd + 8);
    return bytes;
}

uint64_t glia_config_memory_estimate(const glia_config_t *cfg, uint64_t points,
                                     glia_footprint_t *parts)
{
    const int clusters = cfg->network.clusters;
    const int is_phase1a = cfg->network.layout == GLIA_LAYOUT_PHASE1A;
    const double csize = glia_config_cluster_size(cfg);
    const double stride = is_phase1a ? csize : glia_config_id_stride(cfg);
    const double n = glia_config_neurons(cfg);
    const double inputs = cfg->network.inputs;
    const double per = cfg->learner.astrocyte.per_cluster;
    const double count = cfg->task.count;
    const double p_intra = cfg->network.p_intra, p_inter = cfg->network.p_inter;
    double pre[GLIA_MAX_CLUSTERS], post[GLIA_MAX_CLUSTERS], intra[GLIA_MAX_CLUSTERS];
    double pre_all = 0, post_all = 0, intra_all = 0, inter_all = 0, modulatory = 0;
    const double nd = cfg->task.input_width, outputs = cfg->task.target_width;
    double syn, cap, terr_all, f, traj_cap, s_total, t_max = 0;
    sizes_t z;
    glia_footprint_t fp;

    /* The neurons a synapse may leave (pre) and reach (post) in each cluster, and the
     * pairs drawn within it: net.c draws every (pre, post) but into inputs;
     * net_phase1a.c every pair of non-modulatory neurons. */
    for (int c = 0; c < clusters; c++) {
        double size = glia_config_cluster_neurons(cfg, c);
        double mod = cfg->network.modulatory < size ? cfg->network.modulatory : size;
        if (is_phase1a) {
            pre[c] = post[c] = size - mod;
            intra[c] = pre[c] * (pre[c] - 1);
        } else {
            pre[c] = size;
            post[c] = size - inputs - (cfg->network.bias ? 1 : 0); /* not into sources */
            intra[c] = post[c] * (size - 1);
        }
        modulatory += mod;
        pre_all += pre[c];
        post_all += post[c];
        intra_all += intra[c];
    }
    for (int c = 0; c < clusters; c++)
        inter_all += post[c] * (pre_all - pre[c]);

    z.n = n;
    z.id_space = is_phase1a ? n : stride * (clusters - 1) + csize;
    if (z.id_space < n)
        z.id_space = n;
    z.astrocytes = per * clusters;
    z.modulatory = modulatory;
    syn = upper(intra_all, p_intra) + upper(inter_all, p_inter);
    z.synapses = syn;
    cap = synapse_capacity(syn);

    fp.synapses = (uint64_t)syn;
    /* Neurons: id, role, cluster, x, y, z, threshold, out_start, fired, driven, readout
     * (54 bytes), act by id; synapses: pre, post, weight at capacity; initial weights. */
    /* ... and the lookups of the incremental pass (readers by id, the synapses each
     * driven input reaches, touched stamps by id, the soft reward's terms). */
    /* ... and the bias units' positions. */
    fp.network = (uint64_t)(64 + 54 * n + 8 * z.id_space + 16 * cap + 8 * syn + 16 * BLOCK +
                            8 * z.id_space + 4 * n + 4 * (nd + 1) * n + 16 * outputs + 8 * BLOCK +
                            4 * n + BLOCK);
    /* perturb.c: eligible, saved, applied, mark, batch, in_syn, in_pre (4-8 bytes a
     * synapse), draws and samples (a pair a synapse plus one a neuron), batch keys; live,
     * in_start, drv_index by neuron; in_u and u_list by id. */
    /* Beyond the paper: the thresholds a step moves and their saved values, their stamps,
     * and the firing rates of the current and the candidate weights. */
    fp.scratch = (uint64_t)(64 * syn + 29 * n + 5 * z.id_space + 64 + 16 * BLOCK + 32 * n +
                            5 * BLOCK);

    /* Territories: a list of every neuron (sized n) and the synapses touching the
     * territory. With neurons uniform over the cluster's spread x spread square, a disc of
     * territory_radius holds a fraction f of them; a synapse within the cluster touches it
     * with probability 2f - f^2, one crossing clusters with f. */
    if (cfg->network.spread > 0) {
        const double r = cfg->learner.astrocyte.territory_radius;
        f = 3.14159265358979 * r * r / (cfg->network.spread * cfg->network.spread);
        if (f > 1)
            f = 1;
    } else {
        f = 1;
    }
    terr_all = 0;
    for (int c = 0; c < clusters; c++) {
        double t;
        if (stride != csize) {
            /* Ids collide across clusters (the reference's id_stride): territories own the
             * synapses at the positions their ids name, anywhere: bound by degree. */
            double degree = post[c] / csize * (csize - 1) * p_intra + (n - csize) * p_inter * 2 +
                            (csize - 1) * p_intra;
            t = f * csize * degree;
        } else {
            t = (2 * f - f * f) * intra[c] * p_intra +
                f * (post[c] * (pre_all - pre[c]) + pre[c] * (post_all - post[c])) * p_inter;
        }
        t += 4 * sqrt(t) + 1;
        if (t > syn)
            t = syn;
        terr_all += per * t;
        if (t > t_max)
            t_max = t;
    }
    /* (each territory's neuron ids and positions, sized n, and its synapses) */
    fp.territories =
        (uint64_t)(z.astrocytes * (48 + 8 * n + 3 * BLOCK) + 4 * terr_all + z.id_space + 2 * BLOCK);

    fp.learner = (uint64_t)learner_bytes(cfg, &z);
    fp.caches = (uint64_t)caches_bytes(cfg, &z, t_max, csize);

    /* The trajectory grows from 16 points by doubling: points and their outputs. */
    traj_cap = 0;
    if (points > 0) {
        traj_cap = 16;
        while (traj_cap < (double)points)
            traj_cap *= 2;
    }
    fp.trajectory = (uint64_t)(traj_cap * (sizeof(glia_point_t) + 8 * count) + 2 * BLOCK);

    /* The session itself: its struct (the config with its pattern table), firing counts,
     * the last outputs, the learner's state block. */
    s_total = sizeof(glia_session_t) + 4 * n + 8 * count + 4 * BLOCK;
    /* ... and the scratch of inference from the last point (fired, act). */
    s_total += n + 8 * z.id_space + 2 * BLOCK;
    /* ... and the diagnostics (core/diagnostics.h): a count per territory and, to sample
     * the cosine, the weights before a step, a gradient and the unrolled passes. */
    if (cfg->training.diagnostics_interval > 0)
        s_total += 24 * z.astrocytes + 16 * syn + 8 * n + (cfg->network.passes + 1) * n +
                   8 * cfg->network.passes * z.id_space + 8 * z.id_space + 16 * n + 8 * BLOCK;
    fp.total = (uint64_t)s_total + fp.network + fp.scratch + fp.caches + fp.territories +
               fp.learner + fp.trajectory;
    /* The allocator's own slack (page rounding of large blocks, fragmentation). */
    fp.total += fp.total / 50 + 16 * 1024;

    /* Saved: the config (a name and value per field, the patterns), the generator and
     * counters, the trajectory, every weight, every neuron's threshold and firing count,
     * the learner's section. */
    fp.snapshot = (uint64_t)(8192 + 16 * count + (double)points * (36 + 8 * count) + 8 * syn +
                             12 * n + learner_snapshot(cfg, &z));
    if (cfg->training.diagnostics_interval > 0) /* DIAG: the counts, a cosine per point */
        fp.snapshot += (uint64_t)(64 + 24 * z.astrocytes + 16 * ((double)points + 1));
    if (parts != NULL)
        *parts = fp;
    return fp.total;
}
