/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_render.c — `asanavox render NAME [-o OUT]`: the whole session as one
 * audio file.
 *
 * compile → mixer → file sink, block by block (render.h).  The file is
 * written atomically (sink.h); SIGINT, SIGTERM and SIGHUP set a flag that
 * the compiler, espeak-ng's callback and the render loop poll, after which
 * the sink is destroyed unfinished (removing its temporary file) and the
 * command exits 128 + the signal (130 after Ctrl-C, 143 after SIGTERM, 129
 * after SIGHUP, as `play` does) with one line.
 * SIGXFSZ and SIGPIPE are ignored while rendering so that "file too large"
 * and "broken pipe" come back as write errors with a reason.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asanavox/clock.h"
#include "asanavox/error.h"
#include "asanavox/mixer.h"
#include "asanavox/paths.h"
#include "asanavox/render.h"
#include "asanavox/sink.h"
#include "asanavox/tags.h"
#include "asanavox/timeline.h"
#include "asanavox/voice.h"
#include "cli.h"
#include "cli_config.h"
#include "commands.h"
#include "cli_term.h"

enum { GROUPS = CLI_SESSION | CLI_RATE_OPT | CLI_AUDIO | CLI_VARIANT, OPT_FORMAT = CLI_OWN };

static const struct cli_option options[] = {
    {"output", 'o', "OUT", "where to write (a file, '-', a pipe or a device)"},
    {"format", OPT_FORMAT, "FMT", "wav, flac, ogg, opus or mp3 (default: from OUT, else wav)"},
    {"quiet", 'q', NULL, "say nothing when done"},
    {0},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: asanavox render [OPTIONS] NAME\n\n"
            "Write the whole session NAME as one audio file to follow with eyes closed.\n"
            "The format comes from --format or OUT's extension: .wav (16-bit), .flac,\n"
            ".ogg (Vorbis), .opus, .mp3.  The default OUT is NAME.wav (NAME.FMT with\n"
            "--format) in the current directory; '-o -' writes to standard output (WAV\n"
            "unless --format says otherwise).  The file is tagged (title, artist, album,\n"
            "comment, date) and has a chapter per pose, flow, breathe step and rest;\n"
            "'asanavox plan --chapters' shows them.  NAME '-' reads the session from\n"
            "standard input.  Without -o, the config file's 'format:' and 'output-dir:'\n"
            "(see 'asanavox config') choose the format and the directory.  When done, one\n"
            "line on standard error says what was written: the file, its length and size.\n\n");
    cli_print_options(f, GROUPS, options);
}

/* [DIR/]NAME.EXT from a session name or path: the base name without
 * ".yoga" ("session.EXT" for a session from standard input); DIR (NULL:
 * none) is the config file's output-dir. */
static char *default_output(const char *name, const char *dir, const char *ext)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    if (!strcmp(name, "-"))
        base = "";
    size_t len = strlen(base);
    if (len > 5 && !strcmp(base + len - 5, ".yoga"))
        len -= 5;
    if (len == 0) {
        base = "session";
        len = strlen(base);
    }
    size_t dlen = dir ? strlen(dir) : 0;
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    size_t n = dlen + 1 + len + 1 + strlen(ext) + 1;
    char *out = malloc(n);
    if (out) {
        if (dir)
            snprintf(out, n, "%.*s/%.*s.%s", (int)dlen, dir, (int)len, base, ext);
        else
            snprintf(out, n, "%.*s.%s", (int)len, base, ext);
    }
    return out;
}

struct bar {
    int rate;
    int last;  /* last percentage drawn */
};

/* Redrawn when the percentage changes: at most 101 lines of output. */
static void draw_bar(void *ctx, int64_t done, int64_t total)
{
    struct bar *b = ctx;
    int percent = total > 0 ? (int)(done * 100 / total) : 100;
    if (percent == b->last)
        return;
    b->last = percent;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int fill = percent * WIDTH / 100;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    char t1[32], t2[32];
    av_clock_text(done, b->rate, t1, sizeof(t1));
    av_clock_text(total, b->rate, t2, sizeof(t2));
    fprintf(stderr, "\rrendering [%s] %3d%%  %s / %s ", bar, percent, t1, t2);
    fflush(stderr);
}

/* True when `out` is the very file the session `name` resolves to (same
 * device and inode, whatever the paths say): rendering would replace the
 * session with audio. */
static bool is_the_session(const char *name, const char *out)
{
    char *path = NULL;
    struct stat a, b;
    bool same = !paths_find_session(name, &path) && stat(path, &a) == 0 && stat(out, &b) == 0 &&
                a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    free(path);
    return same;
}

static void clear_bar(void)
{
    fprintf(stderr, "\r%70s\r", "");
    fflush(stderr);
}

/* "135 MB" (decimal units, as file managers show them). */
static void human_size(char *buf, size_t cap, double bytes)
{
    if (bytes >= 1e9)
        snprintf(buf, cap, "%.1f GB", bytes / 1e9);
    else if (bytes >= 1e6)
        snprintf(buf, cap, "%.1f MB", bytes / 1e6);
    else if (bytes >= 1e3)
        snprintf(buf, cap, "%.0f kB", bytes / 1e3);
    else
        snprintf(buf, cap, "%.0f bytes", bytes);
}

static int render_main(struct cli_parser *pp, struct cli_common *cc, const struct cli_config *cfg,
                       const char *out_arg, const char *format_arg, bool quiet);

int cmd_render(int argc, char **argv)
{
    const char *out_arg = NULL, *format_arg = NULL;
    bool quiet = false;
    struct cli_common c;
    cli_common_init(&c);
    struct cli_config cfg;
    int cst = cli_config_load(&cfg, "render");
    struct cli_parser p;
    cli_parser_init(&p, "render", GROUPS, options, usage, argc, argv);
    if (!cst)
        cst = cli_config_apply(&cfg, &p);
    if (cst) {
        cli_config_deinit(&cfg);
        return cst;
    }
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0) {
        if (key == 'o')
            out_arg = val;
        else if (key == OPT_FORMAT)
            format_arg = val;
        else if (key == 'q')
            quiet = true;
    }
    if (key != CLI_END) {
        cli_config_deinit(&cfg);
        return cli_exit_status(key);
    }
    int status = render_main(&p, &c, &cfg, out_arg, format_arg, quiet);
    cli_config_deinit(&cfg);
    return status;
}

static int render_main(struct cli_parser *pp, struct cli_common *cc, const struct cli_config *cfg,
                       const char *out_arg, const char *format_arg, bool quiet)
{
    const struct cli_parser p = *pp;
    const struct cli_common c = *cc;
    const int argc = p.argc;
    char **const argv = p.argv;
    if (p.optind == argc) {
        fprintf(stderr, "asanavox render: which session? (see 'asanavox render --help')\n");
        return EXIT_USAGE;
    }
    if (argc - p.optind > 1) {
        fprintf(stderr, "asanavox render: one session at a time ('%s' and '%s')\n",
                argv[p.optind], argv[p.optind + 1]);
        return EXIT_USAGE;
    }
    const char *name = argv[p.optind];
    const long rate = c.co.rate;
    const bool mono = c.mono;
    struct compile_options co = c.co;

    enum sink_format fmt = SINK_FORMAT_WAV, from_ext;
    if (format_arg && sink_format_from_name(format_arg, &fmt) != AV_OK) {
        fprintf(stderr, "asanavox render: --format wants wav, flac, ogg, opus or mp3, not '%s'\n",
                format_arg);
        return EXIT_USAGE;
    }
    char *out_alloc = NULL;
    const char *out = out_arg;
    if (!out) {
        /* The config file's format: (when --format is not given) and
         * output-dir:. */
        int line = 0;
        const char *cf = cli_config_get(cfg, "format", &line);
        if (!format_arg && cf && sink_format_from_name(cf, &fmt) != AV_OK) {
            fprintf(stderr, "%s:%d:1: error: 'format:' wants wav, flac, ogg, opus or mp3\n",
                    cfg->path, line);
            return EXIT_USAGE;
        }
        if (!format_arg && cf)
            format_arg = cf;
        const char *dir = cli_config_get(cfg, "output-dir", NULL);
        /* "~/x" is under $HOME, as a shell would have it. */
        char home_dir[4096];
        const char *home = getenv("HOME");
        if (dir && !strncmp(dir, "~/", 2) && home && home[0]) {
            snprintf(home_dir, sizeof home_dir, "%s/%s", home, dir + 2);
            dir = home_dir;
        }
        out = out_alloc = default_output(name, dir, sink_format_name(fmt));
        if (!out) {
            fprintf(stderr, "asanavox render: %s\n", av_strerror(AV_ENOMEM));
            return EXIT_RUNTIME;
        }
    }
    if (format_arg && strcmp(out, "-") != 0 && sink_format_from_path(out, &from_ext) == AV_OK &&
        from_ext != fmt) {
        fprintf(stderr, "asanavox render: '%s' is named as %s but --format says %s\n", out,
                sink_format_name(from_ext), sink_format_name(fmt));
        free(out_alloc);
        return EXIT_USAGE;
    }
    if (format_arg) {
        /* The format is given: any name will do. */
    } else if (strcmp(out, "-") != 0 && sink_format_from_path(out, &fmt) != AV_OK) {
        struct stat st;
        if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
            fprintf(stderr, "asanavox render: '%s' is a directory; name the file to write\n",
                    out);
            free(out_alloc);
            return EXIT_USAGE;
        }
        if (stat(out, &st) != 0 || S_ISREG(st.st_mode)) {
            fprintf(stderr,
                    "asanavox render: cannot tell the format of '%s' (use .wav, .flac, .ogg, "
                    ".opus or .mp3, or --format)\n",
                    out);
            free(out_alloc);
            return EXIT_USAGE;
        }
        fmt = SINK_FORMAT_WAV; /* a pipe or a device without an extension */
    }
    if (fmt == SINK_FORMAT_OPUS && rate != 8000 && rate != 12000 && rate != 16000 &&
        rate != 24000 && rate != 48000) {
        fprintf(stderr, "asanavox render: Opus takes --rate 8000, 12000, 16000, 24000 or 48000\n");
        free(out_alloc);
        return EXIT_USAGE;
    }
    if (!sink_format_available(fmt)) {
        fprintf(stderr, "asanavox render: this build of libsndfile cannot write %s files\n",
                sink_format_name(fmt));
        free(out_alloc);
        return EXIT_RUNTIME;
    }
    if (strcmp(out, "-") != 0 && is_the_session(name, out)) {
        fprintf(stderr, "asanavox render: %s is the session itself; name another file with -o\n",
                out);
        free(out_alloc);
        return EXIT_USAGE;
    }
    struct stat ost;
    const bool streamed = !strcmp(out, "-") || (stat(out, &ost) == 0 && !S_ISREG(ost.st_mode));

    /* Signals: SIGINT, SIGTERM and SIGHUP stop the render, the compile
     * too; SIGXFSZ and SIGPIPE are errors of the write, not deaths
     * (cli_term.h). */
    int terr = term_start(TERM_XFSZ | TERM_HUP);
    if (terr) {
        fprintf(stderr, "asanavox render: %s\n", strerror(terr));
        free(out_alloc);
        return EXIT_RUNTIME;
    }
    co.stop = term_signal_flag();

    int status = EXIT_RUNTIME;
    struct voice *voice = NULL;
    struct timeline *tl = NULL;
    struct mixer *mixer = NULL;
    struct sink *sink = NULL;
    struct tags *tags = NULL;
    const bool tty = isatty(STDERR_FILENO);
    int err;

    int st = cli_compile("render", name, &co, &voice, &tl);
    if (term_signal())
        goto interrupted;
    if (st != 0) {
        status = st;
        goto done;
    }
    if (tl->duration == 0) {
        /* A file of no frames (a 0-byte .mp3) helps nobody. */
        fprintf(stderr, "asanavox render: %s has nothing to say or play; nothing written\n", name);
        status = EXIT_USAGE;
        goto done;
    }
    if (term_signal())
        goto interrupted;

    struct mixer_options mo;
    mixer_options_init(&mo);
    mo.channels = mono ? 1 : 2;
    mo.volume_db = c.volume_db;
    mo.prepare_ahead = true; /* every worker busy: render never seeks */
    if (fmt == SINK_FORMAT_OGG || fmt == SINK_FORMAT_MP3 || fmt == SINK_FORMAT_OPUS)
        mo.ceiling_dbtp = RENDER_LOSSY_CEILING_DBTP;
    /* Speech resampled by an earlier run (mixer.h, store_dir). */
    char *clips_dir = NULL;
    if (cli_use_cache && cli_cache_dir("clips", &clips_dir) == AV_OK)
        mo.store_dir = clips_dir;
    err = mixer_create(tl, voice, &mo, &mixer);
    free(clips_dir);
    if (err) {
        fprintf(stderr, "asanavox render: %s\n", av_strerror(err));
        goto done;
    }

    err = sink_create(&sink_file_ops, &sink);
    if (!err)
        err = cli_tags(name, tl, &tags);
    if (err) {
        fprintf(stderr, "asanavox render: %s\n", av_strerror(err));
        goto done;
    }
    sink_set_tags(sink, tags);
    struct sink_params sp = {
        .rate = (int)rate, .channels = mo.channels, .format = fmt, .frames = tl->duration};
    err = sink_open(sink, out, &sp);
    if (err) {
        fprintf(stderr, "asanavox render: %s\n",
                sink_message(sink)[0] ? sink_message(sink) : av_strerror(err));
        goto done;
    }

    struct bar bar = {.rate = (int)rate, .last = -1};
    struct render_progress progress = {draw_bar, &bar};
    err = render_run(mixer, sink, term_signal_flag(), tty ? &progress : NULL);
    if (tty)
        clear_bar();
    if (err == AV_EINTERRUPTED)
        goto interrupted;
    if (err) {
        const char *why = sink_message(sink)[0] ? sink_message(sink) : mixer_error_detail(mixer);
        fprintf(stderr, "asanavox render: %s\n", why[0] ? why : av_strerror(err));
        goto done;
    }
    if (!quiet) {
        char t[32], size[32] = "";
        av_clock_text(tl->duration, (int)rate, t, sizeof(t));
        struct stat fst;
        if (!streamed && stat(out, &fst) == 0)
            human_size(size, sizeof size, (double)fst.st_size);
        fprintf(stderr, "wrote %s (%s, %s%s%ld Hz %s)\n", !strcmp(out, "-") ? "standard output" : out,
                t, size, size[0] ? ", " : "", rate, mono ? "mono" : "stereo");
    }
    status = EXIT_OK;
    goto done;

interrupted:
    if (!streamed)
        fprintf(stderr, "asanavox render: interrupted; %s was not written\n", out);
    else
        fprintf(stderr, "asanavox render: interrupted\n");
    status = 128 + term_signal();

done:
    if (term_signal() && status != EXIT_OK)
        status = 128 + term_signal(); /* one status for an interruption, whatever failed with it */
    sink_destroy(sink);
    tags_destroy(tags);
    mixer_destroy(mixer);
    timeline_destroy(tl);
    voice_destroy(voice);
    term_finish();
    free(out_alloc);
    return status;
}
