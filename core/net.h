/* net.h: the network of binary threshold neurons, its forward pass and the rewards.
 *
 * Neurons have a position (creation order, 0..n-1) and an id (id_stride*cluster + k).
 * Synapse pre/post are positions; a few per-neuron quantities are addressed by id, as
 * in the reference (spec 2). With id_stride equal to the cluster size both coincide.
 */
#ifndef GLIA_NET_H
#define GLIA_NET_H

#include <stdint.h>

#include "config.h"
#include "rng.h"

typedef struct glia_net glia_net_t;

enum glia_role {
    GLIA_ROLE_INPUT = 0,
    GLIA_ROLE_OUTPUT = 1,
    GLIA_ROLE_MODULATORY = 2,
    GLIA_ROLE_REGULAR = 3,
    GLIA_ROLE_BIAS = 4, /* network.bias: always fires, never driven or read */
};

/* Input and bias neurons are sources: their state is set, never computed, so nothing
 * (synapses, thresholds, homeostasis) acts on them. */
#define GLIA_ROLE_IS_SOURCE(role) ((role) == GLIA_ROLE_INPUT || (role) == GLIA_ROLE_BIAS)

typedef struct glia_neuron_info {
    int position;
    int id;
    int role;    /* enum glia_role */
    int cluster;
    double x, y, z;
    double threshold;
} glia_neuron_info_t;

/* Build a network from `cfg` (validated by the caller), drawing positions, topology and
 * weights from `rng` in the reference order. Returns NULL on out of memory. Free with
 * glia_net_free(). */
glia_net_t *glia_net_new(const glia_config_t *cfg, glia_rng_t *rng);

/* Build a network by hand: `n` neurons with the given roles, clusters and ids, driven by
 * `driven` (input_width positions) and read at `readout` (target_width positions),
 * and the listed synapses, which must be sorted by pre (ties in any order). Threshold
 * is the same for all. For tests and tools. Returns NULL on bad input or out of memory. */
glia_net_t *glia_net_new_manual(int n, const int *role, const int *cluster, const int *id,
                                int n_driven, const int *driven, int n_readout,
                                const int *readout, int n_syn, const int *pre, const int *post,
                                const double *w, double threshold);

void glia_net_free(glia_net_t *net);

int glia_net_neuron_count(const glia_net_t *net);
int glia_net_synapse_count(const glia_net_t *net);
int glia_net_id_space(const glia_net_t *net); /* size of arrays indexed by id */
void glia_net_neuron(const glia_net_t *net, int position, glia_neuron_info_t *info);
void glia_net_synapse(const glia_net_t *net, int s, int *pre, int *post, double *w);
double glia_net_weight_sum(const glia_net_t *net);
double glia_net_mean_abs_weight(const glia_net_t *net);

/* Borrowed pointers to the weight array (n_syn) and the last pass's state:
 * fired (by position) and act (indexed as the reference does, see spec 3). */
double *glia_net_weights(glia_net_t *net);
const uint8_t *glia_net_fired(const glia_net_t *net);

/* Forward pass: clear the state, drive the input neurons with `input` and fire the bias
 * units, then `passes` times accumulate act[post] += w over the synapses of neurons that
 * fired (in synapse id order) and fire every non-source neuron j with
 * act[id(j)] > threshold(j). */
void glia_net_forward(glia_net_t *net, uint64_t input, int passes);

/* The read-out bits of the last pass (bit i = output neuron i). */
uint64_t glia_net_output(const glia_net_t *net);

/* Rewards of the last pass against `target` (width bits): the fraction of matching bits,
 * and the mean over outputs of 1/(1+exp(-sign*(act - threshold))). */
double glia_reward_binary(uint64_t output, uint64_t target, int width);
double glia_net_soft_reward(const glia_net_t *net, uint64_t target);

#endif
