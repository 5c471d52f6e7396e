/* snapshot.c: a session's complete state <-> bytes.
 *
 * Format 3 (little-endian): "GLIASNAP", u32 version, then sections, each a 4-byte tag,
 * a u64 length and its payload, then a FNV-1a 64 checksum of everything before it:
 *
 *   CONF  the config, field by field as (JSON pointer, value), then the task and the
 *         seed. Named fields let later releases add fields: a field the snapshot does
 *         not name keeps its default.
 *   CORE  what the session changes while training: generator, counters, trajectory,
 *         weights, neuron thresholds and homeostasis counts.
 *   LRNR  the learner's name, then the learner's own section (its ops save/load).
 *   QRYS  the reward queries: the session's count, whether the score of the current
 *         weights was cached (the rescore after a load asks no query), the last
 *         point's count and each trajectory point's. Added within format 3: snapshots
 *         written before it end after LRNR.
 *   DIAG  only with training.diagnostics_interval > 0 (diagnostics.h): the territory
 *         counts and the cosine samples since the last point (glia_diag_save), then the
 *         last point's cosine (f64 mean, u64 samples) and each trajectory point's. A
 *         session without diagnostics writes none, so its bytes are what they were.
 *
 * The static network (positions, topology) is not stored: it is a pure function of
 * (config, seed), so loading rebuilds it, then overwrites the dynamic state. Every
 * value read is checked against what a run can produce (ranges, counters that must
 * agree), so a snapshot that loads also saves, restores and runs.
 *
 * Format 2 (releases before the learner sections) still loads: its config is the
 * field list of that release in order, and its tail holds the sensing state, the
 * cursor and the astrocytes one after the other. The cursor and astrocyte sections of
 * format 3 kept those byte layouts, so the v2 tail is cut into the learner's section.
 *
 * Snapshots without QRYS (format 2, and format 3 before it) did not count reward
 * queries: a session loaded from one reports them as unknown from then on (null in JSON),
 * and its next save writes QRYS with that.
 */
#include "core/session_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_MAGIC   "GLIASNAP"
#define SNAP_VERSION 3u /* 3: sections, named config fields, learner sections */
#define SNAP_OLDEST  2u

#define TAG(a, b, c, d)                                                                            \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_CONF TAG('C', 'O', 'N', 'F')
#define TAG_CORE TAG('C', 'O', 'R', 'E')
#define TAG_LRNR TAG('L', 'R', 'N', 'R')
#define TAG_QRYS TAG('Q', 'R', 'Y', 'S')
#define TAG_DIAG TAG('D', 'I', 'A', 'G')

/* The config fields of format 2, in its order (the field table of that release). */
static const char *const v2_fields[] = {
    "/rng",
    "/network/clusters",
    "/network/inputs",
    "/network/outputs",
    "/network/modulatory",
    "/network/regular",
    "/network/id_stride",
    "/network/input_cluster",
    "/network/output_cluster",
    "/network/passes",
    "/network/spread",
    "/network/cluster_spacing",
    "/network/p_intra",
    "/network/p_inter",
    "/network/weight_init",
    "/network/threshold",
    "/training/steps_per_episode",
    "/training/trajectory_interval",
    "/training/perturbation_std",
    "/training/weight_clamp",
    "/training/homeostasis",
    "/training/homeostasis_target",
    "/training/homeostasis_rate",
    "/learner/kind",
    "/learner/cursor/radius",
    "/learner/cursor/walk_step",
    "/learner/cursor/jump_probability",
    "/learner/astrocyte/per_cluster",
    "/learner/astrocyte/sensing",
    "/learner/astrocyte/exploration",
    "/learner/astrocyte/min_active",
    "/learner/astrocyte/max_active",
    "/learner/astrocyte/history",
    "/learner/astrocyte/adapt_interval",
    "/learner/astrocyte/territory_radius",
    "/learner/astrocyte/flat_rate",
    "/learner/astrocyte/maturity_rate",
    "/learner/astrocyte/maturity_scale",
    "/learner/astrocyte/success_high",
    "/learner/astrocyte/success_low",
    "/learner/astrocyte/threshold_init",
    "/learner/astrocyte/threshold_step",
    "/learner/astrocyte/threshold_min",
    "/learner/astrocyte/threshold_max",
    NULL,
};

unsigned glia_snapshot_version(void)
{
    return SNAP_VERSION;
}

static const glia_config_field_t *field_find(const char *pointer)
{
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        if (strcmp(f->pointer, pointer) == 0)
            return f;
    }
    return NULL;
}

static void put_field(glia_writer_t *w, const glia_config_t *cfg, const glia_config_field_t *f)
{
    const char *p = (const char *)cfg + f->offset;
    if (f->type == GLIA_FIELD_DOUBLE) {
        double v;
        memcpy(&v, p, sizeof(v));
        glia_put_f64(w, v);
    } else {
        int v;
        memcpy(&v, p, sizeof(v));
        glia_put_i32(w, v);
    }
}

static void get_field(glia_reader_t *r, glia_config_t *cfg, const glia_config_field_t *f)
{
    char *p = (char *)cfg + f->offset;
    if (f->type == GLIA_FIELD_DOUBLE) {
        double v = glia_get_f64(r);
        memcpy(p, &v, sizeof(v));
    } else {
        int v = glia_get_i32(r);
        memcpy(p, &v, sizeof(v));
    }
}

static void put_task(glia_writer_t *w, const glia_config_t *cfg)
{
    glia_put_i32(w, cfg->task.count);
    glia_put_i32(w, cfg->task.input_width);
    glia_put_i32(w, cfg->task.target_width);
    for (int i = 0; i < cfg->task.count; i++) {
        glia_put_u64(w, cfg->task.patterns[i].input);
        glia_put_u64(w, cfg->task.patterns[i].target);
    }
}

static void get_task(glia_reader_t *r, glia_config_t *cfg)
{
    cfg->task.count = glia_get_i32_in(r, 1, GLIA_MAX_PATTERNS);
    cfg->task.input_width = glia_get_i32_in(r, 1, GLIA_MAX_WIDTH);
    cfg->task.target_width = glia_get_i32_in(r, 1, GLIA_MAX_WIDTH);
    for (int i = 0; i < cfg->task.count && !r->failed; i++) {
        cfg->task.patterns[i].input = glia_get_u64(r);
        cfg->task.patterns[i].target = glia_get_u64(r);
    }
}

static void put_point(glia_writer_t *w, const glia_point_t *p)
{
    glia_put_u64(w, p->episode);
    glia_put_f64(w, p->avg_reward);
    glia_put_f64(w, p->accept_rate);
    glia_put_f64(w, p->accuracy);
    glia_put_i32(w, p->distinct_outputs);
}

static void get_point(glia_reader_t *r, glia_point_t *p, int patterns)
{
    p->episode = glia_get_u64(r);
    p->avg_reward = glia_get_f64_in(r, 0.0, 1.0);
    p->accept_rate = glia_get_f64_in(r, 0.0, 1.0);
    p->accuracy = glia_get_f64_in(r, 0.0, 1.0);
    p->distinct_outputs = glia_get_i32_in(r, 1, patterns);
    p->grad_cosine = 0.0; /* DIAG's, when there is one */
    p->grad_cosine_n = 0;
}

/* Output vectors hold target_width bits. */
static void get_outputs(glia_reader_t *r, uint64_t *out, int count, int width)
{
    for (int p = 0; p < count; p++) {
        out[p] = glia_get_u64(r);
        if (width < 64 && (out[p] >> width) != 0)
            r->failed = 1;
    }
}

/* The CORE section (the same bytes as format 2 between the seed and the tail). `last`
 * and `last_outputs` are the last point as glia__last_point gives it. */
static void put_core(glia_writer_t *w, const glia_session_t *s, const glia_point_t *last,
                     const uint64_t *last_outputs)
{
    const glia_net_t *net = s->net;
    const size_t count = (size_t)s->cfg.task.count;

    glia_put_i32(w, s->rng.kind);
    glia_put_i32(w, s->rng.has_spare);
    glia_put_f64(w, s->rng.s);
    glia_put_f64(w, s->rng.spare);
    for (int i = 0; i < 4; i++)
        glia_put_u64(w, s->rng.x[i]);

    glia_put_u64(w, s->steps);
    glia_put_u64(w, s->episodes);
    glia_put_u64(w, s->accepted);
    glia_put_u64(w, s->rejected);
    glia_put_i32(w, s->step_in_episode);
    glia_put_f64(w, s->ep_reward_sum);
    glia_put_i32(w, s->ep_accepted);
    glia_put_i32(w, s->ep_rejected);
    glia_put_i32(w, s->has_last);
    put_point(w, last);
    for (size_t p = 0; p < count; p++)
        glia_put_u64(w, last_outputs[p]);
    glia_put_u64(w, s->n_traj);
    for (size_t i = 0; i < s->n_traj; i++) {
        put_point(w, &s->traj[i]);
        for (size_t p = 0; p < count; p++)
            glia_put_u64(w, s->traj_outputs[i * count + p]);
    }

    glia_put_i32(w, net->n_syn);
    for (int k = 0; k < net->n_syn; k++)
        glia_put_f64(w, net->w[k]);
    glia_put_i32(w, net->n);
    for (int j = 0; j < net->n; j++) {
        glia_put_f64(w, net->thr[j]);
        glia_put_u32(w, s->fire_count[j]);
    }
    /* Carried neuron outputs (phase 1a): the next step starts from them. */
    if (s->cfg.network.carry_state)
        glia_put(w, net->fired, (size_t)net->n);
}

/* A generator state a run can reach. mulberry32-js counts up from seed + 1: a negative
 * or non-finite state cannot come from a run, and its integer conversion would be
 * undefined. xoshiro256** never reaches all zeros, where it would return 0 forever and
 * the polar method would never find a point inside the circle. */
static int rng_state_ok(const glia_rng_t *rng)
{
    if (rng->has_spare != 0 && rng->has_spare != 1)
        return 0;
    if (rng->kind == GLIA_RNG_MULBERRY32_JS)
        return isfinite(rng->s) && rng->s >= 1.0 && rng->has_spare == 0;
    if (rng->kind == GLIA_RNG_MULBERRY32) /* any 32-bit state, in x[0] alone */
        return rng->x[0] <= UINT32_MAX && (rng->x[1] | rng->x[2] | rng->x[3]) == 0 &&
               rng->has_spare == 0 && rng->s == 0 && rng->spare == 0;
    return (rng->x[0] | rng->x[1] | rng->x[2] | rng->x[3]) != 0 && isfinite(rng->spare);
}

/* A snapshot whose config does not name /rng_version was written before xoshiro256ss
 * stream 2 existed: its session continues on stream 1. */
static void older_stream(glia_config_t *cfg, int names_version)
{
    if (!names_version && cfg->rng == GLIA_RNG_XOSHIRO256SS)
        cfg->rng_version = 1;
}

/* Read CORE into a freshly built session and check it; a message names what is wrong. */
static const char *get_core(glia_reader_t *r, glia_session_t *s)
{
    const glia_config_t *cfg = &s->cfg;
    glia_net_t *net = s->net;
    const int count = cfg->task.count, width = cfg->task.target_width;
    const uint64_t spe = (uint64_t)cfg->training.steps_per_episode;
    const uint64_t interval = (uint64_t)cfg->training.trajectory_interval;
    const int learns = s->learner->step != NULL;
    const int thr_clamped =
        !cfg->training.homeostasis &&
        (cfg->learner.perturb_thresholds || cfg->learner.kind == GLIA_LEARNER_RANDOM_SEARCH);
    uint64_t n_traj, want_traj;

    s->rng.kind = glia_get_i32(r);
    s->rng.has_spare = glia_get_i32(r);
    s->rng.s = glia_get_f64(r);
    s->rng.spare = glia_get_f64(r);
    for (int i = 0; i < 4; i++)
        s->rng.x[i] = glia_get_u64(r);
    if (r->failed || s->rng.kind != cfg->rng || !rng_state_ok(&s->rng))
        return "generator state";

    s->steps = glia_get_u64(r);
    s->episodes = glia_get_u64(r);
    s->accepted = glia_get_u64(r);
    s->rejected = glia_get_u64(r);
    s->step_in_episode = glia_get_i32_in(r, 0, cfg->training.steps_per_episode - 1);
    s->ep_reward_sum = glia_get_f64_in(r, 0.0, (double)s->step_in_episode);
    s->ep_accepted = glia_get_i32_in(r, 0, s->step_in_episode);
    s->ep_rejected = glia_get_i32_in(r, 0, s->step_in_episode);
    if (r->failed || s->episodes > UINT64_MAX / spe ||
        s->steps != s->episodes * spe + (uint64_t)s->step_in_episode ||
        s->ep_accepted + s->ep_rejected > s->step_in_episode || s->accepted > s->steps ||
        s->rejected > s->steps - s->accepted || (uint64_t)s->ep_accepted > s->accepted ||
        (uint64_t)s->ep_rejected > s->rejected ||
        (!learns &&
         (s->accepted | s->rejected | (uint64_t)s->ep_accepted | (uint64_t)s->ep_rejected) != 0))
        return "counters";

    /* The point of the last finished episode, all zero before the first one. */
    s->has_last = glia_get_i32_in(r, 0, 1);
    if (s->has_last) {
        get_point(r, &s->last, count);
        get_outputs(r, s->last_outputs, count, width);
    } else {
        const uint8_t *zero = glia_get(r, 36 + 8 * (size_t)count);
        for (size_t i = 0; zero != NULL && i < 36 + 8 * (size_t)count; i++)
            r->failed |= zero[i] != 0;
    }
    if (r->failed || s->has_last != (learns && s->episodes > 0) ||
        (s->has_last && s->last.episode != s->episodes - 1))
        return "last point";

    /* A point every `interval` episodes from episode 0, for learners that step. */
    n_traj = glia_get_u64(r);
    want_traj = learns ? (s->episodes + interval - 1) / interval : 0;
    if (r->failed || n_traj != want_traj || n_traj > (r->len - r->pos) / (36 + 8 * (uint64_t)count))
        return "trajectory";
    if (n_traj > 0 && glia__reserve_points(s, (size_t)n_traj) != 0)
        return NULL; /* out of memory: the caller tells them apart */
    for (uint64_t i = 0; i < n_traj; i++) {
        get_point(r, &s->traj[i], count);
        get_outputs(r, &s->traj_outputs[i * (size_t)count], count, width);
        if (r->failed || s->traj[i].episode != i * interval)
            return "trajectory";
        s->n_traj++;
    }

    /* Weights: finite, within the clamp unless never moved from their initial value. */
    if (glia_get_i32(r) != net->n_syn)
        return "synapse count";
    for (int k = 0; k < net->n_syn; k++) {
        double w = glia_get_f64(r);
        if (!isfinite(w) || (w != s->w_init[k] && fabs(w) > cfg->training.weight_clamp))
            return "weights";
        net->w[k] = w;
    }
    /* Thresholds: finite, and never moved for inputs and bias units (nothing adapts a
     * source); perturbed or redrawn ones stay within their clamp unless homeostasis
     * moves them too. The homeostasis counts are base passes of the current episode. */
    if (glia_get_i32(r) != net->n)
        return "neuron count";
    for (int j = 0; j < net->n; j++) {
        double t = glia_get_f64(r);
        uint32_t fc = glia_get_u32(r);
        if (!isfinite(t) || fabs(t) > 1e12 ||
            (GLIA_ROLE_IS_SOURCE(net->role[j]) && t != cfg->network.threshold) ||
            (thr_clamped && t != cfg->network.threshold &&
             fabs(t) > cfg->learner.threshold_clamp) ||
            fc > (uint32_t)s->step_in_episode || (!cfg->training.homeostasis && fc != 0))
            return "thresholds";
        net->thr[j] = t;
        s->fire_count[j] = fc;
    }
    if (cfg->network.carry_state) {
        const uint8_t *f = glia_get(r, (size_t)net->n);
        for (int j = 0; f != NULL && j < net->n; j++) {
            if (f[j] > 1)
                return "neuron outputs";
            net->fired[j] = f[j];
        }
    }
    /* The learner's section is read next, against these counters. */
    s->ctx.steps = s->steps;
    s->ctx.step_in_episode = s->step_in_episode;
    return r->failed ? "truncated" : "";
}

/* The QRYS section. */
static void put_queries(glia_writer_t *w, const glia_session_t *s, const glia_point_t *last)
{
    glia_put_u64(w, s->reward_queries);
    glia_put_i32(w, s->perturb.cache_valid || s->perturb.score_known);
    glia_put_u64(w, last->reward_queries);
    for (size_t i = 0; i < s->n_traj; i++)
        glia_put_u64(w, s->traj[i].reward_queries);
}

/* Read QRYS and check it: counts never fall from point to point, and none exceeds the
 * session's; a session that has not stepped asked none. */
static const char *get_queries(glia_reader_t *r, glia_session_t *s)
{
    uint64_t prev = 0;
    int known;

    s->reward_queries = glia_get_u64(r);
    known = glia_get_i32_in(r, 0, 1);
    s->last.reward_queries = glia_get_u64(r);
    for (size_t i = 0; i < s->n_traj && !r->failed; i++) {
        s->traj[i].reward_queries = glia_get_u64(r);
        if (s->traj[i].reward_queries < prev)
            return "reward queries";
        prev = s->traj[i].reward_queries;
    }
    if (r->failed || r->pos != r->len)
        return "reward queries";
    if (prev > s->reward_queries || s->last.reward_queries > s->reward_queries ||
        s->last.reward_queries < prev || (!s->has_last && s->last.reward_queries != 0) ||
        (s->steps == 0 && (s->reward_queries != 0 || known)))
        return "reward queries";
    s->perturb.score_known = known;
    return "";
}

/* The DIAG section. */
static void put_diag(glia_writer_t *w, const glia_session_t *s, const glia_point_t *last)
{
    glia_diag_save(&s->diag, w);
    glia_put_f64(w, last->grad_cosine);
    glia_put_u64(w, last->grad_cosine_n);
    for (size_t i = 0; i < s->n_traj; i++) {
        glia_put_f64(w, s->traj[i].grad_cosine);
        glia_put_u64(w, s->traj[i].grad_cosine_n);
    }
}

/* A point's cosine: a mean in [-1, 1] of at most the steps' samples, 0 of none. */
static void get_point_cosine(glia_reader_t *r, glia_point_t *p, uint64_t steps)
{
    p->grad_cosine = glia_get_f64_in(r, -1.0, 1.0);
    p->grad_cosine_n = glia_get_u64(r);
    if (p->grad_cosine_n > steps || (p->grad_cosine_n == 0 && p->grad_cosine != 0.0))
        r->failed = 1;
}

static const char *get_diag(glia_reader_t *r, glia_session_t *s)
{
    if (glia_diag_load(&s->diag, r, s->steps) != 0)
        return "diagnostics";
    get_point_cosine(r, &s->last, s->steps);
    for (size_t i = 0; i < s->n_traj && !r->failed; i++)
        get_point_cosine(r, &s->traj[i], s->steps);
    if (r->failed || r->pos != r->len || (!s->has_last && s->last.grad_cosine_n != 0))
        return "diagnostics";
    return "";
}

/* Snapshots without QRYS: the session's reward queries are unknown (GLIA_QUERIES_UNKNOWN),
 * and so are its points'; one that has not stepped asked none. (Replaying the run to count
 * them would cost the whole run again, unbounded, inside a load.) */
static void queries_unknown(glia_session_t *s)
{
    const uint64_t q = s->steps == 0 ? 0 : GLIA_QUERIES_UNKNOWN;

    s->reward_queries = q;
    s->last.reward_queries = s->has_last ? q : 0;
    for (size_t i = 0; i < s->n_traj; i++)
        s->traj[i].reward_queries = q;
    s->perturb.score_known = 0;
}

int glia_session_save(const glia_session_t *s, uint8_t **buf, size_t *len)
{
    glia_writer_t w = {0};
    glia_point_t last;
    uint64_t *last_outputs = malloc((size_t)s->cfg.task.count * sizeof(uint64_t));
    size_t at;

    if (last_outputs == NULL || glia__last_point(s, &last, last_outputs) != 0) {
        free(last_outputs);
        return GLIA_ENOMEM;
    }

    glia_put(&w, SNAP_MAGIC, 8);
    glia_put_u32(&w, SNAP_VERSION);

    /* Each section: tag, a length patched in once the payload is written. */
#define SECTION_BEGIN(tag)                                                                         \
    do {                                                                                           \
        glia_put_u32(&w, tag);                                                                     \
        at = w.len;                                                                                \
        glia_put_u64(&w, 0);                                                                       \
    } while (0)
#define SECTION_END()                                                                              \
    do {                                                                                           \
        if (!w.failed) {                                                                           \
            uint64_t n = (uint64_t)(w.len - at - 8);                                               \
            for (int i = 0; i < 8; i++)                                                            \
                w.buf[at + (size_t)i] = (uint8_t)(n >> (8 * i));                                   \
        }                                                                                          \
    } while (0)

    SECTION_BEGIN(TAG_CONF);
    {
        uint32_t nfields = 0;
        for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++)
            nfields++;
        glia_put_u32(&w, nfields);
        for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
            glia_put_str(&w, f->pointer);
            put_field(&w, &s->cfg, f);
        }
        put_task(&w, &s->cfg);
        glia_put_u32(&w, s->seed);
    }
    SECTION_END();

    SECTION_BEGIN(TAG_CORE);
    put_core(&w, s, &last, last_outputs);
    SECTION_END();
    free(last_outputs);

    SECTION_BEGIN(TAG_LRNR);
    glia_put_str(&w, s->learner->name);
    s->learner->save(s->learner_state, &s->ctx, &w);
    SECTION_END();

    SECTION_BEGIN(TAG_QRYS);
    put_queries(&w, s, &last);
    SECTION_END();

    if (s->diag.interval > 0) {
        SECTION_BEGIN(TAG_DIAG);
        put_diag(&w, s, &last);
        SECTION_END();
    }
#undef SECTION_BEGIN
#undef SECTION_END

    if (!w.failed)
        glia_put_u64(&w, glia_fnv1a64(w.buf, w.len));
    if (w.failed) {
        free(w.buf);
        return GLIA_ENOMEM;
    }
    *buf = w.buf;
    *len = w.len;
    return 0;
}

/* Open the next section: it must carry `tag`; `sub` then reads just its payload. */
static int section(glia_reader_t *r, uint32_t tag, glia_reader_t *sub)
{
    uint32_t got = glia_get_u32(r);
    uint64_t n = glia_get_u64(r);
    const uint8_t *p;

    if (r->failed || got != tag || n > r->len - r->pos)
        return GLIA_EFORMAT;
    p = glia_get(r, (size_t)n);
    sub->buf = p;
    sub->len = (size_t)n;
    sub->pos = 0;
    sub->failed = 0;
    return 0;
}

static int bad(glia_error_t *err, const char *what)
{
    return glia_error_set(err, GLIA_EFORMAT, "", "snapshot %s does not match its configuration",
                          what);
}

/* Build the session of a snapshot from its config and seed. */
static int build(glia_config_t *cfg, uint32_t seed, glia_session_t **out, glia_error_t *err)
{
    glia_error_t verr = {0};
    int rc = glia_session_new(cfg, seed, out, &verr);

    if (rc == GLIA_EINVAL)
        return glia_error_set(err, GLIA_EINVAL, verr.field, "the snapshot's config: %s",
                              verr.message);
    return rc;
}

/* After CORE: the learner's section (v3) or the v2 tail cut to the same bytes. */
static int load_learner(glia_session_t *s, glia_reader_t *r, glia_error_t *err)
{
    int rc = s->learner->load(s->learner_state, &s->ctx, r);

    if (rc == 0 && r->pos != r->len)
        rc = GLIA_EFORMAT;
    return rc == 0 ? 0 : bad(err, "learner state");
}

/* The CONF section of format 3: the config by field name, the task, the seed. */
static int read_conf_v3(glia_reader_t *r, glia_config_t *cfg, uint32_t *seed, glia_error_t *err)
{
    glia_reader_t sub;
    uint32_t nfields;
    int names_version = 0;

    if (section(r, TAG_CONF, &sub) != 0)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no config section");
    glia_config_default(cfg);
    nfields = glia_get_u32(&sub);
    for (uint32_t i = 0; i < nfields && !sub.failed; i++) {
        char pointer[GLIA_FIELD_MAX];
        const glia_config_field_t *f;
        glia_get_str(&sub, pointer, sizeof(pointer));
        if (sub.failed)
            break;
        if ((f = field_find(pointer)) == NULL)
            return glia_error_set(err, GLIA_EFORMAT, "",
                                  "snapshot config field %s is unknown to this build "
                                  "(written by a newer gliad?)",
                                  pointer);
        get_field(&sub, cfg, f);
        names_version |= strcmp(pointer, "/rng_version") == 0;
    }
    older_stream(cfg, names_version);
    get_task(&sub, cfg);
    *seed = glia_get_u32(&sub);
    if (sub.failed || sub.pos != sub.len)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot config section is malformed");
    return 0;
}

static int load_v3(glia_reader_t *r, glia_session_t **out, glia_error_t *err)
{
    glia_reader_t sub;
    glia_config_t cfg;
    glia_session_t *s = NULL;
    const char *why;
    char name[64];
    uint32_t seed;
    int rc;

    if ((rc = read_conf_v3(r, &cfg, &seed, err)) != 0)
        return rc;
    if ((rc = build(&cfg, seed, &s, err)) != 0)
        return rc;

    if (section(r, TAG_CORE, &sub) != 0) {
        rc = glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no session section");
        goto fail;
    }
    why = get_core(&sub, s);
    if (why == NULL) {
        rc = GLIA_ENOMEM;
        goto fail;
    }
    if (*why != '\0' || sub.pos != sub.len) {
        rc = bad(err, *why ? why : "session section");
        goto fail;
    }

    if (section(r, TAG_LRNR, &sub) != 0) {
        rc = glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no learner section");
        goto fail;
    }
    glia_get_str(&sub, name, sizeof(name));
    if (sub.failed || strcmp(name, s->learner->name) != 0) {
        rc = bad(err, "learner");
        goto fail;
    }
    if ((rc = load_learner(s, &sub, err)) != 0)
        goto fail;
    if (r->pos == r->len) { /* written before QRYS */
        queries_unknown(s);
    } else if (section(r, TAG_QRYS, &sub) != 0) {
        rc = glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no reward-query section");
        goto fail;
    } else if (*(why = get_queries(&sub, s)) != '\0') {
        rc = bad(err, why);
        goto fail;
    }
    /* Diagnostics came after the reward queries: a session with them always wrote both. */
    if (s->diag.interval > 0) {
        if (section(r, TAG_DIAG, &sub) != 0) {
            rc = glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no diagnostics section");
            goto fail;
        }
        if (*(why = get_diag(&sub, s)) != '\0') {
            rc = bad(err, why);
            goto fail;
        }
    }
    if (r->pos != r->len) {
        rc = glia_error_set(err, GLIA_EFORMAT, "", "snapshot has an unknown section");
        goto fail;
    }
    *out = s;
    return 0;

fail:
    glia_session_free(s);
    return rc;
}

/* Format 2's config: that release's fields in its order, the task, the seed. */
static int read_conf_v2(glia_reader_t *r, glia_config_t *cfg, uint32_t *seed, glia_error_t *err)
{
    glia_config_default(cfg);
    for (int i = 0; v2_fields[i] != NULL; i++)
        get_field(r, cfg, field_find(v2_fields[i]));
    older_stream(cfg, 0);
    get_task(r, cfg);
    *seed = glia_get_u32(r);
    if (r->failed)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot truncated");
    return 0;
}

/* Format 2: the config in that release's field order, CORE's bytes, then the tail:
 * i32 id_space + sensing bytes, three f64 (cursor), i32 count + astrocyte records. */
static int load_v2(glia_reader_t *r, glia_session_t **out, glia_error_t *err)
{
    glia_config_t cfg;
    glia_session_t *s = NULL;
    glia_reader_t tail;
    glia_writer_t sect = {0};
    const uint8_t *sensing, *cursor, *astro;
    size_t sensing_len, astro_len;
    const char *why;
    uint32_t seed;
    int rc, id_space, n_astro;

    if ((rc = read_conf_v2(r, &cfg, &seed, err)) != 0)
        return rc;
    if ((rc = build(&cfg, seed, &s, err)) != 0)
        return rc;

    why = get_core(r, s);
    if (why == NULL) {
        rc = GLIA_ENOMEM;
        goto fail;
    }
    if (*why != '\0') {
        rc = bad(err, why);
        goto fail;
    }

    /* Cut the tail into its three parts. */
    tail = *r;
    sensing = tail.buf + tail.pos;
    id_space = glia_get_i32_in(&tail, 0, s->net->id_space);
    glia_get(&tail, (size_t)id_space);
    sensing_len = (size_t)(tail.buf + tail.pos - sensing);
    cursor = glia_get(&tail, 24);
    astro = tail.buf + tail.pos;
    astro_len = tail.len - tail.pos;
    n_astro = glia_get_i32(&tail);
    if (tail.failed || id_space != s->net->id_space || n_astro != s->territories.count) {
        rc = bad(err, "learner state");
        goto fail;
    }

    {
        /* Whatever the learner, format 2 stored every astrocyte record. */
        const size_t rec = 8 + 12 + GLIA_MAX_HISTORY + 24 + 8 * (size_t)s->cfg.task.count;
        if (astro_len != 4 + (size_t)n_astro * rec) {
            rc = bad(err, "learner state");
            goto fail;
        }
    }
    if (s->learner == glia_learner_ops(GLIA_LEARNER_ASTROCYTE)) {
        glia_put(&sect, sensing, sensing_len);
        glia_put(&sect, astro, astro_len);
    } else if (s->learner == glia_learner_ops(GLIA_LEARNER_CURSOR)) {
        glia_put(&sect, cursor, 24);
    }
    if (sect.failed) {
        rc = GLIA_ENOMEM;
        goto fail;
    }
    {
        glia_reader_t lr = {sect.buf, sect.len, 0, 0};
        rc = load_learner(s, &lr, err);
    }
    free(sect.buf);
    sect.buf = NULL;
    if (rc != 0)
        goto fail;
    queries_unknown(s);
    *out = s;
    return 0;

fail:
    free(sect.buf);
    glia_session_free(s);
    return rc;
}

/* The magic, checksum and version of a snapshot; `r` is left at its first section. */
static int open_snapshot(const uint8_t *buf, size_t len, glia_reader_t *r, uint32_t *version,
                         glia_error_t *err)
{
    r->buf = buf;
    r->len = len;
    r->pos = 0;
    r->failed = 0;
    if (len < 8 + 4 + 8 || memcmp(buf, SNAP_MAGIC, 8) != 0)
        return glia_error_set(err, GLIA_EFORMAT, "", "not a glia snapshot");
    r->pos = len - 8;
    if (glia_fnv1a64(buf, len - 8) != glia_get_u64(r))
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot checksum mismatch (corrupt)");
    r->pos = 8;
    r->len = len - 8;
    *version = glia_get_u32(r);
    if (*version > SNAP_VERSION)
        return glia_error_set(err, GLIA_EVERSION, "",
                              "snapshot format version %u is newer than this build reads (%u); "
                              "load it with a newer gliad",
                              *version, SNAP_VERSION);
    if (*version < SNAP_OLDEST)
        return glia_error_set(err, GLIA_EVERSION, "",
                              "snapshot format version %u is older than this build reads (%u..%u)",
                              *version, SNAP_OLDEST, SNAP_VERSION);
    return 0;
}

int glia_snapshot_peek(const uint8_t *buf, size_t len, glia_config_t *cfg, uint32_t *seed,
                       uint64_t *points, glia_error_t *err)
{
    glia_reader_t r, core;
    glia_error_t verr = {0};
    uint32_t version = 0;
    uint64_t n_traj, per_point;
    int rc;

    if ((rc = open_snapshot(buf, len, &r, &version, err)) != 0)
        return rc;
    rc = version == 2 ? read_conf_v2(&r, cfg, seed, err) : read_conf_v3(&r, cfg, seed, err);
    if (rc != 0)
        return rc;
    if (glia_config_validate(cfg, &verr) != 0)
        return glia_error_set(err, GLIA_EINVAL, verr.field, "the snapshot's config: %s",
                              verr.message);
    if (version == 2)
        core = r;
    else if (section(&r, TAG_CORE, &core) != 0)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot has no session section");
    /* CORE: generator (56 bytes), counters (52), the last point (4 + 36 + 8 per pattern),
     * then the number of trajectory points. */
    glia_get(&core, 56 + 52 + 4 + 36 + 8 * (size_t)cfg->task.count);
    n_traj = glia_get_u64(&core);
    if (core.failed)
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot truncated");
    per_point = 36 + 8 * (uint64_t)cfg->task.count;
    *points = n_traj < len / per_point ? n_traj : len / per_point;
    return 0;
}

int glia_session_load(const uint8_t *buf, size_t len, glia_session_t **out, glia_error_t *err)
{
    glia_reader_t r = {buf, len, 0, 0};
    uint32_t version;

    *out = NULL;
    if (len < 8 + 4 + 8 || memcmp(buf, SNAP_MAGIC, 8) != 0)
        return glia_error_set(err, GLIA_EFORMAT, "", "not a glia snapshot");
    r.pos = len - 8;
    if (glia_fnv1a64(buf, len - 8) != glia_get_u64(&r))
        return glia_error_set(err, GLIA_EFORMAT, "", "snapshot checksum mismatch (corrupt)");
    r.pos = 8;
    r.len = len - 8;
    version = glia_get_u32(&r);
    if (version > SNAP_VERSION)
        return glia_error_set(err, GLIA_EVERSION, "",
                              "snapshot format version %u is newer than this build reads (%u); "
                              "load it with a newer gliad",
                              version, SNAP_VERSION);
    if (version < SNAP_OLDEST)
        return glia_error_set(err, GLIA_EVERSION, "",
                              "snapshot format version %u is older than this build reads (%u..%u)",
                              version, SNAP_OLDEST, SNAP_VERSION);
    return version == 2 ? load_v2(&r, out, err) : load_v3(&r, out, err);
}
