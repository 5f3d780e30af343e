/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server_helper.c — the helper processes' side of the speech server: where
 * espeak-ng is initialised, a voice selected, and each text spoken in a
 * fresh fork.
 *
 * Three kinds of process take part (see server.h for why):
 *   - the helper, forked by speech_server_start(): it initialises espeak-ng
 *     on the first configure request and never speaks;
 *   - a configured copy, forked by the helper for each configure request:
 *     it selects the voice and speed, answers, and then never speaks
 *     either; it reads text requests as they come, forks a worker for each
 *     (up to one per online CPU at a time), and sends the answers back in
 *     the order of the requests; it exits on a reset request or end of
 *     input, and the helper goes back to reading requests;
 *   - a worker, forked by the configured copy for one text: it speaks the
 *     text, writes its answer to a pipe of its own and exits.
 * The helper and its configured copy share one stream socket with the
 * caller and take turns on it: the helper waits for its copy before it
 * reads the next request, and every message is read exactly (no
 * read-ahead), so each sees only its own requests.  Workers never touch
 * the socket: the copy alone writes answers, in request order
 * (server_copy.c).
 *
 * A configured copy that ends cleanly (a reset or end of input) says so
 * with one byte on a pipe to the helper before it exits.  Exit statuses are
 * not used: valgrind and the sanitizers change them.  A copy that ends
 * without that byte may have left half an answer on the socket, so the
 * helper shuts the socket down: the caller then reads end of input instead
 * of waiting forever, and every later call fails with AV_EVOICE.
 *
 * No sound server: espeak-ng 1.51's espeak_ng_InitializeOutput() creates a
 * pcaudiolib audio object whatever the output mode (even synchronous
 * retrieval, which never plays), and that connects to PulseAudio (and may
 * map large shared-memory files, so `ulimit -f` killed `check`).  We only
 * ever take samples through the callback, so this file defines
 * create_audio_device_object() itself, returning "no device": the
 * executable's definition is the one the dynamic linker binds espeak-ng's
 * call to.  espeak-ng treats a NULL audio object as "no audio" in
 * synchronous mode, and closes it NULL-safely.
 */
#include "server_internal.h"

#include <dirent.h>
#include <errno.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/fdio.h"
#include "asanavox/prefault.h"

/* pcaudiolib's constructor, replaced (see the top of this file): asanavox
 * never lets espeak-ng play, so it gets no audio device.  Declared here
 * because pcaudiolib's header is not a build dependency. */
struct audio_object;
struct audio_object *create_audio_device_object(const char *device, const char *application_name,
                                                const char *description);
struct audio_object *create_audio_device_object(const char *device, const char *application_name,
                                                const char *description)
{
    (void)device;
    (void)application_name;
    (void)description;
    return NULL;
}

enum { CLEAN = 'k' };

/* In a configured copy: the pipe on which it tells the helper it ended
 * cleanly.  (These statics live in the helper processes only, never in
 * the caller's.) */
static int clean_fd = -1;

/* Read one request, blocking; the body is NUL-terminated and malloc'd.
 * -1 on end of input, a malformed request or no memory: the process then
 * exits. */
static int read_request(int fd, struct msg_head *h, char **body)
{
    if (fdio_read_exact(fd, h, sizeof(*h)) || h->len > MAX_REQUEST)
        return -1;
    char *b = malloc((size_t)h->len + 1);
    if (!b)
        return -1;
    if (fdio_read_exact(fd, b, h->len)) {
        free(b);
        return -1;
    }
    b[h->len] = '\0';
    *body = b;
    return 0;
}

void speech_copy_leave(bool clean)
{
    if (clean && clean_fd >= 0) {
        char c = CLEAN;
        while (write(clean_fd, &c, 1) < 0 && errno == EINTR)
            ;
    }
    _exit(clean ? 0 : 1);
}

/* A blocking answer with no samples, from the helper or a copy. */
static void reply(int fd, int status, int rate)
{
    struct reply_head r = {.status = status, .rate = rate, .frames = 0};
    if (fdio_send_exact(fd, &r, sizeof(r)))
        speech_copy_leave(false);
}

void speech_reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

void speech_copy_close_helper_pipe(void)
{
    if (clean_fd >= 0)
        close(clean_fd);
    clean_fd = -1;
}

/* ---- a worker ----------------------------------------------------------------- */

/* A worker's samples, appended by the synthesis callback. */
static int16_t *worker_buf;
static size_t worker_len, worker_cap, worker_max;
static bool worker_oom, worker_too_long;

static int synth_callback(short *wav, int numsamples, espeak_EVENT *events)
{
    (void)events;
    if (!wav || numsamples <= 0)
        return 0;
    size_t need = worker_len + (size_t)numsamples;
    if (need > worker_max) {
        worker_too_long = true;
        return 1; /* stop: longer than any clip may be */
    }
    if (need > worker_cap) {
        size_t cap = worker_cap ? worker_cap : 65536;
        while (cap < need)
            cap *= 2;
        int16_t *b = realloc(worker_buf, cap * sizeof(*b));
        if (!b) {
            worker_oom = true;
            return 1; /* abort synthesis */
        }
        /* The new part is written as synthesis goes on: its pages at once. */
        av_prefault(b + worker_cap, (cap - worker_cap) * sizeof(*b));
        worker_buf = b;
        worker_cap = cap;
    }
    memcpy(worker_buf + worker_len, wav, (size_t)numsamples * sizeof(*wav));
    worker_len = need;
    return 0;
}

/* A write that fails (the copy is gone) just ends the worker. */
void speech_worker_main(int out, const char *text, size_t len, int rate)
{
    /* The untrimmed clip may carry up to a second of silence around it. */
    worker_max = (size_t)rate * (VOICE_MAX_CLIP_SECONDS + 1);
    espeak_ng_STATUS st = espeak_ng_Synthesize(text, len + 1, 0, POS_CHARACTER, 0,
                                               espeakCHARS_UTF8, NULL, NULL);
    struct reply_head r = {.status = AV_OK, .rate = rate, .frames = 0};
    if (worker_oom)
        r.status = AV_ENOMEM;
    else if (worker_too_long)
        r.status = AV_ELIMIT;
    else if (st != ENS_OK)
        r.status = AV_EVOICE;
    else
        r.frames = worker_len;
    if (fdio_write_exact(out, &r, sizeof(r)) ||
        (r.frames && fdio_write_exact(out, worker_buf, r.frames * sizeof(*worker_buf))))
        _exit(1);
    _exit(0);
}

/* ---- the helper ------------------------------------------------------------------ */

/* Fork a configured copy: 0 in the child (with clean_fd set), its pid in
 * the helper (with *from_child the pipe's read end), or -1. */
static pid_t fork_copy(int *from_child)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        clean_fd = p[1];
        return 0;
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    *from_child = p[0];
    return pid;
}

/* Wait for the copy: true when it ended cleanly.  Otherwise the socket is
 * shut down (see the top of this file). */
static bool wait_copy(pid_t pid, int from_child, int sock)
{
    char c = 0;
    ssize_t r;
    while ((r = read(from_child, &c, 1)) < 0 && errno == EINTR)
        ;
    close(from_child);
    speech_reap(pid);
    if (r == 1 && c == CLEAN)
        return true;
    shutdown(sock, SHUT_RDWR);
    return false;
}

/* True when the current espeak-ng voice lists `lang` exactly among its
 * languages.  The list is a run of (priority byte, NUL-terminated name)
 * pairs, ended by a zero priority byte. */
static bool speaks_language(const char *lang)
{
    const espeak_VOICE *cur = espeak_GetCurrentVoice();
    if (!cur || !cur->languages)
        return false;
    for (const char *p = cur->languages; *p; p += strlen(p + 1) + 2)
        if (!strcasecmp(p + 1, lang))
            return true;
    return false;
}

/* By name first ("en-us" is a voice file name); then as a language, which
 * is how "en-gb" is found (its file is "gmw/en").  Matching by language is
 * loose ("no-such-voice" finds Norwegian), so the voice found must really
 * list that language. */
static bool select_voice(const char *name)
{
    if (espeak_ng_SetVoiceByName(name) == ENS_OK)
        return true;
    espeak_VOICE props;
    memset(&props, 0, sizeof(props));
    props.languages = name;
    return espeak_ng_SetVoiceByProperties(&props) == ENS_OK && speaks_language(name);
}

/* A configured copy: select the voice, answer, then serve texts.  It never
 * returns. */
static void configured_main(int fd, const char *name, int speed, int rate) __attribute__((noreturn));
static void configured_main(int fd, const char *name, int speed, int rate)
{
    if (!select_voice(name) || espeak_ng_SetParameter(espeakRATE, speed, 0) != ENS_OK) {
        reply(fd, AV_EVOICE, rate);
        speech_copy_leave(true);
    }
    reply(fd, AV_OK, rate);
    speech_copy_serve(fd, rate);
}

/* Close every descriptor from `first` up: those listed in /proc/self/fd
 * (a few), or, without /proc, every number up to the limit. */
static void close_from(int first)
{
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int mine = dirfd(d), fds[256], n = 0;
        struct dirent *e;
        /* Collect first: closing while reading the directory is unsafe. */
        while ((e = readdir(d)) && n < 256) {
            int fd = atoi(e->d_name);
            if (fd >= first && fd != mine)
                fds[n++] = fd;
        }
        closedir(d);
        for (int i = 0; i < n; i++)
            close(fds[i]);
        if (n < 256)
            return;
    }
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = first; fd < (max > 0 && max < 1 << 20 ? max : 1 << 20); fd++)
        close((int)fd);
}

void speech_helper_main(int fd)
{
    /* Keep only the socket and stderr: a copy of the caller's other files
     * (an output pipe, another voice's socket) must not stay open here. */
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            _exit(1);
        fd = 3;
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    close_from(4);
    /* Die with the caller's Ctrl-C like any program, whatever handlers or
     * mask the caller had when it forked us. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    /* Every copy and worker inherits this state, so each text starts its
     * noise from the same point. */
    speech_rand_restart();

    int rate = 0;
    bool failed = false;
    for (;;) {
        struct msg_head h;
        char *body;
        if (read_request(fd, &h, &body))
            _exit(0);
        if (h.type == MSG_RESET || h.type == MSG_CANCEL) {
            free(body); /* nothing is configured or pending */
            continue;
        }
        if (h.type == MSG_SYNTH) {
            free(body);
            reply(fd, AV_EVOICE, rate); /* not configured */
            continue;
        }
        if (h.type != MSG_CONF || h.len < sizeof(int32_t)) {
            free(body);
            _exit(1);
        }
        if (!rate && !failed) {
            espeak_ng_InitializePath(NULL);
            espeak_ng_ERROR_CONTEXT ctx = NULL;
            if (espeak_ng_Initialize(&ctx) != ENS_OK ||
                espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, NULL) != ENS_OK ||
                (rate = espeak_ng_GetSampleRate()) <= 0) {
                espeak_ng_ClearErrorContext(&ctx);
                failed = true;
                rate = 0;
            } else {
                espeak_SetSynthCallback(synth_callback);
            }
        }
        if (failed) {
            free(body);
            reply(fd, AV_EVOICE, 0);
            continue;
        }
        int32_t speed;
        memcpy(&speed, body, sizeof(speed));
        int from_copy;
        pid_t pid = fork_copy(&from_copy);
        if (pid == 0)
            configured_main(fd, body + sizeof(speed), speed, rate);
        free(body);
        if (pid < 0) {
            reply(fd, AV_EVOICE, rate);
            continue;
        }
        if (!wait_copy(pid, from_copy, fd))
            _exit(1);
    }
}
