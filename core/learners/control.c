/* control.c: the control condition: no learner. It takes no steps and draws nothing, so
 * the network stays as built (spec 6); episodes still pass and are counted. */
#include "core/learners/learner.h"

static void control_save(const void *state, const glia_learner_ctx_t *ctx, glia_writer_t *w)
{
    (void)state;
    (void)ctx;
    (void)w;
}

static int control_load(void *state, const glia_learner_ctx_t *ctx, glia_reader_t *r)
{
    (void)state;
    (void)ctx;
    (void)r;
    return 0;
}

static void control_describe(const void *state, const glia_learner_ctx_t *ctx, int view,
                             glia_emit_t *e)
{
    (void)state;
    (void)ctx;
    (void)view;
    (void)e;
}

const glia_learner_ops_t glia_control_learner = {
    .name = "control",
    .state_size = 0,
    .init = NULL,
    .destroy = NULL,
    .step = NULL,
    .end_episode = NULL,
    .save = control_save,
    .load = control_load,
    .describe = control_describe,
};
