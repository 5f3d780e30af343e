/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_duration.c — every duration and pace form of docs/FORMAT.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "asanavox/session.h"

static const unsigned ANY = (1u << DUR_TIME) | (1u << DUR_BREATHS) | (1u << DUR_REPS);

static struct duration ok(const char *s)
{
    struct duration d;
    char msg[128];
    size_t off;
    const char *err = duration_parse(s, strlen(s), ANY, &d, &off, msg, sizeof msg);
    if (err)
        fprintf(stderr, "'%s': %s at %zu\n", s, err, off);
    assert_null(err);
    return d;
}

static void times(void **state)
{
    (void)state;
    struct {
        const char *s;
        int64_t ms;
    } cases[] = {
        {"30s", 30000},       {"30 s", 30000},      {"45 seconds", 45000}, {"1 second", 1000},
        {"2 min", 120000},    {"2m", 120000},       {"2 minutes", 120000}, {"1 minute", 60000},
        {"1m30s", 90000},     {"1 min 30 s", 90000}, {"1:30", 90000},      {"0:05", 5000},
        {"15:00", 900000},    {"1:02:03", 3723000}, {"2.5s", 2500},        {"0.25 min", 15000},
        {"1h", 3600000},      {"1 hour 5 min", 3900000}, {"90 sec", 90000}, {"24h", 86400000},
        {"0s", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct duration d = ok(cases[i].s);
        assert_int_equal(d.unit, DUR_TIME);
        assert_int_equal(d.ms, cases[i].ms);
    }
}

static void counts(void **state)
{
    (void)state;
    struct duration d = ok("6 breaths");
    assert_int_equal(d.unit, DUR_BREATHS);
    assert_int_equal(d.count, 6);
    d = ok("1 breath");
    assert_int_equal(d.count, 1);
    d = ok("8 reps");
    assert_int_equal(d.unit, DUR_REPS);
    assert_int_equal(d.count, 8);
    d = ok("1 rep");
    assert_int_equal(d.count, 1);
}

static void errors(void **state)
{
    (void)state;
    struct {
        const char *s;
        unsigned allowed;
        size_t off;
        const char *msg;
    } cases[] = {
        {"", ANY, 0, "expected a duration"},
        {"30", ANY, 2, "missing unit"},
        {"30 x", ANY, 3, "unknown duration unit 'x'"},
        {"6 breth", ANY, 2, "did you mean 'breath"},
        {"6 breaths 2s", ANY, 10, "unexpected text"},
        {"1.5 breaths", ANY, 0, "whole numbers"},
        {"2s 1m", ANY, 3, "from hours to minutes"},
        {"1m 1m", ANY, 3, "from hours to minutes"},
        {"25 hours", ANY, 0, "at most 24 hours"},
        {"1441 min", ANY, 0, "at most 24 hours"},
        {"23:60:00", ANY, 3, "two digits"},
        {"1:5", ANY, 2, "two digits"},
        {"1:", ANY, 2, "expected a duration"},
        {"6 breaths", 1u << DUR_TIME, 0, "expected a time"},
        {"20000 reps", ANY, 0, "at most 10000"},
        {"0.0001s", ANY, 0, "at most three decimals"},
        {"999999999999999999 s", ANY, 0, "too large"},
        {"-5s", ANY, 0, "expected a duration"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct duration d;
        char msg[128];
        size_t off = 99;
        const char *err = duration_parse(cases[i].s, strlen(cases[i].s), cases[i].allowed, &d, &off,
                                         msg, sizeof msg);
        if (!err || !strstr(err, cases[i].msg) || off != cases[i].off)
            fprintf(stderr, "case '%s': got %s at %zu\n", cases[i].s, err ? err : "(ok)", off);
        assert_non_null(err);
        assert_non_null(strstr(err, cases[i].msg));
        assert_int_equal(off, cases[i].off);
    }
}

static void paces(void **state)
{
    (void)state;
    struct pace p;
    size_t off;
    assert_null(pace_parse("4 6", 3, &p, &off));
    assert_int_equal(p.ms[0], 4000);
    assert_int_equal(p.ms[1], 0);
    assert_int_equal(p.ms[2], 6000);
    assert_int_equal(p.ms[3], 0);
    assert_null(pace_parse("4:2:6:1", 7, &p, &off));
    assert_int_equal(p.ms[1], 2000);
    assert_int_equal(p.ms[3], 1000);
    assert_null(pace_parse("4.5s 6s", 7, &p, &off));
    assert_int_equal(p.ms[0], 4500);
    assert_non_null(pace_parse("4", 1, &p, &off));
    assert_non_null(pace_parse("4 6 1", 5, &p, &off));
    assert_non_null(pace_parse("0 6", 3, &p, &off));
    assert_non_null(pace_parse("4 0", 3, &p, &off));
    assert_non_null(pace_parse("-1 6", 4, &p, &off));
    assert_non_null(pace_parse("61 6", 4, &p, &off));
    assert_non_null(pace_parse("a b", 3, &p, &off));
    assert_non_null(pace_parse("", 0, &p, &off));
}

static void clocks(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(format_clock(0, buf, sizeof buf), "0:00");
    assert_string_equal(format_clock(90500, buf, sizeof buf), "1:30.5");
    assert_string_equal(format_clock(3723000, buf, sizeof buf), "1:02:03");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(times), cmocka_unit_test(counts), cmocka_unit_test(errors),
        cmocka_unit_test(paces), cmocka_unit_test(clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
