/*
 * mixer.c — timeline → blocks of audio (see mixer.h).
 *
 * The signal path per block:
 *
 *   events ──▶ clip cache ──▶ mono sum x ──▶ limiter ──▶ y ──▶ channels
 *
 * Clips.  Every distinct (kind, text or path) is prepared once: speech is
 * synthesized by the voice (on the mixer's thread: espeak-ng is not
 * thread-safe), then resampled, measured and faded; sounds are loaded and
 * measured and faded.  Preparation after synthesis runs on a worker thread
 * that works through the events up to PREFETCH_SECONDS ahead of the mix,
 * so on two cores resampling overlaps mixing and writing.  Prepared clips
 * are pure functions of their input, so the output does not depend on
 * timing.  Clips that are playing or prefetched are pinned; others are
 * dropped least recently used first when the cache exceeds its budget.
 *
 * Positions.  `pos` is the next frame to output.  The limiter looks
 * LA - 1 + TP_HALF frames ahead, so the mono sum is computed up to `xend`
 * beyond pos; x[i] holds the sum at frame pos - TP_HALF + i.
 *
 * The limiter, for a block of output frames [t0, t0 + n):
 *   greq[s] = min(1, ceiling / p[s]), where p[s] is the largest of |x[s]|
 *             and the three 4x-interpolated values between s and s + 1;
 *   hold[s] = min(greq[s .. s + LA - 1])      (look-ahead hold)
 *   env[s]  = min(hold[s], env[s-1] released towards 1)
 *   g[t]    = mean(env[t - LA + 1 .. t])      (smooth attack of LA frames)
 *   y[t]    = x[t] * g[t]
 * Every env value averaged into g[p] comes from a hold window containing p,
 * so g[p] <= greq[p]: the peak at p ends at or below the ceiling.  Most of
 * a session is silence or quiet speech: a sub-block whose samples are all
 * below ceiling / tp_bound (tp_bound bounds how far an interpolated value
 * can exceed the samples around it) skips the interpolation, and a block
 * that needs no gain reduction is copied through.
 */
#include "asanavox/mixer.h"

#include <ebur128.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/sound.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "ambience.h"
#include "guide.h"
#include "kernels.h"
#include "loudness.h"

static const double PI = 3.14159265358979323846;

enum {
    BLOCK = 4096,        /* frames per internal block */
    TP_HALF = 6,         /* interpolation taps on each side */
    TP_TAPS = 2 * TP_HALF,
    SUB = 32,            /* detector sub-block for the quiet test */
    HASH_BUCKETS = 256,
    PREFETCH_SECONDS = 60,
    RS_SEGMENTS = 4,     /* resampling: segments run as channels */
    RS_CONTEXT = 64,     /* input frames of context around a segment */
};

enum clip_kind { CLIP_SPEECH, CLIP_BELL, CLIP_TONE };
enum clip_state { CLIP_PENDING, CLIP_READY, CLIP_FAILED };

struct clip {
    struct clip *lru_prev, *lru_next; /* most recently used at the head */
    struct clip *hnext;               /* hash chain */
    struct clip *job_next;            /* worker queue */
    uint64_t hash;
    enum clip_kind kind;
    char *key;                        /* text or path, owned */
    unsigned pins;                    /* playing and prefetched uses */
    size_t budget;                    /* bytes counted in the cache */
    float gain;                       /* from the level table */
    /* Input of the preparation (speech from the voice). */
    const int16_t *native;
    size_t native_frames, out_frames;
    int native_rate;
    /* Result: written by whoever prepares the clip, under m->lock when a
     * worker does; read by the mixer's thread once state != PENDING. */
    enum clip_state state;
    int err;
    float *samples;                   /* gained and faded, owned */
    size_t frames;
};

struct playing {
    struct clip *clip;
    int64_t start;
    int64_t len;        /* a breath guide: its phase's length (guide.h); else 0 */
    enum guide_shape shape;
};

struct prefetched {
    size_t event;
    struct clip *clip;
    size_t size;        /* what it counts for in pf_bytes */
};

/* The gain of each distinct clip, decided once by analyze(). */
struct level {
    struct level *next;
    uint64_t hash;
    enum clip_kind kind;
    const char *key;                  /* the timeline's string */
    double target;                    /* the clip's own loudness target */
    float gain;                       /* linear, applied when prepared */
    struct loud_profile prof;         /* only during analyze() */
    float *env;                       /* only during analyze() */
    const int16_t *native;            /* speech: the voice's clip */
    size_t native_frames;
    int native_rate;
};

struct mixer {
    const struct timeline *tl;
    struct voice *voice;
    struct mixer_options o;
    struct mixer_source src;
    bool custom_source;
    int rate, channels;
    int64_t duration;
    int err;
    char detail[256];

    /* the ambient bed (ambience.h), or NULL */
    struct ambience *amb;

    /* loudness */
    struct level *levels[HASH_BUCKETS];
    double predicted;   /* session loudness, LUFS */

    /* clip cache (mixer thread only) */
    struct clip *buckets[HASH_BUCKETS];
    struct clip *lru_head, *lru_tail;
    size_t cache_bytes, n_cached, n_prepared;

    pthread_mutex_t sound_lock; /* see sound_source() */

    /* worker */
    bool threaded;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    struct clip *job_head, *job_tail;
    bool quit;

    /* events: prefetched clips form a queue in event order */
    size_t next_event, pf_event;
    struct prefetched *pf;
    size_t pf_head, pf_count, pf_cap, pf_bytes;
    struct playing *playing;
    size_t n_playing, cap_playing;

    /* positions */
    int64_t pos, xend;
    int64_t fade_from;  /* start of the fade-in after a seek, or -1 */
    int fade_in, fade_out;

    /* limiter */
    int la;
    float ceiling, tp_bound;
    float tp_coef[3][TP_TAPS];
    double release;
    double env_prev;    /* the limiter gain at pos - 1 */
    bool ebuf_ones;     /* env history (LA - 1 values) is all 1 */
    float *x;           /* BLOCK + LA - 1 + 2 * TP_HALF */
    float *greq, *pre, *suf; /* BLOCK + LA */
    float *hold;        /* BLOCK */
    float *ebuf;        /* LA - 1 + BLOCK: env at pos - (LA - 1) + i */
    float *y;           /* BLOCK */
};

/* ---- options ---------------------------------------------------------- */

void mixer_options_init(struct mixer_options *o)
{
    memset(o, 0, sizeof(*o));
    o->channels = 2;
    o->target_lufs = MIXER_TARGET_LUFS;
    o->volume_db = 0.0;
    o->ceiling_dbtp = MIXER_CEILING_DBTP;
    o->normalize = true;
    o->limiter = true;
    o->fade_in_ms = 3.0;
    o->fade_out_ms = 5.0;
    o->cache_bytes = 16u << 20;
    o->background = true;
    o->source = NULL;
}

/* ---- resampling -------------------------------------------------------- */

static long gcd_l(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Run libsamplerate over `frames` interleaved frames of `ch` channels,
 * writing up to `cap` frames; returns the frames made or -1. */
static long src_run(const float *in, long frames, int ch, double ratio, float *out, long cap)
{
    int e = 0;
    SRC_STATE *st = src_new(SRC_SINC_MEDIUM_QUALITY, ch, &e);
    if (!st)
        return -1;
    long used = 0, made = 0;
    while (made < cap) {
        SRC_DATA d = {
            .data_in = in + used * ch,
            .data_out = out + made * ch,
            .input_frames = frames - used,
            .output_frames = cap - made,
            .end_of_input = 1,
            .src_ratio = ratio,
        };
        if (src_process(st, &d) != 0) {
            src_delete(st);
            return -1;
        }
        used += d.input_frames_used;
        made += d.output_frames_gen;
        if (d.output_frames_gen == 0)
            break;
    }
    src_delete(st);
    return made;
}

/*
 * libsamplerate's converters cost about the same per frame for four
 * channels as for one, so a long clip is cut into RS_SEGMENTS segments
 * that are converted together as the channels of one stream.  Segment
 * boundaries fall on input frames that are multiples of P = in/gcd(in,out),
 * where the output grid lines up exactly (P input frames make Q output
 * frames), and each segment carries C >= RS_CONTEXT frames of its
 * neighbours on both sides (also a multiple of P) so the filter sees the
 * real signal; the context's output is cut away.  The result equals a
 * one-piece conversion up to float rounding, and is itself deterministic.
 */
static int resample_direct(const float *in, size_t n, int in_rate, int out_rate, float *out,
                           size_t out_frames)
{
    if (n == 0 || out_frames == 0) {
        if (out_frames)
            memset(out, 0, out_frames * sizeof(*out));
        return AV_OK;
    }
    double ratio = (double)out_rate / (double)in_rate;
    if (!src_is_valid_ratio(ratio) || n > (size_t)LONG_MAX / 8 ||
        out_frames > (size_t)LONG_MAX / 8)
        return AV_EINVAL;
    if (in_rate == out_rate) {
        size_t k = n < out_frames ? n : out_frames;
        memcpy(out, in, k * sizeof(*out));
        if (k < out_frames)
            memset(out + k, 0, (out_frames - k) * sizeof(*out));
        return AV_OK;
    }
    long g = gcd_l(in_rate, out_rate);
    size_t P = (size_t)(in_rate / g), Q = (size_t)(out_rate / g);
    size_t C = (RS_CONTEXT + P - 1) / P * P;
    size_t seg = n / RS_SEGMENTS / P * P;
    int k = seg >= 4 * C && seg > 0 ? RS_SEGMENTS : 1;

    size_t s[RS_SEGMENTS + 1], a[RS_SEGMENTS], b[RS_SEGMENTS];
    size_t len = 0;
    for (int q = 0; q < k; q++)
        s[q] = (size_t)q * seg;
    s[k] = n;
    for (int q = 0; q < k; q++) {
        a[q] = q ? s[q] - C : 0;
        b[q] = q + 1 < k ? s[q + 1] + C : n;
        if (b[q] - a[q] > len)
            len = b[q] - a[q];
    }
    size_t cap = (size_t)((double)len * ratio) + 64;
    float *fin = calloc(len * (size_t)k, sizeof(float));
    float *fout = malloc(cap * (size_t)k * sizeof(float));
    if (!fin || !fout) {
        free(fin);
        free(fout);
        return AV_ENOMEM;
    }
    for (int q = 0; q < k; q++)
        for (size_t i = a[q]; i < b[q]; i++)
            fin[(i - a[q]) * (size_t)k + (size_t)q] = in[i];
    long made = src_run(fin, (long)len, k, ratio, fout, (long)cap);
    free(fin);
    if (made < 0) {
        free(fout);
        return AV_ENOMEM;
    }
    for (int q = 0; q < k; q++) {
        size_t j0 = s[q] / P * Q;
        size_t j1 = q + 1 < k ? s[q + 1] / P * Q : out_frames;
        if (j1 > out_frames)
            j1 = out_frames;
        size_t off = (s[q] - a[q]) / P * Q;
        for (size_t j = j0; j < j1; j++) {
            size_t t = off + (j - j0);
            out[j] = t < (size_t)made ? fout[t * (size_t)k + (size_t)q] : 0.0f;
        }
    }
    free(fout);
    return AV_OK;
}

/*
 * Upsampling by two or more starts with an exact 2x step of our own: a
 * symmetric half-band FIR (HB_TAPS per side, Kaiser-windowed sinc), which
 * keeps the input samples as they are and computes the ones between, four
 * at a time (22050 -> 44100; that is all for 44.1 kHz output).
 * libsamplerate (SINC_MEDIUM_QUALITY, 90 % bandwidth) then converts from
 * the doubled rate, so its own cut lies near 20 kHz and the half-band
 * filter alone shapes the top of the speech band: -0.4 dB at 10 kHz,
 * -1.6 dB at 10.5 kHz (bench/resample_response.c).  Converting 22050 ->
 * 48000 directly with MEDIUM_QUALITY would cut at 9.9 kHz, and
 * BEST_QUALITY costs several times more.
 */
enum { HB_TAPS = 16 };

static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 40; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
    }
    return sum;
}

/* out[2k] = in[k], out[2k+1] between in[k] and in[k+1]; `in` has HB_TAPS
 * zeros before in[0] and after in[n-1]. */
static void upsample2(const float *in, size_t n, float *out, size_t out_frames)
{
    float g[HB_TAPS];
    double sum = 0.0;
    const double beta = 8.0;
    for (int j = 0; j < HB_TAPS; j++) {
        double d = j + 0.5; /* distance from the new sample to its neighbours */
        double r = d / (HB_TAPS + 0.5);
        double w = bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta);
        double v = sin(PI * d) / (PI * d) * w;
        g[j] = (float)v;
        sum += 2.0 * v;
    }
    for (int j = 0; j < HB_TAPS; j++)
        g[j] = (float)(g[j] / sum);
    enum { CHUNK = 1024 };
    float acc[CHUNK];
    for (size_t k0 = 0; k0 < n; k0 += CHUNK) {
        size_t len = n - k0 < CHUNK ? n - k0 : CHUNK;
        memset(acc, 0, len * sizeof(float));
        for (int j = 0; j < HB_TAPS; j++)
            kern_madd2(acc, in + k0 - j, in + k0 + 1 + j, g[j], len);
        for (size_t k = 0; k < len; k++) {
            size_t o = 2 * (k0 + k);
            if (o < out_frames)
                out[o] = in[k0 + k];
            if (o + 1 < out_frames)
                out[o + 1] = acc[k];
        }
    }
    for (size_t o = 2 * n; o < out_frames; o++)
        out[o] = 0.0f;
}

int mix_resample_s16(const int16_t *in, size_t n, int in_rate, int out_rate, float *out,
                     size_t out_frames)
{
    if (in_rate <= 0 || out_rate <= 0 || (n && !in) || (out_frames && !out))
        return AV_EINVAL;
    if (n > (size_t)LONG_MAX / 8 || out_frames > (size_t)LONG_MAX / 8)
        return AV_EINVAL;
    /* The input as float, with HB_TAPS zeros on each side for upsample2(). */
    float *f = calloc(n + 2 * HB_TAPS, sizeof(float));
    if (!f)
        return AV_ENOMEM;
    for (size_t i = 0; i < n; i++)
        f[HB_TAPS + i] = (float)in[i] * (1.0f / 32768.0f);
    int err;
    if (n == 0 || out_frames == 0 || out_rate < 2 * in_rate) {
        err = resample_direct(f + HB_TAPS, n, in_rate, out_rate, out, out_frames);
    } else {
        /* Exactly 2x first, then libsamplerate from twice the input rate:
         * its filter then cuts near the double rate's Nyquist frequency,
         * far above the speech band, and the half-band step sets the
         * response (-0.4 dB at 10 kHz for a 22.05 kHz clip). */
        size_t n2 = 2 * n;
        float *mid = malloc(n2 * sizeof(float));
        err = mid ? AV_OK : AV_ENOMEM;
        if (!err) {
            upsample2(f + HB_TAPS, n, mid, n2);
            err = resample_direct(mid, n2, 2 * in_rate, out_rate, out, out_frames);
        }
        free(mid);
    }
    free(f);
    return err;
}

/* ---- preparing a clip (any thread) ---------------------------------------- */

/* sin^2 ramp over len frames, k = 0 .. len-1 rising; first and last values
 * strictly between 0 and 1, so a clip's first sample is where it is
 * planned. */
static float ramp(size_t k, size_t len)
{
    double a = (PI / 2) * (double)(k + 1) / (double)(len + 1);
    double s = sin(a);
    return (float)(s * s);
}

/* A role's level relative to the speech target: the fixed offset plus the
 * role's volume (--voice-volume, --bell-volume or their headers). */
static double kind_offset(const struct timeline *tl, enum clip_kind k)
{
    switch (k) {
    case CLIP_SPEECH: return tl->voice_db;
    case CLIP_BELL: return MIXER_BELL_OFFSET_LU + tl->bell_db;
    case CLIP_TONE: return MIXER_TONE_OFFSET_LU + tl->bell_db;
    }
    return 0.0;
}

/* Gain and fades, applied once when a clip is prepared.  Breath tones are
 * loops that a guide repeats and shapes (guide.h): they get no edges. */
static void clip_shape(const struct mixer *m, enum clip_kind kind, float gain, float *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] *= gain;
    if (kind == CLIP_TONE)
        return;
    size_t fi = (size_t)m->fade_in, fo = (size_t)m->fade_out;
    if (fi > n / 2)
        fi = n / 2;
    if (fo > n / 2)
        fo = n / 2;
    for (size_t k = 0; k < fi; k++)
        s[k] *= ramp(k, fi);
    for (size_t k = 0; k < fo; k++)
        s[n - 1 - k] *= ramp(k, fo);
}

/* ctx: the mixer's sound_lock.  libsndfile keeps its last error in
 * static variables that every sf_open() writes, so files are opened one at
 * a time even when the mixer prepares clips on two threads. */
static int sound_source(void *ctx, const char *path, int rate, float **samples, size_t *frames)
{
    pthread_mutex_t *lock = ctx;
    struct sound *s;
    pthread_mutex_lock(lock);
    int err = sound_load(path, rate, &s);
    pthread_mutex_unlock(lock);
    if (err)
        return err;
    float *buf = malloc(s->frames ? s->frames * sizeof(float) : 1);
    if (!buf) {
        sound_destroy(s);
        return AV_ENOMEM;
    }
    if (s->frames)
        memcpy(buf, s->samples, s->frames * sizeof(float));
    *samples = buf;
    *frames = s->frames;
    sound_destroy(s);
    return AV_OK;
}

/* Make the clip's samples from its input; sets c->state.  Touches only c
 * and read-only parts of m, so a worker may run it. */
static void prepare(const struct mixer *m, struct clip *c, float **samples, size_t *frames,
                    int *err)
{
    *samples = NULL;
    *frames = 0;
    if (c->kind == CLIP_SPEECH && !m->custom_source) {
        float *buf = malloc(c->out_frames ? c->out_frames * sizeof(float) : 1);
        *err = buf ? mix_resample_s16(c->native, c->native_frames, c->native_rate, m->rate, buf,
                                      c->out_frames)
                   : AV_ENOMEM;
        if (*err) {
            free(buf);
            return;
        }
        *samples = buf;
        *frames = c->out_frames;
    } else if (c->kind == CLIP_SPEECH) {
        *err = m->src.speech(m->src.ctx, c->key, m->rate, samples, frames);
    } else {
        *err = m->src.sound(m->src.ctx, c->key, m->rate, samples, frames);
    }
    if (!*err)
        clip_shape(m, c->kind, c->gain, *samples, *frames);
}

/* Take the oldest queued clip and prepare it.  Called with m->lock held;
 * drops it while working. */
static void run_one_job(struct mixer *m)
{
    struct clip *c = m->job_head;
    m->job_head = c->job_next;
    if (!m->job_head)
        m->job_tail = NULL;
    pthread_mutex_unlock(&m->lock);
    float *samples;
    size_t frames;
    int err;
    prepare(m, c, &samples, &frames, &err);
    pthread_mutex_lock(&m->lock);
    c->samples = samples;
    c->frames = frames;
    c->err = err;
    c->state = err ? CLIP_FAILED : CLIP_READY;
    pthread_cond_broadcast(&m->done);
}

static void *worker_main(void *arg)
{
    struct mixer *m = arg;
    pthread_mutex_lock(&m->lock);
    for (;;) {
        while (!m->job_head && !m->quit)
            pthread_cond_wait(&m->work, &m->lock);
        if (m->quit)
            break;
        run_one_job(m);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

/* ---- clip cache (mixer thread) -------------------------------------------- */

static uint64_t hash_key(enum clip_kind kind, const char *key)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static void lru_unlink(struct mixer *m, struct clip *c)
{
    if (c->lru_prev)
        c->lru_prev->lru_next = c->lru_next;
    else
        m->lru_head = c->lru_next;
    if (c->lru_next)
        c->lru_next->lru_prev = c->lru_prev;
    else
        m->lru_tail = c->lru_prev;
    c->lru_prev = c->lru_next = NULL;
}

static void lru_push_front(struct mixer *m, struct clip *c)
{
    c->lru_prev = NULL;
    c->lru_next = m->lru_head;
    if (m->lru_head)
        m->lru_head->lru_prev = c;
    m->lru_head = c;
    if (!m->lru_tail)
        m->lru_tail = c;
}

/* Remove an unpinned clip (never one a worker holds: those are pinned). */
static void cache_remove(struct mixer *m, struct clip *c)
{
    struct clip **pp = &m->buckets[c->hash % HASH_BUCKETS];
    while (*pp != c)
        pp = &(*pp)->hnext;
    *pp = c->hnext;
    lru_unlink(m, c);
    m->cache_bytes -= c->budget;
    m->n_cached--;
    free(c->key);
    free(c->samples);
    free(c);
}

/* Drop least recently used clips that are not pinned until the cache fits
 * its budget (or only pinned clips are left). */
static void cache_trim(struct mixer *m)
{
    struct clip *c = m->lru_tail;
    while (m->cache_bytes > m->o.cache_bytes && c) {
        struct clip *prev = c->lru_prev;
        if (c->pins == 0)
            cache_remove(m, c);
        c = prev;
    }
}

static float clip_gain(const struct mixer *m, enum clip_kind kind, const char *key, uint64_t h);

/* The clip for (kind, key), pinned; if it is new, its preparation starts
 * (queued for the worker, or done now).  Returns 0 or AV_ENOMEM. */
static int clip_request(struct mixer *m, enum clip_kind kind, const char *key, struct clip **out)
{
    uint64_t h = hash_key(kind, key);
    for (struct clip *c = m->buckets[h % HASH_BUCKETS]; c; c = c->hnext) {
        if (c->hash == h && c->kind == kind && !strcmp(c->key, key)) {
            lru_unlink(m, c);
            lru_push_front(m, c);
            c->pins++;
            *out = c;
            return AV_OK;
        }
    }
    struct clip *c = calloc(1, sizeof(*c));
    size_t klen = strlen(key);
    char *k = malloc(klen + 1);
    if (!c || !k) {
        free(c);
        free(k);
        return AV_ENOMEM;
    }
    memcpy(k, key, klen + 1);
    c->hash = h;
    c->kind = kind;
    c->key = k;
    c->pins = 1;
    c->state = CLIP_PENDING;
    c->gain = clip_gain(m, kind, key, h);
    if (kind == CLIP_SPEECH && !m->custom_source) {
        /* espeak-ng runs here, on the mixer's thread. */
        const struct voice_clip *vc;
        int err = m->voice ? voice_synth(m->voice, key, &vc) : AV_EVOICE;
        if (err) {
            c->state = CLIP_FAILED;
            c->err = err;
        } else {
            c->native = vc->samples;
            c->native_frames = vc->frames;
            c->native_rate = voice_native_rate(m->voice);
            int64_t nf = voice_frames_at(vc->frames, c->native_rate, m->rate);
            if (nf < 0 || (uint64_t)nf > SIZE_MAX / 2 / sizeof(float)) {
                c->state = CLIP_FAILED;
                c->err = AV_ELIMIT;
            } else {
                c->out_frames = (size_t)nf;
                c->budget = c->out_frames * sizeof(float);
            }
        }
    } else if (kind != CLIP_SPEECH && !m->custom_source) {
        int64_t nf;
        pthread_mutex_lock(&m->sound_lock);
        int e = sound_frames_at(key, m->rate, &nf);
        pthread_mutex_unlock(&m->sound_lock);
        if (e == AV_OK && nf > 0 && (uint64_t)nf < SIZE_MAX / 2 / sizeof(float))
            c->budget = (size_t)nf * sizeof(float);
    }
    c->hnext = m->buckets[h % HASH_BUCKETS];
    m->buckets[h % HASH_BUCKETS] = c;
    lru_push_front(m, c);
    m->cache_bytes += c->budget;
    m->n_cached++;
    if (c->state == CLIP_PENDING) {
        m->n_prepared++;
        if (m->threaded) {
            pthread_mutex_lock(&m->lock);
            if (m->job_tail)
                m->job_tail->job_next = c;
            else
                m->job_head = c;
            m->job_tail = c;
            pthread_cond_signal(&m->work);
            pthread_mutex_unlock(&m->lock);
        } else {
            prepare(m, c, &c->samples, &c->frames, &c->err);
            c->state = c->err ? CLIP_FAILED : CLIP_READY;
        }
    }
    cache_trim(m);
    *out = c;
    return AV_OK;
}

/* Wait until the clip is prepared; returns its error (and describes it). */
static int clip_wait(struct mixer *m, struct clip *c)
{
    if (m->threaded) {
        /* Rather than wait, help: the queue is in event order, so its
         * head is this clip or one needed before it. */
        pthread_mutex_lock(&m->lock);
        while (c->state == CLIP_PENDING) {
            if (m->job_head)
                run_one_job(m);
            else
                pthread_cond_wait(&m->done, &m->lock);
        }
        pthread_mutex_unlock(&m->lock);
    }
    size_t real = c->state == CLIP_READY ? c->frames * sizeof(float) : 0;
    if (real != c->budget) {
        m->cache_bytes = m->cache_bytes - c->budget + real;
        c->budget = real;
    }
    if (c->state == CLIP_FAILED) {
        int speech = c->kind == CLIP_SPEECH;
        snprintf(m->detail, sizeof(m->detail), "cannot %s %s%.160s%s: %s",
                 speech ? "speak" : "play", speech ? "\"" : "", c->key, speech ? "\"" : "",
                 av_strerror(c->err));
        return c->err;
    }
    return AV_OK;
}

/* ---- events ------------------------------------------------------------- */

/* What an event plays, if anything. */
static bool event_clip(const struct tl_event *e, enum clip_kind *kind, const char **key)
{
    switch (e->kind) {
    case TL_SPEECH:
        if (e->text && *e->text) {
            *kind = CLIP_SPEECH;
            *key = e->text;
            return true;
        }
        return false;
    case TL_BELL:
        if (e->sound) {
            *kind = CLIP_BELL;
            *key = e->sound;
            return true;
        }
        return false;
    case TL_BREATH:
        if (e->text && *e->text) {
            *kind = CLIP_SPEECH;
            *key = e->text;
            return true;
        }
        if (e->sound) {
            *kind = CLIP_TONE;
            *key = e->sound;
            return true;
        }
        return false;
    }
    return false;
}

/* ---- loudness analysis (mixer_create) ------------------------------------ */

static struct level *level_find(const struct mixer *m, enum clip_kind kind, const char *key,
                                uint64_t h)
{
    for (struct level *l = m->levels[h % HASH_BUCKETS]; l; l = l->next)
        if (l->hash == h && l->kind == kind && !strcmp(l->key, key))
            return l;
    return NULL;
}

/* The linear gain for a clip: its level's, or (without normalization)
 * plain --volume plus the role's volume. */
static float clip_gain(const struct mixer *m, enum clip_kind kind, const char *key, uint64_t h)
{
    const struct level *l = level_find(m, kind, key, h);
    double role_db = kind == CLIP_SPEECH ? m->tl->voice_db : m->tl->bell_db;
    return l ? l->gain : (float)pow(10.0, (m->o.volume_db + role_db) / 20.0);
}

/* Profile one distinct clip (loudness.h).  Speech is measured at the
 * voice's native rate, which gives the same figures as after resampling
 * for less than half the work; its samples were fetched from the voice on
 * the mixer's thread (l->native), so this runs on any thread.  A clip that
 * cannot be made gets no profile and 0 dB; its error comes back when it is
 * needed.  Returns 0 or AV_ENOMEM. */
static int level_measure(const struct mixer *m, struct level *l, pthread_mutex_t *init_lock)
{
    float *s = NULL;
    size_t n = 0;
    int rate = m->rate, err = AV_OK;
    if (l->kind == CLIP_SPEECH && !m->custom_source) {
        if (!l->native)
            return AV_OK; /* synthesis failed */
        rate = l->native_rate;
        n = l->native_frames;
        s = malloc(n ? n * sizeof(float) : 1);
        if (!s)
            return AV_ENOMEM;
        for (size_t i = 0; i < n; i++)
            s[i] = (float)l->native[i] * (1.0f / 32768.0f);
    } else if (l->kind == CLIP_SPEECH) {
        err = m->src.speech(m->src.ctx, l->key, m->rate, &s, &n);
    } else {
        err = m->src.sound(m->src.ctx, l->key, m->rate, &s, &n);
    }
    if (err == AV_ENOMEM)
        return err;
    if (err)
        return AV_OK;
    err = loud_profile(s, n, rate, init_lock, &l->prof);
    free(s);
    if (!err && l->prof.n) {
        l->env = malloc(l->prof.n * sizeof(float));
        if (!l->env)
            err = AV_ENOMEM;
    }
    return err;
}

/* Measuring is split between the mixer's thread and a helper: every
 * second level each. */
struct measure_job {
    const struct mixer *m;
    struct level **levels;
    size_t n, first;
    pthread_mutex_t *init_lock;
    int err;
};

static void *measure_main(void *arg)
{
    struct measure_job *j = arg;
    for (size_t i = j->first; i < j->n && !j->err; i += 2)
        j->err = level_measure(j->m, j->levels[i], j->init_lock);
    return NULL;
}

static int measure_all(const struct mixer *m, struct level **levels, size_t n)
{
    pthread_mutex_t init_lock;
    bool locked = n > 1 && pthread_mutex_init(&init_lock, NULL) == 0;
    struct measure_job b = {m, levels, n, 1, &init_lock, 0};
    pthread_t helper;
    bool two = locked && pthread_create(&helper, NULL, measure_main, &b) == 0;
    int err = AV_OK;
    for (size_t i = 0; i < n && !err; i += two ? 2 : 1)
        err = level_measure(m, levels[i], two ? &init_lock : NULL);
    if (two)
        pthread_join(helper, NULL);
    if (locked)
        pthread_mutex_destroy(&init_lock);
    return err ? err : two ? b.err : AV_OK;
}

/* Predicted session loudness with the levels' current gains. */
static double predict(const struct mixer *m, double longest, int *err)
{
    const struct timeline *tl = m->tl;
    struct loud_predict *p;
    *err = loud_predict_create(longest + 1.0, m->channels, &p);
    if (*err)
        return -HUGE_VAL;
    for (size_t i = 0; i < tl->n_events; i++) {
        enum clip_kind kind;
        const char *key;
        if (!event_clip(&tl->events[i], &kind, &key))
            continue;
        const struct level *l = level_find(m, kind, key, hash_key(kind, key));
        if (l->prof.n)
            loud_predict_add(p, (double)tl->events[i].start / m->rate, &l->prof, l->gain,
                             l->env);
    }
    double lufs = loud_predict_finish(p);
    loud_predict_destroy(p);
    return lufs;
}

/* Decide every clip's gain: levels by role, not by session.  Each distinct
 * clip gets the gain that puts it at its role's loudness after the limiter
 * (speech at the target, bells and breath guides at their offsets below
 * it), whatever else the session holds, so a cue is as loud in a quiet
 * breathing session as in a busy flow.  The session's integrated loudness
 * is then predicted from the clips' profiles laid out on the timeline, for
 * mixer_predicted_lufs(); it is not corrected towards the target (that
 * made speech up to 2.5 LU louder in sessions with many quiet tones). */
static int analyze(struct mixer *m)
{
    const struct timeline *tl = m->tl;
    const double target = m->o.target_lufs + m->o.volume_db;
    /* The same signal on every channel adds up in EBU R128: dual-mono
     * stereo measures 3 dB above its mono clips. */
    const double channels_db = 10.0 * log10((double)m->channels);
    const double ceiling = m->o.limiter ? m->ceiling : 0.0;
    double longest = 0.0;
    int err = AV_OK;
    struct level **all = NULL;
    size_t n_all = 0, cap_all = 0;
    for (size_t i = 0; i < tl->n_events && !err; i++) {
        enum clip_kind kind;
        const char *key;
        if (!event_clip(&tl->events[i], &kind, &key))
            continue;
        uint64_t h = hash_key(kind, key);
        if (level_find(m, kind, key, h))
            continue;
        struct level *l = calloc(1, sizeof(*l));
        if (!l)
            return AV_ENOMEM;
        l->hash = h;
        l->kind = kind;
        l->key = key;
        l->target = target + kind_offset(tl, kind) - channels_db;
        l->gain = 1.0f;
        l->next = m->levels[h % HASH_BUCKETS];
        m->levels[h % HASH_BUCKETS] = l;
        if (kind == CLIP_SPEECH && !m->custom_source) {
            /* espeak-ng runs here, on the mixer's thread */
            const struct voice_clip *vc;
            if (m->voice && voice_synth(m->voice, key, &vc) == AV_OK) {
                l->native = vc->samples;
                l->native_frames = vc->frames;
                l->native_rate = voice_native_rate(m->voice);
            }
        }
        if (n_all == cap_all) {
            cap_all = cap_all ? cap_all * 2 : 64;
            struct level **a = realloc(all, cap_all * sizeof(*a));
            if (!a) {
                free(all);
                return AV_ENOMEM;
            }
            all = a;
        }
        all[n_all++] = l;
    }
    if (!err)
        err = measure_all(m, all, n_all);
    for (size_t i = 0; i < n_all; i++) {
        double secs = (double)all[i]->prof.n * all[i]->prof.bin_seconds;
        if (secs > longest)
            longest = secs;
    }
    free(all);
    m->predicted = -HUGE_VAL;
    if (!err) {
        for (size_t b = 0; b < HASH_BUCKETS; b++) {
            for (struct level *l = m->levels[b]; l; l = l->next) {
                if (!l->prof.n)
                    continue;
                l->gain = (float)loud_solve_gain(&l->prof, l->target, ceiling, l->env);
                loud_limit_env(&l->prof, l->gain, ceiling, l->env);
            }
        }
        m->predicted = predict(m, longest, &err);
    }
    for (size_t b = 0; b < HASH_BUCKETS; b++) {
        for (struct level *l = m->levels[b]; l; l = l->next) {
            loud_profile_free(&l->prof);
            free(l->env);
            l->env = NULL;
        }
    }
    return err;
}

/* Start playing clip c for event e (a breath tone as a guide over its
 * phase). */
static int play_add(struct mixer *m, struct clip *c, const struct tl_event *e)
{
    if (m->n_playing == m->cap_playing) {
        size_t cap = m->cap_playing ? m->cap_playing * 2 : 16;
        struct playing *p = realloc(m->playing, cap * sizeof(*p));
        if (!p)
            return AV_ENOMEM;
        m->playing = p;
        m->cap_playing = cap;
    }
    struct playing p = {c, e->start, 0, GUIDE_TONE};
    if (e->kind == TL_BREATH && c->kind == CLIP_TONE && c->frames > 0) {
        bool swell = m->tl->guide == TL_GUIDE_SWELL;
        bool hold = e->phase == TL_HOLD_IN || e->phase == TL_HOLD_OUT;
        p.len = e->end - e->start;
        p.shape = hold ? (swell ? GUIDE_SWELL_HOLD : GUIDE_TONE_HOLD)
                  : !swell ? GUIDE_TONE
                  : e->phase == TL_INHALE ? GUIDE_SWELL_IN : GUIDE_SWELL_OUT;
    }
    m->playing[m->n_playing++] = p;
    return AV_OK;
}

/* What a prefetched clip counts for: its size, or a second of audio while
 * that is not known (a custom source's clip before it is made). */
static size_t pf_size(const struct mixer *m, const struct clip *c)
{
    return c->budget ? c->budget : (size_t)m->rate * sizeof(float);
}

static int pf_push(struct mixer *m, size_t event, struct clip *c)
{
    if (m->pf_count == m->pf_cap) {
        size_t cap = m->pf_cap ? m->pf_cap * 2 : 64;
        struct prefetched *p = malloc(cap * sizeof(*p));
        if (!p)
            return AV_ENOMEM;
        for (size_t i = 0; i < m->pf_count; i++)
            p[i] = m->pf[(m->pf_head + i) % m->pf_cap];
        free(m->pf);
        m->pf = p;
        m->pf_head = 0;
        m->pf_cap = cap;
    }
    size_t sz = pf_size(m, c);
    m->pf[(m->pf_head + m->pf_count) % m->pf_cap] = (struct prefetched){event, c, sz};
    m->pf_count++;
    m->pf_bytes += sz;
    return AV_OK;
}

static struct clip *pf_pop(struct mixer *m, size_t event)
{
    if (!m->pf_count || m->pf[m->pf_head].event != event)
        return NULL;
    struct clip *c = m->pf[m->pf_head].clip;
    size_t sz = m->pf[m->pf_head].size;
    m->pf_head = (m->pf_head + 1) % m->pf_cap;
    m->pf_count--;
    m->pf_bytes -= sz;
    return c;
}

/* Request the clips of events starting before `must`, and of those before
 * `want` while the prefetched clips take less than half the cache. */
static int prefetch(struct mixer *m, int64_t must, int64_t want)
{
    const struct timeline *tl = m->tl;
    while (m->pf_event < tl->n_events) {
        const struct tl_event *e = &tl->events[m->pf_event];
        if (e->start >= want || (e->start >= must && m->pf_bytes >= m->o.cache_bytes / 2))
            break;
        enum clip_kind kind;
        const char *key;
        if (event_clip(e, &kind, &key)) {
            struct clip *c;
            int err = clip_request(m, kind, key, &c);
            if (!err)
                err = pf_push(m, m->pf_event, c);
            if (err)
                return err;
        }
        m->pf_event++;
    }
    return AV_OK;
}

/* Start the events that begin before `b`. */
static int activate(struct mixer *m, int64_t b)
{
    const struct timeline *tl = m->tl;
    int64_t ahead = (int64_t)m->rate * PREFETCH_SECONDS;
    int err = prefetch(m, b, b + ahead);
    if (err)
        return err;
    while (m->next_event < tl->n_events && tl->events[m->next_event].start < b) {
        struct clip *c = pf_pop(m, m->next_event);
        if (c) {
            err = clip_wait(m, c);
            if (!err)
                err = play_add(m, c, &tl->events[m->next_event]);
            if (err) {
                c->pins--;
                return err;
            }
        }
        m->next_event++;
    }
    return AV_OK;
}

/* Mono sum of frames [a, b) into dst (b - a floats). */
static int mix_range(struct mixer *m, int64_t a, int64_t b, float *dst)
{
    memset(dst, 0, (size_t)(b - a) * sizeof(*dst));
    int64_t bb = b < m->duration ? b : m->duration;
    if (a >= bb)
        return AV_OK;
    int err = activate(m, bb);
    if (err)
        return err;
    size_t keep = 0;
    for (size_t i = 0; i < m->n_playing; i++) {
        struct playing p = m->playing[i];
        int64_t cend = p.start + (p.len ? p.len : (int64_t)p.clip->frames);
        int64_t s = p.start > a ? p.start : a;
        int64_t e = cend < bb ? cend : bb;
        if (s < e && p.len)
            guide_add(dst + (s - a), p.clip->samples, p.clip->frames, s - p.start,
                      (size_t)(e - s), p.len, p.shape, m->rate);
        else if (s < e)
            kern_add(dst + (s - a), p.clip->samples + (s - p.start), (size_t)(e - s));
        if (cend <= bb)
            p.clip->pins--;
        else
            m->playing[keep++] = p;
    }
    m->n_playing = keep;
    if (m->amb)
        ambience_add(m->amb, a, (size_t)(bb - a), dst);

    /* A click-free end of the session, and a fade-in after a seek. */
    int64_t fs = m->duration - m->fade_out;
    for (int64_t t = fs > a ? fs : a; t < bb; t++)
        dst[t - a] *= ramp((size_t)(m->duration - 1 - t), (size_t)m->fade_out);
    if (m->fade_from >= 0) {
        int64_t fe = m->fade_from + m->fade_in;
        for (int64_t t = m->fade_from > a ? m->fade_from : a; t < bb && t < fe; t++)
            dst[t - a] *= ramp((size_t)(t - m->fade_from), (size_t)m->fade_in);
    }
    return AV_OK;
}

/* ---- limiter ------------------------------------------------------------- */

static void tp_init(struct mixer *m)
{
    float bound = 1.0f;
    for (int ph = 1; ph <= 3; ph++) {
        double c[TP_TAPS], sum = 0.0;
        for (int i = 0; i < TP_TAPS; i++) {
            /* tap i multiplies x[k - TP_HALF + 1 + i]; the point is k + ph/4 */
            double d = (double)(i - (TP_HALF - 1)) - ph / 4.0;
            double sinc = fabs(d) < 1e-12 ? 1.0 : sin(PI * d) / (PI * d);
            double w = 0.5 * (1.0 + cos(PI * d / TP_HALF));
            c[i] = sinc * w;
            sum += c[i];
        }
        double abs_sum = 0.0;
        for (int i = 0; i < TP_TAPS; i++) {
            c[i] /= sum;
            m->tp_coef[ph - 1][i] = (float)c[i];
            abs_sum += fabs((float)c[i]);
        }
        if ((float)abs_sum > bound)
            bound = (float)abs_sum;
    }
    m->tp_bound = bound * 1.001f;
}

/* greq for `count` detector positions; position s is frame t0 + s, at
 * x[s + TP_HALF].  Returns whether any needs a gain below 1. */
static bool detect(struct mixer *m, size_t count)
{
    const float c = m->ceiling;
    const float *x = m->x;
    bool any = false;
    for (size_t j = 0; j < count; j += SUB) {
        size_t len = j + SUB < count ? SUB : count - j;
        /* The support of positions j .. j+len-1 is x[j + 1 .. j + len + 2 TP_HALF - 1]. */
        if (kern_absmax(x + j + 1, len + 2 * TP_HALF - 1) * m->tp_bound < c) {
            for (size_t s = 0; s < len; s++)
                m->greq[j + s] = 1.0f;
            continue;
        }
        float peak[SUB];
        for (size_t s = 0; s < len; s++)
            peak[s] = fabsf(x[j + s + TP_HALF]);
        for (int ph = 0; ph < 3; ph++) {
            float acc[SUB] = {0};
            for (int i = 0; i < TP_TAPS; i++)
                kern_axpy(acc, x + j + 1 + i, m->tp_coef[ph][i], len);
            for (size_t s = 0; s < len; s++) {
                float v = fabsf(acc[s]);
                peak[s] = v > peak[s] ? v : peak[s];
            }
        }
        for (size_t s = 0; s < len; s++) {
            float g = peak[s] > c ? c / peak[s] : 1.0f;
            any = any || g < 1.0f;
            m->greq[j + s] = g;
        }
    }
    return any;
}

/* hold[s] = min(greq[s .. s + la - 1]) for s < n (van Herk / Gil-Werman). */
static void hold_min(struct mixer *m, size_t n)
{
    size_t la = (size_t)m->la, len = n + la - 1;
    const float *g = m->greq;
    for (size_t b = 0; b < len; b += la) {
        size_t e = b + la < len ? b + la : len;
        m->pre[b] = g[b];
        for (size_t i = b + 1; i < e; i++)
            m->pre[i] = g[i] < m->pre[i - 1] ? g[i] : m->pre[i - 1];
        m->suf[e - 1] = g[e - 1];
        for (size_t i = e - 1; i > b; i--)
            m->suf[i - 1] = g[i - 1] < m->suf[i] ? g[i - 1] : m->suf[i];
    }
    for (size_t s = 0; s < n; s++) {
        float a = m->suf[s], b = m->pre[s + la - 1];
        m->hold[s] = a < b ? a : b;
    }
}

/* y[0..n) for output frames [pos, pos + n); x is filled. */
static void limit(struct mixer *m, size_t n)
{
    const float *xs = m->x + TP_HALF;
    size_t la = (size_t)m->la;
    if (!m->o.limiter) {
        memcpy(m->y, xs, n * sizeof(float));
        return;
    }
    size_t count = n + la - 1;
    bool quiet = kern_absmax(m->x, count + 2 * TP_HALF) * m->tp_bound < m->ceiling;
    bool reduce = !quiet && detect(m, count);
    if (!reduce && m->env_prev == 1.0 && m->ebuf_ones) {
        memcpy(m->y, xs, n * sizeof(float));
        return;
    }
    if (reduce)
        hold_min(m, n);
    /* The release, as the distance d = 1 - env shrinking by a constant
     * factor: exact in float (1 - env itself would stall below 1). */
    float d = 1.0f - (float)m->env_prev;
    const float keep = (float)(1.0 - m->release);
    float *eb = m->ebuf + (la - 1);
    for (size_t s = 0; s < n; s++) {
        d *= keep;
        if (d < 1e-4f) /* within 0.001 dB: done releasing */
            d = 0.0f;
        if (reduce && 1.0f - m->hold[s] > d)
            d = 1.0f - m->hold[s];
        eb[s] = 1.0f - d;
    }
    m->env_prev = 1.0 - (double)d;
    double sum = 0.0;
    for (size_t i = 0; i + 1 < la; i++)
        sum += m->ebuf[i];
    const double inv = 1.0 / (double)la;
    for (size_t t = 0; t < n; t++) {
        sum += m->ebuf[t + la - 1];
        float g = (float)(sum * inv);
        if (g > 1.0f)
            g = 1.0f;
        m->y[t] = xs[t] * g;
        sum -= m->ebuf[t];
    }
    memmove(m->ebuf, m->ebuf + n, (la - 1) * sizeof(float));
    bool ones = true;
    for (size_t i = 0; i + 1 < la; i++)
        ones = ones && m->ebuf[i] == 1.0f;
    m->ebuf_ones = ones;
}

/* ---- the stream ----------------------------------------------------------- */

static size_t xcap(const struct mixer *m)
{
    return BLOCK + (size_t)m->la - 1 + 2 * TP_HALF;
}

static int block(struct mixer *m, size_t n)
{
    const int64_t base = m->pos - TP_HALF; /* frame of x[0] */
    const int64_t need = m->pos + (int64_t)n + m->la - 1 + TP_HALF;
    if (need > m->xend) {
        int err = mix_range(m, m->xend, need, m->x + (m->xend - base));
        if (err)
            return err;
        m->xend = need;
    }
    limit(m, n);
    size_t keep = (size_t)(need - (m->pos + (int64_t)n - TP_HALF));
    memmove(m->x, m->x + n, keep * sizeof(float));
    m->pos += (int64_t)n;
    return AV_OK;
}

static int read_frames(struct mixer *m, float *out, size_t frames, size_t *got, int ch)
{
    *got = 0;
    if (m->err)
        return m->err;
    while (*got < frames && m->pos < m->duration) {
        size_t n = frames - *got;
        if (n > BLOCK)
            n = BLOCK;
        if ((int64_t)n > m->duration - m->pos)
            n = (size_t)(m->duration - m->pos);
        int err = block(m, n);
        if (err) {
            m->err = err;
            return err;
        }
        float *o = out + *got * (size_t)ch;
        if (ch == 1)
            memcpy(o, m->y, n * sizeof(float));
        else
            kern_dup2(m->y, o, n);
        *got += n;
    }
    return AV_OK;
}

int mixer_read(struct mixer *m, float *out, size_t frames, size_t *got)
{
    return read_frames(m, out, frames, got, m->channels);
}

int mixer_read_mono(struct mixer *m, float *out, size_t frames, size_t *got)
{
    return read_frames(m, out, frames, got, 1);
}

/* Unpin everything playing or prefetched (waiting for prefetched clips a
 * worker may still be preparing, so unpinned clips are never in use). */
static void release_all(struct mixer *m)
{
    for (size_t i = 0; i < m->n_playing; i++)
        m->playing[i].clip->pins--;
    m->n_playing = 0;
    while (m->pf_count) {
        struct clip *c = m->pf[m->pf_head].clip;
        pf_pop(m, m->pf[m->pf_head].event);
        (void)clip_wait(m, c);
        c->pins--;
    }
    m->pf_bytes = 0;
}

static void reset_stream(struct mixer *m, int64_t frame)
{
    release_all(m);
    m->pos = frame;
    m->xend = frame;
    m->fade_from = frame > 0 ? frame : -1;
    m->env_prev = 1.0;
    m->ebuf_ones = true;
    memset(m->x, 0, xcap(m) * sizeof(float));
    for (size_t i = 0; i + 1 < (size_t)m->la; i++)
        m->ebuf[i] = 1.0f;
}

int mixer_seek(struct mixer *m, int64_t frame)
{
    if (frame < 0)
        frame = 0;
    if (frame > m->duration)
        frame = m->duration;
    m->err = AV_OK;
    m->detail[0] = '\0';
    reset_stream(m, frame);
    const struct timeline *tl = m->tl;
    /* first event at or after frame */
    size_t lo = 0, hi = tl->n_events;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tl->events[mid].start < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    m->next_event = m->pf_event = lo;
    /* Events that started earlier and may still sound, in event order. */
    for (size_t i = 0; i < lo; i++) {
        const struct tl_event *e = &tl->events[i];
        int64_t end = e->kind == TL_BREATH ? e->clip_end : e->end;
        enum clip_kind kind;
        const char *key;
        if (end <= frame || !event_clip(e, &kind, &key))
            continue;
        struct clip *c;
        int err = clip_request(m, kind, key, &c);
        if (!err) {
            err = clip_wait(m, c);
            bool guide = e->kind == TL_BREATH && kind == CLIP_TONE;
            int64_t len = guide ? e->end - e->start : (int64_t)c->frames;
            if (!err && e->start + len <= frame) {
                c->pins--;
                continue;
            }
            if (!err)
                err = play_add(m, c, e);
            if (err)
                c->pins--;
        }
        if (err) {
            m->err = err;
            return err;
        }
    }
    return AV_OK;
}

int64_t mixer_position(const struct mixer *m) { return m->pos; }
int64_t mixer_duration(const struct mixer *m) { return m->duration; }
int mixer_channels(const struct mixer *m) { return m->channels; }
int mixer_rate(const struct mixer *m) { return m->rate; }
size_t mixer_clips_prepared(const struct mixer *m) { return m->n_prepared; }
size_t mixer_clips_cached(const struct mixer *m) { return m->n_cached; }
const char *mixer_error_detail(const struct mixer *m) { return m->err ? m->detail : ""; }
double mixer_predicted_lufs(const struct mixer *m)
{
    return m->predicted;
}

/* ---- life cycle ----------------------------------------------------------- */

/* The ambient bed: its loop from the source, at its role's loudness
 * (measured on the loop), ducked under every speech cue of the timeline.
 * Returns 0, the source's error (the bed's file is missing or unreadable)
 * or AV_ENOMEM. */
static int ambience_open(struct mixer *m)
{
    const struct timeline *tl = m->tl;
    float *loop = NULL;
    size_t n = 0;
    int err = m->src.sound(m->src.ctx, tl->ambience, m->rate, &loop, &n);
    if (err) {
        snprintf(m->detail, sizeof(m->detail), "cannot play %.160s: %s", tl->ambience,
                 av_strerror(err));
        return err;
    }
    if (n == 0) {
        free(loop);
        return AV_OK;
    }
    double lufs = mix_clip_loudness(loop, n, m->rate);
    double target = m->o.target_lufs + m->o.volume_db + MIXER_AMBIENCE_OFFSET_LU +
                    tl->ambience_db - 10.0 * log10((double)m->channels);
    float gain = isfinite(lufs) ? (float)pow(10.0, (target - lufs) / 20.0) : 0.0f;
    int64_t (*sp)[2] = malloc((tl->n_events ? tl->n_events : 1) * sizeof(*sp));
    if (!sp) {
        free(loop);
        return AV_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        enum clip_kind kind;
        const char *key;
        if (!event_clip(e, &kind, &key) || kind != CLIP_SPEECH)
            continue;
        sp[k][0] = e->start;
        sp[k][1] = e->kind == TL_BREATH ? e->clip_end : e->end;
        k++;
    }
    err = ambience_create(tl, loop, n, gain, (const int64_t(*)[2])sp, k, &m->amb);
    free(sp);
    return err;
}

static bool has_speech(const struct timeline *tl)
{
    for (size_t i = 0; i < tl->n_events; i++) {
        enum clip_kind k;
        const char *key;
        if (event_clip(&tl->events[i], &k, &key) && k == CLIP_SPEECH)
            return true;
    }
    return false;
}

int mixer_create(const struct timeline *tl, struct voice *voice, const struct mixer_options *opts,
                 struct mixer **out)
{
    struct mixer_options o;
    if (opts)
        o = *opts;
    else
        mixer_options_init(&o);
    if (!tl || !out || tl->rate < 1000 || tl->rate > 768000 || tl->duration < 0 ||
        (o.channels != 1 && o.channels != 2) || !isfinite(o.volume_db) ||
        !isfinite(o.target_lufs) || !isfinite(o.ceiling_dbtp) || o.ceiling_dbtp > 0.0 ||
        !(o.fade_in_ms >= 0.0 && o.fade_in_ms <= 1000.0) ||
        !(o.fade_out_ms >= 0.0 && o.fade_out_ms <= 1000.0) || (tl->n_events && !tl->events) ||
        (o.source && (!o.source->speech || !o.source->sound)))
        return AV_EINVAL;
    if (!o.source && !voice && has_speech(tl))
        return AV_EINVAL;
    if (!o.source && voice && tl->voice && tl->speed > 0) {
        int err = voice_configure(voice, tl->voice, tl->speed);
        if (err)
            return err;
    }

    struct mixer *m = calloc(1, sizeof(*m));
    if (!m)
        return AV_ENOMEM;
    m->tl = tl;
    m->voice = voice;
    m->o = o;
    m->custom_source = o.source != NULL;
    if (pthread_mutex_init(&m->sound_lock, NULL) != 0) {
        free(m);
        return AV_ENOMEM;
    }
    if (o.source)
        m->src = *o.source;
    else
        m->src = (struct mixer_source){&m->sound_lock, NULL, sound_source};
    m->rate = tl->rate;
    m->channels = o.channels;
    m->duration = tl->duration;
    m->fade_in = (int)lround(o.fade_in_ms * tl->rate / 1000.0);
    m->fade_out = (int)lround(o.fade_out_ms * tl->rate / 1000.0);
    m->la = tl->rate / 200 > 1 ? tl->rate / 200 : 1; /* 5 ms */
    m->ceiling = (float)pow(10.0, o.ceiling_dbtp / 20.0);
    m->release = 1.0 - exp(-1.0 / (0.05 * tl->rate)); /* 50 ms */
    tp_init(m);

    size_t la = (size_t)m->la;
    m->x = malloc(xcap(m) * sizeof(float));
    m->greq = malloc((BLOCK + la) * sizeof(float));
    m->pre = malloc((BLOCK + la) * sizeof(float));
    m->suf = malloc((BLOCK + la) * sizeof(float));
    m->hold = malloc(BLOCK * sizeof(float));
    m->ebuf = malloc((BLOCK + la) * sizeof(float));
    m->y = malloc(BLOCK * sizeof(float));
    if (!m->x || !m->greq || !m->pre || !m->suf || !m->hold || !m->ebuf || !m->y) {
        mixer_destroy(m);
        return AV_ENOMEM;
    }
    if (o.normalize) {
        int err = analyze(m);
        if (err) {
            mixer_destroy(m);
            return err;
        }
    }
    if (tl->ambience) {
        int err = ambience_open(m);
        if (err) {
            mixer_destroy(m);
            return err;
        }
    }
    if (o.background) {
        if (pthread_mutex_init(&m->lock, NULL) != 0) {
            mixer_destroy(m);
            return AV_ENOMEM;
        }
        if (pthread_cond_init(&m->work, NULL) != 0) {
            pthread_mutex_destroy(&m->lock);
            mixer_destroy(m);
            return AV_ENOMEM;
        }
        if (pthread_cond_init(&m->done, NULL) != 0) {
            pthread_cond_destroy(&m->work);
            pthread_mutex_destroy(&m->lock);
            mixer_destroy(m);
            return AV_ENOMEM;
        }
        if (pthread_create(&m->thread, NULL, worker_main, m) != 0) {
            pthread_cond_destroy(&m->done);
            pthread_cond_destroy(&m->work);
            pthread_mutex_destroy(&m->lock);
            mixer_destroy(m);
            return AV_ENOMEM;
        }
        m->threaded = true;
    }
    reset_stream(m, 0);
    *out = m;
    return AV_OK;
}

void mixer_destroy(struct mixer *m)
{
    if (!m)
        return;
    if (m->threaded) {
        pthread_mutex_lock(&m->lock);
        m->quit = true;
        pthread_cond_broadcast(&m->work);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
        pthread_cond_destroy(&m->done);
        pthread_cond_destroy(&m->work);
        pthread_mutex_destroy(&m->lock);
        m->threaded = false;
    }
    /* The worker is gone: nothing is in use any more. */
    m->n_playing = 0;
    m->pf_count = 0;
    while (m->lru_head) {
        m->lru_head->pins = 0;
        cache_remove(m, m->lru_head);
    }
    for (size_t b = 0; b < HASH_BUCKETS; b++) {
        while (m->levels[b]) {
            struct level *l = m->levels[b];
            m->levels[b] = l->next;
            loud_profile_free(&l->prof);
            free(l->env);
            free(l);
        }
    }
    pthread_mutex_destroy(&m->sound_lock);
    ambience_destroy(m->amb);
    free(m->pf);
    free(m->playing);
    free(m->x);
    free(m->greq);
    free(m->pre);
    free(m->suf);
    free(m->hold);
    free(m->ebuf);
    free(m->y);
    free(m);
}
