/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server_internal.h — the speech helper's protocol, shared by the caller's
 * side (server.c) and the helper processes' side (server_helper.c), and
 * nothing else.
 *
 * Messages to the helper: a head {type, length} and `length` bytes.  Every
 * SYNTH request gets exactly one answer, in the order the requests were
 * sent: a head {status, rate, frames} and `frames` 16-bit samples.  A CONF
 * request gets one answer with no samples; RESET and CANCEL get none.
 */
#ifndef ASANAVOX_VOICE_SERVER_INTERNAL_H
#define ASANAVOX_VOICE_SERVER_INTERNAL_H

#include <stdint.h>

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
 * input.  Called in a freshly forked child; it never returns. */
void speech_helper_main(int fd) __attribute__((noreturn));

#endif
