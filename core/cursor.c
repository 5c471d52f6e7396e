/* cursor.c: the exp 020 learner, one spatial cursor that walks or jumps and perturbs
 * the synapses touching the neurons within its radius (spec 6, "Cursor"). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int glia__cursor_init(glia_session_t *s)
{
    const glia_net_t *net = s->net;
    glia_cursor_t *c = &s->cursor;
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

static void cursor_move(glia_session_t *s)
{
    glia_cursor_t *c = &s->cursor;
    const double step = s->cfg.learner.cursor.walk_step;

    if (glia_rng_next(&s->rng) < s->cfg.learner.cursor.jump_probability) {
        for (int d = 0; d < 3; d++)
            c->pos[d] = c->min[d] + glia_rng_next(&s->rng) * (c->max[d] - c->min[d]);
        return;
    }
    for (int d = 0; d < 3; d++) {
        double v = c->pos[d] + (glia_rng_next(&s->rng) - 0.5) * 2.0 * step;
        if (v < c->min[d])
            v = c->min[d];
        if (v > c->max[d])
            v = c->max[d];
        c->pos[d] = v;
    }
}

void glia__cursor_step(glia_session_t *s, glia_step_info_t *info)
{
    glia_net_t *net = s->net;
    glia_cursor_t *c = &s->cursor;
    const glia_config_t *cfg = &s->cfg;
    const double r2 = cfg->learner.cursor.radius * cfg->learner.cursor.radius;
    const glia_pattern_t *pat;
    int n = 0;

    info->pattern = (int)(glia_rng_next(&s->rng) * cfg->task.count);
    pat = &cfg->task.patterns[info->pattern];
    info->target = pat->target;
    glia__base_pass(s, pat, info);

    cursor_move(s);

    /* In-range flags by id, in position order; read at synapse positions (spec 2). */
    for (int j = 0; j < net->n; j++) {
        double dx = net->x[j] - c->pos[0];
        double dy = net->y[j] - c->pos[1];
        double dz = net->z[j] - c->pos[2];
        c->in_range[net->id[j]] = dx * dx + dy * dy + dz * dz <= r2;
    }
    for (int k = 0; k < net->n_syn; k++) {
        if (c->in_range[net->pre[k]] || c->in_range[net->post[k]])
            s->eligible[n++] = k;
    }
    info->n_eligible = n;

    /* Nothing in range: the step scores the base pass and decides nothing. */
    if (n > 0)
        glia__try_perturbation(s, n, pat, info);
}
