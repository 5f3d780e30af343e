/*
 * cli_practice.c — play's lead-in, practice log line and resume point
 * (cli_practice.h).
 */
#include "cli_practice.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/diag.h"
#include "asanavox/error.h"
#include "asanavox/paths.h"
#include "asanavox/timeline.h"
#include "cli_config.h"
#include "cli_state.h"
#include "commands.h"

int practice_leadin(double seconds, int rate, struct voice *voice, struct timeline **tl)
{
    /* A session of its own, compiled like any other: ticks of the shipped
     * `hold` tone, each given 5 s, and the rest as silence. */
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "title: Lead-in\nbell: hold\n");
    /* A tick at 0, 5, 10, ... s: each bell lasts up to the next one. */
    for (double left = seconds; left > 0.0005 && n + 40 < sizeof text; left -= 5.0)
        n += (size_t)snprintf(text + n, sizeof text - n, "bell hold, %.3fs\n",
                              left < 5.0 ? left : 5.0);
    struct compile_options co;
    compile_options_init(&co);
    co.rate = rate;
    struct compile_env env;
    compile_env_default(&env, voice);
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
