/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speechbank.h — every spoken text of a compiled session with its samples.
 *
 * Compiling with compile_session_spoken() synthesizes each distinct text
 * once, with espeak-ng on the compiling thread, to plan its length; the
 * bank keeps those very samples (a copy at the voice's native rate) and
 * the timeline owns the bank (timeline.speech).  The mixer and the player
 * take speech from the bank and never call the voice, so the samples that
 * sound are by construction the ones whose length was planned, whatever
 * the voice did in between (a reconfiguration, a cleared cache).
 *
 * A text's samples do not depend on what the voice spoke before it
 * (voice.h: each text is spoken by a fresh copy of espeak-ng), so any
 * process that compiles a session gets the same bank, whatever else it
 * compiled first.
 *
 * A bank is filled by one thread; once the timeline is made it is only
 * read, by any number of threads.
 */
#ifndef ASANAVOX_SPEECHBANK_H
#define ASANAVOX_SPEECHBANK_H

#include <stddef.h>
#include <stdint.h>

struct speech_bank;

struct speech_clip {
    const int16_t *samples; /* mono, owned by the bank */
    size_t frames;
    int rate;               /* the voice's native rate */
};

/* An empty bank.  Returns 0 or AV_ENOMEM. */
int speech_bank_create(struct speech_bank **out);

/* Free it and its samples.  Accepts NULL. */
void speech_bank_destroy(struct speech_bank *b);

/* Keep a copy of `frames` samples at `rate` for `text`; a text already in
 * the bank keeps its first samples.  Returns 0 or AV_ENOMEM. */
int speech_bank_put(struct speech_bank *b, const char *text, const int16_t *samples,
                    size_t frames, int rate);

/* The samples for `text`, or NULL when it was never spoken. */
const struct speech_clip *speech_bank_get(const struct speech_bank *b, const char *text);

/* How many distinct texts the bank holds. */
size_t speech_bank_count(const struct speech_bank *b);

#endif
