/* test_json_write.c: glia's JSON serialiser: shortest round-trip reals, string escapes,
 * compact and pretty layouts, and output that jansson reads back to the same value. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_write.h"
#include "core/rng.h"

static void expect_dump(json_t *j, int flags, const char *want)
{
    size_t len = 0;
    char *got = glia_json_dumps(j, flags, &len);

    cr_assert_not_null(got);
    cr_assert_str_eq(got, want);
    cr_assert_eq(len, strlen(want));
    free(got);
    json_decref(j);
}

static void expect_real(double v, const char *want)
{
    char buf[64];

    glia_json_format_real(v, buf, sizeof(buf));
    cr_assert_str_eq(buf, want, "%.17g printed as %s, want %s", v, buf, want);
    if (isfinite(v))
        expect_dump(json_real(v), GLIA_JSON_COMPACT, want);
}

Test(json_write, reals_print_in_their_shortest_form)
{
    expect_real(0.1, "0.1");
    expect_real(0.5199999999999999, "0.5199999999999999");
    expect_real(0.1 + 0.2, "0.30000000000000004");
    expect_real(1.0 / 3.0, "0.3333333333333333");
    expect_real(2.0, "2");
    expect_real(-1.5, "-1.5");
    expect_real(0.6299999999999998, "0.6299999999999998");
    expect_real(123456789.0, "123456789");
    expect_real(1e-7, "1e-07");
    expect_real(1e21, "1e+21");
    expect_real(-0.0, "-0");
    expect_real(DBL_MAX, "1.7976931348623157e+308");
    expect_real(DBL_MIN, "2.2250738585072014e-308");
    expect_real(9007199254740993.0, "9007199254740992"); /* 2^53 + 1 is 2^53 */
}

Test(json_write, subnormal_reals_are_shortest_too)
{
    expect_real(5e-324, "5e-324"); /* the smallest double */
    expect_real(-1e-310, "-1e-310");
    expect_real(2.5e-320, "2.5e-320");
}

Test(json_write, non_finite_reals_are_null)
{
    expect_real(NAN, "null");
    expect_real(INFINITY, "null");
    expect_real(-INFINITY, "null");
}

/* Significant digits of a printed number: mantissa digits without leading/trailing 0s. */
static int significant_digits(const char *s)
{
    char d[64];
    int n = 0, lo = 0;

    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            d[n++] = *s;
    while (lo < n && d[lo] == '0')
        lo++;
    while (n > lo && d[n - 1] == '0')
        n--;
    return n - lo;
}

Test(json_write, random_reals_round_trip_with_the_fewest_digits)
{
    glia_rng_t r;
    int subnormals = 0;

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 11);
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = r.x[0];
        double v;
        char got[64], tmp[64];
        int p_min = 17;
        glia_rng_next(&r);
        if (i % 4 == 1)
            bits &= 0x800fffffffffffffULL; /* force a subnormal now and then */
        else if (i % 4 == 2)
            bits = (bits & 0x800fffffffffffffULL) | (uint64_t)(1023 + i % 40 - 20) << 52;
        memcpy(&v, &bits, sizeof(v));
        if (!isfinite(v))
            continue;
        subnormals += v != 0 && fabs(v) < DBL_MIN;
        glia_json_format_real(v, got, sizeof(got));
        cr_assert_eq(strtod(got, NULL), v, "%s does not read back as %.17g", got, v);
        for (int p = 1; p <= 17; p++) {
            snprintf(tmp, sizeof(tmp), "%.*g", p, v);
            if (strtod(tmp, NULL) == v) {
                p_min = p;
                break;
            }
        }
        cr_assert_eq(significant_digits(got), p_min, "%.17g printed as %s; %d digits suffice", v,
                     got, p_min);
    }
    cr_assert(subnormals > 1000);
}

Test(json_write, strings_are_escaped)
{
    expect_dump(json_string("say \"hi\""), GLIA_JSON_COMPACT, "\"say \\\"hi\\\"\"");
    expect_dump(json_string("C:\\dir"), GLIA_JSON_COMPACT, "\"C:\\\\dir\"");
    expect_dump(json_string("a\nb\rc\td"), GLIA_JSON_COMPACT, "\"a\\nb\\rc\\td\"");
    expect_dump(json_string("\x01\x1f\b\f"), GLIA_JSON_COMPACT, "\"\\u0001\\u001f\\u0008\\u000c\"");
    expect_dump(json_stringn("a\0b", 3), GLIA_JSON_COMPACT, "\"a\\u0000b\"");
    expect_dump(json_string("caf\xc3\xa9 / \x7f"), GLIA_JSON_COMPACT, "\"caf\xc3\xa9 / \x7f\"");
    expect_dump(json_string(""), GLIA_JSON_COMPACT, "\"\"");
    expect_dump(json_pack("{s:i}", "k\"\\\n", 1), GLIA_JSON_COMPACT, "{\"k\\\"\\\\\\n\":1}");
}

Test(json_write, scalars_at_the_top_level)
{
    expect_dump(json_integer(-9223372036854775807LL - 1), GLIA_JSON_COMPACT,
                "-9223372036854775808");
    expect_dump(json_integer(42), GLIA_JSON_PRETTY, "42");
    expect_dump(json_true(), GLIA_JSON_COMPACT, "true");
    expect_dump(json_false(), GLIA_JSON_COMPACT, "false");
    expect_dump(json_null(), GLIA_JSON_COMPACT, "null");
}

static json_t *sample(void)
{
    return json_pack("{s:i, s:[f, f, s], s:{}, s:[], s:{s:b, s:n}}", "episodes", 500, "values", 0.1,
                     2.0, "x", "empty", "none", "flags", "kept", 1, "gone");
}

Test(json_write, compact_layout)
{
    expect_dump(sample(), GLIA_JSON_COMPACT,
                "{\"episodes\":500,\"values\":[0.1,2,\"x\"],\"empty\":{},\"none\":[],"
                "\"flags\":{\"kept\":true,\"gone\":null}}");
}

Test(json_write, pretty_layout)
{
    expect_dump(sample(), GLIA_JSON_PRETTY,
                "{\n"
                "  \"episodes\": 500,\n"
                "  \"values\": [\n"
                "    0.1,\n"
                "    2,\n"
                "    \"x\"\n"
                "  ],\n"
                "  \"empty\": {},\n"
                "  \"none\": [],\n"
                "  \"flags\": {\n"
                "    \"kept\": true,\n"
                "    \"gone\": null\n"
                "  }\n"
                "}");
}

/* Equal as JSON values; numbers by value, since 2.0 is printed (and read back) as 2. */
static int same_value(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return 0;
    if (json_is_object(a)) {
        const char *k;
        json_t *v;
        if (json_object_size(a) != json_object_size(b))
            return 0;
        json_object_foreach((json_t *)a, k, v)
        {
            json_t *w = json_object_get(b, k);
            if (w == NULL || !same_value(v, w))
                return 0;
        }
        return 1;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same_value(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    }
    return json_equal((json_t *)a, (json_t *)b);
}

Test(json_write, output_parses_back_to_an_equal_value)
{
    glia_rng_t r;
    json_t *doc = json_object(), *reals = json_array(), *strings = json_array();
    static const char *const keys[] = {"plain",          "with \"quotes\"", "back\\slash",
                                       "tab\tnew\nline", "\x01\x02\x1f",    "\xe2\x82\xac euro",
                                       "/slash"};

    glia_rng_seed(&r, GLIA_RNG_XOSHIRO256SS, 3);
    for (int i = 0; i < 2000; i++) {
        double v = (glia_rng_next(&r) - 0.5) * pow(10.0, (int)(glia_rng_next(&r) * 40) - 20);
        json_array_append_new(reals, json_real(v));
    }
    json_array_append_new(reals, json_real(5e-324));
    json_array_append_new(reals, json_real(-0.0));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_array_append_new(strings, json_string(keys[i]));
        json_object_set_new(doc, keys[i], json_integer((json_int_t)i - 3));
    }
    json_array_append_new(strings, json_stringn("nul\0inside", 10));
    json_object_set_new(doc, "reals", reals);
    json_object_set_new(doc, "strings", strings);
    json_object_set_new(doc, "nested", json_pack("[[[{}]], {s:[true, false, null]}]", "a"));

    for (int flags = GLIA_JSON_COMPACT; flags <= GLIA_JSON_PRETTY; flags++) {
        json_error_t jerr;
        char *text = glia_json_dumps(doc, flags, NULL);
        json_t *back;
        cr_assert_not_null(text);
        back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
        cr_assert_not_null(back, "flags %d: %s at %d", flags, jerr.text, jerr.position);
        cr_assert(same_value(doc, back), "flags %d: the value changed", flags);
        for (size_t i = 0; i < json_array_size(reals); i++) {
            double want = json_real_value(json_array_get(reals, i));
            double got = json_number_value(json_array_get(json_object_get(back, "reals"), i));
            cr_assert_eq(got, want, "real %zu: %.17g read back as %.17g", i, want, got);
        }
        json_decref(back);
        free(text);
    }
    json_decref(doc);
}
