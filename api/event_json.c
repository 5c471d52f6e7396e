/* event_json.c: see event_json.h. */
#include "api/event_json.h"

#include <inttypes.h>
#include <string.h>

#include "api/json_write.h"
#include "core/error.h"

const char *glia_event_name(int type)
{
    static const char *const names[] = {"state", "progress", "metrics", "outputs"};
    return type >= 0 && type < GLIA_EV_COUNT ? names[type] : "unknown";
}

int glia_event_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < GLIA_EV_COUNT; i++) {
        if (strcmp(glia_event_name(i), name) == 0)
            return i;
    }
    return GLIA_ENOENT;
}

static char *dump(json_t *data, size_t *len) /* steals data */
{
    char *text = data ? glia_json_dumps(data, GLIA_JSON_COMPACT, len) : NULL;
    json_decref(data);
    return text;
}

char *glia_event_state_json(const glia_state_change_t *s, size_t *len)
{
    return dump(json_pack("{s:s, s:s, s:I, s:I, s:s?}", "state", s->state, "previous", s->previous,
                          "episode", (json_int_t)s->episode, "episodes", (json_int_t)s->episodes,
                          "error", s->error),
                len);
}

char *glia_event_progress_json(const glia_counters_t *k, uint64_t episodes, double steps_per_second,
                               size_t *len)
{
    return dump(json_pack("{s:I, s:I, s:I, s:i, s:f, s:I, s:I}", "episode", (json_int_t)k->episodes,
                          "episodes", (json_int_t)episodes, "steps", (json_int_t)k->steps,
                          "step_in_episode", k->step_in_episode, "steps_per_second",
                          steps_per_second, "accepted", (json_int_t)k->accepted, "rejected",
                          (json_int_t)k->rejected),
                len);
}

char *glia_event_metrics_json(const json_t *point, size_t *len)
{
    return dump(json_pack("{s:O, s:O, s:O, s:O, s:O}", "episode", json_object_get(point, "episode"),
                          "avg_reward", json_object_get(point, "avg_reward"), "accept_rate",
                          json_object_get(point, "accept_rate"), "accuracy",
                          json_object_get(point, "accuracy"), "distinct_outputs",
                          json_object_get(point, "distinct_outputs")),
                len);
}

char *glia_event_outputs_json(const json_t *point, size_t *len)
{
    return dump(json_pack("{s:O, s:O, s:O, s:O, s:O}", "episode", json_object_get(point, "episode"),
                          "outputs", json_object_get(point, "outputs"), "accuracy",
                          json_object_get(point, "accuracy"), "distinct_outputs",
                          json_object_get(point, "distinct_outputs"), "constant_output",
                          json_object_get(point, "constant_output")),
                len);
}

void glia_event_frame(glia_strbuf_t *b, int is_ndjson, uint64_t id, int type, const char *data)
{
    if (is_ndjson)
        glia_strbuf_printf(b, "{\"id\":%" PRIu64 ",\"event\":\"%s\",\"data\":%s}\n", id,
                           glia_event_name(type), data);
    else
        glia_strbuf_printf(b, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", id, glia_event_name(type),
                           data);
}
