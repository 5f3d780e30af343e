/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * flite.h — flite (CMU's small C synthesizer) as asanavox's second speech
 * engine, for English.  Internal to src/voice: voice.c selects it for voice
 * names "flite:slt", "flite:awb", "flite:rms" and "flite:kal16" and keeps
 * its clips in the same cache as espeak-ng's.
 *
 * Built only when flite1-dev was found (ASANAVOX_HAVE_FLITE, CMake option
 * ASANAVOX_FLITE, on by default); without it every function here reports
 * AV_EVOICE and flite_engine_voices() lists nothing.
 *
 * flite keeps voices in globals of its own; like espeak-ng it is used from
 * one thread (the voice's).  Its clustergen voices use libc's rand(), which
 * flite_engine_synth() seeds before every utterance, so the same text with
 * the same voice and speed gives the same samples, whatever was spoken
 * before.
 */
#ifndef ASANAVOX_VOICE_FLITE_H
#define ASANAVOX_VOICE_FLITE_H

#include <stddef.h>
#include <stdint.h>

struct flite_engine;

/* The voice names the engine offers, without the "flite:" prefix, ended by
 * NULL (empty when flite is not built in). */
extern const char *const flite_engine_voices[];

/* Start flite.  Returns 0, AV_ENOMEM, or AV_EVOICE when flite is not built
 * in. */
int flite_engine_create(struct flite_engine **out);

/* A string naming flite's version, the files of its libraries and voices
 * and how asanavox drives it (malloc'd; NULL when out of memory): two runs
 * with the same string speak every text alike with the same voice and
 * speed.  It begins with "flite".  Needs no engine; any thread. */
char *flite_engine_stamp(void);

/* Free the engine and its voices.  Accepts NULL. */
void flite_engine_destroy(struct flite_engine *e);

/* Select voice `name` ("slt"...) at `speed` words per minute.  Returns 0 or
 * AV_EVOICE for a name not in flite_engine_voices. */
int flite_engine_select(struct flite_engine *e, const char *name, int speed);

/* The selected voice's sample rate (16000 for the four voices). */
int flite_engine_rate(const struct flite_engine *e);

/* Synthesize `text` with the selected voice into a malloc'd buffer of
 * 16-bit mono samples at flite_engine_rate().  Returns 0, AV_ENOMEM or
 * AV_EVOICE. */
int flite_engine_synth(struct flite_engine *e, const char *text, int16_t **samples,
                       size_t *frames);

#endif
