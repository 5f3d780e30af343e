/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mixer.h — a timeline turned into audio, one block at a time.
 *
 * The mixer walks a timeline's events in start order and keeps only the
 * clips that sound in the block being made: a clip (speech from the voice,
 * resampled to the output rate with libsoxr to exactly
 * voice_frames_at() frames; a bell or tone from a sound file) is prepared
 * shortly before its event starts, added in at exactly its planned frame
 * and released when it ends.  Prepared clips are cached by text or path in
 * a least-recently-used cache of bounded size (16 MiB by default), so
 * memory does not grow with the length of the session.  `render` and
 * `play` use the same mixer; only where the blocks go differs.
 *
 * Loudness by role (see src/mix/loudness.h): each distinct clip is
 * measured with libebur128 (a K-weighted energy profile every 10 ms) and
 * given the gain that puts it at its role's loudness after the limiter:
 * each spoken cue at the target (-16 LUFS plus --volume plus the
 * timeline's voice_db), bells 6 LU and breath guides (at their top) 10 LU
 * below it plus bell_db, the ambient bed 14 LU below it plus ambience_db.
 * Nothing depends on what else the session holds, so speech is equally
 * loud in every session, and a clip's gain is decided when the clip is
 * prepared, as the mix approaches it (from a profile an earlier run left
 * in the clip store, or measured): nothing is measured before the first
 * block but the clips it plays, so a live player starts at once.  The
 * session's integrated loudness is only predicted, when asked
 * (mixer_predicted_lufs()).

 * What a block goes through, in order:
 *   - the clips, each already gained and faded (raised-cosine, 3 ms in and
 *     5 ms out), so no clip starts or stops with a click; speech clips
 *     also had their peaks held 13.5 dB above their loudness (a gentle
 *     per-clip limiter, src/mix/peakctl.h), so at the target they peak at
 *     -2.5 dBTP and the limiter below is a safety net; a breath tone is
 *     a loop repeated over its whole phase and shaped to it (a swell or a
 *     steady tone, timeline.h enum tl_guide; src/mix/guide.h);
 *   - the ambient bed, when the timeline has one (src/mix/ambience.h): a
 *     loop faded in and out, ducked 12 dB under every spoken cue;
 *   - their mono sum (every source is mono; clips are added in event order,
 *     so the result does not depend on block sizes, threads or seeking);
 *   - a look-ahead limiter whose detector runs on a 4x oversampled signal,
 *     so the true peak stays below the ceiling (default -1.5 dBTP);
 *   - the same signal on every output channel.
 *
 * Output is exactly tl->duration frames and deterministic: the same
 * timeline and options give the same samples, bit for bit.
 *
 * A mixer is used by one thread at a time (it may run one worker thread of
 * its own, see mixer_options.background, and mixer_predicted_lufs()
 * borrows a second core for a moment).  It borrows the timeline and the voice, which
 * must outlive it; while a mixer exists the voice belongs to it.
 */
#ifndef ASANAVOX_MIXER_H
#define ASANAVOX_MIXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timeline;
struct voice;
struct mixer;
struct compile_stream;

/* Default integrated loudness of speech and of the whole session, LUFS. */
#define MIXER_TARGET_LUFS (-16.0)
/* Default true-peak ceiling of the limiter, dBTP.  Half a dB below the
 * -1 dBTP promise, for the difference between this detector and others. */
#define MIXER_CEILING_DBTP (-1.5)
/* Loudness of bells and of breath tones relative to speech, LU. */
#define MIXER_BELL_OFFSET_LU (-6.0)
#define MIXER_TONE_OFFSET_LU (-10.0)
/* Loudness of the ambient bed (before ducking) relative to speech, LU. */
#define MIXER_AMBIENCE_OFFSET_LU (-14.0)

/* Where clips come from.  Both functions return mono float samples at
 * `rate` in a malloc'd array that the mixer frees, or an av_error.  The
 * default source (options->source == NULL) is the voice, resampled with
 * mix_resample_s16() to exactly voice_frames_at() frames, and sound_load().
 * Tests pass fakes. */
struct mixer_source {
    void *ctx;
    int (*speech)(void *ctx, const char *text, int rate, float **samples, size_t *frames);
    int (*sound)(void *ctx, const char *path, int rate, float **samples, size_t *frames);
};

struct mixer_options {
    int channels;            /* 1 or 2; default 2 */
    double target_lufs;      /* of the session; default MIXER_TARGET_LUFS */
    double volume_db;        /* added to the target (--volume); default 0 */
    double ceiling_dbtp;     /* limiter ceiling; default MIXER_CEILING_DBTP */
    bool normalize;          /* loudness normalization; default on.  Off:
                                every clip at 0 dB plus volume_db */
    bool limiter;            /* default on */
    double fade_in_ms;       /* clip edge fades; defaults 3 and 5 ms */
    double fade_out_ms;
    size_t cache_bytes;      /* bound of the clip cache; default 8 MiB */
    bool background;         /* prepare clips on a worker thread, up to
                                60 s ahead; default on.  Off: prepared
                                when needed, on the caller's thread.  The
                                output is the same either way. */
    const struct mixer_source *source; /* NULL: the voice and sound files */
    const char *store_dir;   /* a cache directory (filecache.h) where the
                                speech of a timeline's speech bank is kept
                                resampled to the output rate, with its
                                loudness profile, for later runs; created
                                if missing.  NULL (the default): none, and
                                every run resamples and measures.  A
                                directory that cannot be used is the same
                                as NULL.  The output is the same either way,
                                to the bit. */
    uint64_t store_max;      /* its bound in bytes; default 256 MiB */
    struct compile_stream *stream; /* NULL (the default): the timeline is
                                whole.  Else the timeline given to
                                mixer_create() is the header from
                                compile_stream_header() of this stream,
                                which is still being compiled: the mixer
                                takes the events as it reaches them, and
                                mixer_read() waits for the layout when it
                                is ahead of it (compile.h, "Streaming").
                                The output is the same, to the bit, as
                                with the whole timeline; when the compile
                                fails, mixer_read() returns its error
                                (e.g. AV_ESYNTAX) once it needs an event
                                that was never laid out.  Not with an
                                ambient bed (AV_EINVAL). */
};

/* Fill `o` with the defaults above.  Any thread. */
void mixer_options_init(struct mixer_options *o);

/* Create a mixer for `tl` at tl->rate (and its worker thread, when
 * opts->background).  `voice` may be NULL only when
 * options->source is set or the timeline has no speech.  When it is used it
 * is configured with tl->voice and tl->speed (which keeps its cache when
 * they are what the compiler used).  `opts` may be NULL for the defaults.
 * Returns 0, AV_EINVAL (bad options, rate or channels), AV_EVOICE (the
 * timeline's voice is unknown) or AV_ENOMEM.  No clip is made or measured
 * here (but the ambient bed's loop): each is prepared, and with
 * normalization on given its gain, as the mix approaches it.  Without a
 * speech bank, speech is synthesized on the mixer's thread when its clip
 * is requested (espeak-ng is single-threaded).  With opts->background, a
 * custom source's functions are called from the worker thread and from
 * the mixer's thread, possibly at once, so they must be thread-safe. */
int mixer_create(const struct timeline *tl, struct voice *voice, const struct mixer_options *opts,
                 struct mixer **out);

/* Free the mixer and every clip it holds.  Accepts NULL. */
void mixer_destroy(struct mixer *m);

/* Produce the next up to `frames` frames, interleaved, into `out` (room for
 * frames * channels floats), and set *got to the number produced: `frames`
 * until the end of the session, fewer for the last block, then 0.  Clips
 * whose events start in the block must be ready: the call waits for (or
 * helps with) their preparation.  Returns 0, or the error of a clip that
 * could not be prepared (AV_EVOICE, AV_ENOENT, AV_ESOUND, AV_ENOMEM), with
 * *got the frames produced before it; after an error every call returns
 * it again (until mixer_seek()). */
int mixer_read(struct mixer *m, float *out, size_t frames, size_t *got);

/* Like mixer_read(), but one channel: the signal that every output
 * channel carries (for sinks that copy it themselves, sink_write_mono()). */
int mixer_read_mono(struct mixer *m, float *out, size_t frames, size_t *got);

/* Continue from `frame` (clamped to the duration): the next mixer_read()
 * starts there, with clips that began earlier and still sound picked up in
 * the middle.  When frame > 0 the first few milliseconds fade in.  Returns
 * 0 or the error of a clip that could not be prepared. */
int mixer_seek(struct mixer *m, int64_t frame);

/* Live play only (render never calls these, so its output stays as
 * above).  mixer_set_live_gain(): multiply the mix by `gain` (linear, 1 to
 * 4) before the limiter, from the next frame mixed on, so a volume above
 * 0 dB is limited like the rest and never clips.  mixer_say_over():
 * synthesize `text` now (on the calling thread, with the timeline's voice)
 * and mix it at the level of the session's speech (its own gain by role,
 * as every cue gets) from session frame `at`
 * on, over the session, which is ducked by 12 dB under it (50 ms ramps);
 * it replaces an earlier overlay, and a mixer_seek() anywhere but `at`
 * drops it.  Returns 0, AV_EVOICE or AV_ENOMEM. */
void mixer_set_live_gain(struct mixer *m, float gain);
int mixer_say_over(struct mixer *m, const char *text, int64_t at);

/* The next frame mixer_read() will produce, and the total (tl->duration;
 * with a stream, INT64_MAX until the compile has ended). */
int64_t mixer_position(const struct mixer *m);
int64_t mixer_duration(const struct mixer *m);

/* After an error, one line saying which clip failed and why (e.g. "cannot
 * play /x/bowl.wav: not found"); "" when there was none. */
const char *mixer_error_detail(const struct mixer *m);

/* The session's integrated loudness as the mixer predicts it (LUFS, with
 * the limiter modelled), or -HUGE_VAL when it is silent, normalization is
 * off or memory ran out.  The first call works it out from every distinct
 * clip's loudness profile (from the clip store, or measured now on the
 * calling thread and a helper; without a speech bank it synthesizes the
 * speech), which no command needs; later calls return the same figure.
 * Nothing it does changes the output.  The mixer's thread. */
double mixer_predicted_lufs(struct mixer *m); /* -HUGE_VAL with a stream */

/* Output channels and rate. */
int mixer_channels(const struct mixer *m);
int mixer_rate(const struct mixer *m);

/* Clips prepared so far (cache misses), and clips held in the cache now. */
size_t mixer_clips_prepared(const struct mixer *m);
size_t mixer_clips_cached(const struct mixer *m);

/* Resample `n` mono 16-bit frames at `in_rate` to exactly `out_frames`
 * float frames at `out_rate`: one libsoxr conversion of the whole clip
 * (src/dsp/resample.h: HQ, pass band to 95 % of the lower rate's Nyquist
 * frequency, one thread, no dither), aligned with the input; the response
 * of a 22.05 kHz clip is 0.00 dB at 10 kHz.  Pads with silence or cuts the
 * last few frames the converter gives beyond `out_frames`.  Use
 * voice_frames_at(n, in_rate, out_rate) for `out_frames` to get the planned
 * length.  The same input gives the same bytes.  Any thread.  Returns 0,
 * AV_EINVAL (a rate <= 0, rates more than 256 times apart) or AV_ENOMEM. */
int mix_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames);

/* Integrated loudness (LUFS, libebur128) of a mono clip at `rate`.  A clip
 * shorter than two seconds is measured as if looped to that length, so
 * short cues ("Up.") get a real figure.  Returns -HUGE_VAL for silence.
 * Any thread. */
double mix_clip_loudness(const float *samples, size_t frames, int rate);

#endif
