/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_language.c — practice in other languages: the phrase catalogs,
 * `language:`, `phrases:` and the voice that follows the language, in the
 * memory env; and the UTF-8 helpers that keep names whole in messages and
 * tables.
 *
 * The expectations here are written by hand: the key list, the English
 * phrases to look for and each language's words for "left" and "Next:" are
 * not read from the catalogs they check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "fs_support.h"

#include "support.h"

#include "asanavox/paths.h"
#include "asanavox/phrases.h"
#include "asanavox/session.h"
#include "asanavox/strbuf.h"
#include "asanavox/transport.h"
#include "asanavox/utf8.h"

static size_t chars_in(const char *s, size_t n);

static const struct tl_event *event_text(const struct timeline *tl, const char *text)
{
    for (size_t i = 0; i < tl->n_events; i++)
        if (tl->events[i].text && !strcmp(tl->events[i].text, text))
            return &tl->events[i];
    return NULL;
}

/* Every key docs/FORMAT.md documents, in its order. */
static const char *const keys[] = {
    "inhale",  "exhale",  "hold",    "up",           "down",    "last_one", "last_round",
    "halfway", "rest",    "rest_name", "next",       "switch_sides", "left", "right",
    "left_side", "right_side", "opening", "count_1", "count_2", "count_3",  "count_4",
    "count_5", "count_6", "count_7", "count_8",      "count_9", "count_10",
};
enum { N_KEYS = sizeof(keys) / sizeof(keys[0]) };

/* Per language: the voice it picks, its "left" for {side}, its "left side"
 * after a pose name, and how its "Next: {pose}." begins. */
struct lang_expect {
    const char *lang, *voice, *left, *left_side, *next;
};
static const struct lang_expect langs[] = {
    {"en", "en-us", "left", "left side", "Next: "},
    {"de", "de", "links", "linke Seite", "Als Nächstes: "},
    {"es", "es", "izquierda", "lado izquierdo", "A continuación: "},
    {"fr", "fr", "gauche", "côté gauche", "Ensuite : "},
    {"it", "it", "sinistra", "lato sinistro", "A seguire: "},
    {"pt", "pt", "esquerda", "lado esquerdo", "A seguir: "},
    {"nl", "nl", "links", "linkerkant", "Hierna: "},
    {"pl", "pl", "lewo", "lewa strona", "Następnie: "},
    {"ru", "ru", "влево", "левая сторона", "Далее: "},
    {"hi", "hi", "बाईं", "बाईं ओर", "अगला आसन: "},
};
enum { N_LANGS = sizeof(langs) / sizeof(langs[0]) };

static void every_catalog_has_every_key(void **state)
{
    (void)state;
    assert_int_equal(PHRASE_N, N_KEYS);
    for (int k = 0; k < N_KEYS; k++) {
        assert_int_equal(phrase_key_find(keys[k], strlen(keys[k])), k);
        assert_string_equal(phrase_key_names[k], keys[k]);
    }
    assert_null(phrase_key_names[PHRASE_N]);
    assert_int_equal(phrase_key_find("nxet", 4), -1);
    assert_int_equal(phrase_key_find("next", 3), -1); /* "nex" */

    assert_int_equal(phrase_catalog_count(), N_LANGS);
    assert_null(phrase_catalog_at(N_LANGS));
    for (size_t i = 0; i < N_LANGS; i++) {
        const struct phrase_catalog *cat = phrase_catalog_find(langs[i].lang);
        assert_non_null(cat);
        assert_ptr_equal(cat, phrase_catalog_at(i));
        assert_string_equal(cat->voice, langs[i].voice);
        /* The language list in messages names every catalog. */
        assert_non_null(strstr(phrase_languages(), langs[i].lang));
        for (int k = 0; k < N_KEYS; k++) {
            const char *t = cat->text[k];
            assert_non_null(t);
            assert_true(t[0] != '\0');
            assert_int_equal(utf8_validate(t, strlen(t)), strlen(t));
        }
        /* The templates keep their placeholders. */
        assert_non_null(strstr(cat->text[PHRASE_NEXT], "{pose}"));
        assert_non_null(strstr(cat->text[PHRASE_OPENING], "{title}"));
        assert_non_null(strstr(cat->text[PHRASE_OPENING], "{safety}"));
        assert_string_equal(cat->text[PHRASE_LEFT], langs[i].left);
        assert_string_equal(cat->text[PHRASE_LEFT_SIDE], langs[i].left_side);
    }
    assert_null(phrase_catalog_find("xx"));
    assert_ptr_equal(phrase_catalog_find("DE"), phrase_catalog_find("de"));
}

static void catalog_follows_the_voice(void **state)
{
    (void)state;
    assert_string_equal(phrase_catalog_for_voice("en-us")->lang, "en");
    assert_string_equal(phrase_catalog_for_voice("en-gb")->lang, "en");
    assert_string_equal(phrase_catalog_for_voice("pt-br")->lang, "pt");
    assert_string_equal(phrase_catalog_for_voice("es-419")->lang, "es");
    assert_string_equal(phrase_catalog_for_voice("de+f3")->lang, "de");
    assert_string_equal(phrase_catalog_for_voice("en-us+klatt4")->lang, "en");
    assert_string_equal(phrase_catalog_for_voice("flite:slt")->lang, "en");
    assert_null(phrase_catalog_for_voice("sv"));
    assert_null(phrase_catalog_for_voice("mb-de1"));
}

static void expand_templates(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb);
    const char *vars[] = {"pose", "Child's pose.", "title", "Evening", NULL};
    phrase_expand(&sb, "Next: {pose}. {title}. {unknown} {", vars);
    assert_false(strbuf_failed(&sb));
    assert_string_equal(strbuf_str(&sb), "Next: Child's pose. Evening. {unknown} {");
    strbuf_clear(&sb);
    const char *hi[] = {"pose", "ताड़ासन।", NULL};
    phrase_expand(&sb, "अगला आसन: {pose}।", hi);
    assert_string_equal(strbuf_str(&sb), "अगला आसन: ताड़ासन।");
    strbuf_deinit(&sb);
    assert_true(phrase_ends_sentence("Вдох.", strlen("Вдох.")));
    assert_true(phrase_ends_sentence("आराम करें।", strlen("आराम करें।")));
    assert_true(phrase_ends_sentence("Wait… ", strlen("Wait… ")));
    assert_false(phrase_ends_sentence("links", 5));
}

/* Every spoken text and step name of a timeline, one per line. */
static char *all_text(const struct timeline *tl)
{
    struct strbuf sb;
    strbuf_init(&sb);
    for (size_t i = 0; i < tl->n_steps; i++) {
        strbuf_printf(&sb, "%s\n", tl->steps[i].name);
        if (tl->steps[i].side_word)
            strbuf_printf(&sb, "%s\n", tl->steps[i].side_word);
    }
    for (size_t i = 0; i < tl->n_events; i++)
        if (tl->events[i].text)
            strbuf_printf(&sb, "%s\n", tl->events[i].text);
    assert_false(strbuf_failed(&sb));
    char *s = strdup(strbuf_str(&sb));
    strbuf_deinit(&sb);
    return s;
}

/* The session every language compiles: the names are the teacher's
 * (Sanskrit, the same in every language) and the cue is only {side}.  The
 * memory env measures speech by bytes, so Devanagari prompts "take" three
 * times as long as they would: the pace leaves room for that. */
static const char session_fmt[] = "title: Surya\n"
                                  "language: %s\n"
                                  "safety: Om\n"
                                  "pace: 5 3 6 3\n"
                                  "pose Tadasana, 2 breaths, each side\n"
                                  "  {side}\n"
                                  "rest 40s\n"
                                  "pose Bhujangasana, 3 reps\n"
                                  "rest 20s\n"
                                  "  Om.\n"
                                  "pose Balasana, 1 breath\n"
                                  "flow Surya, 2 rounds\n"
                                  "  inhale: Om.\n"
                                  "  exhale: Om.\n"
                                  "pose Virabhadrasana, 10s\n"
                                  "  countdown: 2\n";

/* English built-in words, lower case, searched for in the plan after the
 * teacher's words are blanked out. */
static const char *const english[] = {"breathe", "hold",  "up.",  "down.", "last one",
                                      "rest",    "next",  "switch", "side", "left",
                                      "right",   "last round", "two.", "one."};

static int english_hits(char *text, bool report)
{
    static const char *const teacher[] = {"Tadasana", "Bhujangasana", "Balasana",
                                          "Virabhadrasana", "Surya", "Om"};
    for (size_t k = 0; k < sizeof(teacher) / sizeof(teacher[0]); k++)
        for (char *p; (p = strstr(text, teacher[k]));)
            memset(p, '_', strlen(teacher[k]));
    for (char *p = text; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    int hits = 0;
    for (size_t k = 0; k < sizeof(english) / sizeof(english[0]); k++)
        if (strstr(text, english[k])) {
            if (report)
                print_message("  English '%s' in the plan\n", english[k]);
            hits++;
        }
    return hits;
}

static void session_in_every_language(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_LANGS; i++) {
        char src[768];
        snprintf(src, sizeof src, session_fmt, langs[i].lang);
        struct compiled c = compile_str(src);
        if (c.err || diag_count(c.d))
            dump_diag(c.d);
        assert_int_equal(c.err, AV_OK);
        assert_int_equal(diag_count(c.d), 0);
        const struct timeline *tl = c.tl;
        /* The voice follows the language. */
        assert_string_equal(tl->voice, langs[i].voice);

        /* {side} and the pose's side come out in the language. */
        char want[256];
        snprintf(want, sizeof want, "Tadasana, %s. %s.", langs[i].left_side, langs[i].left);
        assert_string_equal(tl->events[1].text, want);
        assert_string_equal(tl->steps[1].side_word, langs[i].left);
        /* "Next:" in the language, during the first rest. */
        snprintf(want, sizeof want, "%sBhujangasana", langs[i].next);
        bool next_found = false;
        for (size_t e = 0; e < tl->n_events; e++)
            if (tl->events[e].text && !strncmp(tl->events[e].text, want, strlen(want)))
                next_found = true;
        assert_true(next_found);

        char *text = all_text(tl);
        bool en = !strcmp(langs[i].lang, "en");
        int hits = english_hits(text, !en);
        free(text);
        if (en)
            assert_int_equal(hits, 14); /* the search does find English */
        else if (hits)
            fail_msg("English built-in words in the '%s' plan", langs[i].lang);
        compiled_free(&c);
    }
}

static void voice_and_language(void **state)
{
    (void)state;
    /* The catalog follows the voice when no language is given. */
    struct compiled c = compile_str("voice: fr\npose A, 1 breath\n");
    assert_clean(c);
    assert_string_equal(c.tl->events[1].text, "Inspirez.");
    compiled_free(&c);
    /* A voice given with a language wins over the language's own. */
    c = compile_str("language: es\nvoice: es-419\npose A, 1 breath\n");
    assert_clean(c);
    assert_string_equal(c.tl->voice, "es-419");
    assert_string_equal(c.tl->events[1].text, "Inhala.");
    compiled_free(&c);
    /* --language wins over the header. */
    struct compile_options o;
    compile_options_init(&o);
    o.language = "pl";
    const char *none[] = {NULL};
    c = compile_files("language: es\npose A, 1 breath\n", none, &o);
    assert_clean(c);
    assert_string_equal(c.tl->voice, "pl");
    assert_string_equal(c.tl->events[1].text, "Wdech.");
    compiled_free(&c);
    /* The first inhale of 'up on exhale' reps prepares, in the language. */
    c = compile_str("language: de\npose A, 2 reps, up on exhale\n");
    assert_clean(c);
    assert_string_equal(c.tl->events[1].text, "Einatmen.");
    assert_string_equal(c.tl->events[2].text, "Nach oben.");
    compiled_free(&c);
    /* A voice in a language without a catalog: English, with a warning. */
    c = compile_str("voice: sv\npose A, 1 breath\n");
    assert_int_equal(c.err, AV_OK);
    assert_true(find_diag(c.d, DIAG_WARNING, "no built-in phrases in the language of voice 'sv'") >= 0);
    assert_string_equal(c.tl->events[1].text, "Breathe in.");
    compiled_free(&c);
    /* An unknown language lists the ones there are. */
    c = compile_str("language: xx\npose A, 1 breath\n");
    assert_int_equal(c.err, AV_ESYNTAX);
    assert_error_at(c.d, 1, 11, "no built-in phrases for language 'xx'; the languages are en, de");
    compiled_free(&c);
}

static void phrases_block(void **state)
{
    (void)state;
    struct compiled c = compile_str("language: de\n"
                                    "phrases:\n"
                                    "  inhale: Atme tief ein.   # a comment\n"
                                    "  next: Gleich folgt: {pose}\n"
                                    "  exhale: Atme nach {side} aus.\n"
                                    "  rest_name: Ruhe\n"
                                    "pose A, 1 breath, left\n"
                                    "rest 30s\n"
                                    "pose B, 1 breath, right\n");
    assert_clean(c);
    const struct timeline *tl = c.tl;
    assert_string_equal(tl->events[1].text, "Atme tief ein.");
    assert_string_equal(tl->events[2].text, "Atme nach links aus.");
    assert_string_equal(tl->steps[1].name, "Ruhe");
    assert_non_null(event_text(tl, "Gleich folgt: B, rechte Seite."));
    /* Catalog entries not overridden stay German. */
    assert_non_null(event_text(tl, "Entspann dich."));
    compiled_free(&c);

    /* A 'next' without {pose} would hide the name: a warning. */
    c = compile_str("phrases:\n  next: Gleich geht es weiter.\nrest 30s\npose A, 1 breath\n");
    assert_int_equal(c.err, AV_OK);
    assert_true(find_diag(c.d, DIAG_WARNING, "this 'next' phrase has no {pose}") >= 0);
    assert_non_null(event_text(c.tl, "Gleich geht es weiter."));
    compiled_free(&c);

    /* {side} in an override on a pose without sides warns at the pose. */
    c = compile_str("phrases:\n  inhale: In to the {side}.\npose A, 1 breath\n");
    assert_int_equal(c.err, AV_OK);
    assert_true(find_diag(c.d, DIAG_WARNING, "'{side}' is only filled in") >= 0);
    compiled_free(&c);

    struct {
        const char *src;
        int line, col;
        const char *msg;
    } bad[] = {
        {"phrases:\n  nxet: Now {pose}.\n", 2, 3, "unknown phrase 'nxet' (did you mean 'next'?)"},
        {"phrases:\n  bogus: x\n", 2, 3, "unknown phrase 'bogus' ('asanavox phrases' lists"},
        {"phrases:\n  inhale:\n", 2, 10, "phrase 'inhale' needs its words"},
        {"phrases:\n  inhale: a\n  inhale: b\n", 3, 3, "phrase 'inhale' is given twice (first on line 2)"},
        {"phrases:\n  Breathe in slowly.\n", 2, 3, "a line under 'phrases:' is 'key: text'"},
        {"phrases: inhale: x\n", 1, 10, "'phrases:' takes its entries on the lines below it"},
        {"pose A, 1 breath\nphrases:\n", 2, 1, "must come before the first step"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = compile_str(bad[i].src);
        assert_int_equal(c.err, AV_ESYNTAX);
        assert_error_at(c.d, bad[i].line, bad[i].col, bad[i].msg);
        compiled_free(&c);
    }
    /* The block ends at the first line that is not indented under it. */
    c = compile_str("phrases:\n  rest: Ruhe.\ntitle: X\nrest 5s\n");
    assert_clean(c);
    assert_string_equal(c.tl->title, "X");
    assert_string_equal(c.tl->events[0].text, "Ruhe.");
    compiled_free(&c);
}

static void utf8_cuts_between_characters(void **state)
{
    (void)state;
    assert_int_equal(utf8_width("Rücken"), 6);
    assert_int_equal(utf8_width("बाईं ओर"), 7);
    assert_int_equal(utf8_prefix("Rücken", 2), 3); /* "Rü" */
    assert_int_equal(utf8_prefix("Rücken", 99), strlen("Rücken"));
    assert_int_equal(utf8_prefix("Вдох", 1), 2);
    assert_int_equal(utf8_prefix("", 3), 0);
    /* At most n bytes, ending between characters. */
    assert_int_equal(utf8_cut("Rücken", 2), 1);  /* not half of the ü */
    assert_int_equal(utf8_cut("Rücken", 3), 3);
    assert_int_equal(utf8_cut("Вдох", 99), strlen("Вдох"));
    assert_int_equal(utf8_cut("Вдох", 5), 4);
    assert_int_equal(utf8_cut("", 5), 0);

    /* play's status line: a long Cyrillic name is cut between characters,
     * to the width in characters. */
    char name[400] = "a"; /* then 2-byte characters, so a byte limit falls inside one */
    for (int k = 0; k < 100; k++)
        strcat(name, "ж"); /* 201 bytes: more than the line's buffer */
    struct transport_status st = {.step = 2, .steps = 23, .name = name, .side = "влево",
                                  .kind = "pose", .frame = 48000 * 151, .total = 48000 * 705};
    char line[512];
    for (int width = 0; width <= 120; width += 20) {
        transport_format(&st, 48000, width, line, sizeof line);
        assert_int_equal(utf8_validate(line, strlen(line)), strlen(line));
        if (width > 0)
            assert_true(chars_in(line, strlen(line)) <= (size_t)width);
    }
    transport_format(&st, 48000, 40, line, sizeof line);
    /* 5 + 18 + 3 + 14 = 40 characters. */
    assert_string_equal(line, "3/23 aжжжжжжжжжжжжжжжжж...  2:31 / 11:45");

    /* A unit in another script is quoted whole. */
    struct duration d;
    size_t off;
    char msg[160];
    const char *err = duration_parse("4 Atemzüge", strlen("4 Atemzüge"), 1u << DUR_BREATHS, &d,
                                     &off, msg, sizeof msg);
    assert_non_null(err);
    assert_string_equal(err, "unknown duration unit 'Atemzüge'");
    assert_int_equal(off, 2);
    /* A very long one is cut after 24 characters, between two of them. */
    char longw[200] = "4 ";
    for (int k = 0; k < 40; k++)
        strcat(longw, "ж");
    err = duration_parse(longw, strlen(longw), 1u << DUR_BREATHS, &d, &off, msg, sizeof msg);
    assert_non_null(err);
    assert_int_equal(utf8_validate(err, strlen(err)), strlen(err));
    assert_non_null(strstr(err, "жжжжжжжжжжжжжжжжжжжжжжжж...'"));
    assert_null(strstr(err, "жжжжжжжжжжжжжжжжжжжжжжжжж"));
}

/* Run `asanavox ARGS...` in a child process (espeak-ng starts once per
 * process) with its standard output in a file; returns that output. */
static char *run_cli(char *const argv[])
{
    char path[] = "/tmp/asanavox-language-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd, 1);
        int argc = 0;
        while (argv[argc])
            argc++;
        int rc = cmd_plan(argc, (char **)argv);
        fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    size_t len = 0;
    char *out = (char *)slurp(path, &len);
    unlink(path);
    assert_non_null(out);
    out[len] = '\0';
    return out;
}

/* Code points of `s` up to `n` bytes; counted here by hand, not with the
 * utf8 helpers the table uses. */
static size_t chars_in(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            k++;
    return k;
}

/* The byte offset of code point `k` in `s`, or strlen(s) when shorter. */
static size_t byte_of_char(const char *s, size_t k)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && k-- == 0)
            return i;
    return i;
}

/* plan's table of a Russian session: the cue column starts at character 42
 * on every row, whatever the bytes, and long names are cut between
 * characters. */
static void plan_table_aligns_cyrillic(void **state)
{
    (void)state;
    char *argv[] = {"plan", "tests/data/language-ru.yoga", NULL};
    char *out = run_cli(argv);
    assert_int_equal(utf8_validate(out, strlen(out)), strlen(out));
    static const char *const titles[] = {
        "  1 pose    Кошка-корова", "  2 pose    Кобра, влево", "  3 pose    Кобра, вправо",
        "  4 rest    Отдых",        "  5 pose    Поза ребёнка с ...",
    };
    size_t rows = 0, named = 0;
    bool in_table = false;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (!in_table) {
            in_table = strstr(line, "time  step") != NULL;
            continue;
        }
        size_t len = strlen(line);
        if (chars_in(line, len) > 42 && !strstr(line, "end")) {
            size_t c41 = byte_of_char(line, 41), c42 = byte_of_char(line, 42);
            assert_int_equal(line[c41], ' ');
            assert_true(line[c42] != ' ');
            rows++;
            /* The step column: characters 11 to 40. */
            size_t b = byte_of_char(line, 11);
            char cell[256];
            snprintf(cell, sizeof cell, "%.*s", (int)(c41 - b), line + b);
            for (size_t n = strlen(cell); n > 0 && cell[n - 1] == ' ';)
                cell[--n] = '\0';
            if (cell[0]) {
                assert_true(named < 5);
                assert_string_equal(cell, titles[named]);
                named++;
            }
        }
    }
    assert_int_equal(named, 5);
    assert_true(rows >= 25);
    free(out);
}

/* The translated library sessions: named NAME.ll, they do not make a
 * prefix of NAME ambiguous, and each can be named by its own prefix. */
static void translations_by_name(void **state)
{
    (void)state;
    char *p = NULL;
    assert_int_equal(paths_find_session("upper-back-f", &p), AV_OK);
    assert_non_null(strstr(p, "sessions/upper-back-flow.yoga"));
    free(p);
    assert_int_equal(paths_find_session("upper-back-flow.d", &p), AV_OK);
    assert_non_null(strstr(p, "sessions/upper-back-flow.de.yoga"));
    free(p);
    assert_int_equal(paths_find_session("morning-5.fr", &p), AV_OK);
    assert_non_null(strstr(p, "sessions/morning-5.fr.yoga"));
    free(p);
    /* Two translations and no base among the matches: ambiguous. */
    assert_int_equal(paths_find_session("desk-relief.", &p), AV_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_catalog_has_every_key),
        cmocka_unit_test(catalog_follows_the_voice),
        cmocka_unit_test(expand_templates),
        cmocka_unit_test(session_in_every_language),
        cmocka_unit_test(voice_and_language),
        cmocka_unit_test(phrases_block),
        cmocka_unit_test(utf8_cuts_between_characters),
        cmocka_unit_test(plan_table_aligns_cyrillic),
        cmocka_unit_test(translations_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
