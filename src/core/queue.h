/* queue.h - a thread-safe FIFO of pointers with an optional wake pipe.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Any number of producers and consumers. The pipe lets a poll() loop (the UI)
 * wait for the keyboard and for messages at the same time: one byte is
 * written when the queue goes from empty to non-empty.
 */
#ifndef BURBLE_QUEUE_H
#define BURBLE_QUEUE_H

typedef struct queue queue;

queue *queue_create(int with_pipe);
/* Frees the queue; items still queued are passed to free_item (if given). */
void queue_free(queue *q, void (*free_item)(void *));
void queue_push(queue *q, void *item);
/* Non-blocking: the oldest item, or NULL when empty. */
void *queue_pop(queue *q);
/* Blocking: waits up to timeout_s seconds (< 0: forever); NULL on time-out. */
void *queue_wait(queue *q, double timeout_s);
/* Read end of the wake pipe (-1 without one). Readable while items may be
 * waiting; queue_pop drains it when the queue becomes empty. */
int queue_fd(const queue *q);

#endif
