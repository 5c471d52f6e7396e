/* surrogate.h: the gradient of the smooth surrogate of the binary network, by
 * backpropagation through the passes unrolled (BPTT).
 *
 * The backprop learner trains with it (backprop.c); the session's diagnostics
 * (core/diagnostics.c) measure other learners' updates against it. The surrogate: each
 * threshold unit's step gets the derivative of learner.backprop.surrogate (sigmoid:
 * slope * s * (1 - s), s = sigmoid(slope * (act - threshold)); straight-through: 1), and
 * the loss is the sum of the output bits' cross-entropies at the last pass (each bit's
 * error at its net input: sigmoid(act - threshold) - target). The forward pass is net.c's
 * from a silent start (binary units, the same additions in the same order), so it needs
 * network.carry_state off.
 */
#ifndef GLIA_SURROGATE_H
#define GLIA_SURROGATE_H

#include <stdint.h>

#include "core/config.h"
#include "core/net.h"

/* Scratch for one forward and backward pass (caller storage). */
typedef struct glia_bptt {
    int passes;
    uint8_t *fired;       /* [(passes + 1) * n] the firing after each pass; 0: the clamp */
    double *act;          /* [passes * id_space] each pass's net input by slot */
    double *ga;           /* [id_space] dL/d act of the pass being unrolled */
    double *gy, *gy_prev; /* [n] dL/d firing of that pass, and of the one before */
} glia_bptt_t;

/* Allocate the scratch for `net` and `passes`. 0 or GLIA_ENOMEM; glia_surrogate_destroy
 * is to be called either way (and on a zeroed struct is a no-op). */
int glia_surrogate_init(glia_bptt_t *sg, const glia_net_t *net, int passes);
void glia_surrogate_destroy(glia_bptt_t *sg);

/* Forward: the passes of net.c on `pat` into the scratch, leaving `net` untouched.
 * Returns the soft reward; the binary reward and output through the pointers. */
double glia_surrogate_forward(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                              const glia_pattern_t *pat, double *reward, uint64_t *output);

/* The firing after the last pass of the last forward (borrowed, n bytes). */
const uint8_t *glia_surrogate_fired(const glia_bptt_t *sg, const glia_net_t *net);

/* Backward through the unrolled passes of the last forward (on `pat`), adding dL/dw to
 * grad[0..n_syn) and dL/dthreshold to grad[n_syn..n_syn+n) (by position). */
void glia_surrogate_backward(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                             const glia_pattern_t *pat, double *grad);

/* The surrogate loss's gradient at the current weights and thresholds, averaged over m
 * patterns: pats[idx[i]] for i < m, or pats[0..m) when idx is NULL. grad holds
 * n_syn + n doubles (weights, then thresholds by position), overwritten. */
void glia_surrogate_gradient(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                             const glia_pattern_t *pats, const int *idx, int m, double *grad);

#endif
