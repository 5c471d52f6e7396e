/* learners.c: the one table from learner kind (/learner/kind) to its ops. */
#include "core/learners/learner.h"

extern const glia_learner_ops_t glia_control_learner;
extern const glia_learner_ops_t glia_cursor_learner;
extern const glia_learner_ops_t glia_astrocyte_learner;
extern const glia_learner_ops_t glia_neuromod_learner;
extern const glia_learner_ops_t glia_global_learner;
extern const glia_learner_ops_t glia_scattered_learner;
extern const glia_learner_ops_t glia_random_search_learner;
extern const glia_learner_ops_t glia_weight_perturbation_learner;
extern const glia_learner_ops_t glia_node_perturbation_learner;
extern const glia_learner_ops_t glia_es_learner;
extern const glia_learner_ops_t glia_backprop_learner;

static const glia_learner_ops_t *const learners[] = {
    [GLIA_LEARNER_CONTROL] = &glia_control_learner,
    [GLIA_LEARNER_CURSOR] = &glia_cursor_learner,
    [GLIA_LEARNER_ASTROCYTE] = &glia_astrocyte_learner,
    [GLIA_LEARNER_NEUROMOD] = &glia_neuromod_learner,
    [GLIA_LEARNER_GLOBAL] = &glia_global_learner,
    [GLIA_LEARNER_SCATTERED] = &glia_scattered_learner,
    [GLIA_LEARNER_RANDOM_SEARCH] = &glia_random_search_learner,
    [GLIA_LEARNER_WEIGHT_PERTURBATION] = &glia_weight_perturbation_learner,
    [GLIA_LEARNER_NODE_PERTURBATION] = &glia_node_perturbation_learner,
    [GLIA_LEARNER_ES] = &glia_es_learner,
    [GLIA_LEARNER_BACKPROP] = &glia_backprop_learner,
};

const glia_learner_ops_t *glia_learner_ops(int kind)
{
    if (kind < 0 || kind >= (int)(sizeof(learners) / sizeof(learners[0])))
        return NULL;
    return learners[kind];
}
