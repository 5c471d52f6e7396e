/* sse_streams.c: how many event streams can one gliad hold open at once?
 *
 * usage: sse_streams PORT SESSION N [SECONDS]
 * Opens N TCP connections to GET /v1/sessions/SESSION/events, counts those answered
 * "HTTP/1.1 200" within SECONDS (default 10), keeps them all open, then checks that
 * /healthz still answers on a fresh connection, and prints one JSON line. A benchmark,
 * not a test: it never fails on a number. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    int port, n, ok = 0, opened = 0, healthy = 0;
    double seconds = 10, t0;
    const char *session;
    int *fds;
    char *got;
    struct rlimit rl;

    if (argc < 4) {
        fprintf(stderr, "usage: sse_streams PORT SESSION N [SECONDS]\n");
        return 2;
    }
    port = atoi(argv[1]);
    session = argv[2];
    n = atoi(argv[3]);
    if (argc > 4)
        seconds = atof(argv[4]);
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    fds = calloc((size_t)n, sizeof(int));
    got = calloc((size_t)n, 1);

    t0 = now();
    for (int i = 0; i < n; i++) {
        char req[256];
        int len;
        fds[i] = dial(port);
        if (fds[i] < 0)
            continue;
        opened++;
        len = snprintf(req, sizeof(req),
                       "GET /v1/sessions/%s/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
                       session);
        if (write(fds[i], req, (size_t)len) != len) {
            close(fds[i]);
            fds[i] = -1;
        }
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    while (ok < opened && now() - t0 < seconds) {
        for (int i = 0; i < n; i++) {
            char buf[512];
            ssize_t r;
            if (fds[i] < 0 || got[i])
                continue;
            r = read(fds[i], buf, sizeof(buf) - 1);
            if (r > 0) {
                buf[r] = '\0';
                if (strncmp(buf, "HTTP/1.1 200", 12) == 0) {
                    got[i] = 1;
                    ok++;
                }
            }
        }
        usleep(1000);
    }
    {
        int fd = dial(port);
        char buf[256];
        if (fd >= 0) {
            const char *h = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            struct pollfd p = {fd, POLLIN, 0};
            if (write(fd, h, strlen(h)) == (ssize_t)strlen(h) && poll(&p, 1, 5000) == 1 &&
                read(fd, buf, sizeof(buf)) > 12 && strncmp(buf, "HTTP/1.1 200", 12) == 0)
                healthy = 1;
            close(fd);
        }
    }
    printf("{\"requested\": %d, \"connected\": %d, \"streaming\": %d, \"seconds\": %.2f, "
           "\"healthz_while_open\": %s}\n",
           n, opened, ok, now() - t0, healthy ? "true" : "false");
    for (int i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    free(fds);
    free(got);
    return 0;
}
