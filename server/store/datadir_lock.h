/* datadir_lock.h: one gliad per data dir: an flock()ed glia.lock beside glia.db.
 *
 * The lock is on the file's inode, so two paths to one directory (a symlink, a bind
 * mount) meet at the same lock, and the kernel releases it when its holder exits in
 * any way, kill -9 included: a stale glia.lock (or the PID in it) never blocks a start.
 * The file itself stays; only the flock on it counts.
 */
#ifndef GLIA_DATADIR_LOCK_H
#define GLIA_DATADIR_LOCK_H

#include <stddef.h>

typedef struct glia_datadir_lock glia_datadir_lock_t;

/* Take `dir`'s lock without waiting: create `dir` if it is missing (0750, as the store
 * would), open or create <dir>/glia.lock, flock it exclusively and write this process's
 * PID into it. Returns 0 with *out (release with glia_datadir_lock_release*), GLIA_EEXIST
 * when another process holds it (`msg` names the holder's PID and the lock file), or
 * GLIA_EIO / GLIA_ENOMEM (`msg` says why). Nothing else in `dir` is read or written. */
int glia_datadir_lock_take(const char *dir, glia_datadir_lock_t **out, char *msg, size_t msg_size);

/* The lock file's path (borrowed, valid until the release). */
const char *glia_datadir_lock_path(const glia_datadir_lock_t *lock);

/* Release the lock; the file stays for the next start. NULL is a no-op. */
void glia_datadir_lock_release(glia_datadir_lock_t *lock);

/* Release the lock after a refused start: the lock file is removed if this take created
 * it, so the data dir is as it was found. NULL is a no-op. */
void glia_datadir_lock_release_untouched(glia_datadir_lock_t *lock);

#endif
