/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sound.c — reading bells and tones: libsndfile in, mono float out,
 * libsoxr in between when the file's rate is not the output rate
 * (src/dsp/resample.h, the converter speech goes through too).
 *
 * The length contract is the point of this module: sound_load() always
 * produces exactly sound_frames_at() frames, so the compiler can place
 * sounds on the timeline from headers alone and the mixer never finds a
 * sound longer or shorter than its slot.  The converter's own output
 * count is round(frames * rate / file_rate), up to a frame short of
 * ceil(); dsp_resample() pads with zeros to the exact length.
 *
 * Two cases sound.h leaves open: a NULL argument or a rate <= 0 is a
 * caller's bug and gives AV_EINVAL; a file whose header says it holds no
 * frames (or an unknown number) gives AV_ESOUND, so a loaded sound always
 * has at least one frame.  No state outlives a call.
 */
#include "asanavox/sound.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sndfile.h>

#include "asanavox/error.h"
#include "dsp/resample.h"

enum {
    READ_CHUNK = 4096   /* frames read from the file per sf_readf_float call */
};

/* Why sf_open() failed: the file is missing (AV_ENOENT) or it exists but is
 * not something libsndfile can read (AV_ESOUND). */
static int open_error(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return AV_ENOENT;
    return AV_ESOUND;
}

/* Open `path` for reading and check that its header describes a sound we
 * can handle: a positive rate and channel count and a known, non-zero
 * length.  On success *sf is open and *info filled. */
static int open_sound(const char *path, SNDFILE **sf, SF_INFO *info)
{
    memset(info, 0, sizeof *info);
    *sf = sf_open(path, SFM_READ, info);
    if (!*sf)
        return open_error(path);
    if (info->samplerate <= 0 || info->channels <= 0 || info->frames <= 0 ||
        info->frames == SF_COUNT_MAX ||
        info->frames / info->samplerate >= SOUND_MAX_SECONDS) {
        sf_close(*sf);
        *sf = NULL;
        return AV_ESOUND;
    }
    return AV_OK;
}

/* ceil(frames * rate / file_rate), or AV_ESOUND when that does not fit in
 * an int64_t (only a corrupt header claims so many frames). */
static int resampled_length(int64_t frames, int file_rate, int rate,
                            int64_t *out)
{
    if (file_rate == rate) {
        *out = frames;
        return AV_OK;
    }
    if (frames > (INT64_MAX - file_rate) / rate)
        return AV_ESOUND;
    *out = (frames * rate + file_rate - 1) / file_rate;
    return AV_OK;
}

int sound_frames_at(const char *path, int rate, int64_t *frames)
{
    if (!path || !frames || rate <= 0)
        return AV_EINVAL;
    SNDFILE *sf = NULL;
    SF_INFO info;
    int err = open_sound(path, &sf, &info);
    if (err)
        return err;
    int64_t n;
    err = resampled_length(info.frames, info.samplerate, rate, &n);
    /* Check what sound_load() will need, so that `check` passes only what
     * `render` can play: a rate the converter takes (within 256 times the
     * output rate: a 1 Hz WAV is not), and data as long as the header says (the last frame is
     * read, which costs one seek). */
    if (!err && !dsp_resample_rates_ok(info.samplerate, rate))
        err = AV_ESOUND;
    if (!err) {
        float last[64];
        if (info.channels > 64 || sf_seek(sf, info.frames - 1, SEEK_SET) < 0 ||
            sf_readf_float(sf, last, 1) != 1)
            err = AV_ESOUND;
    }
    sf_close(sf);
    if (err)
        return err;
    *frames = n;
    return AV_OK;
}

/* Read the whole file as mono: each frame is the mean of its channels.
 * *mono gets `frames` floats, owned by the caller. */
static int read_mono(SNDFILE *sf, const SF_INFO *info, float **mono)
{
    int err = AV_ENOMEM;
    float *out = NULL, *chunk = NULL;
    size_t frames = (size_t)info->frames;
    size_t channels = (size_t)info->channels;

    if ((uint64_t)info->frames > SIZE_MAX / sizeof *out ||
        channels > SIZE_MAX / sizeof *chunk / READ_CHUNK)
        goto fail;
    out = malloc(frames * sizeof *out);
    chunk = malloc(channels * READ_CHUNK * sizeof *chunk);
    if (!out || !chunk)
        goto fail;

    size_t done = 0;
    while (done < frames) {
        size_t want = frames - done < READ_CHUNK ? frames - done : READ_CHUNK;
        sf_count_t got = sf_readf_float(sf, chunk, (sf_count_t)want);
        if (got != (sf_count_t)want) {
            /* The header promised more than the data holds. */
            err = AV_ESOUND;
            goto fail;
        }
        for (size_t i = 0; i < want; i++) {
            const float *f = chunk + i * channels;
            float sum = 0.0f;
            for (size_t c = 0; c < channels; c++)
                sum += f[c];
            out[done + i] = channels == 1 ? sum : sum / (float)channels;
        }
        done += want;
    }
    free(chunk);
    *mono = out;
    return AV_OK;
fail:
    free(chunk);
    free(out);
    return err;
}

/* Resample `in` (`n` frames at `in_rate`) to `rate`: exactly `out_n`
 * frames in a new buffer at *out. */
static int resample(const float *in, size_t n, int in_rate, int rate, size_t out_n,
                    float **out)
{
    if (!dsp_resample_rates_ok(in_rate, rate))
        return AV_ESOUND; /* beyond the converter's ratio */
    if (out_n == 0 || out_n > SIZE_MAX / sizeof(float))
        return AV_ENOMEM;
    float *buf = malloc(out_n * sizeof(*buf));
    if (!buf)
        return AV_ENOMEM;
    int err = dsp_resample(in, n, in_rate, rate, buf, out_n);
    if (err) {
        free(buf);
        return err == AV_EINVAL ? AV_ESOUND : err;
    }
    *out = buf;
    return AV_OK;
}

/* A loop resampled as a loop: the converter sees one second of the loop's
 * own end before it and of its start after it (wrapping as often as a
 * short loop needs), so the first and last output frames are converted
 * from the signal around them rather than from silence, and the result
 * repeats without a seam.  One second of input is exactly `rate` frames of
 * output, so the loop's output starts at frame `rate`. */
static int resample_loop(const float *in, size_t n, int in_rate, int rate, size_t out_n,
                         float **out)
{
    size_t c = (size_t)in_rate;
    if (n == 0 || n > SIZE_MAX / sizeof(float) - 2 * c)
        return AV_ENOMEM;
    float *wide = malloc((n + 2 * c) * sizeof *wide);
    if (!wide)
        return AV_ENOMEM;
    for (size_t i = 0; i < n + 2 * c; i++)
        wide[i] = in[(i + n - c % n) % n];
    float *all = NULL;
    size_t all_n = out_n + 2 * (size_t)rate;
    int err = resample(wide, n + 2 * c, in_rate, rate, all_n, &all);
    free(wide);
    if (err)
        return err;
    memmove(all, all + rate, out_n * sizeof *all);
    *out = all;
    return AV_OK;
}

static int load(const char *path, int rate, bool loop, struct sound **out);

int sound_load(const char *path, int rate, struct sound **out)
{
    return load(path, rate, false, out);
}

int sound_load_loop(const char *path, int rate, struct sound **out)
{
    return load(path, rate, true, out);
}

static int load(const char *path, int rate, bool loop, struct sound **out)
{
    if (!path || !out || rate <= 0)
        return AV_EINVAL;
    SNDFILE *sf = NULL;
    SF_INFO info;
    float *mono = NULL;
    struct sound *s = NULL;

    int err = open_sound(path, &sf, &info);
    if (err)
        goto fail;
    int64_t n;
    err = resampled_length(info.frames, info.samplerate, rate, &n);
    if (err)
        goto fail;
    if ((uint64_t)n > SIZE_MAX / sizeof(float)) {
        err = AV_ENOMEM;
        goto fail;
    }
    err = read_mono(sf, &info, &mono);
    if (err)
        goto fail;
    sf_close(sf);
    sf = NULL;

    s = malloc(sizeof *s);
    if (!s) {
        err = AV_ENOMEM;
        goto fail;
    }
    if (info.samplerate == rate) {
        s->samples = mono; /* already the right rate: keep the buffer */
        mono = NULL;
    } else {
        err = loop && n > 0 ? resample_loop(mono, (size_t)info.frames, info.samplerate, rate,
                                            (size_t)n, &s->samples)
                            : resample(mono, (size_t)info.frames, info.samplerate, rate,
                                       (size_t)n, &s->samples);
        if (err)
            goto fail;
        free(mono);
        mono = NULL;
    }
    s->frames = (size_t)n;
    s->rate = rate;
    *out = s;
    return AV_OK;
fail:
    free(s);
    free(mono);
    if (sf)
        sf_close(sf);
    return err;
}

void sound_destroy(struct sound *s)
{
    if (!s)
        return;
    free(s->samples);
    free(s);
}
