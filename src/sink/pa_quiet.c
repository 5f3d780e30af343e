/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pa_quiet.c — keeping ALSA, JACK and PortAudio's own chatter off the
 * terminal (device.h): do-nothing error handlers installed in ALSA and
 * JACK, and a stderr filter for PortAudio's diagnostics.
 */
#define _GNU_SOURCE /* fopencookie(), memmem() */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/device.h"
#include "pa_internal.h"

/* ---- quiet start -------------------------------------------------------- */

static void quiet_alsa(const char *file, int line, const char *function, int err, const char *fmt,
                       ...)
{
    (void)file;
    (void)line;
    (void)function;
    (void)err;
    (void)fmt;
}

static void quiet_jack(const char *msg)
{
    (void)msg;
}

/* Install the do-nothing handlers in ALSA and JACK when those libraries
 * are loaded (PortAudio links them); look them up in the global scope so
 * that asanavox neither links them nor fails without them. */
void audio_silence_backends(void)
{
    void *self = dlopen(NULL, RTLD_LAZY);
    if (!self)
        return;
    typedef void (*alsa_handler)(const char *, int, const char *, int, const char *, ...);
    int (*alsa_set)(alsa_handler) = NULL;
    void (*jack_err)(void (*)(const char *)) = NULL;
    void (*jack_info)(void (*)(const char *)) = NULL;
    /* POSIX: a data pointer from dlsym() converts to a function pointer. */
    *(void **)&alsa_set = dlsym(self, "snd_lib_error_set_handler");
    *(void **)&jack_err = dlsym(self, "jack_set_error_function");
    *(void **)&jack_info = dlsym(self, "jack_set_info_function");
    if (alsa_set)
        alsa_set(quiet_alsa);
    if (jack_err)
        jack_err(quiet_jack);
    if (jack_info)
        jack_info(quiet_jack);
    dlclose(self);
}

/* ---- PortAudio's own diagnostics ------------------------------------------- */

#if defined(__GLIBC__)
static bool is_chatter(const char *line, size_t len)
{
    static const char *const prefixes[] = {"Expression '", "ALSA lib ", "Cannot connect to server",
                                           "jack server is not running", "JackShmReadWritePtr"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (len >= n && !memcmp(line, prefixes[i], n))
            return i > 0 || memmem(line, len, "' failed in '", 13) != NULL;
    }
    return false;
}

/* The filter's write: line by line (the stream is line-buffered, so a
 * message arrives whole), straight to file descriptor 2. */
static ssize_t quiet_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    size_t at = 0;
    while (at < size) {
        const char *nl = memchr(buf + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (buf + at)) + 1 : size - at;
        if (!is_chatter(buf + at, len)) {
            for (size_t done = 0; done < len;) {
                ssize_t w = write(STDERR_FILENO, buf + at + done, len - done);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    return (ssize_t)size; /* nowhere to report it */
                done += (size_t)w;
            }
        }
        at += len;
    }
    return (ssize_t)size;
}

FILE *audio_quiet_stderr(void)
{
    cookie_io_functions_t io = {.read = NULL, .write = quiet_write, .seek = NULL, .close = NULL};
    FILE *f = fopencookie(NULL, "w", io);
    if (!f)
        return NULL;
    setvbuf(f, NULL, _IOLBF, BUFSIZ);
    fflush(stderr);
    FILE *old = stderr;
    stderr = f;
    return old;
}

void audio_unquiet_stderr(FILE *old)
{
    if (!old)
        return;
    FILE *f = stderr;
    stderr = old;
    fclose(f);
}
#else
FILE *audio_quiet_stderr(void)
{
    return NULL;
}

void audio_unquiet_stderr(FILE *old)
{
    (void)old;
}
#endif
