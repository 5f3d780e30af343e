/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli_pick.c — `play` without NAME: the numbered list of sessions on a
 * terminal, and the choice (a number, a name or a unique prefix; 0 goes on
 * where the last practice stopped).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
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
#include "cli_config.h"
#include "cli_practice.h"
#include "cli_state.h"
#include "commands.h"
#include "cli_term.h"
#include "cli_pick.h"

/* See cli_pick.h.  `play` without NAME: list the sessions (summarised with the command's
 * options, so durations are those that will play; from the summary cache
 * when unchanged) and, on a terminal, ask which.  Returns 0 with the chosen session's path (malloc'd; NULL when
 * nothing was chosen), or an exit status. */
int cli_pick_session(const struct compile_options *co, struct voice **voice, char **name,
                     struct timeline **tl, const struct resume_point *rp, bool *resumed)
{
    struct cli_session *v;
    size_t n;
    if (!*voice && cli_voice("play", voice))
        return EXIT_RUNTIME;
    int err = cli_catalog(co, *voice, &v, &n);
    if (err == AV_EINTERRUPTED)
        return 128 + term_signal();
    if (err) {
        fprintf(stderr, "asanavox play: %s\n", av_strerror(err));
        return EXIT_RUNTIME;
    }
    if (n == 0) {
        fprintf(stderr, "asanavox play: no sessions found ('asanavox list' says where it looks)\n");
        cli_catalog_free(v, n);
        return EXIT_USAGE;
    }
    const bool tty = isatty(STDIN_FILENO);
    FILE *f = stderr;
    if (!tty)
        fprintf(f, "asanavox play: which session?  Name one: asanavox play NAME\n");
    if (rp) {
        /* Entry 0: go on where the last practice stopped (--resume). */
        char t[32];
        av_clock_text((int64_t)rp->seconds, 1, t, sizeof t);
        char nm[256];
        fprintf(f, "%4d  continue %s at %s\n", 0, esc_str(nm, sizeof nm, rp->name), t);
    }
    for (size_t i = 0; i < n; i++) {
        char t[32];
        if (v[i].sum.valid) {
            av_clock_text(v[i].sum.duration, v[i].sum.rate, t, sizeof t);
            char nm[256];
            fprintf(f, "%4zu  %-22s %8s  ", i + 1, esc_str(nm, sizeof nm, v[i].name), t);
            esc_fputs(f, v[i].sum.title);
            fputc('\n', f);
        } else {
            char nm[256];
            esc_str(nm, sizeof nm, v[i].name);
            fprintf(f, "%4zu  %-22s %8s  (has errors: run 'asanavox check %s')\n", i + 1, nm, "-",
                    nm);
        }
    }
    if (!tty) {
        cli_catalog_free(v, n);
        return EXIT_USAGE;
    }
    for (;;) {
        fprintf(f, "Play which? (%s-%zu or a name; Enter to cancel) ", rp ? "0" : "1", n);
        fflush(f);
        char line[256];
        if (!fgets(line, sizeof line, stdin) || term_signal()) {
            fputc('\n', f);
            cli_catalog_free(v, n);
            return term_signal() ? 128 + term_signal() : EXIT_OK;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s) {
            cli_catalog_free(v, n);
            return EXIT_OK;
        }
        size_t pick = SIZE_MAX;
        char *end;
        long k = strtol(s, &end, 10);
        if (rp && end != s && !*end && k == 0) {
            *name = strdup(rp->spec);
            *resumed = true;
            cli_catalog_free(v, n);
            return *name ? EXIT_OK : EXIT_RUNTIME;
        }
        if (end != s && !*end && k >= 1 && (size_t)k <= n)
            pick = (size_t)k - 1;
        for (size_t i = 0; i < n && pick == SIZE_MAX; i++)
            if (!strcmp(v[i].name, s))
                pick = i;
        if (pick == SIZE_MAX) {
            fprintf(f, "No session '%s'.\n", s);
            continue;
        }
        if (!v[pick].sum.valid) {
            fprintf(f, "'%s' has errors (see 'asanavox check %s').\n", v[pick].name, v[pick].name);
            continue;
        }
        /* The caller plays it in a fresh process (replay_picked()). */
        *name = v[pick].path;
        v[pick].path = NULL;
        *tl = NULL;
        cli_catalog_free(v, n);
        return EXIT_OK;
    }
}
