/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_history.c — `asanavox history`: recent practice, minutes this week
 * and this month, and the current run of days, from the practice log
 * (cli_state.h).
 *
 * Days, weeks and months are the local calendar's (weeks start on
 * Monday).  The run of days counts back from today, or from yesterday
 * when nothing was practised yet today (the run is not broken before the
 * day is over); any practice, completed or stopped, counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_state.h"
#include "commands.h"

enum { OPT_JSON = CLI_OWN, OPT_COUNT };

static const struct cli_option options[] = {
    {"json", OPT_JSON, NULL, "print JSON instead of text"},
    {"count", OPT_COUNT, "N", "how many recent sessions to show (default 10)"},
    {0},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: asanavox history [--json] [--count N]\n\n"
               "Show recent practice from the log that 'play' keeps in\n"
               "$XDG_STATE_HOME/asanavox/history (default ~/.local/state/asanavox/history):\n"
               "the last sessions, minutes this week and this month, and the current run of\n"
               "days.  'history: off' in the config file stops the log.\n\n");
    cli_print_options(f, 0, options);
}

/* Days since 1970-01-01 in local time. */
static long local_day(time_t t)
{
    struct tm tm;
    localtime_r(&t, &tm);
    /* days_from_civil (Howard Hinnant's algorithm): exact for the
     * proleptic Gregorian calendar, no time zone involved. */
    long y = tm.tm_year + 1900 - (tm.tm_mon < 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long m = tm.tm_mon + 1;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + tm.tm_mday - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

struct summary {
    double week, month, total;
    int streak;
    size_t sessions;
};

static void summarize(const struct history_entry *v, size_t n, time_t now, struct summary *s)
{
    memset(s, 0, sizeof *s);
    long today = local_day(now);
    struct tm tm;
    localtime_r(&now, &tm);
    long week_start = today - (tm.tm_wday + 6) % 7; /* Monday */
    long month_start = today - (tm.tm_mday - 1);
    long *days = malloc((n ? n : 1) * sizeof *days);
    for (size_t i = 0; i < n; i++) {
        long d = local_day(v[i].when);
        if (days)
            days[i] = d;
        s->total += v[i].minutes;
        if (d >= week_start && d <= today)
            s->week += v[i].minutes;
        if (d >= month_start && d <= today)
            s->month += v[i].minutes;
    }
    s->sessions = n;
    if (!days)
        return;
    qsort(days, n, sizeof *days, cmp_long);
    /* Walk back from today (or yesterday) through consecutive days. */
    long want = today;
    size_t i = n;
    while (i > 0 && days[i - 1] > today)
        i--; /* entries from the future (clock changes) do not count */
    if (i > 0 && days[i - 1] < today)
        want = today - 1;
    while (i > 0) {
        long d = days[i - 1];
        if (d == want) {
            s->streak++;
            want--;
            while (i > 0 && days[i - 1] == d)
                i--;
        } else {
            break;
        }
    }
    free(days);
}

static void print_text(const struct history_entry *v, size_t n, size_t count,
                       const struct summary *s)
{
    if (n == 0) {
        printf("No practice logged yet ('asanavox play' logs each session).\n");
        return;
    }
    size_t from = n > count ? n - count : 0;
    for (size_t i = n; i-- > from;) {
        struct tm tm;
        localtime_r(&v[i].when, &tm);
        char date[32];
        strftime(date, sizeof date, "%a %Y-%m-%d %H:%M", &tm);
        printf("%s  %-22s %5.1f min  %s\n", date, v[i].name, v[i].minutes, v[i].how);
    }
    printf("\nthis week:  %.0f min\nthis month: %.0f min\nrun:        %d day%s\n", s->week,
           s->month, s->streak, s->streak == 1 ? "" : "s");
}

static void print_json(const struct history_entry *v, size_t n, size_t count,
                       const struct summary *s)
{
    FILE *f = stdout;
    fprintf(f, "{\n  \"format\": 1,\n  \"week_minutes\": %.1f,\n  \"month_minutes\": %.1f,\n"
               "  \"total_minutes\": %.1f,\n  \"sessions\": %zu,\n  \"run_days\": %d,\n"
               "  \"recent\": [",
            s->week, s->month, s->total, s->sessions, s->streak);
    size_t from = n > count ? n - count : 0;
    for (size_t i = n; i-- > from;) {
        struct tm tm;
        time_t local = v[i].when + v[i].utc_offset;
        gmtime_r(&local, &tm);
        char date[40];
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
        int off = v[i].utc_offset / 60;
        fprintf(f, "%s\n    {\"date\": \"%s%c%02d:%02d\", \"session\": ", i + 1 == n ? "" : ",",
                date, off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
        json_string(f, v[i].name);
        fprintf(f, ", \"minutes\": %.1f, \"completed\": %s, \"end\": ", v[i].minutes,
                v[i].completed ? "true" : "false");
        json_string(f, v[i].how);
        fprintf(f, "}");
    }
    fprintf(f, "%s]\n}\n", n ? "\n  " : "");
}

int cmd_history(int argc, char **argv)
{
    bool json = false;
    long count = 10;
    struct cli_common c;
    cli_common_init(&c);
    struct cli_parser p;
    cli_parser_init(&p, "history", 0, options, usage, argc, argv);
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0) {
        if (key == OPT_JSON) {
            json = true;
        } else if (key == OPT_COUNT && !cli_parse_long(val, 1, 100000, &count)) {
            fprintf(stderr, "asanavox history: --count wants a number from 1 to 100000\n");
            return EXIT_USAGE;
        }
    }
    if (key != CLI_END)
        return cli_exit_status(key);
    if (p.optind < argc) {
        fprintf(stderr, "asanavox history: no operands ('%s')\n", argv[p.optind]);
        return EXIT_USAGE;
    }
    struct history_entry *v;
    size_t n;
    int err = history_read(&v, &n);
    if (err) {
        char *path = state_path("history");
        fprintf(stderr, "asanavox history: cannot read %s\n", path ? path : "the log");
        free(path);
        return EXIT_RUNTIME;
    }
    struct summary s;
    summarize(v, n, time(NULL), &s);
    if (json)
        print_json(v, n, (size_t)count, &s);
    else
        print_text(v, n, (size_t)count, &s);
    free(v);
    return EXIT_OK;
}
