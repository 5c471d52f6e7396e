/* 27_datasets: datasets as stored objects. POST /v1/datasets takes a CSV (with a header or
 * not), scikit-learn's CSV or IDX files, gzip'd or not, and shows the shape, ranges, class
 * counts and SHA-256 of the content, which is the same whatever file or format it came
 * from; list, get, delete; what is wrong is named (a ragged row, a cell that is not a
 * number with its line and column, a bad IDX magic); too large is 413; a restart keeps
 * them; `gliad dataset import` gives the HTTP upload's hash and is refused on a live data
 * dir; Debian's digits and Fashion-MNIST load when their packages are installed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "integration/support/cli.h"
#include "integration/support/extra.h"
#include "integration/support/harness.h"

#define SKLEARN "/usr/lib/python3/dist-packages/sklearn/datasets/data"
#define FASHION "/usr/share/datasets/fashion-mnist"

TestSuite(datasets, .init = it_cli_dir_make, .fini = it_cli_dir_remove, .timeout = 300);

static const char with_header[] = "width,height,kind\n"
                                  "1.5,2,0\n"
                                  "3,4.25,1\n"
                                  "-1,0,1\n"
                                  "2,8,2\n";
static const char without_header[] = "1.5,2,0\n3,4.25,1\n-1,0,1\n2,8,2\n";

static it_resp_t post(glia_daemon_t *d, const char *query, const void *body, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "/v1/datasets?%s", query);
    return it_request_h(d, "POST", path, body, len,
                        (const char *[]){"Content-Type: application/octet-stream", NULL});
}

static const char *str(const json_t *j, const char *key)
{
    return json_string_value(json_object_get(j, key));
}

static long long num(const json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

/* gzip of `len` bytes (a new buffer, *out_len). */
static unsigned char *gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    unsigned char *out = malloc(len + 1024);

    memset(&z, 0, sizeof(z));
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (unsigned)len;
    z.next_out = out;
    z.avail_out = (unsigned)(len + 1024);
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

/* An IDX images file (n x 2 x 2 bytes) followed by its labels file. */
static size_t idx_pair(unsigned char *buf, int n, int first_label)
{
    size_t k = 0;
    const unsigned char img[] = {0, 0, 8, 3, 0, 0, 0, (unsigned char)n, 0, 0, 0, 2, 0, 0, 0, 2};
    const unsigned char lab[] = {0, 0, 8, 1, 0, 0, 0, (unsigned char)n};

    memcpy(buf, img, sizeof(img));
    k = sizeof(img);
    for (int i = 0; i < 4 * n; i++)
        buf[k++] = (unsigned char)(i * 7);
    memcpy(buf + k, lab, sizeof(lab));
    k += sizeof(lab);
    for (int i = 0; i < n; i++)
        buf[k++] = (unsigned char)(first_label + i % 3);
    return k;
}

Test(datasets, a_csv_with_a_header_shows_its_shape_ranges_counts_and_hash)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *j;

    it_start(&d, NULL);
    r = post(&d, "name=shapes&format=csv", with_header, strlen(with_header));
    cr_assert_eq(r.status, 201, "%ld %.300s", r.status, r.body);
    cr_expect_str_eq(r.location, "/v1/datasets/shapes");
    j = r.json;
    cr_expect_str_eq(str(j, "name"), "shapes");
    cr_expect_str_eq(str(j, "format"), "csv");
    cr_expect_eq(num(j, "samples"), 4);
    cr_expect_eq(num(j, "features"), 2);
    cr_expect_eq(num(j, "classes"), 3);
    cr_expect_str_eq(str(j, "storage"), "float32", "-1 and 4.25 are not bytes");
    cr_expect_eq(strlen(str(j, "hash")), 64);
    cr_expect(json_number_value(json_object_get(j, "created_at")) > 1e9);
    cr_expect_eq(json_number_value(json_object_get(json_object_get(j, "range"), "min")), -1);
    cr_expect_eq(json_number_value(json_object_get(json_object_get(j, "range"), "max")), 8);
    cr_expect_eq(json_number_value(json_array_get(json_object_get(j, "feature_max"), 1)), 8);
    cr_expect_eq(json_number_value(json_array_get(json_object_get(j, "feature_min"), 0)), -1);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(j, "class_counts"), 1)), 2);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(j, "feature_names"), 1)),
                     "height");
    it_resp_free(&r);

    j = it_get_json(&d, 200, "/v1/datasets/shapes");
    cr_expect_eq(num(j, "samples"), 4);
    cr_expect_eq(json_array_size(json_object_get(j, "class_counts")), 3);
    json_decref(j);
    it_stop(&d);
}

Test(datasets, the_same_numbers_have_one_hash_with_or_without_header_or_gzip)
{
    glia_daemon_t d;
    char hash[65];
    size_t gz_len;
    unsigned char *gz = gzip(without_header, strlen(without_header), &gz_len);
    it_resp_t r;

    it_start(&d, NULL);
    r = post(&d, "name=with&format=csv", with_header, strlen(with_header));
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    snprintf(hash, sizeof(hash), "%s", str(r.json, "hash"));
    it_resp_free(&r);

    r = post(&d, "name=without&format=csv&header=no", without_header, strlen(without_header));
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_str_eq(str(r.json, "hash"), hash, "a header is not content");
    cr_expect_null(json_object_get(r.json, "feature_names"));
    it_resp_free(&r);

    r = post(&d, "name=auto&format=csv", without_header, strlen(without_header));
    cr_assert_eq(r.status, 201, "header=auto reads numbers as numbers: %.300s", r.body);
    cr_expect_eq(num(r.json, "samples"), 4);
    it_resp_free(&r);

    r = post(&d, "name=zipped&format=csv", gz, gz_len);
    cr_assert_eq(r.status, 201, "gzip: %.300s", r.body);
    cr_expect_str_eq(str(r.json, "hash"), hash, "gzip is not content");
    it_resp_free(&r);
    free(gz);

    /* The label named, first: another content. */
    r = post(&d, "name=by-name&format=csv&label=kind", "kind,x\n0,1.5\n1,2\n", 17);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(num(r.json, "features"), 1);
    cr_expect_str_neq(str(r.json, "hash"), hash);
    it_resp_free(&r);
    r = post(&d, "name=by-index&format=csv&header=no&label=0", "0,1,2\n1,3,4\n", 12);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(num(r.json, "classes"), 2);
    cr_expect_str_eq(str(r.json, "storage"), "uint8");
    it_resp_free(&r);
    it_stop(&d);
}

Test(datasets, idx_images_then_labels_and_gzip_members)
{
    glia_daemon_t d;
    unsigned char body[512], *a, *b, both[1024];
    size_t n = idx_pair(body, 6, 0), n2, a_len, b_len, half;
    it_resp_t r;

    it_start(&d, NULL);
    r = post(&d, "name=tiny-idx&format=idx", body, n);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(num(r.json, "samples"), 6);
    cr_expect_eq(num(r.json, "features"), 4);
    cr_expect_eq(num(r.json, "classes"), 3);
    cr_expect_str_eq(str(r.json, "storage"), "uint8");
    it_resp_free(&r);

    /* Two parts (train, test), each file gzip'd and concatenated: cat a.gz b.gz | curl. */
    half = idx_pair(body, 4, 0);
    n2 = idx_pair(body + half, 2, 1);
    a = gzip(body, half, &a_len);
    b = gzip(body + half, n2, &b_len);
    memcpy(both, a, a_len);
    memcpy(both + a_len, b, b_len);
    r = post(&d, "name=two-parts&format=idx", both, a_len + b_len);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_eq(num(r.json, "samples"), 6);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(r.json, "parts"), 1)), 2);
    it_resp_free(&r);
    free(a);
    free(b);
    it_stop(&d);
}

/* A problem's status and its detail holding `needle`. */
static void expect_problem(glia_daemon_t *d, const char *query, const void *body, size_t len,
                           long status, const char *needle)
{
    it_resp_t r = post(d, query, body, len);
    const char *detail = str(r.json, "detail");
    cr_expect_eq(r.status, status, "%s: %ld %.300s", query, r.status, r.body);
    cr_expect(detail != NULL && strstr(detail, needle) != NULL, "%s: \"%s\" in %.300s", query,
              needle, r.body);
    it_resp_free(&r);
}

Test(datasets, bad_input_is_named)
{
    static const char ragged[] = "1,2,0\n3,4,1\n5,1\n";
    static const char word[] = "a,b,c\n1,2,0\n3,x7,1\n";
    static const unsigned char magic[] = {0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0};
    glia_daemon_t d;
    it_resp_t r;

    it_start(&d, NULL);
    expect_problem(&d, "name=r&format=csv", ragged, strlen(ragged), 400,
                   "line 3 has 2 cells; the first line has 3");
    r = post(&d, "name=w&format=csv", word, strlen(word));
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(str(r.json, "detail"), "line 3, column 2: \"x7\" is not a number"), "%s",
              r.body);
    cr_expect_eq(num(r.json, "line"), 3);
    cr_expect_eq(num(r.json, "column"), 2);
    it_resp_free(&r);
    r = post(&d, "name=m&format=idx", magic, sizeof(magic));
    cr_expect_eq(r.status, 400);
    cr_expect(strstr(str(r.json, "detail"), "bad IDX magic 12 34 56 78"), "%s", r.body);
    cr_expect_eq(num(r.json, "offset"), 0);
    it_resp_free(&r);
    expect_problem(&d, "name=g&format=csv", "\x1f\x8b\x08\x00garbage", 11, 400, "gzip");
    expect_problem(&d, "name=l&format=csv&label=depth", with_header, strlen(with_header), 422,
                   "label column \"depth\" is not in the header");
    expect_problem(&d, "name=e&format=csv", "", 0, 422, "no samples");
    expect_problem(&d, "name=h&format=csv", "1,2,3.5\n", 8, 422, "label 3.5 is not a class index");
    expect_problem(&d, "format=csv", with_header, strlen(with_header), 400, "required");
    expect_problem(&d, "name=Bad!&format=csv", with_header, strlen(with_header), 400,
                   "not a valid name");
    expect_problem(&d, "name=f&format=xlsx", with_header, strlen(with_header), 400,
                   "not a dataset format");
    expect_problem(&d, "name=f&format=idx&label=1", with_header, strlen(with_header), 400,
                   "format=csv only");
    expect_problem(&d, "name=f&format=csv&sheet=1", with_header, strlen(with_header), 400, "sheet");
    r = post(&d, "name=twice&format=csv", with_header, strlen(with_header));
    cr_expect_eq(r.status, 201);
    it_resp_free(&r);
    expect_problem(&d, "name=twice&format=csv", without_header, strlen(without_header), 409,
                   "exists");
    it_expect_healthy(&d, "bad datasets");
    it_stop(&d);
}

Test(datasets, too_large_is_413_naming_the_bound)
{
    glia_daemon_t d;
    char *big = malloc(6000);
    size_t gz_len;
    unsigned char *gz;

    for (int i = 0; i < 1500; i++)
        memcpy(big + 4 * i, "1,0\n", 4);
    gz = gzip(big, 6000, &gz_len);
    it_start(&d, (const char *[]){"--max-dataset-bytes", "4096", NULL});
    expect_problem(&d, "name=big&format=csv", big, 6000, 413, "4096 bytes");
    cr_assert_lt(gz_len, 4096);
    expect_problem(&d, "name=big&format=csv", gz, gz_len, 413,
                   "decompressed body exceeds 4096 bytes");
    it_expect_healthy(&d, "a body over --max-dataset-bytes");
    free(big);
    free(gz);
    it_stop(&d);
}

Test(datasets, list_delete_and_restart)
{
    glia_daemon_t d;
    it_resp_t r;
    json_t *j;
    char hash[65];

    it_start(&d, NULL);
    d.keep_dir = 1;
    r = post(&d, "name=b-set&format=csv", with_header, strlen(with_header));
    cr_assert_eq(r.status, 201);
    snprintf(hash, sizeof(hash), "%s", str(r.json, "hash"));
    it_resp_free(&r);
    r = post(&d, "name=a-set&format=csv", without_header, strlen(without_header));
    cr_assert_eq(r.status, 201);
    it_resp_free(&r);
    r = post(&d, "name=c-set&format=csv", "1,0\n2,1\n", 8);
    cr_assert_eq(r.status, 201);
    it_resp_free(&r);

    j = it_get_json(&d, 200, "/v1/datasets");
    cr_assert_eq(json_array_size(json_object_get(j, "datasets")), 3);
    cr_expect_str_eq(str(json_array_get(json_object_get(j, "datasets"), 0), "name"), "a-set");
    cr_expect_str_eq(str(json_array_get(json_object_get(j, "datasets"), 1), "hash"), hash);
    cr_expect_null(
        json_object_get(json_array_get(json_object_get(j, "datasets"), 0), "feature_min"),
        "the list holds summaries");
    json_decref(j);

    /* a-set and b-set share one content: deleting one keeps the other whole. */
    r = it_request(&d, "DELETE", "/v1/datasets/b-set", NULL);
    cr_expect_eq(r.status, 204, "%.300s", r.body);
    it_resp_free(&r);
    r = it_request(&d, "DELETE", "/v1/datasets/b-set", NULL);
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);
    r = it_get(&d, "/v1/datasets/b-set");
    cr_expect_eq(r.status, 404);
    it_resp_free(&r);

    cr_assert_eq(it_stop(&d), 0);
    it_restart(&d, NULL);
    j = it_get_json(&d, 200, "/v1/datasets/a-set");
    cr_expect_str_eq(str(j, "hash"), hash, "kept across a restart, its content too");
    json_decref(j);
    j = it_get_json(&d, 200, "/v1/datasets");
    cr_expect_eq(json_array_size(json_object_get(j, "datasets")), 2);
    json_decref(j);
    d.keep_dir = 0;
    it_stop(&d);
    it_cleanup(&d);
}

Test(datasets, offline_import_matches_http_and_a_live_dir_is_refused)
{
    glia_daemon_t d;
    char dir[512], hash[65];
    const char *file = it_cli_put_file("shapes.csv", with_header);
    it_resp_t r;
    it_cli_t c;
    json_t *j;

    snprintf(dir, sizeof(dir), "%s/offline-data", it_cli_dir());
    c = it_cli((const char *[]){"dataset", "import", file, "--name", "shapes", "--format", "csv",
                                "--data-dir", dir, NULL});
    cr_assert_eq(c.status, 0, "import: %s", c.err);
    j = json_loads(c.out, 0, NULL);
    cr_assert_not_null(j, "%s", c.out);
    snprintf(hash, sizeof(hash), "%s", str(j, "hash"));
    cr_expect_eq(num(j, "samples"), 4);
    json_decref(j);
    it_cli_free(&c);

    c = it_cli((const char *[]){"dataset", "import", file, "--name", "shapes", "--format", "csv",
                                "--data-dir", dir, NULL});
    cr_expect_eq(c.status, 1, "a taken name: %s", c.err);
    cr_expect(strstr(c.err, "exists"), "%s", c.err);
    it_cli_free(&c);

    c = it_cli((const char *[]){"dataset", "show", "shapes", "--data-dir", dir, NULL});
    cr_expect_eq(c.status, 0);
    cr_expect(strstr(c.out, "\"class_counts\""), "%s", c.out);
    it_cli_free(&c);
    c = it_cli((const char *[]){"dataset", "list", "--data-dir", dir, NULL});
    cr_expect_eq(c.status, 0);
    cr_expect(strstr(c.out, hash), "%s", c.out);
    it_cli_free(&c);

    it_start(&d, NULL);
    r = post(&d, "name=shapes&format=csv", with_header, strlen(with_header));
    cr_assert_eq(r.status, 201);
    cr_expect_str_eq(str(r.json, "hash"), hash, "offline and HTTP give one hash");
    it_resp_free(&r);
    c = it_cli((const char *[]){"dataset", "import", file, "--name", "other", "--format", "csv",
                                "--data-dir", d.data_dir, NULL});
    cr_expect_eq(c.status, 1, "a live data dir: %s", c.err);
    cr_expect(strstr(c.err, "glia.lock"), "names the lock: %s", c.err);
    it_cli_free(&c);
    c = it_cli((const char *[]){"dataset", "delete", "shapes", "--data-dir", d.data_dir, NULL});
    cr_expect_eq(c.status, 1, "delete on a live data dir: %s", c.err);
    it_cli_free(&c);
    r = it_get(&d, "/v1/datasets/other");
    cr_expect_eq(r.status, 404, "nothing was written");
    it_resp_free(&r);
    it_stop(&d);

    /* Once it stopped, the offline commands own the dir. */
    c = it_cli((const char *[]){"dataset", "delete", "shapes", "--data-dir", dir, NULL});
    cr_expect_eq(c.status, 0, "%s", c.err);
    it_cli_free(&c);
    c = it_cli((const char *[]){"dataset", "show", "shapes", "--data-dir", dir, NULL});
    cr_expect_eq(c.status, 1);
    it_cli_free(&c);
    c = it_cli((const char *[]){"help", "dataset", NULL});
    cr_expect_eq(c.status, 0);
    cr_expect(strstr(c.out, "usage: gliad dataset import"), "%s", c.out);
    it_cli_free(&c);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

Test(datasets, debian_digits_and_the_sklearn_presets)
{
    static const struct {
        const char *preset;
        long long samples, features, classes;
    } want[] = {{"digits", 1797, 64, 10},
                {"iris", 150, 4, 3},
                {"wine", 178, 13, 3},
                {"breast-cancer", 569, 30, 2}};
    glia_daemon_t d;
    char dir[512], hash[65];
    size_t len;
    char *gz;
    it_resp_t r;

    if (!exists(SKLEARN "/digits.csv.gz"))
        cr_skip_test("python3-sklearn is not installed (dev.sh installs it): %s", SKLEARN);
    snprintf(dir, sizeof(dir), "%s/presets", it_cli_dir());
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        it_cli_t c = it_cli((const char *[]){"dataset", "import", "--preset", want[i].preset,
                                             "--data-dir", dir, NULL});
        json_t *j = json_loads(c.out ? c.out : "", 0, NULL);
        cr_assert_eq(c.status, 0, "%s: %s", want[i].preset, c.err);
        cr_expect_str_eq(str(j, "name"), want[i].preset);
        cr_expect_eq(num(j, "samples"), want[i].samples, "%s", want[i].preset);
        cr_expect_eq(num(j, "features"), want[i].features, "%s", want[i].preset);
        cr_expect_eq(num(j, "classes"), want[i].classes, "%s", want[i].preset);
        if (i == 0) {
            cr_expect_str_eq(str(j, "storage"), "uint8", "digits are 0..16");
            snprintf(hash, sizeof(hash), "%s", str(j, "hash"));
        }
        json_decref(j);
        it_cli_free(&c);
    }

    /* The same gzip'd file posted: the preset's hash. */
    gz = it_read_file(SKLEARN "/digits.csv.gz", &len);
    cr_assert_not_null(gz);
    it_start(&d, NULL);
    r = post(&d, "name=digits&format=csv&header=no", gz, len);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_str_eq(str(r.json, "hash"), hash);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(r.json, "class_counts"), 0)),
                 178);
    it_resp_free(&r);
    free(gz);
    gz = it_read_file(SKLEARN "/iris.csv", &len);
    r = post(&d, "name=iris&format=sklearn", gz, len);
    cr_assert_eq(r.status, 201, "%.300s", r.body);
    cr_expect_str_eq(json_string_value(json_array_get(json_object_get(r.json, "class_names"), 2)),
                     "virginica");
    it_resp_free(&r);
    free(gz);
    it_stop(&d);
}

Test(datasets, debian_fashion_mnist_train_and_test)
{
    char dir[512];
    it_cli_t c;
    json_t *j;

    if (!exists(FASHION "/train-images-idx3-ubyte.gz"))
        cr_skip_test("dataset-fashion-mnist is not installed (dev.sh installs it): %s", FASHION);
    snprintf(dir, sizeof(dir), "%s/fashion", it_cli_dir());
    c = it_cli((const char *[]){"dataset", "import", "--preset", "fashion-mnist", "--data-dir", dir,
                                NULL});
    cr_assert_eq(c.status, 0, "%s", c.err);
    it_cli_free(&c);
    c = it_cli((const char *[]){"dataset", "show", "fashion-mnist", "--data-dir", dir, NULL});
    cr_assert_eq(c.status, 0, "%s", c.err);
    j = json_loads(c.out, 0, NULL);
    cr_assert_not_null(j);
    cr_expect_eq(num(j, "samples"), 70000);
    cr_expect_eq(num(j, "features"), 784);
    cr_expect_eq(num(j, "classes"), 10);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(j, "parts"), 0)), 60000);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(j, "parts"), 1)), 10000);
    cr_expect_eq(json_integer_value(json_array_get(json_object_get(j, "class_counts"), 9)), 7000);
    cr_expect_eq(num(json_object_get(j, "range"), "max"), 255);
    json_decref(j);
    it_cli_free(&c);
}
