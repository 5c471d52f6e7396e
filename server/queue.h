/* queue.h: one small FIFO handed between threads (producer -> consumer).
 *
 * Items embed a glia_qnode_t (intrusive, like libuv's QUEUE): pushing never allocates, so
 * it cannot fail. One mutex guards the list; a consumer either takes everything queued at
 * once (the loop, woken by a uv_async_t) or blocks until something arrives (the store
 * thread). Every producer/consumer pair in gliad uses this type: the HTTP threads' inbox
 * to the loop, the loop's store operations to the store thread, and the store's finished
 * operations back to the loop.
 */
#ifndef GLIA_QUEUE_H
#define GLIA_QUEUE_H

#include <pthread.h>
#include <stddef.h>

typedef struct glia_qnode {
    struct glia_qnode *next;
} glia_qnode_t;

typedef struct glia_queue {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    glia_qnode_t *head, *tail;
    size_t count;
    int is_closed;
} glia_queue_t;

/* The item that embeds `node` as member `field`. */
#define GLIA_QUEUE_ITEM(node, type, field) ((type *)(void *)((char *)(node)-offsetof(type, field)))

/* Caller storage. Returns 0 or GLIA_ENOMEM (the mutex or condition could not be made). */
int glia_queue_init(glia_queue_t *q);
/* Items still queued are not freed: take them first. */
void glia_queue_destroy(glia_queue_t *q);

/* Append one item and wake a waiting consumer. Any thread. */
void glia_queue_push(glia_queue_t *q, glia_qnode_t *node);

/* Take everything queued, oldest first, as a NULL-terminated list (NULL when empty). Never
 * blocks. */
glia_qnode_t *glia_queue_take_all(glia_queue_t *q);

/* Like take_all, but block until something is queued or the queue is closed (then NULL is
 * returned once it is empty). */
glia_qnode_t *glia_queue_wait_all(glia_queue_t *q);

/* Wake every waiter; wait_all returns NULL once the queue is empty. Pushing still works. */
void glia_queue_close(glia_queue_t *q);

/* How many items are queued now (a snapshot). */
size_t glia_queue_count(glia_queue_t *q);

#endif
