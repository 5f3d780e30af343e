/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * thread.c — threads started with every signal blocked (thread.h).
 */
#include "asanavox/thread.h"

void av_signals_block(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
}

void av_signals_restore(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

int av_thread_create(pthread_t *t, void *(*start)(void *), void *arg)
{
    /* The new thread inherits the mask in force at pthread_create(). */
    sigset_t old;
    av_signals_block(&old);
    int r = pthread_create(t, NULL, start, arg);
    av_signals_restore(&old);
    return r;
}
