/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server_internal.h — the speech helper's protocol, shared by the caller's
 * side (server.c) and the helper processes' side (server_helper.c, and
 * server_copy.c for a configured copy's service loop), and nothing else.
 *
 * Messages to the helper: a head {type, length} and `length` bytes.  Every
 * SYNTH request gets exactly one answer, in the order the requests were
 * sent: a head {status, rate, frames} and `frames` 16-bit samples.  A CONF
 * request gets one answer with no samples; RESET and CANCEL get none.
 */
#ifndef ASANAVOX_VOICE_SERVER_INTERNAL_H
#define ASANAVOX_VOICE_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "asanavox/voice.h"

enum {
    MSG_CONF = 1,   /* int32 speed, then the voice name */
    MSG_SYNTH = 2,  /* the text */
    MSG_RESET = 3,  /* drop the configured voice (none pending) */
    MSG_CANCEL = 4, /* answer every request not yet answered at once:
                       AV_EINTERRUPTED unless its samples are ready */
};

enum {
    MAX_REQUEST = 1 << 20, /* bytes of text or voice name */
    /* What the caller accepts in one answer: the helper's own limit
     * (VOICE_MAX_CLIP_SECONDS + 1 at espeak-ng's rate) with room for any
     * rate up to 48 kHz. */
    MAX_FRAMES = 48000 * (VOICE_MAX_CLIP_SECONDS + 2),
    /* Texts spoken at once: one per online CPU, within these bounds. */
    MIN_WORKERS = 2,
    MAX_WORKERS = 16,
};

struct msg_head {
    uint32_t type;
    uint32_t len;
};

struct reply_head {
    int32_t status;
    int32_t rate;
    uint64_t frames;
};

/* The helper process: serve requests on the socket `fd` until end of
 * input.  Called in a freshly forked child; it never returns.
 * (server_helper.c) */
void speech_helper_main(int fd) __attribute__((noreturn));

/* In a configured copy: end it, cleanly (the helper goes on reading
 * requests) or not (the helper shuts the socket down, so the caller reads
 * end of input).  It never returns.  (server_helper.c) */
void speech_copy_leave(bool clean) __attribute__((noreturn));

/* In a worker just forked from a configured copy: close the copy's pipe to
 * the helper, which the worker must not hold.  (server_helper.c) */
void speech_copy_close_helper_pipe(void);

/* A worker: speak `text` (`len` bytes, NUL-terminated) with the copy's
 * voice, write its answer (head and samples) to `out`, and exit.  It
 * never returns.  (server_helper.c) */
void speech_worker_main(int out, const char *text, size_t len, int rate)
    __attribute__((noreturn));

/* Wait for the child `pid` to end, through EINTR.  (server_helper.c) */
void speech_reap(pid_t pid);

/* Restart the calling thread's rand() where glibc starts its own (seed 1),
 * whatever the caller drew before it forked the helper.  (rand.c) */
void speech_rand_restart(void);

/* A configured copy: serve text requests on the socket `fd` until a reset
 * or end of input, speaking at espeak-ng's `rate`.  It never returns.
 * (server_copy.c) */
void speech_copy_serve(int fd, int rate) __attribute__((noreturn));

#endif
