/* raw.c: see raw.h. */
#include "raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

int it_raw_connect(int port, const char *source)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    if (source != NULL) {
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        inet_pton(AF_INET, source, &a.sin_addr);
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
            close(fd);
            return -1;
        }
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int it_raw_send(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

char *it_raw_read(int fd, double timeout, size_t *len, int *closed)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    double t0 = it_now();

    *closed = 0;
    while (buf != NULL) {
        struct pollfd p = {fd, POLLIN, 0};
        double left = timeout - (it_now() - t0);
        ssize_t got;
        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            break;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (nb == NULL)
                break;
            buf = nb;
            cap *= 2;
        }
        got = recv(fd, buf + n, cap - n, 0);
        if (got <= 0) {
            *closed = 1;
            break;
        }
        n += (size_t)got;
    }
    if (buf != NULL)
        buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

char *it_raw_exchange(int port, const void *request, size_t len, double timeout)
{
    int fd = it_raw_connect(port, NULL), closed;
    char *out;

    if (fd < 0)
        return NULL;
    it_raw_send(fd, request, len);
    out = it_raw_read(fd, timeout, NULL, &closed);
    close(fd);
    return out;
}

int it_raw_is_closed(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c;

    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLERR | POLLHUP))
        return 1;
    return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}
