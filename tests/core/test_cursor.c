/* test_cursor.c: the exp 020 cursor learner (spec 6, "Cursor"): start, walk, jump,
 * clamping, eligibility and undecided steps. The generator is replayed from a copy of
 * its state (core/session_internal.h) to know what each move must have been. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/result_json.h"
#include "core/session_internal.h"

/* The cursor's position as the learner describes it (GET .../learner): 0, or
 * GLIA_ENOENT when the learner has no cursor. */
static int session_cursor(const glia_session_t *s, double pos[3])
{
    json_t *o = glia_learner_to_json(s, GLIA_VIEW_STATE), *p;
    int rc = GLIA_ENOENT;

    cr_assert_not_null(o);
    p = json_object_get(json_object_get(o, "cursor"), "position");
    if (p != NULL) {
        cr_assert_eq(json_array_size(p), 3);
        for (int d = 0; d < 3; d++)
            pos[d] = json_real_value(json_array_get(p, (size_t)d));
        rc = 0;
    }
    json_decref(o);
    return rc;
}

typedef struct box {
    double min[3], max[3];
} box_t;

static glia_session_t *cursor_session(uint32_t seed, double jump, double walk, double radius)
{
    glia_config_t cfg;
    glia_session_t *s;

    cr_assert_eq(glia_config_preset(&cfg, "cursor"), 0);
    if (jump >= 0)
        cfg.learner.cursor.jump_probability = jump;
    if (walk >= 0)
        cfg.learner.cursor.walk_step = walk;
    if (radius >= 0)
        cfg.learner.cursor.radius = radius;
    cr_assert_eq(glia_session_new(&cfg, seed, &s, NULL), 0);
    return s;
}

static void neuron_box(const glia_session_t *s, box_t *b)
{
    const glia_net_t *net = glia_session_net(s);

    for (int d = 0; d < 3; d++)
        b->min[d] = INFINITY, b->max[d] = -INFINITY;
    for (int j = 0; j < glia_net_neuron_count(net); j++) {
        glia_neuron_info_t nf;
        const double *v[3] = {&nf.x, &nf.y, &nf.z};
        glia_net_neuron(net, j, &nf);
        for (int d = 0; d < 3; d++) {
            b->min[d] = fmin(b->min[d], *v[d]);
            b->max[d] = fmax(b->max[d], *v[d]);
        }
    }
}

/* Synapses a cursor at `pos` makes eligible: in-range flags written by id in position
 * order, read at synapse positions (spec 2). */
static int eligible_at(const glia_session_t *s, const double pos[3])
{
    const glia_net_t *net = glia_session_net(s);
    const double r = glia_session_config(s)->learner.cursor.radius;
    uint8_t in_range[256] = {0};
    int n = 0;

    cr_assert(glia_net_id_space(net) <= 256);
    for (int j = 0; j < glia_net_neuron_count(net); j++) {
        glia_neuron_info_t nf;
        double dx, dy, dz;
        glia_net_neuron(net, j, &nf);
        dx = nf.x - pos[0], dy = nf.y - pos[1], dz = nf.z - pos[2];
        in_range[nf.id] = dx * dx + dy * dy + dz * dz <= r * r;
    }
    for (int k = 0; k < glia_net_synapse_count(net); k++) {
        int pre, post;
        double w;
        glia_net_synapse(net, k, &pre, &post, &w);
        n += in_range[pre] || in_range[post];
    }
    return n;
}

Test(cursor, starts_at_the_bounding_box_centre)
{
    glia_session_t *s = cursor_session(42, -1, -1, -1);
    box_t b;
    double pos[3];

    neuron_box(s, &b);
    cr_assert_eq(session_cursor(s, pos), 0);
    for (int d = 0; d < 3; d++)
        cr_assert_eq(pos[d], (b.min[d] + b.max[d]) / 2.0, "axis %d", d);
    glia_session_free(s);
}

Test(cursor, only_the_cursor_learner_has_a_cursor)
{
    glia_config_t cfg;
    glia_session_t *s;
    double pos[3];

    cr_assert_eq(glia_config_preset(&cfg, "maturity"), 0);
    cr_assert_eq(glia_session_new(&cfg, 42, &s, NULL), 0);
    cr_assert_eq(session_cursor(s, pos), GLIA_ENOENT);
    glia_session_free(s);
}

Test(cursor, walks_stay_inside_the_box)
{
    /* Walk steps of up to 1000 per axis in a box ~25 wide: almost every move clamps. */
    glia_session_t *s = cursor_session(42, 0.0, 1000.0, -1);
    box_t b;
    int on_face = 0;

    neuron_box(s, &b);
    for (int t = 0; t < 2000; t++) {
        double pos[3];
        cr_assert_eq(glia_session_step(s, NULL), 0);
        session_cursor(s, pos);
        for (int d = 0; d < 3; d++) {
            cr_assert(pos[d] >= b.min[d] && pos[d] <= b.max[d], "step %d axis %d: %g", t, d,
                      pos[d]);
            on_face += pos[d] == b.min[d] || pos[d] == b.max[d];
        }
    }
    cr_assert(on_face > 5000, "clamped to a face %d times of 6000", on_face);
    glia_session_free(s);
}

Test(cursor, reference_walk_and_jump_moves_replay_exactly)
{
    /* The preset (jump 0.05, walk 1.5, radius 2): replay every move from the generator. */
    glia_session_t *s = cursor_session(137, -1, -1, -1);
    box_t b;
    int jumps = 0, walks = 0;

    neuron_box(s, &b);
    for (int t = 0; t < 3000; t++) {
        glia_rng_t r = s->rng;
        glia_step_info_t info;
        double pos[3], want[3];
        session_cursor(s, pos);
        cr_assert_eq(glia_session_step(s, &info), 0);
        glia_rng_next(&r); /* the pattern */
        if (glia_rng_next(&r) < 0.05) {
            for (int d = 0; d < 3; d++)
                want[d] = b.min[d] + glia_rng_next(&r) * (b.max[d] - b.min[d]);
            jumps++;
        } else {
            for (int d = 0; d < 3; d++)
                want[d] =
                    fmin(b.max[d], fmax(b.min[d], pos[d] + (glia_rng_next(&r) - 0.5) * 2.0 * 1.5));
            walks++;
        }
        session_cursor(s, pos);
        for (int d = 0; d < 3; d++)
            cr_assert_eq(pos[d], want[d], "step %d axis %d", t, d);
        cr_assert_eq(info.n_eligible, eligible_at(s, pos), "step %d", t);
        /* then two uniforms per eligible synapse, nothing else */
        for (int k = 0; k < 2 * info.n_eligible; k++)
            glia_rng_next(&r);
        cr_assert_eq(r.s, s->rng.s, "step %d: generator out of step", t);
    }
    cr_assert(jumps > 100 && walks > 2500, "%d jumps, %d walks", jumps, walks);
    glia_session_free(s);
}

Test(cursor, jump_probability_1_always_jumps)
{
    glia_session_t *s = cursor_session(42, 1.0, -1, -1);
    box_t b;

    neuron_box(s, &b);
    for (int t = 0; t < 2000; t++) {
        glia_rng_t r = s->rng;
        double pos[3], want[3];
        cr_assert_eq(glia_session_step(s, NULL), 0);
        glia_rng_next(&r); /* the pattern */
        glia_rng_next(&r); /* the jump decision: always < 1 */
        for (int d = 0; d < 3; d++)
            want[d] = b.min[d] + glia_rng_next(&r) * (b.max[d] - b.min[d]);
        session_cursor(s, pos);
        for (int d = 0; d < 3; d++)
            cr_assert_eq(pos[d], want[d], "step %d axis %d", t, d);
    }
    glia_session_free(s);
}

Test(cursor, steps_without_eligible_synapses_decide_nothing)
{
    /* The reference run (fixture cursor-seed42.json: 67 accepted, 2367 rejected in 5000
     * steps): more than half the steps find no neuron within radius 2. */
    glia_session_t *s = cursor_session(42, -1, -1, -1);
    const int nsyn = glia_net_synapse_count(glia_session_net(s));
    double *before = malloc((size_t)nsyn * sizeof(double));
    uint64_t undecided = 0;
    glia_counters_t c;

    cr_assert_not_null(before);
    for (int t = 0; t < 5000; t++) {
        glia_step_info_t info;
        memcpy(before, glia_net_weights((glia_net_t *)glia_session_net(s)),
               (size_t)nsyn * sizeof(double));
        cr_assert_eq(glia_session_step(s, &info), 0);
        if (info.n_eligible == 0) {
            undecided++;
            cr_assert(!info.decided && !info.kept, "step %d", t);
            cr_assert_eq(info.after_soft, info.base_soft);
            cr_assert_eq(info.reward, glia_reward_binary(info.output, info.target, 5));
            cr_assert_eq(memcmp(before, glia_net_weights((glia_net_t *)glia_session_net(s)),
                                (size_t)nsyn * sizeof(double)),
                         0, "step %d changed weights without a decision", t);
        } else {
            cr_assert(info.decided, "step %d", t);
        }
    }
    glia_session_counters(s, &c);
    cr_assert_eq(c.steps, 5000);
    cr_assert_eq(c.accepted, 67);
    cr_assert_eq(c.rejected, 2367);
    cr_assert_eq(c.accepted + c.rejected + undecided, c.steps);
    cr_assert(c.accepted + c.rejected < c.steps);
    free(before);
    glia_session_free(s);
}

Test(cursor, a_radius_covering_everything_misses_the_unowned_ids)
{
    /* Every neuron is in range, but the flags are written by id: indices 65-69 belong to
     * nobody and stay 0, and they are read at positions, so synapses among positions
     * 65-69 are never eligible (the reference's id/position mix). With id_stride 0 the
     * flags cover every position and every synapse is eligible. */
    glia_session_t *s = cursor_session(42, -1, -1, 100.0);
    const glia_net_t *net = glia_session_net(s);
    int reachable = 0;

    for (int k = 0; k < glia_net_synapse_count(net); k++) {
        int pre, post;
        double w;
        glia_net_synapse(net, k, &pre, &post, &w);
        reachable += pre < 65 || post < 65;
    }
    cr_assert(reachable < glia_net_synapse_count(net));
    for (int t = 0; t < 50; t++) {
        glia_step_info_t info;
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_assert_eq(info.n_eligible, reachable);
        cr_assert(info.decided);
    }
    glia_session_free(s);

    {
        glia_config_t cfg;
        cr_assert_eq(glia_config_preset(&cfg, "cursor"), 0);
        cfg.network.id_stride = 0;
        cfg.learner.cursor.radius = 100.0;
        cr_assert_eq(glia_session_new(&cfg, 42, &s, NULL), 0);
        for (int t = 0; t < 50; t++) {
            glia_step_info_t info;
            cr_assert_eq(glia_session_step(s, &info), 0);
            cr_assert_eq(info.n_eligible, glia_net_synapse_count(glia_session_net(s)));
        }
        glia_session_free(s);
    }
}
