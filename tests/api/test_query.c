/* test_query.c: query parameter values as the handlers read them (api/requests.c). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "api/requests.h"

/* Found by tests/fuzz (requests harness): strtoll also takes leading white space and a
 * '+', so ?limit=%2010 (" 10") and ?limit=+5 were accepted. A number is digits, with a
 * '-' in front only. */
Test(query, a_number_is_digits_only)
{
    static const char *const refused[] = {
        " 10",
        "+5",
        "10 ",
        "\t1",
        "\n1",
        "",
        "-",
        "- 1",
        "--1",
        "+-1",
        "0x10",
        "1e3",
        "1.0",
        "99999999999999999999",
        "-99999999999999999999",
        "1%00",
        NULL,
    };
    static const struct {
        const char *text;
        int64_t value;
    } accepted[] = {
        {"10", 10}, {"007", 7}, {"-1", -1}, {"0", 0}, {"-0", 0}, {"9223372036854775807", INT64_MAX},
    };

    for (int i = 0; refused[i] != NULL; i++) {
        glia_error_t err;
        int64_t v = 42;
        glia_error_clear(&err);
        cr_assert_eq(glia_query_int("limit", refused[i], -1, INT64_MAX, &v, &err), GLIA_EINVAL,
                     "\"%s\" accepted", refused[i]);
        cr_assert_str_eq(err.field, "?limit");
        cr_assert(strstr(err.message, "limit") != NULL, "%s", err.message);
        cr_assert_eq(v, 42, "\"%s\": refused but written", refused[i]);
    }
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        int64_t v = 42;
        cr_assert_eq(glia_query_int("after", accepted[i].text, -1, INT64_MAX, &v, NULL), 0,
                     "\"%s\" refused", accepted[i].text);
        cr_assert_eq(v, accepted[i].value, "\"%s\" read as %lld", accepted[i].text, (long long)v);
    }
}

Test(query, a_number_outside_the_range_names_it)
{
    glia_error_t err;
    int64_t v = 42;

    glia_error_clear(&err);
    cr_assert_eq(glia_query_int("limit", "1001", 1, 1000, &v, &err), GLIA_EINVAL);
    cr_assert_str_eq(err.field, "?limit");
    cr_assert(strstr(err.message, "[1, 1000]") != NULL, "%s", err.message);
    cr_assert_eq(glia_query_int("limit", "-1", 1, 1000, &v, NULL), GLIA_EINVAL);
    cr_assert_eq(v, 42);
}
