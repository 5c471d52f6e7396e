/* runs.h: what the learner tests share about whole runs (white-box, core/session_internal.h):
 * a session that must build, a weight clamped as the learners clamp it, and the check that
 * a run saved and loaded midway goes on exactly like the uninterrupted one. */
#ifndef GLIA_TEST_RUNS_H
#define GLIA_TEST_RUNS_H

#include <stdint.h>

#include "core/session_internal.h"

/* A new session of (cfg, seed); the test fails with the field's message if it is refused. */
glia_session_t *tr_new_session(const glia_config_t *cfg, uint32_t seed);

/* v clamped to [-c, c]. */
double tr_clamp(double v, double c);

/* `first` steps, a snapshot and its load, then `then` more steps on both: the saved states
 * and the weights must be byte for byte the same. */
void tr_check_resume(const glia_config_t *cfg, uint32_t seed, int first, int then);

#endif
