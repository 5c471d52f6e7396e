/* net.h: the network of binary threshold neurons, its forward pass and the rewards.
 *
 * Neurons have a position (creation order, 0..n-1) and an id (id_stride*cluster + k).
 * Synapse pre/post are positions; a few per-neuron quantities are addressed by id, as
 * in the reference (spec 2). With id_stride equal to the cluster size both coincide.
 */
#ifndef GLIA_NET_H
#define GLIA_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/net_roles.h"
#include "core/rng.h"

typedef struct glia_net glia_net_t;

/* The neurons' roles (enum glia_role, GLIA_ROLE_IS_SOURCE): core/net_roles.h. */

typedef struct glia_neuron_info {
    int position;
    int id;
    int role; /* enum glia_role */
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
                                int n_driven, const int *driven, int n_readout, const int *readout,
                                int n_syn, const int *pre, const int *post, const double *w,
                                double threshold);

void glia_net_free(glia_net_t *net);

int glia_net_neuron_count(const glia_net_t *net);
int glia_net_synapse_count(const glia_net_t *net);
int glia_net_id_space(const glia_net_t *net); /* size of arrays indexed by id */
void glia_net_neuron(const glia_net_t *net, int position, glia_neuron_info_t *info);
void glia_net_synapse(const glia_net_t *net, int s, int *pre, int *post, double *w);
double glia_net_weight_sum(const glia_net_t *net);
double glia_net_mean_abs_weight(const glia_net_t *net);

/* The neurons the task drives (input bit i) and reads (output bit i), by position. */
int glia_net_input_count(const glia_net_t *net);
int glia_net_input_position(const glia_net_t *net, int i);
int glia_net_output_count(const glia_net_t *net);
int glia_net_output_position(const glia_net_t *net, int i);

/* Borrowed pointers to the weight array (n_syn) and the last pass's state:
 * fired (by position) and act (indexed as the reference does, see spec 3). */
double *glia_net_weights(glia_net_t *net);
const uint8_t *glia_net_fired(const glia_net_t *net);

/* Forward pass: clear the state (unless the network carries its state), drive the input
 * neurons with `input` and fire the bias units, then `passes` times accumulate
 * act[post] += w over the synapses of neurons that fired (in synapse id order) and fire
 * every non-source neuron j with act[id(j)] > threshold(j) (>= with the ge fire rule). */
void glia_net_forward(glia_net_t *net, uint64_t input, int passes);

/* The parts of a forward pass: set the driven inputs' outputs to `input`, and one
 * propagation cycle from the current outputs. */
void glia_net_clamp(glia_net_t *net, uint64_t input);
void glia_net_cycle(glia_net_t *net);

/* The same pass into caller storage (fired: n bytes, act: id_space doubles), leaving the
 * network untouched; returns the read-out bits. With carried state the pass starts from
 * what `fired` holds. */
uint64_t glia_net_forward_to(const glia_net_t *net, uint64_t input, int passes, uint8_t *fired,
                             double *act);

/* After a one-pass glia_net_forward(net, input, 1), the weights of synapses syn[0..m)
 * changed, each leaving a driven input that is on: bring the pass's state to what
 * glia_net_forward would now give, recomputing only the positions those synapses reach
 * (the same additions in the same order, so the same doubles). Falls back to the full
 * pass when the network's shape or its carried state does not allow it. */
void glia_net_forward_update(glia_net_t *net, uint64_t input, const int *syn, int m);

/* The read-out bits of the last pass (bit i = output neuron i). */
uint64_t glia_net_output(const glia_net_t *net);

/* FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over the
 * little-endian bytes of `n` IEEE doubles: the reference harness's fingerprint. */
uint64_t glia_hash_f64(const double *v, size_t n);

/* Fingerprints of a network: positions (x, y, z per neuron), synapse pairs (pre, post as
 * doubles), current weights and thresholds, each hashed with glia_hash_f64. */
typedef struct glia_net_hashes {
    uint64_t positions, pairs, weights, thresholds;
} glia_net_hashes_t;
void glia_net_hashes(const glia_net_t *net, glia_net_hashes_t *h);

/* Rewards of the last pass against `target` (width bits): the fraction of matching bits,
 * and the mean over outputs of 1/(1+exp(-sign*(act - threshold))). */
double glia_reward_binary(uint64_t output, uint64_t target, int width);
double glia_net_soft_reward(glia_net_t *net, uint64_t target); /* caches its terms */

#endif
