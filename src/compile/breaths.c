/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * breaths.c — the layout of holds counted in breaths or reps: the length
 * of each breath at a pace (and a ramp), its spoken prompts or tones, how
 * many breaths fit a hold in time, and the cues such a hold never speaks.
 */
#include "compile_internal.h"

/* Phase `ph` of breath `b` (1-based) of `count`, in frames.  A ramp goes
 * linearly from the first pace on the first breath to the second on the
 * last, rounded to the nearest whole frame. */
static int64_t phase_frames(const struct compiler *c, const struct pace *pace, int32_t b,
                            int32_t count, int ph)
{
    int64_t a = ms_to_frames(c, pace->ms[ph]);
    if (!pace->ramp || count < 2)
        return a;
    int64_t z = ms_to_frames(c, pace->to[ph]);
    int64_t x = (z - a) * (b - 1), d = count - 1;
    int64_t r = x >= 0 ? (2 * x + d) / (2 * d) : -((-2 * x + d) / (2 * d));
    return a + r;
}

/* The lengths of the four phases of breath `b` of `count`. */
void compiler_breath_lengths(const struct compiler *c, const struct pace *pace, int32_t b,
                             int32_t count, int64_t len[4])
{
    for (int ph = 0; ph < 4; ph++)
        len[ph] = phase_frames(c, pace, b, count, ph);
}

/* One breath phase with its prompt: spoken text, or a tone, or nothing.
 * `lens` are the four phase lengths of this breath. */
bool compiler_breath_phase(struct compiler *c, enum tl_phase phase, const int64_t lens[4],
                           const struct pace *pace, int32_t breath, int32_t breaths,
                           struct interned *spoken, const char *tone, const struct inst *in,
                           const void *warn_key, const struct src_pos *warn_pos, const char *what)
{
    int64_t len = lens[phase];
    struct tl_event *e = compiler_add_event(c, TL_BREATH, c->now, c->now + len);
    if (!e)
        return false;
    e->phase = phase;
    e->breath = breath;
    e->breaths = breaths;
    e->ramp = pace->ramp;
    memcpy(e->pace, lens, sizeof e->pace);
    if (spoken) {
        e->text = spoken->text;
        e->clip_end = c->now + spoken->frames;
        compiler_warn_long(c, warn_key, warn_pos, what, spoken->frames, len);
    } else if (tone && c->tl->guide != TL_GUIDE_NONE) {
        /* The guide lasts the whole phase: the mixer repeats and shapes
         * the tone to it. */
        const struct sound_ref *r = compiler_sound(c, tone, in->s->dir, &in->n->pos);
        if (!r)
            return !c->err;
        e->sound = r->path;
        e->sound_name = r->name;
        e->clip_end = c->now + len;
    } else {
        e->clip_end = c->now;
    }
    c->now += len;
    /* A hold of many breaths is checked breath by breath, not at its end. */
    if (c->now > c->limit)
        return over_budget(c, &in->n->pos, "the session runs past 24 hours here");
    return true;
}

static const enum phrase_key phase_default[4] = {PHRASE_INHALE, PHRASE_HOLD, PHRASE_EXHALE,
                                                 PHRASE_HOLD};
static const char *const phase_tone[4] = {"inhale", "hold", "exhale", "hold"};
static const enum cue_kind phase_cue[4] = {CUE_INHALE, CUE_HOLD, CUE_EXHALE, CUE_HOLD};

/* `count` breaths (or reps) at `pace`.  Built-in prompts are spoken for
 * the first `prompts` breaths, then tones; the teacher's own inhale:,
 * exhale: and hold: lines are spoken on every breath.  A hold inside a
 * flow (`own_cues` false) uses the built-in prompts only, since the flow's
 * inhale:/exhale: lines are its movements. */
bool compiler_hold_breaths(struct compiler *c, const struct inst *in, const struct pace *pace,
                           int32_t count, bool own_cues, const void *key_base)
{
    const struct node *n = in->n;
    bool reps = n->dur.unit == DUR_REPS;
    int prompts = n->prompts >= 0 ? n->prompts : c->prompts;
    /* Reps move on the inhale ("up") and the exhale ("down"), or the other
     * way round with "up on exhale". */
    int up_phase = n->up_on_exhale ? 2 : 0, down_phase = n->up_on_exhale ? 0 : 2;
    for (int32_t b = 1; b <= count; b++) {
        /* "alternate": {side} is left on odd reps, right on even ones;
         * "alternate right first" the other way round. */
        struct inst rep = *in;
        if (n->alternate)
            rep.side = (b % 2 == 1) != n->alternate_right ? TL_SIDE_LEFT : TL_SIDE_RIGHT;
        int64_t lens[4];
        compiler_breath_lengths(c, pace, b, count, lens);
        for (int ph = 0; ph < 4; ph++) {
            if (lens[ph] == 0)
                continue;
            enum cue_kind kind = phase_cue[ph];
            const char *dflt = c->phrase[phase_default[ph]];
            const char *prefix = NULL;
            if (reps && ph == up_phase) {
                kind = CUE_UP, dflt = c->phrase[PHRASE_UP];
                if (b == count && count > 1)
                    prefix = c->phrase[PHRASE_LAST_ONE];
            } else if (reps && ph == down_phase) {
                kind = CUE_DOWN, dflt = c->phrase[PHRASE_DOWN];
            }
            /* With "up on exhale" the first inhale comes before any lift:
             * it prepares, so it must not speak the 'down' cue. */
            bool prepare = reps && n->up_on_exhale && ph == down_phase && b == 1;
            const struct cue *q = own_cues && !prepare ? compiler_find_cue(n, kind) : NULL;
            struct interned *text = NULL;
            bool spoken = reps || b <= prompts || q;
            if (prepare) {
                text = compiler_speech(c, c->phrase[PHRASE_INHALE]);
                if (!text)
                    return false;
            } else if (spoken) {
                text = compiler_text_of(c, &rep, q, prefix, dflt);
                if (!text)
                    return false;
            }
            const char *what = prepare                    ? "the inhale prompt"
                               : reps && ph == up_phase   ? "the 'up' cue"
                               : reps && ph == down_phase ? "the 'down' cue"
                               : ph == 0                  ? "the inhale prompt"
                               : ph == 2                  ? "the exhale prompt"
                                                          : "the hold prompt";
            /* Key warnings on the cue, or on the step (or flow line) plus
             * the phase: never on a copy, whose address is not stable. */
            const void *key = q ? (const void *)q : (const void *)((const char *)key_base + ph + 1);
            if (!compiler_breath_phase(c, (enum tl_phase)ph, lens, pace, b, count, text,
                                       spoken ? NULL : phase_tone[ph], in, key,
                                       q ? &q->pos : &n->pos, what))
                return false;
        }
    }
    return true;
}

/* Frames of `count` breaths at `pace`. */
static int64_t breaths_frames(const struct compiler *c, const struct pace *pace, int32_t count)
{
    int64_t sum = 0;
    for (int32_t b = 1; b <= count; b++)
        for (int ph = 0; ph < 4; ph++)
            sum += phase_frames(c, pace, b, count, ph);
    return sum;
}

/* The whole breaths of a `breathe` step given in time: the largest number
 * that fits (at least one), warning when more than half a breath is left
 * over.  0 after an error. */
int32_t compiler_fit_breaths(struct compiler *c, const struct inst *in, const struct pace *pace)
{
    const struct node *n = in->n;
    int64_t hold = ms_to_frames(c, hold_ms(c, n->dur.ms));
    int64_t avg = (ms_to_frames(c, pace->ms[0] + pace->ms[1] + pace->ms[2] + pace->ms[3]) +
                   ms_to_frames(c, pace->to[0] + pace->to[1] + pace->to[2] + pace->to[3])) / 2;
    int64_t guess = avg > 0 ? hold / avg : 1;
    int32_t k = (int32_t)(guess < 1 ? 1 : guess > BREATHE_MAX_BREATHS + 1 ? BREATHE_MAX_BREATHS + 1
                                                                            : guess);
    /* A ramp makes the total depend on the count; walk to the exact fit. */
    while (k > 1 && breaths_frames(c, pace, k) > hold)
        k--;
    while (k <= BREATHE_MAX_BREATHS && breaths_frames(c, pace, k + 1) <= hold)
        k++;
    if (k > BREATHE_MAX_BREATHS) {
        if (first_warning(c, (const char *)n + 6))
            diag_error(c->d, &n->dur_pos, "a breathe step can have at most %d breaths",
                       BREATHE_MAX_BREATHS);
        return 0;
    }
    int64_t total = breaths_frames(c, pace, k);
    int64_t one = total / k;
    if ((total > hold || hold - total > one / 2) && first_warning(c, (const char *)n + 7)) {
        char want[32], got[32];
        format_clock(hold_ms(c, n->dur.ms), want, sizeof want);
        format_clock(total * 1000 / c->rate, got, sizeof got);
        diag_warning(c->d, &n->dur_pos,
                     "%s does not fit whole breaths at this pace: the step lasts %s (%d breath%s)",
                     want, got, k, k == 1 ? "" : "s");
    }
    return k;
}

void compiler_warn_unused_cues(struct compiler *c, const struct node *n, const struct pace *pace)
{
    bool breaths = n->dur.unit == DUR_BREATHS || n->kind == NODE_BREATHE;
    bool reps = n->dur.unit == DUR_REPS;
    bool timed = n->dur.unit == DUR_TIME;
    bool holds = pace->ms[1] || pace->ms[3] || pace->to[1] || pace->to[3];
    for (const struct cue *q = n->cues; q; q = q->next) {
        const char *why = NULL;
        if ((q->kind == CUE_UP || q->kind == CUE_DOWN) && !reps)
            why = "'up:' and 'down:' are for holds counted in reps";
        else if ((q->kind == CUE_INHALE || q->kind == CUE_EXHALE) && !breaths)
            why = reps ? "a hold in reps speaks 'up:' and 'down:' instead"
                       : "a pose held for a time has no breath prompts (use 'breathe' for that)";
        else if (q->kind == CUE_HOLD && !breaths && !reps)
            why = "a pose held for a time has no breath prompts (use 'breathe' for that)";
        else if (q->kind == CUE_HOLD && !holds)
            why = "this pace has no holds (a hold needs a pace of four numbers)";
        else if (q->kind == CUE_HALFWAY && !timed)
            why = "'halfway:' is for holds in time";
        if (why && first_warning(c, q))
            diag_warning(c->d, &q->pos, "this cue is never spoken: %s", why);
    }
}
