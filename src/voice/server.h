/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server.h — espeak-ng in a helper process, one fresh copy per text
 * (internal to src/voice/).
 *
 * espeak-ng 1.51 keeps state in globals and function-local statics (pitch
 * flutter position, gain control, wave phase, clause state) that carry from
 * one utterance to the next, and it cannot be initialised twice in one
 * process.  None of that state can be reset through its API.  So espeak-ng
 * never runs in our process: speech_server_start() forks a helper, the
 * helper initialises espeak-ng and, for each voice and speed, forks a
 * configured copy of itself that never speaks; each text is spoken by a
 * fresh fork of that copy, which sends the samples back and exits.  Every
 * text therefore starts from the same memory image (espeak-ng freshly
 * initialised, voice and speed set) whatever was spoken before, in this
 * process or any other, and the same text always gives the same samples.
 * A fork costs far less than synthesis (measured: 200 texts took no longer
 * forked than in-process).
 *
 * What was tried in this process instead, and why it is not used (the
 * guide asks for espeak-ng in-process; measured with espeak-ng 1.51, the
 * same text after 21 different predecessors, branch `inproc`):
 *   - speaking a fixed primer before each text: 21 of 21 differ;
 *   - selecting the voice again before each text: 21 of 21 differ;
 *   - saving libespeak-ng's writable segment (.data, .bss) after the voice
 *     is selected and a primer spoken, and putting it back before each
 *     text: 0 of 21 differ, for one voice.  But (1) the state right after
 *     a voice is selected itself depends on what was selected and spoken
 *     before (en-us after eo, after de, and after en-us then eo: three
 *     different results), so a process that uses two voices would speak
 *     and cache different samples for the same key than one that uses
 *     one; (2) a text with a word espeak-ng speaks in another language
 *     (180 such words in de_list, 120 in it_list) builds a second
 *     translator and dictionary on the heap, about 170 KB, that putting
 *     the segment back forgets: a leak per such text, unbounded over a
 *     session; (3) espeak_ng_Initialize() calls setlocale(LC_CTYPE) for
 *     the whole process.  A fork has none of these problems.
 *
 * Several texts at once: the caller may submit many texts before it
 * collects any answer (speech_server_submit()); the helper speaks up to
 * one text per online CPU (at least two) at the same time, each in its own
 * fresh fork, and the answers come back in the order the texts were
 * submitted, whichever finished first.  Since every text starts from the
 * same image, its samples do not depend on the order or on what ran
 * beside it.  The processes' side is server_helper.c and server_copy.c.
 *
 * Threads: one thread at a time per server.  speech_server_start() forks,
 * so call it while the process has one thread (the helper itself then
 * runs single-threaded code only).
 *
 * Errors: AV_EVOICE when espeak-ng cannot start, has no such voice, or the
 * helper died (every later call then fails with AV_EVOICE too); AV_ENOMEM.
 */
#ifndef ASANAVOX_VOICE_SERVER_H
#define ASANAVOX_VOICE_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct speech_server;

/* Fork the helper.  espeak-ng is only initialised, in the helper, by the
 * first speech_server_configure(), so a process that finds all its speech
 * in a cache never loads espeak-ng's data.  Returns 0, AV_ENOMEM or
 * AV_EVOICE (fork or socketpair failed). */
int speech_server_start(struct speech_server **out);

/* Run the helper `steps` nice levels below the calling process; the
 * configured copies and workers it forks afterwards inherit that.  Call
 * before speech_server_configure().  Returns 0, or AV_EINVAL when the
 * system does not allow it (nothing changes). */
int speech_server_lower_priority(struct speech_server *s, int steps);

/* Close the connection and reap the helper (which then exits with its
 * children).  Accepts NULL. */
void speech_server_stop(struct speech_server *s);

/* Drop whatever is pending (cancelled, answers read away), then select
 * the espeak-ng voice `name` (a voice file name such as "en-us", or
 * a language the voice lists, such as "en-gb") and `speed` in words per
 * minute.  On success *rate is espeak-ng's output rate.  Returns 0,
 * AV_EVOICE (no such voice, or espeak-ng could not start) or AV_EINVAL. */
int speech_server_configure(struct speech_server *s, const char *name, int speed, int *rate);

/* Ask for `text` (UTF-8) to be spoken with the configured voice, behind
 * every text submitted before: speech_server_collect() returns its answer
 * after theirs.  Returns 0, AV_EVOICE (not configured,
 * or the helper failed) or AV_EINVAL (longer than 1 MiB). */
int speech_server_submit(struct speech_server *s, const char *text);

/* Texts submitted whose answers have not been collected. */
size_t speech_server_pending(const struct speech_server *s);

/* The answer to the oldest text submitted and not collected: *samples
 * (malloc'd, caller frees) gets *frames 16-bit mono samples at the
 * configured rate, untrimmed.  While waiting, *stop (when `stop` is not
 * NULL) is polled every 50 ms.  Returns 0 (the answer is then collected),
 * AV_EINVAL (nothing pending), AV_ELIMIT (longer than
 * VOICE_MAX_CLIP_SECONDS plus a second: the helper stopped there),
 * AV_ENOMEM, AV_EVOICE (that text failed, or the helper did: every later
 * call then fails too), AV_EINTERRUPTED (that text was cancelled, see
 * speech_server_cancel(), and the answer is collected; or *stop was
 * raised: the helper is abandoned, and every later call fails with
 * AV_EVOICE). */
int speech_server_collect(struct speech_server *s, const volatile sig_atomic_t *stop,
                          int16_t **samples, size_t *frames);

/* Stop speaking what was submitted and not yet spoken: the texts not yet
 * started are dropped and the running ones killed, and each of them is
 * answered at once with AV_EINTERRUPTED; texts already spoken keep their
 * answers.  Every pending answer must still be collected.  Returns 0 or
 * AV_EVOICE. */
int speech_server_cancel(struct speech_server *s);

#endif
