/* config.c: a classification run's config, its defaults and its checks (classify.h). */
#include <math.h>
#include <string.h>

#include "core/classify/classify.h"

const char *const glia_cls_learner_names[] = {"astrocyte", "global", "random-search", NULL};
const char *const glia_cls_reward_names[] = {"balanced", "margin", "soft", NULL};

void glia_cls_config_default(glia_cls_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->encoding.kind = GLIA_CLS_ENC_FEATURE;
    cfg->encoding.threshold = 0.5;
    cfg->encoding.levels = 4;
    cfg->split.test_fraction = 0.2;
    cfg->split.seed = 0;
    cfg->network.hidden = 256;
    cfg->network.territory_size = 8;
    cfg->network.p_in = 0.25;
    cfg->network.p_out = 1.0;
    cfg->network.weight_init = 1.0;
    cfg->network.threshold_init = 0.0;
    cfg->learner.kind = GLIA_CLS_ASTROCYTE;
    cfg->learner.sigma = 0.05;
    cfg->learner.threshold_std = 0.05;
    cfg->learner.clamp = 4.0;
    cfg->training.reward = GLIA_CLS_BALANCED;
    cfg->training.margin_scale = 1.0;
    cfg->training.steps = 100000;
    cfg->training.eval_interval = 10000;
}

static int in(double v, double lo, double hi) { return isfinite(v) && v >= lo && v <= hi; }

int glia_cls_config_validate(const glia_cls_config_t *cfg, glia_error_t *err)
{
#define CHECK(ok, field, ...)                                                                 \
    do {                                                                                      \
        if (!(ok))                                                                            \
            return glia_error_set(err, GLIA_EINVAL, field, __VA_ARGS__);                     \
    } while (0)
    CHECK(cfg->encoding.kind >= 0 && cfg->encoding.kind <= GLIA_CLS_ENC_THERMOMETER,
          "/encoding/kind", "must be feature, global or thermometer");
    CHECK(isfinite(cfg->encoding.threshold), "/encoding/threshold", "must be a number");
    CHECK(cfg->encoding.levels >= 1 && cfg->encoding.levels <= GLIA_CLS_MAX_LEVELS,
          "/encoding/levels", "must be an integer in [1, %d]", GLIA_CLS_MAX_LEVELS);
    CHECK(in(cfg->split.test_fraction, 0, 0.9), "/split/test_fraction", "must be in [0, 0.9]");
    CHECK(cfg->network.hidden >= 1 && cfg->network.hidden <= GLIA_CLS_MAX_HIDDEN,
          "/network/hidden", "must be an integer in [1, %d]", GLIA_CLS_MAX_HIDDEN);
    CHECK(cfg->network.territory_size >= 1 && cfg->network.territory_size <= cfg->network.hidden,
          "/network/territory_size", "must be an integer in [1, hidden = %d]",
          cfg->network.hidden);
    CHECK(in(cfg->network.p_in, 1e-6, 1), "/network/p_in", "must be in (0, 1]");
    CHECK(in(cfg->network.p_out, 1e-6, 1), "/network/p_out", "must be in (0, 1]");
    CHECK(in(cfg->network.weight_init, 0, 100), "/network/weight_init", "must be in [0, 100]");
    CHECK(in(cfg->network.threshold_init, -100, 100), "/network/threshold_init",
          "must be in [-100, 100]");
    CHECK(cfg->learner.kind >= 0 && cfg->learner.kind <= GLIA_CLS_RANDOM, "/learner/kind",
          "must be astrocyte, global or random-search");
    CHECK(in(cfg->learner.sigma, 0, 10), "/learner/sigma", "must be in [0, 10]");
    CHECK(in(cfg->learner.threshold_std, 0, 10), "/learner/threshold_std", "must be in [0, 10]");
    CHECK(in(cfg->learner.clamp, 1e-6, 1000), "/learner/clamp", "must be in (0, 1000]");
    CHECK(cfg->training.reward >= 0 && cfg->training.reward <= GLIA_CLS_SOFT,
          "/training/reward", "must be balanced, margin or soft");
    CHECK(in(cfg->training.margin_scale, 1e-9, 1e6), "/training/margin_scale",
          "must be in (0, 1e6]");
    CHECK(cfg->training.steps >= 1 && cfg->training.steps <= 1000000000ull, "/training/steps",
          "must be an integer in [1, 1e9]");
    CHECK(cfg->training.eval_interval >= 1 && cfg->training.eval_interval <= 1000000000ull,
          "/training/eval_interval", "must be an integer in [1, 1e9]");
#undef CHECK
    return 0;
}
