/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * error.c — av_strerror(): the one name for every av_error code (error.h).
 */
#include "asanavox/error.h"

const char *av_strerror(int err)
{
    switch (err) {
    case AV_OK: return "success";
    case AV_ENOMEM: return "out of memory";
    case AV_EINVAL: return "invalid argument";
    case AV_ENOENT: return "not found";
    case AV_EIO: return "input/output error";
    case AV_ESYNTAX: return "the session has errors";
    case AV_ELIMIT: return "input exceeds a limit";
    case AV_EVOICE: return "speech synthesis failed";
    case AV_ESOUND: return "sound file could not be read";
    case AV_EFORMAT: return "unsupported output format";
    case AV_EDEVICE: return "audio device error";
    case AV_EINTERRUPTED: return "interrupted";
    case AV_ENOTREG: return "not a regular file";
    case AV_ELINK: return "a symbolic link leads outside its directory";
    }
    return "unknown error";
}
