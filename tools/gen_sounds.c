/*
 * gen_sounds.c — synthesize the sounds asanavox ships (the WAV files in sounds/).
 *
 * Usage: gen_sounds DIR
 *
 * Writes bowl.wav, chime.wav, inhale.wav, exhale.wav and hold.wav into DIR
 * (48 kHz, mono, 16-bit PCM).  Everything is computed from the constants in
 * this file with plain double arithmetic and no randomness, so two runs on
 * the same machine produce byte-identical files.  Each file is written to a
 * temporary name in DIR and renamed into place, so a reader never sees a
 * half-written sound.
 *
 * Every sound starts and ends at exactly zero: each one is shaped by a
 * raised-cosine attack and a raised-cosine release that reaches 0 on the
 * last sample, so nothing clicks when the mixer places it.  After synthesis
 * each sound is scaled so its peak sits at a fixed level (the bowl at
 * -3 dBFS, the chime at -6 dBFS, the breath tones at -9 dBFS) and rounded
 * to 16 bits without dither.
 *
 * This is a standalone build tool: it links only libsndfile and libm and is
 * not part of the asanavox library.
 */
#include <math.h>
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

/* A soft breath tone gliding exponentially from `f_start` to `f_end` Hz
 * (equal to hold a steady pitch).  The phase is integrated sample by
 * sample so the glide has no discontinuity; a little second and third
 * harmonic keep it from sounding like a test tone. */
static void glide(double *x, size_t n, double f_start, double f_end,
                  size_t attack, size_t release)
{
    double phase = 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = n > 1 ? (double)i / (double)(n - 1) : 0.0;
        double f = f_start * pow(f_end / f_start, u);
        double v = sin(phase) + 0.12 * sin(2.0 * phase) + 0.04 * sin(3.0 * phase);
        x[i] = v * envelope(i, n, attack, release);
        phase += 2.0 * M_PI * f / RATE;
        if (phase >= 2.0 * M_PI)
            phase -= 2.0 * M_PI;
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
 * free vibrating bar/bowl, each partial split into a slowly beating pair.
 * Higher partials die faster, as in a real bowl, so the ring-out mellows
 * into the fundamental.  7 s, 8 ms attack, 1.5 s release to zero. */
static int make_bowl(const char *dir)
{
    static const struct partial p[] = {
        {1.00, 1.00, 1.40, 0.9, 0.55},
        {2.76, 0.55, 0.85, 1.7, 0.50},
        {5.40, 0.28, 0.45, 2.6, 0.45},
        {8.93, 0.14, 0.25, 3.3, 0.40},
    };
    size_t n = frames_of(7.0);
    double *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        return -1;
    }
    strike(x, n, 246.94, p, sizeof p / sizeof p[0], frames_of(0.008),
           frames_of(1.5));
    int ret = write_wav(dir, "bowl.wav", x, n, -3.0);
    free(x);
    return ret;
}

/* Chime: a small bright bell at 1318.5 Hz (E6), nearly harmonic partials,
 * short decay.  2 s, 5 ms attack, 0.5 s release to zero. */
static int make_chime(const char *dir)
{
    static const struct partial p[] = {
        {1.000, 1.00, 0.50, 1.3, 0.35},
        {2.005, 0.30, 0.30, 0.0, 0.00},
        {3.010, 0.10, 0.18, 0.0, 0.00},
    };
    size_t n = frames_of(2.0);
    double *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        return -1;
    }
    strike(x, n, 1318.51, p, sizeof p / sizeof p[0], frames_of(0.005),
           frames_of(0.5));
    int ret = write_wav(dir, "chime.wav", x, n, -6.0);
    free(x);
    return ret;
}

/* Breath tones.  Inhale rises a fifth, 329.6 -> 493.9 Hz (E4 -> B4), in
 * 0.7 s; exhale falls a fifth lower down, 293.7 -> 196.0 Hz (D4 -> G3), in
 * 0.8 s, so the two never share a pitch; hold is a steady 261.6 Hz (C4)
 * for 0.4 s. */
static int make_tone(const char *dir, const char *name, double seconds,
                     double f_start, double f_end, double attack_s,
                     double release_s)
{
    size_t n = frames_of(seconds);
    double *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "gen_sounds: out of memory\n");
        return -1;
    }
    glide(x, n, f_start, f_end, frames_of(attack_s), frames_of(release_s));
    int ret = write_wav(dir, name, x, n, -9.0);
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
    if (make_bowl(dir) != 0 || make_chime(dir) != 0 ||
        make_tone(dir, "inhale.wav", 0.7, 329.63, 493.88, 0.20, 0.25) != 0 ||
        make_tone(dir, "exhale.wav", 0.8, 293.66, 196.00, 0.20, 0.35) != 0 ||
        make_tone(dir, "hold.wav", 0.4, 261.63, 261.63, 0.06, 0.12) != 0)
        return 1;
    return 0;
}
