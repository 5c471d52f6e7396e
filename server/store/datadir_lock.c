/* datadir_lock.c: the data dir's lock (glia.lock, flock()ed for the daemon's life).
 *
 * A refused start removes the lock file it created (the data dir is left as found), so a
 * taker may open a file that is unlinked before it locks it, and then hold a lock nobody
 * else can see. Every take therefore checks, once it holds the lock, that the path still
 * names the inode it locked, and starts over if not.
 */
#include "server/store/datadir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

#define LOCK_NAME     "glia.lock"
#define TAKE_ATTEMPTS 20

struct glia_datadir_lock {
    int fd;
    int is_created; /* this take created the file */
    char path[1100];
};

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Open the lock file, creating it (and the dir) if missing. fd >= 0, or -errno. */
static int open_lock_file(const char *dir, const char *path, int *is_created, char *msg,
                          size_t msg_size)
{
    int fd;

    for (int tries = 0; tries < TAKE_ATTEMPTS; tries++) {
        *is_created = 1;
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0 && errno == EEXIST) {
            *is_created = 0;
            fd = open(path, O_RDWR | O_CLOEXEC);
        }
        if (fd >= 0)
            return fd;
        if (errno == EEXIST || (errno == ENOENT && access(dir, F_OK) == 0))
            continue; /* removed or created between the two opens */
        if (errno == ENOENT) {
            if (mkdir(dir, 0750) != 0 && (errno != EEXIST || access(dir, F_OK) != 0)) {
                snprintf(msg, msg_size, "cannot create data dir %s: %s", dir, strerror(errno));
                return GLIA_EIO;
            }
            continue;
        }
        if (errno == ENOTDIR)
            snprintf(msg, msg_size, "data dir %s is not a directory", dir);
        else if (errno == EACCES || errno == EPERM || errno == EROFS)
            snprintf(msg, msg_size, "data dir %s is not writable: cannot create %s: %s", dir, path,
                     strerror(errno));
        else
            snprintf(msg, msg_size, "cannot open the lock file %s: %s", path, strerror(errno));
        return GLIA_EIO;
    }
    snprintf(msg, msg_size, "cannot open the lock file %s: it keeps being removed", path);
    return GLIA_EIO;
}

/* The PID its holder wrote into the lock file, or 0. The holder writes it just after it
 * took the lock, so an empty file is read again for a moment. */
static long holder_pid(int fd)
{
    for (int tries = 0; tries < 50; tries++) {
        char text[32];
        ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
        long pid;
        char *end;
        if (n > 0) {
            text[n] = '\0';
            pid = strtol(text, &end, 10);
            return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
        }
        pause_ms(2);
    }
    return 0;
}

/* The path still names the inode `fd` locked (a refused start may have removed it). */
static int is_still_linked(int fd, const char *path)
{
    struct stat held, named;
    return fstat(fd, &held) == 0 && stat(path, &named) == 0 && held.st_dev == named.st_dev &&
           held.st_ino == named.st_ino;
}

int glia_datadir_lock_take(const char *dir, glia_datadir_lock_t **out, char *msg, size_t msg_size)
{
    glia_datadir_lock_t *lock = calloc(1, sizeof(*lock));
    char pid[32];
    int fd = -1, n;

    *out = NULL;
    if (lock == NULL) {
        snprintf(msg, msg_size, "out of memory");
        return GLIA_ENOMEM;
    }
    snprintf(lock->path, sizeof(lock->path), "%s/%s", dir, LOCK_NAME);
    for (int tries = 0; tries < TAKE_ATTEMPTS; tries++) {
        if ((fd = open_lock_file(dir, lock->path, &lock->is_created, msg, msg_size)) < 0)
            goto fail_open;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            long holder;
            if (errno != EWOULDBLOCK) {
                snprintf(msg, msg_size, "cannot lock %s: %s", lock->path, strerror(errno));
                goto fail_lock;
            }
            holder = holder_pid(fd);
            if (holder > 0)
                snprintf(msg, msg_size,
                         "data dir %s is in use by another gliad (pid %ld holds the lock %s); "
                         "stop it first, or give this one another --data-dir",
                         dir, holder, lock->path);
            else
                snprintf(msg, msg_size,
                         "data dir %s is in use by another process (it holds the lock %s, with "
                         "no pid written in it); stop it first, or give this one another "
                         "--data-dir",
                         dir, lock->path);
            close(fd);
            free(lock);
            return GLIA_EEXIST;
        }
        if (is_still_linked(fd, lock->path))
            break;
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        snprintf(msg, msg_size, "cannot lock %s: it keeps being removed", lock->path);
        goto fail_open;
    }
    /* The PID only informs whoever is refused: the flock is the lock. A file that cannot
     * take these few bytes (a full disk) does not stop a start the store may still serve. */
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
        (void)ftruncate(fd, 0);
    lock->fd = fd;
    *out = lock;
    return 0;

fail_lock:
    if (lock->is_created)
        unlink(lock->path);
    close(fd);
fail_open:
    free(lock);
    return GLIA_EIO;
}

const char *glia_datadir_lock_path(const glia_datadir_lock_t *lock)
{
    return lock->path;
}

void glia_datadir_lock_release(glia_datadir_lock_t *lock)
{
    if (lock == NULL)
        return;
    close(lock->fd);
    free(lock);
}

void glia_datadir_lock_release_untouched(glia_datadir_lock_t *lock)
{
    if (lock == NULL)
        return;
    if (lock->is_created)
        unlink(lock->path); /* while still holding it: see the note at the top */
    glia_datadir_lock_release(lock);
}
