/* handle_experiments.c: the routes of seeds x conditions studies (loop).
 *
 * Each handler parses its request, asks the study engine (server/sessions/study.c) and
 * maps its answer to HTTP: a refused admission through refusal.c, a write's outcome once
 * it is stored (202 for a creation, 200 for a cancel, 204 for a delete).
 */
#include <stdlib.h>
#include <string.h>

#include "api/csv.h"
#include "api/experiment_curves.h"
#include "api/experiment_runs.h"
#include "api/problem.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/routes/handlers.h"
#include "server/sessions/entry.h"
#include "server/sessions/study.h"

/* The experiment named in the path, or NULL after answering 404. */
static glia_study_t *named(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = glia_study_find(srv, req->match.name);
    if (x == NULL)
        glia_reply_problem(
            req, glia_problem(404, "not-found", "no experiment named \"%s\"", req->match.name));
    return x;
}

/* Answer a write of a study with `status` once it is stored, or say why it was not. */
static void reply_written(glia_request_t *req, int status, const glia_study_outcome_t *out)
{
    if (out->status == GLIA_EIO)
        glia_reply_problem(req, glia_problem(507, "store-failed",
                                             "the experiment was not stored: %s", out->error));
    else if (out->status == GLIA_ESTATE)
        glia_reply_problem(req, glia_problem(409, "conflict",
                                             "experiment \"%s\" was deleted while its sessions "
                                             "were being created",
                                             out->name));
    else if (out->status != 0)
        glia_reply_oom(req);
    else
        glia_reply(req, status, out->body);
}

static void created_cb(glia_server_t *srv, const glia_study_outcome_t *out, void *arg)
{
    (void)srv;
    reply_written(arg, 202, out);
}

static void cancelled_cb(glia_server_t *srv, const glia_study_outcome_t *out, void *arg)
{
    (void)srv;
    reply_written(arg, 200, out);
}

static void deleted_cb(glia_server_t *srv, const glia_study_outcome_t *out, void *arg)
{
    (void)srv;
    reply_written(arg, 204, out);
}

void glia_handle_experiment_templates(glia_server_t *srv, glia_request_t *req)
{
    (void)srv;
    glia_reply_json(req, 200, json_pack("{s:o}", "items", glia_experiment_templates()));
}

void glia_handle_experiments_list(glia_server_t *srv, glia_request_t *req)
{
    glia_reply_json(req, 200, json_pack("{s:o}", "items", glia_study_list(srv)));
}

void glia_handle_experiment_get(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req);
    if (x != NULL && glia_study_shown(x) == NULL) /* its creation is not stored yet */
        glia_reply_problem(
            req, glia_problem(404, "not-found", "no experiment named \"%s\"", req->match.name));
    else if (x != NULL)
        glia_reply_json(req, 200, glia_study_json(srv, x, 1));
}

int glia_prepare_experiment_create(glia_request_t *req, glia_error_t *err)
{
    int rc = glia_request_only_query(req, NULL, err);

    if (rc != 0)
        return rc;
    if (req->json == NULL)
        return glia_error_set(err, GLIA_EINVAL, "",
                              "a JSON body is required (see GET /v1/experiments/templates)");
    if ((req->experiment_spec = malloc(sizeof(*req->experiment_spec))) == NULL)
        return GLIA_ENOMEM;
    return glia_experiment_parse(req->json, req->experiment_spec, err);
}

void glia_handle_experiment_create(glia_server_t *srv, glia_request_t *req)
{
    const glia_experiment_spec_t *spec = req->experiment_spec;
    glia_admit_t a;

    if (glia_study_admit(srv, spec, &a) != GLIA_ADMIT_YES) {
        glia_reply_refusal(req, NULL, &a);
        return;
    }
    /* The answer may come before glia_study_create returns (req is gone then). */
    snprintf(req->location, sizeof(req->location), "/v1/experiments/%s", spec->name);
    if (glia_study_create(srv, spec, json_object_get(req->json, "description"), created_cb, req) !=
        0) {
        req->location[0] = '\0';
        glia_reply_oom(req);
    }
}

void glia_handle_experiment_cancel(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req);

    if (x != NULL)
        glia_study_cancel(srv, x, cancelled_cb, req);
}

void glia_handle_experiment_delete(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req);

    if (x != NULL)
        glia_study_delete(srv, x, deleted_cb, req);
}

/* ?format=json|md|csv, else 400 (answered). */
static const char *report_format(glia_request_t *req)
{
    const char *format = glia_request_query(req, "format");
    json_t *p;

    if (format == NULL)
        return "json";
    if (strcmp(format, "json") == 0 || strcmp(format, "md") == 0 || strcmp(format, "csv") == 0)
        return format;
    p = glia_problem(400, "bad-query", "query parameter format must be json, csv or md");
    if (p != NULL)
        json_object_set_new(
            p, "errors",
            json_pack("[{s:s, s:s}]", "parameter", "format", "detail", "must be json, csv or md"));
    glia_reply_problem(req, p);
    return NULL;
}

int glia_prepare_experiment_report(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"format", NULL}; /* its values: report_format */
    return glia_request_only_query(req, takes, err);
}

void glia_handle_experiment_report(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req); /* answered when NULL: req is gone */
    const char *format;
    json_t *doc;
    char *text;
    size_t len;

    if (x == NULL || (format = report_format(req)) == NULL)
        return;
    doc = glia_study_shown(x);
    if (json_object_get(doc, "results") == NULL || json_is_null(json_object_get(doc, "results"))) {
        json_t *p = glia_problem(409, "conflict",
                                 "experiment \"%s\" is %s: its report is ready when every run "
                                 "has finished",
                                 glia_study_name(x), glia_state_name(glia_study_state(x)));
        if (p != NULL)
            json_object_set_new(p, "progress", glia_study_progress(srv, x));
        glia_reply_problem(req, p);
        return;
    }
    if (strcmp(format, "json") == 0) {
        glia_reply_json(req, 200, glia_study_json(srv, x, 1));
        return;
    }
    text = strcmp(format, "md") == 0 ? glia_experiment_report_md(doc, &len)
                                     : glia_experiment_report_csv(doc, &len);
    if (text == NULL) {
        glia_reply_oom(req);
        return;
    }
    glia_reply_text(req, 200,
                    strcmp(format, "md") == 0 ? "text/markdown; charset=utf-8"
                                              : "text/csv; charset=utf-8",
                    text, len);
}

/* 200 with a CSV table (api/csv.h), or 500 when it could not be built. Takes `text`. */
static void reply_csv(glia_request_t *req, char *text, size_t len)
{
    if (text == NULL)
        glia_reply_oom(req);
    else
        glia_reply_text(req, 200, "text/csv; charset=utf-8", text, len);
}

/* ?x of the curves: GLIA_CURVES_X_*, episodes when absent; -1 for another value. */
static int curves_x(glia_request_t *req)
{
    const char *v = glia_request_query(req, "x");

    if (v == NULL || strcmp(v, "episodes") == 0)
        return GLIA_CURVES_X_EPISODES;
    return strcmp(v, "reward_queries") == 0 ? GLIA_CURVES_X_REWARD_QUERIES : -1;
}

int glia_prepare_experiment_curves(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"max_points", "format", "x", NULL};
    const char *v;
    int rc;

    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    if (curves_x(req) < 0)
        return glia_error_set(err, GLIA_EINVAL, "?x", "must be episodes or reward_queries");
    if ((v = glia_request_query(req, "format")) != NULL &&
        (rc = glia_query_format(v, glia_table_formats, &req->format, err)) != 0)
        return rc;
    req->max_points = GLIA_CURVES_DEFAULT_POINTS;
    if ((v = glia_request_query(req, "max_points")) != NULL)
        return glia_query_int("max_points", v, 2, GLIA_CURVES_MAX_POINTS, &req->max_points, err);
    return 0;
}

void glia_handle_experiment_curves(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req); /* answered when NULL: req is gone */
    json_t *curves;

    if (x == NULL)
        return;
    curves = glia_study_curves(srv, x, (size_t)req->max_points, curves_x(req));
    if (curves == NULL) {
        glia_reply_oom(req);
    } else if (req->format == GLIA_FORMAT_CSV) {
        size_t len;
        char *text = glia_csv_curves(curves, &len);
        reply_csv(req, text, len);
        json_decref(curves);
    } else {
        glia_reply_json(req, 200, curves);
    }
}

int glia_prepare_experiment_runs(glia_request_t *req, glia_error_t *err)
{
    static const char *const takes[] = {"format", NULL};
    const char *v;
    int rc;

    if ((rc = glia_request_only_query(req, takes, err)) != 0)
        return rc;
    if ((v = glia_request_query(req, "format")) != NULL)
        return glia_query_format(v, glia_table_formats, &req->format, err);
    return 0;
}

/* The runs recorded so far, from the shown document (at most GLIA_MAX_RUNS records). */
void glia_handle_experiment_runs(glia_server_t *srv, glia_request_t *req)
{
    glia_study_t *x = named(srv, req); /* answered when NULL: req is gone */
    json_t *runs;

    if (x == NULL)
        return;
    if (glia_study_shown(x) == NULL) { /* its creation is not stored yet */
        glia_reply_problem(
            req, glia_problem(404, "not-found", "no experiment named \"%s\"", req->match.name));
        return;
    }
    if ((runs = glia_experiment_runs(glia_study_shown(x))) == NULL) {
        glia_reply_oom(req);
    } else if (req->format == GLIA_FORMAT_CSV) {
        size_t len;
        char *text = glia_csv_rows(json_object_get(runs, "runs"), &len);
        reply_csv(req, text, len);
        json_decref(runs);
    } else {
        glia_reply_json(req, 200, runs);
    }
}
