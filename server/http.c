/* http.c: the libmicrohttpd transport: connections, auth, bodies, queued replies.
 *
 * The access handler runs on HTTP threads. First call: build the request (request.c),
 * route the path against the route table, check the token and Content-Length. Body calls:
 * copy (or drop past the limit). Last call: refuse what the transport can judge (401, 404,
 * 405, 413, 400, 422 for a bad name, 400 for malformed JSON), then dispatch the route
 * (dispatch.c): at once for an HTTP-thread route, or by suspending the connection and
 * posting the request to the loop. A loop reply resumes the connection (resume_cb); MHD
 * then calls the handler once more and the reply is queued. Replies are built in
 * request.c; this file only sends them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../api/problem.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "request.h"

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

/* Bind the listening socket ourselves: one code path for IPv4/IPv6 and port 0. */
static int open_listener(glia_server_t *srv, char *msg, size_t size)
{
    char host[256], port[16];
    const char *colon = strrchr(srv->opt.listen, ':');
    struct addrinfo hints, *res = NULL;
    int fd, one = 1, rc;
    struct sockaddr_storage bound;
    socklen_t blen = sizeof(bound);

    snprintf(host, sizeof(host), "%.*s", (int)(colon - srv->opt.listen), srv->opt.listen);
    snprintf(port, sizeof(port), "%s", colon + 1);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
        snprintf(msg, size, "--listen %s: %s", srv->opt.listen, gai_strerror(rc));
        return GLIA_EINVAL;
    }
    if (!is_loopback(res->ai_addr) && srv->opt.token[0] == '\0') {
        snprintf(msg, size,
                 "--listen %s is not a loopback address: refusing to start without a token "
                 "(--token, --token-file, GLIA_TOKEN or GLIA_TOKEN_FILE)",
                 srv->opt.listen);
        freeaddrinfo(res);
        return GLIA_EINVAL;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 512) != 0) {
        snprintf(msg, size, "--listen %s: %s", srv->opt.listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return GLIA_EIO;
    }
    freeaddrinfo(res);
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                  : ((struct sockaddr_in *)&bound)->sin_port);
    srv->listen_fd = fd;
    return 0;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    /* Past the limit the request is refused (400); out of memory, the parameter is lost
     * and the request fails like any other allocation. */
    return glia_request_add_query(cls, key, value) == GLIA_ELIMIT ? MHD_NO : MHD_YES;
}

static enum MHD_Result queue_reply(glia_request_t *req)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;
    int has_cache_control = 0;

    /* For HEAD, MHD sends the headers (Content-Length included) and drops the body. */
    if (req->resp_static != NULL)
        resp = MHD_create_response_from_buffer(req->resp_len, (void *)req->resp_static,
                                               MHD_RESPMEM_PERSISTENT);
    else
        resp =
            MHD_create_response_from_buffer(req->resp_len, req->resp_body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL)
        return MHD_NO;
    req->resp_body = NULL; /* now owned by the response */
    if (req->resp_type)
        MHD_add_response_header(resp, "Content-Type", req->resp_type);
    if (req->location[0])
        MHD_add_response_header(resp, "Location", req->location);
    if (req->status == 405 && req->allow[0])
        MHD_add_response_header(resp, "Allow", req->allow);
    if (req->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"glia\"");
    for (int i = 0; i < req->n_resp_headers; i++) {
        MHD_add_response_header(resp, req->resp_headers[i][0], req->resp_headers[i][1]);
        has_cache_control |= strcasecmp(req->resp_headers[i][0], "Cache-Control") == 0;
    }
    if (!has_cache_control)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    rc = MHD_queue_response(req->conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Constant-time comparison: the time taken does not depend on where they differ. */
static int token_equal(const char *given, const char *want)
{
    size_t gl = strlen(given), wl = strlen(want);
    unsigned char diff = (unsigned char)(gl != wl);
    for (size_t i = 0; i < wl; i++)
        diff |= (unsigned char)(want[i] ^ (i < gl ? given[i] : 0));
    return diff == 0;
}

static int is_v1_path(const char *url)
{
    return strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/v1") == 0;
}

/* Every /v1 path needs the token, known or not: a client without it learns nothing,
 * not even which routes exist. */
static int check_auth(glia_server_t *srv, glia_request_t *req, const char *url)
{
    const char *h, *q;

    if (srv->opt.token[0] == '\0' || !is_v1_path(url))
        return 1;
    h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) /* the scheme is case-insensitive */
        return token_equal(h + 7, srv->opt.token);
    /* EventSource cannot send headers: streams may present the token in the query. */
    q = glia_request_query(req, "access_token");
    if (req->route != NULL && (req->route->flags & GLIA_ROUTE_QUERY_TOKEN) && q != NULL)
        return token_equal(q, srv->opt.token);
    return 0;
}

static void sanitize_path(const char *url, char *out, size_t size)
{
    size_t i;
    for (i = 0; url[i] && i + 1 < size; i++)
        out[i] = (url[i] > 0x20 && url[i] < 0x7f) ? url[i] : '?';
    out[i] = '\0';
}

/* Loop thread, from a reply: the reply is ready, MHD calls access_cb again to queue it. */
static void resume_cb(glia_request_t *req)
{
    MHD_resume_connection(req->conn);
}

/* First call for a connection's request: route it and read its headers. */
static glia_request_t *request_new(glia_server_t *srv, struct MHD_Connection *conn, const char *url,
                                   const char *method)
{
    glia_request_t *req = calloc(1, sizeof(*req));
    const char *v;

    if (req == NULL)
        return NULL;
    req->srv = srv;
    req->conn = conn;
    req->resume_cb = resume_cb;
    req->start_ns = glia_now_ns();
    snprintf(req->method, sizeof(req->method), "%s", method);
    sanitize_path(url, req->path, sizeof(req->path));
    req->match_status = glia_route_match(srv->routes, srv->n_routes, method, url, &req->match,
                                         req->allow, sizeof(req->allow));
    if (req->match_status == GLIA_MATCH_OK)
        req->route = req->match.route;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, req);
    if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID")) != NULL)
        snprintf(req->last_event_id, sizeof(req->last_event_id), "%s", v);
    if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept")) != NULL)
        req->accepts_ndjson = strstr(v, "application/x-ndjson") != NULL;
    if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-None-Match")) != NULL)
        snprintf(req->if_none_match, sizeof(req->if_none_match), "%s", v);
    if ((v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding")) != NULL)
        snprintf(req->accept_encoding, sizeof(req->accept_encoding), "%s", v);
    req->is_authorized = check_auth(srv, req, url);
    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v != NULL && strtoull(v, NULL, 10) > srv->opt.max_body_bytes)
        req->is_too_big = 1;
    return req;
}

/* Last call: refuse what the transport can judge, then hand the request to its route.
 * Returns 1 when the answer comes later (loop or stream), 0 when it is ready now. */
static int route_request(glia_server_t *srv, glia_request_t *req)
{
    if (!req->is_authorized) {
        glia_reply_problem(req, glia_problem(401, "unauthorized",
                                             "this server needs \"Authorization: Bearer "
                                             "<token>\" on /v1"));
    } else if (req->match_status == GLIA_MATCH_NOT_FOUND) {
        glia_reply_problem(req, glia_problem(404, "not-found", "no such path: %s", req->path));
    } else if (req->match_status == GLIA_MATCH_BAD_METHOD) {
        glia_reply_problem(req, glia_problem(405, "method-not-allowed",
                                             "%s is not allowed here; allowed: %s", req->method,
                                             req->allow));
    } else if (req->is_too_big) {
        glia_reply_problem(req,
                           glia_problem(413, "body-too-large", "the request body exceeds %zu bytes",
                                        srv->opt.max_body_bytes));
    } else if (req->query_overflow) {
        glia_reply_problem(req,
                           glia_problem(400, "bad-query", "too many query parameters (at most %d)",
                                        GLIA_QUERY_MAX));
    } else if (!req->match.name_valid) {
        glia_reply_problem(req, glia_problem(422, "invalid-name",
                                             "\"%.64s\" is not a valid name: names match "
                                             "[a-z0-9][a-z0-9._-]{0,63}",
                                             req->match.name));
    } else if (glia_request_parse_body(req) != 0) {
        /* answered: 400 malformed-json */
    } else if (!(req->route->flags & GLIA_ROUTE_LOOP)) {
        glia_dispatch_direct(srv, req);
        return req->is_stream;
    } else if (atomic_load(&srv->is_shutting_down)) {
        glia_reply_shutting_down(req);
    } else {
        /* Suspended before it is queued: the loop may answer (and resume) at once. */
        req->is_suspended = 1;
        MHD_suspend_connection(req->conn);
        glia_dispatch_post(srv, req);
        return 1;
    }
    return 0;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    glia_server_t *srv = cls;
    glia_request_t *req = *con_cls;
    (void)version;

    if (req == NULL) {
        if ((req = request_new(srv, conn, url, method)) == NULL)
            return MHD_NO;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        /* Body chunk. Past the limit we keep reading (so the 413 can be delivered) but
         * drop the bytes; an unauthorised request's body is dropped too. */
        if (req->is_authorized && glia_request_append_body(req, upload_data, *upload_data_size,
                                                           srv->opt.max_body_bytes) == GLIA_ENOMEM)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->is_ready)
        return queue_reply(req); /* answered by the loop; called again after resume */
    if (route_request(srv, req))
        return MHD_YES;
    return queue_reply(req);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    glia_server_t *srv = cls;
    glia_request_t *req = *con_cls;
    uint64_t dur;
    (void)conn;
    (void)toe;

    if (req == NULL)
        return;
    dur = glia_now_ns() - req->start_ns;
    glia_stats_request(srv, req->route ? req->match.index : GLIA_ROUTES_MAX, req->status, dur,
                       req->is_stream);
    glia_log_request(req->method, req->path, req->route ? req->match.template : "unmatched",
                     req->status, (double)dur / 1e9);
    glia_request_free(req);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    glia_log("warn", NULL, "http: %s", msg);
}

int glia_http_start(glia_server_t *srv)
{
    char msg[512];
    int rc;

    if ((rc = open_listener(srv, msg, sizeof(msg))) != 0) {
        glia_log("error", NULL, "%s", msg);
        return rc;
    }
    srv->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, MHD_OPTION_LISTEN_SOCKET,
        srv->listen_fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->opt.http_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)srv->opt.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_NOTIFY_COMPLETED, completed_cb,
        srv, MHD_OPTION_END);
    if (srv->mhd == NULL) {
        glia_log("error", NULL, "cannot start the HTTP server on %s", srv->opt.listen);
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return GLIA_EIO;
    }
    return 0;
}

void glia_http_stop(glia_server_t *srv)
{
    if (srv->mhd == NULL)
        return;
    MHD_stop_daemon(srv->mhd);
    srv->mhd = NULL;
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    srv->listen_fd = -1;
}
