/* budget.h: the daemon's memory budget (--max-memory).
 *
 * What a request can make the daemon hold in bulk is counted here before it is allocated:
 * each session its estimated bytes (core/footprint.h for the core's part, plus what the
 * server keeps of it: published points and the events in its ring) for as long as it
 * lives, and each large reply its estimated bytes until it has been sent. What does not
 * fit is refused with 507 and the figures (what it needs, what is left), and nothing is
 * allocated. Figures are estimates made from configs and counts, not measurements; the
 * daemon's fixed costs (connections, SQLite's cache) are outside the budget, which is why
 * the default is half of the machine. Any thread.
 */
#ifndef GLIA_BUDGET_H
#define GLIA_BUDGET_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/config.h"

typedef struct glia_budget {
    uint64_t limit;
    atomic_uint_fast64_t used;
} glia_budget_t;

/* Take `bytes` if they fit: 0, or GLIA_ELIMIT (nothing taken). */
int glia_budget_take(glia_budget_t *b, uint64_t bytes);
/* Take `bytes` even past the limit (what is already held: sessions restored at startup). */
void glia_budget_force(glia_budget_t *b, uint64_t bytes);
void glia_budget_give(glia_budget_t *b, uint64_t bytes);
/* Bytes left (0 when over). */
uint64_t glia_budget_left(const glia_budget_t *b);

/* A 507 problem: `what` needs `need` bytes; with the figures as members (needed_bytes,
 * available_bytes, budget_bytes) and in the detail. New reference. */
json_t *glia_budget_problem(const glia_budget_t *b, uint64_t need, const char *what);

/* "1.06 GiB", "512 KiB", "900 B". */
void glia_format_bytes(uint64_t bytes, char *out, size_t size);

/* The bytes a hosted session of `cfg` holding `points` trajectory points is counted for:
 * the core's estimate and what the server publishes of it. */
uint64_t glia_session_bytes(const glia_config_t *cfg, uint64_t points);

#endif
