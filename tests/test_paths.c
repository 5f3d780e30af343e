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
#include "asanavox/safefile.h"

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
    assert_int_equal(paths_find_session("a b", &p), AV_EINVAL);
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

/* Links may not lead a search out of its directory; a path named on the
 * command line is followed; only regular files count. */
static void links_and_special_files(void **state)
{
    (void)state;
    char *p = NULL;
    mkdir("links", 0755);
    write_file("links/real.yoga", "say real\n");
    assert_int_equal(symlink("real.yoga", "links/inside.yoga"), 0);
    assert_int_equal(symlink("../sessions/flow.yoga", "links/outside.yoga"), 0);
    assert_int_equal(symlink("/etc/passwd", "links/passwd.yoga"), 0);
    assert_int_equal(symlink("nowhere.yoga", "links/dangling.yoga"), 0);
    assert_int_equal(symlink("../sounds/gong.wav", "links/gong.wav"), 0);
    assert_int_equal(mkfifo("links/pipe.yoga", 0644), 0);
    mkdir("links/folder.yoga", 0755);

    assert_int_equal(paths_find_include("inside", "links", &p), AV_OK);
    assert_string_equal(p, "links/inside.yoga");
    free(p);
    assert_int_equal(paths_find_include("outside", "links", &p), AV_ELINK);
    assert_int_equal(paths_find_include("passwd", "links", &p), AV_ELINK);
    assert_int_equal(paths_find_include("pipe", "links", &p), AV_ENOTREG);
    assert_int_equal(paths_find_include("folder", "links", &p), AV_ENOTREG);
    assert_int_equal(paths_find_include("dangling", "links", &p), AV_ENOENT);
    assert_int_equal(paths_find_sound("gong", "links", &p), AV_ELINK);

    /* Named on the command line: followed wherever it leads. */
    assert_int_equal(paths_find_session("links/outside.yoga", &p), AV_OK);
    free(p);
    assert_int_equal(paths_find_session("links/pipe.yoga", &p), AV_ENOTREG);
    assert_int_equal(paths_find_session("links/folder.yoga", &p), AV_ENOTREG);
    assert_string_equal(safefile_kind("links/pipe.yoga"), "a FIFO");
    assert_string_equal(safefile_kind("links/folder.yoga"), "a directory");
    assert_string_equal(safefile_kind("/dev/null"), "a character device");
    assert_null(safefile_kind("links/nowhere.yoga"));

    /* The listing leaves out what lookup would refuse. */
    assert_int_equal(symlink("/etc/passwd", "sessions/evil.yoga"), 0);
    struct session_entry *v;
    size_t n;
    assert_int_equal(paths_list_sessions(&v, &n), AV_OK);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(v[i].name, "evil");
    paths_free_sessions(v, n);
    assert_int_equal(paths_find_session("evil", &p), AV_ELINK);
    unlink("sessions/evil.yoga");
}

/* Reading: only regular files, without blocking, the cap counted while
 * reading (a /proc file says it has 0 bytes and has more). */
static void safe_reading(void **state)
{
    (void)state;
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(safefile_read("links/real.yoga", 100, &data, &len), AV_OK);
    assert_int_equal(len, 9);
    assert_string_equal(data, "say real\n");
    free(data);
    assert_int_equal(safefile_read("links/real.yoga", 8, &data, &len), AV_ELIMIT);
    assert_int_equal(safefile_read("links/pipe.yoga", 100, &data, &len), AV_ENOTREG);
    assert_int_equal(safefile_read("links/folder.yoga", 100, &data, &len), AV_ENOTREG);
    assert_int_equal(safefile_read("/dev/zero", 100, &data, &len), AV_ENOTREG);
    assert_int_equal(safefile_read("links/nowhere.yoga", 100, &data, &len), AV_ENOENT);
    struct stat st;
    assert_int_equal(stat("/proc/self/maps", &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(safefile_read("/proc/self/maps", 64, &data, &len), AV_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_names),
        cmocka_unit_test(session_search_order),
        cmocka_unit_test(listing),
        cmocka_unit_test(include_search),
        cmocka_unit_test(sound_search),
        cmocka_unit_test(links_and_special_files),
        cmocka_unit_test(safe_reading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
