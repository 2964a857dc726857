/*
 * wire.h - the helios wire protocol: frames, and the bodies they carry.
 *
 * Everything a coordinator and a node say to each other over a connection
 * is a frame: a 16-byte header, then `length` bytes of body.
 *
 *   offset  size  field
 *        0     4  magic "HLNP" (helios node protocol)
 *        4     1  version: HL_WIRE_VERSION (1)
 *        5     1  type: HlFrameType
 *        6     2  flags, little-endian: HL_WIRE_F_ZSTD (bit 0: the body is
 *                 zstd-compressed), HL_WIRE_F_SEALED (bit 1: the body is
 *                 sealed with AES-256-GCM), HL_WIRE_F_LZ4 (bit 2: the body is
 *                 lz4-compressed); ZSTD and LZ4 together are refused, and
 *                 every other bit must be 0
 *        8     4  length of the body, little-endian, as it is on the wire
 *                 (compressed and sealed): at most HL_WIRE_MAX_BODY for
 *                 REQUEST and RESPONSE, HL_WIRE_MAX_CONTROL for the others
 *       12     4  reserved, must be 0.  Not a CRC: TLS already checks every
 *                 byte (and a sealed body its GCM tag), so a checksum would
 *                 catch nothing more; a zero field that version 1 refuses
 *                 otherwise can take a meaning later (a request id for
 *                 pipelined exchanges) without ambiguity.
 *
 * The frames: HELLO (each side's first frame: the protocol versions it
 * speaks, names, the flags it accepts), REQUEST and RESPONSE
 * (an HlMsg: one phase of a round, engine/node.h), ERROR (a failed
 * request: a HELIOS_* code and a message), PING and PONG (a keepalive; the
 * PONG echoes the PING's body, opaque, e.g. a time stamp) and BYE (the
 * sender closes; empty body).  HELLO is always framed as version 1, so that
 * any version can read it; the frames after it use the highest version
 * both HELLOs list (hl_wire_hello_version()).
 *
 * Bodies of REQUEST, RESPONSE, HELLO and ERROR are protocol buffers
 * (net/helios.proto, through protobuf-c); tensors travel as raw
 * little-endian IEEE-754 doubles.  Compression and sealing are the
 * transport's: it sets the flags and turns the body on the wire into the
 * encoded body and back (net/frame_io.h says how); this module only
 * defines the flags.  A transport that decompresses must stop at
 * HL_WIRE_MAX_MSG bytes of output.
 *
 * What this module promises: every decoder takes bytes from a hostile peer.
 * It never reads outside them, never trusts a length or a count, and checks
 * every value against the contract of engine/node.h (counts agree, enums
 * are known, text is NUL-free and bounded, tensors are whole numbers of
 * doubles); it fails with the reason in an hl_err and leaves nothing
 * allocated.  While it decodes a body of n bytes, protobuf-c holds at most
 * 8 n + 16 MiB, whatever the body says.  What it does not promise: that
 * a message makes sense to the receiver beyond that (the number of
 * parameters a model has, a response of the phase that was asked: the
 * caller checks those), nor that numbers are finite where node.h allows
 * any double (a diverged loss is news, not garbage).
 *
 * Thread safety: no state; any function from any thread.
 */
#ifndef HL_WIRE_H
#define HL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "node.h"

#define HL_WIRE_HEADER 16
#define HL_WIRE_VERSION 1

typedef enum HlFrameType {
    HL_FRAME_HELLO = 1,
    HL_FRAME_REQUEST,
    HL_FRAME_RESPONSE,
    HL_FRAME_ERROR,
    HL_FRAME_PING,
    HL_FRAME_PONG,
    HL_FRAME_BYE
} HlFrameType;

#define HL_WIRE_F_ZSTD   0x0001u
#define HL_WIRE_F_SEALED 0x0002u
#define HL_WIRE_F_LZ4    0x0004u
#define HL_WIRE_F_KNOWN  (HL_WIRE_F_ZSTD | HL_WIRE_F_SEALED | HL_WIRE_F_LZ4)

/* The largest body of a REQUEST or RESPONSE frame: 256 MiB.  The largest
 * messages are TRAIN's parameters (8 bytes each: 32 M parameters, far
 * beyond the models helios trains, which have thousands to a few hundred
 * thousand) and SECAGG's masked vectors (4 bytes a coordinate); STATS of
 * 1000 text columns at their 10000 values each fit too.  The bound is what
 * one frame of a hostile peer can make the receiver hold.
 * HL_WIRE_MAX_MSG leaves room under it for what sealing and compression
 * add (a nonce, a tag, a compressed frame's header): an encoded HlMsg is
 * at most that, and a transport must not inflate a body past it. */
#define HL_WIRE_MAX_BODY (256u << 20)
#define HL_WIRE_MAX_MSG (HL_WIRE_MAX_BODY - 4096u)
/* HELLO, ERROR, PING, PONG and BYE: small by nature (a HELLO is two names
 * and a few numbers; an error message at most HL_WIRE_MAX_ERRMSG). */
#define HL_WIRE_MAX_CONTROL 4096u

/* Bounds of what a body holds. */
#define HL_WIRE_MAX_COLUMNS 32767       /* SQLite's own limit on a table's columns */
#define HL_WIRE_MAX_NAME 4096           /* a column or table name, in bytes */
#define HL_WIRE_MAX_IDENT 255           /* HELLO's name and helios_version, in bytes */
#define HL_WIRE_MAX_ERRMSG 1024         /* an ERROR's message, in bytes */

typedef struct HlFrameHeader {
    uint8_t version, type;
    uint16_t flags;
    uint32_t length;
} HlFrameHeader;

/* "HELLO", "REQUEST", ... or "?" for a type that does not exist. */
const char *hl_wire_frame_name(int type);

/* The most body a frame of that type may have (0: not a type). */
uint32_t hl_wire_max_length(int type);

/* Parses the first HL_WIRE_HEADER bytes of hdr (n bytes available) into
 * *h.  Errors (HELIOS_ERROR, *h unspecified), each with its reason: fewer
 * than 16 bytes, a bad magic, an unknown version, type or flag, both
 * compression flags, a reserved field that is not 0, a length over the
 * type's bound. */
int hl_wire_header_parse(const uint8_t *hdr, size_t n, HlFrameHeader *h, hl_err *err);

/* Writes h as HL_WIRE_HEADER bytes at hdr (the reserved field 0). */
void hl_wire_header_write(uint8_t *hdr, const HlFrameHeader *h);

/* ---- REQUEST and RESPONSE bodies: an HlMsg ------------------------------- */

/* Encodes the fields of m that its phase uses in that direction (the table
 * in engine/node.h) into *body (malloc'd, the caller frees it) of *len
 * bytes; the other fields do not travel.  Fails with HELIOS_MISUSE (and
 * *body NULL) on a message the decoder would refuse: an unknown type, a
 * value out of its range, a phase's needed field missing, a body over
 * HL_WIRE_MAX_MSG.  m is not changed. */
int hl_wire_encode_msg(const HlMsg *m, int is_request, uint8_t **body, size_t *len, hl_err *err);

/* Decodes a body into *m, which the caller zeroed; the caller owns what m
 * holds and frees it with hl_msg_clear().  m->type is the body's phase.
 * Absent fields are 0 or NULL; per-column arrays of a response are NULL or
 * have nvocab entries.  On error (HELIOS_ERROR, or HELIOS_NOMEM) m is left
 * cleared. */
int hl_wire_decode_msg(const uint8_t *body, size_t len, int is_request, HlMsg *m, hl_err *err);

/* ---- ERROR bodies ---------------------------------------------------------- */

/* code: HELIOS_ERROR .. HELIOS_MISUSE (else HELIOS_MISUSE); msg (NULL: "")
 * travels cut to HL_WIRE_MAX_ERRMSG bytes on a character boundary, with
 * control characters sent as '?' (it is shown to people).  *body is
 * malloc'd. */
int hl_wire_encode_error(int code, const char *msg, uint8_t **body, size_t *len, hl_err *err);

/* The code and the message, the message cut to msgsz - 1 bytes on a UTF-8
 * character boundary.  A code out of range, a message that is too long or
 * holds a control character: HELIOS_ERROR. */
int hl_wire_decode_error(const uint8_t *body, size_t len, int *code, char *msg, size_t msgsz,
                         hl_err *err);

/* ---- HELLO bodies ---------------------------------------------------------- */

typedef struct HlWireHello {
    int version_min, version_max;   /* the protocol versions the sender speaks:
                                       1 <= min <= max <= 255 */
    char *name;                     /* the coordinator's HELLO: the node it wants
                                       (its registered name); the node's: its own */
    int64_t node_id;                /* the node's catalog id (>= 0), which seeds its
                                       random streams: sent by the coordinator so a
                                       remote run is the in-process one bit for bit */
    char *helios_version;           /* the sender's helios_version() */
    unsigned accepts;               /* the frame flags the sender can receive
                                       (HL_WIRE_F_*); a decoded HELLO keeps only
                                       the bits this build knows */
    double max_bandwidth_mbps;      /* the coordinator's HELLO: the node's
                                       max_bandwidth_mbps option, Mbit/s, at which
                                       the node paces what it sends; finite, >= 0;
                                       0: none (absent) */
    int seal;                       /* 1: the sender seals every REQUEST and
                                       RESPONSE body it sends on this connection
                                       (HL_WIRE_F_SEALED) and refuses unsealed ones;
                                       0: absent */
    int codec, codec_level;         /* the coordinator's HELLO: the codec (1 zstd,
                                       2 lz4; 0: none) and level (0..22, 0: the
                                       codec's default) the node answers in, whether
                                       or not a request came compressed */
} HlWireHello;

/* name and helios_version: 1 .. HL_WIRE_MAX_IDENT bytes, no control
 * character; max_bandwidth_mbps finite and >= 0; seal 0 or 1.  Other
 * values: HELIOS_MISUSE. */
int hl_wire_encode_hello(const HlWireHello *h, uint8_t **body, size_t *len, hl_err *err);

/* Fills *h (name and helios_version malloc'd: hl_wire_hello_clear()).  On
 * error *h is left cleared. */
int hl_wire_decode_hello(const uint8_t *body, size_t len, HlWireHello *h, hl_err *err);

/* Frees what a decoded HELLO holds and zeroes it; accepts NULL. */
void hl_wire_hello_clear(HlWireHello *h);

/* The highest version both speak, or 0 when they share none. */
int hl_wire_hello_version(const HlWireHello *a, const HlWireHello *b);

#endif
