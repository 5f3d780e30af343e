/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server.c — the caller's side of the speech server (server.h): fork the
 * helper, send it requests, read its answers in the order asked.
 *
 * The helper processes' side is server_helper.c; the protocol is in
 * server_internal.h.  Requests are small and the configured copy reads
 * them as they come without ever waiting on the socket, so sending many
 * requests before reading any answer cannot deadlock.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/fdio.h"
#include "asanavox/prefault.h"
#include "asanavox/thread.h"
#include "server_internal.h"

enum { STOP_POLL_MS = 50 };

struct speech_server {
    int fd;
    pid_t pid;
    bool dead;       /* the helper failed; every call is AV_EVOICE */
    bool configured; /* a configured copy is waiting for texts */
    size_t pending;  /* texts submitted whose answers are not read yet */
};

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
        speech_helper_main(sv[1]);
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

int speech_server_lower_priority(struct speech_server *s, int steps)
{
    /* The helper has one thread, so its process id names it; what it
     * forks from now on starts at its priority. */
    errno = 0;
    int cur = getpriority(PRIO_PROCESS, 0);
    if (errno || setpriority(PRIO_PROCESS, (id_t)s->pid, cur + steps) != 0)
        return AV_EINVAL;
    return AV_OK;
}

void speech_server_stop(struct speech_server *s)
{
    if (!s)
        return;
    close(s->fd); /* the helper and its copy read end of input and exit */
    /* Waited for, so that its CPU time (and its children's, which it reaps
     * in turn) counts as ours, as `times` and rusage callers expect. */
    speech_reap(s->pid);
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

/* Wait until the answer starts, polling *stop.  0, or AV_EINTERRUPTED
 * (the helper is then abandoned: its answer would come half-read). */
static int wait_answer(struct speech_server *s, const volatile sig_atomic_t *stop)
{
    for (;;) {
        if (av_stop_raised(stop)) {
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

int speech_server_submit(struct speech_server *s, const char *text)
{
    if (s->dead || !s->configured)
        return AV_EVOICE;
    size_t len = strlen(text);
    if (len > MAX_REQUEST)
        return AV_EINVAL;
    int err = send_request(s, MSG_SYNTH, text, len, NULL, 0);
    if (!err)
        s->pending++;
    return err;
}

size_t speech_server_pending(const struct speech_server *s)
{
    return s->pending;
}

int speech_server_collect(struct speech_server *s, const volatile sig_atomic_t *stop,
                          int16_t **samples, size_t *frames)
{
    if (s->dead)
        return AV_EVOICE;
    if (!s->pending)
        return AV_EINVAL;
    struct reply_head r;
    int err = wait_answer(s, stop);
    if (!err)
        err = read_reply(s, &r);
    if (err)
        return err;
    s->pending--;
    int16_t *b = malloc(r.frames ? r.frames * sizeof(*b) : 1);
    av_prefault(b, r.frames * sizeof(*b)); /* read into whole, below */
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
        return r.status == AV_ENOMEM || r.status == AV_ELIMIT || r.status == AV_EINTERRUPTED
                   ? r.status
                   : AV_EVOICE;
    }
    *samples = b;
    *frames = (size_t)r.frames;
    return AV_OK;
}

int speech_server_cancel(struct speech_server *s)
{
    if (s->dead || !s->pending)
        return AV_OK;
    return send_request(s, MSG_CANCEL, NULL, 0, NULL, 0);
}

/* Cancel what is pending and read every answer away. */
static int drop_pending(struct speech_server *s)
{
    int err = speech_server_cancel(s);
    while (!err && !s->dead && s->pending) {
        int16_t *b = NULL;
        size_t n;
        err = speech_server_collect(s, NULL, &b, &n);
        free(b);
        if (err && !s->dead)
            err = AV_OK; /* that text's own failure */
    }
    return s->dead ? AV_EVOICE : err;
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
    int err = drop_pending(s);
    if (err)
        return err;
    int32_t sp = speed;
    struct reply_head r;
    s->configured = false;
    err = send_request(s, MSG_RESET, NULL, 0, NULL, 0);
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
