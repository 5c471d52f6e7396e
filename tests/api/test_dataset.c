/* test_dataset: the dataset parsers (api/dataset.c) on bytes in memory: CSV with and
 * without a header, quoted cells, word labels, scikit-learn's CSV, IDX; errors with their
 * line, column or offset; bounds; the canonical content round trip. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/dataset.h"

static glia_dataset_t *parse(const char *text, int format, int header, const char *label, int want)
{
    glia_dataset_options_t o = {format, header, label, NULL, NULL};
    glia_dataset_t *ds = NULL;
    glia_error_t err;
    int rc;

    glia_error_clear(&err);
    rc = glia_dataset_parse((const uint8_t *)text, strlen(text), &o, &ds, &err, NULL);
    cr_assert_eq(rc, want, "%s: rc %d (%s)", text, rc, err.message);
    return ds;
}

Test(dataset, csv_header_is_detected_and_the_label_is_last)
{
    glia_dataset_t *ds = parse("a,b,y\n1,2,0\n3,4,1\n", GLIA_DATASET_CSV, -1, NULL, 0);
    cr_expect_eq(ds->samples, 2);
    cr_expect_eq(ds->features, 2);
    cr_expect_eq(ds->classes, 2);
    cr_expect(ds->is_u8);
    cr_expect_eq(ds->x8[3], 4);
    cr_expect_str_eq(ds->feature_names[1], "b");
    glia_dataset_free(ds);
    ds = parse("1,2,0\r\n3,4,1\r\n\r\n", GLIA_DATASET_CSV, -1, NULL, 0);
    cr_expect_eq(ds->samples, 2, "CRLF and a blank last line");
    cr_expect_null(ds->feature_names);
    glia_dataset_free(ds);
}

Test(dataset, quoted_cells_and_word_labels)
{
    glia_dataset_t *ds =
        parse("\"x, y\",label\n\"1.5\",cat\n2,dog\n-3,cat\n", GLIA_DATASET_CSV, -1, NULL, 0);
    cr_expect_eq(ds->samples, 3);
    cr_expect_eq(ds->features, 1);
    cr_expect_str_eq(ds->feature_names[0], "x, y");
    cr_expect_eq(ds->classes, 2);
    cr_expect_str_eq(ds->class_names[0], "cat");
    cr_expect_str_eq(ds->class_names[1], "dog");
    cr_expect_eq(ds->labels[1], 1);
    cr_expect_eq(ds->labels[2], 0);
    cr_expect(!ds->is_u8);
    cr_expect_float_eq(ds->xf[0], 1.5f, 1e-9);
    cr_expect_eq(ds->fmin[0], -3);
    glia_dataset_free(ds);
}

Test(dataset, the_label_by_name_or_index)
{
    glia_dataset_t *ds = parse("y,a\n1,5\n0,6\n", GLIA_DATASET_CSV, -1, "y", 0);
    cr_expect_eq(ds->labels[0], 1);
    cr_expect_eq(ds->x8[1], 6);
    glia_dataset_free(ds);
    ds = parse("1,5\n0,6\n", GLIA_DATASET_CSV, 0, "0", 0);
    cr_expect_eq(ds->labels[0], 1);
    glia_dataset_free(ds);
    parse("y,a\n1,5\n", GLIA_DATASET_CSV, -1, "z", GLIA_EINVAL);
    parse("1,5\n", GLIA_DATASET_CSV, 0, "2", GLIA_EINVAL);
}

Test(dataset, errors_say_where)
{
    glia_dataset_options_t o = {GLIA_DATASET_CSV, -1, NULL, NULL, NULL};
    glia_dataset_where_t w;
    glia_dataset_t *ds;
    glia_error_t err;
    const char *t = "a,b\n1,0\nzz,1\n";

    glia_error_clear(&err);
    cr_expect_eq(glia_dataset_parse((const uint8_t *)t, strlen(t), &o, &ds, &err, &w),
                 GLIA_EFORMAT);
    cr_expect_eq(w.row, 3);
    cr_expect_eq(w.column, 1);
    cr_expect_str_eq(err.message, "line 3, column 1: \"zz\" is not a number");
    t = "1,0\n2,3,1\n";
    glia_error_clear(&err);
    cr_expect_eq(glia_dataset_parse((const uint8_t *)t, strlen(t), &o, &ds, &err, &w),
                 GLIA_EFORMAT);
    cr_expect_eq(w.row, 2);
    t = "1,0\n\"2,1\n";
    cr_expect_eq(glia_dataset_parse((const uint8_t *)t, strlen(t), &o, &ds, &err, &w), GLIA_EFORMAT,
                 "an unclosed quote");
    parse("nan,0\n", GLIA_DATASET_CSV, 0, NULL, GLIA_EFORMAT);
    parse("1,-1\n", GLIA_DATASET_CSV, 0, NULL, GLIA_ERANGE);
    parse("5\n6\n", GLIA_DATASET_CSV, 0, NULL, GLIA_EINVAL);
}

Test(dataset, bounds_are_checked_before_allocating)
{
    static char row[5 * 4200];
    size_t k = 0;
    for (int i = 0; i < 4097; i++)
        k += (size_t)snprintf(row + k, sizeof(row) - k, "1,");
    snprintf(row + k, sizeof(row) - k, "0\n");
    parse(row, GLIA_DATASET_CSV, 0, NULL, GLIA_ERANGE);
}

Test(dataset, sklearn_first_line_names_the_classes)
{
    glia_dataset_t *ds = parse("3,2,setosa,versicolor\n5.1,3.5,0\n4.9,3,1\n4.7,3.2,0\n",
                               GLIA_DATASET_SKLEARN, -1, NULL, 0);
    cr_expect_eq(ds->samples, 3);
    cr_expect_eq(ds->features, 2);
    cr_expect_eq(ds->classes, 2);
    cr_expect_str_eq(ds->class_names[1], "versicolor");
    glia_dataset_free(ds);
    parse("4,2,a,b\n5.1,3.5,0\n", GLIA_DATASET_SKLEARN, -1, NULL, GLIA_EFORMAT);
    parse("1,2,a,b\n5.1,3.5,2\n", GLIA_DATASET_SKLEARN, -1, NULL, GLIA_ERANGE);
}

Test(dataset, idx_pairs_and_bad_magic)
{
    const uint8_t b[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2,
                         3, 4, 5, 6, 0, 0, 8, 1, 0, 0, 0, 2, 7, 1};
    glia_dataset_options_t o = {GLIA_DATASET_IDX, -1, NULL, NULL, NULL};
    glia_dataset_where_t w;
    glia_dataset_t *ds;
    glia_error_t err;
    uint8_t bad[sizeof(b)];

    glia_error_clear(&err);
    cr_assert_eq(glia_dataset_parse(b, sizeof(b), &o, &ds, &err, &w), 0, "%s", err.message);
    cr_expect_eq(ds->samples, 2);
    cr_expect_eq(ds->features, 3);
    cr_expect_eq(ds->classes, 8);
    cr_expect_eq(ds->x8[5], 6);
    cr_expect_eq(ds->labels[0], 7);
    glia_dataset_free(ds);
    cr_expect_eq(glia_dataset_parse(b, sizeof(b) - 1, &o, &ds, &err, &w), GLIA_EFORMAT,
                 "truncated labels");
    memcpy(bad, b, sizeof(b));
    bad[18] = 0x42;
    glia_error_clear(&err);
    cr_expect_eq(glia_dataset_parse(bad, sizeof(bad), &o, &ds, &err, &w), GLIA_EFORMAT);
    cr_expect_eq(w.offset, 18);
    cr_expect(strstr(err.message, "bad IDX magic 42 00 08 01"), "%s", err.message);
}

Test(dataset, the_canonical_content_round_trips)
{
    glia_dataset_t *ds = parse("0.5,2,1\n-1,3,0\n", GLIA_DATASET_CSV, 0, NULL, 0), *back, *none;
    uint8_t *blob;
    size_t len;

    cr_assert_eq(glia_dataset_encode(ds, &blob, &len), 0);
    cr_expect_eq(len, glia_dataset_encoded_bytes(2, 2, 0));
    cr_assert_eq(glia_dataset_decode(blob, len, &back), 0);
    cr_expect_eq(back->samples, 2);
    cr_expect_eq(back->classes, 2);
    cr_expect_float_eq(back->xf[2], -1.0f, 0);
    cr_expect_eq(back->labels[0], 1);
    blob[len - 1] = 9; /* a label past the classes */
    cr_expect_eq(glia_dataset_decode(blob, len, &none), GLIA_EFORMAT);
    cr_expect_null(none);
    free(blob);
    glia_dataset_free(back);
    glia_dataset_free(ds);
}

Test(dataset, any_header_value_but_auto_and_none_means_one_header_line)
{
    /* The header option is -1 (auto), 0 or 1; anything else counts as 1, never as two
     * lines skipped for one counted (which wrote past the matrix). */
    glia_dataset_t *ds = parse("a,b,y\n1,2,0\n3,4,1\n", GLIA_DATASET_CSV, 2, NULL, 0);
    cr_expect_eq(ds->samples, 2);
    cr_expect_eq(ds->x8[2], 3);
    glia_dataset_free(ds);
}
