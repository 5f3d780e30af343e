/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_devices.c — `asanavox devices`: the sound outputs `play --device`
 * can use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/device.h"
#include "asanavox/error.h"
#include "asanavox/utf8.h"
#include "cli.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox devices\n\n"
               "List the sound output devices.  'asanavox play --device ID' (or a name, or\n"
               "part of one) plays on one of them; '*' marks the default.\n\n");
    cli_print_options(f, 0, NULL);
}

int cmd_devices(int argc, char **argv)
{
    int first;
    int done = cli_parse_plain("devices", usage, argc, argv, &first);
    if (done >= 0)
        return done;
    if (first < argc) {
        fprintf(stderr, "asanavox devices: unexpected argument '%s'\n", argv[first]);
        usage(stderr);
        return EXIT_USAGE;
    }
    char msg[256];
    FILE *saved_stderr = audio_quiet_stderr(); /* PortAudio's chatter (device.h) */
    if (audio_open(msg, sizeof msg)) {
        fprintf(stderr, "asanavox devices: %s\n", msg);
        audio_unquiet_stderr(saved_stderr);
        return EXIT_RUNTIME;
    }
    struct audio_device *v;
    size_t n;
    int status = EXIT_OK;
    if (audio_devices(&v, &n)) {
        fprintf(stderr, "asanavox devices: %s\n", av_strerror(AV_ENOMEM));
        status = EXIT_RUNTIME;
    } else if (n == 0) {
        fprintf(stderr, "asanavox devices: no sound output device found; 'asanavox render NAME' "
                        "writes a session to a file instead\n");
        status = EXIT_RUNTIME;
    } else {
        printf("  %3s  %-40s %-10s %8s %8s\n", "ID", "DEVICE", "API", "CHANNELS", "RATE");
        for (size_t i = 0; i < n; i++) {
            /* Names may be UTF-8 ("Kopfhörer"): pad by characters. */
            size_t w = utf8_width(v[i].name);
            printf("%c %3d  %s%*s %-10.10s %8d %8.0f\n", v[i].is_default ? '*' : ' ', v[i].id,
                   v[i].name, w < 40 ? (int)(40 - w) : 0, "", v[i].api, v[i].channels, v[i].rate);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
            status = EXIT_RUNTIME;
    }
    free(v);
    audio_close();
    audio_unquiet_stderr(saved_stderr);
    return status;
}
