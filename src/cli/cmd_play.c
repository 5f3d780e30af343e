/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_play.c — `asanavox play [NAME]`: practise along live, through the
 * sound card, with keys that work without looking.
 *
 * compile → player (player.h: mixer → ring → PortAudio) and, when standard
 * input is a terminal in the foreground, the keys of transport.h in raw
 * mode and a one-line status on standard error.  PortAudio starts on a
 * helper thread while the session compiles, so the device is ready when
 * the timeline is.
 *
 * Signals.  SIGINT, SIGTERM and SIGHUP set a flag and write a byte to a
 * pipe that the main loop polls, so the sound stops (a 30 ms fade, then
 * the stream is aborted) well within 100 ms; the exit status is 128 + the
 * signal.  The terminal's mode is restored on every way out, including
 * Ctrl-Z (SIGTSTP restores it and stops; SIGCONT takes raw mode again).
 *
 * Around the practice (cli_practice.h): the config file's options go in
 * front of the command line (cli_config.h), --delay plays a lead-in first,
 * and at the end a line goes to the practice log and the resume point is
 * recorded or cleared (cli_state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>


#include "asanavox/clock.h"
#include "asanavox/compile.h"
#include "asanavox/device.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/escape.h"
#include "asanavox/paths.h"
#include "asanavox/player.h"
#include "asanavox/session.h"
#include "asanavox/thread.h"
#include "asanavox/timeline.h"
#include "asanavox/transport.h"
#include "asanavox/voice.h"
#include "cli.h"
#include "cli_catalog.h"
#include "cli_pick.h"
#include "cli_config.h"
#include "cli_practice.h"
#include "cli_state.h"
#include "cli_stream.h"
#include "cli_playstats.h"
#include "commands.h"
#include "cli_term.h"

enum {
    GROUPS = CLI_SESSION | CLI_RATE_OPT | CLI_AUDIO | CLI_VARIANT,
    OPT_FROM = CLI_OWN,
    OPT_DEVICE,
    OPT_STATS,
    OPT_RESUME,
    OPT_EXACT,
    OPT_DELAY,
};

static const struct cli_option options[] = {
    {"from", OPT_FROM, "STEP|TIME",
     "start at a step number (as 'plan' shows), or the step a time (2:30) is in"},
    {"exact", OPT_EXACT, NULL, "--from TIME starts exactly there, not at its step's start"},
    {"resume", OPT_RESUME, NULL, "go on where the last practice stopped, from that step's start"},
    {"delay", OPT_DELAY, "TIME", "a quiet lead-in first, a soft tick every 5 s (e.g. 20s)"},
    {"device", OPT_DEVICE, "ID|NAME", "the output device (see 'asanavox devices')"},
    {"stats", OPT_STATS, NULL, "at the end, print time to first audio, underruns and CPU"},
    {0},
};

#define KEY_LEGEND                                                                         \
    "  space             pause / resume (from the start of the sentence)\n"                  \
    "  n                 next step\n"                                                         \
    "  p                 back to the start of this step; twice: the step before\n"            \
    "  left / right      15 s back / forward\n"                                               \
    "  + / -, up / down  louder / softer (2 dB steps, up to +6 dB)\n"                          \
    "  t                 say the time left and the next pose\n"                               \
    "  ?                 show these keys\n"                                                   \
    "  q                 quit (Ctrl-C works too)\n"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: asanavox play [OPTIONS] [NAME]\n\n"
            "Play the session NAME through the sound card and practise along.  Without\n"
            "NAME, on a terminal, choose from the sessions 'asanavox list' shows.\n"
            "NAME '-' reads the session from standard input (then there are no keys).\n\n"
            "keys (when standard input is a terminal):\n"
            "%s\n",
            KEY_LEGEND);
    cli_print_options(f, GROUPS, options);
    fprintf(f, "\nThe config file's settings come before these options ('asanavox config').\n"
               "No sound device?  'asanavox render NAME' writes the session to a file.\n");
}

/* ---- PortAudio starts meanwhile ------------------------------------------------ */

struct audio_start {
    pthread_t thread;
    bool running;
    int err;
    char msg[256];
};

static void *audio_start_main(void *arg)
{
    struct audio_start *a = arg;
    a->err = audio_open(a->msg, sizeof a->msg);
    return NULL;
}

static int audio_join(struct audio_start *a)
{
    if (a->running) {
        pthread_join(a->thread, NULL);
        a->running = false;
    }
    return a->err;
}

/* Play the picked session as 'asanavox play [OPTIONS] PATH' in a fresh
 * process (execv of this program), exactly as 'play NAME' would.  (Its
 * speech would be the same in this process too, since a text's samples do
 * not depend on what was spoken before (voice.h); the fresh process also
 * starts PortAudio and the terminal afresh.)
 * PortAudio is stopped and the terminal and signals are put back first.
 * Returns only on failure (an exit status). */
static int replay_picked(int argc, char **argv, const char *path, struct audio_start *as,
                         FILE **saved_stderr)
{
    if (as->running)
        audio_join(as);
    if (as->err == AV_OK)
        audio_close();
    as->err = AV_EDEVICE; /* closed: not again on the way out */
    term_finish();
    audio_unquiet_stderr(*saved_stderr);
    *saved_stderr = NULL;
    char **args = calloc((size_t)argc + 3, sizeof(*args));
    if (!args) {
        fprintf(stderr, "asanavox play: out of memory\n");
        return EXIT_RUNTIME;
    }
    args[0] = (char *)"asanavox";
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = (char *)path;
    fflush(stdout);
    fflush(stderr);
    execv("/proc/self/exe", args);
    fprintf(stderr, "asanavox play: cannot start the player: %s\n", strerror(errno));
    free(args);
    return EXIT_RUNTIME;
}

/* ---- the status line ------------------------------------------------------------- */

struct status_line {
    bool on;
    char last[512];
};

static void status_show(struct status_line *sl, const struct transport *t, int64_t pos)
{
    if (!sl->on)
        return;
    struct winsize ws;
    int width = 79;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
        width = ws.ws_col - 1;
    struct transport_status st;
    transport_status(t, pos, &st);
    char line[512];
    transport_format(&st, t->tl->rate, width, line, sizeof line);
    if (!strcmp(line, sl->last))
        return;
    snprintf(sl->last, sizeof sl->last, "%s", line);
    fputc('\r', stderr);
    esc_fputs(stderr, line); /* step names come from the session */
    fputs("\033[K", stderr);
    fflush(stderr);
}

static void status_clear(struct status_line *sl)
{
    if (!sl->on || !sl->last[0])
        return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    sl->last[0] = '\0';
}

/* ---- the command ------------------------------------------------------------------ */

/* What cmd_play() read from its options for play_main(). */
struct play_args {
    int64_t t_start;
    const char *from, *device;
    bool stats, resume, exact;
    double delay; /* seconds of lead-in */
};

static int play_main(const struct cli_parser *pp, const struct cli_common *cc,
                     const struct cli_config *cfg, const struct play_args *a);

int cmd_play(int argc, char **argv)
{
    const int64_t t_start = av_now_ns();
    const char *from_arg = NULL, *device = NULL, *delay_arg = NULL;
    bool stats = false, resume = false, exact = false;
    struct cli_common c;
    cli_common_init(&c);
    /* The config file's options go in front of the command line's. */
    struct cli_config cfg;
    int cst = cli_config_load(&cfg, "play");
    struct cli_parser p;
    cli_parser_init(&p, "play", GROUPS, options, usage, argc, argv);
    if (!cst)
        cst = cli_config_apply(&cfg, &p);
    /* play's own option in the config, checked here to name its line. */
    int dline = 0;
    const char *dcfg = cst ? NULL : cli_config_get(&cfg, "delay", &dline);
    double dsec;
    if (dcfg && !practice_parse_delay(dcfg, &dsec)) {
        fprintf(stderr, "asanavox play: %s:%d: --delay wants a time up to 10 minutes, e.g. 20s\n",
                cfg.path, dline);
        cst = EXIT_USAGE;
    }
    if (cst) {
        cli_config_deinit(&cfg);
        return cst;
    }
    argc = p.argc;
    argv = p.argv;
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0) {
        if (key == OPT_FROM)
            from_arg = val;
        else if (key == OPT_DEVICE)
            device = val;
        else if (key == OPT_STATS)
            stats = true;
        else if (key == OPT_RESUME)
            resume = true;
        else if (key == OPT_EXACT)
            exact = true;
        else if (key == OPT_DELAY)
            delay_arg = val;
    }
    if (key != CLI_END) {
        cli_config_deinit(&cfg);
        return cli_exit_status(key);
    }
    double delay = 0;
    if (delay_arg && !practice_parse_delay(delay_arg, &delay)) {
        fprintf(stderr, "asanavox play: --delay wants a time up to 10 minutes, e.g. 20s or 1:30\n");
        cli_config_deinit(&cfg);
        return EXIT_USAGE;
    }
    struct play_args a = {.t_start = t_start, .from = from_arg, .device = device, .stats = stats,
                          .resume = resume, .exact = exact, .delay = delay};
    int status = play_main(&p, &c, &cfg, &a);
    cli_config_deinit(&cfg);
    return status;
}

static int play_main(const struct cli_parser *pp, const struct cli_common *cc,
                     const struct cli_config *cfg, const struct play_args *pa)
{
    const struct cli_parser p = *pp;
    const struct cli_common c = *cc;
    const int argc = p.argc;
    char **const argv = p.argv;
    const char *name_arg = NULL;
    const int64_t t_start = pa->t_start;
    const char *from_arg = pa->from, *device = pa->device;
    const bool stats = pa->stats;
    if (argc - p.optind > 1) {
        fprintf(stderr, "asanavox play: one session at a time ('%s' and '%s')\n", argv[p.optind],
                argv[p.optind + 1]);
        return EXIT_USAGE;
    }
    if (p.optind < argc)
        name_arg = argv[p.optind];
    /* --resume: the session and place the last practice stopped at. */
    struct resume_point rp;
    const bool have_rp = resume_load(&rp) == AV_OK;
    bool resumed = false;
    if (pa->resume) {
        if (name_arg || from_arg) {
            fprintf(stderr, "asanavox play: --resume goes on where practice stopped; it takes no "
                            "session name or --from\n");
            return EXIT_USAGE;
        }
        if (!have_rp) {
            fprintf(stderr, "asanavox play: nothing to resume (no practice has stopped early)\n");
            return EXIT_USAGE;
        }
        name_arg = rp.spec;
        resumed = true;
    }
    /* Without --rate, play compiles at 48000 Hz and may retry at the
     * device's own rate (below). */
    const long rate = c.rate_given ? c.co.rate : 0;
    const bool mono = c.mono;
    const double volume = c.volume_db;
    struct compile_options co = c.co;

    /* PortAudio's own diagnostics stay out of stderr (device.h). */
    FILE *saved_stderr = audio_quiet_stderr();

    /* Signals: stop cleanly (see the top of this file and cli_term.h). */
    int terr = term_start(TERM_HUP | TERM_SUSPEND);
    if (terr) {
        fprintf(stderr, "asanavox play: %s\n", strerror(terr));
        audio_unquiet_stderr(saved_stderr);
        return EXIT_RUNTIME;
    }
    co.stop = term_signal_flag(); /* a signal ends a long compile too */

    int status = EXIT_RUNTIME;
    struct audio_start as = {0};
    struct voice *voice = NULL;
    struct timeline *tl = NULL;
    struct player *pl = NULL;
    char *picked = NULL, *spec = NULL;
    char *clips_dir = NULL; /* po.mixer.store_dir, until the player is gone */
    char shown[256] = "";
    struct status_line sl = {0};
    const char *name = name_arg;
    int err;
    /* A named session without --from, --resume or --delay is compiled on
     * a thread while its start is already mixed (cli_stream.h); `hdr` is
     * the timeline the player has meanwhile (duration unknown). */
    struct cli_stream sc = {0};
    struct timeline hdr;
    bool streaming = false;

    /* The voice first: it forks its espeak-ng helper, which is best done
     * while this process has one thread. */
    if (cli_voice("play", &voice)) {
        as.err = AV_EDEVICE; /* audio was never opened */
        goto done;
    }
    /* PortAudio starts while the session compiles. */
    as.running = av_thread_create(&as.thread, audio_start_main, &as) == 0;
    if (!as.running)
        as.err = audio_open(as.msg, sizeof as.msg);

    int st;
    if (name && !from_arg && !resumed && pa->delay <= 0) {
        st = cli_stream_start(&sc, "play", name, &co, voice) ? EXIT_RUNTIME : EXIT_OK;
        /* Not with an ambient bed, which ducks under every cue: then the
         * whole timeline first. */
        streaming = !st && compile_stream_header(sc.stream, &hdr) == AV_OK && !hdr.ambience;
        if (!st && !streaming)
            st = cli_stream_join(&sc, &tl);
        if (streaming)
            hdr.duration = INT64_MAX;
    } else {
        st = name ? cli_compile("play", name, &co, &voice, &tl)
                  : cli_pick_session(&co, &voice, &picked, &tl, have_rp ? &rp : NULL, &resumed);
    }
    if (st == 0 && !name && picked) {
        /* A fresh process plays it (replay_picked()); entry 0 is
         * 'play --resume' there. */
        status = replay_picked(argc, argv, resumed ? "--resume" : picked, &as, &saved_stderr);
        goto done;
    }
    if (st != 0 || (!tl && !streaming)) {
        status = st;
        goto done;
    }
    if (!name)
        name = picked;
    spec = practice_spec(name);
    practice_display_name(strcmp(name, "-") ? name : "(standard input)", shown, sizeof shown);
    const int64_t t_compiled = av_now_ns();
    bool streamed = streaming; /* for --stats */
    if (term_signal())
        goto done;

    if (audio_join(&as)) {
        fprintf(stderr, "asanavox play: %s; 'asanavox render %s' writes the session to a file\n",
                as.msg, name);
        goto done;
    }

    /* Keys only when we own the terminal (not in the background). */
    const bool keys = term_raw_on();
    sl.on = keys && isatty(STDERR_FILENO);

    if (pa->delay > 0) { /* not streamed: tl is whole */
        st = practice_lead_in(pa->delay, tl->rate, voice, device, mono, keys, sl.on);
        if (st >= 0) {
            status = st;
            goto done;
        }
    }

    struct player_options po;
    player_options_init(&po);
    po.device = device;
    po.channels = mono ? 1 : 0;
    /* The live volume the keys left last time is where this play starts:
     * made part of the mix, so the keys move on from it. */
    struct transport tr;
    double kept = 0.0;
    if (volume_load(&kept) != AV_OK)
        kept = 0.0;
    po.mixer.volume_db = volume + kept;
    /* Speech resampled by an earlier run (mixer.h, store_dir). */
    if (cli_use_cache && cli_cache_dir("clips", &clips_dir) == AV_OK)
        po.mixer.store_dir = clips_dir;
    po.mixer.stream = streaming ? sc.stream : NULL;
    for (int attempt = 0;; attempt++) {
        if (resumed) {
            /* From the start of the step that was interrupted, so its pose
             * is announced again (0 when the session has changed since). */
            int64_t at = (int64_t)(rp.seconds * tl->rate);
            po.from = at < tl->duration ? transport_step_start(tl, at) : 0;
        }
        if (from_arg) {
            err = transport_parse_from(tl, from_arg, &po.from);
            /* A time inside a step starts at the step's start (where its
             * pose is announced), unless --exact. */
            if (!err && !pa->exact && from_arg[strspn(from_arg, " \t0123456789")] != '\0')
                po.from = transport_step_start(tl, po.from);
            if (err) {
                char t[32];
                av_clock_text(tl->duration, tl->rate, t, sizeof t);
                if (err == AV_ELIMIT)
                    fprintf(stderr, "asanavox play: --from %s is past the session (%zu steps, %s)\n",
                            from_arg, tl->n_steps, t);
                else
                    fprintf(stderr,
                            "asanavox play: --from wants a step number (1 to %zu) or a time like "
                            "2:30, not '%s'\n",
                            tl->n_steps, from_arg);
                status = EXIT_USAGE;
                goto done;
            }
        }
        err = player_create(streaming ? &hdr : tl, voice, &po, &pl);
        const int tl_rate = streaming ? hdr.rate : tl->rate;
        if (err == AV_EFORMAT && attempt == 0 && !rate && player_device_rate(pl) >= 8000 &&
            player_device_rate(pl) != tl_rate) {
            /* The device does not take this rate: compile at its own. */
            co.rate = player_device_rate(pl);
            player_destroy(pl);
            pl = NULL;
            if (streaming) {
                /* Its errors are for this run too. */
                streaming = streamed = false;
                po.mixer.stream = NULL;
                st = cli_stream_join(&sc, &tl);
                if (st != 0) {
                    status = st;
                    goto done;
                }
            }
            timeline_destroy(tl);
            tl = NULL;
            st = cli_compile("play", picked ? picked : name, &co, &voice, &tl);
            if (st != 0) {
                status = st;
                goto done;
            }
            continue;
        }
        break;
    }
    /* A session found wrong while the player started: its errors are
     * printed, and they are why play stops (exit 2). */
    if (err && streaming && (st = cli_stream_join(&sc, &tl)) != 0) {
        status = st;
        goto done;
    }
    if (err) {
        const char *why = player_message(pl)[0] ? player_message(pl) : av_strerror(err);
        fprintf(stderr, "asanavox play: %s; 'asanavox render %s' writes the session to a file\n",
                why, name);
        goto done;
    }

    err = player_start(pl);
    if (streaming) {
        /* The sound has started (or failed); the rest of the layout, which
         * the keys and the status line need, is at most a few hundred ms
         * away.  An error found late stops play here, cleanly. */
        streaming = false;
        st = cli_stream_join(&sc, &tl);
        if (st != 0) {
            status = st;
            goto done;
        }
    }
    if (err) {
        fprintf(stderr, "asanavox play: %s\n", player_message(pl));
        goto done;
    }
    transport_init(&tr, tl);
    transport_start_at(&tr, kept);
    const double cpu0 = play_cpu_seconds();
    const int64_t wall0 = av_now_ns();
    const time_t started = time(NULL);
    if (resumed) {
        char at[32];
        av_clock_text(po.from, tl->rate, at, sizeof at);
        size_t i = transport_step_at(tl, po.from);
        fprintf(stderr, "asanavox play: going on with %s at %s, the start of step %zu/%zu\n", shown,
                at, tl->n_steps ? i + 1 : 0, tl->n_steps);
    }
    if (kept != 0.0)
        fprintf(stderr, "asanavox play: volume %+.0f dB, where the keys left it last time\n", kept);
    if (sl.on)
        fprintf(stderr, "keys: space pause, n/p steps, arrows seek and volume, t time left, "
                        "? help, q quit\n");

    bool stdin_open = keys;
    enum player_state ps = PLAYER_PLAYING;
    bool quit = false;
    int64_t t_stop = 0;
    struct transport_keys kd = {0};
    double played = 0; /* seconds sounding, not paused */
    int64_t last_ns = av_now_ns();
    while (!term_signal() && !quit) {
        ps = player_poll(pl);
        int64_t now = av_now_ns();
        if (!tr.paused)
            played += (double)(now - last_ns) / 1e9;
        last_ns = now;
        if (ps != PLAYER_PLAYING)
            break;
        status_show(&sl, &tr, player_position(pl));
        unsigned char keybuf[32];
        int got = term_poll_keys(&stdin_open, keybuf, sizeof keybuf, 100);
        if (got < 0)
            break;
        for (int k = 0; k < got && !quit; k++) {
            enum transport_action act = transport_key_feed(&kd, keybuf[k]);
            int64_t seek;
            const int64_t pos = player_position(pl);
            if (act == TRANSPORT_QUIT) {
                quit = true;
                t_stop = av_now_ns();
                break;
            }
            if (act == TRANSPORT_HELP) {
                status_clear(&sl);
                fprintf(stderr, "keys:\n%s", KEY_LEGEND);
                continue;
            }
            if (act == TRANSPORT_TIME) {
                /* Spoken, and shown above the status line for
                 * whoever looks. */
                char text[256];
                transport_time_text(tl, pos, text, sizeof text);
                player_say(pl, text);
                status_clear(&sl);
                fprintf(stderr, "t: %s\n", text);
                continue;
            }
            const bool was_paused = tr.paused;
            if (!transport_apply(&tr, act, pos, &seek))
                continue;
            if (was_paused && !tr.paused && seek < 0) {
                /* Resuming: from the start of the sentence (or breath
                 * prompt) the pause cut into. */
                int64_t back = transport_resume_point(tl, pos);
                if (back < pos)
                    seek = back;
            }
            if (seek >= 0)
                player_seek(pl, seek);
            player_set_paused(pl, tr.paused);
            player_set_gain(pl, transport_gain(&tr));
        }
    }

    int64_t pos = player_position(pl);
    char at[32], total[32];
    av_clock_text(pos, tl->rate, at, sizeof at);
    av_clock_text(tl->duration, tl->rate, total, sizeof total);
    struct practice pr = {.spec = spec, .name = shown, .started = started,
                          .seconds_played = played, .stopped_at = pos};
    if (ps == PLAYER_ENDED && !term_signal() && !quit) {
        err = player_finish(pl);
        status_clear(&sl);
        if (err) {
            fprintf(stderr, "asanavox play: %s\n", player_message(pl));
            practice_record(cfg, tl, &pr);
            goto stats;
        }
        pr.completed = true;
        practice_record(cfg, tl, &pr);
        status = EXIT_OK;
    } else if (ps == PLAYER_FAILED) {
        const int why = player_error(pl); /* before stopping changes it */
        player_stop(pl);
        status_clear(&sl);
        if (why == AV_EDEVICE)
            fprintf(stderr,
                    "asanavox play: %s at %s; go on with 'asanavox play %s --from %s', or "
                    "'asanavox render %s' writes a file\n",
                    player_message(pl), at, name, at, name);
        else
            fprintf(stderr, "asanavox play: %s\n", player_message(pl));
        practice_record(cfg, tl, &pr);
    } else {
        /* q, or a signal: fade out and stop now. */
        if (term_signal())
            t_stop = term_signal_ns();
        player_stop(pl);
        status_clear(&sl);
        if (term_signal())
            status = 128 + term_signal();
        else
            status = EXIT_OK;
        if (pos < tl->duration) {
            if (spec)
                fprintf(stderr,
                        "asanavox play: stopped at %s of %s in %s (go on with 'asanavox play "
                        "--resume', or 'asanavox play %s --from %s')\n",
                        at, total, shown, name, at);
            else
                fprintf(stderr, "asanavox play: stopped at %s of %s in %s (go on with --from %s)\n",
                        at, total, shown, at);
        }
        pr.completed = pos >= tl->duration;
        practice_record(cfg, tl, &pr);
    }
    if (tr.volume_db != kept) {
        /* The keys' volume is kept for the next play (cli_state.h). */
        int kerr = volume_save(tr.volume_db);
        if (kerr)
            fprintf(stderr, "asanavox play: the keys set the volume to %+.0f dB but it cannot be "
                            "kept for the next play: %s\n",
                    tr.volume_db, av_strerror(kerr));
        else
            fprintf(stderr, "asanavox play: the keys set the volume to %+.0f dB; the next play "
                            "starts there\n",
                    tr.volume_db);
    }
stats:
    if (stats) {
        const double cpu = play_cpu_seconds() - cpu0;
        const double wall = (double)(av_now_ns() - wall0) / 1e9;
        struct rusage ru;
        long maxrss = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
        struct player_stats pst;
        player_stats(pl, &pst);
        play_print_stats(&pst, t_start, t_compiled, t_stop, cpu, wall, maxrss, streamed);
    }

done:
    term_raw_off();
    status_clear(&sl);
    player_destroy(pl);
    cli_stream_deinit(&sc); /* after the player, which reads it */
    if (as.running)
        audio_join(&as);
    if (as.err == AV_OK)
        audio_close();
    timeline_destroy(tl);
    voice_destroy(voice);
    free(picked);
    free(spec);
    free(clips_dir);
    if (term_signal() && (status == EXIT_OK || status == EXIT_RUNTIME || status == EXIT_USAGE))
        status = 128 + term_signal();
    term_finish();
    audio_unquiet_stderr(saved_stderr);
    return status;
}
