/*
 * frame_io.h - the frames of one connection: a session that writes and
 * reads the frames of net/wire.h over TLS (net/tls.h), and on the way
 * compresses, seals, paces and counts them.  The coordinator's remote
 * nodes and helios-node's serving (net/remote.h) both talk through it.
 *
 * What a session does to a REQUEST or RESPONSE body it sends, in order
 * (the other frames, HELLO ERROR PING PONG BYE, go as they are):
 *
 *   compress  codec HL_CODEC_ZSTD or HL_CODEC_LZ4, for a body of 256 bytes
 *             or more, when that makes it smaller.  zstd: a zstd frame,
 *             which says its content size (flag HL_WIRE_F_ZSTD).  lz4: the
 *             plain size as 4 bytes little-endian, then one LZ4 block (flag
 *             HL_WIRE_F_LZ4).  level: zstd's 1..22 (0: 3); for lz4, 1..12 is
 *             LZ4 HC at that level and 0 the fast LZ4_compress_default.
 *   seal      with seal set: AES-256-GCM (NIST SP 800-38D) over what
 *             compression left, flag HL_WIRE_F_SEALED.  The body on the wire
 *             is the ciphertext and the 16-byte tag; the additional data is
 *             the frame's 16-byte header as sent (so its type, flags and
 *             length are covered too); the 12-byte nonce is 4 zero bytes and
 *             the number of sealed frames sent before this one in the same
 *             direction, 8 bytes little-endian (it is not sent: both ends
 *             count).  The two keys, one per direction, are 32 bytes each
 *             exported from the TLS 1.3 session (hl_tls_export_key, labels
 *             "EXPERIMENTAL helios seal c2s" and "... s2c").
 *
 * and on receipt the reverse: open, then decompress.  A sealed body that
 * was altered, replayed, reordered, cut, moved to another connection or
 * sealed for the other direction fails authentication; once a sealed frame
 * has come in (or require_sealed was set, e.g. from HELLO), an unsealed
 * REQUEST or RESPONSE is refused as a downgrade.  A decompressed body is at
 * most HL_WIRE_MAX_MSG bytes: an lz4 body that says more (or more than 255
 * times its own size, which lz4 cannot reach) is refused before anything
 * is allocated, a zstd body likewise by its content size.  A body is read
 * into a buffer that grows as its bytes arrive, so what a peer announces
 * in a header is not what it makes us hold.
 *
 * What sealing adds over TLS, and what it does not.  TLS 1.3 already
 * encrypts and authenticates every byte between the two TLS endpoints.
 * Sealing adds a second, independent layer at the frame level:
 *  - the keys are bound to the TLS session (channel binding): a sealed
 *    frame is good on the one connection it was made for, in its one
 *    direction, at its one place in the sequence.  Where TLS is terminated
 *    on the way (a TLS-inspecting proxy, a load balancer that re-encrypts)
 *    the two legs have different sessions, hence different keys: the first
 *    sealed frame fails authentication and the connection is closed.  A
 *    middlebox that would read or rewrite the protocol is detected and
 *    refused, not trusted; a deployment that must pass such a proxy uses
 *    encryption = 'none' (and trusts the proxy) or TLS pass-through.
 *  - defence in depth: the bodies stay encrypted and authenticated in any
 *    layer between framing and TLS, and a fault in the record layer or in
 *    our framing that mixed up frames is caught by the tag and sequence.
 * What it does not do: it does not protect against anyone who holds the
 *  TLS session's secrets (they derive the same keys), nor against either
 *  endpoint; it does not hide frame types, sizes or timing; it does not
 *  seal HELLO, ERROR, PING, PONG or BYE (no data of a site is in them,
 *  only names, versions and error messages, and they are inside TLS).
 *
 * Pacing: with max_bytes_per_s > 0 every send is cut into pieces of at
 * most 16 KiB, each waiting for its share of a token bucket (a burst of at
 * most 50 ms of the rate, and at least one piece), sleeping in steps of at
 * most 50 ms, so the average rate stays under the limit; a send whose
 * pacing would outlast its timeout fails as a timeout.
 *
 * Bytes: bytes_out and bytes_in count what went on and came off the
 * connection, frame headers included (not TLS's own overhead), for every
 * frame, including those that failed part way.
 *
 * Errors: a failed send or receive leaves the connection out of step;
 * after one, close it (hl_tls_close) and start a new session on a new
 * connection.  timed_out says whether the failure was a timeout.
 *
 * Thread safety: a session is used by one thread at a time, like its
 * connection.  It owns no memory: init and wipe are all there is.
 */
#ifndef HL_NET_FRAME_IO_H
#define HL_NET_FRAME_IO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tls.h"
#include "wire.h"

/* Payload codecs (the option compression). */
typedef enum HlCodec { HL_CODEC_NONE = 0, HL_CODEC_ZSTD, HL_CODEC_LZ4 } HlCodec;

#define HL_SEAL_KEY 32          /* bytes of an AES-256 key */
#define HL_SEAL_TAG 16          /* bytes of a GCM tag, after the ciphertext */

typedef struct HlNetSession {
    HlTlsConn *c;               /* the connection; not owned */
    /* how REQUEST and RESPONSE bodies are sent; the caller may change
     * them between frames (a node answers as it was asked) */
    int codec;                  /* HlCodec */
    int level;                  /* the codec's level; 0: its default */
    int seal;                   /* 1: seal them */
    int require_sealed;         /* 1: refuse an unsealed REQUEST or RESPONSE; set by
                                   the first sealed one received, or by the caller */
    double max_bytes_per_s;     /* > 0: pace sends to this average rate */
    int64_t bytes_out, bytes_in;/* bytes sent and received, headers included */
    int timed_out;              /* the last failure was a timeout */
    int answer_codec, answer_level;  /* a node's session: the codec the coordinator's
                                   HELLO asked answers in (hl_net_session_mirror) */
    /* the session's own state: keys, sequence numbers, the pacing bucket */
    uint8_t key_tx[HL_SEAL_KEY], key_rx[HL_SEAL_KEY];
    uint64_t seq_tx, seq_rx;    /* sealed frames sent, received */
    double tokens, refilled;    /* bytes that may go at once; when last filled */
} HlNetSession;

/* HL_CODEC_* of "none", "zstd" or "lz4" (any case); -1 for another name. */
int hl_net_codec_parse(const char *name);
/* "none", "zstd", "lz4", or "?". */
const char *hl_net_codec_name(int codec);

/* A session on the open connection c: nothing compressed or sealed, no
 * pacing, counters at 0, the keys of both directions derived.  Fails
 * (HELIOS_ERROR) only when the keys cannot be exported; *s is then wiped. */
int hl_net_session_init(HlNetSession *s, HlTlsConn *c, hl_err *err);

/* Zeroes the session, keys included (OPENSSL_cleanse); the connection is
 * not touched.  Accepts NULL. */
void hl_net_session_wipe(HlNetSession *s);

/* Sets codec, level and seal to those of the frame h that was received
 * (zstd and lz4 at their default levels), for the answer to mirror it. */
void hl_net_session_mirror(HlNetSession *s, const HlFrameHeader *h);

/* One frame of type with body (len bytes; body may be NULL when len is 0),
 * compressed and sealed as above for a REQUEST or RESPONSE, paced, all of
 * it within timeout_s (negative: no limit).  len at most HL_WIRE_MAX_MSG
 * for REQUEST and RESPONSE, HL_WIRE_MAX_CONTROL for the others
 * (HELIOS_ERROR otherwise, before anything is sent). */
int hl_net_send(HlNetSession *s, int type, const uint8_t *body, size_t len, double timeout_s,
                hl_err *err);

/* One frame in, within timeout_s: *h its header as received (flags as on
 * the wire, so that an answer can mirror them) but for h->length, the
 * length of *body, which is the plain body (malloc'd, the caller frees it;
 * NULL when empty).  Refused, each with its reason (HELIOS_ERROR, *body
 * NULL): a bad header (hl_wire_header_parse), a sealed or compressed
 * control frame, a sealed body that fails authentication, an unsealed
 * REQUEST or RESPONSE where sealed ones are required, a compressed body
 * that is corrupt or says a size over HL_WIRE_MAX_MSG.  HELIOS_IO: the
 * connection failed or timed out. */
int hl_net_recv(HlNetSession *s, HlFrameHeader *h, uint8_t **body, double timeout_s,
                hl_err *err);

/* The bytes hl_net_send would write (header and wire body, *n bytes,
 * malloc'd into *frame), made as it makes them: the sequence number
 * advances when the frame is sealed.  Nothing is written.  For tests and
 * tools that need to see or tamper with a frame. */
int hl_net_frame_make(HlNetSession *s, int type, const uint8_t *body, size_t len,
                      uint8_t **frame, size_t *n, hl_err *err);

#endif
