/* task.c: the task generators (random mappings, parity, XOR). */
#include "core/task.h"

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t low_bits(int width)
{
    return width >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
}

#define FAIL(ptr, ...) return glia_error_set(err, GLIA_EINVAL, ptr, __VA_ARGS__)

static int random_task(glia_config_t *cfg, const glia_task_spec_t *spec, glia_error_t *err)
{
    /* A different stream for every seed, and not splitmix64's own first outputs for
     * small seeds. */
    uint64_t state = 0x676c69612d746173ULL ^ ((uint64_t)spec->seed << 17 | spec->seed);
    const uint64_t in_mask = low_bits(spec->input_width);
    const uint64_t out_mask = low_bits(spec->target_width);

    if (spec->patterns < 1 || spec->patterns > GLIA_MAX_PATTERNS)
        FAIL("/task/generate/patterns", "must be an integer in [1, %d]", GLIA_MAX_PATTERNS);
    if (spec->input_width < 1 || spec->input_width > GLIA_MAX_WIDTH)
        FAIL("/task/generate/input_width", "must be an integer in [1, %d]", GLIA_MAX_WIDTH);
    if (spec->target_width < 1 || spec->target_width > GLIA_MAX_WIDTH)
        FAIL("/task/generate/target_width", "must be an integer in [1, %d]", GLIA_MAX_WIDTH);
    if (spec->input_width < 9 && spec->patterns > (1 << spec->input_width))
        FAIL("/task/generate/patterns", "%d-bit inputs allow only %d distinct patterns",
             spec->input_width, 1 << spec->input_width);

    for (int i = 0; i < spec->patterns; i++) {
        uint64_t in;
        int repeat;
        do { /* distinct inputs: one input cannot ask for two targets */
            in = splitmix64(&state) & in_mask;
            repeat = 0;
            for (int k = 0; k < i && !repeat; k++)
                repeat = cfg->task.patterns[k].input == in;
        } while (repeat);
        cfg->task.patterns[i].input = in;
        cfg->task.patterns[i].target = splitmix64(&state) & out_mask;
    }
    cfg->task.count = spec->patterns;
    cfg->task.input_width = spec->input_width;
    cfg->task.target_width = spec->target_width;
    return 0;
}

static void parity_task(glia_config_t *cfg, int bits)
{
    const int n = 1 << bits;

    for (int i = 0; i < n; i++) {
        int ones = 0;
        for (int k = 0; k < bits; k++)
            ones += (i >> k) & 1;
        cfg->task.patterns[i].input = (uint64_t)i;
        cfg->task.patterns[i].target = (uint64_t)(ones & 1);
    }
    cfg->task.count = n;
    cfg->task.input_width = bits;
    cfg->task.target_width = 1;
}

int glia_task_generate(glia_config_t *cfg, const glia_task_spec_t *spec, glia_error_t *err)
{
    glia_config_t out = *cfg;
    int rc;

    switch (spec->kind) {
    case GLIA_TASK_RANDOM:
        if ((rc = random_task(&out, spec, err)) != 0)
            return rc;
        break;
    case GLIA_TASK_PARITY:
        if (spec->bits < 1 || spec->bits > GLIA_TASK_MAX_PARITY_BITS)
            FAIL("/task/generate/bits", "must be an integer in [1, %d]", GLIA_TASK_MAX_PARITY_BITS);
        parity_task(&out, spec->bits);
        break;
    case GLIA_TASK_XOR:
        parity_task(&out, 2);
        break;
    default:
        FAIL("/task/generate/kind", "unknown task kind");
    }
    *cfg = out;
    return 0;
}
