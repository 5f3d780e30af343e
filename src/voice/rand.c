/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rand.c — the C library's rand() and random(), with one state per thread.
 *
 * espeak-ng's Klatt voices draw their noise (breath, frication) from
 * rand() for every sample, and glibc keeps one state for the whole
 * process behind a lock: taking it cost 7 % of a cold render's CPU
 * (perf), in the helper processes that speak (server_helper.c).  flite
 * seeds and draws from rand() in this process too, and with one shared
 * state another thread drawing at the same time would change what it
 * says.  So the executable defines these four functions itself; the
 * dynamic linker binds every library's calls to the executable's
 * definitions first, as it does for create_audio_device_object()
 * (server_helper.c).  Each thread gets
 * glibc's own generator through the reentrant random_r(), started as
 * glibc starts its shared one (seed 1, a 128-byte TYPE_3 state), so a
 * thread's sequence is the one glibc would give it if it were alone.
 * No library offers a per-thread rand(); this is the least we can write.
 *
 * Thread safety: every function works on the calling thread's state only.
 */
#define _GNU_SOURCE 1 /* random_r() and friends */
#include <stdint.h>
#include <stdlib.h>

#include "server_internal.h"

static __thread struct random_data state;
static __thread int32_t table[32]; /* 128 bytes: glibc's TYPE_3 */
static __thread int ready;

static struct random_data *mine(void)
{
    if (!ready) {
        /* random_data must be zeroed before initstate_r(); __thread is. */
        initstate_r(1, (char *)table, sizeof(table), &state);
        ready = 1;
    }
    return &state;
}

long random(void)
{
    int32_t r = 0;
    random_r(mine(), &r);
    return r;
}

void srandom(unsigned int seed)
{
    srandom_r(seed, mine());
}

int rand(void)
{
    return (int)random();
}

void srand(unsigned int seed)
{
    srandom(seed);
}

void speech_rand_restart(void)
{
    srandom(1);
}
