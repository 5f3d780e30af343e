/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_common.c — loading a session for a command: by name, path or from
 * standard input, with the diagnostics printed; and its file tags.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/filecache.h"
#include "asanavox/paths.h"
#include "asanavox/safefile.h"
#include "asanavox/session.h"
#include "asanavox/tags.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli.h"
#include "commands.h"

static void print_search_path(FILE *f)
{
    char **dirs;
    if (paths_session_dirs(&dirs))
        return;
    fprintf(f, "  looked in:");
    for (char **d = dirs; *d; d++)
        fprintf(f, " %s", *d);
    fprintf(f, "\n  'asanavox list' shows the sessions there.\n");
    paths_free_list(dirs);
}

int cli_cache_dir(const char *sub, char **out)
{
    char *root;
    int err = filecache_root(&root);
    if (err)
        return err;
    char *p = paths_join(root, sub);
    free(root);
    if (!p)
        return AV_ENOMEM;
    *out = p;
    return AV_OK;
}

int cli_tags(const char *name, const struct timeline *tl, struct tags **out)
{
    char *path = NULL;
    if (strcmp(name, "-") != 0 && paths_find_session(name, &path) == AV_ENOMEM)
        return AV_ENOMEM;
    int err = tags_create(tl, path ? path : "-", out);
    free(path);
    return err;
}

int cli_voice(const char *cmd, struct voice **voice)
{
    int err = voice_create(voice);
    if (err) {
        fprintf(stderr, "asanavox %s: cannot start espeak-ng: %s (is espeak-ng-data installed?)\n",
                cmd, av_strerror(err));
        return EXIT_RUNTIME;
    }
    /* The speech cache is an optimisation: when its directory cannot be
     * used, speech is synthesized as if --no-cache had been given. */
    char *dir;
    if (cli_use_cache && cli_cache_dir("speech", &dir) == AV_OK) {
        voice_use_cache(*voice, dir, FILECACHE_DEFAULT_MAX);
        free(dir);
    }
    return EXIT_OK;
}

/* The session on standard input: at most one byte past the 1 MiB limit is
 * read, so a larger input is reported by the parser with the others and
 * memory stays bounded whatever comes in.  Returns 0 or AV_EIO/AV_ENOMEM. */
static int read_stdin(char **data, size_t *len)
{
    const size_t max = SESSION_MAX_FILE_BYTES + 1;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return AV_ENOMEM;
    while (n < max) {
        if (n == cap) {
            cap = cap * 2 < max ? cap * 2 : max;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                return AV_ENOMEM;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) {
            if (ferror(stdin)) {
                free(buf);
                return AV_EIO;
            }
            break;
        }
    }
    *data = buf;
    *len = n;
    return AV_OK;
}

int cli_compile(const char *cmd, const char *name, const struct compile_options *o,
                struct voice **voice_out, struct timeline **tl)
{
    char *path = NULL, *data = NULL;
    size_t len = 0;
    const bool from_stdin = !strcmp(name, "-");
    int err;
    if (from_stdin) {
        err = read_stdin(&data, &len);
        if (err) {
            fprintf(stderr, "asanavox %s: cannot read standard input: %s\n", cmd,
                    av_strerror(err));
            return err == AV_EIO ? EXIT_USAGE : EXIT_RUNTIME;
        }
        path = strdup("<stdin>");
        err = path ? AV_OK : AV_ENOMEM;
    } else {
        err = paths_find_session(name, &path);
    }
    if (err == AV_EINVAL) {
        fprintf(stderr, "asanavox %s: '%s' is not a session name (use a path with '/' for files)\n",
                cmd, name);
        return EXIT_USAGE;
    }
    if (err == AV_ENOTREG || err == AV_ELINK) {
        const char *kind = safefile_kind(name);
        if (err == AV_ENOTREG && kind)
            fprintf(stderr, "asanavox %s: %s is %s, not a session file\n", cmd, name, kind);
        else
            fprintf(stderr, "asanavox %s: session '%s': %s\n", cmd, name, av_strerror(err));
        return EXIT_USAGE;
    }
    if (err == AV_ENOENT) {
        if (paths_is_file_arg(name)) {
            fprintf(stderr, "asanavox %s: %s: no such file\n", cmd, name);
        } else {
            char *hint = paths_session_hint(name);
            if (hint)
                fprintf(stderr, "asanavox %s: no session named '%s'; %s\n", cmd, name, hint);
            else
                fprintf(stderr, "asanavox %s: no session named '%s'\n", cmd, name);
            free(hint);
            print_search_path(stderr);
        }
        return EXIT_USAGE;
    }
    if (err) {
        fprintf(stderr, "asanavox %s: %s\n", cmd, av_strerror(err));
        free(data);
        return EXIT_RUNTIME;
    }
    struct voice *voice = voice_out && *voice_out ? *voice_out : NULL;
    bool ours = !voice;
    if (ours && cli_voice(cmd, &voice)) {
        free(path);
        free(data);
        return EXIT_RUNTIME;
    }
    struct diag *d = diag_create();
    if (!d) {
        if (ours)
            voice_destroy(voice);
        free(path);
        free(data);
        fprintf(stderr, "asanavox %s: out of memory\n", cmd);
        return EXIT_RUNTIME;
    }
    voice_set_stop(voice, o->stop);
    err = from_stdin ? compile_buffer_spoken(path, data, len, o, voice, d, tl)
                     : compile_session_spoken(path, o, voice, d, tl);
    /* The timeline's speech bank holds its own copy of every clip; the
     * voice's copies in memory would only double the memory for the whole
     * run (and are on disk if needed again). */
    voice_clear_cache(voice);
    free(data);
    diag_print(d, stderr);
    diag_destroy(d);
    int status = EXIT_OK;
    if (err == AV_EINTERRUPTED) {
        status = EXIT_RUNTIME; /* the caller, whose flag it was, says so */
    } else if (err == AV_ESYNTAX || err == AV_EINVAL) {
        status = EXIT_USAGE;
    } else if (err == AV_ENOENT || err == AV_EIO) {
        fprintf(stderr, "asanavox %s: cannot read %s: %s\n", cmd, path, av_strerror(err));
        status = EXIT_USAGE;
    } else if (err) {
        fprintf(stderr, "asanavox %s: %s\n", cmd, av_strerror(err));
        status = EXIT_RUNTIME;
    }
    free(path);
    if (ours) {
        if (status || !voice_out)
            voice_destroy(voice);
        else
            *voice_out = voice;
    }
    return status;
}
