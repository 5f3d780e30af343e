/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * server_copy.c — a configured copy of the speech helper serving texts:
 * several workers at once, the answers in request order.
 *
 * It reads text requests as they come, forks a worker for each (up to one
 * per CPU at a time, server_helper.c's speech_worker_main()), reads each
 * worker's answer from the worker's own pipe, and sends the answers on the
 * socket one whole answer after another in the order of the requests, so
 * what the caller reads never depends on which worker finished first.  An
 * answer is complete when its byte count matches its head; a worker that
 * dies early gets an AV_EVOICE answer.
 *
 * It never blocks on the socket: it reads requests and sends answers
 * without waiting (MSG_DONTWAIT) as poll(2) allows, keeping what cannot go
 * yet in memory, so the caller may send many requests before it reads any
 * answer without either side waiting for the other.  The flag is per call,
 * because the socket's open file is shared with the helper, which reads
 * blocking.  Every message is read exactly (no read-ahead), so a reset
 * leaves the next request to the helper.  It kills its running workers
 * (SIGKILL) before it leaves, so none outlives it and none speaks on once
 * its answer is no longer wanted.
 */
#define _GNU_SOURCE 1 /* sched_getaffinity(), CPU_COUNT() */
#include "server_internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "asanavox/error.h"
#include "asanavox/prefault.h"

/* One text request, from its arrival until its answer is sent. */
struct job {
    char *text;          /* the request (malloc'd), until its worker starts */
    size_t len;
    pid_t pid;           /* > 0 while its worker runs */
    int from;            /* the read end of the worker's pipe, or -1 */
    unsigned char *ans;  /* the answer: head and samples (malloc'd) */
    size_t ans_len, ans_cap;
    bool ready;          /* ans is the whole answer */
    size_t sent;         /* bytes of ans on the socket (the oldest job only) */
};

struct copy {
    int fd, rate, workers, running;
    /* jobs[first, n) are not answered yet; jobs[next, n) have not started. */
    struct job *jobs;
    size_t first, next, n, cap;
    /* The request being read: its head, then its body. */
    struct msg_head h;
    size_t h_got;
    char *body;
    size_t body_got;
};

/* Kill every running worker and wait for it, so none outlives the copy. */
static void kill_workers(struct copy *cp)
{
    for (size_t i = cp->first; i < cp->n; i++) {
        struct job *j = &cp->jobs[i];
        if (j->pid > 0) {
            kill(j->pid, SIGKILL);
            speech_reap(j->pid);
            j->pid = 0;
            cp->running--;
        }
        if (j->from >= 0) {
            close(j->from);
            j->from = -1;
        }
    }
}

static void quit(struct copy *cp, bool clean) __attribute__((noreturn));
static void quit(struct copy *cp, bool clean)
{
    kill_workers(cp);
    speech_copy_leave(clean);
}

/* Make `j`'s answer a bare status (no samples). */
static void set_status(struct copy *cp, struct job *j, int status)
{
    struct reply_head r = {.status = status, .rate = cp->rate, .frames = 0};
    if (j->ans_cap < sizeof(r)) {
        unsigned char *b = realloc(j->ans, sizeof(r));
        if (!b)
            quit(cp, false);
        j->ans = b;
        j->ans_cap = sizeof(r);
    }
    memcpy(j->ans, &r, sizeof(r));
    j->ans_len = sizeof(r);
    j->ready = true;
}

/* Fork the worker of the oldest job not started. */
static void start_worker(struct copy *cp)
{
    struct job *j = &cp->jobs[cp->next++];
    int p[2];
    pid_t pid = -1;
    if (pipe(p) == 0) {
        pid = fork();
        if (pid == 0) {
            /* Only the pipe stays open: not the socket, not the helper's
             * pipe, not the other workers' pipes. */
            close(p[0]);
            close(cp->fd);
            speech_copy_close_helper_pipe();
            for (size_t i = cp->first; i < cp->n; i++)
                if (cp->jobs[i].from >= 0)
                    close(cp->jobs[i].from);
            speech_worker_main(p[1], j->text, j->len, cp->rate);
        }
        close(p[1]);
        if (pid < 0)
            close(p[0]);
    }
    free(j->text);
    j->text = NULL;
    if (pid < 0) {
        set_status(cp, j, AV_EVOICE);
        return;
    }
    j->pid = pid;
    j->from = p[0];
    cp->running++;
}

/* The worker of `j` ended (end of its pipe) or must: reap it and check its
 * answer. */
static void end_worker(struct copy *cp, struct job *j, bool killed)
{
    if (killed)
        kill(j->pid, SIGKILL);
    close(j->from);
    j->from = -1;
    speech_reap(j->pid);
    j->pid = 0;
    cp->running--;
    struct reply_head r;
    if (!killed && j->ans_len >= sizeof(r)) {
        memcpy(&r, j->ans, sizeof(r));
        if (r.frames <= MAX_FRAMES && j->ans_len == sizeof(r) + r.frames * sizeof(int16_t) &&
            r.rate == cp->rate) {
            j->ready = true;
            return;
        }
    }
    set_status(cp, j, AV_EVOICE); /* it died before its whole answer */
}

/* Read what the worker of `j` wrote. */
static void read_worker(struct copy *cp, struct job *j)
{
    const size_t max = sizeof(struct reply_head) + (size_t)MAX_FRAMES * sizeof(int16_t);
    if (j->ans_cap - j->ans_len < 65536) {
        size_t cap = j->ans_cap ? j->ans_cap * 2 : 262144;
        unsigned char *b = realloc(j->ans, cap);
        if (!b)
            quit(cp, false);
        /* Filled by the reads that follow: its new pages at once. */
        av_prefault(b + j->ans_cap, cap - j->ans_cap);
        j->ans = b;
        j->ans_cap = cap;
    }
    ssize_t r = read(j->from, j->ans + j->ans_len, j->ans_cap - j->ans_len);
    if (r < 0 && errno == EINTR)
        return;
    if (r > 0) {
        j->ans_len += (size_t)r;
        if (j->ans_len > max)
            end_worker(cp, j, true);
        return;
    }
    end_worker(cp, j, false);
}

/* CANCEL: every job not answered gets AV_EINTERRUPTED now, unless its
 * whole answer is already here; running workers are killed. */
static void cancel_jobs(struct copy *cp)
{
    for (size_t i = cp->first; i < cp->n; i++) {
        struct job *j = &cp->jobs[i];
        if (j->ready)
            continue;
        if (j->pid > 0)
            end_worker(cp, j, true);
        free(j->text);
        j->text = NULL;
        set_status(cp, j, AV_EINTERRUPTED);
    }
    cp->next = cp->n;
}

/* Append a text request (taking `text`). */
static void add_job(struct copy *cp, char *text, size_t len)
{
    if (cp->first == cp->n) {
        cp->first = cp->next = cp->n = 0;
    } else if (cp->n == cp->cap && cp->first > 0) {
        /* Slide the live jobs down rather than grow. */
        memmove(cp->jobs, cp->jobs + cp->first, (cp->n - cp->first) * sizeof(*cp->jobs));
        cp->next -= cp->first;
        cp->n -= cp->first;
        cp->first = 0;
    }
    if (cp->n == cp->cap) {
        size_t cap = cp->cap ? cp->cap * 2 : 64;
        struct job *b = realloc(cp->jobs, cap * sizeof(*b));
        if (!b)
            quit(cp, false);
        cp->jobs = b;
        cp->cap = cap;
    }
    cp->jobs[cp->n++] = (struct job){.text = text, .len = len, .from = -1};
}

/* Send as much of the oldest answers as the socket takes now. */
static void send_answers(struct copy *cp)
{
    while (cp->first < cp->n && cp->jobs[cp->first].ready) {
        struct job *j = &cp->jobs[cp->first];
        ssize_t w = send(cp->fd, j->ans + j->sent, j->ans_len - j->sent,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            quit(cp, false); /* the caller is gone */
        }
        j->sent += (size_t)w;
        if (j->sent < j->ans_len)
            continue;
        free(j->ans);
        *j = (struct job){.from = -1};
        cp->first++;
    }
}

/* Read what requests the socket holds now, exactly, handling each one
 * complete.  A reset or end of input ends the copy. */
static void read_requests(struct copy *cp)
{
    for (;;) {
        bool head = cp->h_got < sizeof(cp->h);
        ssize_t r = 1;
        if (head) {
            r = recv(cp->fd, (char *)&cp->h + cp->h_got, sizeof(cp->h) - cp->h_got, MSG_DONTWAIT);
        } else {
            if (!cp->body) {
                if (cp->h.len > MAX_REQUEST || !(cp->body = malloc((size_t)cp->h.len + 1)))
                    quit(cp, false);
                cp->body_got = 0;
            }
            if (cp->body_got < cp->h.len)
                r = recv(cp->fd, cp->body + cp->body_got, cp->h.len - cp->body_got, MSG_DONTWAIT);
        }
        if (r == 0)
            quit(cp, true); /* end of input: the caller is done */
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            quit(cp, false);
        }
        if (head) {
            cp->h_got += (size_t)r;
            continue;
        }
        if (cp->body_got < cp->h.len) {
            cp->body_got += (size_t)r;
            if (cp->body_got < cp->h.len)
                continue;
        }
        /* One whole request. */
        char *body = cp->body;
        body[cp->h.len] = '\0';
        cp->body = NULL;
        cp->h_got = 0;
        switch (cp->h.type) {
        case MSG_SYNTH:
            add_job(cp, body, cp->h.len);
            break;
        case MSG_CANCEL:
            free(body);
            cancel_jobs(cp);
            break;
        case MSG_RESET:
            free(body);
            /* The caller resets only with nothing pending; anything else
             * would leave it waiting for answers that cannot come. */
            quit(cp, cp->first == cp->n);
        default:
            free(body);
            quit(cp, false);
        }
    }
}

/* One worker per CPU this process may run on (its affinity, which a
 * container or taskset narrows), else per online CPU. */
static int count_workers(void)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                         : sysconf(_SC_NPROCESSORS_ONLN);
    return n < MIN_WORKERS ? MIN_WORKERS : n > MAX_WORKERS ? MAX_WORKERS : (int)n;
}

void speech_copy_serve(int fd, int rate)
{
    struct copy cp = {.fd = fd, .rate = rate, .workers = count_workers()};
    struct pollfd p[MAX_WORKERS + 1];
    size_t idx[MAX_WORKERS + 1];
    for (;;) {
        while (cp.running < cp.workers && cp.next < cp.n)
            start_worker(&cp);
        send_answers(&cp);
        bool out = cp.first < cp.n && cp.jobs[cp.first].ready;
        p[0] = (struct pollfd){.fd = fd, .events = POLLIN | (out ? POLLOUT : 0)};
        nfds_t np = 1;
        for (size_t i = cp.first; i < cp.n; i++)
            if (cp.jobs[i].from >= 0) {
                idx[np] = i;
                p[np++] = (struct pollfd){.fd = cp.jobs[i].from, .events = POLLIN};
            }
        if (poll(p, np, -1) < 0) {
            if (errno == EINTR)
                continue;
            quit(&cp, false);
        }
        for (nfds_t k = 1; k < np; k++)
            if (p[k].revents)
                read_worker(&cp, &cp.jobs[idx[k]]);
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
            read_requests(&cp);
    }
}
