/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * thread.h — starting the threads asanavox spawns.
 *
 * Signals are handled by the main thread only (the CLI's self-pipe, Ctrl-Z
 * restoring the terminal): a handler that runs on a worker, the producer
 * or PortAudio's audio thread could call tcsetattr() or raise() there, or
 * interrupt real-time code.  So every thread we start, and every thread a
 * library starts for us (PortAudio's, which inherits the mask of the
 * thread that starts the stream), begins with all signals blocked.
 */
#ifndef ASANAVOX_THREAD_H
#define ASANAVOX_THREAD_H

#include <pthread.h>
#include <signal.h>

/* pthread_create() with every signal blocked in the new thread (the
 * caller's mask is unchanged).  Any thread.  Returns pthread_create()'s
 * result: 0 or an errno value. */
int av_thread_create(pthread_t *t, void *(*start)(void *), void *arg);

/* Block every signal in the calling thread; the old mask goes to *old.
 * Pair with av_signals_restore() around a call that starts threads
 * inside a library (Pa_StartStream()). */
void av_signals_block(sigset_t *old);

/* Put back the mask av_signals_block() saved. */
void av_signals_restore(const sigset_t *old);

#endif
