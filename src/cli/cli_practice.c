/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_practice.c — play's lead-in, practice log line and resume point
 * (cli_practice.h).
 */
#include "cli_practice.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asanavox/clock.h"
#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/player.h"
#include "asanavox/session.h"
#include "asanavox/timeline.h"
#include "asanavox/transport.h"
#include "cli_config.h"
#include "cli_state.h"
#include "cli_term.h"
#include "commands.h"

/* Compile the lead-in of `seconds` at `rate`: the shipped `chime` at 0, 5,
 * 10, ... s, as long as its whole ring fits before `seconds` (bells ring
 * out, and the lead-in must not run past what was asked), then silence to
 * the end.  Returns 0 with *tl, or an exit status after printing why.  (The
 * compiler selects the voice though nothing is spoken.) */
static int leadin_timeline(double seconds, int rate, struct voice *voice, struct timeline **tl)
{
    struct compile_env env;
    compile_env_default(&env, voice);
    char *chime_path = NULL;
    int64_t chime_frames = 0;
    if (env.sound(env.ctx, "chime", NULL, rate, &chime_path, &chime_frames) != AV_OK)
        chime_frames = INT64_MAX; /* no chime: a silent lead-in */
    free(chime_path);
    const double ring = chime_frames == INT64_MAX ? 1e9 : (double)chime_frames / rate;
    /* A session of its own, compiled like any other. */
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "title: Lead-in\nbell: chime\n");
    double t = 0;
    while (n + 80 < sizeof text && seconds - t >= 0.001) {
        const double left = seconds - t;
        const double step = left < 5.0 ? left : 5.0; /* up to the next tick */
        if (left >= ring) {
            /* A tick whose whole ring ends before the lead-in does. */
            const double tick = step < 0.4 ? step : 0.4;
            n += (size_t)snprintf(text + n, sizeof text - n, "bell chime, %.3fs\n", tick);
            if (step - tick >= 0.001)
                n += (size_t)snprintf(text + n, sizeof text - n, "silence %.3fs\n", step - tick);
        } else {
            n += (size_t)snprintf(text + n, sizeof text - n, "silence %.3fs\n", step);
        }
        t += step;
    }
    struct compile_options co;
    compile_options_init(&co);
    co.rate = rate;
    struct diag *d = diag_create();
    if (!d) {
        fprintf(stderr, "asanavox play: %s\n", av_strerror(AV_ENOMEM));
        return EXIT_RUNTIME;
    }
    int err = compile_buffer("<lead-in>", text, n, &co, &env, d, tl);
    if (err) {
        diag_print(d, stderr);
        fprintf(stderr, "asanavox play: cannot make the lead-in: %s\n", av_strerror(err));
    }
    diag_destroy(d);
    return err ? EXIT_RUNTIME : EXIT_OK;
}

/* ---- the lead-in (--delay) ------------------------------------------------------ */

int practice_lead_in(double seconds, int rate, struct voice *voice, const char *device, bool mono,
                     bool keys, bool status)
{
    struct timeline *tl = NULL;
    if (leadin_timeline(seconds, rate, voice, &tl))
        return -1;
    struct player_options po;
    player_options_init(&po);
    po.device = device;
    po.channels = mono ? 1 : 0;
    po.mixer.normalize = false;   /* the tone at its own level ... */
    po.mixer.volume_db = -18.0;   /* ... and well below it: a soft tick */
    struct player *pl = NULL;
    /* No speech: the voice stays as the session configured it. */
    int err = player_create(tl, NULL, &po, &pl);
    if (!err)
        err = player_start(pl);
    if (err) {
        fprintf(stderr, "asanavox play: no lead-in (%s)\n",
                player_message(pl)[0] ? player_message(pl) : av_strerror(err));
        player_destroy(pl);
        timeline_destroy(tl);
        return -1;
    }
    int result = -1;
    char last[64] = "";
    struct transport_keys kd = {0};
    bool stdin_open = keys;
    while (!term_signal() && result < 0) {
        if (player_poll(pl) != PLAYER_PLAYING)
            break;
        if (status) {
            char t[32], line[64];
            av_clock_text(tl->duration - player_position(pl) + tl->rate - 1, tl->rate, t, sizeof t);
            snprintf(line, sizeof line, "starting in %s", t);
            if (strcmp(line, last)) {
                snprintf(last, sizeof last, "%s", line);
                fprintf(stderr, "\r%s\033[K", line);
                fflush(stderr);
            }
        }
        unsigned char keybuf[32];
        /* A failed poll() is waited out like a quiet one: the lead-in ends on its own. */
        int got = term_poll_keys(&stdin_open, keybuf, sizeof keybuf, 100);
        for (int k = 0; k < got; k++) {
            enum transport_action act = transport_key_feed(&kd, keybuf[k]);
            if (act == TRANSPORT_QUIT)
                result = EXIT_OK;
            else if (act == TRANSPORT_NEXT)
                player_seek(pl, tl->duration); /* n: start now */
        }
    }
    if (term_signal())
        result = 128 + term_signal();
    if (result < 0 && player_poll(pl) == PLAYER_ENDED)
        player_finish(pl);
    else
        player_stop(pl);
    if (last[0]) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    player_destroy(pl);
    timeline_destroy(tl);
    return result;
}

/* --delay: "20", "20s", "1m30s", "1:30"; 0 to 600 seconds. */
bool practice_parse_delay(const char *v, double *out)
{
    double d;
    if (cli_parse_double(v, 0, 600, &d)) {
        *out = d;
        return true;
    }
    struct duration dur;
    size_t off;
    char msg[128];
    if (duration_parse(v, strlen(v), 1u << DUR_TIME, &dur, &off, msg, sizeof msg) ||
        dur.unit != DUR_TIME || dur.ms > 600000)
        return false;
    *out = (double)dur.ms / 1000.0;
    return true;
}

char *practice_spec(const char *name_arg)
{
    if (!name_arg || !strcmp(name_arg, "-"))
        return NULL;
    if (!paths_is_file_arg(name_arg))
        return strdup(name_arg);
    char buf[PATH_MAX];
    if (!realpath(name_arg, buf))
        return NULL;
    return strdup(buf);
}

void practice_display_name(const char *spec, char *buf, size_t size)
{
    const char *slash = strrchr(spec, '/');
    const char *base = slash ? slash + 1 : spec;
    size_t len = strlen(base);
    if (len > 5 && !strcmp(base + len - 5, ".yoga"))
        len -= 5;
    snprintf(buf, size, "%.*s", (int)len, base);
}

static void clock_text(int64_t frame, int rate, char *buf, size_t size)
{
    int64_t s = rate > 0 ? frame / rate : 0;
    if (s >= 3600)
        snprintf(buf, size, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    else
        snprintf(buf, size, "%d:%02d", (int)(s / 60), (int)(s % 60));
}

/* The step `frame` is in: the last one starting at or before it. */
static size_t step_at(const struct timeline *tl, int64_t frame)
{
    size_t i = 0;
    while (i + 1 < tl->n_steps && tl->steps[i + 1].start <= frame)
        i++;
    return i;
}

void practice_record(const struct cli_config *cfg, const struct timeline *tl,
                     const struct practice *pr)
{
    const char *h = cli_config_get(cfg, "history", NULL);
    if (!h || cli_config_yes_no(h) != 0) {
        struct history_entry e = {0};
        e.when = pr->started;
        snprintf(e.name, sizeof e.name, "%s", pr->name);
        e.minutes = pr->seconds_played / 60.0;
        e.completed = pr->completed;
        if (pr->completed) {
            snprintf(e.how, sizeof e.how, "completed");
        } else {
            char at[32];
            clock_text(pr->stopped_at, tl->rate, at, sizeof at);
            if (tl->n_steps) {
                size_t i = step_at(tl, pr->stopped_at);
                const struct tl_step *s = &tl->steps[i];
                const char *side = tl_side_name(s->side);
                snprintf(e.how, sizeof e.how, "stopped at %s (step %zu/%zu %s%s%s)", at, i + 1,
                         tl->n_steps, s->name && s->name[0] ? s->name : tl_step_kind_name(s->kind),
                         side ? ", " : "", side ? side : "");
            } else {
                snprintf(e.how, sizeof e.how, "stopped at %s", at);
            }
        }
        if (history_append(&e) != AV_OK) {
            char *path = state_path("history");
            fprintf(stderr, "asanavox play: warning: cannot add to the practice log %s\n",
                    path ? path : "");
            free(path);
        }
    }
    if (!pr->spec)
        return;
    if (pr->completed) {
        struct resume_point old;
        if (resume_load(&old) == AV_OK && !strcmp(old.spec, pr->spec))
            resume_clear();
        return;
    }
    struct resume_point r = {0};
    snprintf(r.spec, sizeof r.spec, "%s", pr->spec);
    snprintf(r.name, sizeof r.name, "%s", pr->name);
    r.seconds = (double)pr->stopped_at / tl->rate;
    r.total = (double)tl->duration / tl->rate;
    if (resume_save(&r) != AV_OK) {
        char *path = state_path("resume");
        fprintf(stderr, "asanavox play: warning: cannot record where practice stopped in %s\n",
                path ? path : "");
        free(path);
    }
}
