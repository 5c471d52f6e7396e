/* handlers.h: every route's handler and prepare function, as routes.c names them.
 *
 * A handler answers its request with the glia_reply_* calls (request.h), on the thread its
 * row's flags say. A prepare function parses and validates the request into it, once, and
 * never answers (see glia_route_prepare_fn).
 *
 *   handle_service.c        probes, /metrics, version, presets (HTTP threads)
 *   handle_sessions.c       the session collection and what changes a session
 *   handle_session_reads.c  what reads a session's learning state (loop)
 *   handle_experiments.c    seeds x conditions studies (loop; the engine is study.c)
 *   handle_objective.c      scoring weight vectors on a session's task (loop, pool)
 *   handle_ui.c             the web UI's embedded files (HTTP threads)
 *   handle_datasets.c       datasets as stored objects (parsed on the pool)
 *   refusal.c               the answer to a refused admission, for all of them
 */
#ifndef GLIA_HANDLERS_H
#define GLIA_HANDLERS_H

#include "server/server.h"
#include "server/sessions/lifecycle.h"

/* handle_service.c */
void glia_handle_healthz(glia_server_t *srv, glia_request_t *req);
void glia_handle_readyz(glia_server_t *srv, glia_request_t *req);
void glia_handle_prometheus(glia_server_t *srv, glia_request_t *req);
void glia_handle_version(glia_server_t *srv, glia_request_t *req);
void glia_handle_presets(glia_server_t *srv, glia_request_t *req);
void glia_handle_preset(glia_server_t *srv, glia_request_t *req);

/* handle_sessions.c */
int glia_prepare_sessions_list(glia_request_t *req, glia_error_t *err);
void glia_handle_sessions_list(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_create(glia_request_t *req, glia_error_t *err);
void glia_handle_session_create(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_get(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_delete(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_config(glia_request_t *req, glia_error_t *err);
void glia_handle_session_config(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_step(glia_request_t *req, glia_error_t *err);
void glia_handle_session_step(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_run(glia_request_t *req, glia_error_t *err);
void glia_handle_session_run(glia_server_t *srv, glia_request_t *req);
int glia_prepare_empty_body(glia_request_t *req, glia_error_t *err);
void glia_handle_session_pause(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_resume(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_cancel(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_points(glia_request_t *req, glia_error_t *err);
void glia_handle_session_points(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_outputs(glia_request_t *req, glia_error_t *err);
void glia_handle_session_outputs(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_events(glia_request_t *req, glia_error_t *err);
void glia_handle_session_events(glia_server_t *srv, glia_request_t *req);

/* handle_session_reads.c */
void glia_handle_session_inference(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_astrocytes(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_learner(glia_server_t *srv, glia_request_t *req);
int glia_prepare_session_network(glia_request_t *req, glia_error_t *err);
void glia_handle_session_network(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_result(glia_server_t *srv, glia_request_t *req);
void glia_handle_session_snapshot(glia_server_t *srv, glia_request_t *req);

/* handle_experiments.c */
void glia_handle_experiments_list(glia_server_t *srv, glia_request_t *req);
int glia_prepare_experiment_create(glia_request_t *req, glia_error_t *err);
void glia_handle_experiment_create(glia_server_t *srv, glia_request_t *req);
void glia_handle_experiment_templates(glia_server_t *srv, glia_request_t *req);
void glia_handle_experiment_get(glia_server_t *srv, glia_request_t *req);
void glia_handle_experiment_delete(glia_server_t *srv, glia_request_t *req);
void glia_handle_experiment_cancel(glia_server_t *srv, glia_request_t *req);
int glia_prepare_experiment_report(glia_request_t *req, glia_error_t *err);
void glia_handle_experiment_report(glia_server_t *srv, glia_request_t *req);
int glia_prepare_experiment_curves(glia_request_t *req, glia_error_t *err);
void glia_handle_experiment_curves(glia_server_t *srv, glia_request_t *req);
int glia_prepare_experiment_runs(glia_request_t *req, glia_error_t *err);
void glia_handle_experiment_runs(glia_server_t *srv, glia_request_t *req);

/* handle_objective.c */
void glia_handle_objective_get(glia_server_t *srv, glia_request_t *req);
int glia_prepare_objective(glia_request_t *req, glia_error_t *err);
void glia_handle_objective_post(glia_server_t *srv, glia_request_t *req);

/* handle_datasets.c */
void glia_handle_datasets_list(glia_server_t *srv, glia_request_t *req);
int glia_prepare_dataset_create(glia_request_t *req, glia_error_t *err);
void glia_handle_dataset_create(glia_server_t *srv, glia_request_t *req);
void glia_handle_dataset_get(glia_server_t *srv, glia_request_t *req);
void glia_handle_dataset_delete(glia_server_t *srv, glia_request_t *req);

/* handle_ui.c */
int glia_prepare_ui_query(glia_request_t *req, glia_error_t *err);
void glia_handle_ui_root(glia_server_t *srv, glia_request_t *req);
void glia_handle_ui(glia_server_t *srv, glia_request_t *req);

/* refusal.c: answer a refused admission (a->code is not GLIA_ADMIT_YES, DONE, WAIT or
 * STOP): 409 for a state (about `e`, which may be NULL) or a taken name, 422 for
 * --max-points, 507 for --max-sessions and --max-memory. */
void glia_reply_refusal(glia_request_t *req, const glia_entry_t *e, const glia_admit_t *a);

#endif
