/*
 * encode.c - see encode.h: the encoding plan, its text form, and the
 * encoding of one row.
 *
 * The text form is one flat JSON object, which json.h reads back as it is
 * (arrays of scalars, no nesting):
 *
 *   {"version":1,"target":"y","task":"binary","labels":["B","M"],
 *    "features":["age","city"],"text":[0,1],"mean":[41.5,0.0],
 *    "sd":[12.25,1.0],"nvocab":[0,3],"vocab":["lyon","nice","paris"]}
 *
 * `vocab` is every text feature's vocabulary one after the other, in
 * feature order, `nvocab` how many values each feature takes (0 for a
 * numeric one).  Numbers are written with the shortest text that reads back
 * exactly, so a plan survives the round trip bit for bit; offsets and the
 * encoded width are recomputed when a plan is read.
 */
#include "encode.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helios.h"
#include "json.h"

void hl_enc_clear(HlEncoding *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nfeat; i++) {
        free(e->f[i].name);
        for (int j = 0; j < e->f[i].nvocab; j++)
            free(e->f[i].vocab[j]);
        free(e->f[i].vocab);
    }
    free(e->f);
    free(e->target);
    for (int i = 0; i < e->nlabels; i++)
        free(e->labels[i]);
    free(e->labels);
    memset(e, 0, sizeof *e);
}

/* ---- values ------------------------------------------------------------ */

int hl_enc_text_number(const char *s, double *out)
{
    char *end;
    double v;
    if (!s)
        return 0;
    while (isspace((unsigned char)*s))
        s++;
    /* strtod also reads "inf", "nan" and hex: not numbers in a column. */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE \t\r\n", *p))
            return 0;
    if (!*s)
        return 0;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v))
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return 0;
    *out = v;
    return 1;
}

int hl_enc_value_number(sqlite3_value *v, double *out)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        *out = (double)sqlite3_value_int64(v);
        return 1;
    case SQLITE_FLOAT:
        *out = sqlite3_value_double(v);
        return isfinite(*out);
    case SQLITE_TEXT:
        return hl_enc_text_number((const char *)sqlite3_value_text(v), out);
    default:
        return 0;
    }
}

const char *hl_enc_value_text(sqlite3_value *v, char *buf, size_t n)
{
    double r;
    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
        return NULL;
    case SQLITE_INTEGER:
        snprintf(buf, n, "%lld", (long long)sqlite3_value_int64(v));
        return buf;
    case SQLITE_FLOAT:
        r = sqlite3_value_double(v);
        /* 1.0 and 1 are the same label whichever node stored which. */
        if (r == floor(r) && fabs(r) < 9007199254740992.0) {
            snprintf(buf, n, "%lld", (long long)r);
            return buf;
        }
        return hl_json_format_real(r, buf, n);
    default: {
        const char *t = (const char *)sqlite3_value_text(v);
        return t ? t : "";
    }
    }
}

/* ---- label order ------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_num_str(const void *a, const void *b)
{
    double x = 0, y = 0;
    hl_enc_text_number(*(char *const *)a, &x);
    hl_enc_text_number(*(char *const *)b, &y);
    if (x != y)
        return x < y ? -1 : 1;
    return cmp_str(a, b);
}

/* Pairs whose second word is the positive class, in any case. */
static const char *const negpos[][2] = {
    { "false", "true" }, { "no", "yes" }, { "n", "y" }, { "f", "t" },
    { "negative", "positive" }, { "neg", "pos" }, { "off", "on" },
};

void hl_enc_order_labels(char **labels, int n)
{
    int numeric = 1;
    double ignored;
    for (int i = 0; i < n && numeric; i++)
        numeric = hl_enc_text_number(labels[i], &ignored);
    if (n > 1)    /* qsort(NULL, 0) is undefined */
        qsort(labels, (size_t)n, sizeof *labels, numeric ? cmp_num_str : cmp_str);
    if (n != 2 || numeric)
        return;
    for (size_t k = 0; k < sizeof negpos / sizeof negpos[0]; k++) {
        if (strcasecmp(labels[0], negpos[k][1]) == 0 && strcasecmp(labels[1], negpos[k][0]) == 0) {
            char *t = labels[0];
            labels[0] = labels[1];
            labels[1] = t;
            return;
        }
    }
}

/* ---- encoding rows ------------------------------------------------------ */

static int vocab_find(char *const *vocab, int n, const char *s)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(vocab[mid], s);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void hl_enc_row(const HlEncoding *e, sqlite3_value *const *vals, double *x)
{
    char buf[64];
    memset(x, 0, (size_t)e->d * sizeof *x);
    for (int i = 0; i < e->nfeat; i++) {
        const HlEncFeature *f = &e->f[i];
        sqlite3_value *v = vals[i];
        if (!v || sqlite3_value_type(v) == SQLITE_NULL)
            continue;       /* numeric: the mean (0); text: all zeros */
        if (f->text) {
            int k = vocab_find(f->vocab, f->nvocab, hl_enc_value_text(v, buf, sizeof buf));
            if (k >= 0)
                x[f->offset + k] = 1.0;
        } else {
            double r;
            if (hl_enc_value_number(v, &r))
                x[f->offset] = (r - f->mean) / f->sd;
        }
    }
}

int hl_enc_target(const HlEncoding *e, sqlite3_value *v, double *y)
{
    char buf[64];
    const char *s;
    if (!v || sqlite3_value_type(v) == SQLITE_NULL)
        return -1;
    if (e->task == HL_TASK_REGRESSION)
        return hl_enc_value_number(v, y) ? 0 : -1;
    s = hl_enc_value_text(v, buf, sizeof buf);
    for (int k = 0; k < e->nlabels; k++) {
        if (strcmp(e->labels[k], s) == 0) {
            *y = k;
            return 0;
        }
    }
    return -1;
}

/* ---- the text form ------------------------------------------------------ */

static const char *const task_names[] = { NULL, "binary", "multiclass", "regression" };

const char *hl_enc_task_name(HlTask t)
{
    return t >= HL_TASK_BINARY && t <= HL_TASK_REGRESSION ? task_names[t] : NULL;
}

HlTask hl_enc_task_parse(const char *s)
{
    for (int t = HL_TASK_BINARY; s && t <= HL_TASK_REGRESSION; t++)
        if (strcmp(task_names[t], s) == 0)
            return (HlTask)t;
    return 0;
}

char *hl_enc_to_json(const HlEncoding *e)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "version");
    hl_json_int(&w, 1);
    hl_json_key(&w, "target");
    hl_json_string(&w, e->target);
    hl_json_key(&w, "task");
    hl_json_string(&w, hl_enc_task_name(e->task));
    hl_json_key(&w, "labels");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nlabels; i++)
        hl_json_string(&w, e->labels[i]);
    hl_json_end_array(&w);
    hl_json_key(&w, "features");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        hl_json_string(&w, e->f[i].name);
    hl_json_end_array(&w);
    hl_json_key(&w, "text");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        hl_json_int(&w, e->f[i].text != 0);
    hl_json_end_array(&w);
    hl_json_key(&w, "mean");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        hl_json_real(&w, e->f[i].text ? 0.0 : e->f[i].mean);
    hl_json_end_array(&w);
    hl_json_key(&w, "sd");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        hl_json_real(&w, e->f[i].text ? 1.0 : e->f[i].sd);
    hl_json_end_array(&w);
    hl_json_key(&w, "nvocab");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        hl_json_int(&w, e->f[i].text ? e->f[i].nvocab : 0);
    hl_json_end_array(&w);
    hl_json_key(&w, "vocab");
    hl_json_begin_array(&w);
    for (int i = 0; i < e->nfeat; i++)
        for (int j = 0; e->f[i].text && j < e->f[i].nvocab; j++)
            hl_json_string(&w, e->f[i].vocab[j]);
    hl_json_end_array(&w);
    hl_json_end_object(&w);
    return hl_json_writer_finish(&w);
}

/* The array member `key` whose items all have type `type` (REAL also
 * takes INT), or NULL. */
static const HlJsonValue *get_array(const HlJsonObject *o, const char *key, HlJsonType type)
{
    const HlJsonValue *v = hl_json_object_get(o, key);
    if (!v || v->type != HL_JSON_ARRAY)
        return NULL;
    for (int i = 0; i < v->nitems; i++) {
        HlJsonType t = v->items[i].type;
        if (t != type && !(type == HL_JSON_REAL && t == HL_JSON_INT))
            return NULL;
    }
    return v;
}

static char **copy_strings(const HlJsonValue *a, int from, int n)
{
    char **s = calloc((size_t)(n > 0 ? n : 1), sizeof *s);
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (!(s[i] = strdup(a->items[from + i].s))) {
            while (i-- > 0)
                free(s[i]);
            free(s);
            return NULL;
        }
    }
    return s;
}

static int strictly_sorted(char *const *s, int n)
{
    for (int i = 1; i < n; i++)
        if (strcmp(s[i - 1], s[i]) >= 0)
            return 0;
    return 1;
}

static int parse_features(const HlJsonObject *o, HlEncoding *e, hl_err *err)
{
    const HlJsonValue *names = get_array(o, "features", HL_JSON_STRING);
    const HlJsonValue *text = get_array(o, "text", HL_JSON_INT);
    const HlJsonValue *mean = get_array(o, "mean", HL_JSON_REAL);
    const HlJsonValue *sd = get_array(o, "sd", HL_JSON_REAL);
    const HlJsonValue *nvocab = get_array(o, "nvocab", HL_JSON_INT);
    const HlJsonValue *vocab = get_array(o, "vocab", HL_JSON_STRING);
    int n, used = 0;
    long long d = 0;
    if (!names || !text || !mean || !sd || !nvocab || !vocab)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: missing or malformed feature arrays");
    n = names->nitems;
    if (text->nitems != n || mean->nitems != n || sd->nitems != n || nvocab->nitems != n)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: feature arrays differ in length");
    if (!(e->f = calloc((size_t)(n > 0 ? n : 1), sizeof *e->f)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; i < n; i++) {
        HlEncFeature *f = &e->f[i];
        int64_t nv = nvocab->items[i].i;
        e->nfeat = i + 1;
        if (!(f->name = strdup(names->items[i].s)))
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        f->text = text->items[i].i != 0;
        f->mean = mean->items[i].r;
        f->sd = sd->items[i].r;
        f->offset = (int)d;
        if (nv < 0 || nv > HL_ENC_MAX_VOCAB || nv > vocab->nitems - used || (!f->text && nv != 0))
            return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: bad vocabulary size for '%s'",
                              f->name);
        if (!f->text && !(isfinite(f->mean) && isfinite(f->sd) && f->sd > 0))
            return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: bad mean or sd for '%s'",
                              f->name);
        if (f->text) {
            if (!(f->vocab = copy_strings(vocab, used, (int)nv)))
                return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
            f->nvocab = (int)nv;
            if (!strictly_sorted(f->vocab, f->nvocab))
                return hl_err_set(err, HELIOS_ERROR, -1,
                                  "encoding plan: vocabulary of '%s' is not sorted", f->name);
            used += (int)nv;
        }
        d += f->text ? nv : 1;
    }
    if (used != vocab->nitems)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: vocabulary sizes do not add up");
    e->d = (int)d;
    return HELIOS_OK;
}

static int parse_target(const HlJsonObject *o, HlEncoding *e, hl_err *err)
{
    const HlJsonValue *target = hl_json_object_get(o, "target");
    const HlJsonValue *task = hl_json_object_get(o, "task");
    const HlJsonValue *labels = get_array(o, "labels", HL_JSON_STRING);
    if (!target || target->type != HL_JSON_STRING || !task || task->type != HL_JSON_STRING
        || !labels)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: missing target, task or labels");
    if (!(e->task = hl_enc_task_parse(task->s)))
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: unknown task '%s'", task->s);
    if (!(e->target = strdup(target->s)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if ((e->task == HL_TASK_REGRESSION) != (labels->nitems == 0)
        || (e->task == HL_TASK_BINARY && labels->nitems != 2)
        || (e->task == HL_TASK_MULTICLASS && labels->nitems < 2)
        || labels->nitems > HL_ENC_MAX_LABELS)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: %d labels for a %s task",
                          labels->nitems, task->s);
    if (!(e->labels = copy_strings(labels, 0, labels->nitems)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    e->nlabels = labels->nitems;
    return HELIOS_OK;
}

int hl_enc_parse(const char *json, HlEncoding *e, hl_err *err)
{
    HlJsonObject o;
    const HlJsonValue *ver;
    int rc;
    memset(e, 0, sizeof *e);
    if (!json)
        return hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: none given");
    rc = hl_json_parse_object(json, &o, err);
    if (rc != HELIOS_OK) {
        hl_json_object_clear(&o);
        return rc;
    }
    ver = hl_json_object_get(&o, "version");
    if (!ver || ver->type != HL_JSON_INT || ver->i != 1)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "encoding plan: unknown version");
    if (rc == HELIOS_OK)
        rc = parse_target(&o, e, err);
    if (rc == HELIOS_OK)
        rc = parse_features(&o, e, err);
    hl_json_object_clear(&o);
    if (rc != HELIOS_OK)
        hl_enc_clear(e);
    return rc;
}
