/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_plan.c — `asanavox plan NAME [--json | --chapters]`: print the
 * compiled timeline (or the chapters a render would have).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asanavox/compile.h"
#include "asanavox/escape.h"
#include "asanavox/session.h"
#include "asanavox/strbuf.h"
#include "asanavox/tags.h"
#include "asanavox/timeline.h"
#include "asanavox/utf8.h"
#include "cli.h"
#include "cli_config.h"
#include "cli_json.h"
#include "commands.h"

enum { GROUPS = CLI_SESSION | CLI_RATE_OPT | CLI_VARIANT, OPT_JSON = CLI_OWN, OPT_CHAPTERS };

static const struct cli_option options[] = {
    {"json", OPT_JSON, NULL, "machine-readable output (see asanavox(1))"},
    {"chapters", OPT_CHAPTERS, NULL,
     "the tags and chapters 'render' writes, as an FFmpeg metadata file"},
    {0},
};

static void help(FILE *f)
{
    fprintf(f, "usage: asanavox plan [OPTIONS] NAME\n\n"
               "Print the compiled timeline of a session: every spoken cue, bell and\n"
               "breath prompt at its exact time.  NAME is a session name or a file;\n"
               "'-' reads the session from standard input.  Positions are counted at\n"
               "the --rate (48000 Hz by default).\n\n");
    cli_print_options(f, GROUPS, options);
}

static void clock_of(int64_t frames, int rate, char *buf, size_t size)
{
    format_clock(frames * 1000 / rate, buf, size);
}

void cli_plan_print_json(const struct timeline *tl)
{
    FILE *f = stdout;
    int r = tl->rate;
    /* "format" versions this layout (asanavox(1), JSON OUTPUT): it goes up
     * when a key changes meaning or goes away, not when one is added. */
    fprintf(f, "{\n  \"format\": 1,\n  \"title\": ");
    json_string(f, tl->title);
    fprintf(f, ",\n  \"about\": ");
    json_string(f, tl->about);
    fprintf(f, ",\n  \"voice\": ");
    json_string(f, tl->voice);
    static const char *const guides[] = {"swell", "tone", "none"};
    fprintf(f, ",\n  \"speed\": %d,\n  \"guide\": \"%s\",\n  \"ambience\": ", tl->speed,
            guides[tl->guide]);
    if (tl->ambience_name)
        json_string(f, tl->ambience_name);
    else
        fprintf(f, "null");
    fprintf(f, ",\n  \"sample_rate\": %d,\n  \"duration\": ", r);
    json_seconds(f, tl->duration, r);
    fprintf(f, ",\n  \"duration_frames\": %lld", (long long)tl->duration);
    if (tl->length_asked > 0) {
        fprintf(f, ",\n  \"length_asked\": ");
        json_seconds(f, tl->length_asked, r);
    }
    fprintf(f, ",\n  \"steps\": [");
    for (size_t i = 0; i < tl->n_steps; i++) {
        const struct tl_step *s = &tl->steps[i];
        fprintf(f, "%s\n    {\"index\": %zu, \"kind\": \"%s\", \"name\": ", i ? "," : "", i,
                tl_step_kind_name(s->kind));
        json_string(f, s->name);
        fprintf(f, ", \"side\": ");
        if (tl_side_name(s->side))
            fprintf(f, "\"%s\"", tl_side_name(s->side));
        else
            fprintf(f, "null");
        fprintf(f, ", \"start\": ");
        json_seconds(f, s->start, r);
        fprintf(f, ", \"hold_start\": ");
        json_seconds(f, s->hold_start, r);
        fprintf(f, ", \"hold_end\": ");
        json_seconds(f, s->hold_end, r);
        fprintf(f, ", \"end\": ");
        json_seconds(f, s->end, r);
        if (s->kind == TL_STEP_POSE || s->kind == TL_STEP_BREATHE)
            fprintf(f, ", \"%s\": %d", s->reps ? "reps" : "breaths", s->breaths);
        if (s->kind == TL_STEP_FLOW)
            fprintf(f, ", \"rounds\": %d", s->rounds);
        fprintf(f, ", \"file\": ");
        json_string(f, s->path);
        fprintf(f, ", \"line\": %d}", s->line);
    }
    fprintf(f, "\n  ],\n  \"events\": [");
    for (size_t i = 0; i < tl->n_events; i++) {
        const struct tl_event *e = &tl->events[i];
        fprintf(f, "%s\n    {\"kind\": \"%s\", \"start\": ", i ? "," : "", tl_event_kind_name(e->kind));
        json_seconds(f, e->start, r);
        fprintf(f, ", \"end\": ");
        json_seconds(f, e->end, r);
        fprintf(f, ", \"start_frame\": %lld, \"end_frame\": %lld, \"step\": %d", (long long)e->start,
                (long long)e->end, e->step);
        if (e->kind == TL_BREATH)
            fprintf(f, ", \"phase\": \"%s\", \"breath\": %d, \"breaths\": %d", tl_phase_name(e->phase),
                    e->breath, e->breaths);
        if (e->round > 0)
            fprintf(f, ", \"round\": %d, \"rounds\": %d", e->round, e->rounds);
        if (e->movement)
            fprintf(f, ", \"movement\": true");
        if (e->kind == TL_BREATH && e->ramp) {
            fprintf(f, ", \"pace\": [");
            for (int k = 0; k < 4; k++) {
                if (k)
                    fprintf(f, ", ");
                json_seconds(f, e->pace[k], r);
            }
            fprintf(f, "]");
        }
        if (e->text) {
            fprintf(f, ", \"text\": ");
            json_string(f, e->text);
        }
        if (e->sound_name) {
            fprintf(f, ", \"sound\": ");
            json_string(f, e->sound_name);
        }
        if (e->kind == TL_BREATH) {
            fprintf(f, ", \"prompt_end\": ");
            json_seconds(f, e->clip_end, r);
        }
        if (e->moved) {
            fprintf(f, ", \"after_bell\": ");
            json_seconds(f, e->moved, r);
        }
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
}

static void print_cue(FILE *f, const struct timeline *tl, const struct tl_event *e)
{
    switch (e->kind) {
    case TL_SPEECH:
        fputc('"', f);
        esc_fputs(f, e->text);
        fputc('"', f);
        if (e->moved)
            fprintf(f, "  (%.1f s later: after the bell)", (double)e->moved / tl->rate);
        break;
    case TL_BELL:
        fputc('(', f);
        esc_fputs(f, e->sound_name ? e->sound_name : "bell");
        fputc(')', f);
        break;
    case TL_BREATH:
        fprintf(f, "%-6s %d/%d", tl_phase_name(e->phase), e->breath, e->breaths);
        if (e->text) {
            fputs("  \"", f);
            esc_fputs(f, e->text);
            fputc('"', f);
        } else if (e->sound_name) {
            fputs("  (", f);
            esc_fputs(f, e->sound_name);
            fprintf(f, " %s)", tl->guide == TL_GUIDE_TONE ? "tone" : "swell");
        }
        break;
    }
    fputc('\n', f);
}

/* `text` in a column `width` characters wide: cut with "..." when longer
 * (never inside a character), padded with spaces when shorter. */
static void put_column(FILE *f, const char *text, size_t width)
{
    size_t w = utf8_width(text);
    if (w > width) {
        fprintf(f, "%.*s...", (int)utf8_prefix(text, width - 3), text);
        return;
    }
    fprintf(f, "%s%*s", text, (int)(width - w), "");
}

void cli_plan_print_table(const struct timeline *tl)
{
    FILE *f = stdout;
    char buf[32];
    clock_of(tl->duration, tl->rate, buf, sizeof buf);
    esc_fputs(f, tl->title);
    fprintf(f, " — %s, %zu steps (voice ", buf, tl->n_steps);
    esc_fputs(f, tl->voice);
    fprintf(f, " at %d wpm, %d Hz)\n", tl->speed, tl->rate);
    if (tl->length_asked > 0) {
        char asked[32];
        clock_of(tl->length_asked, tl->rate, asked, sizeof asked);
        fprintf(f, "(--length %s: the holds are scaled as far as whole breaths, whole seconds and "
                   "the session's fixed parts allow)\n",
                asked);
    }
    if (tl->about[0]) {
        esc_fputs(f, tl->about);
        fputc('\n', f);
    }
    fprintf(f, "\n%9s  %-30s %s\n", "time", "step", "cue");
    size_t ev = 0;
    for (size_t i = 0; i < tl->n_steps; i++) {
        const struct tl_step *s = &tl->steps[i];
        /* The name escaped (control characters shown, never sent), the side
         * in the session's language; long names are cut for the table by
         * characters, --json has them whole. */
        const char *side = s->side_word ? s->side_word : tl_side_name(s->side);
        char name[256], side_text[128];
        struct strbuf tb;
        strbuf_init(&tb);
        strbuf_printf(&tb, "%3zu %-7s %s%s%s", i + 1, tl_step_kind_name(s->kind),
                      esc_str(name, sizeof name, s->name), side ? ", " : "",
                      side ? esc_str(side_text, sizeof side_text, side) : "");
        const char *title = strbuf_failed(&tb) ? "" : strbuf_str(&tb);
        bool first = true;
        while (ev < tl->n_events && tl->events[ev].step == (int32_t)i) {
            const struct tl_event *e = &tl->events[ev++];
            clock_of(e->start, tl->rate, buf, sizeof buf);
            fprintf(f, "%9s  ", buf);
            put_column(f, first ? title : "", 30);
            fputc(' ', f);
            print_cue(f, tl, e);
            first = false;
        }
        if (first) {
            clock_of(s->start, tl->rate, buf, sizeof buf);
            char len[32];
            clock_of(s->end - s->start, tl->rate, len, sizeof len);
            fprintf(f, "%9s  ", buf);
            put_column(f, title, 30);
            fprintf(f, " (%s)\n", len);
        }
        strbuf_deinit(&tb);
    }
    clock_of(tl->duration, tl->rate, buf, sizeof buf);
    fprintf(f, "%9s  %-30s end\n", buf, "");
}

static int plan_main(struct cli_parser *pp, struct cli_common *cc, bool json, bool chapters);

int cmd_plan(int argc, char **argv)
{
    struct cli_common c;
    cli_common_init(&c);
    bool json = false, chapters = false;
    /* The config file's options first (cli_config.h), so plan shows what
     * play and render make; its strings live until the end. */
    struct cli_config cfg;
    int cst = cli_config_load(&cfg, "plan");
    struct cli_parser p;
    cli_parser_init(&p, "plan", GROUPS, options, help, argc, argv);
    if (!cst)
        cst = cli_config_apply(&cfg, &p);
    int status = cst ? cst : plan_main(&p, &c, json, chapters);
    cli_config_deinit(&cfg);
    return status;
}

static int plan_main(struct cli_parser *pp, struct cli_common *cc, bool json, bool chapters)
{
    struct cli_parser p = *pp;
    struct cli_common c = *cc;
    const char *val;
    int key;
    while ((key = cli_next(&p, &c, &val)) >= 0) {
        if (key == OPT_JSON)
            json = true;
        else if (key == OPT_CHAPTERS)
            chapters = true;
    }
    if (key != CLI_END)
        return cli_exit_status(key);
    if (json && chapters) {
        fprintf(stderr, "asanavox plan: --json or --chapters, not both\n");
        return EXIT_USAGE;
    }
    const int argc = p.argc;
    char **const argv = p.argv;
    if (p.optind == argc) {
        help(stderr);
        return EXIT_USAGE;
    }
    if (argc - p.optind > 1) {
        fprintf(stderr, "asanavox plan: one session at a time ('%s' and '%s')\n", argv[p.optind],
                argv[p.optind + 1]);
        return EXIT_USAGE;
    }
    const char *name = argv[p.optind];
    struct timeline *tl = NULL;
    int status = cli_compile("plan", name, &c.co, NULL, &tl);
    if (status)
        return status;
    if (chapters) {
        struct tags *t;
        if (cli_tags(name, tl, &t)) {
            timeline_destroy(tl);
            fprintf(stderr, "asanavox plan: out of memory\n");
            return EXIT_RUNTIME;
        }
        tags_print_ffmetadata(t, stdout);
        tags_destroy(t);
    } else if (json) {
        cli_plan_print_json(tl);
    } else {
        cli_plan_print_table(tl);
    }
    timeline_destroy(tl);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "asanavox plan: cannot write the plan to standard output\n");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
