/* routes.c: every route of gliad, one row each: method, path template, handler, prepare
 * function (parses and validates the request once; NULL: nothing to parse) and flags.
 *
 *   (no flag)  served on an HTTP thread from published data
 *   LOOP       served on the loop thread (may read or change learning state)
 *   WRITE      changes something: refused with 503 once the server is shutting down, and
 *              while a job holds the session it waits for that job's commit
 *   SESSION    {name} is a session that must exist (404), found before the handler runs
 *   ON_BROKEN  also for a session that could not be restored (only delete)
 *   QUERY_TOKEN  the bearer token may come as ?access_token= (EventSource sends no headers)
 *   UPLOAD     the body is a file's bytes, up to --max-dataset-bytes, not parsed as JSON
 *
 * A route without a prepare function takes no query parameters (dispatch.c answers 400
 * naming any); a prepare function names the ones its route takes (glia_request_only_query).
 *
 * Adding a route is one row here and its handler (handlers.h); openapi.yaml documents it
 * (tests/spec/check_openapi.py holds the two together).
 */
#include "server/routes/routes.h"

#include "server/routes/handlers.h"

#define LOOP        GLIA_ROUTE_LOOP
#define WRITE       GLIA_ROUTE_WRITE
#define SESSION     GLIA_ROUTE_SESSION
#define ON_BROKEN   GLIA_ROUTE_ON_BROKEN
#define QUERY_TOKEN GLIA_ROUTE_QUERY_TOKEN
#define UPLOAD      GLIA_ROUTE_UPLOAD

/* clang-format off */
const glia_route_t glia_routes[] = {
    {"GET",    "/healthz",                        glia_handle_healthz,            NULL,                           0},
    {"GET",    "/readyz",                         glia_handle_readyz,             NULL,                           0},
    {"GET",    "/metrics",                        glia_handle_prometheus,         NULL,                           0},
    {"GET",    "/v1/version",                     glia_handle_version,            NULL,                           0},
    {"GET",    "/v1/presets",                     glia_handle_presets,            NULL,                           0},
    {"GET",    "/v1/presets/{name}",              glia_handle_preset,             NULL,                           0},
    {"GET",    "/v1/sessions",                    glia_handle_sessions_list,      glia_prepare_sessions_list,     0},
    {"POST",   "/v1/sessions",                    glia_handle_session_create,     glia_prepare_session_create,    LOOP | WRITE},
    {"GET",    "/v1/sessions/{name}",             glia_handle_session_get,        NULL,                           SESSION},
    {"DELETE", "/v1/sessions/{name}",             glia_handle_session_delete,     NULL,                           LOOP | WRITE | SESSION | ON_BROKEN},
    {"PUT",    "/v1/sessions/{name}/config",      glia_handle_session_config,     glia_prepare_session_config,    LOOP | WRITE | SESSION},
    {"POST",   "/v1/sessions/{name}/step",        glia_handle_session_step,       glia_prepare_session_step,      LOOP | WRITE | SESSION},
    {"POST",   "/v1/sessions/{name}/run",         glia_handle_session_run,        glia_prepare_session_run,       LOOP | WRITE | SESSION},
    {"POST",   "/v1/sessions/{name}/pause",       glia_handle_session_pause,      glia_prepare_empty_body,        LOOP | WRITE | SESSION},
    {"POST",   "/v1/sessions/{name}/resume",      glia_handle_session_resume,     glia_prepare_empty_body,        LOOP | WRITE | SESSION},
    {"POST",   "/v1/sessions/{name}/cancel",      glia_handle_session_cancel,     glia_prepare_empty_body,        LOOP | WRITE | SESSION},
    {"GET",    "/v1/sessions/{name}/metrics",     glia_handle_session_points,     glia_prepare_session_points,    SESSION},
    {"GET",    "/v1/sessions/{name}/outputs",     glia_handle_session_outputs,    glia_prepare_session_outputs,   SESSION},
    {"GET",    "/v1/sessions/{name}/events",      glia_handle_session_events,     glia_prepare_session_events,    SESSION | QUERY_TOKEN},
    {"GET",    "/v1/sessions/{name}/inference",   glia_handle_session_inference,  NULL,                           LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/astrocytes",  glia_handle_session_astrocytes, NULL,                           LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/learner",     glia_handle_session_learner,    NULL,                           LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/network",     glia_handle_session_network,    glia_prepare_session_network,   LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/result",      glia_handle_session_result,     NULL,                           LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/snapshot",    glia_handle_session_snapshot,   NULL,                           LOOP | SESSION},
    {"GET",    "/v1/sessions/{name}/objective",   glia_handle_objective_get,      NULL,                           LOOP | SESSION},
    {"POST",   "/v1/sessions/{name}/objective",   glia_handle_objective_post,     glia_prepare_objective,         LOOP | WRITE | SESSION},
    {"GET",    "/v1/experiments",                 glia_handle_experiments_list,   NULL,                           LOOP},
    {"POST",   "/v1/experiments",                 glia_handle_experiment_create,  glia_prepare_experiment_create, LOOP | WRITE},
    {"GET",    "/v1/experiments/templates",       glia_handle_experiment_templates, NULL,                         LOOP},
    {"GET",    "/v1/experiments/{name}",          glia_handle_experiment_get,     NULL,                           LOOP},
    {"DELETE", "/v1/experiments/{name}",          glia_handle_experiment_delete,  NULL,                           LOOP | WRITE},
    {"POST",   "/v1/experiments/{name}/cancel",   glia_handle_experiment_cancel,  NULL,                           LOOP | WRITE},
    {"GET",    "/v1/experiments/{name}/report",   glia_handle_experiment_report,  glia_prepare_experiment_report, LOOP},
    {"GET",    "/v1/experiments/{name}/curves",   glia_handle_experiment_curves,  glia_prepare_experiment_curves, LOOP},
    {"GET",    "/v1/experiments/{name}/runs",     glia_handle_experiment_runs,    glia_prepare_experiment_runs,   LOOP},
    {"GET",    "/v1/datasets",                    glia_handle_datasets_list,      NULL,                           0},
    {"POST",   "/v1/datasets",                    glia_handle_dataset_create,     glia_prepare_dataset_create,    LOOP | WRITE | UPLOAD},
    {"GET",    "/v1/datasets/{name}",             glia_handle_dataset_get,        NULL,                           0},
    {"DELETE", "/v1/datasets/{name}",             glia_handle_dataset_delete,     NULL,                           LOOP | WRITE},
    {"GET",    "/",                               glia_handle_ui_root,            glia_prepare_ui_query,          0},
    {"GET",    "/ui",                             glia_handle_ui_root,            glia_prepare_ui_query,          0},
    {"GET",    "/ui/{path...}",                   glia_handle_ui,                 glia_prepare_ui_query,          0},
};
/* clang-format on */

const size_t glia_n_routes = sizeof(glia_routes) / sizeof(glia_routes[0]);

_Static_assert(sizeof(glia_routes) / sizeof(glia_routes[0]) <= GLIA_ROUTES_MAX,
               "raise GLIA_ROUTES_MAX (server.h): /metrics counts requests per route");
