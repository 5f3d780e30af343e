/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pa_internal.h — what the PortAudio files of src/sink share:
 *
 *   portaudio.c   the PortAudio sink (sink_portaudio_ops) and its controls
 *   pa_devices.c  starting PortAudio, listing and finding output devices
 *   pa_quiet.c    silencing ALSA, JACK and PortAudio chatter
 */
#ifndef ASANAVOX_SINK_PA_INTERNAL_H
#define ASANAVOX_SINK_PA_INTERNAL_H

/* Install do-nothing error handlers in ALSA and JACK if those libraries
 * are loaded.  The thread that starts PortAudio, before Pa_Initialize(). */
void audio_silence_backends(void);

#endif
