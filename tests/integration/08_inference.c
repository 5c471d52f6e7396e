/* 08_inference: what a session computes and is made of: /inference, /astrocytes and
 * /network, on a fresh control session and after a maturity run. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/extra.h"
#include "support/harness.h"

static int is_pattern(const json_t *s, size_t width)
{
    const char *v = json_string_value(s);
    if (v == NULL || strlen(v) != width)
        return 0;
    return strspn(v, "01") == width;
}

Test(inference, fresh_control_session_gives_one_constant_output_for_all_eight_patterns)
{
    glia_daemon_t d;
    json_t *inf, *pats, *astro;

    it_start(&d, NULL);
    it_create(&d, "ctl", "control", 7);
    inf = it_get_json(&d, 200, "/v1/sessions/ctl/inference");
    cr_expect_str_eq(json_string_value(json_object_get(inf, "name")), "ctl");
    cr_expect_eq(json_integer_value(json_object_get(inf, "episode")), 0);
    cr_expect(json_is_true(json_object_get(inf, "constant_output")), "constant_output");
    cr_expect_eq(json_integer_value(json_object_get(inf, "distinct_outputs")), 1);
    cr_expect(json_is_number(json_object_get(inf, "mean_accuracy")), "mean_accuracy");
    pats = json_object_get(inf, "patterns");
    cr_assert_eq(json_array_size(pats), 8);
    {
        const char *first = json_string_value(json_object_get(json_array_get(pats, 0), "output"));
        double sum = 0;
        for (size_t i = 0; i < 8; i++) {
            json_t *p = json_array_get(pats, i);
            char label[8];
            double acc = json_number_value(json_object_get(p, "accuracy"));
            snprintf(label, sizeof(label), "P%zu", i + 1);
            cr_expect_str_eq(json_string_value(json_object_get(p, "label")), label);
            cr_expect(is_pattern(json_object_get(p, "input"), 5), "P%zu input", i + 1);
            cr_expect(is_pattern(json_object_get(p, "target"), 5), "P%zu target", i + 1);
            cr_expect(is_pattern(json_object_get(p, "output"), 5), "P%zu output", i + 1);
            cr_expect(acc >= 0 && acc <= 1, "P%zu accuracy %g", i + 1, acc);
            /* constant: every pattern gets the same output */
            cr_expect_str_eq(json_string_value(json_object_get(p, "output")), first);
            sum += acc;
        }
        cr_expect_float_eq(json_number_value(json_object_get(inf, "mean_accuracy")), sum / 8,
                           1e-12);
    }
    /* the paper's task */
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(pats, 0), "input")), "00000");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(pats, 0), "target")),
                     "10101");
    json_decref(inf);

    /* control has no astrocytes: an empty list, not an error */
    astro = it_get_json(&d, 200, "/v1/sessions/ctl/astrocytes");
    cr_expect(json_is_array(json_object_get(astro, "astrocytes")));
    cr_expect_eq(json_array_size(json_object_get(astro, "astrocytes")), 0);
    json_decref(astro);

    /* unknown sessions */
    json_decref(it_get_json(&d, 404, "/v1/sessions/nope/inference"));
    json_decref(it_get_json(&d, 404, "/v1/sessions/nope/astrocytes"));
    json_decref(it_get_json(&d, 404, "/v1/sessions/nope/network"));
    cr_expect_eq(it_stop(&d), 0);
}

Test(inference, after_a_maturity_run_outputs_match_the_result_and_the_latest_point)
{
    glia_daemon_t d;
    json_t *inf, *res, *sum, *metrics, *last, *outputs;

    it_start(&d, NULL);
    it_create(&d, "mat", "maturity", 11);
    it_run(&d, "mat", 400);
    json_decref(it_wait_state(&d, "mat", "completed", 30));

    inf = it_get_json(&d, 200, "/v1/sessions/mat/inference");
    res = it_result(&d, "mat");
    cr_expect_eq(json_integer_value(json_object_get(inf, "episode")), 400);
    /* /inference is the result's inference (plus name and episode) */
    json_object_del(inf, "name");
    json_object_del(inf, "episode");
    {
        char *a = it_dump(inf), *b = it_dump(json_object_get(res, "inference"));
        cr_expect(json_equal(inf, json_object_get(res, "inference")),
                  "/inference differs from the result's:\n %.400s\n %.400s", a, b);
        free(a);
        free(b);
    }

    /* The latest trajectory point (summary and /metrics) carries the same outputs. */
    sum = it_get_json(&d, 200, "/v1/sessions/mat");
    outputs = json_object_get(json_object_get(sum, "latest_point"), "outputs");
    cr_assert_eq(json_array_size(outputs), 8);
    for (size_t i = 0; i < 8; i++)
        cr_expect_str_eq(json_string_value(json_array_get(outputs, i)),
                         json_string_value(json_object_get(
                             json_array_get(json_object_get(inf, "patterns"), i), "output")),
                         "P%zu", i + 1);
    cr_expect_eq(
        json_is_true(json_object_get(json_object_get(sum, "latest_point"), "constant_output")),
        json_is_true(json_object_get(inf, "constant_output")));
    metrics = it_get_json(&d, 200, "/v1/sessions/mat/metrics");
    last = json_array_get(json_object_get(metrics, "points"),
                          json_array_size(json_object_get(metrics, "points")) - 1);
    cr_expect(json_equal(last, json_object_get(sum, "latest_point")),
              "last /metrics point is the summary's latest_point");
    cr_expect_eq(json_integer_value(json_object_get(last, "episode")), 399);

    json_decref(metrics);
    json_decref(sum);
    json_decref(res);
    json_decref(inf);
    cr_expect_eq(it_stop(&d), 0);
}

Test(inference, astrocytes_after_a_maturity_run)
{
    glia_daemon_t d;
    json_t *body, *list, *net;

    it_start(&d, NULL);
    it_create(&d, "mat", "maturity", 5);
    it_run(&d, "mat", 300);
    json_decref(it_wait_state(&d, "mat", "completed", 30));

    body = it_get_json(&d, 200, "/v1/sessions/mat/astrocytes");
    cr_expect_eq(json_integer_value(json_object_get(body, "episode")), 300);
    list = json_object_get(body, "astrocytes");
    cr_assert_eq(json_array_size(list), 8, "8 astrocytes (4 per cluster, 2 clusters)");
    net = it_get_json(&d, 200, "/v1/sessions/mat/network");
    {
        json_int_t total = 0;
        for (size_t i = 0; i < 8; i++) {
            json_t *a = json_array_get(list, i), *by = json_object_get(a, "activations_by_pattern");
            json_t *terr = json_array_get(json_object_get(net, "territories"), i);
            json_int_t acts = json_integer_value(json_object_get(a, "activations")), s = 0;
            double thr = json_number_value(json_object_get(a, "threshold"));
            double er = json_number_value(json_object_get(a, "exploration_rate"));
            double sr = json_number_value(json_object_get(a, "success_rate"));

            cr_expect_eq(json_integer_value(json_object_get(a, "id")), (json_int_t)i);
            cr_expect(json_is_number(json_object_get(a, "x")) &&
                          json_is_number(json_object_get(a, "y")),
                      "astrocyte %zu has a position", i);
            cr_expect_eq(json_integer_value(json_object_get(a, "cluster")), (json_int_t)(i / 4));
            cr_expect(json_integer_value(json_object_get(a, "territory_neurons")) > 0,
                      "astrocyte %zu territory", i);
            cr_expect(json_integer_value(json_object_get(a, "territory_synapses")) > 0,
                      "astrocyte %zu territory synapses", i);
            cr_expect(thr >= 0.1 && thr <= 0.9, "astrocyte %zu threshold %g in [0.1, 0.9]", i, thr);
            cr_expect(er >= 0 && er <= 1, "astrocyte %zu exploration_rate %g", i, er);
            cr_expect(sr >= 0 && sr <= 1, "astrocyte %zu success_rate %g", i, sr);
            cr_assert_eq(json_array_size(by), 8,
                         "activations_by_pattern has one count per pattern");
            for (size_t p = 0; p < 8; p++)
                s += json_integer_value(json_array_get(by, p));
            cr_expect_eq(s, acts, "astrocyte %zu: activations_by_pattern sums to %lld, not %lld", i,
                         (long long)s, (long long)acts);
            cr_expect(json_integer_value(json_object_get(a, "successes")) <= acts);
            /* /network's territories are the same astrocytes */
            cr_expect_eq(json_integer_value(json_object_get(terr, "neurons")),
                         json_integer_value(json_object_get(a, "territory_neurons")));
            cr_expect_eq(json_integer_value(json_object_get(terr, "synapses")),
                         json_integer_value(json_object_get(a, "territory_synapses")));
            cr_expect(json_equal(json_object_get(terr, "x"), json_object_get(a, "x")));
            total += acts;
        }
        cr_expect(total > 0, "a maturity run activates astrocytes");
    }
    {
        /* /astrocytes is what the result reports */
        json_t *res = it_result(&d, "mat");
        cr_expect(json_equal(json_object_get(res, "astrocytes"), list),
                  "/astrocytes equals the result's astrocytes");
        json_decref(res);
    }
    json_decref(net);
    json_decref(body);
    cr_expect_eq(it_stop(&d), 0);
}

Test(inference, learner_describes_any_learner)
{
    /* GET .../learner: the astrocytes as /astrocytes lists them, the cursor's position
     * inside the network's box, nothing for control. */
    glia_daemon_t d;
    json_t *astro, *learner, *cur, *ctl, *pos;

    it_start(&d, NULL);
    it_create(&d, "mat", "maturity", 5);
    it_create(&d, "cur", "cursor", 5);
    it_create(&d, "ctl", "control", 5);
    it_run(&d, "mat", 50);
    it_run(&d, "cur", 50);
    json_decref(it_wait_state(&d, "mat", "completed", 30));
    json_decref(it_wait_state(&d, "cur", "completed", 30));

    astro = it_get_json(&d, 200, "/v1/sessions/mat/astrocytes");
    learner = it_get_json(&d, 200, "/v1/sessions/mat/learner");
    cr_expect_str_eq(json_string_value(json_object_get(learner, "kind")), "astrocyte");
    cr_expect_eq(json_integer_value(json_object_get(learner, "episode")), 50);
    cr_expect(json_equal(json_object_get(json_object_get(learner, "state"), "astrocytes"),
                         json_object_get(astro, "astrocytes")),
              "the learner's astrocytes are /astrocytes'");

    cur = it_get_json(&d, 200, "/v1/sessions/cur/learner");
    cr_expect_str_eq(json_string_value(json_object_get(cur, "kind")), "cursor");
    pos = json_object_get(json_object_get(json_object_get(cur, "state"), "cursor"), "position");
    cr_assert_eq(json_array_size(pos), 3);
    {
        /* Inside the bounding box of the neurons. */
        json_t *net = it_get_json(&d, 200, "/v1/sessions/cur/network");
        static const char *const axis[3] = {"x", "y", "z"};
        for (int k = 0; k < 3; k++) {
            double v = json_number_value(json_array_get(pos, (size_t)k)), lo = 1e9, hi = -1e9;
            json_t *n;
            size_t i;
            json_array_foreach(json_object_get(net, "neurons"), i, n) {
                double c = json_number_value(json_object_get(n, axis[k]));
                lo = c < lo ? c : lo;
                hi = c > hi ? c : hi;
            }
            cr_expect(v >= lo && v <= hi, "cursor %s %g in [%g, %g]", axis[k], v, lo, hi);
        }
        json_decref(net);
    }
    cr_expect_eq(json_number_value(json_object_get(
                     json_object_get(json_object_get(cur, "state"), "cursor"), "radius")),
                 2.0);

    ctl = it_get_json(&d, 200, "/v1/sessions/ctl/learner");
    cr_expect_str_eq(json_string_value(json_object_get(ctl, "kind")), "control");
    cr_expect_eq(json_object_size(json_object_get(ctl, "state")), 0);
    {
        it_resp_t r = it_get(&d, "/v1/sessions/nope/learner");
        cr_expect_eq(r.status, 404);
        it_resp_free(&r);
    }
    json_decref(astro);
    json_decref(learner);
    json_decref(cur);
    json_decref(ctl);
    cr_expect_eq(it_stop(&d), 0);
}

Test(inference, network_lists_neurons_territories_and_optionally_synapses)
{
    glia_daemon_t d;
    json_t *net, *neurons, *full, *syn;
    int roles[4] = {0}, clusters[2] = {0};
    it_resp_t r;

    it_start(&d, NULL);
    it_create(&d, "ctl", "control", 3);
    net = it_get_json(&d, 200, "/v1/sessions/ctl/network");
    cr_expect_str_eq(json_string_value(json_object_get(net, "name")), "ctl");
    cr_expect_eq(json_integer_value(json_object_get(net, "neurons_count")), 70);
    cr_expect_null(json_object_get(net, "synapses"), "no synapses unless asked");
    neurons = json_object_get(net, "neurons");
    cr_assert_eq(json_array_size(neurons), 70);
    for (size_t i = 0; i < 70; i++) {
        json_t *n = json_array_get(neurons, i);
        const char *type = json_string_value(json_object_get(n, "type"));
        json_int_t cl = json_integer_value(json_object_get(n, "cluster"));
        static const char *const names[] = {"input", "output", "modulatory", "regular"};
        int k;

        cr_expect(json_is_integer(json_object_get(n, "id")), "neuron %zu id", i);
        cr_expect_eq(json_integer_value(json_object_get(n, "position")), (json_int_t)i);
        cr_expect(json_is_number(json_object_get(n, "x")) &&
                      json_is_number(json_object_get(n, "y")) &&
                      json_is_number(json_object_get(n, "z")),
                  "neuron %zu coordinates", i);
        cr_assert_not_null(type, "neuron %zu role", i);
        for (k = 0; k < 4 && strcmp(type, names[k]) != 0; k++)
            ;
        cr_expect(k < 4, "neuron %zu role \"%s\"", i, type);
        if (k < 4)
            roles[k]++;
        cr_expect(cl == 0 || cl == 1, "neuron %zu cluster %lld", i, (long long)cl);
        if (cl == 0 || cl == 1)
            clusters[cl]++;
    }
    /* per cluster: 5 input, 5 output, 2 modulatory, 23 regular */
    cr_expect_eq(roles[0], 10);
    cr_expect_eq(roles[1], 10);
    cr_expect_eq(roles[2], 4);
    cr_expect_eq(roles[3], 46);
    cr_expect_eq(clusters[0], 35);
    cr_expect_eq(clusters[1], 35);
    {
        json_t *terr = json_object_get(net, "territories");
        cr_expect_eq(json_array_size(terr), 8);
        for (size_t i = 0; i < json_array_size(terr); i++) {
            json_t *t = json_array_get(terr, i);
            cr_expect_eq(json_array_size(json_object_get(t, "neuron_ids")),
                         (size_t)json_integer_value(json_object_get(t, "neurons")),
                         "territory %zu lists its neurons", i);
        }
    }

    full = it_get_json(&d, 200, "/v1/sessions/ctl/network?synapses=true");
    syn = json_object_get(full, "synapses");
    cr_assert(json_is_array(syn), "?synapses=true adds synapses");
    cr_expect(json_array_size(syn) > 0);
    cr_expect_eq((json_int_t)json_array_size(syn),
                 json_integer_value(json_object_get(full, "synapses_count")));
    cr_expect_eq(json_integer_value(json_object_get(full, "synapses_count")),
                 json_integer_value(json_object_get(net, "synapses_count")));
    for (size_t k = 0; k < json_array_size(syn); k++) {
        json_t *s = json_array_get(syn, k);
        json_int_t pre = json_integer_value(json_object_get(s, "pre"));
        json_int_t post = json_integer_value(json_object_get(s, "post"));
        if (json_integer_value(json_object_get(s, "id")) != (json_int_t)k || pre < 0 || post < 0 ||
            !json_is_number(json_object_get(s, "weight"))) {
            char *t = it_dump(s);
            cr_expect_fail("synapse %zu malformed: %s", k, t);
            free(t);
            break;
        }
    }
    json_decref(full);

    full = it_get_json(&d, 200, "/v1/sessions/ctl/network?synapses=false");
    cr_expect_null(json_object_get(full, "synapses"));
    json_decref(full);

    r = it_get(&d, "/v1/sessions/ctl/network?synapses=maybe");
    cr_expect_eq(r.status, 400);
    cr_expect_str_eq(r.content_type, "application/problem+json");
    cr_expect_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r.json, "errors"), 0), "parameter")),
                     "synapses");
    it_resp_free(&r);
    it_expect_healthy(&d, "a bad ?synapses");

    json_decref(net);
    cr_expect_eq(it_stop(&d), 0);
}
