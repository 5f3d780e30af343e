/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sound.h — bells and breath tones: WAV files read with libsndfile.
 *
 * A sound is loaded once, converted to mono float and resampled (with
 * libsoxr, src/dsp/resample.h) to the output rate.  Bells ring out
 * naturally: a sound's length is its whole file, tail included.
 *
 * Sound names in sessions ("bowl") are resolved to files by paths.h; this
 * module only reads files.  Any thread may call these functions on distinct
 * objects.
 */
#ifndef ASANAVOX_SOUND_H
#define ASANAVOX_SOUND_H

#include <stddef.h>
#include <stdint.h>

/* Sounds are bells and tones: a file of this many seconds or more is
 * refused (AV_ESOUND), so a sound never costs much memory. */
#define SOUND_MAX_SECONDS 600

struct sound {
    float *samples;   /* mono, `frames` long, at `rate`; owned by the sound */
    size_t frames;
    int rate;
};

/* Length in frames of the file at `path` once resampled to `rate`:
 * ceil(file_frames * rate / file_rate).  Reads the header and the last
 * frame, and checks everything sound_load() will need (a rate within 256
 * times `rate` either way, data as long as the header says, under
 * SOUND_MAX_SECONDS), so that a file it accepts loads.  Returns 0,
 * AV_ENOENT when the file does not exist, or AV_ESOUND when it is not a
 * readable sound file. */
int sound_frames_at(const char *path, int rate, int64_t *frames);

/* Load the file at `path`, mix it to mono and resample it to `rate`,
 * producing exactly sound_frames_at() frames.  Returns 0, AV_ENOENT,
 * AV_ESOUND or AV_ENOMEM; on failure *out is untouched. */
int sound_load(const char *path, int rate, struct sound **out);

/* Like sound_load(), for a sound that repeats (breath guides, ambient
 * beds): resampled with the loop's own end before its start and its start
 * after its end, so a seamless loop stays seamless at any rate (when
 * file_frames * rate / file_rate is whole; else it is off by less than a
 * frame).  Same errors. */
int sound_load_loop(const char *path, int rate, struct sound **out);

/* Free a sound.  Accepts NULL. */
void sound_destroy(struct sound *s);

#endif
