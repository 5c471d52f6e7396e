/* handle_datasets.c: POST, GET and DELETE /v1/datasets: datasets as stored objects
 * (docs/datasets.md).
 *
 * POST's body is the file's bytes (`curl --data-binary @iris.csv`), gzip or not, with the
 * name and format in the query; IDX is the images file then its labels file in one body
 * (`cat images labels | curl --data-binary @-`). Its bound is --max-dataset-bytes
 * (GLIA_ROUTE_UPLOAD: the transport neither parses it as JSON nor holds it to
 * --max-body-bytes). Parsing is work that grows with the file, so it runs on the pool
 * (glia_runner_call), with the body and everything the parse allocates counted against
 * --max-memory; the loop then hands the content to the store thread and answers 201 once
 * it is committed.
 *
 * GET reads the store on a fresh read-only connection on the HTTP thread (what is
 * committed, as event replay does); DELETE is a store operation, refused with 409 while
 * a session uses the dataset (server/datasets/usage.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/dataset.h"
#include "api/problem.h"
#include "server/datasets/load.h"
#include "server/datasets/usage.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/log.h"
#include "server/routes/handlers.h"
#include "server/sessions/runner.h"
#include "server/store/store.h"
#include "server/store/store_datasets.h"

typedef struct upload {
    glia_request_t *req;
    glia_dataset_options_t opt;
    uint64_t body_held; /* budget taken for the body while it is parsed */
    int rc;
    glia_error_t err;
    glia_dataset_where_t where;
    glia_dataset_loaded_t out;
} upload_t;

static const char *const header_modes[] = {"auto", "no", "yes", NULL};

static int index_of(const char *const *list, const char *v)
{
    for (int i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], v) == 0)
            return i;
    return -1;
}

int glia_prepare_dataset_create(glia_request_t *req, glia_error_t *err)
{
    static const char *const known[] = {"name", "format", "label", "header", NULL};
    const char *name = glia_request_query(req, "name");
    const char *format = glia_request_query(req, "format");
    const char *header = glia_request_query(req, "header");
    int rc;

    if ((rc = glia_request_only_query(req, known, err)) != 0)
        return rc;
    if (name == NULL)
        return glia_error_set(err, GLIA_EINVAL, "?name", "is required: the dataset's name");
    if (!glia_name_valid(name))
        return glia_error_set(err, GLIA_EINVAL, "?name",
                              "\"%.64s\" is not a valid name: names match "
                              "[a-z0-9][a-z0-9._-]{0,63}",
                              name);
    if (format == NULL)
        return glia_error_set(err, GLIA_EINVAL, "?format", "is required: csv, sklearn or idx");
    if ((req->format = index_of(glia_dataset_formats, format)) < 0)
        return glia_error_set(err, GLIA_EINVAL, "?format",
                              "\"%.32s\" is not a dataset format: csv, sklearn or idx", format);
    if (header != NULL && index_of(header_modes, header) < 0)
        return glia_error_set(err, GLIA_EINVAL, "?header", "must be auto, yes or no");
    if (req->format != GLIA_DATASET_CSV && (header != NULL || glia_request_query(req, "label")))
        return glia_error_set(err, GLIA_EINVAL, header != NULL ? "?header" : "?label",
                              "is for format=csv only (%s files say where their labels are)",
                              format);
    return 0;
}

static void load_work(void *arg)
{
    upload_t *up = arg;

    up->rc = glia_dataset_load((const uint8_t *)up->req->body, up->req->body_len, &up->opt,
                               up->req->srv->opt.max_dataset_bytes, &up->req->srv->budget, &up->out,
                               &up->err, &up->where);
}

static void upload_free(glia_server_t *srv, upload_t *up)
{
    glia_budget_give(&srv->budget, up->body_held + up->out.held);
    glia_dataset_loaded_destroy(&up->out);
    free(up);
}

/* The problem for a load that failed. */
static json_t *load_problem(glia_server_t *srv, const upload_t *up)
{
    const char *msg = up->err.message[0] ? up->err.message : glia_strerror(up->rc);
    json_t *p;

    if (up->rc == GLIA_ELIMIT && up->out.is_over_budget)
        return glia_budget_problem(&srv->budget, up->out.need, "parsing this dataset");
    if (up->rc == GLIA_ELIMIT)
        return glia_problem(413, "body-too-large", "%s", msg);
    if (up->rc == GLIA_EFORMAT)
        p = glia_problem(400, "bad-dataset", "%s", msg);
    else if (up->rc == GLIA_ERANGE || up->rc == GLIA_EINVAL)
        p = glia_problem(422, "invalid-dataset", "%s", msg);
    else
        return glia_problem(500, "internal", "%s", msg);
    if (p != NULL && up->err.field[0] == '?')
        json_object_set_new(p, "parameter", json_string(up->err.field + 1));
    if (p != NULL && up->where.row > 0)
        json_object_set_new(p, "line", json_integer(up->where.row));
    if (p != NULL && up->where.column > 0)
        json_object_set_new(p, "column", json_integer(up->where.column));
    if (p != NULL && up->rc == GLIA_EFORMAT && up->opt.format == GLIA_DATASET_IDX)
        json_object_set_new(p, "offset", json_integer(up->where.offset));
    return p;
}

static void stored_cb(glia_store_op_t *op, int status, void *arg)
{
    upload_t *up = arg;
    glia_request_t *req = up->req;
    glia_server_t *srv = req->srv;
    const char *name = glia_request_query(req, "name");

    if (status != 0) {
        glia_reply_problem(req, glia_problem(507, "store-failed",
                                             "dataset \"%s\" was not stored: %s", name, op->error));
    } else if (glia_store_op_dataset_outcome(op) == GLIA_EEXIST) {
        glia_reply_problem(req, glia_problem(409, "dataset-exists",
                                             "dataset \"%s\" exists; delete it first or choose "
                                             "another name",
                                             name));
    } else {
        snprintf(req->location, sizeof(req->location), "/v1/datasets/%s", name);
        glia_reply_json(req, 201, json_incref(up->out.meta));
    }
    upload_free(srv, up);
}

static void load_done(glia_server_t *srv, void *arg)
{
    upload_t *up = arg;
    glia_request_t *req = up->req;
    glia_store_op_t *op;
    json_t *copy;

    glia_budget_give(&srv->budget, up->body_held);
    up->body_held = 0;
    if (up->rc != 0) {
        glia_reply_problem(req, load_problem(srv, up));
        upload_free(srv, up);
        return;
    }
    json_object_set_new(up->out.meta, "name", json_string(glia_request_query(req, "name")));
    json_object_set_new(up->out.meta, "format", json_string(glia_dataset_formats[req->format]));
    json_object_set_new(up->out.meta, "created_at", json_real(glia_wall()));
    copy = json_deep_copy(up->out.meta); /* the store thread's own */
    op = glia_store_op_new(NULL, stored_cb, up);
    if (copy == NULL || op == NULL ||
        glia_store_op_put_dataset(op, glia_request_query(req, "name"), up->out.hash, up->out.blob,
                                  up->out.blob_len, copy) != 0) {
        json_decref(copy);
        glia_store_op_free(op);
        glia_reply_oom(req);
        upload_free(srv, up);
        return;
    }
    up->out.blob = NULL; /* the op's now */
    glia_store_submit(srv->store, op);
}

void glia_handle_dataset_create(glia_server_t *srv, glia_request_t *req)
{
    const char *header = glia_request_query(req, "header");
    upload_t *up = calloc(1, sizeof(*up));

    if (up == NULL) {
        glia_reply_oom(req);
        return;
    }
    up->req = req;
    up->opt.format = req->format;
    up->opt.header = header == NULL ? -1 : index_of(header_modes, header) - 1;
    up->opt.label = glia_request_query(req, "label");
    glia_error_clear(&up->err);
    if (glia_budget_take(&srv->budget, req->body_len) != 0) {
        glia_reply_problem(
            req, glia_budget_problem(&srv->budget, req->body_len, "holding this dataset's body"));
        free(up);
        return;
    }
    up->body_held = req->body_len;
    if (glia_runner_call(srv, load_work, load_done, up) != 0) {
        glia_reply_oom(req);
        upload_free(srv, up);
    }
}

void glia_handle_datasets_list(glia_server_t *srv, glia_request_t *req)
{
    json_t *all;
    int rc = glia_store_datasets_list(glia_store_path(srv->store), &all);

    if (rc == GLIA_ENOMEM)
        glia_reply_oom(req);
    else if (rc != 0)
        glia_reply_problem(req, glia_problem(500, "store-failed", "cannot read the datasets"));
    else
        glia_reply_json(req, 200, json_pack("{s:o}", "datasets", all));
}

void glia_handle_dataset_get(glia_server_t *srv, glia_request_t *req)
{
    json_t *meta;
    int rc = glia_store_dataset_get(glia_store_path(srv->store), req->match.name, &meta);

    if (rc == GLIA_ENOENT)
        glia_reply_not_found(req, "dataset");
    else if (rc == GLIA_ENOMEM)
        glia_reply_oom(req);
    else if (rc != 0)
        glia_reply_problem(
            req, glia_problem(500, "store-failed", "cannot read dataset \"%s\"", req->match.name));
    else
        glia_reply_json(req, 200, meta);
}

static void deleted_cb(glia_store_op_t *op, int status, void *arg)
{
    glia_request_t *req = arg;

    if (status != 0)
        glia_reply_problem(req,
                           glia_problem(507, "store-failed", "dataset \"%s\" was not deleted: %s",
                                        req->match.name, op->error));
    else if (glia_store_op_dataset_outcome(op) == GLIA_ENOENT)
        glia_reply_not_found(req, "dataset");
    else
        glia_reply_empty(req, 204);
}

void glia_handle_dataset_delete(glia_server_t *srv, glia_request_t *req)
{
    char user[GLIA_NAME_MAX + 1];
    glia_store_op_t *op;

    if (glia_dataset_user(srv, req->match.name, user, sizeof(user))) {
        glia_reply_problem(req, glia_problem(409, "dataset-in-use",
                                             "dataset \"%s\" is used by session \"%s\"; delete "
                                             "the session first",
                                             req->match.name, user));
        return;
    }
    if ((op = glia_store_op_new(NULL, deleted_cb, req)) == NULL ||
        glia_store_op_delete_dataset(op, req->match.name) != 0) {
        glia_store_op_free(op);
        glia_reply_oom(req);
        return;
    }
    glia_store_submit(srv->store, op);
}
