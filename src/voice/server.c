/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server.c — run espeak-ng in a helper process, a fresh fork per text.
 *
 * Three kinds of process take part (see server.h for why):
 *   - the helper, forked by speech_server_start(): it initialises espeak-ng
 *     on the first configure request and never speaks;
 *   - a configured copy, forked by the helper for each configure request:
 *     it selects the voice and speed, answers, and then never speaks
 *     either; it exits on the next reset request (or end of input), and the
 *     helper goes back to reading requests;
 *   - a worker, forked by the configured copy for each text: it speaks the
 *     text, writes the samples to the socket and exits.
 * All of them share one stream socket with the caller and take turns on
 * it: a parent waits for its child before it reads the next request, and
 * every message is read exactly (no read-ahead), so each process sees only
 * its own requests.
 *
 * A child that ends cleanly (a worker after its whole answer, a configured
 * copy on a reset or end of input) says so with one byte on a pipe to its
 * parent before it exits.  Exit statuses are not used: valgrind and the
 * sanitizers change them.  A child that ends without that byte may have
 * left half an answer on the socket, so its parent shuts the socket down:
 * the caller then reads end of input instead of waiting forever, and every
 * later call fails with AV_EVOICE.
 *
 * Messages to the helper: a head {type, length} and `length` bytes.  Every
 * answer: a head {status, rate, frames} and frames 16-bit samples.
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
#include "server.h"

#include <dirent.h>
#include <errno.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <fcntl.h>
#include <poll.h>
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
#include "asanavox/voice.h"

enum { MSG_CONF = 1, MSG_SYNTH = 2, MSG_RESET = 3 };

enum {
    MAX_REQUEST = 1 << 20,  /* bytes of text or voice name */
    /* What the caller accepts in one answer: the helper's own limit
     * (VOICE_MAX_CLIP_SECONDS + 1 at espeak-ng's rate) with room for any
     * rate up to 48 kHz. */
    MAX_FRAMES = 48000 * (VOICE_MAX_CLIP_SECONDS + 2),
    STOP_POLL_MS = 50,
};

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

struct msg_head {
    uint32_t type;
    uint32_t len;
};

struct reply_head {
    int32_t status;
    int32_t rate;
    uint64_t frames;
};

enum { CLEAN = 'k' };

/* In a child: the pipe on which it tells its parent it ended cleanly. */
static int clean_fd = -1;

struct speech_server {
    int fd;
    pid_t pid;
    bool dead;       /* the helper failed; every call is AV_EVOICE */
    bool configured; /* a configured copy is waiting for texts */
};

/* ---- the helper's side ------------------------------------------------------ */

/* Read one request; the body is NUL-terminated and malloc'd.  -1 on end of
 * input, a malformed request or no memory: the process then exits. */
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

/* End this child: cleanly (the parent goes on) or not (the parent shuts
 * the socket down). */
static void leave(bool clean)
{
    if (clean && clean_fd >= 0) {
        char c = CLEAN;
        while (write(clean_fd, &c, 1) < 0 && errno == EINTR)
            ;
    }
    _exit(clean ? 0 : 1);
}

static void reply(int fd, int status, int rate, const int16_t *samples, size_t frames)
{
    struct reply_head r = {.status = status, .rate = rate, .frames = frames};
    if (fdio_send_exact(fd, &r, sizeof(r)) ||
        (frames && fdio_send_exact(fd, samples, frames * sizeof(*samples))))
        leave(false);
}

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
        worker_buf = b;
        worker_cap = cap;
    }
    memcpy(worker_buf + worker_len, wav, (size_t)numsamples * sizeof(*wav));
    worker_len = need;
    return 0;
}

/* A worker: speak `text` once, answer, exit.  It never returns. */
static void worker_main(int fd, const char *text, size_t len, int rate)
{
    /* The untrimmed clip may carry up to a second of silence around it. */
    worker_max = (size_t)rate * (VOICE_MAX_CLIP_SECONDS + 1);
    espeak_ng_STATUS st = espeak_ng_Synthesize(text, len + 1, 0, POS_CHARACTER, 0,
                                               espeakCHARS_UTF8, NULL, NULL);
    if (worker_oom)
        reply(fd, AV_ENOMEM, rate, NULL, 0);
    else if (worker_too_long)
        reply(fd, AV_ELIMIT, rate, NULL, 0);
    else if (st != ENS_OK)
        reply(fd, AV_EVOICE, rate, NULL, 0);
    else
        reply(fd, AV_OK, rate, worker_buf, worker_len);
    leave(true);
}

static void reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Fork a child that will call leave(): 0 in the child (with clean_fd
 * set), its pid in the parent (with *from_child the pipe's read end), or
 * -1.  The child closes its parent's own pipe to the grandparent. */
static pid_t fork_child(int *from_child)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (clean_fd >= 0)
            close(clean_fd);
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

/* Wait for the child: true when it ended cleanly.  Otherwise the socket is
 * shut down (see the top of this file). */
static bool wait_child(pid_t pid, int from_child, int sock)
{
    char c = 0;
    ssize_t r;
    while ((r = read(from_child, &c, 1)) < 0 && errno == EINTR)
        ;
    close(from_child);
    reap(pid);
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

/* A configured copy: select the voice, answer, then fork a worker per
 * text until a reset or the end of input.  It never returns. */
static void configured_main(int fd, const char *name, int speed, int rate)
{
    if (!select_voice(name) || espeak_ng_SetParameter(espeakRATE, speed, 0) != ENS_OK) {
        reply(fd, AV_EVOICE, rate, NULL, 0);
        leave(true);
    }
    reply(fd, AV_OK, rate, NULL, 0);
    for (;;) {
        struct msg_head h;
        char *body;
        if (read_request(fd, &h, &body))
            leave(true); /* end of input */
        if (h.type == MSG_RESET) {
            free(body);
            leave(true);
        }
        if (h.type != MSG_SYNTH)
            leave(false);
        int from_worker;
        pid_t pid = fork_child(&from_worker);
        if (pid == 0)
            worker_main(fd, body, h.len, rate);
        free(body);
        if (pid < 0) {
            reply(fd, AV_EVOICE, rate, NULL, 0);
            continue;
        }
        if (!wait_child(pid, from_worker, fd))
            leave(false);
    }
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

/* The helper.  It never returns. */
static void helper_main(int fd)
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

    int rate = 0;
    bool failed = false;
    for (;;) {
        struct msg_head h;
        char *body;
        if (read_request(fd, &h, &body))
            _exit(0);
        if (h.type == MSG_RESET) {
            free(body);
            continue;
        }
        if (h.type == MSG_SYNTH) {
            free(body);
            reply(fd, AV_EVOICE, rate, NULL, 0); /* not configured */
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
            reply(fd, AV_EVOICE, 0, NULL, 0);
            continue;
        }
        int32_t speed;
        memcpy(&speed, body, sizeof(speed));
        int from_copy;
        pid_t pid = fork_child(&from_copy);
        if (pid == 0)
            configured_main(fd, body + sizeof(speed), speed, rate);
        free(body);
        if (pid < 0) {
            reply(fd, AV_EVOICE, rate, NULL, 0);
            continue;
        }
        if (!wait_child(pid, from_copy, fd))
            _exit(1);
    }
}

/* ---- the caller's side ------------------------------------------------------- */

int speech_server_start(struct speech_server **out)
{
    struct speech_server *s = calloc(1, sizeof(*s));
    if (!s)
        return AV_ENOMEM;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        free(s);
        return AV_EVOICE;
    }
    /* Never take fd 0, 1 or 2: when the caller started with one of them
     * closed, that number must stay closed (writing to "stdout" must fail,
     * not reach the helper). */
    for (int k = 0; k < 2; k++) {
        if (sv[k] > 2)
            continue;
        int d = fcntl(sv[k], F_DUPFD_CLOEXEC, 3);
        close(sv[k]);
        sv[k] = d;
    }
    if (sv[0] < 0 || sv[1] < 0) {
        if (sv[0] >= 0)
            close(sv[0]);
        if (sv[1] >= 0)
            close(sv[1]);
        free(s);
        return AV_EVOICE;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        helper_main(sv[1]);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        free(s);
        return AV_EVOICE;
    }
    s->fd = sv[0];
    s->pid = pid;
    *out = s;
    return AV_OK;
}

void speech_server_stop(struct speech_server *s)
{
    if (!s)
        return;
    close(s->fd); /* the helper and its copy read end of input and exit */
    /* Waited for, so that its CPU time (and its children's, which it reaps
     * in turn) counts as ours, as `times` and rusage callers expect. */
    reap(s->pid);
    free(s);
}

static int send_request(struct speech_server *s, uint32_t type, const void *a, size_t alen,
                        const void *b, size_t blen)
{
    struct msg_head h = {.type = type, .len = (uint32_t)(alen + blen)};
    if (fdio_send_exact(s->fd, &h, sizeof(h)) || (alen && fdio_send_exact(s->fd, a, alen)) ||
        (blen && fdio_send_exact(s->fd, b, blen))) {
        s->dead = true;
        return AV_EVOICE;
    }
    return AV_OK;
}

static int read_reply(struct speech_server *s, struct reply_head *r)
{
    if (fdio_read_exact(s->fd, r, sizeof(*r)) || r->frames > MAX_FRAMES ||
        (r->status == AV_OK && r->rate <= 0)) {
        s->dead = true;
        return AV_EVOICE;
    }
    return AV_OK;
}

int speech_server_configure(struct speech_server *s, const char *name, int speed, int *rate)
{
    if (s->dead)
        return AV_EVOICE;
    size_t len = strlen(name);
    if (len == 0 || len > 255)
        return AV_EVOICE;
    if (speed < 80 || speed > 450)
        return AV_EINVAL;
    int32_t sp = speed;
    struct reply_head r;
    s->configured = false;
    int err = send_request(s, MSG_RESET, NULL, 0, NULL, 0);
    if (!err)
        err = send_request(s, MSG_CONF, &sp, sizeof(sp), name, len);
    if (!err)
        err = read_reply(s, &r);
    if (err)
        return err;
    if (r.frames != 0) {
        s->dead = true;
        return AV_EVOICE;
    }
    if (r.status != AV_OK)
        return AV_EVOICE;
    s->configured = true;
    *rate = r.rate;
    return AV_OK;
}

/* Wait until the answer starts, polling *stop.  0, or AV_EINTERRUPTED
 * (the helper is then abandoned: its answer would come half-read). */
static int wait_answer(struct speech_server *s, const volatile sig_atomic_t *stop)
{
    for (;;) {
        if (stop && *stop) {
            s->dead = true;
            return AV_EINTERRUPTED;
        }
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int r = poll(&p, 1, stop ? STOP_POLL_MS : -1);
        if (r > 0)
            return AV_OK;
        if (r < 0 && errno != EINTR) {
            s->dead = true;
            return AV_EVOICE;
        }
    }
}

int speech_server_synth(struct speech_server *s, const char *text,
                        const volatile sig_atomic_t *stop, int16_t **samples, size_t *frames)
{
    if (s->dead || !s->configured)
        return AV_EVOICE;
    size_t len = strlen(text);
    if (len > MAX_REQUEST)
        return AV_EINVAL;
    struct reply_head r;
    int err = send_request(s, MSG_SYNTH, text, len, NULL, 0);
    if (!err)
        err = wait_answer(s, stop);
    if (!err)
        err = read_reply(s, &r);
    if (err)
        return err;
    int16_t *b = malloc(r.frames ? r.frames * sizeof(*b) : 1);
    if (!b) {
        /* The samples are still on their way: the stream is lost. */
        s->dead = true;
        return AV_ENOMEM;
    }
    if (fdio_read_exact(s->fd, b, r.frames * sizeof(*b))) {
        free(b);
        s->dead = true;
        return AV_EVOICE;
    }
    if (r.status != AV_OK) {
        free(b);
        return r.status == AV_ENOMEM || r.status == AV_ELIMIT ? r.status : AV_EVOICE;
    }
    *samples = b;
    *frames = (size_t)r.frames;
    return AV_OK;
}
