/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * strlist.c — a growable NULL-terminated list of strings that remembers
 * allocation failure (strlist.h).
 */
#include "asanavox/strlist.h"

#include <stdlib.h>
#include <string.h>

bool strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return true;
    return false;
}

void strlist_add(struct strlist *l, char *s)
{
    if (!s) {
        l->oom = true;
        return;
    }
    /* Room for `s` and the NULL after it. */
    if (l->n + 2 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            free(s);
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

void strlist_add_unique(struct strlist *l, char *s)
{
    if (s && strlist_has(l, s)) {
        free(s);
        return;
    }
    strlist_add(l, s);
}

void strlist_deinit(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}
