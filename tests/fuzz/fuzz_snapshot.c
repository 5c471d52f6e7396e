/* fuzz_snapshot.c: glia_session_load on arbitrary bytes: whatever loads also restores,
 * saves and runs.
 *
 * The harness first reseals the input (recomputes the trailing FNV-1a 64 checksum), so
 * mutations reach the structural checks instead of dying at the checksum, as a forged
 * snapshot would. Properties of a load that fails: no session, a snapshot error code
 * with a message. Of a load that succeeds: its save loads again and saves to the same
 * bytes; its result, inference, astrocytes and network render as JSON (what GET
 * /result, /inference, /astrocytes and /network answer); inference is in range; it
 * steps (across an episode end when one is near), stepping the reloaded copy alongside
 * gives the same steps and the same bytes, and that save loads again too (what a
 * restart does).
 *
 * Cost guard: a valid config may ask for 4,096 neurons (half a gigabyte). Networks
 * beyond what a fuzzer can afford per input are skipped by reading the embedded config
 * before loading; peek_cost knows the version-2 layout (magic, version, then the config
 * field table in order) and must learn any new layout (see the README).
 */
#include <math.h>
#include <string.h>

#include "api/json_write.h"
#include "api/result_json.h"
#include "core/session.h"
#include "fuzz_common.h"

#define MAX_STEPS   24
#define MAX_NEURONS 256
#define MAX_WORK    (4 * 1000 * 1000) /* neurons^2 * passes * (patterns + 2 * steps) */

static void reseal(uint8_t *buf, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i + 8 < len; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; i++)
        buf[len - 8 + i] = (uint8_t)(h >> (8 * i));
}

static int32_t le32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

/* Would loading this be too costly for a fuzzer? Only a config that passes the range
 * checks can be costly: anything else is refused before a network is built. */
static int too_costly(const uint8_t *buf, size_t len)
{
    size_t off = 12;
    int64_t clusters = 0, per = 0, passes = 1, count, neurons;
    int in_range = 1;

    if (len < 12 || memcmp(buf, "GLIASNAP", 8) != 0 || le32(buf + 8) != 2)
        return 0;
    for (const glia_config_field_t *f = glia_config_fields; f->pointer != NULL; f++) {
        size_t n = f->type == GLIA_FIELD_DOUBLE ? 8 : 4;
        if (off + n > len)
            return 0;
        if (f->type == GLIA_FIELD_INT) {
            int32_t v = le32(buf + off);
            const char *p = f->pointer;
            in_range &= v >= f->min && v <= f->max;
            if (strcmp(p, "/network/clusters") == 0)
                clusters = v;
            else if (strcmp(p, "/network/inputs") == 0 || strcmp(p, "/network/outputs") == 0 ||
                     strcmp(p, "/network/modulatory") == 0 || strcmp(p, "/network/regular") == 0)
                per += v;
            else if (strcmp(p, "/network/passes") == 0)
                passes = v;
        }
        off += n;
    }
    if (!in_range || off + 4 > len)
        return 0;
    count = le32(buf + off);
    if (count < 0 || count > GLIA_MAX_PATTERNS)
        return 0;
    neurons = clusters * per;
    return neurons > MAX_NEURONS || neurons * neurons * passes * (count + 2 * MAX_STEPS) > MAX_WORK;
}

static void render(glia_session_t *s, const char *when)
{
    json_t *parts[4];
    glia_inference_t inf;
    const glia_config_t *cfg = glia_session_config(s);

    glia_session_inference(s, &inf);
    FUZZ_CHECK(inf.count == cfg->task.count && inf.width == cfg->task.target_width,
               "%s: inference shape", when);
    FUZZ_CHECK(inf.mean_accuracy >= 0.0 && inf.mean_accuracy <= 1.0, "%s: inference accuracy %g",
               when, inf.mean_accuracy);
    FUZZ_CHECK(inf.distinct_outputs >= 1 && inf.distinct_outputs <= inf.count,
               "%s: %d distinct outputs of %d", when, inf.distinct_outputs, inf.count);
    parts[0] = glia_result_to_json(s, NULL, 1);
    parts[1] = glia_inference_to_json(s, &inf);
    parts[2] = glia_astrocytes_to_json(s);
    parts[3] = glia_network_to_json(s, 1);
    for (int i = 0; i < 4; i++) {
        static const char *const what[] = {"result", "inference", "astrocytes", "network"};
        char *text;
        FUZZ_CHECK(parts[i] != NULL, "%s: the %s does not render as JSON", when, what[i]);
        text = glia_json_dumps(parts[i], GLIA_JSON_COMPACT, NULL);
        FUZZ_CHECK(text != NULL, "%s: the %s does not serialise", when, what[i]);
        free(text);
        json_decref(parts[i]);
    }
}

static glia_session_t *reload(const uint8_t *buf, size_t len, const char *when)
{
    glia_session_t *s = NULL;
    glia_error_t err;
    int rc;

    glia_error_clear(&err);
    rc = glia_session_load(buf, len, &s, &err);
    FUZZ_CHECK(rc == 0, "%s: its own save does not load: %d %s", when, rc, err.message);
    return s;
}

static void save(const glia_session_t *s, uint8_t **buf, size_t *len)
{
    FUZZ_CHECK(glia_session_save(s, buf, len) == 0, "save");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in, *a, *b, *c, *d;
    size_t la, lb, lc, ld;
    glia_session_t *s = NULL, *s2, *s3;
    glia_counters_t k;
    glia_error_t err;
    int rc, steps;

    if (size < 8 || size > (1u << 20))
        return 0;
    in = malloc(size);
    FUZZ_CHECK(in != NULL, "malloc");
    memcpy(in, data, size);
    reseal(in, size);
    if (too_costly(in, size)) {
        free(in);
        return 0;
    }
    glia_error_clear(&err);
    rc = glia_session_load(in, size, &s, &err);
    free(in);
    if (rc != 0) {
        FUZZ_CHECK(s == NULL, "a failed load returned a session");
        FUZZ_CHECK(rc == GLIA_EFORMAT || rc == GLIA_EVERSION || rc == GLIA_EINVAL ||
                       rc == GLIA_ENOMEM,
                   "load returned %d", rc);
        if (rc != GLIA_ENOMEM)
            FUZZ_CHECK_ERROR(err, rc);
        return 0;
    }

    /* Restores: its save loads and saves to the same bytes. */
    save(s, &a, &la);
    s2 = reload(a, la, "after load");
    save(s2, &b, &lb);
    FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0, "a reloaded session saves differently");
    render(s, "after load");

    /* Runs, identically to its reloaded copy, and what it saves then loads again. */
    glia_session_counters(s, &k);
    steps = glia_session_config(s)->training.steps_per_episode - k.step_in_episode + 1;
    if (steps > MAX_STEPS)
        steps = MAX_STEPS;
    for (int i = 0; i < steps; i++) {
        glia_step_info_t x, y;
        FUZZ_CHECK(glia_session_step(s, &x) == 0, "step %d", i);
        FUZZ_CHECK(glia_session_step(s2, &y) == 0, "step %d of the copy", i);
        FUZZ_CHECK(x.step == y.step && x.pattern == y.pattern && x.output == y.output &&
                       x.decided == y.decided && x.kept == y.kept &&
                       memcmp(&x.reward, &y.reward, sizeof(double)) == 0,
                   "step %d differs between the session and its reloaded copy", i);
    }
    save(s, &c, &lc);
    save(s2, &d, &ld);
    FUZZ_CHECK(lc == ld && memcmp(c, d, lc) == 0, "the session and its copy diverged");
    s3 = reload(c, lc, "after stepping");
    render(s3, "after stepping");

    glia_session_free(s3);
    glia_session_free(s2);
    glia_session_free(s);
    free(a);
    free(b);
    free(c);
    free(d);
    return 0;
}
