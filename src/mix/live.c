/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * live.c — what only live play adds to the mix: the volume above 0 dB and
 * a spoken overlay (the `t` key), both before the limiter (mixer.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/voice.h"
#include "mixer_internal.h"

#define DUCK_DB (-12.0)
#define DUCK_RAMP_MS 50.0

void mixer_set_live_gain(struct mixer *m, float gain)
{
    if (!(gain >= 1.0f))
        gain = 1.0f;
    if (gain > 4.0f)
        gain = 4.0f;
    m->live_gain = gain;
}

int mixer_say_over(struct mixer *m, const char *text, int64_t at)
{
    float *s = NULL;
    size_t n = 0;
    int err;
    if (m->custom_source) {
        err = m->src.speech(m->src.ctx, text, m->rate, &s, &n);
        if (err)
            return err;
    } else {
        const struct voice_clip *vc;
        if (!m->voice)
            return AV_EVOICE;
        err = voice_synth(m->voice, text, &vc);
        if (err)
            return err;
        int native = voice_native_rate(m->voice);
        int64_t nf = voice_frames_at(vc->frames, native, m->rate);
        if (nf <= 0 || nf > (int64_t)m->rate * 60)
            return AV_ELIMIT;
        n = (size_t)nf;
        s = malloc(n * sizeof *s);
        if (!s)
            return AV_ENOMEM;
        err = mix_resample_s16(vc->samples, vc->frames, native, m->rate, s, n);
        if (err) {
            free(s);
            return err;
        }
    }
    /* At the level of the session's speech: its own gain by role
     * (analyze.c), as every spoken cue gets. */
    float g;
    err = mix_speech_level(m, s, n, m->rate, &g);
    if (err) {
        free(s);
        return err;
    }
    const size_t fade = (size_t)(m->rate / 200); /* 5 ms edges */
    for (size_t i = 0; i < n; i++) {
        float e = 1.0f;
        if (i < fade)
            e = ramp(i, fade);
        else if (n - 1 - i < fade)
            e = ramp(n - 1 - i, fade);
        s[i] *= g * e;
    }
    free(m->ov);
    m->ov = s;
    m->ov_frames = n;
    m->ov_at = at;
    m->ov_duck = (float)pow(10.0, DUCK_DB / 20.0);
    return AV_OK;
}

void mix_live_seek(struct mixer *m, int64_t frame)
{
    if (m->ov && frame != m->ov_at) {
        free(m->ov);
        m->ov = NULL;
        m->ov_frames = 0;
    }
}

void mix_live_apply(struct mixer *m, int64_t a, int64_t b, float *dst)
{
    const float g = m->live_gain;
    if (!m->ov) {
        for (int64_t t = a; t < b; t++)
            dst[t - a] *= g;
        return;
    }
    const int64_t ramp_len = (int64_t)(DUCK_RAMP_MS * m->rate / 1000.0);
    const int64_t s0 = m->ov_at, s1 = m->ov_at + (int64_t)m->ov_frames;
    for (int64_t t = a; t < b; t++) {
        /* The duck: down over ramp_len before the overlay, up after it. */
        float duck = 1.0f;
        if (t >= s0 - ramp_len && t < s1 + ramp_len) {
            float depth = 1.0f - m->ov_duck;
            float k = 1.0f;
            if (t < s0)
                k = ramp((size_t)(t - (s0 - ramp_len)), (size_t)ramp_len);
            else if (t >= s1)
                k = ramp((size_t)(s1 + ramp_len - 1 - t), (size_t)ramp_len);
            duck = 1.0f - depth * k;
        }
        float v = dst[t - a] * duck;
        if (t >= s0 && t < s1)
            v += m->ov[t - s0];
        dst[t - a] = v * g;
    }
    if (b >= s1 + ramp_len) {
        /* Past it: forget it (a seek back does not bring it again; nor
         * does any seek elsewhere, mix_live_seek()). */
        free(m->ov);
        m->ov = NULL;
        m->ov_frames = 0;
    }
}
