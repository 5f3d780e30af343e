/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * resample_response.c — the frequency response of the speech resampler.
 *
 * Usage: resample_response [OUT_RATE]   (default 48000)
 *
 * Feeds mix_resample_s16() — the function the mixer resamples every speech
 * clip with (libsoxr, src/dsp/resample.c, which sound files go through
 * too) — a 22.05 kHz clip (espeak-ng's rate) holding one
 * sine at a time, 2 s long at -6 dBFS, and prints the level of that sine
 * in the output relative to the input in dB, measured by a single-bin DFT
 * over the middle second (away from the converter's edges; images do not
 * count).  One line per frequency: "<hz> <gain_db>".  bench/voice writes
 * the 9, 10 and 11 kHz figures to
 * docs/QUALITY.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "asanavox/mixer.h"
#include "asanavox/voice.h"

/* Amplitude of the component at `hz` (a single-bin DFT over n frames at
 * `rate`, Hann-windowed), so images and aliases at other frequencies do
 * not count. */
static double amp_at(const float *x, size_t n, double hz, int rate)
{
    double re = 0.0, im = 0.0, wsum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)(n - 1));
        double ph = 2.0 * M_PI * hz * (double)i / rate;
        re += w * x[i] * cos(ph);
        im += w * x[i] * sin(ph);
        wsum += w;
    }
    return 2.0 * sqrt(re * re + im * im) / wsum;
}

int main(int argc, char **argv)
{
    const int in_rate = 22050;
    int out_rate = argc > 1 ? atoi(argv[1]) : 48000;
    if (out_rate < 8000 || out_rate > 192000) {
        fprintf(stderr, "usage: resample_response [OUT_RATE]\n");
        return 2;
    }
    static const double hz[] = {1000, 4000, 8000, 9000, 9500, 10000, 10500, 11000};
    size_t n = (size_t)in_rate * 2;
    int16_t *in = malloc(n * sizeof(*in));
    size_t m = (size_t)voice_frames_at(n, in_rate, out_rate);
    float *out = malloc(m * sizeof(*out));
    float *ref = malloc(n * sizeof(*ref));
    if (!in || !out || !ref)
        return 1;
    for (size_t k = 0; k < sizeof(hz) / sizeof(hz[0]); k++) {
        for (size_t i = 0; i < n; i++) {
            double v = 0.5 * sin(2.0 * M_PI * hz[k] * (double)i / in_rate);
            in[i] = (int16_t)lrint(v * 32767.0);
            ref[i] = (float)in[i] / 32768.0f;
        }
        if (mix_resample_s16(in, n, in_rate, out_rate, out, m) != 0) {
            fprintf(stderr, "resample failed\n");
            return 1;
        }
        double a = amp_at(ref + n / 4, n / 2, hz[k], in_rate);
        double b = amp_at(out + m / 4, m / 2, hz[k], out_rate);
        printf("%.0f %.2f\n", hz[k], 20.0 * log10(b / a));
    }
    free(in);
    free(out);
    free(ref);
    return 0;
}
