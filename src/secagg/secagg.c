/*
 * secagg.c - what both sides of secure aggregation share: the fixed-point
 * encoding, the layout of a vector into ranged segments, and the message
 * codec (see secagg.h for the formats).  The client is secagg_client.c,
 * the server secagg_server.c.
 */
#include "helios.h"
#include "secagg_int.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hl_sa_too_few(hl_err *err, int t, int left)
{
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "secure aggregation needs at least t=%d surviving nodes, %d left", t, left);
}

int hl_secagg_default_threshold(int n)
{
    int t = n / 2 + 1;
    return t < HL_SECAGG_MIN_NODES ? HL_SECAGG_MIN_NODES : t;
}

/* ---- layout and fixed point ------------------------------------------- */

uint32_t hl_secagg_levels(int n)
{
    return n < 1 ? 0 : (uint32_t)(UINT32_MAX / (uint32_t)n);
}

int hl_secagg_check_layout(const HlSecAggSegment *segs, int nsegs, int dim, hl_err *err)
{
    if (dim < 1 || dim > HL_SECAGG_MAX_DIM)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: a vector of %d coordinates (1 to %d)", dim,
                          HL_SECAGG_MAX_DIM);
    if (!segs && nsegs == 0)
        return HELIOS_OK;
    if (!segs || nsegs < 1 || nsegs > HL_SECAGG_MAX_SEGMENTS)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: %d segments (1 to %d)", nsegs,
                          HL_SECAGG_MAX_SEGMENTS);
    long long total = 0;
    for (int i = 0; i < nsegs; i++) {
        if (segs[i].count < 1)
            return hl_err_set(err, HELIOS_MISUSE, -1,
                              "secure aggregation: segment %d has %d coordinates", i,
                              segs[i].count);
        if (!isfinite(segs[i].lo) || !isfinite(segs[i].hi) || !(segs[i].lo < segs[i].hi))
            return hl_err_set(err, HELIOS_MISUSE, -1,
                              "secure aggregation: segment %d has the range [%g, %g]; a "
                              "finite lo < hi was expected", i, segs[i].lo, segs[i].hi);
        total += segs[i].count;
    }
    if (total != dim)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: the segments cover %lld coordinates, the vector "
                          "has %d", total, dim);
    return HELIOS_OK;
}

static const HlSecAggSegment default_segment = {
    0, -HL_SECAGG_DEFAULT_RANGE, HL_SECAGG_DEFAULT_RANGE
};

int hl_sa_layout_copy(const HlSecAggSegment *segs, int nsegs, int dim, HlSecAggSegment **out,
                      int *nout, hl_err *err)
{
    int rc = hl_secagg_check_layout(segs, nsegs, dim, err);
    if (rc != HELIOS_OK)
        return rc;
    int k = segs ? nsegs : 1;
    HlSecAggSegment *copy = malloc((size_t)k * sizeof *copy);
    if (!copy)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (segs) {
        memcpy(copy, segs, (size_t)k * sizeof *copy);
    } else {
        copy[0] = default_segment;
        copy[0].count = dim;
    }
    *out = copy;
    *nout = k;
    return HELIOS_OK;
}

static int check_n(int n, hl_err *err)
{
    if (n < 1 || n > HL_SECAGG_MAX_NODES)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: %d nodes (1 to %d)", n, HL_SECAGG_MAX_NODES);
    return HELIOS_OK;
}

int hl_secagg_encode(const HlSecAggSegment *segs, int nsegs, int n, const double *x, int dim,
                     uint32_t *q, int *clipped, hl_err *err)
{
    int rc = hl_secagg_check_layout(segs, nsegs, dim, err);
    if (rc == HELIOS_OK)
        rc = check_n(n, err);
    if (rc != HELIOS_OK)
        return rc;
    for (int j = 0; j < dim; j++)
        if (isnan(x[j]))
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "secure aggregation: coordinate %d of the update is NaN", j);
    const double levels = (double)hl_secagg_levels(n);
    int nclip = 0, j = 0;
    for (int s = 0; s < (segs ? nsegs : 1); s++) {
        const HlSecAggSegment *g = segs ? &segs[s] : &default_segment;
        int end = segs ? j + g->count : dim;
        double scale = levels / (g->hi - g->lo);
        for (; j < end; j++) {
            double v = x[j];
            if (v < g->lo || v > g->hi) {
                nclip++;
                v = v < g->lo ? g->lo : g->hi;
            }
            /* Nearest level; the clamp only catches the last ulp. */
            double l = floor((v - g->lo) * scale + 0.5);
            q[j] = l <= 0 ? 0 : l >= levels ? (uint32_t)levels : (uint32_t)l;
        }
    }
    if (clipped)
        *clipped = nclip;
    return HELIOS_OK;
}

int hl_secagg_decode(const HlSecAggSegment *segs, int nsegs, int n, const uint32_t *sum,
                     int dim, int m, double *out, hl_err *err)
{
    int rc = hl_secagg_check_layout(segs, nsegs, dim, err);
    if (rc == HELIOS_OK)
        rc = check_n(n, err);
    if (rc != HELIOS_OK)
        return rc;
    if (m < 1 || m > n)
        return hl_err_set(err, HELIOS_MISUSE, -1,
                          "secure aggregation: a sum of %d vectors in a session of %d nodes", m, n);
    const double levels = (double)hl_secagg_levels(n);
    int j = 0;
    for (int s = 0; s < (segs ? nsegs : 1); s++) {
        const HlSecAggSegment *g = segs ? &segs[s] : &default_segment;
        int end = segs ? j + g->count : dim;
        double step = (g->hi - g->lo) / levels, base = (double)m * g->lo;
        for (; j < end; j++)
            out[j] = (double)sum[j] * step + base;
    }
    return HELIOS_OK;
}

double hl_secagg_error_bound(const HlSecAggSegment *seg, int n, int m)
{
    if (!seg)
        seg = &default_segment;
    double levels = (double)hl_secagg_levels(n);
    if (levels <= 0 || m < 1)
        return 0;
    return m * (seg->hi - seg->lo) / (2 * levels) +
           8 * m * (fabs(seg->lo) + fabs(seg->hi)) * DBL_EPSILON;
}

int hl_secagg_message_round(const uint8_t *msg, size_t len)
{
    if (!msg || len < HL_SA_HEADER || msg[0] != HL_SECAGG_VERSION)
        return -1;
    switch (msg[1]) {
    case HL_SA_SETUP: return HL_SECAGG_SETUP_ADVERTISE;
    case HL_SA_KEYS: return HL_SECAGG_SETUP_KEYS;
    case HL_SA_SHARE_REQ: return HL_SECAGG_SHARE;
    case HL_SA_CIPHERTEXTS: return HL_SECAGG_MASKED_INPUT;
    case HL_SA_UNMASK: return HL_SECAGG_UNMASKING;
    default: return -1;
    }
}

/* ---- writer ------------------------------------------------------------- */

int hl_sa_w_open(HlSaWriter *w, size_t cap, int type, const uint8_t session[HL_SA_SESSION],
                 hl_err *err)
{
    w->len = 0;
    w->cap = cap;
    w->p = cap >= HL_SA_HEADER ? malloc(cap) : NULL;
    if (!w->p)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    hl_sa_w_u8(w, HL_SECAGG_VERSION);
    hl_sa_w_u8(w, (uint8_t)type);
    hl_sa_w_bytes(w, session, HL_SA_SESSION);
    return HELIOS_OK;
}

void hl_sa_w_bytes(HlSaWriter *w, const uint8_t *b, size_t n)
{
    /* A message is sized before it is written: running over is a bug that
     * close() reports; never write past the buffer. */
    if (w->len + n <= w->cap)
        memcpy(w->p + w->len, b, n);
    w->len += n;
}

uint8_t *hl_sa_w_reserve(HlSaWriter *w, size_t n)
{
    uint8_t *at = w->len + n <= w->cap ? w->p + w->len : NULL;
    w->len += n;
    return at;
}

void hl_sa_w_u8(HlSaWriter *w, uint8_t v)
{
    hl_sa_w_bytes(w, &v, 1);
}

void hl_sa_w_u32(HlSaWriter *w, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    hl_sa_w_bytes(w, b, 4);
}

void hl_sa_w_u64(HlSaWriter *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    hl_sa_w_bytes(w, b, 8);
}

void hl_sa_w_f64(HlSaWriter *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    hl_sa_w_u64(w, u);
}

int hl_sa_w_close(HlSaWriter *w, uint8_t **msg, size_t *len, hl_err *err)
{
    if (w->len != w->cap) {
        free(w->p);
        w->p = NULL;
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "secure aggregation: internal error: a message of %zu bytes sized "
                          "for %zu", w->len, w->cap);
    }
    *msg = w->p;
    *len = w->len;
    w->p = NULL;
    return HELIOS_OK;
}

/* ---- reader ------------------------------------------------------------- */

static const char *type_name(int type)
{
    static const char *const names[] = {
        "?", "SETUP (key setup request)", "ADVERTISE (key setup reply)",
        "KEYS (key setup request)", "ACK (key setup reply)", "SHARE (round request)",
        "SHARES (round reply)", "CIPHERTEXTS (masked input request)",
        "MASKED (masked input reply)", "UNMASK (unmasking request)",
        "REVEAL (unmasking reply)"
    };
    return type >= 1 && type <= HL_SA_REVEAL ? names[type] : names[0];
}

int hl_sa_r_fail(const HlSaReader *r, hl_err *err, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return hl_err_set(err, HELIOS_ERROR, -1, "secure aggregation: %s is malformed: %s",
                      r->what, why);
}

int hl_sa_r_open(HlSaReader *r, const uint8_t *msg, size_t len, int type,
                 const uint8_t *session, const char *what, hl_err *err)
{
    r->p = msg;
    r->len = msg ? len : 0;
    r->off = 0;
    r->bad = 0;
    r->what = what;
    if (r->len < HL_SA_HEADER)
        return hl_sa_r_fail(r, err, "%zu bytes, shorter than a header (%d)", r->len,
                            HL_SA_HEADER);
    if (msg[0] != HL_SECAGG_VERSION)
        return hl_sa_r_fail(r, err, "version %u, expected %d", msg[0], HL_SECAGG_VERSION);
    if (msg[1] != type)
        return hl_sa_r_fail(r, err, "a %s (type %u) where a %s was expected",
                            type_name(msg[1]), msg[1], type_name(type));
    if (session && memcmp(msg + 2, session, HL_SA_SESSION) != 0)
        return hl_sa_r_fail(r, err, "it belongs to another session");
    r->off = HL_SA_HEADER;
    return HELIOS_OK;
}

const uint8_t *hl_sa_r_bytes(HlSaReader *r, size_t n)
{
    if (r->bad || n > r->len - r->off) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *b = r->p + r->off;
    r->off += n;
    return b;
}

uint8_t hl_sa_r_u8(HlSaReader *r)
{
    const uint8_t *b = hl_sa_r_bytes(r, 1);
    return b ? b[0] : 0;
}

uint32_t hl_sa_r_u32(HlSaReader *r)
{
    const uint8_t *b = hl_sa_r_bytes(r, 4);
    uint32_t v = 0;
    for (int i = 0; b && i < 4; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

uint64_t hl_sa_r_u64(HlSaReader *r)
{
    const uint8_t *b = hl_sa_r_bytes(r, 8);
    uint64_t v = 0;
    for (int i = 0; b && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

double hl_sa_r_f64(HlSaReader *r)
{
    uint64_t u = hl_sa_r_u64(r);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int hl_sa_r_fits(const HlSaReader *r, uint64_t count, size_t size)
{
    return !r->bad && size > 0 && count <= (r->len - r->off) / size;
}

int hl_sa_r_close(HlSaReader *r, hl_err *err)
{
    if (r->bad)
        return hl_sa_r_fail(r, err, "truncated (%zu bytes)", r->len);
    if (r->off != r->len)
        return hl_sa_r_fail(r, err, "%zu bytes trail its end", r->len - r->off);
    return HELIOS_OK;
}
