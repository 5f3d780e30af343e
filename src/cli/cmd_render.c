/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_render.c — `asanavox render NAME [-o OUT]`: the whole session as one
 * audio file.
 *
 * compile → mixer → file sink, block by block (render.h).  The compile
 * runs on a thread of its own, streamed (cli_stream.h): the mixer starts
 * on the steps laid out so far, and its workers prepare clips while
 * espeak-ng still speaks the later texts.  A WAV file is opened at once
 * and written from its first sample: its header (the length) is written
 * last, its chapters follow the data (sink.h).  Other files, whose
 * headers hold the length or the chapters, and streams are opened once
 * the timeline is whole (render_run_opening()).  The bytes are those of a render of the whole
 * timeline; a session with an ambient bed (ducked under every cue of the
 * timeline) is compiled whole first.  An error the layout finds late is
 * reported as the compile reports it (exit 2) before any file exists.
 * The file is written atomically (sink.h); SIGINT, SIGTERM and SIGHUP set a flag that
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
#include "cli_stream.h"
#include "cli_term.h"

enum { GROUPS = CLI_SESSION | CLI_RATE_OPT | CLI_AUDIO | CLI_VARIANT, OPT_FORMAT = CLI_OWN };

/* How far below render its speech runs (voice_lower_priority()). */
enum { RENDER_SPEECH_NICE = 10 };

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

/* Where the render goes (render.h, struct render_open): opened once the
 * timeline is whole, as the file's header holds the length and the
 * chapters, or (`early`) at once, a WAV file whose header is written last
 * and whose chapters come at the end (finish_output()). */
struct output {
    const char *name, *out;
    enum sink_format fmt;
    long rate;
    int channels;
    struct mixer *mixer;
    struct cli_stream *sc; /* a compile still running, or NULL */
    bool stream_done;      /* sc joined: tl is its timeline (or NULL) */
    struct timeline *tl;   /* whole; the caller's (freed by it) */
    struct sink *sink;     /* the caller destroys these */
    struct tags *tags;
    bool early;            /* a WAV file, opened before the layout ends */
    const struct timeline *hdr; /* the stream's header (early) */
    struct tags *head_tags; /* early: title... for the header, no chapters */
    int status;            /* nonzero: why there is no sink, said already */
};

/* A session of no frames is refused, and said so: a file of no frames (a
 * 0-byte .mp3) helps nobody. */
static bool empty_session(struct output *o)
{
    if (o->tl->duration != 0)
        return false;
    fprintf(stderr, "asanavox render: %s has nothing to say or play; nothing written\n", o->name);
    o->status = EXIT_USAGE;
    return true;
}

/* The compile has ended (the mixer has read every event): the whole
 * timeline, or why there is none.  Returns 0 or an error (status set). */
static int join_stream(struct output *o, int err)
{
    int st = cli_stream_join(o->sc, &o->tl);
    o->stream_done = true;
    if (st != 0 || err) {
        if (term_signal())
            return AV_EINTERRUPTED;
        if (st == 0) /* the compile is fine; the mixer ran out of memory */
            fprintf(stderr, "asanavox render: %s\n", av_strerror(err));
        o->status = st ? st : EXIT_RUNTIME;
        return err ? err : AV_ESYNTAX;
    }
    if (empty_session(o))
        return AV_EINVAL;
    return AV_OK;
}

/* Say why there is no file (`why`), and fail with `err`. */
static int output_failed(struct output *o, const char *why, int err)
{
    fprintf(stderr, "asanavox render: %s\n", why);
    o->status = EXIT_RUNTIME;
    return err;
}

/* Create the file sink with the tags made from `tl` (kept in *tags) and
 * open it for `frames` frames (-1: not known yet); errors are said here. */
static int open_sink(struct output *o, const struct timeline *tl, struct tags **tags,
                     int64_t frames, struct sink **out)
{
    int err = sink_create(&sink_file_ops, &o->sink);
    if (!err)
        err = cli_tags(o->name, tl, tags);
    if (err)
        return output_failed(o, av_strerror(err), err);
    sink_set_tags(o->sink, *tags);
    struct sink_params sp = {
        .rate = (int)o->rate, .channels = o->channels, .format = o->fmt, .frames = frames};
    err = sink_open(o->sink, o->out, &sp);
    if (err)
        return output_failed(
            o, sink_message(o->sink)[0] ? sink_message(o->sink) : av_strerror(err), err);
    *out = o->sink;
    return AV_OK;
}

/* The WAV file, opened before the layout: its header has the title,
 * artist, album, comment and date, all known from the stream's header
 * (the same as tags_create() of the whole timeline gives); the length and
 * the chapters come at the end. */
static int open_early(struct output *o, struct sink **out)
{
    struct timeline h = *o->hdr;
    h.steps = NULL;
    h.n_steps = 0;
    h.duration = 0;
    if (!h.about)
        h.about = "";
    return open_sink(o, &h, &o->head_tags, -1, out);
}

/* render_open's before_finish for an early file: the whole timeline, and
 * its chapters for the end of the file. */
static int finish_output(void *ctx, struct sink *s)
{
    struct output *o = ctx;
    if (!o->early)
        return AV_OK;
    int err = join_stream(o, AV_OK);
    if (err)
        return err;
    err = cli_tags(o->name, o->tl, &o->tags);
    if (err)
        return output_failed(o, av_strerror(err), err);
    sink_set_tags(s, o->tags);
    return AV_OK;
}

/* render_open's fn: with a streamed compile, first let the workers
 * prepare clips as the layout goes on, until it ends (a signal ends it
 * too, as the compile polls the flag); then the file. */
static int open_output(void *ctx, struct sink **out)
{
    struct output *o = ctx;
    if (o->early)
        return open_early(o, out);
    if (o->sc) {
        bool ended = false;
        int err = AV_OK;
        while (!ended && !err)
            err = mixer_stream_prefetch(o->mixer, &ended);
        err = join_stream(o, err);
        if (err)
            return err;
    } else if (empty_session(o)) {
        return AV_EINVAL;
    }
    return open_sink(o, o->tl, &o->tags, o->tl->duration, out);
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
    struct output o = {.name = name, .out = out, .fmt = fmt, .rate = rate};
    const bool tty = isatty(STDERR_FILENO);
    /* The session compiles on a thread of its own, streamed (cli_stream.h),
     * and the mixer starts on what is laid out (the output is the same, to
     * the bit); `hdr` is the timeline it has meanwhile.  Not with an
     * ambient bed, which is ducked under every cue of the whole timeline,
     * nor without a speech bank (the mixer would speak with the voice the
     * compile is using). */
    struct cli_stream sc = {0};
    struct timeline hdr;
    bool streaming = false;
    int err;

    /* The voice first: it forks its espeak-ng helpers, which is best done
     * while this process has one thread. */
    if (cli_voice("render", &voice))
        goto done;
    /* The clips and the mix keep up with the speech (voice.h); where the
     * system refuses, speech keeps our priority. */
    (void)voice_lower_priority(voice, RENDER_SPEECH_NICE);
    int st = cli_stream_start(&sc, "render", name, &co, voice) ? EXIT_RUNTIME : EXIT_OK;
    if (st)
        fprintf(stderr, "asanavox render: %s\n", av_strerror(AV_ENOMEM));
    streaming = !st && compile_stream_header(sc.stream, &hdr) == AV_OK && !hdr.ambience &&
                hdr.speech;
    if (!st && !streaming)
        st = cli_stream_join(&sc, &tl);
    if (term_signal())
        goto interrupted;
    if (st != 0) {
        status = st;
        goto done;
    }

    struct mixer_options mo;
    mixer_options_init(&mo);
    mo.channels = mono ? 1 : 2;
    mo.volume_db = c.volume_db;
    mo.prepare_ahead = true; /* every worker busy: render never seeks */
    mo.stream = streaming ? sc.stream : NULL;
    if (fmt == SINK_FORMAT_OGG || fmt == SINK_FORMAT_MP3 || fmt == SINK_FORMAT_OPUS)
        mo.ceiling_dbtp = RENDER_LOSSY_CEILING_DBTP;
    /* Speech resampled by an earlier run (mixer.h, store_dir). */
    char *clips_dir = NULL;
    if (cli_use_cache && cli_cache_dir("clips", &clips_dir) == AV_OK)
        mo.store_dir = clips_dir;
    /* While streaming the voice is the compile's; the bank has the speech. */
    err = mixer_create(streaming ? &hdr : tl, streaming ? NULL : voice, &mo, &mixer);
    free(clips_dir);
    if (err) {
        fprintf(stderr, "asanavox render: %s\n", av_strerror(err));
        goto done;
    }
    o.channels = mo.channels;
    o.mixer = mixer;
    o.sc = streaming ? &sc : NULL;
    o.tl = tl;
    o.early = streaming && fmt == SINK_FORMAT_WAV && !streamed;
    o.hdr = &hdr;

    struct bar bar = {.rate = (int)rate, .last = -1};
    struct render_progress progress = {draw_bar, &bar};
    const struct render_open opener = {open_output, &o, o.early, finish_output};
    err = render_run_opening(mixer, &opener, term_signal_flag(), tty ? &progress : NULL);
    if (tty)
        clear_bar();
    if (o.stream_done && !tl) {
        tl = o.tl;
        streaming = false;
    }
    if (err == AV_EINTERRUPTED || term_signal())
        goto interrupted;
    if (o.status) { /* the timeline or the file could not be had: said */
        status = o.status;
        goto done;
    }
    if (err && streaming) {
        /* The mix stopped because the compile failed: its errors, printed
         * by now, are why (exit 2). */
        streaming = false;
        st = cli_stream_join(&sc, &tl);
        if (st != 0) {
            status = st;
            goto done;
        }
    }
    if (err) {
        const char *why = o.sink && sink_message(o.sink)[0] ? sink_message(o.sink)
                                                            : mixer_error_detail(mixer);
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
    sink_destroy(o.sink);
    tags_destroy(o.tags);
    tags_destroy(o.head_tags);
    mixer_destroy(mixer);   /* before the stream and the timeline it reads */
    cli_stream_deinit(&sc); /* the compile has ended: the voice is free */
    timeline_destroy(tl);
    voice_destroy(voice);
    term_finish();
    free(out_alloc);
    return status;
}
