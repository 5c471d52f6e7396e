/* result_json.c: results, inference, trajectory, astrocytes, steps and the network as
 * JSON, with the reference fixtures' field names. */
#include "api/result_json.h"

#include <inttypes.h>
#include <string.h>

#include "api/config_json.h"
#include "api/emit_json.h"

const char *glia_role_name(int role)
{
    static const char *const names[] = {"input", "output", "modulatory", "regular", "bias"};
    return role >= 0 && role <= GLIA_ROLE_BIAS ? names[role] : "unknown";
}

static json_t *pattern_string(uint64_t bits, int width)
{
    char s[GLIA_MAX_WIDTH + 1];
    glia_pattern_format(bits, width, s);
    return json_string(s);
}

json_t *glia_outputs_to_json(const glia_inference_t *inf)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < inf->count; i++) {
        if (json_array_append_new(a, pattern_string(inf->outputs[i], inf->width)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *glia_inference_to_json(const glia_session_t *s, const glia_inference_t *inf)
{
    const glia_config_t *cfg = glia_session_config(s);
    json_t *pats = json_array();

    if (pats == NULL)
        return NULL;
    for (int i = 0; i < inf->count; i++) {
        char label[16];
        snprintf(label, sizeof(label), "P%d", i + 1);
        if (json_array_append_new(
                pats, json_pack("{s:s, s:o, s:o, s:o, s:f}", "label", label, "input",
                                pattern_string(cfg->task.patterns[i].input, cfg->task.input_width),
                                "target",
                                pattern_string(cfg->task.patterns[i].target,
                                               cfg->task.target_width),
                                "output", pattern_string(inf->outputs[i], inf->width),
                                "accuracy", inf->accuracy[i])) != 0) {
            json_decref(pats);
            return NULL;
        }
    }
    {
        const uint64_t mask = inf->width >= 64 ? ~0ULL : (1ULL << inf->width) - 1;
        int exact = 0;
        for (int i = 0; i < inf->count; i++)
            exact += (inf->outputs[i] & mask) == (cfg->task.patterns[i].target & mask);
        return json_pack("{s:f, s:i, s:b, s:i, s:o}", "mean_accuracy", inf->mean_accuracy,
                         "distinct_outputs", inf->distinct_outputs, "constant_output",
                         inf->constant_output, "exact_matches", exact, "patterns", pats);
    }
}

json_t *glia_point_to_json(const glia_session_t *s, const glia_point_t *p,
                           const uint64_t *outputs)
{
    json_t *o = json_pack("{s:I, s:f, s:f, s:f, s:i, s:b}", "episode", (json_int_t)p->episode,
                          "avg_reward", p->avg_reward, "accept_rate", p->accept_rate, "accuracy",
                          p->accuracy, "distinct_outputs", p->distinct_outputs,
                          "constant_output", p->distinct_outputs == 1);
    if (o != NULL)
        json_object_set_new(o, "reward_queries", glia_queries_to_json(p->reward_queries));
    if (o != NULL && glia_session_config(s)->training.diagnostics_interval > 0) {
        /* credit-assignment diagnostics (core/diagnostics.h): only when asked for */
        json_object_set_new(o, "grad_cosine",
                            p->grad_cosine_n > 0 ? json_real(p->grad_cosine) : json_null());
        json_object_set_new(o, "grad_cosine_n", json_integer((json_int_t)p->grad_cosine_n));
    }
    if (o != NULL && outputs != NULL) {
        const glia_config_t *cfg = glia_session_config(s);
        json_t *a = json_array();
        for (int i = 0; a != NULL && i < cfg->task.count; i++)
            json_array_append_new(a, pattern_string(outputs[i], cfg->task.target_width));
        json_object_set_new(o, "outputs", a);
    }
    return o;
}

json_t *glia_trajectory_to_json(glia_session_t *s)
{
    size_t n;
    const glia_point_t *pts = glia_session_trajectory(s, &n);
    glia_point_t last;
    json_t *a = json_array();

    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(a, glia_point_to_json(s, &pts[i],
                                                        glia_session_point_outputs(s, i))) != 0)
            goto fail;
    }
    if (glia_session_last_point(s, &last) == 0 && (n == 0 || pts[n - 1].episode != last.episode)) {
        if (json_array_append_new(a, glia_point_to_json(s, &last,
                                                        glia_session_last_outputs(s))) != 0)
            goto fail;
    }
    return a;
fail:
    json_decref(a);
    return NULL;
}

json_t *glia_learner_to_json(const glia_session_t *s, int view)
{
    json_t *o = json_object();
    glia_emit_json_t ej;

    glia_emit_json_init(&ej, o);
    glia_session_describe(s, view, &ej.emit);
    if (glia_emit_json_status(&ej) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *glia_astrocytes_to_json(const glia_session_t *s)
{
    json_t *o = glia_learner_to_json(s, GLIA_VIEW_STATE), *a;

    if (o == NULL)
        return NULL;
    a = json_object_get(o, "astrocytes");
    a = a != NULL ? json_incref(a) : json_null();
    json_decref(o);
    return a;
}

static json_t *neuron_json(const glia_net_t *net, int j)
{
    glia_neuron_info_t nf;
    glia_net_neuron(net, j, &nf);
    return json_pack("{s:i, s:i, s:s, s:i, s:f, s:f, s:f, s:f}", "id", nf.id, "position",
                     nf.position, "type", glia_role_name(nf.role), "cluster", nf.cluster, "x",
                     nf.x, "y", nf.y, "z", nf.z, "threshold", nf.threshold);
}

static json_t *synapse_json(const glia_net_t *net, int k, double w)
{
    int pre, post;
    double cur;
    glia_net_synapse(net, k, &pre, &post, &cur);
    return json_pack("{s:i, s:i, s:f}", "pre", pre, "post", post, "weight", w);
}

static json_t *territories_json(const glia_session_t *s, int with_ids)
{
    const glia_territories_t *ts = glia_session_territories(s);
    json_t *a = json_array();

    for (int i = 0; a != NULL && i < ts->count; i++) {
        const glia_territory_t *t = &ts->t[i];
        json_t *o = json_pack("{s:i, s:i, s:f, s:f, s:i, s:i}", "id", i, "cluster", t->cluster,
                              "x", t->x, "y", t->y, "neurons", t->n_ids, "synapses", t->n_syn);
        if (o != NULL && with_ids) {
            json_t *ids = json_array();
            for (int k = 0; ids != NULL && k < t->n_ids; k++)
                json_array_append_new(ids, json_integer(t->ids[k]));
            json_object_set_new(o, "neuron_ids", ids);
        }
        if (json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *hash_string(uint64_t h)
{
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, h);
    return json_string(hex);
}

/* Network facts with the phase 1a harness's names: roles, the task's neurons and
 * fingerprints (FNV-1a 64 over little-endian doubles, glia_hash_f64). */
static int network_facts(const glia_session_t *s, json_t *o)
{
    const glia_net_t *net = glia_session_net(s);
    const int n = glia_net_neuron_count(net);
    int by_role[4] = {0};
    json_t *in = json_array(), *out = json_array(), *mod = json_array();
    glia_net_hashes_t h;
    int rc = 0;

    for (int j = 0; j < n; j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        by_role[nf.role]++;
        if (nf.role == GLIA_ROLE_MODULATORY)
            rc |= json_array_append_new(mod, json_integer(j));
    }
    for (int i = 0; i < glia_net_input_count(net); i++)
        rc |= json_array_append_new(in, json_integer(glia_net_input_position(net, i)));
    for (int i = 0; i < glia_net_output_count(net); i++)
        rc |= json_array_append_new(out, json_integer(glia_net_output_position(net, i)));
    glia_net_hashes(net, &h);
    rc |= json_object_set_new(o, "by_type",
                              json_pack("{s:i, s:i, s:i, s:i}", "input", by_role[GLIA_ROLE_INPUT],
                                        "output", by_role[GLIA_ROLE_OUTPUT], "modulatory",
                                        by_role[GLIA_ROLE_MODULATORY], "regular",
                                        by_role[GLIA_ROLE_REGULAR]));
    rc |= json_object_set_new(o, "input_index", in);
    rc |= json_object_set_new(o, "output_index", out);
    rc |= json_object_set_new(o, "modulatory_index", mod);
    rc |= json_object_set_new(o, "positions_fnv1a64", hash_string(h.positions));
    rc |= json_object_set_new(o, "synapse_pairs_fnv1a64", hash_string(h.pairs));
    rc |= json_object_set_new(
        o, "weights_fnv1a64",
        hash_string(glia_hash_f64(glia_session_initial_weights(s),
                                  (size_t)glia_net_synapse_count(net))));
    if (glia_session_build_draws(s) >= 0)
        rc |= json_object_set_new(o, "rng_draws", json_integer(glia_session_build_draws(s)));
    return rc;
}

/* The network after training: sums, fingerprints, the first weights, the outputs'
 * thresholds. */
static json_t *final_json(const glia_session_t *s)
{
    const glia_net_t *net = glia_session_net(s);
    const double *w = glia_net_weights((glia_net_t *)net);
    json_t *head = json_array(), *outs = json_array();
    glia_net_hashes_t h;
    double tsum = 0.0;

    for (int k = 0; head != NULL && k < 8 && k < glia_net_synapse_count(net); k++)
        json_array_append_new(head, json_real(w[k]));
    for (int j = 0; j < glia_net_neuron_count(net); j++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, j, &nf);
        tsum += nf.threshold;
    }
    for (int i = 0; outs != NULL && i < glia_net_output_count(net); i++) {
        glia_neuron_info_t nf;
        glia_net_neuron(net, glia_net_output_position(net, i), &nf);
        json_array_append_new(outs, json_real(nf.threshold));
    }
    glia_net_hashes(net, &h);
    return json_pack("{s:f, s:f, s:o, s:o, s:o, s:f, s:o}", "weight_sum",
                     glia_net_weight_sum(net), "mean_abs_weight", glia_net_mean_abs_weight(net),
                     "weights_fnv1a64", hash_string(h.weights), "weights_head", head,
                     "thresholds_fnv1a64", hash_string(h.thresholds), "threshold_sum", tsum,
                     "output_thresholds", outs);
}

static json_t *initial_json(const glia_session_t *s)
{
    const glia_net_t *net = glia_session_net(s);
    const int nsyn = glia_net_synapse_count(net);
    json_t *first_n = json_array(), *first_s = json_array(), *last = json_null();

    for (int j = 0; j < 3 && j < glia_net_neuron_count(net); j++)
        json_array_append_new(first_n, neuron_json(net, j));
    for (int k = 0; k < 5 && k < nsyn; k++)
        json_array_append_new(first_s, synapse_json(net, k, glia_session_initial_weight(s, k)));
    if (nsyn > 0) {
        json_decref(last);
        last = synapse_json(net, nsyn - 1, glia_session_initial_weight(s, nsyn - 1));
    }
    {
        json_t *o = json_pack("{s:i, s:i, s:o, s:o, s:o, s:f, s:f, s:o}", "neurons",
                              glia_net_neuron_count(net), "synapses", nsyn, "first_neurons",
                              first_n, "first_synapses", first_s, "last_synapse", last,
                              "weight_sum", glia_session_initial_weight_sum(s), "mean_abs_weight",
                              glia_session_initial_mean_abs_weight(s), "territories",
                              territories_json(s, 0));
        if (o != NULL && network_facts(s, o) != 0) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
}

json_t *glia_result_to_json(glia_session_t *s, const char *condition, int with_config)
{
    const glia_config_t *cfg = glia_session_config(s);
    const glia_net_t *net = glia_session_net(s);
    glia_counters_t c;
    glia_inference_t inf;
    json_t *firstw = json_array(), *o;

    glia_session_counters(s, &c);
    glia_session_inference(s, &inf);
    {
        double *w = glia_net_weights((glia_net_t *)net);
        for (int k = 0; k < 8 && k < glia_net_synapse_count(net); k++)
            json_array_append_new(firstw, json_real(w[k]));
    }
    o = json_pack("{s:I, s:s, s:I, s:i, s:I, s:o, s:I, s:I, s:f, s:f, s:f, s:o, s:o, s:o, s:o}",
                  "seed", (json_int_t)glia_session_seed(s), "condition",
                  condition ? condition : "custom", "episodes", (json_int_t)c.episodes,
                  "steps_per_episode", cfg->training.steps_per_episode, "steps",
                  (json_int_t)c.steps, "initial", initial_json(s), "accepted",
                  (json_int_t)c.accepted, "rejected", (json_int_t)c.rejected,
                  "mean_abs_weight_start", glia_session_initial_mean_abs_weight(s),
                  "mean_abs_weight_end", glia_net_mean_abs_weight(net), "final_weight_sum",
                  glia_net_weight_sum(net), "final_first_weights", firstw, "inference",
                  glia_inference_to_json(s, &inf), "trajectory", glia_trajectory_to_json(s),
                  "astrocytes", json_null());
    if (o != NULL && json_object_set_new(o, "final", final_json(s)) != 0) {
        json_decref(o);
        return NULL;
    }
    if (o != NULL) {
        /* The learner's own members ("astrocytes" for the astrocyte learner; "counters"
         * and more of "initial" and "final" for neuromod), merged into the objects. */
        json_t *learner = glia_learner_to_json(s, GLIA_VIEW_RESULT);
        if (learner == NULL || json_object_update_recursive(o, learner) != 0) {
            json_decref(learner);
            json_decref(o);
            return NULL;
        }
        json_decref(learner);
        json_object_set_new(o, "rng",
                            json_string(glia_rng_stream_name(cfg->rng, cfg->rng_version)));
        json_object_set_new(o, "reward_queries", glia_queries_to_json(c.reward_queries));
        if (with_config)
            json_object_set_new(o, "config", glia_config_to_json(cfg));
    }
    return o;
}

json_t *glia_step_to_json(const glia_session_t *s, const glia_step_info_t *st)
{
    const glia_config_t *cfg = glia_session_config(s);
    json_t *active = json_array();
    char label[16];

    for (int i = 0; active != NULL && i < st->n_active; i++)
        json_array_append_new(active, json_integer(st->active[i]));
    if (st->pattern < 0 && st->scored == 0) /* control: the step changes nothing */
        return json_pack("{s:I, s:I, s:n, s:b, s:o}", "step", (json_int_t)st->step, "episode",
                         (json_int_t)st->episode, "pattern", "decided", 0, "active_astrocytes",
                         active);
    if (st->pattern < 0) /* a reward over several patterns (training.reward_scope) */
        return json_pack("{s:I, s:I, s:n, s:i, s:f, s:f, s:f, s:b, s:b, s:i, s:o}", "step",
                         (json_int_t)st->step, "episode", (json_int_t)st->episode, "pattern",
                         "patterns_scored", st->scored, "reward", st->reward, "base_soft_reward",
                         st->base_soft, "after_soft_reward", st->after_soft, "decided", st->decided,
                         "kept", st->kept, "eligible_synapses", st->n_eligible, "active_astrocytes",
                         active);
    snprintf(label, sizeof(label), "P%d", st->pattern + 1);
    return json_pack(
        "{s:I, s:I, s:i, s:s, s:o, s:o, s:o, s:f, s:f, s:f, s:b, s:b, s:i, s:o}", "step",
        (json_int_t)st->step, "episode", (json_int_t)st->episode, "pattern", st->pattern,
        "label", label, "input",
        pattern_string(cfg->task.patterns[st->pattern].input, cfg->task.input_width), "target",
        pattern_string(st->target, cfg->task.target_width), "output",
        pattern_string(st->output, cfg->task.target_width), "reward", st->reward,
        "base_soft_reward", st->base_soft, "after_soft_reward", st->after_soft, "decided",
        st->decided, "kept", st->kept, "eligible_synapses", st->n_eligible, "active_astrocytes",
        active);
}

json_t *glia_network_to_json(const glia_session_t *s, int with_synapses)
{
    const glia_net_t *net = glia_session_net(s);
    json_t *neurons = json_array(), *o;

    for (int j = 0; neurons != NULL && j < glia_net_neuron_count(net); j++)
        json_array_append_new(neurons, neuron_json(net, j));
    o = json_pack("{s:i, s:i, s:i, s:o, s:o}", "neurons_count", glia_net_neuron_count(net),
                  "synapses_count", glia_net_synapse_count(net), "id_space",
                  glia_net_id_space(net), "neurons", neurons, "territories",
                  territories_json(s, 1));
    if (o != NULL && with_synapses) {
        int64_t next;
        json_object_set_new(o, "synapses", glia_synapses_to_json(s, -1, INT32_MAX, &next));
    }
    return o;
}

json_t *glia_synapses_to_json(const glia_session_t *s, int64_t after, int64_t limit,
                              int64_t *next_after)
{
    const glia_net_t *net = glia_session_net(s);
    const int64_t n = glia_net_synapse_count(net);
    json_t *syn = json_array();
    int64_t k = after < 0 ? 0 : after + 1;

    *next_after = -1;
    for (; syn != NULL && k < n && limit-- > 0; k++) {
        int pre, post;
        double w;
        glia_net_synapse(net, (int)k, &pre, &post, &w);
        if (json_array_append_new(syn, json_pack("{s:I, s:i, s:i, s:f}", "id", (json_int_t)k,
                                                 "pre", pre, "post", post, "weight", w)) != 0) {
            json_decref(syn);
            return NULL;
        }
    }
    if (syn != NULL && k < n && k > 0)
        *next_after = k - 1;
    return syn;
}

json_t *glia_queries_to_json(uint64_t queries)
{
    return queries == GLIA_QUERIES_UNKNOWN ? json_null() : json_integer((json_int_t)queries);
}
