/* test_reward_queries.c: what a session counts as reward queries (evaluations of the
 * scalar, one per sample scored), hand-counted per learner family; the count survives a
 * snapshot exactly; and a budget stops a run at the first episode end that spends it. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "core/session.h"

static glia_session_t *make(const char *preset, void (*tweak)(glia_config_t *), uint32_t seed)
{
    glia_config_t cfg;
    glia_session_t *s;

    cr_assert_eq(glia_config_preset(&cfg, preset), 0, "%s", preset);
    if (tweak != NULL)
        tweak(&cfg);
    cr_assert_eq(glia_session_new(&cfg, seed, &s, NULL), 0, "%s", preset);
    return s;
}

static uint64_t queries(const glia_session_t *s)
{
    glia_counters_t k;
    glia_session_counters(s, &k);
    return k.reward_queries;
}

Test(reward_queries, keep_revert_on_one_pattern_scores_base_and_candidate)
{
    /* The paper's step: the base pass and the perturbed pass, one pattern each. */
    glia_session_t *s = make("maturity", NULL, 42);
    glia_step_info_t info;

    for (int i = 0; i < 25; i++) {
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_expect_eq(info.reward_queries, 2, "step %d", i);
    }
    cr_expect_eq(queries(s), 50);
    glia_session_free(s);
}

Test(reward_queries, cursor_counts_only_the_passes_it_takes)
{
    /* A step with nothing in range scores the base pass and decides nothing: 1, else 2. */
    glia_session_t *s = make("cursor", NULL, 11);
    glia_step_info_t info;
    glia_counters_t k;

    for (int i = 0; i < 3000; i++) {
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_expect_eq(info.reward_queries, info.decided ? 2u : 1u, "step %d", i);
    }
    glia_session_counters(s, &k);
    cr_expect_eq(k.reward_queries, k.steps + k.accepted + k.rejected);
    glia_session_free(s);
}

Test(reward_queries, task_reward_caches_the_base_score)
{
    /* reach scores the whole task (8 patterns): the first step scores the base and the
     * candidate (16), every later one only its candidate (8). */
    glia_session_t *s = make("reach", NULL, 42);
    glia_step_info_t info;

    cr_assert_eq(glia_session_step(s, &info), 0);
    cr_expect_eq(info.reward_queries, 16);
    for (int i = 1; i < 40; i++) {
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_expect_eq(info.reward_queries, 8, "step %d", i);
    }
    cr_expect_eq(queries(s), 16 + 39 * 8);
    glia_session_free(s);
}

static void minibatch(glia_config_t *cfg)
{
    cfg->training.reward_scope = GLIA_SCOPE_MINIBATCH;
    cfg->training.minibatch = 3;
}

Test(reward_queries, minibatch_scores_its_patterns_twice)
{
    /* A new batch every step: no cached base, 3 patterns twice. */
    glia_session_t *s = make("reach", minibatch, 7);
    glia_step_info_t info;

    for (int i = 0; i < 20; i++) {
        cr_assert_eq(glia_session_step(s, &info), 0);
        cr_expect_eq(info.reward_queries, 6, "step %d", i);
    }
    glia_session_free(s);
}

static void random_search(glia_config_t *cfg)
{
    cfg->learner.kind = GLIA_LEARNER_RANDOM_SEARCH;
}

static void global(glia_config_t *cfg)
{
    cfg->learner.kind = GLIA_LEARNER_GLOBAL;
}

static void scattered(glia_config_t *cfg)
{
    cfg->learner.kind = GLIA_LEARNER_SCATTERED;
}

Test(reward_queries, every_keep_revert_learner_counts_alike)
{
    void (*const kinds[])(glia_config_t *) = {random_search, global, scattered};
    for (int k = 0; k < 3; k++) {
        glia_session_t *s = make("reach", kinds[k], 3);
        cr_assert_eq(glia_session_advance(s, 10, UINT64_MAX), 10);
        cr_expect_eq(queries(s), 16 + 9 * 8, "learner %d", k);
        glia_session_free(s);
    }
}

Test(reward_queries, neuromod_asks_once_a_step_and_control_never)
{
    glia_session_t *s = make("exp002-full", NULL, 5), *c = make("control", NULL, 5);

    cr_assert_eq(glia_session_advance(s, 123, UINT64_MAX), 123);
    cr_expect_eq(queries(s), 123);
    cr_assert_eq(glia_session_run_episodes(c, 20), 0);
    cr_expect_eq(queries(c), 0);
    glia_session_free(s);
    glia_session_free(c);
}

Test(reward_queries, points_carry_the_count_at_their_episode_end)
{
    glia_session_t *s = make("maturity", NULL, 9);
    const glia_config_t *cfg = glia_session_config(s);
    const glia_point_t *pts;
    size_t n;

    cr_assert_eq(glia_session_run_episodes(s, 1000), 0);
    pts = glia_session_trajectory(s, &n);
    cr_assert(n > 1);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(pts[i].reward_queries,
                     2 * (pts[i].episode + 1) * (uint64_t)cfg->training.steps_per_episode);
    glia_session_free(s);
}

/* Save at `steps`, load, continue to `episodes`: the count equals a fresh run's. */
static void survives_a_snapshot(const char *preset, uint64_t steps, uint64_t episodes)
{
    glia_session_t *a = make(preset, NULL, 21), *b = make(preset, NULL, 21), *c;
    glia_error_t err;
    const glia_point_t *pa, *pc;
    size_t na, nc, len;
    uint8_t *buf;

    cr_assert_eq(glia_session_advance(a, steps, UINT64_MAX), (int64_t)steps);
    cr_assert_eq(glia_session_save(a, &buf, &len), 0);
    glia_error_clear(&err);
    cr_assert_eq(glia_session_load(buf, len, &c, &err), 0, "%s", err.message);
    cr_expect_eq(queries(c), queries(a));
    cr_assert_eq(glia_session_run_episodes(c, episodes), 0);
    cr_assert_eq(glia_session_run_episodes(b, episodes), 0);
    cr_expect_eq(queries(c), queries(b), "%s: a loaded run counts what a fresh one does", preset);
    pa = glia_session_trajectory(b, &na);
    pc = glia_session_trajectory(c, &nc);
    cr_assert_eq(na, nc);
    for (size_t i = 0; i < na; i++)
        cr_expect_eq(pa[i].reward_queries, pc[i].reward_queries, "%s point %zu", preset, i);
    free(buf);
    glia_session_free(a);
    glia_session_free(b);
    glia_session_free(c);
}

Test(reward_queries, the_count_survives_a_snapshot)
{
    survives_a_snapshot("cursor", 1337, 300);
    /* the rescore of the cached task score after a load asks nothing */
    survives_a_snapshot("reach", 1234, 200);
}

Test(reward_queries, a_budget_stops_at_the_first_episode_end_that_spends_it)
{
    glia_session_t *s = make("reach", NULL, 42);
    const uint64_t spe = (uint64_t)glia_session_config(s)->training.steps_per_episode;
    glia_counters_t k;
    const uint64_t budget = 1000; /* 16 + 8 per step after: 124 steps, in episode 12 */

    cr_assert(glia_session_advance_to(s, UINT64_MAX, 999, budget) > 0);
    glia_session_counters(s, &k);
    cr_expect_eq(k.step_in_episode, 0);
    cr_expect_geq(k.reward_queries, budget);
    cr_expect_lt(k.reward_queries - 8 * spe, budget, "the episode before had not spent it");
    cr_expect(glia_session_spent(s, budget));
    cr_expect_eq(glia_session_advance_to(s, UINT64_MAX, 999, budget), 0, "spent: no more steps");
    cr_expect(!glia_session_spent(s, 0), "0: no budget");
    glia_session_free(s);
}
