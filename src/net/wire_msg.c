/*
 * wire_msg.c - see wire.h: HlMsg as the body of a REQUEST or a RESPONSE
 * (the messages Request and Response of net/helios.proto).
 *
 * The mapping is tables: one per phase and direction lists the HlMsg
 * members that travel, each with its field name in helios.proto and its
 * kind.  The kind says how the member looks on either side and which
 * values are valid.  The proto fields are found by name through
 * protobuf-c's descriptors (their offsets in the generated structs), so
 * the encoder and the decoder are written once for every phase, and the
 * tables read like node.h's list.  A kind's check runs on the HlMsg in both
 * directions: the encoder refuses what the decoder would, so whatever
 * encodes, decodes.
 */
#include "wire.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "helios.pb-c.h"
#include "wire_int.h"

_Static_assert(sizeof(double) == 8, "tensors travel as 8-byte IEEE-754 doubles");

/* ---- tensors: raw little-endian doubles ------------------------------------------------- */

static int host_is_le(void)
{
    const union { uint16_t u; uint8_t b[2]; } x = { 1 };
    return x.b[0] == 1;
}

static void doubles_from_le(double *out, const uint8_t *p, size_t n)
{
    if (host_is_le()) {
        if (n)
            memcpy(out, p, n * 8);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = 0;
        for (int k = 7; k >= 0; k--)
            u = u << 8 | p[8 * i + k];
        memcpy(&out[i], &u, 8);
    }
}

static void doubles_to_le(uint8_t *out, const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &v[i], 8);
        for (int k = 0; k < 8; k++, u >>= 8)
            out[8 * i + k] = (uint8_t)u;
    }
}

/* ---- the tables -------------------------------------------------------------------------- */

/* How an HlMsg member travels (HlMsg side; proto side) and what it may hold. */
typedef enum Kind {
    K_NAME,         /* char *; optional bytes: at most HL_WIRE_MAX_NAME bytes */
    K_TEXT,         /* char *; optional bytes: bounded by the body */
    K_NAMES,        /* char ** and int count; repeated bytes: names, up to HL_WIRE_MAX_COLUMNS */
    K_TENSOR,       /* double * and int count; optional bytes: 8 bytes a double */
    K_BLOB,         /* uint8_t * and size_t count; optional bytes */
    K_U64,          /* uint64_t; optional fixed64 */
    K_INT,          /* int; optional int32: >= 0 */
    K_COUNT,        /* int64_t; optional int64: >= 0 */
    K_REAL,         /* double; optional double: any */
    K_NONNEG,       /* double; optional double: finite, >= 0 */
    K_FRACTION,     /* double; optional double: 0 <= x < 1 */
    K_REPORT,       /* double; optional double: 0, 1/2 or -1/2 */
    K_SPLIT,        /* int; optional EvalSplit: 0, 1 or 2 */
    K_NCOLS,        /* int; optional uint32: 0 .. HL_WIRE_MAX_COLUMNS */
    /* per column, count entries (the count member comes earlier in the table): */
    K_KINDS,        /* HlColKind *; repeated ColKind */
    K_COL_COUNTS,   /* int64_t *; repeated int64: >= 0 */
    K_COL_TENSOR,   /* double *; optional bytes: 8 bytes a column */
    K_VOCAB         /* HlCounts *; repeated Counts */
} Kind;

static const struct {
    ProtobufCType type;
    ProtobufCLabel label;
} kind_proto[] = {
    [K_NAME]       = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_TEXT]       = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_NAMES]      = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_REPEATED },
    [K_TENSOR]     = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_BLOB]       = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_U64]        = { PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_LABEL_OPTIONAL },
    [K_INT]        = { PROTOBUF_C_TYPE_INT32,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_COUNT]      = { PROTOBUF_C_TYPE_INT64,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_REAL]       = { PROTOBUF_C_TYPE_DOUBLE,  PROTOBUF_C_LABEL_OPTIONAL },
    [K_NONNEG]     = { PROTOBUF_C_TYPE_DOUBLE,  PROTOBUF_C_LABEL_OPTIONAL },
    [K_FRACTION]   = { PROTOBUF_C_TYPE_DOUBLE,  PROTOBUF_C_LABEL_OPTIONAL },
    [K_REPORT]     = { PROTOBUF_C_TYPE_DOUBLE,  PROTOBUF_C_LABEL_OPTIONAL },
    [K_SPLIT]      = { PROTOBUF_C_TYPE_ENUM,    PROTOBUF_C_LABEL_OPTIONAL },
    [K_NCOLS]      = { PROTOBUF_C_TYPE_UINT32,  PROTOBUF_C_LABEL_OPTIONAL },
    [K_KINDS]      = { PROTOBUF_C_TYPE_ENUM,    PROTOBUF_C_LABEL_REPEATED },
    [K_COL_COUNTS] = { PROTOBUF_C_TYPE_INT64,   PROTOBUF_C_LABEL_REPEATED },
    [K_COL_TENSOR] = { PROTOBUF_C_TYPE_BYTES,   PROTOBUF_C_LABEL_OPTIONAL },
    [K_VOCAB]      = { PROTOBUF_C_TYPE_MESSAGE, PROTOBUF_C_LABEL_REPEATED },
};

typedef struct Field {
    const char *name;           /* in helios.proto */
    Kind kind;
    size_t off;                 /* the HlMsg member */
    size_t count;               /* its count: K_NAMES, K_TENSOR, K_BLOB and the per-column kinds */
    int needed;                 /* the phase cannot do without it (K_NAMES: one at least;
                                   2: params and train_config, unless the message has a
                                   version) */
} Field;

#define M(member) offsetof(HlMsg, member)
#define F(member, kind) { #member, kind, M(member), 0, 0 }
#define FC(member, kind, n) { #member, kind, M(member), M(n), 0 }
#define NEED(member, kind) { #member, kind, M(member), 0, 1 }
#define NEEDC(member, kind, n) { #member, kind, M(member), M(n), 1 }
#define NCOLS { "ncolumns", K_NCOLS, M(nvocab), 0, 0 }

static const Field schema_req[] = {
    F(source, K_NAME), NEEDC(columns, K_NAMES, ncolumns),
};
static const Field schema_resp[] = {
    F(table, K_NAME), NCOLS, FC(kinds, K_KINDS, nvocab), FC(nonnull, K_COL_COUNTS, nvocab),
    F(rows, K_COUNT),
};
static const Field stats_req[] = {
    F(source, K_NAME), NEEDC(columns, K_NAMES, ncolumns), FC(kinds, K_KINDS, ncolumns),
};
static const Field stats_resp[] = {
    NCOLS, FC(kinds, K_KINDS, nvocab), F(rows, K_COUNT), F(rows_skipped, K_COUNT),
    FC(nonnull, K_COL_COUNTS, nvocab), FC(sums, K_COL_TENSOR, nvocab),
    FC(sumsq, K_COL_TENSOR, nvocab), FC(vocab, K_VOCAB, nvocab),
};
static const Field setup_req[] = {
    F(source, K_NAME), NEED(encoding, K_TEXT), F(seed, K_U64), F(validation_split, K_FRACTION),
};
static const Field setup_resp[] = {
    F(rows, K_COUNT), F(rows_skipped, K_COUNT), F(rows_train, K_COUNT), F(rows_valid, K_COUNT),
};
/* The global model of TRAIN and EVAL: params and train_config, needed
 * unless the request has a version (the node then holds them, or gets the
 * model coded against the version it holds: update_*); version comes
 * first, so that their checks know it. */
#define MODEL { "params", K_TENSOR, M(params), M(nparams), 2 }
#define CONFIG { "train_config", K_TEXT, M(train_config), 0, 2 }
#define MODEL_CODE F(down_base, K_INT), F(update_bits, K_INT), F(update_p, K_INT), \
    F(update_scale, K_NONNEG), FC(update_values, K_BLOB, update_values_len)
static const Field train_req[] = {
    F(version, K_INT), CONFIG, MODEL, MODEL_CODE, F(seed, K_U64),
    F(round, K_INT), F(clip, K_NONNEG), F(weight_scale, K_NONNEG), F(dp_shares, K_INT),
    F(eval_first, K_INT), F(eval_split, K_SPLIT),
    F(dp_noise, K_NONNEG), F(dp_count_noise, K_NONNEG),
};
static const Field train_resp[] = {
    FC(params, K_TENSOR, nparams), F(rows_train, K_COUNT), F(loss_before, K_REAL),
    F(loss_after, K_REAL), F(steps, K_COUNT), F(dp_report, K_REPORT), F(dp_clip, K_NONNEG),
    F(update_bits, K_INT), F(update_p, K_INT), F(update_scale, K_NONNEG),
    FC(update_idx, K_BLOB, update_idx_len), FC(update_values, K_BLOB, update_values_len),
    FC(metrics, K_TENSOR, nmetrics),
};
static const Field eval_req[] = {
    F(version, K_INT), CONFIG, MODEL, MODEL_CODE, F(eval_split, K_SPLIT),
};
static const Field eval_resp[] = {
    FC(metrics, K_TENSOR, nmetrics), F(rows, K_COUNT),
};
static const Field secagg_req[] = {
    NEEDC(blob, K_BLOB, blob_len),
};
static const Field secagg_resp[] = {
    FC(blob, K_BLOB, blob_len),
};
static const Field quality_req[] = {
    F(source, K_NAME), NEEDC(columns, K_NAMES, ncolumns),
};
static const Field quality_resp[] = {
    F(table, K_NAME), NCOLS, FC(kinds, K_KINDS, nvocab), FC(nonnull, K_COL_COUNTS, nvocab),
    F(rows, K_COUNT), FC(quality, K_TENSOR, nquality),
};

typedef struct Phase {
    const char *name;
    const Field *fields[2];     /* [is_request] */
    int nfields[2];
} Phase;

#define PHASE(name, req, resp) \
    { name, { resp, req }, { sizeof resp / sizeof resp[0], sizeof req / sizeof req[0] } }

/* Indexed by HlMsgType, which are also the oneof's field numbers. */
static const Phase phases[] = {
    [HL_MSG_SCHEMA] = PHASE("SCHEMA", schema_req, schema_resp),
    [HL_MSG_STATS]  = PHASE("STATS", stats_req, stats_resp),
    [HL_MSG_SETUP]  = PHASE("SETUP", setup_req, setup_resp),
    [HL_MSG_TRAIN]  = PHASE("TRAIN", train_req, train_resp),
    [HL_MSG_EVAL]   = PHASE("EVAL", eval_req, eval_resp),
    [HL_MSG_SECAGG] = PHASE("SECAGG", secagg_req, secagg_resp),
    [HL_MSG_QUALITY] = PHASE("QUALITY", quality_req, quality_resp),
};

static const Phase *phase_of(int type)
{
    return type > 0 && type < (int)(sizeof phases / sizeof phases[0]) ? &phases[type] : NULL;
}

/* ---- what both directions share: the context of errors, member access, checks ----------- */

typedef struct Ctx {
    hl_err *err;
    int code;                   /* HELIOS_MISUSE encoding, HELIOS_ERROR decoding */
    char subject[32];           /* "TRAIN request", or "request" before the phase is known */
} Ctx;

static void ctx_init(Ctx *c, hl_err *err, int encoding, const char *phase, int is_request)
{
    c->err = err;
    c->code = encoding ? HELIOS_MISUSE : HELIOS_ERROR;
    snprintf(c->subject, sizeof c->subject, "%s%s%s", phase, *phase ? " " : "",
             is_request ? "request" : "response");
}

static int bad(Ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(Ctx *c, const char *fmt, ...)
{
    char detail[HL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return hl_err_set(c->err, c->code, -1, "%s %s: %s",
                      c->code == HELIOS_MISUSE ? "cannot encode" : "malformed", c->subject, detail);
}

static int nomem(Ctx *c)
{
    return hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
}

/* The HlMsg member at off, as a T. */
#define MEMBER(T, m, off) (*(T *)(void *)((char *)(m) + (off)))
/* A field of the generated struct pm, as a T; its has_ flag or count. */
#define PB(T, pm, fd) (*(T *)(void *)((char *)(pm) + (fd)->offset))
#define PB_HAS(pm, fd) (*(protobuf_c_boolean *)(void *)((char *)(pm) + (fd)->quantifier_offset))
#define PB_N(pm, fd) (*(size_t *)(void *)((char *)(pm) + (fd)->quantifier_offset))

/* The proto field of f in d, checked against f's kind; NULL (and an
 * internal error) when helios.proto and the tables disagree. */
static const ProtobufCFieldDescriptor *proto_field(Ctx *c, const ProtobufCMessageDescriptor *d,
                                                   const Field *f)
{
    const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, f->name);
    if (!fd || fd->type != kind_proto[f->kind].type || fd->label != kind_proto[f->kind].label
        || (f->kind == K_VOCAB && fd->descriptor != &hlwire__counts__descriptor)) {
        hl_err_set(c->err, HELIOS_MISUSE, -1,
                   "internal error: %s.%s does not match wire.c's table (helios.proto changed?)",
                   d->name, f->name);
        return NULL;
    }
    return fd;
}

static int check_name(Ctx *c, const char *label, const char *s)
{
    size_t n = strlen(s);
    if (n > HL_WIRE_MAX_NAME)
        return bad(c, "%s of %zu bytes (at most %d)", label, n, HL_WIRE_MAX_NAME);
    return HELIOS_OK;
}

/* HlCounts: at most HL_STATS_MAX_VALUES values, sorted and distinct as
 * strcmp() orders them (as a node sends them), counts >= 0. */
static int check_counts(Ctx *c, int col, const HlCounts *v)
{
    if (v->n < 0 || v->n > HL_STATS_MAX_VALUES)
        return bad(c, "vocab[%d] has %d values (at most %d)", col, v->n, HL_STATS_MAX_VALUES);
    if (v->n > 0 && (!v->values || !v->counts))
        return bad(c, "vocab[%d] has %d values and no array of them", col, v->n);
    if (v->more != 0 && v->more != 1)
        return bad(c, "vocab[%d].more is %d (0 or 1 expected)", col, v->more);
    for (int j = 0; j < v->n; j++) {
        if (!v->values[j])
            return bad(c, "vocab[%d].values[%d] is missing", col, j);
        if (v->counts[j] < 0)
            return bad(c, "vocab[%d].counts[%d] is %lld (a count >= 0 expected)", col, j,
                       (long long)v->counts[j]);
        if (j > 0 && strcmp(v->values[j - 1], v->values[j]) >= 0)
            return bad(c, "vocab[%d].values[%d] does not sort after values[%d] "
                       "(sorted, distinct values expected)", col, j, j - 1);
    }
    return HELIOS_OK;
}

/* An array member and its count: present or not, and a sane count. */
static int check_array(Ctx *c, const Field *f, const void *p, long long n, long long max)
{
    if (n < 0 || n > max)
        return bad(c, "%s has %lld entries (at most %lld)", f->name, n, max);
    if (!p && (f->needed || n > 0))
        return bad(c, "%s is missing", f->name);
    return HELIOS_OK;
}

/* Is f's member of m valid?  Arrays must already hold their count. */
static int check_field(Ctx *c, const Field *f, const HlMsg *m)
{
    int rc = HELIOS_OK, n = f->count && f->kind != K_BLOB ? MEMBER(int, m, f->count) : 0;
    switch (f->kind) {
    case K_NAME:
    case K_TEXT: {
        const char *s = MEMBER(char *, m, f->off);
        if (!s)
            return f->needed == 1 || (f->needed == 2 && m->version == 0)
                   ? bad(c, "%s is missing", f->name) : HELIOS_OK;
        return f->kind == K_NAME ? check_name(c, f->name, s) : HELIOS_OK;
    }
    case K_NAMES: {
        char **v = MEMBER(char **, m, f->off);
        if (f->needed && n == 0)
            return bad(c, "%s is empty (the target at least expected)", f->name);
        if ((rc = check_array(c, f, v, n, HL_WIRE_MAX_COLUMNS)) != HELIOS_OK)
            return rc;
        for (int i = 0; i < n && rc == HELIOS_OK; i++) {
            char label[32];
            snprintf(label, sizeof label, "%s[%d]", f->name, i);
            rc = v[i] ? check_name(c, label, v[i]) : bad(c, "%s is missing", label);
        }
        return rc;
    }
    case K_TENSOR: {
        Field g = *f;           /* needed 2: unless the message has a version */
        g.needed = f->needed == 2 ? m->version == 0 : f->needed;
        return check_array(c, &g, MEMBER(double *, m, f->off), n, HL_WIRE_MAX_MSG / 8);
    }
    case K_BLOB: {
        size_t len = MEMBER(size_t, m, f->count);
        return check_array(c, f, MEMBER(uint8_t *, m, f->off),
                           len > HL_WIRE_MAX_MSG ? -1 : (long long)len, HL_WIRE_MAX_MSG);
    }
    case K_U64:
    case K_REAL:
        return HELIOS_OK;
    case K_INT: {
        int v = MEMBER(int, m, f->off);
        return v < 0 ? bad(c, "%s is %d (>= 0 expected)", f->name, v) : HELIOS_OK;
    }
    case K_COUNT: {
        int64_t v = MEMBER(int64_t, m, f->off);
        return v >= 0 ? HELIOS_OK
             : bad(c, "%s is %lld (a count >= 0 expected)", f->name, (long long)v);
    }
    case K_NONNEG: {
        double v = MEMBER(double, m, f->off);
        return isfinite(v) && v >= 0 ? HELIOS_OK
             : bad(c, "%s is %g (a finite number >= 0 expected)", f->name, v);
    }
    case K_FRACTION: {
        double v = MEMBER(double, m, f->off);
        return v >= 0 && v < 1 ? HELIOS_OK : bad(c, "%s is %g (0 <= x < 1 expected)", f->name, v);
    }
    case K_REPORT: {
        double v = MEMBER(double, m, f->off);
        return v == 0 || v == 0.5 || v == -0.5 ? HELIOS_OK
             : bad(c, "%s is %g (0, 1/2 or -1/2 expected)", f->name, v);
    }
    case K_SPLIT: {
        int v = MEMBER(int, m, f->off);
        return v >= 0 && v <= 2 ? HELIOS_OK
             : bad(c, "%s is %d (0 training, 1 validation or 2 all expected)", f->name, v);
    }
    case K_NCOLS: {
        int v = MEMBER(int, m, f->off);
        return v >= 0 && v <= HL_WIRE_MAX_COLUMNS ? HELIOS_OK
             : bad(c, "%s is %d (at most %d columns)", f->name, v, HL_WIRE_MAX_COLUMNS);
    }
    case K_KINDS: {
        const HlColKind *v = MEMBER(HlColKind *, m, f->off);
        for (int i = 0; v && i < n; i++)
            if (v[i] != HL_COL_NUMERIC && v[i] != HL_COL_TEXT)
                return bad(c, "%s[%d] is %d (1 numeric or 2 text expected)", f->name, i, (int)v[i]);
        return HELIOS_OK;
    }
    case K_COL_COUNTS: {
        const int64_t *v = MEMBER(int64_t *, m, f->off);
        for (int i = 0; v && i < n; i++)
            if (v[i] < 0)
                return bad(c, "%s[%d] is %lld (a count >= 0 expected)", f->name, i, (long long)v[i]);
        return HELIOS_OK;
    }
    case K_COL_TENSOR:
        return HELIOS_OK;
    case K_VOCAB: {
        const HlCounts *v = MEMBER(HlCounts *, m, f->off);
        for (int i = 0; v && i < n && rc == HELIOS_OK; i++)
            rc = check_counts(c, i, &v[i]);
        return rc;
    }
    }
    return HELIOS_OK;
}

/* ---- encoding ---------------------------------------------------------------------------- */

/* The temporaries an encoding needs: the phase's message, arrays of
 * descriptors pointing into the HlMsg, copies of tensors on a big-endian
 * host.  A phase needs at most 8. */
typedef struct Enc {
    Ctx c;
    void *tmp[16];
    int ntmp;
} Enc;

static void *enc_alloc(Enc *e, size_t n, size_t size)
{
    void *p;
    if (e->ntmp == (int)(sizeof e->tmp / sizeof e->tmp[0]) || !(p = calloc(n ? n : 1, size))) {
        nomem(&e->c);
        return NULL;
    }
    return e->tmp[e->ntmp++] = p;
}

static ProtobufCBinaryData text_out(const char *s)
{
    return (ProtobufCBinaryData){ strlen(s), (uint8_t *)s };
}

static int tensor_out(Enc *e, const double *v, size_t n, ProtobufCBinaryData *bd)
{
    uint8_t *p;
    if (host_is_le()) {         /* the doubles are their own wire form */
        *bd = (ProtobufCBinaryData){ n * 8, (uint8_t *)v };
        return HELIOS_OK;
    }
    if (!(p = enc_alloc(e, n, 8)))
        return HELIOS_NOMEM;
    doubles_to_le(p, v, n);
    *bd = (ProtobufCBinaryData){ n * 8, p };
    return HELIOS_OK;
}

static int vocab_out(Enc *e, const HlCounts *v, int n, ProtobufCMessage *pm,
                     const ProtobufCFieldDescriptor *fd)
{
    size_t total = 0, k = 0;
    for (int i = 0; i < n; i++)
        total += (size_t)v[i].n;
    Hlwire__Counts *cs = enc_alloc(e, (size_t)n, sizeof *cs);
    Hlwire__Counts **ptrs = enc_alloc(e, (size_t)n, sizeof *ptrs);
    ProtobufCBinaryData *vals = enc_alloc(e, total, sizeof *vals);
    if (!cs || !ptrs || !vals)
        return HELIOS_NOMEM;
    for (int i = 0; i < n; i++) {
        hlwire__counts__init(&cs[i]);
        cs[i].n_values = cs[i].n_counts = (size_t)v[i].n;
        cs[i].values = vals + k;
        cs[i].counts = v[i].counts;
        cs[i].has_more = v[i].more != 0;
        cs[i].more = v[i].more != 0;
        for (int j = 0; j < v[i].n; j++)
            vals[k++] = text_out(v[i].values[j]);
        ptrs[i] = &cs[i];
    }
    PB_N(pm, fd) = (size_t)n;
    PB(Hlwire__Counts **, pm, fd) = ptrs;
    return HELIOS_OK;
}

static int bits_set(double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    return u != 0;              /* -0.0 travels: bit-exact */
}

/* Sets pm's field fd from f's member of m (checked).  Zero scalars are not
 * sent: an absent field reads as 0. */
static int put_field(Enc *e, const Field *f, const HlMsg *m, ProtobufCMessage *pm,
                     const ProtobufCFieldDescriptor *fd)
{
    int n = f->count && f->kind != K_BLOB ? MEMBER(int, m, f->count) : 0;
    switch (f->kind) {
    case K_NAME:
    case K_TEXT: {
        const char *s = MEMBER(char *, m, f->off);
        if (s) {
            PB_HAS(pm, fd) = 1;
            PB(ProtobufCBinaryData, pm, fd) = text_out(s);
        }
        return HELIOS_OK;
    }
    case K_NAMES: {
        char **v = MEMBER(char **, m, f->off);
        ProtobufCBinaryData *bd;
        if (n == 0)
            return HELIOS_OK;
        if (!(bd = enc_alloc(e, (size_t)n, sizeof *bd)))
            return HELIOS_NOMEM;
        for (int i = 0; i < n; i++)
            bd[i] = text_out(v[i]);
        PB_N(pm, fd) = (size_t)n;
        PB(ProtobufCBinaryData *, pm, fd) = bd;
        return HELIOS_OK;
    }
    case K_TENSOR:
    case K_COL_TENSOR: {
        const double *v = MEMBER(double *, m, f->off);
        if (!v || (f->kind == K_COL_TENSOR && n == 0))
            return HELIOS_OK;
        PB_HAS(pm, fd) = 1;
        return tensor_out(e, v, (size_t)n, &PB(ProtobufCBinaryData, pm, fd));
    }
    case K_BLOB: {
        uint8_t *v = MEMBER(uint8_t *, m, f->off);
        if (v) {
            PB_HAS(pm, fd) = 1;
            PB(ProtobufCBinaryData, pm, fd) = (ProtobufCBinaryData){ MEMBER(size_t, m, f->count), v };
        }
        return HELIOS_OK;
    }
    case K_U64:
        PB_HAS(pm, fd) = (PB(uint64_t, pm, fd) = MEMBER(uint64_t, m, f->off)) != 0;
        return HELIOS_OK;
    case K_INT:
    case K_SPLIT:
        PB_HAS(pm, fd) = (PB(int32_t, pm, fd) = MEMBER(int, m, f->off)) != 0;
        return HELIOS_OK;
    case K_NCOLS:
        PB_HAS(pm, fd) = (PB(uint32_t, pm, fd) = (uint32_t)MEMBER(int, m, f->off)) != 0;
        return HELIOS_OK;
    case K_COUNT:
        PB_HAS(pm, fd) = (PB(int64_t, pm, fd) = MEMBER(int64_t, m, f->off)) != 0;
        return HELIOS_OK;
    case K_REAL:
    case K_NONNEG:
    case K_FRACTION:
    case K_REPORT:
        PB_HAS(pm, fd) = bits_set(PB(double, pm, fd) = MEMBER(double, m, f->off));
        return HELIOS_OK;
    case K_KINDS: {
        const HlColKind *v = MEMBER(HlColKind *, m, f->off);
        int32_t *k;
        if (!v || n == 0)
            return HELIOS_OK;
        if (!(k = enc_alloc(e, (size_t)n, sizeof *k)))
            return HELIOS_NOMEM;
        for (int i = 0; i < n; i++)
            k[i] = (int32_t)v[i];
        PB_N(pm, fd) = (size_t)n;
        PB(int32_t *, pm, fd) = k;
        return HELIOS_OK;
    }
    case K_COL_COUNTS: {
        int64_t *v = MEMBER(int64_t *, m, f->off);
        if (v && n > 0) {
            PB_N(pm, fd) = (size_t)n;
            PB(int64_t *, pm, fd) = v;
        }
        return HELIOS_OK;
    }
    case K_VOCAB: {
        const HlCounts *v = MEMBER(HlCounts *, m, f->off);
        return v && n > 0 ? vocab_out(e, v, n, pm, fd) : HELIOS_OK;
    }
    }
    return HELIOS_OK;
}

int hl_wire_encode_msg(const HlMsg *m, int is_request, uint8_t **body, size_t *len, hl_err *err)
{
    const Phase *ph = phase_of((int)m->type);
    const ProtobufCMessageDescriptor *outer_d = is_request ? &hlwire__request__descriptor
                                                           : &hlwire__response__descriptor;
    union { Hlwire__Request req; Hlwire__Response resp; } outer;
    Enc e = { .ntmp = 0 };
    int rc = HELIOS_OK;
    *body = NULL;
    *len = 0;
    if (!ph)
        return hl_err_set(err, HELIOS_MISUSE, -1, "cannot encode a message of type %d (not a phase)",
                          (int)m->type);
    ctx_init(&e.c, err, 1, ph->name, is_request);
    /* Request and Response: a oneof of the phases, numbered as HlMsgType */
    const ProtobufCFieldDescriptor *pfd = protobuf_c_message_descriptor_get_field(outer_d, m->type);
    const ProtobufCMessageDescriptor *d = pfd->descriptor;
    ProtobufCMessage *pm = enc_alloc(&e, 1, d->sizeof_message);
    if (!pm)
        return HELIOS_NOMEM;
    d->message_init(pm);
    for (int i = 0; i < ph->nfields[!!is_request] && rc == HELIOS_OK; i++) {
        const Field *f = &ph->fields[!!is_request][i];
        const ProtobufCFieldDescriptor *fd = proto_field(&e.c, d, f);
        rc = !fd ? HELIOS_MISUSE : check_field(&e.c, f, m);
        if (rc == HELIOS_OK)
            rc = put_field(&e, f, m, pm, fd);
    }
    if (rc == HELIOS_OK) {
        uint32_t phase = (uint32_t)m->type;
        outer_d->message_init((ProtobufCMessage *)&outer);
        memcpy((char *)&outer + pfd->quantifier_offset, &phase, sizeof phase);
        memcpy((char *)&outer + pfd->offset, &pm, sizeof pm);
        rc = hl_wire_pack((const ProtobufCMessage *)&outer, HL_WIRE_MAX_MSG, e.c.subject, body,
                          len, err);
    }
    for (int i = 0; i < e.ntmp; i++)
        free(e.tmp[i]);
    return rc;
}

/* ---- decoding ---------------------------------------------------------------------------- */

/* *out: a NUL-terminated copy of bd, which must hold no NUL. */
static int text_in(Ctx *c, const char *label, const ProtobufCBinaryData *bd, char **out)
{
    if (bd->len && memchr(bd->data, 0, bd->len))
        return bad(c, "%s holds a NUL byte", label);
    if (!(*out = malloc(bd->len + 1)))
        return nomem(c);
    if (bd->len)
        memcpy(*out, bd->data, bd->len);
    (*out)[bd->len] = '\0';
    return HELIOS_OK;
}

/* A repeated field of n entries for a per-column array of count entries. */
static int per_column(Ctx *c, const Field *f, size_t n, int count)
{
    if (n != (size_t)count)
        return bad(c, "%s has %zu %s for %d columns", f->name, n, n == 1 ? "entry" : "entries",
                   count);
    return HELIOS_OK;
}

static int vocab_in(Ctx *c, Hlwire__Counts *const *pc, int n, HlCounts **out)
{
    HlCounts *v = calloc((size_t)n, sizeof *v);
    int rc = HELIOS_OK;
    if (!(*out = v))
        return nomem(c);
    for (int i = 0; i < n && rc == HELIOS_OK; i++) {
        const Hlwire__Counts *w = pc[i];
        if (w->n_values != w->n_counts)
            return bad(c, "vocab[%d] has %zu values and %zu counts", i, w->n_values, w->n_counts);
        if (w->n_values > HL_STATS_MAX_VALUES)
            return bad(c, "vocab[%d] has %zu values (at most %d)", i, w->n_values,
                       HL_STATS_MAX_VALUES);
        if (w->n_values == 0) {
            v[i].more = w->has_more && w->more;
            continue;
        }
        v[i].values = calloc(w->n_values, sizeof *v[i].values);
        v[i].counts = malloc(w->n_values * sizeof *v[i].counts);
        if (!v[i].values || !v[i].counts)
            return nomem(c);
        v[i].n = (int)w->n_values;          /* hl_msg_clear() frees what is filled so far */
        memcpy(v[i].counts, w->counts, w->n_counts * sizeof *v[i].counts);
        v[i].more = w->has_more && w->more;
        for (int j = 0; j < v[i].n && rc == HELIOS_OK; j++) {
            char label[48];
            snprintf(label, sizeof label, "vocab[%d].values[%d]", i, j);
            rc = text_in(c, label, &w->values[j], &v[i].values[j]);
        }
    }
    return rc;
}

/* Sets f's member of m from pm's field fd, and its count; the checks of
 * the wire form (NUL bytes, whole doubles, counts that agree) are here,
 * those of the values in check_field(). */
static int get_field(Ctx *c, const Field *f, const ProtobufCMessage *pm,
                     const ProtobufCFieldDescriptor *fd, HlMsg *m)
{
    int count = f->count && f->kind != K_BLOB ? MEMBER(int, m, f->count) : 0, rc;
    switch (f->kind) {
    case K_NAME:
    case K_TEXT:
        return PB_HAS(pm, fd) ? text_in(c, f->name, &PB(ProtobufCBinaryData, pm, fd),
                                        &MEMBER(char *, m, f->off))
                              : HELIOS_OK;
    case K_NAMES: {
        size_t n = PB_N(pm, fd);
        const ProtobufCBinaryData *bd = PB(ProtobufCBinaryData *, pm, fd);
        char **v;
        if (n > HL_WIRE_MAX_COLUMNS)
            return bad(c, "%s has %zu entries (at most %d)", f->name, n, HL_WIRE_MAX_COLUMNS);
        if (n == 0)
            return HELIOS_OK;
        if (!(v = calloc(n, sizeof *v)))
            return nomem(c);
        MEMBER(char **, m, f->off) = v;
        MEMBER(int, m, f->count) = (int)n;     /* hl_msg_clear() frees what is filled so far */
        rc = HELIOS_OK;
        for (size_t i = 0; i < n && rc == HELIOS_OK; i++) {
            char label[32];
            snprintf(label, sizeof label, "%s[%zu]", f->name, i);
            rc = text_in(c, label, &bd[i], &v[i]);
        }
        return rc;
    }
    case K_TENSOR:
    case K_COL_TENSOR: {
        const ProtobufCBinaryData *bd = &PB(ProtobufCBinaryData, pm, fd);
        size_t n = bd->len / 8;
        double *v;
        if (!PB_HAS(pm, fd))
            return HELIOS_OK;
        if (bd->len % 8)
            return bad(c, "%s of %zu bytes is not a whole number of doubles", f->name, bd->len);
        if (f->kind == K_COL_TENSOR && (rc = per_column(c, f, n, count)) != HELIOS_OK)
            return rc;
        if (f->kind == K_COL_TENSOR && n == 0)
            return HELIOS_OK;
        if (!(v = malloc(n ? n * 8 : 1)))
            return nomem(c);
        doubles_from_le(v, bd->data, n);
        MEMBER(double *, m, f->off) = v;
        if (f->kind == K_TENSOR)
            MEMBER(int, m, f->count) = (int)n;  /* n <= HL_WIRE_MAX_BODY / 8 */
        return HELIOS_OK;
    }
    case K_BLOB: {
        const ProtobufCBinaryData *bd = &PB(ProtobufCBinaryData, pm, fd);
        uint8_t *v;
        if (!PB_HAS(pm, fd))
            return HELIOS_OK;
        if (!(v = malloc(bd->len ? bd->len : 1)))
            return nomem(c);
        if (bd->len)
            memcpy(v, bd->data, bd->len);
        MEMBER(uint8_t *, m, f->off) = v;
        MEMBER(size_t, m, f->count) = bd->len;
        return HELIOS_OK;
    }
    case K_U64:
        MEMBER(uint64_t, m, f->off) = PB_HAS(pm, fd) ? PB(uint64_t, pm, fd) : 0;
        return HELIOS_OK;
    case K_INT:
    case K_SPLIT:
        MEMBER(int, m, f->off) = PB_HAS(pm, fd) ? PB(int32_t, pm, fd) : 0;
        return HELIOS_OK;
    case K_NCOLS: {
        uint32_t v = PB_HAS(pm, fd) ? PB(uint32_t, pm, fd) : 0;
        if (v > HL_WIRE_MAX_COLUMNS)
            return bad(c, "%s is %u (at most %d columns)", f->name, v, HL_WIRE_MAX_COLUMNS);
        MEMBER(int, m, f->off) = (int)v;
        return HELIOS_OK;
    }
    case K_COUNT:
        MEMBER(int64_t, m, f->off) = PB_HAS(pm, fd) ? PB(int64_t, pm, fd) : 0;
        return HELIOS_OK;
    case K_REAL:
    case K_NONNEG:
    case K_FRACTION:
    case K_REPORT:
        MEMBER(double, m, f->off) = PB_HAS(pm, fd) ? PB(double, pm, fd) : 0;
        return HELIOS_OK;
    case K_KINDS: {
        size_t n = PB_N(pm, fd);
        const int32_t *w = PB(int32_t *, pm, fd);
        HlColKind *v;
        if (n == 0)
            return HELIOS_OK;
        if ((rc = per_column(c, f, n, count)) != HELIOS_OK)
            return rc;
        if (!(v = malloc(n * sizeof *v)))
            return nomem(c);
        for (size_t i = 0; i < n; i++)
            v[i] = (HlColKind)w[i];
        MEMBER(HlColKind *, m, f->off) = v;
        return HELIOS_OK;
    }
    case K_COL_COUNTS: {
        size_t n = PB_N(pm, fd);
        int64_t *v;
        if (n == 0)
            return HELIOS_OK;
        if ((rc = per_column(c, f, n, count)) != HELIOS_OK)
            return rc;
        if (!(v = malloc(n * sizeof *v)))
            return nomem(c);
        memcpy(v, PB(int64_t *, pm, fd), n * sizeof *v);
        MEMBER(int64_t *, m, f->off) = v;
        return HELIOS_OK;
    }
    case K_VOCAB: {
        size_t n = PB_N(pm, fd);
        if (n == 0)
            return HELIOS_OK;
        if ((rc = per_column(c, f, n, count)) != HELIOS_OK)
            return rc;
        return vocab_in(c, PB(Hlwire__Counts **, pm, fd), count, &MEMBER(HlCounts *, m, f->off));
    }
    }
    return HELIOS_OK;
}

int hl_wire_decode_msg(const uint8_t *body, size_t len, int is_request, HlMsg *m, hl_err *err)
{
    const ProtobufCMessageDescriptor *outer_d = is_request ? &hlwire__request__descriptor
                                                           : &hlwire__response__descriptor;
    ProtobufCAllocator a;
    HlWireBudget b;
    Ctx c;
    int rc = HELIOS_OK;
    ctx_init(&c, err, 0, "", is_request);
    if (len > HL_WIRE_MAX_BODY)
        return bad(&c, "body of %zu bytes (at most %u)", len, HL_WIRE_MAX_BODY);
    ProtobufCMessage *outer = hl_wire_unpack(outer_d, body, len, &a, &b, c.subject, err);
    if (!outer)
        return err->code;
    /* the oneof's case: 0, or the number of a field protobuf-c knows */
    int type = is_request ? (int)((Hlwire__Request *)outer)->phase_case
                          : (int)((Hlwire__Response *)outer)->phase_case;
    const Phase *ph = phase_of(type);
    if (!ph)
        rc = bad(&c, "no phase (SCHEMA, STATS, SETUP, TRAIN, EVAL or SECAGG expected)");
    if (rc == HELIOS_OK) {
        const ProtobufCFieldDescriptor *pfd = protobuf_c_message_descriptor_get_field(outer_d, type);
        const ProtobufCMessageDescriptor *d = pfd->descriptor;
        ProtobufCMessage *pm;
        memcpy(&pm, (char *)outer + pfd->offset, sizeof pm);
        ctx_init(&c, err, 0, ph->name, is_request);
        m->type = (HlMsgType)type;
        for (int i = 0; i < ph->nfields[!!is_request] && rc == HELIOS_OK; i++) {
            const Field *f = &ph->fields[!!is_request][i];
            const ProtobufCFieldDescriptor *fd = proto_field(&c, d, f);
            rc = !fd ? HELIOS_MISUSE : get_field(&c, f, pm, fd, m);
            if (rc == HELIOS_OK)
                rc = check_field(&c, f, m);
        }
    }
    protobuf_c_message_free_unpacked(outer, &a);
    if (rc != HELIOS_OK)
        hl_msg_clear(m);
    return rc;
}

