/* frame_io.c - the frames of one connection: compression, sealing, pacing
 * and byte counts; see frame_io.h.  AES-GCM is NIST SP 800-38D, the key
 * export RFC 8446 section 7.5. */
#include "frame_io.h"

#include <lz4.h>
#include <lz4hc.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zstd.h>

#include "clock.h"
#include "helios.h"

#define MIN_COMPRESS 256        /* smaller bodies are not worth a codec's header */
#define SMALL_FRAME 16384       /* frames up to this go out as one write */
#define PACE_PIECE 16384        /* bytes a paced write sends at a time */
#define PACE_STEP 0.05          /* seconds: the longest sleep, and the burst */
#define LZ4_PREFIX 4            /* an lz4 body starts with its plain size */
#define LZ4_MAX_RATIO 255       /* lz4 cannot expand a byte to more than this */
#define READ_FIRST (1u << 20)   /* a body is read into this much, then double that */

static const char *const codec_names[] = { "none", "zstd", "lz4" };

static const char label_c2s[] = "EXPERIMENTAL helios seal c2s";
static const char label_s2c[] = "EXPERIMENTAL helios seal s2c";

int hl_net_codec_parse(const char *name)
{
    for (int i = 0; name && i < (int)(sizeof codec_names / sizeof codec_names[0]); i++)
        if (strcasecmp(name, codec_names[i]) == 0)
            return i;
    return -1;
}

const char *hl_net_codec_name(int codec)
{
    return codec >= 0 && codec < (int)(sizeof codec_names / sizeof codec_names[0])
           ? codec_names[codec] : "?";
}

int hl_net_session_init(HlNetSession *s, HlTlsConn *c, hl_err *err)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    int server = hl_tls_is_server(c);
    if (hl_tls_export_key(c, server ? label_s2c : label_c2s, s->key_tx, sizeof s->key_tx, err)
            != HELIOS_OK
        || hl_tls_export_key(c, server ? label_c2s : label_s2c, s->key_rx, sizeof s->key_rx,
                             err) != HELIOS_OK) {
        hl_net_session_wipe(s);
        return err->code;
    }
    return HELIOS_OK;
}

void hl_net_session_wipe(HlNetSession *s)
{
    if (s)
        OPENSSL_cleanse(s, sizeof *s);
}

void hl_net_session_mirror(HlNetSession *s, const HlFrameHeader *h)
{
    /* a request sent plain (too small to gain) still gets an answer in
     * the codec the HELLO asked for: answers (EVAL's counts) may compress
     * when the requests do not */
    s->codec = h->flags & HL_WIRE_F_ZSTD ? HL_CODEC_ZSTD
               : h->flags & HL_WIRE_F_LZ4 ? HL_CODEC_LZ4 : s->answer_codec;
    s->level = s->codec == s->answer_codec ? s->answer_level : 0;
    s->seal = (h->flags & HL_WIRE_F_SEALED) != 0;
}

static int is_data(int type)
{
    return type == HL_FRAME_REQUEST || type == HL_FRAME_RESPONSE;
}

/* ---- sealing ------------------------------------------------------------------------ */

/* AES-256-GCM in place over buf (len bytes), the header as additional
 * data, the nonce 4 zero bytes and seq little-endian.  Sealing writes the
 * tag; opening checks it.  1 on success. */
static int gcm(int seal, const uint8_t *key, uint64_t seq, const uint8_t *hdr, uint8_t *buf,
               size_t len, uint8_t *tag)
{
    uint8_t iv[12] = { 0 }, fin[16];
    for (int i = 0; i < 8; i++)
        iv[4 + i] = (uint8_t)(seq >> (8 * i));
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int n, ok = x && EVP_CipherInit_ex(x, EVP_aes_256_gcm(), NULL, key, iv, seal) == 1
                && EVP_CipherUpdate(x, NULL, &n, hdr, HL_WIRE_HEADER) == 1;
    if (ok && !seal)
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, HL_SEAL_TAG, tag) == 1;
    if (ok && len)      /* len <= HL_WIRE_MAX_BODY: fits an int */
        ok = EVP_CipherUpdate(x, buf, &n, buf, (int)len) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(x, fin, &n) == 1;
    if (ok && seal)
        ok = EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, HL_SEAL_TAG, tag) == 1;
    EVP_CIPHER_CTX_free(x);
    ERR_clear_error();
    OPENSSL_cleanse(iv, sizeof iv);
    return ok;
}

/* ---- making a frame ------------------------------------------------------------------ */

/* A frame ready to go: the header, and the body as it goes on the wire,
 * either the caller's (body) or our own buffer holding header and body in
 * one piece (buf; body then points into it). */
typedef struct Wire {
    uint8_t hdr[HL_WIRE_HEADER];
    const uint8_t *body;
    size_t len;
    uint8_t *buf;
} Wire;

/* Compresses body into w->buf (after room bytes, with tail bytes spare at
 * the end) when that makes it smaller; else leaves w alone. */
static void compress(const HlNetSession *s, const uint8_t *body, size_t len, size_t room,
                     size_t tail, Wire *w, uint16_t *flags)
{
    uint8_t *buf;
    size_t n = 0;
    if (s->codec == HL_CODEC_ZSTD) {
        size_t bound = ZSTD_compressBound(len);
        if (!(buf = malloc(room + bound + tail)))
            return;
        n = ZSTD_compress(buf + room, bound, body, len, s->level > 0 ? s->level : 3);
        if (ZSTD_isError(n))
            n = len;
        *flags = HL_WIRE_F_ZSTD;
    } else if (s->codec == HL_CODEC_LZ4) {
        int bound = LZ4_compressBound((int)len);        /* len <= HL_WIRE_MAX_MSG */
        if (bound <= 0 || !(buf = malloc(room + LZ4_PREFIX + (size_t)bound + tail)))
            return;
        uint8_t *p = buf + room;
        int k = s->level > 0
                ? LZ4_compress_HC((const char *)body, (char *)p + LZ4_PREFIX, (int)len, bound,
                                  s->level > LZ4HC_CLEVEL_MAX ? LZ4HC_CLEVEL_MAX : s->level)
                : LZ4_compress_default((const char *)body, (char *)p + LZ4_PREFIX, (int)len,
                                       bound);
        for (int i = 0; i < LZ4_PREFIX; i++)
            p[i] = (uint8_t)(len >> (8 * i));
        n = k > 0 ? LZ4_PREFIX + (size_t)k : len;
        *flags = HL_WIRE_F_LZ4;
    } else
        return;
    if (n >= len) {
        free(buf);
        *flags = 0;
        return;
    }
    w->buf = buf;
    w->len = n;
}

/* Makes the frame of type and body into *w: compressed and sealed when the
 * session says so and the type is REQUEST or RESPONSE. */
static int wire_make(HlNetSession *s, int type, const uint8_t *body, size_t len, Wire *w,
                     hl_err *err)
{
    int data = is_data(type);
    uint32_t max = data ? HL_WIRE_MAX_MSG : hl_wire_max_length(type);
    size_t room = HL_WIRE_HEADER, tail = data && s->seal ? HL_SEAL_TAG : 0;
    uint16_t flags = 0;
    memset(w, 0, sizeof *w);
    if (!max)
        return hl_err_set(err, HELIOS_MISUSE, -1, "no frame type %d", type);
    if (len > max)
        return hl_err_set(err, HELIOS_ERROR, -1, "a %s frame of %zu bytes is over its limit (%u)",
                          hl_wire_frame_name(type), len, max);
    if (data && len >= MIN_COMPRESS)
        compress(s, body, len, room, tail, w, &flags);
    if (!w->buf && (tail || len <= SMALL_FRAME)) {
        if (!(w->buf = malloc(room + len + tail)))
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        if (len)
            memcpy(w->buf + room, body, len);
        w->len = len;
    }
    if (!w->buf)
        w->len = len;
    w->body = w->buf ? w->buf + room : body;
    if (tail)
        flags |= HL_WIRE_F_SEALED;
    HlFrameHeader h = { .version = HL_WIRE_VERSION, .type = (uint8_t)type, .flags = flags,
                        .length = (uint32_t)(w->len + tail) };
    hl_wire_header_write(w->hdr, &h);
    if (w->buf)
        memcpy(w->buf, w->hdr, HL_WIRE_HEADER);
    if (tail) {
        if (!gcm(1, s->key_tx, s->seq_tx, w->hdr, w->buf + room, w->len, w->buf + room + w->len)) {
            free(w->buf);
            w->buf = NULL;
            return hl_err_set(err, HELIOS_ERROR, -1, "cannot seal a %s frame",
                              hl_wire_frame_name(type));
        }
        s->seq_tx++;
        w->len += tail;
    }
    return HELIOS_OK;
}

int hl_net_frame_make(HlNetSession *s, int type, const uint8_t *body, size_t len,
                      uint8_t **frame, size_t *n, hl_err *err)
{
    Wire w;
    *frame = NULL;
    *n = 0;
    int rc = wire_make(s, type, body, len, &w, err);
    if (rc != HELIOS_OK)
        return rc;
    if (!w.buf) {       /* the caller's body: copy it behind the header */
        if (!(w.buf = malloc(HL_WIRE_HEADER + w.len)))
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        memcpy(w.buf, w.hdr, HL_WIRE_HEADER);
        memcpy(w.buf + HL_WIRE_HEADER, w.body, w.len);
    }
    *frame = w.buf;
    *n = HL_WIRE_HEADER + w.len;
    return HELIOS_OK;
}

/* ---- sending: pacing and counting ---------------------------------------------------- */

static double left_of(double deadline)
{
    if (deadline < 0)
        return -1;
    double left = deadline - hl_now_seconds();
    return left > 0 ? left : 0;
}

static void sleep_s(double t)
{
    struct timespec ts = { (time_t)t, (long)((t - (double)(time_t)t) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Waits until k bytes may go (the token bucket of frame_io.h). */
static int pace(HlNetSession *s, size_t k, double deadline, double timeout_s, hl_err *err)
{
    double rate = s->max_bytes_per_s, burst = rate * PACE_STEP;
    if (burst < PACE_PIECE)
        burst = PACE_PIECE;
    for (;;) {
        double now = hl_now_seconds();
        if (s->refilled == 0)
            s->tokens = burst;
        else if ((s->tokens += (now - s->refilled) * rate) > burst)
            s->tokens = burst;
        s->refilled = now;
        if (s->tokens >= (double)k) {
            s->tokens -= (double)k;
            return HELIOS_OK;
        }
        double need = ((double)k - s->tokens) / rate;
        if (deadline >= 0 && now + need > deadline) {
            s->timed_out = 1;
            return hl_err_set(err, HELIOS_IO, -1,
                              "%s: write timed out after %g s (paced to %g Mbit/s)",
                              hl_tls_peer_addr(s->c), timeout_s, rate * 8 / 1e6);
        }
        sleep_s(need < PACE_STEP ? need : PACE_STEP);
    }
}

/* Writes n bytes, paced when the session says so, and counts them. */
static int put(HlNetSession *s, const uint8_t *p, size_t n, double deadline, double timeout_s,
               hl_err *err)
{
    while (n > 0) {
        size_t k = s->max_bytes_per_s > 0 && n > PACE_PIECE ? PACE_PIECE : n;
        if (s->max_bytes_per_s > 0 && pace(s, k, deadline, timeout_s, err) != HELIOS_OK)
            return err->code;
        if (hl_tls_write(s->c, p, k, left_of(deadline), err) != HELIOS_OK) {
            s->timed_out = hl_tls_timed_out(s->c);
            return err->code;
        }
        s->bytes_out += (int64_t)k;
        p += k;
        n -= k;
    }
    return HELIOS_OK;
}

int hl_net_send(HlNetSession *s, int type, const uint8_t *body, size_t len, double timeout_s,
                hl_err *err)
{
    double deadline = timeout_s < 0 ? -1 : hl_now_seconds() + timeout_s;
    Wire w;
    s->timed_out = 0;
    int rc = wire_make(s, type, body, len, &w, err);
    if (rc == HELIOS_OK && w.buf)
        rc = put(s, w.buf, HL_WIRE_HEADER + w.len, deadline, timeout_s, err);
    else if (rc == HELIOS_OK) {
        rc = put(s, w.hdr, HL_WIRE_HEADER, deadline, timeout_s, err);
        if (rc == HELIOS_OK)
            rc = put(s, w.body, w.len, deadline, timeout_s, err);
    }
    free(w.buf);
    return rc;
}

/* ---- receiving ------------------------------------------------------------------------ */

static int get(HlNetSession *s, uint8_t *p, size_t n, double deadline, hl_err *err)
{
    if (hl_tls_read(s->c, p, n, left_of(deadline), err) != HELIOS_OK) {
        s->timed_out = hl_tls_timed_out(s->c);
        return err->code;
    }
    s->bytes_in += (int64_t)n;
    return HELIOS_OK;
}

/* A body of len bytes into *body (malloc'd).  The buffer grows with what
 * arrives, doubling from READ_FIRST, so a peer that announces 256 MiB and
 * sends little makes us hold little. */
static int get_body(HlNetSession *s, uint8_t **body, size_t len, double deadline, hl_err *err)
{
    size_t cap = len < READ_FIRST ? len : READ_FIRST, got = 0;
    uint8_t *b = malloc(cap);
    while (b && got < len) {
        if (got == cap) {
            size_t more = cap * 2 < len ? cap * 2 : len;
            uint8_t *nb = realloc(b, more);
            if (!nb)
                break;
            b = nb;
            cap = more;
        }
        if (get(s, b + got, cap - got, deadline, err) != HELIOS_OK) {
            free(b);
            return err->code;
        }
        got = cap;
    }
    if (!b || got < len) {
        free(b);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    *body = b;
    return HELIOS_OK;
}

/* *body (*len bytes) decompressed per the flags, into a new *body. */
static int decompress(const HlFrameHeader *h, uint8_t **body, size_t *len, hl_err *err)
{
    const char *what = hl_wire_frame_name(h->type);
    unsigned long long n;
    int lz4 = (h->flags & HL_WIRE_F_LZ4) != 0;
    if (lz4) {
        if (*len <= LZ4_PREFIX)
            return hl_err_set(err, HELIOS_ERROR, -1, "an lz4 %s frame of %zu bytes is too short",
                              what, *len);
        n = (*body)[0] | (uint32_t)(*body)[1] << 8 | (uint32_t)(*body)[2] << 16
            | (uint32_t)(*body)[3] << 24;
        if (n > HL_WIRE_MAX_MSG || n > (unsigned long long)(*len - LZ4_PREFIX) * LZ4_MAX_RATIO)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "an lz4 %s frame of %zu bytes says %llu bytes (at most %u, and "
                              "%d times its size)", what, *len, n, (unsigned)HL_WIRE_MAX_MSG,
                              LZ4_MAX_RATIO);
    } else {
        n = ZSTD_getFrameContentSize(*body, *len);
        if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > HL_WIRE_MAX_MSG)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "a compressed %s frame does not say a size within %u bytes",
                              what, (unsigned)HL_WIRE_MAX_MSG);
    }
    uint8_t *plain = malloc(n ? (size_t)n : 1);
    if (!plain)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int ok;
    if (lz4) {
        int got = LZ4_decompress_safe((const char *)*body + LZ4_PREFIX, (char *)plain,
                                      (int)(*len - LZ4_PREFIX), (int)n);
        ok = got >= 0 && (unsigned long long)got == n;
    } else {
        size_t got = ZSTD_decompress(plain, (size_t)n, *body, *len);
        ok = !ZSTD_isError(got) && got == n;
    }
    if (!ok) {
        free(plain);
        return hl_err_set(err, HELIOS_ERROR, -1, "a compressed %s frame is corrupt (%s)", what,
                          lz4 ? "lz4" : "zstd");
    }
    free(*body);
    *body = plain;
    *len = (size_t)n;
    return HELIOS_OK;
}

/* What the header alone tells us to refuse. */
static int check_flags(const HlNetSession *s, const HlFrameHeader *h, hl_err *err)
{
    const char *what = hl_wire_frame_name(h->type);
    int sealed = (h->flags & HL_WIRE_F_SEALED) != 0;
    if (!is_data(h->type) && h->flags)
        return hl_err_set(err, HELIOS_ERROR, -1, "a %s frame cannot be compressed or sealed "
                          "(flags 0x%04x)", what, (unsigned)h->flags);
    if ((h->flags & (HL_WIRE_F_ZSTD | HL_WIRE_F_LZ4)) && h->length == 0)
        return hl_err_set(err, HELIOS_ERROR, -1, "a compressed %s frame is empty", what);
    if (sealed && h->length < HL_SEAL_TAG)
        return hl_err_set(err, HELIOS_ERROR, -1, "a sealed %s frame of %u bytes is shorter than "
                          "its tag", what, (unsigned)h->length);
    if (is_data(h->type) && !sealed && (s->require_sealed || s->seal))
        return hl_err_set(err, HELIOS_ERROR, -1, "an unsealed %s frame where sealed ones are "
                          "required (a downgrade): refused", what);
    return HELIOS_OK;
}

int hl_net_recv(HlNetSession *s, HlFrameHeader *h, uint8_t **body, double timeout_s,
                hl_err *err)
{
    double deadline = timeout_s < 0 ? -1 : hl_now_seconds() + timeout_s;
    uint8_t hdr[HL_WIRE_HEADER];
    size_t len;
    *body = NULL;
    s->timed_out = 0;
    int rc = get(s, hdr, sizeof hdr, deadline, err);
    if (rc == HELIOS_OK)
        rc = hl_wire_header_parse(hdr, sizeof hdr, h, err);
    if (rc == HELIOS_OK)
        rc = check_flags(s, h, err);
    if (rc != HELIOS_OK || (len = h->length) == 0)
        return rc;
    if ((rc = get_body(s, body, len, deadline, err)) != HELIOS_OK)
        return rc;
    if (h->flags & HL_WIRE_F_SEALED) {
        len -= HL_SEAL_TAG;
        if (gcm(0, s->key_rx, s->seq_rx, hdr, *body, len, *body + len)) {
            s->seq_rx++;
            s->require_sealed = 1;
        } else
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "a sealed %s frame fails authentication (altered, replayed, out of "
                            "order, or sealed for another connection or direction)",
                            hl_wire_frame_name(h->type));
    }
    if (rc == HELIOS_OK && (h->flags & (HL_WIRE_F_ZSTD | HL_WIRE_F_LZ4)))
        rc = decompress(h, body, &len, err);
    if (rc != HELIOS_OK) {
        free(*body);
        *body = NULL;
        return rc;
    }
    h->length = (uint32_t)len;
    if (len == 0) {
        free(*body);
        *body = NULL;
    }
    return HELIOS_OK;
}
