/* test_net.c: network construction (reference topology and draw order), the forward pass
 * on hand-built networks, and the two rewards computed by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/config.h"
#include "core/net.h"
#include "core/rng.h"

#define MULBERRY_INC 1831565813.0

static glia_net_t *reference_net(uint32_t seed, glia_rng_t *rng)
{
    glia_config_t cfg;
    glia_net_t *net;

    cr_assert_eq(glia_config_preset(&cfg, "control"), 0);
    glia_rng_seed(rng, cfg.rng, seed);
    net = glia_net_new(&cfg, rng);
    cr_assert_not_null(net);
    return net;
}

Test(net, reference_preset_has_70_neurons_in_role_blocks)
{
    static const int role_count[4] = {5, 5, 2, 23};
    glia_rng_t rng;
    glia_net_t *net = reference_net(42, &rng);

    cr_assert_eq(glia_net_neuron_count(net), 70);
    for (int c = 0; c < 2; c++) {
        int k = 0;
        for (int role = 0; role < 4; role++) {
            for (int i = 0; i < role_count[role]; i++, k++) {
                glia_neuron_info_t nf;
                glia_net_neuron(net, 35 * c + k, &nf);
                cr_assert_eq(nf.position, 35 * c + k);
                cr_assert_eq(nf.cluster, c, "position %d", nf.position);
                cr_assert_eq(nf.role, role, "position %d", nf.position);
                cr_assert_eq(nf.id, 30 * c + k, "position %d", nf.position);
                cr_assert_eq(nf.threshold, 0.5);
            }
        }
        cr_assert_eq(k, 35);
    }
    glia_net_free(net);
}

Test(net, reference_ids_collide_at_30_to_34)
{
    glia_rng_t rng;
    glia_net_t *net = reference_net(42, &rng);
    int owners[70] = {0};

    for (int j = 35; j < 40; j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        cr_assert_eq(nf.id, j - 5, "cluster-1 input at position %d", j);
        cr_assert_eq(nf.role, GLIA_ROLE_INPUT);
    }
    for (int j = 0; j < 70; j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        owners[nf.id]++;
    }
    for (int id = 0; id < 70; id++) {
        int want = id >= 65 ? 0 : (id >= 30 && id < 35) ? 2 : 1;
        cr_assert_eq(owners[id], want, "id %d has %d owners", id, owners[id]);
    }
    cr_assert_eq(glia_net_id_space(net), 70);
    glia_net_free(net);
}

Test(net, reference_synapses_follow_the_rules)
{
    glia_rng_t rng;
    glia_net_t *net = reference_net(42, &rng);
    const int nsyn = glia_net_synapse_count(net);
    int prev_pre = -1, prev_post = -1;

    /* tests/data/reference-500/control-seed42.json: "initial": {"synapses": 2234} */
    cr_assert_eq(nsyn, 2234);
    for (int k = 0; k < nsyn; k++) {
        int pre, post;
        double w;
        glia_neuron_info_t nf;
        glia_net_synapse(net, k, &pre, &post, &w);
        glia_net_neuron(net, post, &nf);
        cr_assert_neq(pre, post, "synapse %d is a self synapse", k);
        cr_assert_neq(nf.role, GLIA_ROLE_INPUT, "synapse %d ends on input %d", k, post);
        cr_assert(pre > prev_pre || (pre == prev_pre && post > prev_post),
                  "synapse %d (%d->%d) out of creation order", k, pre, post);
        cr_assert(w >= -0.1 && w < 0.1, "synapse %d weight %g", k, w);
        prev_pre = pre;
        prev_post = post;
    }
    glia_net_free(net);
}

Test(net, reference_build_matches_fixture_and_draw_count)
{
    /* control-seed42.json "initial": first synapses and the last one, the weight sum. */
    static const int first_post[5] = {6, 9, 10, 12, 13};
    static const double first_w[5] = {0.012458740174770356, 0.039500192692503336,
                                      -0.01796646662987769, 0.022454896476119757,
                                      -0.06003019618801773};
    glia_rng_t rng;
    glia_net_t *net = reference_net(42, &rng);
    int pre, post;
    double w;
    /* Draws: 3 per neuron, one per candidate pair (post not an input, pre != post:
     * 10 input pres x 60 + 60 other pres x 59), one per created synapse. */
    const double draws = 70 * 3 + (10 * 60 + 60 * 59) + 2234;

    for (int k = 0; k < 5; k++) {
        glia_net_synapse(net, k, &pre, &post, &w);
        cr_assert_eq(pre, 0);
        cr_assert_eq(post, first_post[k]);
        cr_assert_eq(w, first_w[k], "synapse %d: %.17g", k, w);
    }
    glia_net_synapse(net, 2233, &pre, &post, &w);
    cr_assert(pre == 69 && post == 67 && w == -0.0814795948099345);
    cr_assert_eq(glia_net_weight_sum(net), 3.279930393397803);
    cr_assert_eq(rng.s, 43.0 + draws * MULBERRY_INC, "generator advanced %.0f draws",
                 (rng.s - 43.0) / MULBERRY_INC);
    glia_net_free(net);
}

Test(net, positions_are_drawn_x_y_z_per_neuron)
{
    /* mulberry32-js seed 42 uniforms (python3, see test_rng.c): draws 0-2 place
     * position 0, draws 105-107 place position 35 (cluster 1, x offset 15). */
    static const double u[6] = {0.9998110907617956, 0.2764023437630385,  0.5294158514589071,
                                0.4532281009014696, 0.26574490079656243, 0.012544889934360981};
    glia_rng_t rng;
    glia_net_t *net = reference_net(42, &rng);
    glia_neuron_info_t a, b;

    glia_net_neuron(net, 0, &a);
    glia_net_neuron(net, 35, &b);
    cr_assert_eq(a.x, -5 + 10 * u[0]);
    cr_assert_eq(a.y, -5 + 10 * u[1]);
    cr_assert_eq(a.z, -5 + 10 * u[2]);
    cr_assert_eq(a.x, 4.998110907617956); /* the fixture's first neuron */
    cr_assert_eq(b.x, 15 + (-5 + 10 * u[3]));
    cr_assert_eq(b.y, -5 + 10 * u[4]);
    cr_assert_eq(b.z, -5 + 10 * u[5]);
    for (int j = 0; j < 70; j++) {
        glia_neuron_info_t nf;
        double lo;
        glia_net_neuron(net, j, &nf);
        lo = 15.0 * nf.cluster - 5.0;
        cr_assert(nf.x >= lo && nf.x < lo + 10.0, "position %d x %g", j, nf.x);
        cr_assert(nf.y >= -5.0 && nf.y < 5.0 && nf.z >= -5.0 && nf.z < 5.0);
    }
    glia_net_free(net);
}

Test(net, id_stride_0_makes_ids_positions)
{
    glia_config_t cfg;
    glia_rng_t rng;
    glia_net_t *net;

    glia_config_default(&cfg);
    cr_assert_eq(cfg.network.id_stride, 0);
    cr_assert_eq(glia_config_id_stride(&cfg), 35);
    glia_rng_seed(&rng, cfg.rng, 42);
    net = glia_net_new(&cfg, &rng);
    cr_assert_not_null(net);
    cr_assert_eq(glia_net_neuron_count(net), 70);
    cr_assert_eq(glia_net_id_space(net), 70);
    for (int j = 0; j < 70; j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        cr_assert_eq(nf.id, j);
    }
    glia_net_free(net);
}

/* A hand-built network: positions 0, 1 driven inputs, 2 an undriven input, 3, 4 outputs
 * read as bits 0, 1, 5 a regular neuron. Threshold 0.5. */
static glia_net_t *small_net(int n_syn, const int *pre, const int *post, const double *w,
                             double threshold)
{
    static const int role[6] = {GLIA_ROLE_INPUT,  GLIA_ROLE_INPUT,  GLIA_ROLE_INPUT,
                                GLIA_ROLE_OUTPUT, GLIA_ROLE_OUTPUT, GLIA_ROLE_REGULAR};
    static const int cluster[6] = {0, 0, 0, 0, 0, 0};
    static const int id[6] = {0, 1, 2, 3, 4, 5};
    static const int driven[2] = {0, 1};
    static const int readout[2] = {3, 4};
    glia_net_t *net = glia_net_new_manual(6, role, cluster, id, 2, driven, 2, readout, n_syn, pre,
                                          post, w, threshold);
    cr_assert_not_null(net);
    return net;
}

Test(net, forward_threshold_is_strict)
{
    /* 0->3 with exactly the threshold; 0->4 and 1->4 sum above it. */
    static const int pre[3] = {0, 0, 1};
    static const int post[3] = {3, 4, 4};
    static const double w[3] = {0.5, 0.25, 0.375};
    glia_net_t *net = small_net(3, pre, post, w, 0.5);

    glia_net_forward(net, 0x1, 1); /* only input 0 */
    cr_assert_eq(glia_net_output(net), 0x0, "act == threshold must not fire");
    glia_net_forward(net, 0x3, 1); /* both: act4 = 0.625 */
    cr_assert_eq(glia_net_output(net), 0x2);
    glia_net_forward(net, 0x2, 1); /* only input 1: act4 = 0.375 */
    cr_assert_eq(glia_net_output(net), 0x0);
    glia_net_free(net);
}

Test(net, forward_only_fired_pre_neurons_contribute)
{
    /* The undriven input 2 and the (unfired) regular 5 have strong synapses. */
    static const int pre[4] = {0, 2, 5, 5};
    static const int post[4] = {3, 3, 3, 4};
    static const double w[4] = {0.3, 1.0, 1.0, 1.0};
    glia_net_t *net = small_net(4, pre, post, w, 0.5);
    const uint8_t *fired;

    glia_net_forward(net, 0x3, 1);
    fired = glia_net_fired(net);
    cr_assert(fired[0] && fired[1], "driven inputs fire");
    cr_assert(!fired[2], "an undriven input never fires");
    cr_assert_eq(glia_net_output(net), 0x0, "only 0.3 reaches output 0");
    glia_net_free(net);
}

Test(net, forward_accumulates_in_synapse_order)
{
    /* (0.1 + 0.2) + 0.3 = 0.6000000000000001 > 0.6, while 0.1 + (0.2 + 0.3) = 0.6 would
     * not fire: the sum is taken in synapse id order. */
    static const int role[4] = {GLIA_ROLE_INPUT, GLIA_ROLE_INPUT, GLIA_ROLE_INPUT,
                                GLIA_ROLE_OUTPUT};
    static const int zero[4] = {0, 0, 0, 0};
    static const int id[4] = {0, 1, 2, 3};
    static const int driven[3] = {0, 1, 2};
    static const int readout[1] = {3};
    static const int pre[3] = {0, 1, 2};
    static const int post[3] = {3, 3, 3};
    static const double w[3] = {0.1, 0.2, 0.3};
    glia_net_t *net =
        glia_net_new_manual(4, role, zero, id, 3, driven, 1, readout, 3, pre, post, w, 0.6);

    cr_assert_not_null(net);
    cr_assert((0.1 + 0.2) + 0.3 > 0.6 && !(0.1 + (0.2 + 0.3) > 0.6));
    glia_net_forward(net, 0x7, 1);
    cr_assert_eq(glia_net_output(net), 0x1);
    glia_net_free(net);
}

Test(net, forward_reads_act_at_the_neuron_id)
{
    /* Position 1 has id 2 and position 2 has id 1. The synapse 0->1 adds into act[1]
     * (a position), which the neuron *with id 1* (position 2) reads: position 2 fires,
     * position 1 does not - the reference's id/position mix (spec 2, 3). */
    static const int role[3] = {GLIA_ROLE_INPUT, GLIA_ROLE_OUTPUT, GLIA_ROLE_OUTPUT};
    static const int cluster[3] = {0, 0, 0};
    static const int id[3] = {0, 2, 1};
    static const int driven[1] = {0};
    static const int readout[2] = {1, 2};
    static const int pre[1] = {0};
    static const int post[1] = {1};
    static const double w[1] = {1.0};
    glia_net_t *net =
        glia_net_new_manual(3, role, cluster, id, 1, driven, 2, readout, 1, pre, post, w, 0.5);
    const uint8_t *fired;

    cr_assert_not_null(net);
    glia_net_forward(net, 0x1, 1);
    fired = glia_net_fired(net);
    cr_assert_eq(fired[1], 0);
    cr_assert_eq(fired[2], 1);
    cr_assert_eq(glia_net_output(net), 0x2);
    /* The soft reward reads act at the id too: output 0 (id 2) has act 0, output 1
     * (id 1) has act 1. Target 01. */
    {
        double want =
            (1.0 / (1.0 + exp(-(-1.0) * (0.0 - 0.5))) + 1.0 / (1.0 + exp(-(1.0) * (1.0 - 0.5)))) /
            2.0;
        cr_assert_eq(glia_net_soft_reward(net, 0x2), want);
    }
    glia_net_free(net);
}

Test(net, forward_passes_propagate_one_hop_each)
{
    /* Chain 0 -> 5 -> 3 with weight 1; output 3 needs two passes. */
    static const int pre[2] = {0, 5};
    static const int post[2] = {5, 3};
    static const double w[2] = {1.0, 1.0};
    glia_net_t *net = small_net(2, pre, post, w, 0.5);

    glia_net_forward(net, 0x1, 1);
    cr_assert_eq(glia_net_output(net), 0x0);
    cr_assert_eq(glia_net_fired(net)[5], 1);
    glia_net_forward(net, 0x1, 2);
    cr_assert_eq(glia_net_output(net), 0x1);
    /* A fresh single pass starts from a clean state again. */
    glia_net_forward(net, 0x1, 1);
    cr_assert_eq(glia_net_output(net), 0x0);
    glia_net_forward(net, 0x0, 2);
    cr_assert_eq(glia_net_output(net), 0x0);
    glia_net_free(net);
}

Test(net, forward_recomputes_act_every_pass)
{
    /* Output 3 gets +1 from input 0 and -1 from regular 5 (which fires from pass 1 on):
     * pass 1 fires it (5 has not fired yet), pass 2 silences it (act 0). Pass 3 too. */
    static const int pre[3] = {0, 0, 5};
    static const int post[3] = {3, 5, 3};
    static const double w[3] = {1.0, 1.0, -1.0};
    glia_net_t *net = small_net(3, pre, post, w, 0.5);

    glia_net_forward(net, 0x1, 1);
    cr_assert_eq(glia_net_output(net), 0x1);
    glia_net_forward(net, 0x1, 2);
    cr_assert_eq(glia_net_output(net), 0x0);
    glia_net_forward(net, 0x1, 3);
    cr_assert_eq(glia_net_output(net), 0x0);
    cr_assert_eq(glia_net_fired(net)[0], 1, "driven inputs keep firing in every pass");
    glia_net_free(net);
}

Test(net, manual_rejects_bad_input)
{
    static const int role[2] = {GLIA_ROLE_INPUT, GLIA_ROLE_OUTPUT};
    static const int cluster[2] = {0, 0};
    static const int id[2] = {0, 1};
    static const int ok_driven[1] = {0}, bad_driven[1] = {2};
    static const int ok_readout[1] = {1}, bad_readout[1] = {-1};
    static const int pre[2] = {1, 0}, post[2] = {1, 1};
    static const double w[2] = {0.1, 0.2};
    glia_net_t *net;

    net = glia_net_new_manual(2, role, cluster, id, 1, ok_driven, 1, ok_readout, 1, pre + 1,
                              post + 1, w, 0.5);
    cr_assert_not_null(net, "a valid network is accepted");
    glia_net_free(net);
    cr_assert_null(glia_net_new_manual(2, role, cluster, id, 1, ok_driven, 1, ok_readout, 2, pre,
                                       post, w, 0.5),
                   "synapses not sorted by pre");
    cr_assert_null(glia_net_new_manual(2, role, cluster, id, 1, bad_driven, 1, ok_readout, 0, pre,
                                       post, w, 0.5),
                   "a driven position outside the network");
    cr_assert_null(glia_net_new_manual(2, role, cluster, id, 1, ok_driven, 1, bad_readout, 0, pre,
                                       post, w, 0.5),
                   "a read-out position outside the network");
    glia_net_free(NULL);
}

Test(net, binary_reward_is_the_fraction_of_matching_bits)
{
    cr_assert_eq(glia_reward_binary(0x15, 0x15, 5), 1.0);     /* 10101 vs 10101 */
    cr_assert_eq(glia_reward_binary(0x00, 0x15, 5), 2.0 / 5); /* 00000 vs 10101 */
    cr_assert_eq(glia_reward_binary(0x1f, 0x00, 5), 0.0);
    cr_assert_eq(glia_reward_binary(0x01, 0x03, 5), 4.0 / 5);
    cr_assert_eq(glia_reward_binary(0x20, 0x00, 5), 1.0, "bits past the width are ignored");
    cr_assert_eq(glia_reward_binary(0x5, 0x6, 3), 1.0 / 3);
    /* 0.4 and 0.6 exactly as the reference writes them (fixture accuracies). */
    cr_assert_eq(glia_reward_binary(0x00, 0x15, 5), 0.4);
    cr_assert_eq(glia_reward_binary(0x00, 0x0a, 5), 0.6);
}

Test(net, soft_reward_is_the_mean_logistic_of_signed_margins)
{
    /* Inputs 0, 1 drive outputs 3 and 4: act3 = 0.4 + 0.3 = 0.7, act4 = 0.2. */
    static const int pre[3] = {0, 1, 1};
    static const int post[3] = {3, 3, 4};
    static const double w[3] = {0.4, 0.3, 0.2};
    glia_net_t *net = small_net(3, pre, post, w, 0.5);
    const double act3 = 0.4 + 0.3, act4 = 0.2;

    glia_net_forward(net, 0x3, 1);
    for (uint64_t target = 0; target < 4; target++) {
        double s0 = (target & 1) ? 1.0 : -1.0, s1 = (target & 2) ? 1.0 : -1.0;
        double want =
            (1.0 / (1.0 + exp(-s0 * (act3 - 0.5))) + 1.0 / (1.0 + exp(-s1 * (act4 - 0.5)))) / 2.0;
        double got = glia_net_soft_reward(net, target);
        cr_assert_eq(got, want, "target %d: want %.17g, got %.17g", (int)target, want, got);
    }
    /* Sanity by numbers (python3): target bits 1,0 -> margins +0.2 and +0.3,
     * (1/(1+e^-0.2) + 1/(1+e^-0.3)) / 2 = 0.5621382570620684 (libm may differ by an ulp). */
    cr_assert(fabs(glia_net_soft_reward(net, 0x1) - 0.5621382570620684) < 4e-16);
    /* No input: both acts 0, margins -0.5; target 00 -> 1/(1+e^-0.5). */
    glia_net_forward(net, 0x0, 1);
    cr_assert_eq(glia_net_soft_reward(net, 0x0), 1.0 / (1.0 + exp(-0.5)));
    glia_net_free(net);
}

Test(net, weight_summaries)
{
    static const int pre[3] = {0, 1, 1};
    static const int post[3] = {3, 3, 4};
    static const double w[3] = {0.5, -0.25, 0.125};
    glia_net_t *net = small_net(3, pre, post, w, 0.5);

    cr_assert_eq(glia_net_synapse_count(net), 3);
    cr_assert_eq(glia_net_weight_sum(net), 0.375);
    cr_assert_eq(glia_net_mean_abs_weight(net), 0.875 / 3);
    glia_net_weights(net)[1] = 0.25; /* the borrowed array is the live weights */
    cr_assert_eq(glia_net_weight_sum(net), 0.875);
    glia_net_free(net);
}

/* network.bias: one always-on unit per cluster, the cluster's last neuron. It has
 * outgoing synapses like any neuron, none incoming, and fires in every pass, so a
 * network can answer the all-zero input (the paper's P1). */
Test(net, bias_units_fire_always_and_only_send)
{
    glia_config_t cfg;
    glia_rng_t rng;
    glia_net_t *net;
    const uint8_t *fired;
    int bias[2], out_from_bias = 0;

    glia_config_default(&cfg);
    cfg.network.bias = 1;
    cr_assert_eq(glia_config_cluster_size(&cfg), 36);
    glia_rng_seed(&rng, cfg.rng, 42);
    net = glia_net_new(&cfg, &rng);
    cr_assert_not_null(net);
    cr_assert_eq(glia_net_neuron_count(net), 72);
    for (int j = 0; j < 72; j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        cr_assert_eq(nf.role == GLIA_ROLE_BIAS, j % 36 == 35, "neuron %d role %d", j, nf.role);
    }
    bias[0] = 35;
    bias[1] = 71;
    for (int k = 0; k < glia_net_synapse_count(net); k++) {
        int pre, post;
        double w;
        glia_net_synapse(net, k, &pre, &post, &w);
        cr_assert(post != bias[0] && post != bias[1], "synapse %d ends at a bias unit", k);
        out_from_bias += pre == bias[0] || pre == bias[1];
    }
    cr_assert(out_from_bias > 30, "the bias units send %d synapses", out_from_bias);

    glia_net_forward(net, 0, 3);
    fired = glia_net_fired(net);
    cr_assert(fired[bias[0]] && fired[bias[1]], "bias units fire without input");
    glia_net_free(net);
}

Test(net, bias_unit_drives_an_output_on_the_zero_input)
{
    /* 0 input, 1 bias, 2 output: without the bias the output can never fire for 0. */
    static const int role[3] = {GLIA_ROLE_INPUT, GLIA_ROLE_BIAS, GLIA_ROLE_OUTPUT};
    static const int cluster[3] = {0, 0, 0}, id[3] = {0, 1, 2}, driven[1] = {0}, readout[1] = {2};
    static const int pre[2] = {0, 1}, post[2] = {2, 2};
    static const double w[2] = {-1.0, 0.75};
    glia_net_t *net =
        glia_net_new_manual(3, role, cluster, id, 1, driven, 1, readout, 2, pre, post, w, 0.5);

    cr_assert_not_null(net);
    glia_net_forward(net, 0x0, 1);
    cr_assert_eq(glia_net_output(net), 1, "0 -> 1 through the bias");
    glia_net_forward(net, 0x1, 1);
    cr_assert_eq(glia_net_output(net), 0, "1 -> 0: the input inhibits");
    glia_net_free(net);
}
