/* refusal.c: the HTTP answer to an admission that was refused (glia_admit_t, lifecycle.h).
 *
 * The lifecycle and the study engine say why not; this is the one place that says how it
 * is answered: 409 for a state or a name, 422 for --max-points, 507 for --max-sessions and
 * --max-memory.
 */
#include "api/problem.h"
#include "server/http/reply.h"
#include "server/routes/handlers.h"

/* 422 at the admission's field, typed history-limit, with the limit when it is shown. */
static json_t *points_problem(const glia_admit_t *a)
{
    glia_error_t err;
    json_t *p;

    glia_error_clear(&err);
    snprintf(err.field, sizeof(err.field), "%s", a->field ? a->field : "");
    snprintf(err.message, sizeof(err.message), "%s", a->reason);
    p = glia_problem_validation(&err);
    if (p != NULL) {
        json_object_set_new(p, "type", json_string("urn:glia:problem:history-limit"));
        if (a->limit > 0)
            json_object_set_new(p, "max_points", json_integer(a->limit));
    }
    return p;
}

void glia_reply_refusal(glia_request_t *req, const glia_entry_t *e, const glia_admit_t *a)
{
    switch (a->code) {
    case GLIA_ADMIT_STATE:
        if (e != NULL)
            glia_reply_conflict(req, e, a->reason);
        else
            glia_reply_problem(req, glia_problem(409, "conflict", "%s", a->reason));
        break;
    case GLIA_ADMIT_EXISTS:
        glia_reply_problem(req, glia_problem(409, "exists", "%s", a->reason));
        break;
    case GLIA_ADMIT_SESSIONS:
        glia_reply_problem(req, glia_problem(507, "too-many-sessions", "%s", a->reason));
        break;
    case GLIA_ADMIT_POINTS:
        glia_reply_problem(req, points_problem(a));
        break;
    case GLIA_ADMIT_MEMORY:
        glia_reply_problem(req, glia_budget_problem(&req->srv->budget, a->need, a->reason));
        break;
    default: /* admitted: a caller's mistake */
        glia_reply_problem(req, glia_problem(500, "internal", "unexpected admission %d", a->code));
    }
}
