/*
 * options.c - checking option lists against the tables of option_tables.c.
 *
 * hl_opt_check() works in three steps, and changes nothing until all pass:
 *   1. the stored options (base_json) become one slot per table entry;
 *   2. each option of the statement, in order, is looked up (unknown,
 *      duplicate), converted to its canonical JSON value (type, range,
 *      enum) and replaces its slot;
 *   3. the rules below check the merged result for conflicts; a rule fires
 *      only when an option of this statement takes part in it, so what was
 *      accepted before is not re-judged by a statement that did not touch it.
 * The first error found is the one reported, at the statement option that
 * caused it.  Values are accepted as options.h says; converting one value
 * and the words for values in messages are optvalue.c's.
 */
#include "options.h"
#include "optvalue.h"
#include "helios.h"
#include "json.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------------- */
/* tables                                                                  */

static HlOptDef run_table[64];
static int run_n;
static pthread_once_t run_once = PTHREAD_ONCE_INIT;

/* The training-run table: the model's definitions of hl_opt_run_names, in
 * the model table's order. */
static void build_run_table(void)
{
    int n;
    const HlOptDef *m = hl_opt_base_table(HL_OBJ_MODEL, &n);
    for (int i = 0; i < n; i++)
        for (int j = 0; hl_opt_run_names[j]; j++)
            if (strcmp(m[i].name, hl_opt_run_names[j]) == 0 &&
                run_n < (int)(sizeof run_table / sizeof run_table[0]))
                run_table[run_n++] = m[i];
}

const HlOptDef *hl_opt_table(HlObjKind k, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    if (k == HL_OBJ_TRAINING) {
        pthread_once(&run_once, build_run_table);
        *n = run_n;
        return run_table;
    }
    return hl_opt_base_table(k, n);
}

const HlOptDef *hl_opt_find(HlObjKind k, const char *name)
{
    int n;
    const HlOptDef *t = hl_opt_table(k, &n);
    for (int i = 0; name && i < n; i++)
        if (strcasecmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

const char *hl_opt_kind_name(HlObjKind k)
{
    static const char *const names[] = { "workspace", "node", "model", "training" };
    return (k >= 0 && k < HL_OBJ__COUNT) ? names[k] : "object";
}

static const char *kind_phrase(HlObjKind k)
{
    static const char *const names[] = { "a workspace", "a node", "a model",
                                         "a training run" };
    return (k >= 0 && k < HL_OBJ__COUNT) ? names[k] : "this object";
}

const char *hl_opt_default(HlObjKind k, const char *name)
{
    const HlOptDef *d = hl_opt_find(k, name);
    return d ? d->def : NULL;
}

const char *hl_opt_is_builtin_aggregation(const char *name)
{
    for (int i = 0; name && hl_opt_builtin_aggregations[i]; i++)
        if (strcasecmp(hl_opt_builtin_aggregations[i], name) == 0)
            return hl_opt_builtin_aggregations[i];
    return NULL;
}

const char *hl_opt_suggest(HlObjKind k, const char *name)
{
    int n;
    const HlOptDef *t = hl_opt_table(k, &n);
    const char *names[128];
    if (n > 128)
        n = 128;
    for (int i = 0; i < n; i++)
        names[i] = t[i].name;
    return hl_optv_suggest(names, n, name);
}

/* ---------------------------------------------------------------------- */
/* the merged state                                                        */

typedef enum Origin { FROM_NONE = 0, FROM_BASE, FROM_STMT } Origin;

typedef struct Slot {
    HlJsonValue val;            /* when present */
    int present;
    Origin origin;              /* of the value, or of its removal (NULL) */
    const HlOption *opt;        /* FROM_STMT: the statement's option */
    HlJsonValue defval;         /* the parsed default, when asked for */
    int defstate;               /* 0 not parsed, 1 parsed, -1 none */
} Slot;

typedef struct Merge {
    HlObjKind kind;             /* of the statement */
    const HlOptDef *table;      /* of the stored JSON: the model's for a run */
    int n;
    Slot *slots;
    HlJsonObject extra;         /* stored keys the table does not know: kept */
    hl_err *err;
} Merge;

static int slot_index(const Merge *m, const char *name)
{
    for (int i = 0; name && i < m->n; i++)
        if (strcasecmp(m->table[i].name, name) == 0)
            return i;
    return -1;
}

/* The effective value of option i (explicit, else default) or NULL; *note
 * says where it came from for messages: "" (this statement), "set earlier",
 * "set on the model" or "the default". */
static const HlJsonValue *effective(Merge *m, int i, const char **note)
{
    Slot *s = &m->slots[i];
    if (s->present) {
        *note = s->origin == FROM_STMT ? ""
              : m->kind == HL_OBJ_TRAINING ? "set on the model" : "set earlier";
        return &s->val;
    }
    *note = "the default";
    if (s->defstate == 0) {
        hl_err e;
        hl_err_clear(&e);
        s->defstate = -1;
        if (m->table[i].def && hl_json_parse_value(m->table[i].def, &s->defval, &e) == HELIOS_OK)
            s->defstate = 1;
    }
    return s->defstate == 1 ? &s->defval : NULL;
}

static int matches(const HlJsonValue *v, const char *text)
{
    char t[40];
    switch (v->type) {
    case HL_JSON_STRING: return strcasecmp(v->s, text) == 0;
    case HL_JSON_BOOL: return strcmp(text, v->i ? "true" : "false") == 0;
    case HL_JSON_INT: snprintf(t, sizeof t, "%lld", (long long)v->i); return strcmp(t, text) == 0;
    case HL_JSON_REAL: hl_optv_fmt_num(v->r, t, sizeof t); return strcmp(t, text) == 0;
    default: return 0;
    }
}

static int matches_any(const HlJsonValue *v, const char *const *vals)
{
    for (int i = 0; v && vals && vals[i]; i++)
        if (matches(v, vals[i]))
            return 1;
    return 0;
}

static int is_number(const HlJsonValue *v)
{
    return v && (v->type == HL_JSON_INT || v->type == HL_JSON_REAL);
}

/* "'a'" or "'a', 'b' or 'c'", quoting strings only. */
static void show_vals(const char *const *vals, char *buf, size_t n)
{
    int quote = strcmp(vals[0], "true") != 0 && strcmp(vals[0], "false") != 0;
    hl_optv_choices(vals, quote, " or ", buf, n);
}

/* "'a'" or "'a' (5, set earlier)" when a is not of this statement. */
static void subject(Merge *m, int i, char *buf, size_t n)
{
    const char *note;
    const HlJsonValue *v = effective(m, i, &note);
    char t[HL_OPTV_MSG_MAX + 8];
    if (m->slots[i].origin == FROM_STMT || !v) {
        snprintf(buf, n, "'%s'", m->table[i].name);
        return;
    }
    hl_optv_show(v, t, sizeof t);
    snprintf(buf, n, "'%s' (%s, %s)", m->table[i].name, t, note);
}

/* "5", "5 (set earlier)", "5 (the default)" */
static void found(const HlJsonValue *v, const char *note, char *buf, size_t n)
{
    char t[HL_OPTV_MSG_MAX + 8];
    hl_optv_show(v, t, sizeof t);
    snprintf(buf, n, *note ? "%s (%s)" : "%s", t, note);
}

/* "(5)", "(5, set earlier)" */
static void in_parens(const HlJsonValue *v, const char *note, char *buf, size_t n)
{
    char t[HL_OPTV_MSG_MAX + 8];
    hl_optv_show(v, t, sizeof t);
    snprintf(buf, n, *note ? "(%s, %s)" : "(%s)", t, note);
}

static int is_set(const Slot *s)
{
    return s->present && !(s->val.type == HL_JSON_BOOL && !s->val.i);
}

/* Checks one rule; HELIOS_OK when it holds or no option of the statement
 * takes part in it. */
static int check_rule(Merge *m, const HlOptRule *r)
{
    int ia = slot_index(m, r->a), ib = slot_index(m, r->b);
    if (ia < 0 || ib < 0)
        return HELIOS_OK;
    Slot *sa = &m->slots[ia], *sb = &m->slots[ib];
    const Slot *at = sa->origin == FROM_STMT ? sa : sb->origin == FROM_STMT ? sb : NULL;
    if (!at)
        return HELIOS_OK;
    int off = at->opt->name.off;
    const char *na, *nb, *A = r->a, *B = r->b;
    const HlJsonValue *va = effective(m, ia, &na), *vb = effective(m, ib, &nb);
    char sub[160], f[120], g[120], vs[300], why[200] = "";
    if (r->why)
        snprintf(why, sizeof why, "; %s", r->why);
    subject(m, ia, sub, sizeof sub);

    switch (r->rule) {
    case HL_RULE_LE:
        if (!is_number(va) || !is_number(vb) || va->r <= vb->r)
            return HELIOS_OK;
        in_parens(va, na, f, sizeof f);
        in_parens(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option '%s' %s must not exceed '%s' %s%s", A, f, B, g,
                           why);
    case HL_RULE_REQUIRES:
        if (!is_set(sa))
            return HELIOS_OK;
        if (!r->vals) {
            if (vb)
                return HELIOS_OK;
            return hl_optv_err(m->err, off, "option %s requires '%s' to be set%s", sub, B, why);
        }
        if (matches_any(vb, r->vals))
            return HELIOS_OK;
        show_vals(r->vals, vs, sizeof vs);
        if (!vb)
            return hl_optv_err(m->err, off, "option %s requires '%s' to be %s%s", sub, B, vs, why);
        found(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option %s requires '%s' to be %s, found %s%s", sub, B,
                           vs, g, why);
    case HL_RULE_REQUIRES_NOT:
        if (!is_set(sa) || !matches_any(vb, r->vals))
            return HELIOS_OK;
        show_vals(r->vals, vs, sizeof vs);
        found(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option %s requires '%s' other than %s, found %s%s", sub,
                           B, vs, g, why);
    case HL_RULE_EXCLUDES:
        if (!sa->present || !sb->present)
            return HELIOS_OK;
        in_parens(va, na, f, sizeof f);
        in_parens(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option '%s' %s cannot be combined with '%s' %s%s", A, f,
                           B, g, why);
    case HL_RULE_FORBID:
        if (!va || !matches(va, r->bad) || !matches_any(vb, r->vals))
            return HELIOS_OK;
        found(va, na, f, sizeof f);
        found(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option '%s' cannot be %s when '%s' is %s%s", A, f, B, g,
                           why);
    case HL_RULE_RANGE_IF: {
        HlOptDef q = m->table[ia];
        q.min = r->lo;
        q.max = r->hi;
        q.flags = 0;
        if (!is_number(va) || !matches_any(vb, r->vals) ||
            !hl_optv_range_msg(&q, va->r, vs, sizeof vs))
            return HELIOS_OK;
        found(va, na, f, sizeof f);
        found(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option '%s' %s when '%s' is %s, found %s%s", A, vs, B, g,
                           f, why);
    }
    case HL_RULE_NOT_IN:
        if (!va || va->type != HL_JSON_STRING || !vb || vb->type != HL_JSON_ARRAY)
            return HELIOS_OK;
        for (int i = 0; i < vb->nitems; i++)
            if (vb->items[i].type == HL_JSON_STRING && strcasecmp(vb->items[i].s, va->s) == 0) {
                in_parens(va, na, f, sizeof f);
                return hl_optv_err(m->err, off, "option '%s' %s is also an item of '%s'%s%s",
                                   A, f, B, *nb ? ", " : "", *nb ? nb : "");
            }
        return HELIOS_OK;
    case HL_RULE_DIFFER:
        if (!va || !vb || va->type != HL_JSON_STRING || vb->type != HL_JSON_STRING ||
            strcmp(va->s, vb->s) != 0)
            return HELIOS_OK;
        in_parens(vb, nb, g, sizeof g);
        return hl_optv_err(m->err, off, "option '%s' must differ from '%s' %s%s", A, B, g, why);
    }
    return HELIOS_OK;
}

static int check_rules(Merge *m)
{
    int n;
    const HlOptRule *r = hl_opt_rules(&n);
    HlObjKind k = m->kind == HL_OBJ_TRAINING ? HL_OBJ_MODEL : m->kind;
    for (int i = 0; i < n; i++)
        if (r[i].kind == k && check_rule(m, &r[i]) != HELIOS_OK)
            return m->err->code;
    return HELIOS_OK;
}

/* ---------------------------------------------------------------------- */
/* hl_opt_check                                                            */

static int unknown_option(HlObjKind k, const HlOption *o, hl_err *err)
{
    const char *name = o->name.s ? o->name.s : "";
    char t[HL_OPTV_MSG_MAX + 8];
    hl_optv_clip(name, t, sizeof t);
    if (k == HL_OBJ_TRAINING && hl_opt_find(HL_OBJ_MODEL, name))
        return hl_optv_err(err, o->name.off, "option '%s' cannot be set for a training run; "
                           "change the model with ALTER FEDERATED MODEL", t);
    const char *near = hl_opt_suggest(k, name);
    if (near)
        return hl_optv_err(err, o->name.off, "unknown option '%s' for %s; did you mean '%s'?", t,
                           kind_phrase(k), near);
    for (int j = HL_OBJ_WORKSPACE; j <= HL_OBJ_MODEL; j++)
        if (j != (int)k && hl_opt_find((HlObjKind)j, name))
            return hl_optv_err(err, o->name.off, "unknown option '%s' for %s; it is an option "
                               "of %s", t, kind_phrase(k), kind_phrase((HlObjKind)j));
    return hl_optv_err(err, o->name.off, "unknown option '%s' for %s", t, kind_phrase(k));
}

static int load_base(Merge *m, const char *base_json)
{
    HlJsonObject o;
    hl_err e;
    hl_err_clear(&e);
    if (!base_json || !*base_json)
        return HELIOS_OK;
    if (hl_json_parse_object(base_json, &o, &e) != HELIOS_OK) {
        if (e.code == HELIOS_NOMEM)
            return hl_optv_nomem(m->err);
        return hl_err_set(m->err, HELIOS_ERROR, -1, "stored options are not valid JSON: %s",
                          e.msg);
    }
    int rc = HELIOS_OK;
    for (int i = 0; i < o.n && rc == HELIOS_OK; i++) {
        int k = slot_index(m, o.v[i].key);
        if (k >= 0 && !m->slots[k].present) {
            m->slots[k].val = o.v[i].val;
            m->slots[k].present = 1;
            m->slots[k].origin = FROM_BASE;
        } else if (k < 0) {
            rc = hl_json_object_push(&m->extra, o.v[i].key, &o.v[i].val);
            o.v[i].key = NULL;
        } else {
            hl_json_value_clear(&o.v[i].val);  /* "Rounds" after "rounds": first wins */
        }
        memset(&o.v[i].val, 0, sizeof o.v[i].val);
    }
    hl_json_object_clear(&o);
    return rc == HELIOS_OK ? HELIOS_OK : hl_optv_nomem(m->err);
}

static int apply_option(Merge *m, const HlOptList *opts, int i)
{
    const HlOption *o = &opts->v[i];
    const HlOptDef *d = hl_opt_find(m->kind, o->name.s);
    if (!d)
        return unknown_option(m->kind, o, m->err);
    for (int j = 0; j < i; j++)
        if (strcasecmp(opts->v[j].name.s, d->name) == 0)
            return hl_optv_err(m->err, o->name.off, "option '%s' is given twice", d->name);
    Slot *s = &m->slots[slot_index(m, d->name)];
    HlJsonValue v;
    if (o->value.kind == HL_V_NULL) {
        memset(&v, 0, sizeof v);        /* back to the default */
    } else if (hl_optv_convert(d, &o->value, &v, m->err) != HELIOS_OK) {
        hl_json_value_clear(&v);
        return m->err->code;
    }
    hl_json_value_clear(&s->val);
    s->val = v;
    s->present = o->value.kind != HL_V_NULL;
    s->origin = FROM_STMT;
    s->opt = o;
    return HELIOS_OK;
}

static char *write_merged(Merge *m)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    for (int i = 0; i < m->n; i++)
        if (m->slots[i].present)
            hl_json_member(&w, m->table[i].name, &m->slots[i].val);
    for (int i = 0; i < m->extra.n; i++)
        hl_json_member(&w, m->extra.v[i].key, &m->extra.v[i].val);
    hl_json_end_object(&w);
    char *s = hl_json_writer_finish(&w);
    if (!s)
        hl_optv_nomem(m->err);
    return s;
}

static char *check(HlObjKind k, const HlOptList *opts, const char *base_json, int rules,
                   hl_err *err)
{
    Merge m = { .kind = k, .err = err };
    char *out = NULL;
    if (k < 0 || k >= HL_OBJ__COUNT) {
        hl_err_set(err, HELIOS_MISUSE, -1, "no options for object kind %d", (int)k);
        return NULL;
    }
    m.table = hl_opt_table(k == HL_OBJ_TRAINING ? HL_OBJ_MODEL : k, &m.n);
    if (!(m.slots = calloc((size_t)m.n, sizeof *m.slots))) {
        hl_optv_nomem(err);
        return NULL;
    }
    if (load_base(&m, base_json) != HELIOS_OK)
        goto done;
    for (int i = 0; opts && i < opts->n; i++)
        if (apply_option(&m, opts, i) != HELIOS_OK)
            goto done;
    if (rules && check_rules(&m) != HELIOS_OK)
        goto done;
    out = write_merged(&m);
done:
    for (int i = 0; i < m.n; i++) {
        hl_json_value_clear(&m.slots[i].val);
        hl_json_value_clear(&m.slots[i].defval);
    }
    free(m.slots);
    hl_json_object_clear(&m.extra);
    return out;
}

char *hl_opt_check(HlObjKind k, const HlOptList *opts, const char *base_json, hl_err *err)
{
    return check(k, opts, base_json, 1, err);
}

int hl_opt_check_values(HlObjKind k, const HlOptList *opts, hl_err *err)
{
    char *json = check(k, opts, NULL, 0, err);
    free(json);
    return json ? HELIOS_OK : err->code;
}

char *hl_opt_get(HlObjKind k, const char *json, const char *name)
{
    const HlOptDef *d = hl_opt_find(k, name);
    if (!d)
        return NULL;
    char *out = NULL;
    if (json && *json) {
        HlJsonObject o;
        hl_err e;
        hl_err_clear(&e);
        if (hl_json_parse_object(json, &o, &e) == HELIOS_OK) {
            const HlJsonValue *v = hl_json_object_get(&o, d->name);
            if (v)
                out = hl_json_value_text(v);
        }
        hl_json_object_clear(&o);
        if (out)
            return out;
    }
    return d->def ? strdup(d->def) : NULL;
}
