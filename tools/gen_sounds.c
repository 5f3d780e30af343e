/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gen_sounds.c — synthesize the sounds asanavox ships (the WAV files in sounds/).
 *
 * Usage: gen_sounds DIR
 *
 * Writes into DIR (48 kHz, mono, 16-bit PCM):
 *   - bowl.wav and chime.wav, struck sounds that ring out: each file is at
 *     least as long as its own decay (T60), with partials in slowly and
 *     gently beating pairs (about 2 dB of wobble, not 11);
 *   - inhale.wav, exhale.wav and hold.wav, the breath guides: soft pads,
 *     each a seamless 4 s loop, that the mixer repeats over a whole breath
 *     phase and shapes to it (a swell, or a steady tone; see mixer.h);
 *   - ocean.wav, rain.wav and drone.wav, the ambient beds: seamless 16 s
 *     loops.
 *
 * Seamless loops.  A loop of N frames repeats without a seam when every
 * component is periodic in N: sines at whole multiples of RATE / N Hz,
 * amplitude modulations whose periods divide N, noise read cyclically
 * (sample i mod N), and filters run twice around the loop with only the
 * second pass kept, so their state at the start equals their state at the
 * end.  Loops are not faded at their edges; bells and guides' one-shot
 * edges are (raised-cosine attack and release reaching 0 on the last
 * sample, so nothing clicks when the mixer places them).
 *
 * Everything is computed from the constants in this file with plain double
 * arithmetic and a fixed xorshift generator, so two runs produce
 * byte-identical files.  Each sound is scaled so its peak sits at a fixed
 * level and rounded to 16 bits without dither.  Each file is written to a
 * temporary name in DIR and renamed into place, so a reader never sees a
 * half-written sound.
 *
 * This is a standalone build tool: it links only libsndfile and libm and is
 * not part of the asanavox library.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sndfile.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

enum { RATE = 48000 };

/* One partial of a struck sound: a sine at `ratio` times the fundamental,
 * paired with a quieter twin `beat_hz` higher so the two beat slowly (the
 * warmth of a real bowl, whose partials come in slightly split pairs). */
struct partial {
    double ratio;    /* frequency relative to the fundamental */
    double amp;      /* amplitude relative to the fundamental */
    double tau;      /* exponential decay time constant, seconds */
    double beat_hz;  /* detune of the twin; 0 for none */
    double twin_amp; /* twin's amplitude relative to this partial */
};

static size_t frames_of(double seconds)
{
    return (size_t)floor(seconds * RATE + 0.5);
}

/* Raised-cosine attack over `attack` frames and release over `release`
 * frames: 0 at frame 0 and at frame n-1, 1 in between. */
static double envelope(size_t i, size_t n, size_t attack, size_t release)
{
    double g = 1.0;
    if (attack > 0 && i < attack)
        g *= 0.5 - 0.5 * cos(M_PI * (double)i / (double)attack);
    if (release > 0 && i + release >= n - 1) {
        size_t left = n - 1 - i; /* frames until the last one */
        g *= 0.5 - 0.5 * cos(M_PI * (double)left / (double)release);
    }
    return g;
}

/* A struck sound at `f0` Hz: decaying partials (with beating twins), shaped
 * by envelope().  All partials start at phase zero. */
static void strike(double *x, size_t n, double f0, const struct partial *p,
                   size_t np, size_t attack, size_t release)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double v = 0.0;
        for (size_t k = 0; k < np; k++) {
            double f = f0 * p[k].ratio;
            double decay = exp(-t / p[k].tau);
            double s = sin(2.0 * M_PI * f * t);
            if (p[k].beat_hz > 0.0)
                s += p[k].twin_amp * sin(2.0 * M_PI * (f + p[k].beat_hz) * t);
            v += p[k].amp * decay * s;
        }
        x[i] = v * envelope(i, n, attack, release);
    }
}

/* Scale `x` so its largest magnitude is `peak_dbfs` and write it as 16-bit
 * PCM WAV to DIR/NAME (through DIR/NAME.tmp and rename).  Returns 0 or -1
 * after printing why. */
static int write_wav(const char *dir, const char *name, const double *x,
                     size_t n, double peak_dbfs)
{
    int ret = -1;
    short *pcm = NULL;
    SNDFILE *sf = NULL;
    char path[4096] = "", tmp[4096] = "";

    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (len < 0 || (size_t)len >= sizeof path - 4) {
        fprintf(stderr, "gen_sounds: path too long: %s/%s\n", dir, name);
        goto fail;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);

    double peak = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > peak)
            peak = fabs(x[i]);
    if (peak <= 0.0) {
        fprintf(stderr, "gen_sounds: %s is silent\n", name);
        goto fail;
    }
    double gain = pow(10.0, peak_dbfs / 20.0) / peak;

    pcm = malloc(n * sizeof *pcm);
    if (!pcm) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        double v = floor(x[i] * gain * 32767.0 + 0.5);
        if (v > 32767.0)
            v = 32767.0;
        if (v < -32768.0)
            v = -32768.0;
        pcm[i] = (short)v;
    }

    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = RATE;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "gen_sounds: %s: %s\n", tmp, sf_strerror(NULL));
        goto fail;
    }
    if (sf_write_short(sf, pcm, (sf_count_t)n) != (sf_count_t)n) {
        fprintf(stderr, "gen_sounds: %s: %s\n", tmp, sf_strerror(sf));
        goto fail;
    }
    int err = sf_close(sf);
    sf = NULL;
    if (err != 0) {
        fprintf(stderr, "gen_sounds: %s: %s\n", tmp, sf_error_number(err));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        perror(path);
        goto fail;
    }
    printf("%s: %zu frames (%.2f s), peak %.1f dBFS\n", path, n,
           (double)n / RATE, peak_dbfs);
    ret = 0;
fail:
    if (sf) {
        sf_close(sf);
        remove(tmp);
    } else if (ret != 0 && tmp[0]) {
        remove(tmp);
    }
    free(pcm);
    return ret;
}

/* Singing bowl: fundamental 246.9 Hz (B3) with the inharmonic ratios of a
 * free vibrating bowl, each partial split into a slowly beating pair.
 * Higher partials die faster, as in a real bowl, so the ring-out mellows
 * into the fundamental.  The fundamental's T60 is 6.91 * 1.15 = 7.9 s; the
 * file lasts 8.6 s, so the bowl has rung out (-60 dB) before the last
 * 0.5 s fade.  The fundamental's twin at 12 % gives about 2 dB of beating
 * every 1.7 s. */
static int make_bowl(const char *dir)
{
    static const struct partial p[] = {
        {1.00, 1.00, 1.15, 0.6, 0.12},
        {2.76, 0.45, 0.70, 1.1, 0.15},
        {5.40, 0.20, 0.38, 1.9, 0.15},
        {8.93, 0.10, 0.21, 2.7, 0.15},
    };
    size_t n = frames_of(8.6);
    double *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        return -1;
    }
    strike(x, n, 246.94, p, sizeof p / sizeof p[0], frames_of(0.008),
           frames_of(0.5));
    int ret = write_wav(dir, "bowl.wav", x, n, -3.0);
    free(x);
    return ret;
}

/* Chime: a small bright bell at 1318.5 Hz (E6), nearly harmonic partials.
 * T60 of the fundamental 6.91 * 0.6 = 4.1 s; the file lasts 4.5 s with a
 * 0.3 s fade at the end. */
static int make_chime(const char *dir)
{
    static const struct partial p[] = {
        {1.000, 1.00, 0.60, 1.3, 0.10},
        {2.005, 0.30, 0.35, 0.0, 0.00},
        {3.010, 0.10, 0.20, 0.0, 0.00},
    };
    size_t n = frames_of(4.5);
    double *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        return -1;
    }
    strike(x, n, 1318.51, p, sizeof p / sizeof p[0], frames_of(0.005),
           frames_of(0.3));
    int ret = write_wav(dir, "chime.wav", x, n, -6.0);
    free(x);
    return ret;
}

/* ---- loops ------------------------------------------------------------- */

/* Memory for the loops; a build tool may simply stop when there is none. */
static double *buf(size_t n)
{
    double *x = calloc(n ? n : 1, sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        exit(1);
    }
    return x;
}

/* xorshift64*: the same numbers on every machine. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double rnd(void) /* uniform in [-1, 1) */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t v = rng_state * 0x2545F4914F6CDD1Dull;
    return (double)(v >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void seed(uint64_t s)
{
    rng_state = s ? s : 1;
}

/* A sine that is periodic in n frames: `cycles` whole cycles per loop. */
static double loop_sin(size_t i, size_t n, double cycles, double phase)
{
    return sin(2.0 * M_PI * cycles * (double)i / (double)n + phase);
}

/* White noise, periodic in n. */
static void noise(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rnd();
}

/* One-pole low-pass with a per-frame coefficient (cut[i] in Hz), run
 * twice around the loop so the result is periodic too. */
static void lowpass_loop(double *x, size_t n, const double *cut)
{
    double *y = buf(n);
    double s = 0.0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            double a = 1.0 - exp(-2.0 * M_PI * cut[i] / RATE);
            s += a * (x[i] - s);
            y[i] = s;
        }
    }
    memcpy(x, y, n * sizeof *x);
    free(y);
}

/* One-pole high-pass at `hz`, run twice around the loop. */
static void highpass_loop(double *x, size_t n, double hz)
{
    double a = 1.0 - exp(-2.0 * M_PI * hz / RATE), s = 0.0;
    double *y = buf(n);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            s += a * (x[i] - s);
            y[i] = x[i] - s;
        }
    }
    memcpy(x, y, n * sizeof *x);
    free(y);
}

/* A breath guide pad: a 4 s loop of soft partials (each with a twin a
 * quarter or half hertz above, so it breathes slowly) over a little
 * band-limited noise, the sound of air.  Every frequency is a whole
 * multiple of 0.25 Hz, so the loop is seamless. */
struct pad_partial {
    double hz, amp, twin_hz, twin_amp;
};

static int make_pad(const char *dir, const char *name, const struct pad_partial *p, size_t np,
                    double air, double air_hz, uint64_t s)
{
    size_t n = frames_of(4.0);
    double *x = buf(n), *a = buf(n), *cut = buf(n);
    seed(s);
    noise(a, n);
    for (size_t i = 0; i < n; i++)
        cut[i] = air_hz;
    lowpass_loop(a, n, cut);
    highpass_loop(a, n, air_hz / 4.0);
    double arms = 0.0;
    for (size_t i = 0; i < n; i++)
        arms += a[i] * a[i];
    arms = sqrt(arms / (double)n);
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (size_t k = 0; k < np; k++) {
            /* Distinct phases, so the partials' steepest moments never
             * line up (least of all at the loop point). */
            v += p[k].amp * loop_sin(i, n, p[k].hz * 4.0, 0.7 + 1.9 * (double)k);
            v += p[k].amp * p[k].twin_amp *
                 loop_sin(i, n, (p[k].hz + p[k].twin_hz) * 4.0, 2.3 + 1.3 * (double)k);
        }
        x[i] = v + (arms > 0.0 ? air * a[i] / arms : 0.0);
    }
    int ret = write_wav(dir, name, x, n, -9.0);
    free(x);
    free(a);
    free(cut);
    return ret;
}

/* The three guides: the inhale a bright open fifth (E4 + B4), the exhale
 * a lower, darker one (G3 + D4, always under the inhale), the hold one
 * quiet C4 with its octave.  Pitches are rounded to 0.25 Hz. */
static int make_guides(const char *dir)
{
    static const struct pad_partial in[] = {
        {329.75, 1.00, 0.50, 0.35}, {494.00, 0.45, 0.25, 0.30}, {659.50, 0.12, 0.50, 0.0},
    };
    static const struct pad_partial out[] = {
        {196.00, 1.00, 0.25, 0.35}, {293.75, 0.50, 0.50, 0.30}, {392.00, 0.10, 0.25, 0.0},
    };
    static const struct pad_partial hold[] = {
        {261.75, 1.00, 0.25, 0.20}, {523.50, 0.15, 0.0, 0.0},
    };
    if (make_pad(dir, "inhale.wav", in, 3, 0.10, 2500.0, 11) != 0 ||
        make_pad(dir, "exhale.wav", out, 3, 0.10, 1200.0, 12) != 0 ||
        make_pad(dir, "hold.wav", hold, 2, 0.05, 1800.0, 13) != 0)
        return -1;
    return 0;
}

enum { BED_SECONDS = 16 };

/* Ocean: noise through a low-pass that opens as each wave comes in, and
 * an envelope of two swells (periods 8 s and 16 s / 3) over a steady wash. */
static void ocean(double *x, size_t n)
{
    double *cut = buf(n), *env = buf(n);
    seed(21);
    noise(x, n);
    for (size_t i = 0; i < n; i++) {
        double w1 = 0.5 - 0.5 * loop_sin(i, n, 2.0, 0.0);       /* 8 s */
        double w2 = 0.5 - 0.5 * loop_sin(i, n, 3.0, 1.3);       /* 5.3 s */
        double w = 0.6 * w1 * w1 + 0.4 * w2 * w2;
        env[i] = 0.25 + 0.75 * w;
        cut[i] = 250.0 + 1400.0 * w;
    }
    lowpass_loop(x, n, cut);
    lowpass_loop(x, n, cut);
    for (size_t i = 0; i < n; i++)
        x[i] *= env[i];
    free(cut);
    free(env);
}

/* Rain: a steady hiss (band-limited noise, 800 Hz .. 6 kHz) with drops,
 * short decaying ticks at pseudo-random places, laid around the loop. */
static void rain(double *x, size_t n)
{
    double *cut = buf(n);
    seed(22);
    noise(x, n);
    for (size_t i = 0; i < n; i++)
        cut[i] = 6000.0;
    lowpass_loop(x, n, cut);
    highpass_loop(x, n, 800.0);
    double rms = 0.0;
    for (size_t i = 0; i < n; i++)
        rms += x[i] * x[i];
    rms = sqrt(rms / (double)n);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5 * x[i] / rms;
    size_t drops = (size_t)BED_SECONDS * 40;
    for (size_t d = 0; d < drops; d++) {
        size_t at = (size_t)((rnd() * 0.5 + 0.5) * (double)n) % n;
        double amp = 0.3 + 0.9 * (rnd() * 0.5 + 0.5);
        double hz = 2500.0 + 2000.0 * rnd();
        double tau = 0.002 + 0.002 * (rnd() * 0.5 + 0.5);
        size_t len = frames_of(tau * 6.0);
        for (size_t k = 0; k < len; k++) {
            double t = (double)k / RATE;
            double v = amp * exp(-t / tau) * sin(2.0 * M_PI * hz * t);
            x[(at + k) % n] += v;
        }
    }
    free(cut);
}

/* Drone: a low open chord (A2, E3, A3, C#4) whose partials and their twins
 * are whole multiples of 1/16 Hz, each swelling slowly on its own cycle. */
static void drone(double *x, size_t n)
{
    static const struct {
        double hz, amp, twin, cyc;
    } p[] = {
        {110.0, 1.00, 0.1875, 1.0}, {165.0, 0.55, 0.125, 2.0},
        {220.0, 0.35, 0.25, 3.0},   {277.1875, 0.18, 0.0625, 4.0},
    };
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (size_t k = 0; k < sizeof p / sizeof p[0]; k++) {
            double c = p[k].hz * BED_SECONDS, ct = (p[k].hz + p[k].twin) * BED_SECONDS;
            double sw = 0.75 + 0.25 * loop_sin(i, n, p[k].cyc, (double)k);
            v += p[k].amp * sw *
                 (loop_sin(i, n, c, 1.7 * (double)k) + 0.4 * loop_sin(i, n, ct, 0.5 + (double)k));
        }
        x[i] = v;
    }
}

static int make_bed(const char *dir, const char *name, void (*fill)(double *, size_t))
{
    size_t n = frames_of(BED_SECONDS);
    double *x = buf(n);
    fill(x, n);
    int ret = write_wav(dir, name, x, n, -6.0);
    free(x);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sounds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    if (make_bowl(dir) != 0 || make_chime(dir) != 0 || make_guides(dir) != 0 ||
        make_bed(dir, "ocean.wav", ocean) != 0 || make_bed(dir, "rain.wav", rain) != 0 ||
        make_bed(dir, "drone.wav", drone) != 0)
        return 1;
    return 0;
}
