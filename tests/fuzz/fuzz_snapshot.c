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
 * before loading: too_costly() knows formats 2 and 3 and must learn any new one (an
 * unknown version is loaded unguarded; the loader refuses versions it does not know).
 */
#include <math.h>
#include <string.h>

#include "api/json_write.h"
#include "api/result_json.h"
#include "core/session.h"
#include "core/snapio.h"
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

/* Cost of a network, per input: neurons^2 * passes * (patterns + 2 * steps). */
static int costly(int64_t neurons, int64_t passes, int64_t patterns)
{
    return neurons > MAX_NEURONS ||
           neurons * neurons * passes * (patterns + 2 * MAX_STEPS) > MAX_WORK;
}

/* Format 2: "GLIASNAP", version, then the config fields of that release in order: ten
 * ints (rng, clusters, inputs, outputs, modulatory, regular, id_stride, input_cluster,
 * output_cluster, passes), the rest, 268 bytes in all, then the task. */
static int too_costly_v2(const uint8_t *buf, size_t len)
{
    glia_reader_t r = {buf, len, 12, 0};
    int v[10];
    int64_t per, count;

    if (len < 12 + 268 + 4)
        return 0; /* truncated: refused */
    for (int i = 0; i < 10; i++)
        v[i] = glia_get_i32(&r);
    r.pos = 12 + 268; /* within len: a reader's position never passes its end */
    count = glia_get_i32(&r);
    if (r.failed || v[1] < 1 || v[1] > GLIA_MAX_CLUSTERS || v[9] < 1 || v[9] > GLIA_MAX_PASSES ||
        count < 1 || count > GLIA_MAX_PATTERNS)
        return 0; /* refused before a network is built */
    for (int i = 2; i < 6; i++) {
        if (v[i] < 0 || v[i] > GLIA_MAX_NEURONS)
            return 0;
    }
    per = (int64_t)v[2] + v[3] + v[4] + v[5];
    return costly(v[1] * per, v[9], count);
}

/* Format 3: sections; CONF holds (pointer, value) pairs over the defaults, then the
 * task. Read as the loader reads it; a config that does not validate is refused before
 * a network is built. */
static int too_costly_v3(const uint8_t *buf, size_t len)
{
    glia_reader_t r = {buf, len, 12, 0};
    glia_config_t cfg;
    uint32_t n;

    if (glia_get_u32(&r) !=
        ((uint32_t)'C' | (uint32_t)'O' << 8 | (uint32_t)'N' << 16 | (uint32_t)'F' << 24))
        return 0;
    glia_get_u64(&r);
    glia_config_default(&cfg);
    n = glia_get_u32(&r);
    for (uint32_t i = 0; i < n && !r.failed; i++) {
        char pointer[GLIA_FIELD_MAX];
        const glia_config_field_t *f = glia_config_fields;
        glia_get_str(&r, pointer, sizeof(pointer));
        while (f->pointer != NULL && strcmp(f->pointer, pointer) != 0)
            f++;
        if (r.failed || f->pointer == NULL)
            return 0;
        if (f->type == GLIA_FIELD_DOUBLE) {
            double d = glia_get_f64(&r);
            memcpy((char *)&cfg + f->offset, &d, sizeof(d));
        } else {
            int v = glia_get_i32(&r);
            memcpy((char *)&cfg + f->offset, &v, sizeof(v));
        }
    }
    cfg.task.count = glia_get_i32_in(&r, 1, GLIA_MAX_PATTERNS);
    cfg.task.input_width = glia_get_i32_in(&r, 1, GLIA_MAX_WIDTH);
    cfg.task.target_width = glia_get_i32_in(&r, 1, GLIA_MAX_WIDTH);
    if (r.failed || glia_config_validate(&cfg, NULL) != 0)
        return 0;
    return costly(glia_config_neurons(&cfg), cfg.network.passes, cfg.task.count);
}

/* Would loading this be too costly for a fuzzer? Only a config that passes the range
 * checks can be: anything else is refused before a network is built. */
static int too_costly(const uint8_t *buf, size_t len)
{
    glia_reader_t r = {buf, len, 8, 0};
    uint32_t version;

    if (len < 12 || memcmp(buf, "GLIASNAP", 8) != 0)
        return 0;
    version = glia_get_u32(&r);
    return version == 2 ? too_costly_v2(buf, len) : version == 3 ? too_costly_v3(buf, len) : 0;
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
