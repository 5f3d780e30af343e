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
#include <stdbool.h>

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

/* A stop flag (compile_options.stop, voice_set_stop(), render_run()) is
 * raised by a signal handler, so on the main thread, and polled by the
 * threads of a streamed compile too (its layout and its voice,
 * src/cli/cli_stream.h).  A volatile sig_atomic_t written on one thread
 * and read on another is a data race all the same, so both sides go
 * through these lock-free atomic accesses (which a handler may make).
 * av_stop_raised(): whether `stop` (NULL: none) is raised.  Any thread. */
static inline bool av_stop_raised(const volatile sig_atomic_t *stop)
{
    return stop && __atomic_load_n(stop, __ATOMIC_RELAXED) != 0;
}

/* Raise the flag with `value` (nonzero), e.g. the signal's number. */
static inline void av_stop_raise(volatile sig_atomic_t *stop, int value)
{
    __atomic_store_n(stop, value, __ATOMIC_RELAXED);
}

#endif
