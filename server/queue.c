/* queue.c: see queue.h. */
#include "server/queue.h"

#include "core/error.h"

int glia_queue_init(glia_queue_t *q)
{
    q->head = q->tail = NULL;
    q->count = 0;
    q->is_closed = 0;
    if (pthread_mutex_init(&q->mu, NULL) != 0)
        return GLIA_ENOMEM;
    if (pthread_cond_init(&q->cond, NULL) != 0) {
        pthread_mutex_destroy(&q->mu);
        return GLIA_ENOMEM;
    }
    return 0;
}

void glia_queue_destroy(glia_queue_t *q)
{
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->mu);
}

void glia_queue_push(glia_queue_t *q, glia_qnode_t *node)
{
    node->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail != NULL)
        q->tail->next = node;
    else
        q->head = node;
    q->tail = node;
    q->count++;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

/* Caller holds q->mu. */
static glia_qnode_t *detach(glia_queue_t *q)
{
    glia_qnode_t *list = q->head;
    q->head = q->tail = NULL;
    q->count = 0;
    return list;
}

glia_qnode_t *glia_queue_take_all(glia_queue_t *q)
{
    glia_qnode_t *list;

    pthread_mutex_lock(&q->mu);
    list = detach(q);
    pthread_mutex_unlock(&q->mu);
    return list;
}

glia_qnode_t *glia_queue_wait_all(glia_queue_t *q)
{
    glia_qnode_t *list;

    pthread_mutex_lock(&q->mu);
    while (q->head == NULL && !q->is_closed)
        pthread_cond_wait(&q->cond, &q->mu);
    list = detach(q);
    pthread_mutex_unlock(&q->mu);
    return list;
}

void glia_queue_close(glia_queue_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->is_closed = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

size_t glia_queue_count(glia_queue_t *q)
{
    size_t n;

    pthread_mutex_lock(&q->mu);
    n = q->count;
    pthread_mutex_unlock(&q->mu);
    return n;
}
