/*
 * setup.c - asking the nodes of a run at its setup: every one of them
 * (hl_eng_ask_all: federated_evaluate()), or enough of them
 * (hl_eng_ask_enough: START and RESUME, which leave out a node that fails
 * when the workspace's min_nodes others remain).
 *
 * A node left out is closed and taken out of r->nodes, so that nothing of
 * the run (the encoding plan, the rows, secure aggregation's and
 * differential privacy's node counts, the rounds, their evaluation) sees
 * it; r->left remembers who and why, for the catalog and the user.  What
 * does not depend on one node (an encoding the answers cannot agree on,
 * no rows at all) is not a node's failure and is not handled here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "helios.h"
#include "round.h"
#include "runs.h"

/* e1, a failure of node n, into err: the node's own message when it names
 * the node already, else "node 'n': " and the message. */
static int named(const HlNode *n, const hl_err *e1, hl_err *err)
{
    char name[300];
    snprintf(name, sizeof name, "node '%.250s'", n->name);
    if (strstr(e1->msg, name))
        return hl_err_set(err, e1->code ? e1->code : HELIOS_ERROR, -1, "%s", e1->msg);
    return hl_err_set(err, e1->code ? e1->code : HELIOS_ERROR, -1, "%s: %s", name, e1->msg);
}

int hl_eng_ask_all(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    for (int i = 0; i < r->nnodes; i++) {
        hl_err e1;
        hl_err_clear(&e1);
        if (r->nodes[i]->ops->exchange(r->nodes[i], req, &resp[i], &e1) != HELIOS_OK)
            return named(r->nodes[i], &e1, err);
    }
    return HELIOS_OK;
}

typedef struct Ask {
    HlRun *r;
    const HlMsg *req;
    HlMsg *resp;
    hl_err *errs;               /* per node; code HELIOS_OK: it answered */
} Ask;

static void ask_one(void *arg, int i)
{
    Ask *a = arg;
    hl_err_clear(&a->errs[i]);
    if (a->r->nodes[i]->ops->exchange(a->r->nodes[i], a->req, &a->resp[i], &a->errs[i])
        != HELIOS_OK && a->errs[i].code == HELIOS_OK)
        a->errs[i].code = HELIOS_ERROR;
}

/* Node i of r, which failed with e1, out of the run: recorded in r->left,
 * its response cleared, closed.  The caller compacts r->nodes. */
static int leave_out(HlRun *r, int i, HlMsg *resp, const hl_err *e1, hl_err *err)
{
    HlNode *n = r->nodes[i];
    hl_err why;
    hl_err_clear(&why);
    named(n, e1, &why);
    HlLeftOut *grown = realloc(r->left, sizeof *grown * (size_t)(r->nleft + 1));
    if (!grown)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    r->left = grown;
    HlLeftOut *o = &r->left[r->nleft];
    o->id = n->id;
    o->slow = resp->timed_out;
    o->name = strdup(n->name);
    o->why = strdup(why.msg);
    if (!o->name || !o->why) {
        free(o->name);
        free(o->why);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    r->nleft++;
    hl_msg_clear(resp);
    n->ops->close(n);
    r->nodes[i] = NULL;
    return HELIOS_OK;
}

int hl_eng_ask_enough(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    hl_err *errs = calloc((size_t)(r->nnodes ? r->nnodes : 1), sizeof *errs);
    if (!errs)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    Ask a = { .r = r, .req = req, .resp = resp, .errs = errs };
    /* Remote nodes are asked at once, so that one that does not answer
     * costs one time-out, not one each; in-process ones in turn, stopping
     * as soon as too few are left to start. */
    int spare = r->nnodes - (r->min_nodes > 1 ? r->min_nodes : 1), failed = 0, first = -1;
    if (spare < 0)              /* too few to start: the caller says so */
        spare = 0;
    int threads = hl_round_threads_for(r->nodes, r->nnodes);
    int at_once = threads > hl_round_threads();
    if (at_once)
        hl_round_each(r->nnodes, threads, ask_one, &a);
    for (int i = 0; i < r->nnodes && failed <= spare; i++) {
        if (!at_once)
            ask_one(&a, i);
        if (errs[i].code == HELIOS_OK)
            continue;
        if (errs[i].code == HELIOS_NOMEM) {     /* ours, not the node's */
            free(errs);
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        }
        failed++;
        if (first < 0)
            first = i;
    }
    int rc = HELIOS_OK;
    if (failed > spare)         /* r stays as it was: the caller closes every node */
        rc = named(r->nodes[first], &errs[first], err);
    for (int i = 0; rc == HELIOS_OK && failed && i < r->nnodes; i++)
        if (errs[i].code != HELIOS_OK)
            rc = leave_out(r, i, &resp[i], &errs[i], err);
    if (rc == HELIOS_OK && failed) {
        int m = 0;
        for (int i = 0; i < r->nnodes; i++)
            if (r->nodes[i]) {
                if (m != i) {
                    r->nodes[m] = r->nodes[i];
                    resp[m] = resp[i];
                    memset(&resp[i], 0, sizeof resp[i]);
                }
                m++;
            }
        r->nnodes = m;
    }
    free(errs);
    return rc;
}

/* "; node 'n' left out: why" into buf: the node named once, where its
 * message begins with the name ("node 'n': why", "node 'n' (tls://h:p):
 * why", "node 'n' did not answer ..."), its endpoint kept.  Returns what
 * snprintf() does. */
static size_t say_left_out(char *buf, size_t n, const HlLeftOut *o)
{
    char head[300];
    snprintf(head, sizeof head, "node '%.250s'", o->name);
    size_t h = strlen(head);
    const char *why = o->why, *rest = strncmp(why, head, h) == 0 ? why + h : NULL;
    const char *paren = rest && rest[0] == ' ' && rest[1] == '(' ? strstr(rest, "): ") : NULL;
    int k;
    if (paren)
        k = snprintf(buf, n, "; %.*s left out: %s", (int)(paren + 1 - why), why, paren + 3);
    else if (rest && rest[0] == ':' && rest[1] == ' ')
        k = snprintf(buf, n, "; %s left out: %s", head, rest + 2);
    else if (rest && rest[0] == ' ')
        k = snprintf(buf, n, "; %s left out: %s", head, rest + 1);
    else
        k = snprintf(buf, n, "; %s left out: %s", head, why);
    return k > 0 ? (size_t)k : 0;
}

int hl_eng_left_out_report(HlRun *r, sqlite3 *db, char *note, size_t notesz, hl_err *err)
{
    for (int i = 0; i < r->nleft; i++) {
        int rc = hl_cat_node_missed(db, r->left[i].id, r->left[i].slow, r->left[i].why, err);
        if (rc != HELIOS_OK)
            return rc;
    }
    if (!r->nleft || !note || !notesz)
        return HELIOS_OK;
    char *was = strdup(note);
    if (!was)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    size_t at = (size_t)snprintf(note, notesz, "training goes on with %d of %d nodes", r->nnodes,
                                 r->nnodes + r->nleft);
    for (int i = 0; i < r->nleft && at < notesz; i++)
        at += say_left_out(note + at, notesz - at, &r->left[i]);
    if (was[0] && at < notesz)
        snprintf(note + at, notesz - at, "; %s", was);
    free(was);
    return HELIOS_OK;
}

void hl_eng_left_out_clear(HlRun *r)
{
    for (int i = 0; i < r->nleft; i++) {
        free(r->left[i].name);
        free(r->left[i].why);
    }
    free(r->left);
    r->left = NULL;
    r->nleft = 0;
}
