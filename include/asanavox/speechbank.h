/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * speechbank.h — every spoken text of a compiled session: what is known
 * about its clip, and where its samples are.
 *
 * Compiling with compile_session_spoken() synthesizes each distinct text
 * once (or finds it in the speech cache) to plan its length; the bank keeps
 * those very samples and the timeline owns the bank (timeline.speech).  The
 * mixer and the player take speech from the bank and never call the voice,
 * so the samples that sound are by construction the ones whose length was
 * planned, whatever the voice did in between (a reconfiguration, a cleared
 * or trimmed cache, another process).
 *
 * Memory: the bank holds only each text's metadata in memory (its length,
 * rate and a 128-bit hash of its samples, which names them in the mixer's
 * cache keys).  The samples themselves go to a private spill file (created
 * unlinked in $TMPDIR, else /tmp, at the first speech_bank_put(), so it
 * vanishes with the process) and are read back with pread() into a buffer
 * the reader frees, only when the mix needs them; pages of that file are
 * in the kernel's page cache, not in the process's memory.  So memory does
 * not grow with the amount of distinct speech.  (When no spill file can
 * be made or written, e.g. under a file size limit, the samples stay in
 * memory instead, with the same results.)  The bank does not keep the
 * speech cache's entries instead: another process may evict or replace
 * them between the compile and the mix.
 *
 * A text's samples do not depend on what the voice spoke before it
 * (voice.h: each text is spoken by a fresh copy of espeak-ng), so any
 * process that compiles a session gets the same bank, whatever else it
 * compiled first.
 *
 * Threads: a bank is filled by one thread, and may be read by any number
 * of threads at once, also while it is still being filled (a streamed
 * compile, compile.h): speech_bank_get() and speech_bank_count() take the
 * bank's lock, and speech_bank_read_into() uses pread, which shares no file
 * offset.
 */
#ifndef ASANAVOX_SPEECHBANK_H
#define ASANAVOX_SPEECHBANK_H

#include <stddef.h>
#include <stdint.h>

struct speech_bank;

struct speech_clip {
    size_t frames;          /* mono 16-bit frames */
    int rate;               /* the voice's native rate */
    uint64_t id[2];         /* XXH3-128 of the samples: equal ids, equal samples */
    uint64_t offset;        /* where they are in the spill file (the bank's) */
};

/* An empty bank (the spill file is made by the first put).  Returns 0 or
 * AV_ENOMEM. */
int speech_bank_create(struct speech_bank **out);

/* Free it and close its spill file.  Accepts NULL. */
void speech_bank_destroy(struct speech_bank *b);

/* Keep `frames` samples at `rate` for `text` (copied to the spill file; the
 * caller keeps its buffer); a text already in the bank keeps its first
 * samples.  Returns 0 or AV_ENOMEM. */
int speech_bank_put(struct speech_bank *b, const char *text, const int16_t *samples,
                    size_t frames, int rate);

/* What the bank knows of `text`, or NULL when it was never spoken.  The
 * pointer is valid until the bank's end.  Any thread. */
const struct speech_clip *speech_bank_get(const struct speech_bank *b, const char *text);

/* Read the samples of `c` (from this bank) into `samples`, which has room
 * for c->frames samples (the caller's buffer: a worker reuses one,
 * spares.h); they are checked against c->id.  Any thread.  Returns 0 or
 * AV_EIO (unreadable or damaged). */
int speech_bank_read_into(const struct speech_bank *b, const struct speech_clip *c,
                          int16_t *samples);

/* How many distinct texts the bank holds. */
size_t speech_bank_count(const struct speech_bank *b);

#endif
