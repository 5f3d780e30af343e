/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_cli.c — the command-line option parser (cli_options.h) on real
 * argument vectors: "--opt value", "--opt=value", "-oVALUE", unambiguous
 * and ambiguous prefixes, "--", "-" as an operand, operands before
 * options, missing and bad values, --help and --version, and the shared
 * values landing in struct cli_common.  What the parser prints on standard
 * error is captured and checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_options.h"

enum { OPT_JSON = CLI_OWN, OPT_FROM };

/* A command with a short option taking a value, a long-only one with a
 * value and a flag, as render and play have. */
static const struct cli_option own[] = {
    {"output", 'o', "OUT", "where to write"},
    {"from", OPT_FROM, "STEP", "where to start"},
    {"json", OPT_JSON, NULL, "machine-readable"},
    {0},
};

static int usage_calls;
static void usage(FILE *f)
{
    (void)f;
    usage_calls++;
}

struct parse {
    int result;            /* CLI_END or the error/exit result */
    const char *output;    /* -o */
    const char *from;      /* --from */
    int json;              /* times --json was seen */
    char *operands[8];
    int n_operands;
    struct cli_common c;
    char err[1024];        /* what was printed on stderr */
    char *argv[16];
};

/* Parse the NULL-terminated `args` (argv[0] is added) as a command with
 * every shared group and the options above. */
static void parse(struct parse *r, const char *const *args)
{
    memset(r, 0, sizeof *r);
    int argc = 0;
    r->argv[argc++] = strdup("cmd");
    for (; *args; args++)
        r->argv[argc++] = strdup(*args);
    r->argv[argc] = NULL;

    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);

    cli_common_init(&r->c);
    struct cli_parser p;
    cli_parser_init(&p, "cmd", CLI_SESSION | CLI_RATE_OPT | CLI_AUDIO | CLI_VARIANT, own, usage,
                    argc, r->argv);
    const char *val;
    int key;
    while ((key = cli_next(&p, &r->c, &val)) >= 0) {
        if (key == 'o')
            r->output = val;
        else if (key == OPT_FROM)
            r->from = val;
        else if (key == OPT_JSON)
            r->json++;
        else
            fail_msg("unexpected key %d", key);
    }
    r->result = key;
    if (key == CLI_END)
        for (int i = p.optind; i < argc && r->n_operands < 8; i++)
            r->operands[r->n_operands++] = r->argv[i];

    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(r->err, 1, sizeof r->err - 1, tmp);
    r->err[n] = '\0';
    fclose(tmp);
}

static void done(struct parse *r)
{
    for (int i = 0; i < 16 && r->argv[i]; i++)
        free(r->argv[i]);
}

#define PARSE(r, ...)                                                                              \
    do {                                                                                           \
        static const char *const args_[] = {__VA_ARGS__, NULL};                                   \
        parse((r), args_);                                                                         \
    } while (0)

static void test_value_forms(void **state)
{
    (void)state;
    struct parse r;
    /* Every spelling of an option with a value gives the same value. */
    const char *const *forms[] = {
        (const char *const[]){"-o", "a.wav", "s", NULL},
        (const char *const[]){"-oa.wav", "s", NULL},
        (const char *const[]){"--output", "a.wav", "s", NULL},
        (const char *const[]){"--output=a.wav", "s", NULL},
        (const char *const[]){"--out=a.wav", "s", NULL},
        (const char *const[]){"--o", "a.wav", "s", NULL},
        (const char *const[]){"s", "--output", "a.wav", NULL},
    };
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        parse(&r, forms[k]);
        assert_int_equal(r.result, CLI_END);
        assert_non_null(r.output);
        assert_string_equal(r.output, "a.wav");
        assert_int_equal(r.n_operands, 1);
        assert_string_equal(r.operands[0], "s");
        assert_string_equal(r.err, "");
        done(&r);
    }
}

static void test_shared_values(void **state)
{
    (void)state;
    struct parse r;
    PARSE(&r, "--pace=4:2:6:2", "--voice", "en-gb", "--spe=200", "--prompts", "all", "--rate",
          "22050", "--mono", "--volume=-3.5", "upper-back-flow", "--json", "--from", "2:30");
    assert_int_equal(r.result, CLI_END);
    assert_true(r.c.co.has_pace);
    assert_true(r.c.co.pace[0] == 4.0 && r.c.co.pace[1] == 2.0 && r.c.co.pace[2] == 6.0 &&
                r.c.co.pace[3] == 2.0);
    assert_string_equal(r.c.co.voice, "en-gb");
    assert_int_equal(r.c.co.speed, 200);
    assert_int_equal(r.c.co.prompts, INT_MAX);
    assert_int_equal(r.c.co.rate, 22050);
    assert_true(r.c.rate_given);
    assert_true(r.c.mono);
    assert_true(r.c.volume_db == -3.5);
    assert_int_equal(r.json, 1);
    assert_string_equal(r.from, "2:30");
    assert_int_equal(r.n_operands, 1);
    assert_string_equal(r.operands[0], "upper-back-flow");
    done(&r);

    /* Nothing given: the defaults. */
    PARSE(&r, "s");
    assert_int_equal(r.result, CLI_END);
    assert_false(r.c.co.has_pace);
    assert_null(r.c.co.voice);
    assert_int_equal(r.c.co.rate, 48000);
    assert_false(r.c.rate_given);
    assert_false(r.c.mono);
    assert_true(r.c.volume_db == 0.0);
    done(&r);
}

static void test_variants(void **state)
{
    (void)state;
    struct parse r;
    PARSE(&r, "--length", "20m", "--skip", "Low cobra", "s", "--skip=cat cow", "--len=1:30:00");
    assert_int_equal(r.result, CLI_END);
    /* The last --length wins; every --skip is kept, in order. */
    assert_int_equal(r.c.co.length_ms, 90 * 60 * 1000);
    assert_int_equal(r.c.co.n_skip, 2);
    assert_string_equal(r.c.co.skip[0], "Low cobra");
    assert_string_equal(r.c.co.skip[1], "cat cow");
    assert_int_equal(r.n_operands, 1);
    done(&r);

    PARSE(&r, "s");
    assert_int_equal(r.c.co.length_ms, 0);
    assert_int_equal(r.c.co.n_skip, 0);
    assert_null(r.c.co.skip);
    done(&r);

    const char *bad[] = {"soon", "0s", "4 breaths", "-5m", ""};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        parse(&r, (const char *const[]){"--length", bad[k], "s", NULL});
        assert_int_equal(r.result, CLI_EXIT_USAGE);
        assert_non_null(strstr(r.err, "asanavox cmd: --length wants a time such as 20m"));
        done(&r);
    }
    PARSE(&r, "--skip=", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_non_null(strstr(r.err, "--skip wants the name"));
    done(&r);
    /* "--s" could be --speed or --skip. */
    PARSE(&r, "--s", "x", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_non_null(strstr(r.err, "ambiguous"));
    done(&r);
}

static void test_double_dash_and_stdin(void **state)
{
    (void)state;
    struct parse r;
    /* After "--" everything is an operand, even what looks like an option. */
    PARSE(&r, "--json", "--", "--mono", "-o", "-");
    assert_int_equal(r.result, CLI_END);
    assert_int_equal(r.json, 1);
    assert_false(r.c.mono);
    assert_null(r.output);
    assert_int_equal(r.n_operands, 3);
    assert_string_equal(r.operands[0], "--mono");
    assert_string_equal(r.operands[1], "-o");
    assert_string_equal(r.operands[2], "-");
    done(&r);

    /* "-" alone is an operand (standard input), and a value of -o. */
    PARSE(&r, "-", "-o", "-");
    assert_int_equal(r.result, CLI_END);
    assert_string_equal(r.output, "-");
    assert_int_equal(r.n_operands, 1);
    assert_string_equal(r.operands[0], "-");
    done(&r);

    /* A value that starts with '-' is still the option's value. */
    PARSE(&r, "--volume", "-12", "s");
    assert_int_equal(r.result, CLI_END);
    assert_true(r.c.volume_db == -12.0);
    done(&r);
}

static void test_errors(void **state)
{
    (void)state;
    struct parse r;
    PARSE(&r, "--bogus", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: unknown option '--bogus' (see 'asanavox cmd --help')\n");
    done(&r);

    PARSE(&r, "--bogus=3", "s");
    assert_string_equal(r.err, "asanavox cmd: unknown option '--bogus' (see 'asanavox cmd --help')\n");
    done(&r);

    PARSE(&r, "-x", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: unknown option '-x' (see 'asanavox cmd --help')\n");
    done(&r);

    /* "--vo" is --voice, --volume or --voice-volume: refused, naming all. */
    PARSE(&r, "--vo", "en-gb", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: option '--vo' is ambiguous; it could be --voice "
                               "--volume --voice-volume\n");
    done(&r);

    /* The sound options: values checked, an ambience is a plain name. */
    PARSE(&r, "--guide", "loud", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: --guide wants swell, tone or none\n");
    done(&r);
    PARSE(&r, "--ambience", "../etc/passwd", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    done(&r);
    PARSE(&r, "--bell-volume=30", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: --bell-volume must be -40 to 20 dB, not '30'\n");
    done(&r);

    PARSE(&r, "s", "--output");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: --output needs a value (OUT)\n");
    done(&r);

    PARSE(&r, "s", "-o");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: -o needs a value\n");
    done(&r);

    PARSE(&r, "--mono=yes", "s");
    assert_int_equal(r.result, CLI_EXIT_USAGE);
    assert_string_equal(r.err, "asanavox cmd: --mono takes no value ('--mono=yes')\n");
    done(&r);

    /* Bad values of the shared options, each with its own line. */
    static const struct {
        const char *args[3];
        const char *err;
    } bad[] = {
        {{"--rate", "7999"}, "asanavox cmd: --rate must be 8000 to 192000 Hz, not '7999'\n"},
        {{"--rate=48k"}, "asanavox cmd: --rate must be 8000 to 192000 Hz, not '48k'\n"},
        {{"--volume", "nan"}, "asanavox cmd: --volume must be -40 to 20 dB, not 'nan'\n"},
        {{"--volume=21"}, "asanavox cmd: --volume must be -40 to 20 dB, not '21'\n"},
        {{"--speed", "79"}, "asanavox cmd: --speed wants words per minute, 80 to 450\n"},
        {{"--prompts", "some"}, "asanavox cmd: --prompts wants a number, 'all' or 'none'\n"},
        {{"--pace", "4"},
         "asanavox cmd: --pace wants IN:OUT or IN:HOLD:OUT:HOLD in seconds, e.g. --pace 4:6\n"},
        {{"--voice="}, "asanavox cmd: --voice wants an espeak-ng voice name, e.g. en-us\n"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        parse(&r, bad[k].args);
        assert_int_equal(r.result, CLI_EXIT_USAGE);
        assert_string_equal(r.err, bad[k].err);
        done(&r);
    }
    assert_int_equal(cli_exit_status(CLI_EXIT_USAGE), 2);
}

static void test_help_and_version(void **state)
{
    (void)state;
    struct parse r;
    usage_calls = 0;
    PARSE(&r, "s", "--he");
    assert_int_equal(r.result, CLI_EXIT_OK);
    assert_int_equal(usage_calls, 1);
    done(&r);
    PARSE(&r, "-h");
    assert_int_equal(r.result, CLI_EXIT_OK);
    assert_int_equal(usage_calls, 2);
    done(&r);
    /* --help stops at once: later bad options are not reported. */
    PARSE(&r, "--help", "--bogus");
    assert_int_equal(r.result, CLI_EXIT_OK);
    assert_string_equal(r.err, "");
    done(&r);
    assert_int_equal(cli_exit_status(CLI_EXIT_OK), 0);
}

/* The parser starts afresh each time (getopt's state is global). */
static void test_restart(void **state)
{
    (void)state;
    struct parse r;
    PARSE(&r, "-oa", "x", "-oa");
    done(&r);
    PARSE(&r, "-ob", "y");
    assert_int_equal(r.result, CLI_END);
    assert_string_equal(r.output, "b");
    assert_int_equal(r.n_operands, 1);
    assert_string_equal(r.operands[0], "y");
    done(&r);
}

/* The help lists the options the parser takes, from the same tables. */
static void test_print_options(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_print_options(f, CLI_SESSION, own);
    fclose(f);
    assert_non_null(strstr(buf, "  -o, --output OUT "));
    assert_non_null(strstr(buf, "      --from STEP "));
    assert_non_null(strstr(buf, "      --pace IN[:HOLD]:OUT[:HOLD]\n"));
    assert_non_null(strstr(buf, "  -h, --help "));
    assert_null(strstr(buf, "--mono"));
    assert_null(strstr(buf, "--rate"));
    free(buf);
}

static void test_pace(void **state)
{
    (void)state;
    double p[4];
    assert_int_equal(cli_parse_pace("4:6", p), 0);
    assert_true(p[0] == 4 && p[1] == 0 && p[2] == 6 && p[3] == 0);
    assert_int_equal(cli_parse_pace("4.5 2 6s 1", p), 0);
    assert_true(p[0] == 4.5 && p[1] == 2 && p[2] == 6 && p[3] == 1);
    assert_int_not_equal(cli_parse_pace("4", p), 0);
    assert_int_not_equal(cli_parse_pace("0:6", p), 0);
    assert_int_not_equal(cli_parse_pace("4:61", p), 0);
    assert_int_not_equal(cli_parse_pace("4:6:x", p), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_forms),     cmocka_unit_test(test_shared_values),
        cmocka_unit_test(test_double_dash_and_stdin), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_help_and_version), cmocka_unit_test(test_restart),
        cmocka_unit_test(test_print_options),   cmocka_unit_test(test_pace),
        cmocka_unit_test(test_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
