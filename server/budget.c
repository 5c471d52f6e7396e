/* budget.c: see budget.h. */
#include "server/budget.h"

#include <stdio.h>

#include "api/problem.h"
#include "core/footprint.h"
#include "server/event_ring.h"

int glia_budget_take(glia_budget_t *b, uint64_t bytes)
{
    uint_fast64_t used = atomic_load(&b->used);

    do {
        if (used > b->limit || bytes > b->limit - used)
            return GLIA_ELIMIT;
    } while (!atomic_compare_exchange_weak(&b->used, &used, used + bytes));
    return 0;
}

void glia_budget_force(glia_budget_t *b, uint64_t bytes)
{
    atomic_fetch_add(&b->used, bytes);
}

void glia_budget_give(glia_budget_t *b, uint64_t bytes)
{
    atomic_fetch_sub(&b->used, bytes);
}

uint64_t glia_budget_left(const glia_budget_t *b)
{
    uint64_t used = atomic_load(&((glia_budget_t *)b)->used);
    return used < b->limit ? b->limit - used : 0;
}

void glia_format_bytes(uint64_t bytes, char *out, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, size, "%llu B", (unsigned long long)bytes);
    else
        snprintf(out, size, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
}

json_t *glia_budget_problem(const glia_budget_t *b, uint64_t need, const char *what)
{
    char s_need[32], s_left[32], s_limit[32];
    uint64_t left = glia_budget_left(b);
    json_t *p;

    glia_format_bytes(need, s_need, sizeof(s_need));
    glia_format_bytes(left, s_left, sizeof(s_left));
    glia_format_bytes(b->limit, s_limit, sizeof(s_limit));
    p = glia_problem(507, "insufficient-memory",
                     "%s needs %s (estimated); %s of the %s memory budget is left (--max-memory)",
                     what, s_need, s_left, s_limit);
    if (p != NULL) {
        json_object_set_new(p, "needed_bytes", json_integer((json_int_t)need));
        json_object_set_new(p, "available_bytes", json_integer((json_int_t)left));
        json_object_set_new(p, "budget_bytes", json_integer((json_int_t)b->limit));
    }
    return p;
}

uint64_t glia_session_bytes(const glia_config_t *cfg, uint64_t points)
{
    /* Published per point: its JSON (outputs as strings) and, for the newest ones, its
     * metrics and outputs events in the ring; the ring's other events (progress, state)
     * are small. */
    const uint64_t out_text = (uint64_t)cfg->task.count * (uint64_t)(cfg->task.target_width + 4);
    const uint64_t point_json = 640 + (uint64_t)cfg->task.count * (cfg->task.target_width + 72);
    const uint64_t ring_points = points < GLIA_EVENT_RING / 2 ? points : GLIA_EVENT_RING / 2;

    return glia_config_memory_estimate(cfg, points, NULL) + (uint64_t)GLIA_EVENT_RING * 256 + 4096 +
           2 * point_json + points * point_json + ring_points * (512 + out_text);
}
