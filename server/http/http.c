/* http.c: the libmicrohttpd transport: connections, auth, bodies, queued replies.
 *
 * A request begins when its request line has arrived (uri_cb): the target is decoded here,
 * not by the library, so that a name is judged whole: %00 and %2F stay encoded (a name
 * holding them fails the name grammar, 422, instead of being cut at the NUL or split at the
 * slash), and a query parameter holding %00 is refused (422) rather than cut short.
 *
 * The access handler runs on HTTP threads. First call: build the request (request.c),
 * route the path against the route table, check the token and Content-Length. Body calls:
 * copy (or drop past the limit). Last call: refuse what the transport can judge (414, 431,
 * 400 without Host, 401, 404, 405, 413, 400, 422 for a bad name or a NUL in the query, 400
 * for malformed JSON), then dispatch the route (dispatch.c): at once for an HTTP-thread
 * route, or by suspending the connection and posting the request to the loop. A loop reply
 * resumes the connection (resume_cb); MHD then calls the handler once more and the reply is
 * queued. Replies are built in request.c; this file only sends them.
 *
 * Slow clients. The library's own timeout is idle time, which a client sending a byte now
 * and then never reaches. So every connection has a deadline (--request-timeout) while it
 * waits for a request's line and headers, and again while a body arrives; a timer on the
 * loop closes what is past it (with a 408 problem when a request had begun). Connections
 * beyond --max-connections are admitted into a small reserve, and each one admitted there
 * closes the connection that has waited longest without sending a complete request (or,
 * when none is waiting, itself): clients that send whole requests, /healthz included, get
 * in while slow ones hold every slot. The library's per-address limit
 * (--max-connections-per-ip) keeps one client from taking most of them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/problem.h"
#include "server/http/dispatch.h"
#include "server/http/http.h"
#include "server/http/reply.h"
#include "server/http/request.h"
#include "server/log.h"
#include "server/metrics.h"

#define GLIA_URI_MAX     8192  /* the request target, query included: longer is 414 */
#define GLIA_HEADERS_MAX 16384 /* the request line and headers together: more is 431 */
/* The library's buffer per connection. A request line and headers that do not fit in it
 * are refused by the library itself, with its own page: it is kept well above the two
 * limits above, so that gliad answers those with a problem first. */
#define GLIA_CONN_POOL 65536

/* ---- connections: deadlines, and room for clients that send whole requests ---------- */

typedef struct glia_conn {
    struct glia_conn *prev, *next;
    int fd;
    int is_waiting;       /* no request is being read or answered: it may be closed for room */
    int has_request_line; /* a request has begun (its line arrived) and is not complete */
    int is_closing;       /* shut down by us; the library has yet to notice */
    double since;         /* when it began waiting */
    double deadline;      /* monotonic seconds; 0: none */
} glia_conn_t;

struct glia_conns {
    pthread_mutex_t mu;
    glia_conn_t head; /* sentinel of a circular list */
    int count;        /* open, the ones we are closing included */
    int closing;      /* of which shut down by us */
    int limit;        /* --max-connections */
    double timeout;   /* --request-timeout */
};

static glia_conn_t *conn_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* Close `c` (caller holds the list's mutex). The library owns the socket: shutting it down
 * makes its next read see the end, and it closes the connection itself; the descriptor
 * stays open until the CLOSED notification, which takes the same mutex. A request that had
 * begun gets a 408 problem first: nothing else writes on a connection that is reading. */
static void conn_close(struct glia_conns *cs, glia_conn_t *c)
{
    static const char body[] =
        "{\"type\":\"urn:glia:problem:request-timeout\",\"title\":\"Request Timeout\","
        "\"status\":408,\"detail\":\"the request did not arrive within --request-timeout; "
        "the connection is closed\"}\n";
    char head[256];
    int n;

    if (c->is_closing)
        return;
    if (c->has_request_line) {
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\n"
                     "Connection: close\r\nContent-Length: %zu\r\n\r\n",
                     sizeof(body) - 1);
        if (send(c->fd, head, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) == n)
            (void)send(c->fd, body, sizeof(body) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    shutdown(c->fd, SHUT_RDWR);
    c->is_closing = 1;
    c->is_waiting = 0;
    c->deadline = 0;
    cs->closing++;
}

static void conn_notify_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    glia_server_t *srv = cls;
    struct glia_conns *cs = srv->conns;
    glia_conn_t *c = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        glia_conn_t *victim = NULL;

        if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
            return;
        c->fd = ci->connect_fd;
        c->is_waiting = 1;
        c->since = glia_now();
        c->deadline = c->since + cs->timeout;
        *socket_context = c;
        pthread_mutex_lock(&cs->mu);
        c->prev = cs->head.prev;
        c->next = &cs->head;
        cs->head.prev->next = c;
        cs->head.prev = c;
        cs->count++;
        if (cs->count - cs->closing > cs->limit) {
            /* Full: make room by closing whoever has waited longest without a request. */
            for (glia_conn_t *p = cs->head.next; p != &cs->head; p = p->next) {
                if (p != c && p->is_waiting && !p->is_closing &&
                    (victim == NULL || p->since < victim->since))
                    victim = p;
            }
            conn_close(cs, victim != NULL ? victim : c);
        }
        pthread_mutex_unlock(&cs->mu);
        if (victim == NULL && c->is_closing)
            glia_log("warn", NULL,
                     "http: --max-connections %d reached: a new connection is "
                     "refused (every open one is being answered)",
                     cs->limit);
        return;
    }
    if (c == NULL) /* MHD_CONNECTION_NOTIFY_CLOSED */
        return;
    pthread_mutex_lock(&cs->mu);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    cs->count--;
    cs->closing -= c->is_closing;
    pthread_mutex_unlock(&cs->mu);
    free(c);
    *socket_context = NULL;
}

/* Loop thread, twice a second: close what is past its deadline. */
static void deadline_cb(uv_timer_t *t)
{
    glia_server_t *srv = t->data;
    struct glia_conns *cs = srv->conns;
    double now = glia_now();
    int n = 0;

    pthread_mutex_lock(&cs->mu);
    for (glia_conn_t *c = cs->head.next; c != &cs->head; c = c->next) {
        if (c->deadline > 0 && now >= c->deadline && !c->is_closing) {
            conn_close(cs, c);
            n++;
        }
    }
    pthread_mutex_unlock(&cs->mu);
    if (n > 0)
        glia_log("warn", NULL,
                 "http: closed %d connection%s that did not send a whole request within "
                 "--request-timeout %.0f s",
                 n, n == 1 ? "" : "s", cs->timeout);
}

/* What a connection is doing, for its deadline. */
enum conn_phase {
    PHASE_REQUEST_LINE, /* a request's line arrived; its headers have not (still waiting) */
    PHASE_BODY,         /* headers read; a body is arriving (deadline again) */
    PHASE_ANSWERING,    /* the request is whole: being answered (or streamed), no deadline */
    PHASE_IDLE,         /* answered; waiting for the next request (deadline) */
};

static void conn_set(struct glia_conns *cs, glia_conn_t *c, enum conn_phase phase)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&cs->mu);
    if (!c->is_closing) {
        switch (phase) {
        case PHASE_REQUEST_LINE:
            c->has_request_line = 1;
            break;
        case PHASE_BODY:
            c->is_waiting = 0;
            c->deadline = glia_now() + cs->timeout;
            break;
        case PHASE_ANSWERING:
            c->is_waiting = 0;
            c->has_request_line = 0;
            c->deadline = 0;
            break;
        case PHASE_IDLE:
            c->is_waiting = 1;
            c->has_request_line = 0;
            c->since = glia_now();
            c->deadline = c->since + cs->timeout;
            break;
        }
    }
    pthread_mutex_unlock(&cs->mu);
}

/* ---- the request target ------------------------------------------------------------ */

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode %HH in `n` bytes of a path into a new string, keeping %00 and %2F as they are
 * (three characters), so that a segment is neither cut nor split. NULL on out of memory. */
static char *decode_path(const char *raw, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (raw[i] == '%' && i + 2 < n && (hi = hex_value((unsigned char)raw[i + 1])) >= 0 &&
            (lo = hex_value((unsigned char)raw[i + 2])) >= 0 && hi * 16 + lo != 0 &&
            hi * 16 + lo != '/') {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = raw[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int holds_nul(const char *s, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] == '0')
            return 1;
    }
    return 0;
}

/* The first query parameter whose key or value holds %00, its key decoded into `out`. */
static void find_nul_param(const char *query, char *out, size_t size)
{
    out[0] = '\0';
    while (*query) {
        size_t n = strcspn(query, "&"), k = strcspn(query, "=");
        if (holds_nul(query, n)) {
            char *key = decode_path(query, k < n ? k : n);
            snprintf(out, size, "%s", key != NULL && key[0] ? key : "(empty)");
            free(key);
            return;
        }
        query += n;
        if (*query == '&')
            query++;
    }
}

/* The request line has arrived (before the headers): the request begins here. Its return
 * value is what the access handler gets as *con_cls. NULL on out of memory (the access
 * handler then builds the request from the library's decoding). */
static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    glia_server_t *srv = cls;
    glia_request_t *req = calloc(1, sizeof(*req));
    size_t path_len = strcspn(uri, "?");

    conn_set(srv->conns, conn_of(conn), PHASE_REQUEST_LINE);
    if (req == NULL)
        return NULL;
    req->srv = srv;
    req->conn = conn;
    req->start_ns = glia_now_ns();
    req->uri_len = strlen(uri);
    if ((req->route_path = decode_path(uri, path_len)) == NULL) {
        free(req);
        return NULL;
    }
    if (uri[path_len] == '?')
        find_nul_param(uri + path_len + 1, req->nul_param, sizeof(req->nul_param));
    return req;
}

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
    if (req->transport_error != 0) /* what follows on this connection cannot be trusted */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
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

/* Does the request carry a body (a deadline applies while it arrives)? */
static int expects_body(struct MHD_Connection *conn)
{
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return (cl != NULL && strtoull(cl, NULL, 10) > 0) || te != NULL;
}

/* The largest body `req` may send: an upload route's (a dataset file) or any other's. */
static size_t body_max(const glia_server_t *srv, const glia_request_t *req)
{
    if (req->route != NULL && (req->route->flags & GLIA_ROUTE_UPLOAD))
        return srv->opt.max_dataset_bytes;
    return srv->opt.max_body_bytes;
}

/* First call for a connection's request (its headers are read): route it and read its
 * headers. `req` is what uri_cb made, or NULL (then it is made here from the library's
 * decoding of the path). */
static glia_request_t *request_start(glia_server_t *srv, struct MHD_Connection *conn,
                                     const char *url, const char *method, const char *version,
                                     glia_request_t *req)
{
    const union MHD_ConnectionInfo *ci;
    const char *v;

    if (req == NULL) {
        if ((req = calloc(1, sizeof(*req))) == NULL)
            return NULL;
        req->srv = srv;
        req->conn = conn;
        req->start_ns = glia_now_ns();
        req->uri_len = strlen(url);
        if ((req->route_path = strdup(url)) == NULL) {
            free(req);
            return NULL;
        }
    }
    req->is_started = 1;
    req->resume_cb = resume_cb;
    snprintf(req->method, sizeof(req->method), "%s", method);
    sanitize_path(req->route_path, req->path, sizeof(req->path));
    req->match_status = glia_route_match(srv->routes, srv->n_routes, method, req->route_path,
                                         &req->match, req->allow, sizeof(req->allow));
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
    req->is_authorized = check_auth(srv, req, req->route_path);
    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v != NULL && strtoull(v, NULL, 10) > body_max(srv, req))
        req->is_too_big = 1;

    /* What the transport refuses before anything else. */
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (req->uri_len > GLIA_URI_MAX)
        req->transport_error = 414;
    else if (ci != NULL && ci->header_size > GLIA_HEADERS_MAX)
        req->transport_error = 431;
    else if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
             MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST) == NULL)
        req->transport_error = 400;
    conn_set(srv->conns, conn_of(conn), expects_body(conn) ? PHASE_BODY : PHASE_ANSWERING);
    return req;
}

/* A transport-level refusal (414, 431, 400 without Host) as a problem. */
static void reply_transport_error(glia_request_t *req)
{
    switch (req->transport_error) {
    case 414:
        glia_reply_problem(req, glia_problem(414, "uri-too-long",
                                             "the request target is %zu bytes; at most %d are "
                                             "accepted",
                                             req->uri_len, GLIA_URI_MAX));
        break;
    case 431:
        glia_reply_problem(req, glia_problem(431, "headers-too-large",
                                             "the request line and headers exceed %d bytes",
                                             GLIA_HEADERS_MAX));
        break;
    default:
        glia_reply_problem(
            req, glia_problem(400, "missing-host", "an HTTP/1.1 request must carry a Host header"));
        break;
    }
}

/* 422 for a query parameter whose key or value holds a NUL byte. */
static void reply_nul_param(glia_request_t *req)
{
    json_t *p = glia_problem(422, "invalid-parameter",
                             "query parameter \"%s\" holds a NUL byte (%%00); it is refused "
                             "rather than cut short",
                             req->nul_param);
    if (p != NULL)
        json_object_set_new(p, "errors",
                            json_pack("[{s:s, s:s}]", "parameter", req->nul_param, "detail",
                                      "holds a NUL byte (%00)"));
    glia_reply_problem(req, p);
}

/* Last call: refuse what the transport can judge, then hand the request to its route.
 * Returns 1 when the answer comes later (loop or stream), 0 when it is ready now. */
static int route_request(glia_server_t *srv, glia_request_t *req)
{
    if (req->transport_error != 0) {
        reply_transport_error(req);
    } else if (!req->is_authorized) {
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
                                        body_max(srv, req)));
    } else if (req->query_overflow) {
        glia_reply_problem(req,
                           glia_problem(400, "bad-query", "too many query parameters (at most %d)",
                                        GLIA_QUERY_MAX));
    } else if (!req->match.name_valid) {
        glia_reply_problem(req, glia_problem(422, "invalid-name",
                                             "\"%.64s\" is not a valid name: names match "
                                             "[a-z0-9][a-z0-9._-]{0,63}",
                                             req->match.name));
    } else if (req->nul_param[0] != '\0') {
        reply_nul_param(req);
    } else if (!(req->route->flags & GLIA_ROUTE_UPLOAD) && glia_request_parse_body(req) != 0) {
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

    if (req == NULL || !req->is_started) {
        if ((req = request_start(srv, conn, url, method, version, req)) == NULL)
            return MHD_NO; /* out of memory (a request from uri_cb is freed on completion) */
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        /* Body chunk. Past the limit we keep reading (so the 413 can be delivered) but
         * drop the bytes; an unauthorised request's body is dropped too. */
        if (req->is_authorized && glia_request_append_body(req, upload_data, *upload_data_size,
                                                           body_max(srv, req)) == GLIA_ENOMEM)
            return MHD_NO;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->is_ready)
        return queue_reply(req); /* answered by the loop; called again after resume */
    conn_set(srv->conns, conn_of(conn), PHASE_ANSWERING); /* the body is whole */
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
    (void)toe;

    conn_set(srv->conns, conn_of(conn), PHASE_IDLE);
    if (req == NULL)
        return;
    *con_cls = NULL;
    if (!req->is_started) {
        /* Its line arrived but not its headers: the connection was closed (a deadline,
         * room for others, the client) or the library refused it with its own page. */
        glia_request_free(req);
        return;
    }
    dur = glia_now_ns() - req->start_ns;
    glia_stats_request(srv, req->route ? req->match.index : GLIA_ROUTES_MAX, req->status, dur,
                       req->is_stream);
    glia_log_request(req->method, req->path, req->route ? req->match.template : "unmatched",
                     req->status, (double)dur / 1e9);
    glia_request_free(req);
}

/* A client that went away while being answered (a stream's reader closing it, above all)
 * is how streams normally end: libmicrohttpd's word for it is logged at info, not warn. */
static int is_client_gone(const char *msg)
{
    return strstr(msg, "The socket is no longer available for sending") != NULL ||
           strstr(msg, "The connection was forcibly closed by remote peer") != NULL ||
           strstr(msg, "Socket has been disconnected when reading request") != NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    glia_log(is_client_gone(msg) ? "info" : "warn", NULL, "http: %s", msg);
}

int glia_http_start(glia_server_t *srv)
{
    char msg[512];
    int rc, reserve;

    if ((rc = open_listener(srv, msg, sizeof(msg))) != 0) {
        glia_log("error", NULL, "%s", msg);
        return rc;
    }
    if ((srv->conns = calloc(1, sizeof(*srv->conns))) == NULL)
        goto fail_listener;
    pthread_mutex_init(&srv->conns->mu, NULL);
    srv->conns->head.next = srv->conns->head.prev = &srv->conns->head;
    srv->conns->limit = srv->opt.max_connections;
    srv->conns->timeout = srv->opt.request_timeout;
    /* The library admits a reserve beyond --max-connections: each connection taken into it
     * makes room (see conn_notify_cb). */
    reserve = srv->opt.max_connections / 16 < 16 ? 16 : srv->opt.max_connections / 16;
    srv->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv, MHD_OPTION_LISTEN_SOCKET,
        srv->listen_fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->opt.http_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(srv->opt.max_connections + reserve),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)srv->opt.max_conns_per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)GLIA_CONN_POOL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_URI_LOG_CALLBACK, uri_cb, srv, MHD_OPTION_NOTIFY_CONNECTION,
        conn_notify_cb, srv, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv, MHD_OPTION_END);
    if (srv->mhd == NULL)
        goto fail_conns;
    uv_timer_init(&srv->loop, &srv->deadline_timer);
    srv->deadline_timer.data = srv;
    uv_timer_start(&srv->deadline_timer, deadline_cb, 500, 500);
    return 0;

fail_conns:
    pthread_mutex_destroy(&srv->conns->mu);
    free(srv->conns);
    srv->conns = NULL;
fail_listener:
    glia_log("error", NULL, "cannot start the HTTP server on %s", srv->opt.listen);
    close(srv->listen_fd);
    srv->listen_fd = -1;
    return GLIA_EIO;
}

void glia_http_stop(glia_server_t *srv)
{
    if (srv->mhd == NULL)
        return;
    MHD_stop_daemon(srv->mhd); /* every connection is closed (and notified) by now */
    srv->mhd = NULL;
    uv_timer_stop(&srv->deadline_timer);
    pthread_mutex_destroy(&srv->conns->mu);
    free(srv->conns);
    srv->conns = NULL;
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    srv->listen_fd = -1;
}
