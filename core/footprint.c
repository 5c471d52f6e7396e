/* footprint.c: a session's memory, estimated from its config (see footprint.h). */
#include "footprint.h"

#include <math.h>

#include "internal.h"
#include "learner.h"

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

/* Bytes of the learner's state, by kind. A learner added later without a row here gets
 * the fallback, which tests/core/test_footprint.c checks against what it really holds. */
static double learner_bytes(const glia_config_t *cfg, double n, double id_space, double astrocytes,
                            double synapses)
{
    switch (cfg->learner.kind) {
    case GLIA_LEARNER_CONTROL:
        return BLOCK;
    case GLIA_LEARNER_CURSOR:
        return 128 + id_space + 2 * BLOCK;
    case GLIA_LEARNER_ASTROCYTE:
        /* per astrocyte: its record (threshold, history, counters), its per-pattern
         * counters, and four scratch slots; then the firing arrays */
        return 128 + astrocytes * (128 + 8.0 * cfg->task.count + BLOCK + 14) + id_space + n +
               8 * BLOCK;
    default:
        return 256 + astrocytes * 256 + id_space * 16 + synapses * 8 + 8 * BLOCK;
    }
}

uint64_t glia_config_memory_estimate(const glia_config_t *cfg, uint64_t points,
                                     glia_footprint_t *parts)
{
    const double clusters = cfg->network.clusters;
    const double csize = glia_config_cluster_size(cfg);
    const double stride = glia_config_id_stride(cfg);
    const double n = clusters * csize;
    const double inputs = cfg->network.inputs;
    const double per = cfg->learner.astrocyte.per_cluster;
    const double astrocytes = per * clusters;
    const double count = cfg->task.count;
    double id_space = stride * (clusters - 1) + csize;
    /* Connection draws: (pre, post) with post not an input and pre != post. */
    const double intra_pairs = (csize - inputs) * (csize - 1);
    const double inter_pairs = (csize - inputs) * (n - csize);
    const double p_intra = cfg->network.p_intra, p_inter = cfg->network.p_inter;
    double syn, cap, terr_syn, f, traj_cap, s_total;
    glia_footprint_t fp;

    if (id_space < n)
        id_space = n;
    syn = upper(clusters * intra_pairs, p_intra) + upper(clusters * inter_pairs, p_inter);
    cap = synapse_capacity(syn);

    fp.synapses = (uint64_t)syn;
    /* Neurons: id, role, cluster, x, y, z, threshold, out_start, fired, driven, readout
     * (54 bytes), act by id; synapses: pre, post, weight at capacity; initial weights. */
    fp.network = (uint64_t)(64 + 54 * n + 8 * id_space + 16 * cap + 8 * syn + 16 * BLOCK);
    /* eligible, saved, pending, pend_u (two draws), mark; live by neuron */
    fp.scratch = (uint64_t)(36 * syn + n + 6 * BLOCK);

    /* Territories: a list of every neuron (sized n) and the synapses touching the
     * territory. With neurons uniform over the cluster's spread x spread square, a disc of
     * territory_radius holds a fraction f of them; an intra-cluster synapse touches it
     * with probability 2f - f^2, one crossing clusters with f. */
    if (cfg->network.spread > 0) {
        const double r = cfg->learner.astrocyte.territory_radius;
        f = 3.14159265358979 * r * r / (cfg->network.spread * cfg->network.spread);
        if (f > 1)
            f = 1;
    } else {
        f = 1;
    }
    if (stride != csize) {
        /* Ids collide across clusters (the reference's id_stride): territories own the
         * synapses at the positions their ids name, anywhere: bound by degree. */
        double degree = (csize - inputs) / csize * (csize - 1) * p_intra +
                        (n - csize) * p_inter * 2 + (csize - 1) * p_intra;
        terr_syn = f * csize * degree;
    } else {
        double intra_c = intra_pairs * p_intra;
        double touching = (inter_pairs + csize * (clusters - 1) * (csize - inputs)) * p_inter;
        terr_syn = (2 * f - f * f) * intra_c + f * touching;
    }
    terr_syn += 4 * sqrt(terr_syn) + 1;
    if (terr_syn > syn)
        terr_syn = syn;
    fp.territories =
        (uint64_t)(astrocytes * (48 + 4 * n + 4 * terr_syn + 2 * BLOCK) + id_space + 2 * BLOCK);

    fp.learner = (uint64_t)learner_bytes(cfg, n, id_space, astrocytes, syn);

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
    fp.total =
        (uint64_t)s_total + fp.network + fp.scratch + fp.territories + fp.learner + fp.trajectory;
    /* The allocator's own slack (page rounding of large blocks, fragmentation). */
    fp.total += fp.total / 50 + 16 * 1024;

    /* Saved: the config (a name and value per field, the patterns), the generator and
     * counters, the trajectory, every weight, every neuron's threshold and firing count,
     * the learner (astrocytes: records with per-pattern counters, and the firing state). */
    fp.snapshot =
        (uint64_t)(4096 + 16 * count + (double)points * (36 + 8 * count) + 8 * syn + 12 * n +
                   (cfg->learner.kind == GLIA_LEARNER_ASTROCYTE
                        ? id_space + astrocytes * (108 + 8 * count)
                        : 64));
    if (parts != NULL)
        *parts = fp;
    return fp.total;
}
