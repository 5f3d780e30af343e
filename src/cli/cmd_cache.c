/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_cache.c — `asanavox cache clear`: empty the caches in
 * $XDG_CACHE_HOME/asanavox (speech clips, the same resampled with their
 * loudness, session summaries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "cli.h"
#include "commands.h"

/* The cache directories this program writes, below the cache root. */
static const char *const subdirs[] = {"speech", "clips", "list"};

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox cache clear\n\n"
               "Remove every cached speech clip (also resampled) and session summary from\n"
               "$XDG_CACHE_HOME/asanavox (by default ~/.cache/asanavox).  They are made\n"
               "again when needed; --no-cache on any command bypasses them.\n\n");
    cli_print_options(f, 0, NULL);
}

int cmd_cache(int argc, char **argv)
{
    int first;
    int done = cli_parse_plain("cache", help, argc, argv, &first);
    if (done >= 0)
        return done;
    if (first != argc - 1 || strcmp(argv[first], "clear")) {
        if (first < argc)
            fprintf(stderr, "asanavox cache: unexpected argument '%s'\n",
                    argv[first + (first < argc - 1 && !strcmp(argv[first], "clear"))]);
        help(stderr);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
        char *dir = NULL;
        int err = cli_cache_dir(subdirs[i], &dir);
        if (err == AV_ENOENT)
            return EXIT_OK; /* no cache directory at all: nothing to clear */
        if (!err)
            err = filecache_clear(dir);
        if (err) {
            fprintf(stderr, "asanavox cache: cannot clear %s: %s\n", subdirs[i],
                    av_strerror(err));
            status = EXIT_RUNTIME;
        }
        free(dir);
    }
    return status;
}
