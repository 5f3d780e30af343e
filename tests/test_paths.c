/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_paths.c — finding sessions and sounds: search order, shadowing,
 * the data directories of a development build and $XDG_DATA_*, and
 * refusing names that would leave the allowed directories.  (An installed
 * and moved tree is tested by tests/cli_install.cmake.)
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

#include <dirent.h>

#include "asanavox/datadirs.h"
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
    mkdir("sys", 0755);
    mkdir("sys/asanavox", 0755);
    mkdir("sys/asanavox/sessions", 0755);
    write_file("sys/asanavox/sessions/only-sys.yoga", "say sys\n");
    write_file("sys/asanavox/sessions/flow.yoga", "say sys\n");
    char env[600];
    /* Relative entries of $XDG_DATA_DIRS are ignored (the XDG spec). */
    snprintf(env, sizeof env, "relative/dir:%s/sys:%s/no-such-dir", root, root);
    setenv("XDG_DATA_DIRS", env, 1);
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

    /* $XDG_DATA_DIRS comes last: its flow is hidden, its only-sys found. */
    assert_int_equal(paths_find_session("only-sys", &p), AV_OK);
    assert_non_null(strstr(p, "/sys/asanavox/sessions/only-sys.yoga"));
    free(p);

    /* The whole path of a development build (these tests are one: CMake
     * wrote asanavox-source-dir next to them).  The install next to the
     * program, build/tests/../share/asanavox, does not exist and is left
     * out; so is nothing else. */
    char **dirs;
    char want[600];
    assert_int_equal(paths_session_dirs(&dirs), AV_OK);
    assert_string_equal(dirs[0], "sessions");
    snprintf(want, sizeof want, "%s/extra", root);
    assert_string_equal(dirs[1], want);
    snprintf(want, sizeof want, "%s/xdg/asanavox/sessions", root);
    assert_string_equal(dirs[2], want);
    assert_string_equal(dirs[3], TEST_SOURCE_DIR "/sessions");
    snprintf(want, sizeof want, "%s/sys/asanavox/sessions", root);
    assert_string_equal(dirs[4], want);
    snprintf(want, sizeof want, "%s/no-such-dir/asanavox/sessions", root);
    assert_string_equal(dirs[5], want);
    assert_null(dirs[6]);
    paths_free_list(dirs);
}

/* The data directories (datadirs.h), with $XDG_DATA_HOME set and unset. */
static void data_dirs(void **state)
{
    (void)state;
    char *tree = datadirs_dev_tree();
    assert_non_null(tree);
    assert_string_equal(tree, TEST_SOURCE_DIR);
    free(tree);

    char **dirs;
    char want[600];
    assert_int_equal(datadirs_list(&dirs), AV_OK);
    snprintf(want, sizeof want, "%s/xdg/asanavox", root);
    assert_string_equal(dirs[0], want);
    assert_string_equal(dirs[1], TEST_SOURCE_DIR);
    snprintf(want, sizeof want, "%s/sys/asanavox", root);
    assert_string_equal(dirs[2], want);
    paths_free_list(dirs);

    const char *xdg = getenv("XDG_DATA_HOME");
    char *saved = strdup(xdg);
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(datadirs_list(&dirs), AV_OK);
    assert_string_equal(dirs[0], "/home/someone/.local/share/asanavox");
    paths_free_list(dirs);
    /* A relative $XDG_DATA_HOME is ignored too. */
    setenv("XDG_DATA_HOME", "relative", 1);
    assert_int_equal(datadirs_list(&dirs), AV_OK);
    assert_string_equal(dirs[0], "/home/someone/.local/share/asanavox");
    paths_free_list(dirs);
    /* Unset $XDG_DATA_DIRS: the spec's default. */
    char *sys = strdup(getenv("XDG_DATA_DIRS"));
    unsetenv("XDG_DATA_DIRS");
    assert_int_equal(datadirs_list(&dirs), AV_OK);
    bool local = false, usr = false;
    for (char **d = dirs; *d; d++) {
        local |= !strcmp(*d, "/usr/local/share/asanavox");
        usr |= !strcmp(*d, "/usr/share/asanavox");
    }
    assert_true(local && usr);
    paths_free_list(dirs);
    setenv("XDG_DATA_DIRS", sys, 1);
    setenv("XDG_DATA_HOME", saved, 1);
    free(sys);
    free(saved);
}

/* The number of *.yoga files in `dir`. */
static size_t count_sessions(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        n += len > 5 && !strcmp(e->d_name + len - 5, ".yoga");
    }
    closedir(d);
    return n;
}

static void listing(void **state)
{
    (void)state;
    struct session_entry *v;
    size_t n;
    assert_int_equal(paths_list_sessions(&v, &n), AV_OK);
    /* flow (./sessions hides extra/ and sys/), only-extra, only-sys,
     * only-xdg, warm-up, and the source tree's library (none of whose
     * names the fixture uses). */
    assert_int_equal(n, 5 + count_sessions(TEST_SOURCE_DIR "/sessions"));
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(strcmp(v[i - 1].name, v[i].name) < 0); /* sorted, no repeats */
        if (!strcmp(v[i].name, "flow")) {
            assert_string_equal(v[i].path, "sessions/flow.yoga");
            seen++;
        } else if (!strcmp(v[i].name, "warm-up")) {
            assert_string_equal(v[i].path, "sessions/warm-up.yoga");
            seen++;
        } else if (!strcmp(v[i].name, "only-sys")) {
            assert_non_null(strstr(v[i].path, "/sys/asanavox/sessions/only-sys.yoga"));
            seen++;
        } else if (!strcmp(v[i].name, "only-extra") || !strcmp(v[i].name, "only-xdg")) {
            seen++;
        } else {
            assert_true(!strncmp(v[i].path, TEST_SOURCE_DIR "/sessions/",
                                 strlen(TEST_SOURCE_DIR "/sessions/")));
        }
    }
    assert_int_equal(seen, 5);
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
    write_file("sessions/twist-seated.yoga", "say a\n");
    write_file("sessions/twist-supine.yoga", "say b\n");
    assert_int_equal(paths_find_session("twist", &p), AV_ENOENT);
    char *h = paths_session_hint("twist");
    assert_string_equal(h, "it could be 'twist-seated' 'twist-supine'");
    free(h);
    unlink("sessions/twist-seated.yoga");
    unlink("sessions/twist-supine.yoga");
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
    /* The shipped sounds are found from anywhere through the source tree
     * (a development build). */
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
    /* What is refused is named, so that the message can say what it is. */
    p = NULL;
    assert_int_equal(paths_find_include("pipe", "links", &p), AV_ENOTREG);
    assert_string_equal(p, "links/pipe.yoga");
    free(p);
    p = NULL;
    assert_int_equal(paths_find_include("folder", "links", &p), AV_ENOTREG);
    assert_string_equal(p, "links/folder.yoga");
    free(p);
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
        cmocka_unit_test(names_prefixes_and_hints),
        cmocka_unit_test(data_dirs),
        cmocka_unit_test(include_search),
        cmocka_unit_test(sound_search),
        cmocka_unit_test(links_and_special_files),
        cmocka_unit_test(safe_reading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
