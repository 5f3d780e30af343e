/*
 * test_paths.c — finding sessions and sounds: search order, shadowing,
 * and refusing names that would leave the allowed directories.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "asanavox/error.h"
#include "asanavox/paths.h"

static char root[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/asanavox-paths-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    if (chdir(root))
        return -1;
    mkdir("sessions", 0755);
    mkdir("extra", 0755);
    mkdir("xdg", 0755);
    mkdir("xdg/asanavox", 0755);
    mkdir("xdg/asanavox/sessions", 0755);
    mkdir("sounds", 0755);
    mkdir("here", 0755);
    write_file("sessions/flow.yoga", "say local\n");
    write_file("extra/flow.yoga", "say extra\n");
    write_file("extra/only-extra.yoga", "say extra\n");
    write_file("xdg/asanavox/sessions/only-xdg.yoga", "say xdg\n");
    write_file("here/warm-up.yoga", "say near\n");
    write_file("sessions/warm-up.yoga", "say far\n");
    write_file("sounds/gong.wav", "RIFF");
    write_file("here/gong.wav", "RIFF");
    char env[300];
    snprintf(env, sizeof env, "%s/extra", root);
    setenv("ASANAVOX_PATH", env, 1);
    snprintf(env, sizeof env, "%s/xdg", root);
    setenv("XDG_DATA_HOME", env, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void plain_names(void **state)
{
    (void)state;
    assert_true(paths_plain_name("upper-back_flow"));
    assert_true(paths_plain_name("warm-up.yoga"));
    assert_false(paths_plain_name(""));
    assert_false(paths_plain_name(".hidden"));
    assert_false(paths_plain_name("a/b"));
    assert_false(paths_plain_name("a..b"));
    assert_false(paths_plain_name(".."));
    assert_false(paths_plain_name("a b"));
    assert_true(paths_is_file_arg("x/y"));
    assert_true(paths_is_file_arg("flow.yoga"));
    assert_false(paths_is_file_arg("flow"));
}

static void session_search_order(void **state)
{
    (void)state;
    char *p = NULL;
    /* ./sessions first, then $ASANAVOX_PATH, then XDG. */
    assert_int_equal(paths_find_session("flow", &p), AV_OK);
    assert_string_equal(p, "sessions/flow.yoga");
    free(p);
    assert_int_equal(paths_find_session("only-extra", &p), AV_OK);
    assert_non_null(strstr(p, "/extra/only-extra.yoga"));
    free(p);
    assert_int_equal(paths_find_session("only-xdg", &p), AV_OK);
    assert_non_null(strstr(p, "/xdg/asanavox/sessions/only-xdg.yoga"));
    free(p);
    assert_int_equal(paths_find_session("nope", &p), AV_ENOENT);
    assert_int_equal(paths_find_session("../etc", &p), AV_ENOENT); /* a path that doesn't exist */
    /* Names `list` shows may have spaces; never '/', control characters or
     * a leading dot. */
    assert_int_equal(paths_find_session("a b", &p), AV_ENOENT);
    assert_int_equal(paths_find_session(".hidden", &p), AV_EINVAL);
    assert_int_equal(paths_find_session("bell\x07", &p), AV_EINVAL);
    /* A path is taken as it is. */
    assert_int_equal(paths_find_session("extra/flow.yoga", &p), AV_OK);
    assert_string_equal(p, "extra/flow.yoga");
    free(p);

    char **dirs;
    assert_int_equal(paths_session_dirs(&dirs), AV_OK);
    assert_string_equal(dirs[0], "sessions");
    assert_non_null(strstr(dirs[1], "/extra"));
    assert_non_null(strstr(dirs[2], "/xdg/asanavox/sessions"));
    assert_non_null(strstr(dirs[3], "/asanavox/sessions"));
    assert_null(dirs[4]);
    paths_free_list(dirs);
}

static void listing(void **state)
{
    (void)state;
    struct session_entry *v;
    size_t n;
    assert_int_equal(paths_list_sessions(&v, &n), AV_OK);
    /* flow (./sessions hides extra/), only-extra, only-xdg, warm-up: sorted. */
    assert_int_equal(n, 4);
    assert_string_equal(v[0].name, "flow");
    assert_string_equal(v[0].path, "sessions/flow.yoga");
    assert_string_equal(v[1].name, "only-extra");
    assert_string_equal(v[2].name, "only-xdg");
    assert_string_equal(v[3].name, "warm-up");
    assert_string_equal(v[3].path, "sessions/warm-up.yoga");
    paths_free_sessions(v, n);
}

static void names_prefixes_and_hints(void **state)
{
    (void)state;
    write_file("sessions/morning-5.yoga", "say m\n");
    write_file("sessions/My Flow.yoga", "say mine\n");
    char *p = NULL;
    /* The name as `list` shows it, spaces and all. */
    assert_int_equal(paths_find_session("My Flow", &p), AV_OK);
    assert_string_equal(p, "sessions/My Flow.yoga");
    free(p);
    /* A unique prefix is enough; an ambiguous one is not. */
    assert_int_equal(paths_find_session("morn", &p), AV_OK);
    assert_string_equal(p, "sessions/morning-5.yoga");
    free(p);
    assert_int_equal(paths_find_session("only", &p), AV_ENOENT);
    char *h = paths_session_hint("only");
    assert_string_equal(h, "it could be 'only-extra' 'only-xdg'");
    free(h);
    /* Case and punctuation: a suggestion, not a guess. */
    assert_int_equal(paths_find_session("morning5", &p), AV_ENOENT);
    h = paths_session_hint("morning5");
    assert_string_equal(h, "did you mean 'morning-5'?");
    free(h);
    assert_int_equal(paths_find_session("Morning-5", &p), AV_ENOENT);
    h = paths_session_hint("Morning-5");
    assert_string_equal(h, "did you mean 'morning-5'?");
    free(h);
    h = paths_session_hint("my flow");
    assert_string_equal(h, "did you mean 'My Flow'?");
    free(h);
    h = paths_session_hint("wram-up");
    assert_string_equal(h, "did you mean 'warm-up'?");
    free(h);
    assert_null(paths_session_hint("zzzzzzzzzzzz"));
    unlink("sessions/morning-5.yoga");
    unlink("sessions/My Flow.yoga");
}

static void include_search(void **state)
{
    (void)state;
    char *p = NULL;
    /* Next to the including file first. */
    assert_int_equal(paths_find_include("warm-up", "here", &p), AV_OK);
    assert_string_equal(p, "here/warm-up.yoga");
    free(p);
    assert_int_equal(paths_find_include("warm-up.yoga", "extra", &p), AV_OK);
    assert_string_equal(p, "sessions/warm-up.yoga");
    free(p);
    assert_int_equal(paths_find_include("../sessions/flow", "here", &p), AV_EINVAL);
    assert_int_equal(paths_find_include("missing", "here", &p), AV_ENOENT);
}

static void sound_search(void **state)
{
    (void)state;
    char *p = NULL;
    assert_int_equal(paths_find_sound("gong", "here", &p), AV_OK);
    assert_string_equal(p, "here/gong.wav");
    free(p);
    assert_int_equal(paths_find_sound("gong.wav", "extra", &p), AV_OK);
    assert_string_equal(p, "sounds/gong.wav");
    free(p);
    /* The shipped sounds are found from anywhere through the source tree. */
    assert_int_equal(paths_find_sound("bowl", "extra", &p), AV_OK);
    assert_non_null(strstr(p, "sounds/bowl.wav"));
    free(p);
    assert_int_equal(paths_find_sound("../sounds/gong", "here", &p), AV_EINVAL);
    assert_int_equal(paths_find_sound("nothing", "here", &p), AV_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_names),
        cmocka_unit_test(session_search_order),
        cmocka_unit_test(listing),
        cmocka_unit_test(names_prefixes_and_hints),
        cmocka_unit_test(include_search),
        cmocka_unit_test(sound_search),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
