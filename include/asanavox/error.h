/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * error.h — the one error enum of asanavox.
 *
 * Every function that can fail returns an int: 0 (AV_OK) on success or one
 * of the AV_E* values below.  av_strerror() turns any of them into a short
 * English phrase.  Functions document which of these they return.
 */
#ifndef ASANAVOX_ERROR_H
#define ASANAVOX_ERROR_H

enum av_error {
    AV_OK = 0,
    AV_ENOMEM,      /* out of memory */
    AV_EINVAL,      /* an argument or option is invalid */
    AV_ENOENT,      /* a file or session was not found */
    AV_EIO,         /* reading or writing a file failed */
    AV_ESYNTAX,     /* a session file has errors (diagnostics say which) */
    AV_ELIMIT,      /* an input exceeds a size or time limit */
    AV_EVOICE,      /* espeak-ng failed to initialise or to synthesize */
    AV_ESOUND,      /* a sound file could not be read or decoded */
    AV_EFORMAT,     /* an output format is not supported */
    AV_EDEVICE,     /* the audio device failed or is missing */
    AV_EINTERRUPTED, /* stopped by a signal (Ctrl-C, SIGTERM) */
    AV_ENOTREG,     /* a file to read is a directory, FIFO, device... */
    AV_ELINK        /* a symbolic link leads outside its directory */
};

/* A static string describing `err`.  Never returns NULL; unknown values give
 * "unknown error".  Any thread may call it. */
const char *av_strerror(int err);

#endif
