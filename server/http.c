/* http.c: libmicrohttpd wiring: request contexts, bodies, auth, replies.
 *
 * The access handler runs on HTTP threads. First call: allocate the context, route the
 * path, check the token and Content-Length. Body calls: copy (or count past the limit).
 * Last call: answer directly from published data, or suspend the connection and post
 * the request to the loop, which answers later via glia_request_finish(); MHD then calls
 * the handler once more and the stored response is queued.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../api/json_write.h"
#include "../api/problem.h"
#include "server.h"

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) ||
               (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
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
        return -1;
    }
    if (!is_loopback(res->ai_addr) && srv->opt.token[0] == '\0') {
        snprintf(msg, size,
                 "--listen %s is not a loopback address: refusing to start without a token "
                 "(--token, --token-file, GLIA_TOKEN or GLIA_TOKEN_FILE)",
                 srv->opt.listen);
        freeaddrinfo(res);
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 512) != 0) {
        snprintf(msg, size, "--listen %s: %s", srv->opt.listen, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    srv->port = ntohs(bound.ss_family == AF_INET6
                          ? ((struct sockaddr_in6 *)&bound)->sin6_port
                          : ((struct sockaddr_in *)&bound)->sin_port);
    srv->listen_fd = fd;
    return 0;
}

const char *glia_request_query(const glia_request_t *req, const char *key)
{
    for (int i = 0; i < req->n_query; i++) {
        if (strcmp(req->query_keys[i], key) == 0)
            return req->query_values[i];
    }
    return NULL;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    glia_request_t *req = cls;
    (void)kind;
    if (req->n_query == 16) {
        req->query_overflow = 1;
        return MHD_NO;
    }
    req->query_keys[req->n_query] = strdup(key);
    req->query_values[req->n_query] = strdup(value ? value : "");
    req->n_query++;
    return MHD_YES;
}

static void request_free(glia_request_t *req)
{
    for (int i = 0; i < req->n_query; i++) {
        free(req->query_keys[i]);
        free(req->query_values[i]);
    }
    free(req->body);
    free(req->resp_body);
    json_decref(req->json);
    free(req->spec);
    glia_session_free(req->loaded);
    free(req);
}

void glia_request_reply_text(glia_request_t *req, int status, const char *type, char *text,
                             size_t len)
{
    free(req->resp_body);
    req->status = status;
    req->resp_type = type;
    req->resp_body = text;
    req->resp_len = len;
    req->is_ready = 1;
}

void glia_request_reply_json(glia_request_t *req, int status, json_t *body)
{
    size_t len = 0;
    char *text = body ? glia_json_dumps(body, GLIA_JSON_PRETTY, &len) : NULL;

    json_decref(body);
    if (text == NULL) {
        static const char oom[] = "{\"type\":\"urn:glia:problem:internal\",\"title\":\"Internal "
                                  "Server Error\",\"status\":500,\"detail\":\"out of memory\"}";
        text = strdup(oom);
        len = text ? strlen(text) : 0;
        glia_request_reply_text(req, 500, GLIA_PROBLEM_CONTENT_TYPE, text, len);
        return;
    }
    /* A trailing newline is friendlier to curl users. */
    {
        char *t = realloc(text, len + 2);
        if (t != NULL) {
            text = t;
            text[len++] = '\n';
            text[len] = '\0';
        }
    }
    glia_request_reply_text(req, status, "application/json", text, len);
}

void glia_request_reply_problem(glia_request_t *req, json_t *problem)
{
    int status = problem ? (int)json_integer_value(json_object_get(problem, "status")) : 500;
    if (problem != NULL)
        json_object_set_new(problem, "instance", json_string(req->path));
    glia_request_reply_json(req, status ? status : 500, problem);
    req->resp_type = GLIA_PROBLEM_CONTENT_TYPE;
}

void glia_request_finish(glia_request_t *req)
{
    if (req->is_suspended) {
        req->is_suspended = 0;
        MHD_resume_connection(req->conn);
    }
}

static enum MHD_Result queue_reply(glia_request_t *req)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;

    /* For HEAD, MHD sends the headers (Content-Length included) and drops the body. */
    resp = MHD_create_response_from_buffer(req->resp_len, req->resp_body, MHD_RESPMEM_MUST_FREE);
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
    if (req->match_status == GLIA_MATCH_OK && req->match.route == GLIA_ROUTE_SESSION_EVENTS &&
        q != NULL)
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

static void post_to_loop(glia_server_t *srv, glia_request_t *req)
{
    req->is_suspended = 1;
    MHD_suspend_connection(req->conn);
    pthread_mutex_lock(&srv->inbox_mu);
    req->next = NULL;
    if (srv->inbox_tail)
        srv->inbox_tail->next = req;
    else
        srv->inbox = req;
    srv->inbox_tail = req;
    pthread_mutex_unlock(&srv->inbox_mu);
    uv_async_send(&srv->inbox_async);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    glia_server_t *srv = cls;
    glia_request_t *req = *con_cls;
    (void)version;

    if (req == NULL) {
        const char *cl;
        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        req->srv = srv;
        req->conn = conn;
        req->start_ns = glia_now_ns();
        snprintf(req->method, sizeof(req->method), "%s", method);
        sanitize_path(url, req->path, sizeof(req->path));
        req->match_status = glia_route_match(method, url, &req->match, req->allow,
                                             sizeof(req->allow));
        if (req->match_status != GLIA_MATCH_OK)
            req->match.route = GLIA_ROUTE_COUNT;
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, req);
        {
            const char *lei = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
            if (lei != NULL)
                snprintf(req->last_event_id, sizeof(req->last_event_id), "%s", lei);
        }
        req->is_authorized = check_auth(srv, req, url);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > srv->opt.max_body_bytes)
            req->is_too_big = 1;
        *con_cls = req;
        return MHD_YES;
    }

    if (*upload_data_size != 0) {
        /* Body chunk. Past the limit we keep reading (so the 413 can be delivered) but
         * drop the bytes; an unauthorised request's body is dropped too. */
        if (!req->is_too_big && req->is_authorized) {
            if (req->body_len + *upload_data_size > srv->opt.max_body_bytes) {
                req->is_too_big = 1;
                free(req->body);
                req->body = NULL;
                req->body_len = req->body_cap = 0;
            } else {
                if (req->body_len + *upload_data_size + 1 > req->body_cap) {
                    size_t cap = req->body_cap ? req->body_cap : 1024;
                    char *nb;
                    while (cap < req->body_len + *upload_data_size + 1)
                        cap *= 2;
                    nb = realloc(req->body, cap);
                    if (nb == NULL)
                        return MHD_NO;
                    req->body = nb;
                    req->body_cap = cap;
                }
                memcpy(req->body + req->body_len, upload_data, *upload_data_size);
                req->body_len += *upload_data_size;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (req->is_ready)
        return queue_reply(req); /* answered by the loop; called again after resume */

    if (!req->is_authorized) {
        glia_request_reply_problem(
            req, glia_problem(401, "unauthorized",
                              "this server needs \"Authorization: Bearer <token>\" on /v1"));
    } else if (req->match_status == GLIA_MATCH_NOT_FOUND) {
        glia_request_reply_problem(req, glia_problem(404, "not-found", "no such path: %s", req->path));
    } else if (req->match_status == GLIA_MATCH_BAD_METHOD) {
        glia_request_reply_problem(req, glia_problem(405, "method-not-allowed",
                                                     "%s is not allowed here; allowed: %s",
                                                     req->method, req->allow));
    } else if (req->is_too_big) {
        glia_request_reply_problem(
            req, glia_problem(413, "body-too-large", "the request body exceeds %zu bytes",
                              srv->opt.max_body_bytes));
    } else if (req->query_overflow) {
        glia_request_reply_problem(req, glia_problem(400, "bad-query",
                                                     "too many query parameters (at most 16)"));
    } else if (!req->match.name_valid) {
        glia_request_reply_problem(
            req, glia_problem(422, "invalid-name", "\"%.64s\" is not a valid name: names match "
                                                   "[a-z0-9][a-z0-9._-]{0,63}",
                              req->match.name));
    } else {
        if (req->body_len > 0) {
            json_error_t jerr;
            /* Any JSON value parses: a scalar body is then refused as "not an object"
             * (422) by the route, not as malformed (400). */
            req->json = json_loadb(req->body, req->body_len,
                                   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
            if (req->json == NULL) {
                json_t *p = glia_problem(400, "malformed-json",
                                         "the body is not valid JSON: %s (line %d, column %d)",
                                         jerr.text, jerr.line, jerr.column);
                if (p != NULL) {
                    json_object_set_new(p, "line", json_integer(jerr.line));
                    json_object_set_new(p, "column", json_integer(jerr.column));
                }
                glia_request_reply_problem(req, p);
                return queue_reply(req);
            }
        }
        if (glia_is_direct_route(req->match.route)) {
            glia_handle_direct(srv, req);
            if (req->is_stream)
                return MHD_YES;
        } else if (atomic_load(&srv->is_shutting_down)) {
            glia_request_reply_problem(req, glia_problem(503, "shutting-down",
                                                         "the server is shutting down"));
        } else {
            post_to_loop(srv, req);
            return MHD_YES;
        }
    }
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
    glia_stats_request(srv, req->match.route, req->status, dur, req->is_stream);
    glia_log_request(req->method, req->path,
                     req->match_status == GLIA_MATCH_OK ? req->match.template : "unmatched",
                     req->status, (double)dur / 1e9);
    request_free(req);
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

    if (open_listener(srv, msg, sizeof(msg)) != 0) {
        glia_log("error", NULL, "%s", msg);
        return -1;
    }
    srv->mhd = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, access_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
        MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)srv->opt.http_threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)srv->opt.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv, MHD_OPTION_END);
    if (srv->mhd == NULL) {
        glia_log("error", NULL, "cannot start the HTTP server on %s", srv->opt.listen);
        close(srv->listen_fd);
        srv->listen_fd = -1;
        return -1;
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
