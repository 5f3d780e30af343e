/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pa_devices.c — PortAudio started and stopped, and its output devices
 * listed and found by number or name (device.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <portaudio.h>

#include "asanavox/device.h"
#include "asanavox/error.h"
#include "asanavox/thread.h"
#include "pa_internal.h"

int audio_open(char *msg, size_t size)
{
    audio_silence_backends();
    sigset_t mask;
    av_signals_block(&mask); /* JACK's threads may start here (thread.h) */
    PaError e = Pa_Initialize();
    av_signals_restore(&mask);
    if (e != paNoError) {
        snprintf(msg, size, "cannot start PortAudio: %s", Pa_GetErrorText(e));
        return AV_EDEVICE;
    }
    return AV_OK;
}

void audio_close(void)
{
    Pa_Terminate();
}

static void describe(int id, const PaDeviceInfo *d, struct audio_device *out)
{
    const PaHostApiInfo *api = Pa_GetHostApiInfo(d->hostApi);
    memset(out, 0, sizeof(*out));
    out->id = id;
    snprintf(out->name, sizeof out->name, "%s", d->name ? d->name : "?");
    snprintf(out->api, sizeof out->api, "%s", api && api->name ? api->name : "?");
    out->channels = d->maxOutputChannels;
    out->rate = d->defaultSampleRate;
    out->is_default = id == Pa_GetDefaultOutputDevice();
}

int audio_devices(struct audio_device **list, size_t *n)
{
    *list = NULL;
    *n = 0;
    int count = Pa_GetDeviceCount();
    if (count <= 0)
        return AV_OK;
    struct audio_device *v = calloc((size_t)count, sizeof(*v));
    if (!v)
        return AV_ENOMEM;
    size_t k = 0;
    for (int i = 0; i < count; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (d && d->maxOutputChannels > 0)
            describe(i, d, &v[k++]);
    }
    if (k == 0) {
        free(v);
        return AV_OK;
    }
    *list = v;
    *n = k;
    return AV_OK;
}

int audio_find_device(const char *spec, int *id, char *msg, size_t size)
{
    int count = Pa_GetDeviceCount();
    if (!spec || !*spec) {
        PaDeviceIndex d = Pa_GetDefaultOutputDevice();
        if (d == paNoDevice || count <= 0) {
            snprintf(msg, size, "no sound output device found");
            return AV_ENOENT;
        }
        *id = d;
        return AV_OK;
    }
    if (strspn(spec, "0123456789") == strlen(spec)) {
        long k = strlen(spec) < 6 ? strtol(spec, NULL, 10) : -1;
        const PaDeviceInfo *d = k >= 0 && k < count ? Pa_GetDeviceInfo((int)k) : NULL;
        if (!d || d->maxOutputChannels <= 0) {
            snprintf(msg, size, "no output device %s (see 'asanavox devices')", spec);
            return AV_ENOENT;
        }
        *id = (int)k;
        return AV_OK;
    }
    int exact = -1, part = -1, parts = 0;
    for (int i = 0; i < count; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        if (!d || d->maxOutputChannels <= 0 || !d->name)
            continue;
        if (!strcasecmp(d->name, spec) && exact < 0)
            exact = i;
        /* case-insensitive substring */
        size_t nl = strlen(d->name), sl = strlen(spec);
        for (size_t j = 0; sl <= nl && j + sl <= nl; j++) {
            if (!strncasecmp(d->name + j, spec, sl)) {
                if (parts++ == 0)
                    part = i;
                break;
            }
        }
    }
    if (exact >= 0) {
        *id = exact;
        return AV_OK;
    }
    if (parts == 1) {
        *id = part;
        return AV_OK;
    }
    if (parts > 1) {
        snprintf(msg, size, "'%s' matches %d output devices; name one (see 'asanavox devices')",
                 spec, parts);
        return AV_EINVAL;
    }
    snprintf(msg, size, "no output device named '%s' (see 'asanavox devices')", spec);
    return AV_ENOENT;
}
