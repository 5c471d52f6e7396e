/* event_json.h: a session's events (state, progress, metrics, outputs) as JSON text.
 *
 * Inside gliad an event is typed: an enum and the JSON text of its data, built once here
 * when it happens and never parsed back. The same text is what the store keeps and what
 * every stream sends, framed as Server-Sent Events or as NDJSON lines.
 */
#ifndef GLIA_EVENT_JSON_H
#define GLIA_EVENT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/strbuf.h"
#include "core/session.h"

enum glia_event_type {
    GLIA_EV_STATE = 0, /* the session changed state (or was told to stay) */
    GLIA_EV_PROGRESS,  /* counters and speed */
    GLIA_EV_METRICS,   /* one trajectory point's figures */
    GLIA_EV_OUTPUTS,   /* one trajectory point's output vectors */
    GLIA_EV_COUNT
};

/* The event's wire name ("state", ...), "unknown" for a bad type. */
const char *glia_event_name(int type);
/* The type of a wire name (as stored), or GLIA_ENOENT. */
int glia_event_from_name(const char *name);

/* What a state event says. Names are glia's state names ("running"); error may be NULL. */
typedef struct glia_state_change {
    const char *state, *previous;
    uint64_t episode, episodes;
    const char *error;
} glia_state_change_t;

/* The data of each kind of event as compact JSON text (caller frees), or NULL on out of
 * memory. `len`, when not NULL, receives the length. A point is a trajectory point as
 * glia_point_to_json builds it. */
char *glia_event_state_json(const glia_state_change_t *s, size_t *len);
char *glia_event_progress_json(const glia_counters_t *k, uint64_t episodes, double steps_per_second,
                               size_t *len);
char *glia_event_metrics_json(const json_t *point, size_t *len);
char *glia_event_outputs_json(const json_t *point, size_t *len);

/* Append one event to a stream: "id: N\nevent: T\ndata: D\n\n" (SSE), or one NDJSON line
 * {"id":N,"event":"T","data":D}. `data` is the event's JSON text. */
void glia_event_frame(glia_strbuf_t *b, int is_ndjson, uint64_t id, int type, const char *data);

#endif
