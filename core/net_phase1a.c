/* net_phase1a.c: the phase 1a network layout (spec phase 1a, section 2).
 *
 * Clusters sit along x at cluster_spacing; cluster c holds modulatory + regular neurons
 * (a cluster that is neither the input nor the output cluster: hidden_cluster_size),
 * the first `modulatory` of them modulatory. Roles are assigned after all positions are
 * drawn: the first `inputs` regular neurons of input_cluster become inputs, the last
 * `outputs` regular neurons of output_cluster become outputs (read in position order).
 * Every ordered pair of distinct non-modulatory neurons draws once (a pair touching a
 * modulatory neuron draws nothing) and a created synapse draws its weight at once, so
 * synapses are pre-major in creation order. Ids are positions: there is no collision.
 */
#include "core/error.h"
#include "core/net_phase1a.h"
#include "core/net_roles.h"
#include "core/net_storage.h"

#include <stdlib.h>

glia_net_t *glia__net_new_phase1a(const glia_config_t *cfg, glia_rng_t *rng)
{
    const int clusters = cfg->network.clusters;
    const int n = glia_config_neurons(cfg);
    const double half = cfg->network.spread / 2.0;
    const double wlo = -cfg->network.weight_init / 2.0;
    glia_net_t *net;
    int cap = 1024, n_in = 0, n_out = 0;

    net = calloc(1, sizeof(*net));
    if (net == NULL || glia__net_alloc_neurons(net, n, n) != 0)
        goto fail;

    /* Positions: centre (spacing*c, 0, 0) + uniform(-spread/2, spread/2) per axis, drawn
     * x, y, z per neuron. uniform(lo, hi) = lo + u*(hi - lo), the product first. */
    for (int c = 0, j = 0; c < clusters; c++) {
        const int size = glia_config_cluster_neurons(cfg, c);
        for (int k = 0; k < size; k++, j++) {
            net->role[j] = k < cfg->network.modulatory ? GLIA_ROLE_MODULATORY : GLIA_ROLE_REGULAR;
            net->cluster[j] = c;
            net->id[j] = j;
            net->x[j] = cfg->network.cluster_spacing * c +
                        (-half + glia_rng_next(rng) * cfg->network.spread);
            net->y[j] = -half + glia_rng_next(rng) * cfg->network.spread;
            net->z[j] = -half + glia_rng_next(rng) * cfg->network.spread;
            net->thr[j] = cfg->network.threshold;
        }
    }

    /* Roles: inputs from the front of input_cluster's regular neurons, outputs from the
     * back of output_cluster's (validated: there are enough of them). */
    for (int j = 0; j < n && n_in < cfg->network.inputs; j++) {
        if (net->cluster[j] == cfg->network.input_cluster && net->role[j] == GLIA_ROLE_REGULAR) {
            net->role[j] = GLIA_ROLE_INPUT;
            n_in++;
        }
    }
    for (int j = n - 1; j >= 0 && n_out < cfg->network.outputs; j--) {
        if (net->cluster[j] == cfg->network.output_cluster && net->role[j] == GLIA_ROLE_REGULAR) {
            net->role[j] = GLIA_ROLE_OUTPUT;
            n_out++;
        }
    }
    /* Input bit i drives the i-th input neuron, output bit i is the i-th output neuron,
     * both in position order. */
    for (int j = 0; j < n; j++) {
        if (net->role[j] == GLIA_ROLE_INPUT && net->n_driven < cfg->task.input_width)
            net->driven[net->n_driven++] = j;
        if (net->role[j] == GLIA_ROLE_OUTPUT && net->n_readout < cfg->task.target_width)
            net->readout[net->n_readout++] = j;
    }

    for (int pre = 0; pre < n; pre++) {
        for (int post = 0; post < n; post++) {
            double p;
            if (pre == post || net->role[pre] == GLIA_ROLE_MODULATORY ||
                net->role[post] == GLIA_ROLE_MODULATORY)
                continue;
            p = net->cluster[pre] == net->cluster[post] ? cfg->network.p_intra
                                                        : cfg->network.p_inter;
            if (!(glia_rng_next(rng) < p))
                continue;
            if (glia__net_push_synapse(net, &cap, pre, post,
                                       wlo + glia_rng_next(rng) * cfg->network.weight_init) != 0)
                goto fail;
        }
    }
    return net;

fail:
    glia_net_free(net);
    return NULL;
}
