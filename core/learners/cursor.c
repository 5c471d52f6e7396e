/* cursor.c: the exp 020 learner, one spatial cursor that walks or jumps and perturbs
 * the synapses touching the neurons within its radius (spec 6, "Cursor"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/learners/learner.h"
#include "core/learners/perturb.h"
#include "core/net_storage.h"

typedef struct cursor_state {
    double pos[3];
    double min[3], max[3]; /* bounding box of all neurons */
    uint8_t *in_range;     /* [id_space] written by id, read at positions (spec 2) */
} cursor_state_t;

static int cursor_init(void *state, const glia_learner_ctx_t *ctx)
{
    cursor_state_t *c = state;
    const glia_net_t *net = ctx->net;
    const double *axis[3] = {net->x, net->y, net->z};

    c->in_range = calloc((size_t)net->id_space, 1);
    if (c->in_range == NULL)
        return GLIA_ENOMEM;
    for (int d = 0; d < 3; d++) {
        c->min[d] = c->max[d] = axis[d][0];
        for (int j = 1; j < net->n; j++) {
            if (axis[d][j] < c->min[d])
                c->min[d] = axis[d][j];
            if (axis[d][j] > c->max[d])
                c->max[d] = axis[d][j];
        }
        c->pos[d] = (c->min[d] + c->max[d]) / 2.0;
    }
    return 0;
}

static void cursor_destroy(void *state)
{
    cursor_state_t *c = state;
    free(c->in_range);
}

static void cursor_move(cursor_state_t *c, glia_learner_ctx_t *ctx)
{
    const double step = ctx->cfg->learner.cursor.walk_step;

    if (glia_rng_next(ctx->rng) < ctx->cfg->learner.cursor.jump_probability) {
        for (int d = 0; d < 3; d++)
            c->pos[d] = c->min[d] + glia_rng_next(ctx->rng) * (c->max[d] - c->min[d]);
        return;
    }
    for (int d = 0; d < 3; d++) {
        double v = c->pos[d] + (glia_rng_next(ctx->rng) - 0.5) * 2.0 * step;
        if (v < c->min[d])
            v = c->min[d];
        if (v > c->max[d])
            v = c->max[d];
        c->pos[d] = v;
    }
}

static void cursor_step(void *state, glia_learner_ctx_t *ctx, const glia_pattern_t *pat,
                        glia_step_info_t *info)
{
    cursor_state_t *c = state;
    glia_net_t *net = ctx->net;
    const double r = ctx->cfg->learner.cursor.radius;
    const double r2 = r * r;
    int *eligible = ctx->perturb->eligible;
    const int thresholds = ctx->cfg->learner.perturb_thresholds;
    int n = 0;

    glia_perturb_base(ctx, pat, info);
    cursor_move(c, ctx);

    /* In-range flags by id, in position order; read at synapse positions (spec 2). The
     * thresholds moved (perturb_thresholds) are those of the neurons in range. */
    if (thresholds)
        glia_perturb_neurons_begin(ctx->perturb, net);
    for (int j = 0; j < net->n; j++) {
        double dx = net->x[j] - c->pos[0];
        double dy = net->y[j] - c->pos[1];
        double dz = net->z[j] - c->pos[2];
        int in = dx * dx + dy * dy + dz * dz <= r2;
        c->in_range[net->id[j]] = (uint8_t)in;
        if (thresholds && in)
            glia_perturb_neurons_add(ctx->perturb, net, &j, 1);
    }
    for (int k = 0; k < net->n_syn; k++) {
        if (c->in_range[net->pre[k]] || c->in_range[net->post[k]])
            eligible[n++] = k;
    }
    info->n_eligible = n;

    /* Nothing in range: the step scores the base pass and decides nothing. */
    if (n > 0)
        glia_perturb_try(ctx, n, pat, info);
}

/* Section layout (the v2 snapshot's): the position, three f64. */
static void cursor_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    const cursor_state_t *c = state;

    (void)ctx;
    for (int d = 0; d < 3; d++)
        glia_put_f64(w, c->pos[d]);
}

static int cursor_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    cursor_state_t *c = state;

    (void)ctx;
    /* A walk clamps to the box and a jump lands inside it. */
    for (int d = 0; d < 3; d++)
        c->pos[d] = glia_get_f64_in(r, c->min[d], c->max[d]);
    return r->failed ? GLIA_EFORMAT : 0;
}

/* The live view: "cursor": {"position": [x, y, z], "radius"}. Results add nothing. */
static void cursor_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                            glia_emit_t *e)
{
    const cursor_state_t *c = state;

    if (view != GLIA_VIEW_STATE)
        return;
    glia_emit_object_begin(e, "cursor");
    glia_emit_array_begin(e, "position");
    for (int d = 0; d < 3; d++)
        glia_emit_number(e, NULL, c->pos[d]);
    glia_emit_array_end(e);
    glia_emit_number(e, "radius", ctx->cfg->learner.cursor.radius);
    glia_emit_object_end(e);
}

const glia_learner_ops_t glia_cursor_learner = {
    .name = "cursor",
    .state_size = sizeof(cursor_state_t),
    .init = cursor_init,
    .destroy = cursor_destroy,
    .step = cursor_step,
    .end_episode = NULL,
    .save = cursor_save,
    .load = cursor_load,
    .describe = cursor_describe,
};
