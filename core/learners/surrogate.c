/* surrogate.c: the smooth surrogate's gradient by backpropagation through time.
 *
 * The forward pass keeps the net inputs and firings of every pass; the backward pass
 * unrolls them from the last. The additions run in net.c's order so the binary outputs
 * and the soft reward are the same doubles a forward pass of the network gives.
 */
#include "core/learners/surrogate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/net_storage.h"
#include "core/sample.h"

int glia_surrogate_init(glia_bptt_t *sg, const glia_net_t *net, int passes)
{
    const size_t n = (size_t)net->n, ids = (size_t)net->id_space;

    sg->passes = passes;
    sg->fired = malloc(((size_t)passes + 1) * n);
    sg->act = malloc((size_t)passes * ids * sizeof(double));
    sg->ga = malloc(ids * sizeof(double));
    sg->gy = malloc(n * sizeof(double));
    sg->gy_prev = malloc(n * sizeof(double));
    if (!sg->fired || !sg->act || !sg->ga || !sg->gy || !sg->gy_prev)
        return GLIA_ENOMEM;
    return 0;
}

void glia_surrogate_destroy(glia_bptt_t *sg)
{
    free(sg->fired);
    free(sg->act);
    free(sg->ga);
    free(sg->gy);
    free(sg->gy_prev);
    memset(sg, 0, sizeof(*sg));
}

static double sigmoid(const glia_net_t *net, double x)
{
    return 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(-x) : exp(-x)));
}

/* The surrogate's derivative of the step at u = act - threshold. */
static double surrogate(const glia_config_t *cfg, const glia_net_t *net, double u)
{
    double sg;

    if (cfg->learner.backprop.surrogate == GLIA_SURROGATE_STRAIGHT_THROUGH)
        return 1.0;
    sg = sigmoid(net, cfg->learner.backprop.slope * u);
    return cfg->learner.backprop.slope * sg * (1.0 - sg);
}

double glia_surrogate_forward(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                              const glia_pattern_t *pat, double *reward, uint64_t *output)
{
    const int passes = sg->passes, n = net->n;
    const uint8_t *last = sg->fired + (size_t)passes * n;
    double soft = 0.0;
    uint64_t out = 0;

    memset(sg->fired, 0, (size_t)n);
    for (int i = 0; i < net->n_driven; i++)
        sg->fired[net->driven[i]] = (uint8_t)((pat->input >> i) & 1);
    for (int i = 0; i < net->n_bias; i++)
        sg->fired[net->bias[i]] = 1;
    for (int p = 1; p <= passes; p++) {
        const uint8_t *prev = sg->fired + (size_t)(p - 1) * n;
        uint8_t *cur = sg->fired + (size_t)p * n;
        double *act = sg->act + (size_t)(p - 1) * net->id_space;
        memcpy(cur, prev, (size_t)n); /* sources keep their state */
        memset(act, 0, (size_t)net->id_space * sizeof(double));
        for (int j = 0; j < n; j++) {
            if (!prev[j])
                continue;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++)
                act[net->post[k]] += net->w[k];
        }
        for (int j = 0; j < n; j++) {
            if (!GLIA_ROLE_IS_SOURCE(net->role[j]))
                cur[j] =
                    net->fire_ge ? act[net->id[j]] >= net->thr[j] : act[net->id[j]] > net->thr[j];
        }
    }
    for (int i = 0; i < net->n_readout; i++) {
        const int j = net->readout[i];
        const double a = sg->act[(size_t)(passes - 1) * net->id_space + net->id[j]] - net->thr[j];
        soft += 1.0 / (1.0 + (net->v8_exp ? glia__fd_exp(((pat->target >> i) & 1) ? -a : a)
                                          : exp(((pat->target >> i) & 1) ? -a : a)));
        out |= (uint64_t)last[j] << i;
    }
    *reward = glia_reward_binary(out, pat->target, cfg->task.target_width);
    *output = out;
    return soft / net->n_readout;
}

const uint8_t *glia_surrogate_fired(const glia_bptt_t *sg, const glia_net_t *net)
{
    return sg->fired + (size_t)sg->passes * net->n;
}

void glia_surrogate_backward(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                             const glia_pattern_t *pat, double *grad)
{
    const int passes = sg->passes, n = net->n, ids = net->id_space;
    double *gw = grad, *gt = grad + net->n_syn;

    memset(sg->gy, 0, (size_t)n * sizeof(double)); /* the last firing feeds nothing */
    for (int p = passes; p >= 1; p--) {
        const double *act = sg->act + (size_t)(p - 1) * ids;
        const uint8_t *prev = sg->fired + (size_t)(p - 1) * n;
        double *t;

        memset(sg->ga, 0, (size_t)ids * sizeof(double));
        if (p == passes) {
            /* each output's error at its net input: sigmoid(act - thr) - target */
            for (int i = 0; i < net->n_readout; i++) {
                const int j = net->readout[i];
                double err;
                if (GLIA_ROLE_IS_SOURCE(net->role[j]))
                    continue;
                err =
                    sigmoid(net, act[net->id[j]] - net->thr[j]) - (double)((pat->target >> i) & 1);
                sg->ga[net->id[j]] += err;
                gt[j] -= err;
            }
        }
        for (int j = 0; j < n; j++) {
            double d;
            if (GLIA_ROLE_IS_SOURCE(net->role[j]) || sg->gy[j] == 0.0)
                continue;
            d = sg->gy[j] * surrogate(cfg, net, act[net->id[j]] - net->thr[j]);
            sg->ga[net->id[j]] += d;
            gt[j] -= d;
        }
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = net->out_start[j]; k < net->out_start[j + 1]; k++) {
                const double g = sg->ga[net->post[k]];
                if (prev[j])
                    gw[k] += g;
                sum += net->w[k] * g;
            }
            /* the pass before's firing: a parameter's function unless a source or the clamp */
            sg->gy_prev[j] = p > 1 && !GLIA_ROLE_IS_SOURCE(net->role[j]) ? sum : 0.0;
        }
        t = sg->gy;
        sg->gy = sg->gy_prev;
        sg->gy_prev = t;
    }
}

void glia_surrogate_gradient(glia_bptt_t *sg, const glia_config_t *cfg, const glia_net_t *net,
                             const glia_pattern_t *pats, const int *idx, int m, double *grad)
{
    const size_t np = (size_t)net->n_syn + (size_t)net->n;

    memset(grad, 0, np * sizeof(double));
    for (int i = 0; i < m; i++) {
        const glia_pattern_t *q = &pats[idx != NULL ? idx[i] : i];
        double r;
        uint64_t o;
        glia_surrogate_forward(sg, cfg, net, q, &r, &o);
        glia_surrogate_backward(sg, cfg, net, q, grad);
    }
    for (size_t i = 0; m > 1 && i < np; i++)
        grad[i] /= m;
}
