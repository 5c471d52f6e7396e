/* handle_service.c: the daemon's own routes: probes, /metrics, version, presets. They run
 * on HTTP threads and read nothing of any session. */
#include "api/config_json.h"
#include "api/problem.h"
#include "core/rng.h"
#include "server/http/reply.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/routes/handlers.h"
#include "server/sessions/registry.h"
#include "server/store/store.h"

void glia_handle_healthz(glia_server_t *srv, glia_request_t *req)
{
    (void)srv;
    glia_reply_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

void glia_handle_readyz(glia_server_t *srv, glia_request_t *req)
{
    if (atomic_load(&srv->is_shutting_down))
        glia_reply_problem(req, glia_problem(503, "not-ready", "shutting down"));
    else
        glia_reply_json(req, 200,
                        json_pack("{s:s, s:I, s:i}", "status", "ready", "sessions",
                                  (json_int_t)glia_registry_count(&srv->registry), "workers",
                                  srv->opt.workers));
}

void glia_handle_prometheus(glia_server_t *srv, glia_request_t *req)
{
    size_t len;
    char *text = glia_metrics_render(srv, &len);

    if (text == NULL)
        glia_reply_oom(req);
    else
        glia_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void glia_handle_version(glia_server_t *srv, glia_request_t *req)
{
    const char *salvage = srv->store ? glia_store_salvage_report(srv->store) : "";
    json_t *body = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:f, s:s}", "name", "gliad", "version",
                  GLIA_VERSION, "api", "v1", "store_schema", GLIA_STORE_SCHEMA, "compiler",
#if defined(__clang__)
                  "clang " __clang_version__,
#elif defined(__GNUC__)
                  "gcc " __VERSION__,
#else
                  "unknown",
#endif
                  "built", __DATE__ " " __TIME__, "uptime_seconds", glia_now() - srv->started_at,
                  "default_rng",
                  glia_rng_stream_name(GLIA_RNG_XOSHIRO256SS, GLIA_RNG_STREAM_LATEST));

    /* Started with --salvage from a damaged store: what was kept and lost, and where the
     * damaged files are (until the next start). */
    if (body != NULL && salvage[0] != '\0')
        json_object_set_new(body, "salvage",
                            json_pack("{s:s, s:s}", "report", salvage, "backup",
                                      glia_store_backup(srv->store)));
    glia_reply_json(req, 200, body);
}

static json_t *preset_json(const glia_preset_info_t *p)
{
    glia_config_t cfg;
    glia_config_preset(&cfg, p->name);
    return json_pack("{s:s, s:s?, s:s, s:i, s:o}", "name", p->name, "alias", p->alias,
                     "description", p->description, "episodes", p->episodes, "config",
                     glia_config_to_json(&cfg));
}

void glia_handle_presets(glia_server_t *srv, glia_request_t *req)
{
    json_t *items = json_array();
    (void)srv;

    for (const glia_preset_info_t *p = glia_presets; p->name; p++)
        json_array_append_new(items, preset_json(p));
    glia_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void glia_handle_preset(glia_server_t *srv, glia_request_t *req)
{
    const glia_preset_info_t *p = glia_preset_find(req->match.name);
    (void)srv;

    if (p == NULL)
        glia_reply_not_found(req, "preset");
    else
        glia_reply_json(req, 200, preset_json(p));
}
