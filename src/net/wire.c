/*
 * wire.c - see wire.h: frame headers, and the bodies of frames as
 * protocol buffers (net/helios.proto) through protobuf-c.
 *
 * Why protobuf-c rather than a hand-written TLV codec (as secagg's
 * messages are):
 *   - schema evolution is solved there, by rules every protobuf user
 *     knows: a node a release behind skips the fields it does not know,
 *     a field it does not get reads as absent, and helios.proto says which
 *     number means what for good;
 *   - the parser that meets a hostile peer's bytes first is a maintained
 *     one, whose fixes reach us with Debian's security updates, not ours to
 *     get right from scratch; what we write on top is the checking of
 *     values, which no format does for us;
 *   - helios.proto documents the messages for whoever writes another
 *     client, in a language with its own protobuf library;
 *   - Debian ships it (libprotobuf-c-dev and protobuf-c-compiler, 1.4.1 in
 *     bookworm): a small C library, no C++ runtime.
 * The costs: a generated file and a build rule, a copy of every bytes field
 * while unpacking, and text that travels as bytes (helios.proto says why).
 *
 * This file: the frame header, protobuf-c's packing and unpacking within
 * a memory budget (shared with wire_msg.c through wire_int.h), and the
 * ERROR and HELLO bodies.  HlMsg bodies are in wire_msg.c.
 */
#include "wire.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helios.h"
#include "helios.pb-c.h"
#include "wire_int.h"

/* ---- frames ------------------------------------------------------------------------------ */

static const uint8_t wire_magic[4] = { 'H', 'L', 'N', 'P' };

static const struct {
    const char *name;
    uint32_t max;               /* the most body a frame of the type may have */
} frame_types[] = {
    [HL_FRAME_HELLO]    = { "HELLO",    HL_WIRE_MAX_CONTROL },
    [HL_FRAME_REQUEST]  = { "REQUEST",  HL_WIRE_MAX_BODY },
    [HL_FRAME_RESPONSE] = { "RESPONSE", HL_WIRE_MAX_BODY },
    [HL_FRAME_ERROR]    = { "ERROR",    HL_WIRE_MAX_CONTROL },
    [HL_FRAME_PING]     = { "PING",     HL_WIRE_MAX_CONTROL },
    [HL_FRAME_PONG]     = { "PONG",     HL_WIRE_MAX_CONTROL },
    [HL_FRAME_BYE]      = { "BYE",      HL_WIRE_MAX_CONTROL },
};
#define NFRAME_TYPES ((int)(sizeof frame_types / sizeof frame_types[0]))

const char *hl_wire_frame_name(int type)
{
    return type > 0 && type < NFRAME_TYPES ? frame_types[type].name : "?";
}

uint32_t hl_wire_max_length(int type)
{
    return type > 0 && type < NFRAME_TYPES ? frame_types[type].max : 0;
}

static uint32_t get_le(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

int hl_wire_header_parse(const uint8_t *hdr, size_t n, HlFrameHeader *h, hl_err *err)
{
    if (n < HL_WIRE_HEADER)
        return hl_err_set(err, HELIOS_ERROR, -1, "truncated frame header: %zu of %d bytes", n,
                          HL_WIRE_HEADER);
    if (memcmp(hdr, wire_magic, sizeof wire_magic) != 0)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "not a helios frame: magic %02x %02x %02x %02x (\"HLNP\" expected)",
                          hdr[0], hdr[1], hdr[2], hdr[3]);
    h->version = hdr[4];
    h->type = hdr[5];
    h->flags = (uint16_t)get_le(hdr + 6, 2);
    h->length = get_le(hdr + 8, 4);
    uint32_t reserved = get_le(hdr + 12, 4);
    if (h->version != HL_WIRE_VERSION)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "frame of protocol version %u (this build speaks %d)", h->version,
                          HL_WIRE_VERSION);
    if (!hl_wire_max_length(h->type))
        return hl_err_set(err, HELIOS_ERROR, -1, "unknown frame type %u", h->type);
    if (h->flags & ~HL_WIRE_F_KNOWN)
        return hl_err_set(err, HELIOS_ERROR, -1, "%s frame with unknown flags 0x%04x",
                          hl_wire_frame_name(h->type), (unsigned)(h->flags & ~HL_WIRE_F_KNOWN));
    if ((h->flags & HL_WIRE_F_ZSTD) && (h->flags & HL_WIRE_F_LZ4))
        return hl_err_set(err, HELIOS_ERROR, -1, "%s frame flagged both zstd and lz4",
                          hl_wire_frame_name(h->type));
    if (reserved)
        return hl_err_set(err, HELIOS_ERROR, -1, "%s frame with reserved field 0x%08x (0 expected)",
                          hl_wire_frame_name(h->type), reserved);
    if (h->length > hl_wire_max_length(h->type))
        return hl_err_set(err, HELIOS_ERROR, -1, "%s frame of %u bytes (at most %u)",
                          hl_wire_frame_name(h->type), h->length, hl_wire_max_length(h->type));
    return HELIOS_OK;
}

void hl_wire_header_write(uint8_t *hdr, const HlFrameHeader *h)
{
    memcpy(hdr, wire_magic, sizeof wire_magic);
    hdr[4] = h->version;
    hdr[5] = h->type;
    put_le(hdr + 6, h->flags, 2);
    put_le(hdr + 8, h->length, 4);
    put_le(hdr + 12, 0, 4);
}

/* ---- packing, and unpacking within a memory budget (wire_int.h) ------------------------ */

/* protobuf-c allocates through this while it unpacks.  Each block carries
 * its size in front, so the live total is known; past the budget an
 * allocation fails, and with it the unpack.  The budget, 8 bytes per byte
 * of body and 16 MiB, is what an honest body needs at most: a bytes field
 * takes a 16-byte descriptor for 2 bytes of tag and length, a packed int64
 * 8 bytes for a 1-byte varint; the 16 MiB hold protobuf-c's parse tables
 * and a message struct for each of up to HL_WIRE_MAX_COLUMNS columns. */
typedef union BlockHead {
    size_t size;
    max_align_t align;
} BlockHead;

static void *budget_alloc(void *data, size_t size)
{
    HlWireBudget *b = data;
    BlockHead *h;
    if (size > b->left) {
        b->exceeded = 1;
        return NULL;
    }
    if (!(h = malloc(sizeof *h + size))) {
        b->nomem = 1;
        return NULL;
    }
    b->left -= size;
    h->size = size;
    return h + 1;
}

static void budget_free(void *data, void *p)
{
    HlWireBudget *b = data;
    if (!p)
        return;
    BlockHead *h = (BlockHead *)p - 1;
    b->left += h->size;
    free(h);
}

ProtobufCMessage *hl_wire_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *body,
                                size_t len, ProtobufCAllocator *a, HlWireBudget *b, const char *what,
                                hl_err *err)
{
    *b = (HlWireBudget){ .left = HL_WIRE_BUDGET(len) };
    *a = (ProtobufCAllocator){ budget_alloc, budget_free, b };
    ProtobufCMessage *pm = protobuf_c_message_unpack(d, a, len, body);
    if (pm)
        return pm;
    if (b->nomem)
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (b->exceeded)
        hl_err_set(err, HELIOS_ERROR, -1,
                   "malformed %s: the body would take more than %zu bytes to decode", what,
                   HL_WIRE_BUDGET(len));
    else
        hl_err_set(err, HELIOS_ERROR, -1, "malformed %s: not a %s protocol buffer", what, d->name);
    return NULL;
}

int hl_wire_pack(const ProtobufCMessage *pm, size_t max, const char *what, uint8_t **body,
                size_t *len, hl_err *err)
{
    size_t n = protobuf_c_message_get_packed_size(pm);
    uint8_t *b;
    if (n > max)
        return hl_err_set(err, HELIOS_MISUSE, -1, "cannot encode %s: body of %zu bytes (at most %zu)",
                          what, n, max);
    if (!(b = malloc(n ? n : 1)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    protobuf_c_message_pack(pm, b);
    *body = b;
    *len = n;
    return HELIOS_OK;
}

/* ---- ERROR bodies ------------------------------------------------------------------------ */

/* The bytes of s to keep to stay within max, cut before a UTF-8
 * character that would not fit whole. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

static int is_control(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7f;
}

static int error_code_ok(int code)
{
    return code >= HELIOS_ERROR && code <= HELIOS_MISUSE;
}

int hl_wire_encode_error(int code, const char *msg, uint8_t **body, size_t *len, hl_err *err)
{
    char text[HL_WIRE_MAX_ERRMSG];
    Hlwire__Error e = HLWIRE__ERROR__INIT;
    size_t n;
    *body = NULL;
    *len = 0;
    if (!error_code_ok(code))
        return hl_err_set(err, HELIOS_MISUSE, -1, "cannot encode ERROR: %d is not an error code",
                          code);
    msg = msg ? msg : "";
    n = utf8_cut(msg, sizeof text);
    for (size_t i = 0; i < n; i++)
        text[i] = is_control((unsigned char)msg[i]) ? '?' : msg[i];
    e.has_message = 1;
    e.message = (ProtobufCBinaryData){ n, (uint8_t *)text };
    e.has_code = 1;
    e.code = code;
    return hl_wire_pack(&e.base, HL_WIRE_MAX_CONTROL, "ERROR", body, len, err);
}

int hl_wire_decode_error(const uint8_t *body, size_t len, int *code, char *msg, size_t msgsz,
                         hl_err *err)
{
    ProtobufCAllocator a;
    HlWireBudget b;
    Hlwire__Error *e;
    int rc = HELIOS_OK;
    if (len > HL_WIRE_MAX_CONTROL)
        return hl_err_set(err, HELIOS_ERROR, -1, "malformed ERROR: body of %zu bytes (at most %u)",
                          len, HL_WIRE_MAX_CONTROL);
    e = (Hlwire__Error *)hl_wire_unpack(&hlwire__error__descriptor, body, len, &a, &b, "ERROR",
                                        err);
    if (!e)
        return err->code;
    const uint8_t *p = e->message.data;
    size_t n = e->has_message ? e->message.len : 0;
    if (!e->has_code)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "malformed ERROR: no code");
    else if (!error_code_ok(e->code))
        rc = hl_err_set(err, HELIOS_ERROR, -1, "malformed ERROR: %d is not an error code", e->code);
    else if (n > HL_WIRE_MAX_ERRMSG)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "malformed ERROR: message of %zu bytes (at most %d)",
                        n, HL_WIRE_MAX_ERRMSG);
    for (size_t i = 0; rc == HELIOS_OK && i < n; i++)
        if (is_control(p[i]))
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "malformed ERROR: message holds control character 0x%02x", p[i]);
    if (rc == HELIOS_OK) {
        *code = e->code;
        if (msg && msgsz > 0) {
            char text[HL_WIRE_MAX_ERRMSG + 1];
            if (n)
                memcpy(text, p, n);
            text[n] = '\0';
            size_t k = utf8_cut(text, msgsz - 1);
            memcpy(msg, text, k);
            msg[k] = '\0';
        }
    }
    protobuf_c_message_free_unpacked(&e->base, &a);
    return rc;
}

/* ---- HELLO bodies ------------------------------------------------------------------------ */

/* A name or a version: 1 .. HL_WIRE_MAX_IDENT bytes, none a control
 * character. */
static int ident_check(const char *what, const char *field, const uint8_t *p, size_t n, int code,
                       hl_err *err)
{
    if (n == 0 || n > HL_WIRE_MAX_IDENT)
        return hl_err_set(err, code, -1, "%s HELLO: %s of %zu bytes (1 to %d expected)", what, field,
                          n, HL_WIRE_MAX_IDENT);
    for (size_t i = 0; i < n; i++)
        if (is_control(p[i]))
            return hl_err_set(err, code, -1, "%s HELLO: %s holds control character 0x%02x", what,
                              field, p[i]);
    return HELIOS_OK;
}

/* The numbers of a HELLO; absent ones come as 0 (and fail, but node_id and
 * the bandwidth). */
static int hello_check(const char *what, long long min, long long max, long long node_id,
                       double mbps, int code, hl_err *err)
{
    if (min < 1 || min > max || max > 255)
        return hl_err_set(err, code, -1, "%s HELLO: versions %lld to %lld (1 <= min <= max <= 255 "
                          "expected)", what, min, max);
    if (node_id < 0)
        return hl_err_set(err, code, -1, "%s HELLO: node_id %lld (>= 0 expected)", what, node_id);
    if (!(mbps >= 0 && mbps <= DBL_MAX))     /* NaN fails this too */
        return hl_err_set(err, code, -1, "%s HELLO: max_bandwidth_mbps %g (a finite number >= 0 "
                          "expected)", what, mbps);
    return HELIOS_OK;
}

int hl_wire_encode_hello(const HlWireHello *h, uint8_t **body, size_t *len, hl_err *err)
{
    const char *what = "cannot encode";
    Hlwire__Hello w = HLWIRE__HELLO__INIT;
    /* one byte past the bound is enough to refuse */
    size_t nname = h->name ? strnlen(h->name, HL_WIRE_MAX_IDENT + 1) : 0;
    size_t nver = h->helios_version ? strnlen(h->helios_version, HL_WIRE_MAX_IDENT + 1) : 0;
    int rc = hello_check(what, h->version_min, h->version_max, h->node_id,
                         h->max_bandwidth_mbps, HELIOS_MISUSE, err);
    *body = NULL;
    *len = 0;
    if (rc == HELIOS_OK && (h->accepts & ~HL_WIRE_F_KNOWN))
        rc = hl_err_set(err, HELIOS_MISUSE, -1, "cannot encode HELLO: unknown flags 0x%x accepted",
                        h->accepts & ~HL_WIRE_F_KNOWN);
    if (rc == HELIOS_OK && h->seal != 0 && h->seal != 1)
        rc = hl_err_set(err, HELIOS_MISUSE, -1, "cannot encode HELLO: seal %d (0 or 1 expected)",
                        h->seal);
    if (rc == HELIOS_OK && (h->codec < 0 || h->codec > 2 || h->codec_level < 0
                            || h->codec_level > 22))
        rc = hl_err_set(err, HELIOS_MISUSE, -1,
                        "cannot encode HELLO: codec %d level %d (0..2 and 0..22 expected)",
                        h->codec, h->codec_level);
    if (rc == HELIOS_OK)
        rc = ident_check(what, "name", (const uint8_t *)h->name, nname, HELIOS_MISUSE, err);
    if (rc == HELIOS_OK)
        rc = ident_check(what, "helios_version", (const uint8_t *)h->helios_version, nver,
                         HELIOS_MISUSE, err);
    if (rc != HELIOS_OK)
        return rc;
    w.has_version_min = w.has_version_max = 1;
    w.version_min = (uint32_t)h->version_min;
    w.version_max = (uint32_t)h->version_max;
    w.has_node_id = h->node_id != 0;
    w.node_id = h->node_id;
    w.has_accepts = h->accepts != 0;
    w.accepts = h->accepts;
    w.has_max_bandwidth_mbps = h->max_bandwidth_mbps > 0;
    w.max_bandwidth_mbps = h->max_bandwidth_mbps;
    w.has_seal = h->seal != 0;
    w.seal = h->seal != 0;
    w.has_codec = h->codec != 0;
    w.codec = (uint32_t)h->codec;
    w.has_codec_level = h->codec_level != 0;
    w.codec_level = (uint32_t)h->codec_level;
    w.has_helios_version = w.has_name = 1;
    w.helios_version = (ProtobufCBinaryData){ nver, (uint8_t *)h->helios_version };
    w.name = (ProtobufCBinaryData){ nname, (uint8_t *)h->name };
    return hl_wire_pack(&w.base, HL_WIRE_MAX_CONTROL, "HELLO", body, len, err);
}

static char *dup_bytes(const ProtobufCBinaryData *bd)
{
    char *s = malloc(bd->len + 1);
    if (s) {
        memcpy(s, bd->data, bd->len);       /* checked: 1 or more bytes */
        s[bd->len] = '\0';
    }
    return s;
}

int hl_wire_decode_hello(const uint8_t *body, size_t len, HlWireHello *h, hl_err *err)
{
    const char *what = "malformed";
    ProtobufCAllocator a;
    HlWireBudget b;
    Hlwire__Hello *w;
    int rc;
    memset(h, 0, sizeof *h);
    if (len > HL_WIRE_MAX_CONTROL)
        return hl_err_set(err, HELIOS_ERROR, -1, "malformed HELLO: body of %zu bytes (at most %u)",
                          len, HL_WIRE_MAX_CONTROL);
    if (!(w = (Hlwire__Hello *)hl_wire_unpack(&hlwire__hello__descriptor, body, len, &a, &b, "HELLO",
                                              err)))
        return err->code;
    long long min = w->has_version_min ? w->version_min : 0;
    long long max = w->has_version_max ? w->version_max : 0;
    double mbps = w->has_max_bandwidth_mbps ? w->max_bandwidth_mbps : 0;
    rc = hello_check(what, min, max, w->has_node_id ? w->node_id : 0, mbps, HELIOS_ERROR, err);
    if (rc == HELIOS_OK)
        rc = ident_check(what, "name", w->name.data, w->has_name ? w->name.len : 0, HELIOS_ERROR,
                         err);
    if (rc == HELIOS_OK)
        rc = ident_check(what, "helios_version", w->helios_version.data,
                         w->has_helios_version ? w->helios_version.len : 0, HELIOS_ERROR, err);
    if (rc == HELIOS_OK && ((w->has_codec && w->codec > 2)
                            || (w->has_codec_level && w->codec_level > 22)))
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "malformed HELLO: codec %u level %u (0..2 and 0..22 expected)",
                        w->has_codec ? w->codec : 0, w->has_codec_level ? w->codec_level : 0);
    if (rc == HELIOS_OK) {
        h->version_min = (int)min;
        h->codec = w->has_codec ? (int)w->codec : 0;
        h->codec_level = w->has_codec_level ? (int)w->codec_level : 0;
        h->version_max = (int)max;
        h->node_id = w->has_node_id ? w->node_id : 0;
        h->accepts = w->has_accepts ? w->accepts & HL_WIRE_F_KNOWN : 0;
        h->max_bandwidth_mbps = mbps == 0 ? 0 : mbps;   /* -0 reads as 0 */
        h->seal = w->has_seal && w->seal;
        h->name = dup_bytes(&w->name);
        h->helios_version = dup_bytes(&w->helios_version);
        if (!h->name || !h->helios_version) {
            hl_wire_hello_clear(h);
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        }
    }
    protobuf_c_message_free_unpacked(&w->base, &a);
    return rc;
}

void hl_wire_hello_clear(HlWireHello *h)
{
    if (!h)
        return;
    free(h->name);
    free(h->helios_version);
    memset(h, 0, sizeof *h);
}

int hl_wire_hello_version(const HlWireHello *a, const HlWireHello *b)
{
    int lo = a->version_min > b->version_min ? a->version_min : b->version_min;
    int hi = a->version_max < b->version_max ? a->version_max : b->version_max;
    return lo <= hi ? hi : 0;
}
