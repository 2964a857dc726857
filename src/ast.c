/* ast.c - see ast.h.  Every *_clear leaves its argument zeroed, so clearing
 * twice is harmless. */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

void hl_name_clear(HlName *n)
{
    if (!n)
        return;
    free(n->s);
    memset(n, 0, sizeof *n);
}

void hl_value_clear(HlValue *v)
{
    if (!v)
        return;
    free(v->s);
    for (int i = 0; i < v->nitems; i++)
        hl_value_clear(&v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

void hl_optlist_clear(HlOptList *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++) {
        hl_name_clear(&l->v[i].name);
        hl_value_clear(&l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

int hl_optlist_push(HlOptList *l, HlOption *o)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        HlOption *v = realloc(l->v, sizeof *v * (size_t)cap);
        if (!v) {
            hl_name_clear(&o->name);
            hl_value_clear(&o->value);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *o;
    memset(o, 0, sizeof *o);    /* the list owns its strings now */
    return 0;
}

static char *dup_str(const char *s, int *failed)
{
    char *d;
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (!d) {
        *failed = 1;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

int hl_value_copy(HlValue *dst, const HlValue *src)
{
    int failed = 0;
    HlValue v = *src;

    v.s = dup_str(src->s, &failed);
    v.items = NULL;
    v.nitems = 0;
    if (!failed && src->nitems > 0) {
        v.items = calloc((size_t)src->nitems, sizeof *v.items);
        if (!v.items)
            failed = 1;
        for (int i = 0; !failed && i < src->nitems; i++) {
            if (hl_value_copy(&v.items[i], &src->items[i]) != 0)
                failed = 1;
            else
                v.nitems = i + 1;
        }
    }
    if (failed) {
        hl_value_clear(&v);
        memset(dst, 0, sizeof *dst);
        return -1;
    }
    *dst = v;
    return 0;
}

void hl_stmt_free(HlStmt *st)
{
    if (!st)
        return;
    hl_name_clear(&st->name);
    hl_name_clear(&st->workspace);
    hl_optlist_clear(&st->opts);
    hl_name_clear(&st->path);
    hl_name_clear(&st->tag);
    hl_value_clear(&st->version);
    hl_name_clear(&st->subject);
    hl_name_clear(&st->format);
    hl_name_clear(&st->column);
    hl_value_clear(&st->value);
    hl_name_clear(&st->returns);
    hl_name_clear(&st->body);
    hl_name_clear(&st->symbol);
    hl_name_clear(&st->language);
    hl_name_clear(&st->metric);
    hl_value_clear(&st->threshold);
    hl_name_clear(&st->notify);
    hl_name_clear(&st->table);
    hl_name_clear(&st->part_column);
    hl_value_clear(&st->alpha);
    hl_value_clear(&st->seed);
    free(st);
}

static const char *const kind_names[HL_STMT__COUNT] = {
    [HL_STMT_NONE]              = "(no statement)",
    [HL_STMT_CREATE_EXTENSION]  = "CREATE EXTENSION",
    [HL_STMT_CREATE_WORKSPACE]  = "CREATE FEDERATED WORKSPACE",
    [HL_STMT_ALTER_WORKSPACE]   = "ALTER FEDERATED WORKSPACE",
    [HL_STMT_DROP_WORKSPACE]    = "DROP FEDERATED WORKSPACE",
    [HL_STMT_USE_WORKSPACE]     = "USE FEDERATED WORKSPACE",
    [HL_STMT_REGISTER_NODE]     = "REGISTER FEDERATED NODE",
    [HL_STMT_REGISTER_NODES]    = "REGISTER FEDERATED NODES",
    [HL_STMT_DEREGISTER_NODE]   = "DEREGISTER FEDERATED NODE",
    [HL_STMT_ALTER_NODE]        = "ALTER FEDERATED NODE",
    [HL_STMT_CREATE_MODEL]      = "CREATE FEDERATED MODEL",
    [HL_STMT_ALTER_MODEL]       = "ALTER FEDERATED MODEL",
    [HL_STMT_DROP_MODEL]        = "DROP FEDERATED MODEL",
    [HL_STMT_DESCRIBE_MODEL]    = "DESCRIBE FEDERATED MODEL",
    [HL_STMT_START_TRAINING]    = "START FEDERATED TRAINING",
    [HL_STMT_STOP_TRAINING]     = "STOP FEDERATED TRAINING",
    [HL_STMT_CHECKPOINT]        = "CHECKPOINT FEDERATED TRAINING",
    [HL_STMT_RESUME]            = "RESUME FEDERATED TRAINING",
    [HL_STMT_TAG_MODEL]         = "TAG FEDERATED MODEL",
    [HL_STMT_ROLLBACK_MODEL]    = "ROLLBACK FEDERATED MODEL",
    [HL_STMT_CREATE_AGGFUNC]    = "CREATE FEDERATED AGGREGATION FUNCTION",
    [HL_STMT_DROP_AGGFUNC]      = "DROP FEDERATED AGGREGATION FUNCTION",
    [HL_STMT_CREATE_ALERT]      = "CREATE FEDERATED ALERT",
    [HL_STMT_DROP_ALERT]        = "DROP FEDERATED ALERT",
    [HL_STMT_FORGET]            = "DELETE FROM FEDERATED TRAINING",
    [HL_STMT_EXPORT]            = "EXPORT FEDERATED DATA",
    [HL_STMT_REVOKE_CONSENT]    = "REVOKE FEDERATED CONSENT",
    [HL_STMT_GRANT_CONSENT]     = "GRANT FEDERATED CONSENT",
    [HL_STMT_SHOW]              = "SHOW FEDERATED",
};

const char *hl_stmt_kind_name(HlStmtKind k)
{
    if ((int)k < 0 || k >= HL_STMT__COUNT || !kind_names[k])
        return "(unknown statement)";
    return kind_names[k];
}
