/*
 * test_frame_io.c - frames over TLS (src/net/frame_io.c) and the remote
 * node that uses them (src/net/remote.c), over real TLS 1.3 connections on
 * 127.0.0.1 with the test PKI of tests/pki.sh.
 *
 * It protects: round trips of REQUEST and RESPONSE bodies with none, zstd
 * and lz4 (fast and HC), sealed and not, the answer mirroring the request;
 * byte counters equal to header plus body on the wire; a sealed frame with
 * a byte flipped (in the body, the tag or the header), replayed,
 * reordered, cut short, sealed with the other direction's key or made for
 * another connection: each fails authentication; an unsealed frame after
 * sealed ones, or when sealing was required from the start, refused as a
 * downgrade; an lz4 body that claims more than HL_WIRE_MAX_MSG (or more
 * than lz4 can expand to) refused, and a corrupt one; pacing (2 MB at
 * 8 Mbit/s takes about 2 s, and a paced send that cannot make its timeout
 * fails as one); and the remote node's rules: a deadline missed gives
 * timed_out and "did not answer within", the next exchange dials again
 * and replays SETUP; a lost connection with auto_reconnect off fails at
 * once, with it on is dialled again at most once per reconnect_interval;
 * failover to backup_endpoint; wire bytes on success and failure.
 */
#include "unit.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tls_helpers.h"
#pragma GCC diagnostic pop

#include "net/frame_io.h"
#include "net/remote.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* ---- a connected pair, both ends in this process ---------------------------- */

typedef struct Link {
    HlTlsCtx *sx, *cx;
    int lfd, port;
    HlTlsConn *srv, *cli;
    HlNetSession a, b;          /* the client's (coordinator's) and the server's (node's) */
} Link;

static void *accept_main(void *arg)
{
    Link *l = arg;
    hl_err err;
    hl_err_clear(&err);
    if (!(l->srv = hl_tls_accept(l->sx, l->lfd, LONG, &err)))
        fprintf(stderr, "link: accept: %s\n", err.msg);
    return NULL;
}

static void link_close(Link *l)
{
    hl_net_session_wipe(&l->a);
    hl_net_session_wipe(&l->b);
    hl_tls_close(l->cli);
    hl_tls_close(l->srv);
    if (l->lfd >= 0)
        close(l->lfd);
    hl_tls_ctx_free(l->sx);
    hl_tls_ctx_free(l->cx);
    memset(l, 0, sizeof *l);
    l->lfd = -1;
}

static int link_open(Link *l)
{
    HlTlsConfig sc = cfg("node1", "ca"), cc = cfg("coordinator", "ca");
    hl_err err;
    pthread_t th;
    memset(l, 0, sizeof *l);
    l->lfd = -1;
    hl_err_clear(&err);
    if (!(l->sx = hl_tls_server_ctx(&sc, &err)) || !(l->cx = hl_tls_client_ctx(&cc, &err))
        || hl_tls_listen("127.0.0.1", 0, 4, &l->lfd, &l->port, &err) != HELIOS_OK
        || pthread_create(&th, NULL, accept_main, l) != 0) {
        fprintf(stderr, "link: %s\n", err.msg);
        link_close(l);
        return -1;
    }
    l->cli = hl_tls_connect(l->cx, "127.0.0.1", l->port, "node1", LONG, &err);
    pthread_join(th, NULL);
    if (!l->cli || !l->srv || hl_net_session_init(&l->a, l->cli, &err) != HELIOS_OK
        || hl_net_session_init(&l->b, l->srv, &err) != HELIOS_OK) {
        fprintf(stderr, "link: %s\n", err.msg);
        link_close(l);
        return -1;
    }
    return 0;
}

#define OPEN(l) do { if (link_open(l) != 0) { CHECK(0); return; } } while (0)

/* A receive in a thread of its own, so that a big send does not block. */
typedef struct Rx {
    HlNetSession *s;
    double timeout;
    HlFrameHeader h;
    uint8_t *body;
    int rc;
    hl_err err;
    pthread_t th;
} Rx;

static void *rx_main(void *arg)
{
    Rx *r = arg;
    hl_err_clear(&r->err);
    r->rc = hl_net_recv(r->s, &r->h, &r->body, r->timeout, &r->err);
    return NULL;
}

static void rx_start(Rx *r, HlNetSession *s, double timeout)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->timeout = timeout;
    if (pthread_create(&r->th, NULL, rx_main, r) != 0)
        r->rc = -1;
}

static int rx_join(Rx *r)
{
    if (r->rc != -1)
        pthread_join(r->th, NULL);
    return r->rc;
}

/* body goes from one session to the other as a frame of type and arrives
 * whole; returns the bytes it took on the wire, its flags in *flags. */
static int64_t trip(HlNetSession *from, HlNetSession *to, int type, const uint8_t *body,
                    size_t len, unsigned *flags)
{
    Rx r;
    hl_err err;
    int64_t out0 = from->bytes_out, in0 = to->bytes_in;
    hl_err_clear(&err);
    rx_start(&r, to, LONG);
    int rc = hl_net_send(from, type, body, len, LONG, &err);
    CHECK_STR(err.msg, "");
    CHECK_INT(rc, HELIOS_OK);
    CHECK_INT(rx_join(&r), HELIOS_OK);
    CHECK_STR(r.err.msg, "");
    CHECK_INT(r.h.type, type);
    CHECK_INT(r.h.length, len);
    CHECK(len ? r.body && memcmp(r.body, body, len) == 0 : r.body == NULL);
    CHECK_INT(from->bytes_out - out0, to->bytes_in - in0);
    free(r.body);
    *flags = r.h.flags;
    return to->bytes_in - in0;
}

/* Bytes that compress (a smooth series of doubles) or do not (random). */
static uint8_t *data(size_t n, int random)
{
    uint8_t *p = malloc(n ? n : 1);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        p[i] = random ? (uint8_t)x : (uint8_t)((i / 8) % 7 + (i % 8 == 7 ? 0x40 : 0));
    }
    return p;
}

/* Reading from s must fail with HELIOS_ERROR and a message holding want. */
static void recv_refused(HlNetSession *s, const char *want)
{
    HlFrameHeader h;
    uint8_t *body = (uint8_t *)"x";
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_net_recv(s, &h, &body, LONG, &err), HELIOS_ERROR);
    CHECK_HAS(err.msg, want);
    CHECK(body == NULL);
}

static void recv_ok(HlNetSession *s)
{
    HlFrameHeader h;
    uint8_t *body = NULL;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_net_recv(s, &h, &body, LONG, &err), HELIOS_OK);
    CHECK_STR(err.msg, "");
    free(body);
}

/* The frame session s would send for a 100-byte REQUEST. */
static uint8_t *make(HlNetSession *s, size_t *n)
{
    uint8_t *body = data(100, 0), *f = NULL;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_net_frame_make(s, HL_FRAME_REQUEST, body, 100, &f, n, &err), HELIOS_OK);
    free(body);
    return f;
}

static void raw(HlTlsConn *c, const uint8_t *p, size_t n)
{
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_write(c, p, n, LONG, &err), HELIOS_OK);
}

/* ---- the tests ----------------------------------------------------------------- */

/* Every codec, sealed and not: bodies of 0 to 1 MiB arrive intact; those of
 * 256 bytes or more that compress go compressed; the node's answer mirrors
 * the request (hl_net_session_mirror); the bytes on the wire are the
 * header and the body, plus a tag when sealed. */
static void test_round_trips(void)
{
    static const size_t sizes[] = { 0, 1, 100, 255, 256, 4096, 1 << 20, 65536 };
    static const int levels[] = { 0, 0, 9 };    /* per codec; lz4 also at HC level 9 below */
    for (int codec = HL_CODEC_NONE; codec <= HL_CODEC_LZ4; codec++)
        for (int seal = 0; seal <= 1; seal++) {
            Link l;
            OPEN(&l);
            for (int hc = 0; hc <= (codec == HL_CODEC_LZ4); hc++)
                for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                    int random = i == 7;
                    size_t n = sizes[i];
                    uint8_t *body = data(n, random);
                    unsigned f1 = 0, f2 = 0;
                    l.a.codec = codec;
                    l.a.level = hc ? levels[2] : levels[codec];
                    l.a.seal = seal;
                    int64_t w = trip(&l.a, &l.b, HL_FRAME_REQUEST, body, n, &f1);
                    int squeezed = codec != HL_CODEC_NONE && n >= 256 && !random;
                    unsigned want = (seal ? HL_WIRE_F_SEALED : 0)
                                    | (squeezed ? (codec == HL_CODEC_ZSTD ? HL_WIRE_F_ZSTD
                                                                          : HL_WIRE_F_LZ4) : 0);
                    CHECK_INT(f1, want);
                    if (squeezed)
                        CHECK(w < (int64_t)(HL_WIRE_HEADER + n) / 2);
                    else
                        CHECK_INT(w, HL_WIRE_HEADER + n + (seal ? HL_SEAL_TAG : 0));
                    HlFrameHeader h = { .flags = (uint16_t)f1 };
                    hl_net_session_mirror(&l.b, &h);
                    CHECK_INT(l.b.codec, squeezed ? codec : HL_CODEC_NONE);
                    trip(&l.b, &l.a, HL_FRAME_RESPONSE, body, n, &f2);
                    CHECK_INT(f2, f1);
                    free(body);
                }
            /* control frames go as they are, sealed session or not */
            unsigned f = 1;
            CHECK_INT(trip(&l.a, &l.b, HL_FRAME_PING, (const uint8_t *)"12345678", 8, &f), 24);
            CHECK_INT(f, 0);
            CHECK_INT(l.a.seq_tx, seal ? 8 * (1 + (codec == HL_CODEC_LZ4)) : 0);
            CHECK_INT(l.b.seq_rx, l.a.seq_tx);
            link_close(&l);
        }
}

/* The counters: exactly header + body, both ways, control frames too. */
static void test_bytes(void)
{
    Link l;
    OPEN(&l);
    unsigned f;
    uint8_t *body = data(1000, 1);
    trip(&l.a, &l.b, HL_FRAME_REQUEST, body, 1000, &f);
    trip(&l.b, &l.a, HL_FRAME_RESPONSE, body, 10, &f);
    trip(&l.a, &l.b, HL_FRAME_BYE, NULL, 0, &f);
    CHECK_INT(l.a.bytes_out, 16 + 1000 + 16);
    CHECK_INT(l.b.bytes_in, 16 + 1000 + 16);
    CHECK_INT(l.b.bytes_out, 16 + 10);
    CHECK_INT(l.a.bytes_in, 16 + 10);
    l.a.seal = 1;
    trip(&l.a, &l.b, HL_FRAME_REQUEST, body, 1000, &f);
    CHECK_INT(l.a.bytes_out, 1032 + 16 + 1000 + 16);
    free(body);
    link_close(&l);
}

/* Sealed frames that were tampered with, each on a connection of its own. */
static void test_tampering(void)
{
    static const char auth[] = "a sealed REQUEST frame fails authentication";
    static const size_t flips[] = { HL_WIRE_HEADER + 10, HL_WIRE_HEADER + 100 + 15, 5 };
    Link l, m;
    size_t n, n2;
    uint8_t *f, *f2;
    for (int i = 0; i < 3; i++) {       /* a byte of the body, of the tag, the type */
        OPEN(&l);
        l.a.seal = 1;
        f = make(&l.a, &n);
        CHECK_INT(n, 16 + 100 + 16);
        f[flips[i]] ^= i == 2 ? (HL_FRAME_REQUEST ^ HL_FRAME_RESPONSE) : 0x01;
        raw(l.cli, f, n);
        recv_refused(&l.b, i == 2 ? "a sealed RESPONSE frame fails authentication" : auth);
        free(f);
        link_close(&l);
    }
    OPEN(&l);                           /* replayed */
    l.a.seal = 1;
    f = make(&l.a, &n);
    raw(l.cli, f, n);
    raw(l.cli, f, n);
    recv_ok(&l.b);
    recv_refused(&l.b, auth);
    free(f);
    link_close(&l);
    OPEN(&l);                           /* reordered */
    l.a.seal = 1;
    f = make(&l.a, &n);
    f2 = make(&l.a, &n2);
    raw(l.cli, f2, n2);
    recv_refused(&l.b, auth);
    free(f);
    free(f2);
    link_close(&l);
    OPEN(&l);                           /* cut short by one byte, the length to match */
    l.a.seal = 1;
    f = make(&l.a, &n);
    f[8] = (uint8_t)(f[8] - 1);
    raw(l.cli, f, n - 1);
    recv_refused(&l.b, auth);
    free(f);
    link_close(&l);
    OPEN(&l);                           /* sealed with the other direction's key */
    l.a.seal = 1;
    memcpy(l.a.key_tx, l.a.key_rx, sizeof l.a.key_tx);
    f = make(&l.a, &n);
    raw(l.cli, f, n);
    recv_refused(&l.b, auth);
    free(f);
    link_close(&l);
    OPEN(&l);                           /* made for another connection */
    if (link_open(&m) == 0) {
        m.a.seal = 1;
        f = make(&m.a, &n);
        raw(l.cli, f, n);
        recv_refused(&l.b, auth);
        free(f);
        link_close(&m);
    } else
        CHECK(0);
    link_close(&l);
}

/* Unsealed data frames where sealed ones are due, flags that do not
 * belong, a compressed body of nothing: refused, each with its reason (a
 * connection each: a frame refused by its header leaves its body
 * unread). */
static void test_downgrade(void)
{
    static const char down[] = "an unsealed REQUEST frame where sealed ones are required "
                               "(a downgrade): refused";
    Link l;
    unsigned f;
    size_t n;
    OPEN(&l);                           /* after a sealed one */
    l.a.seal = 1;
    trip(&l.a, &l.b, HL_FRAME_REQUEST, (const uint8_t *)"abc", 3, &f);
    CHECK(l.b.require_sealed);
    l.a.seal = 0;
    uint8_t *fr = make(&l.a, &n);
    raw(l.cli, fr, n);
    recv_refused(&l.b, down);
    free(fr);
    link_close(&l);
    OPEN(&l);                           /* required from the start (HELLO said so) */
    l.b.require_sealed = 1;
    fr = make(&l.a, &n);
    raw(l.cli, fr, n);
    recv_refused(&l.b, down);
    free(fr);
    link_close(&l);
    /* a sealed control frame; a sealed body shorter than a tag (headers only) */
    static const struct { HlFrameHeader h; const char *want; } hdrs[] = {
        { { HL_WIRE_VERSION, HL_FRAME_HELLO, HL_WIRE_F_SEALED, 20 },
          "a HELLO frame cannot be compressed or sealed (flags 0x0002)" },
        { { HL_WIRE_VERSION, HL_FRAME_PONG, HL_WIRE_F_ZSTD, 20 },
          "a PONG frame cannot be compressed or sealed (flags 0x0001)" },
        { { HL_WIRE_VERSION, HL_FRAME_REQUEST, HL_WIRE_F_SEALED, 5 },
          "a sealed REQUEST frame of 5 bytes is shorter than its tag" },
        { { HL_WIRE_VERSION, HL_FRAME_RESPONSE, HL_WIRE_F_LZ4, 0 },
          "a compressed RESPONSE frame is empty" },
    };
    for (int i = 0; i < 4; i++) {
        uint8_t hdr[16];
        OPEN(&l);
        hl_wire_header_write(hdr, &hdrs[i].h);
        raw(l.cli, hdr, sizeof hdr);
        recv_refused(&l.b, hdrs[i].want);
        link_close(&l);
    }
}

/* lz4 bodies that lie about their size, and a corrupt one. */
static void test_lz4_bounds(void)
{
    static const struct { uint32_t says; size_t len; const char *want; } cases[] = {
        { 0xfffffff0u, 8, "an lz4 REQUEST frame of 8 bytes says 4294967280 bytes (at most "
                          "268431360, and 255 times its size)" },
        { HL_WIRE_MAX_MSG + 1, 4 + 1100000, "says 268431361 bytes (at most 268431360" },
        { 100000, 8, "an lz4 REQUEST frame of 8 bytes says 100000 bytes" },
        { 10, 4, "an lz4 REQUEST frame of 4 bytes is too short" },
        { 10, 8, "a compressed REQUEST frame is corrupt (lz4)" },
    };
    Link l;
    OPEN(&l);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 16 + cases[i].len;
        uint8_t *f = calloc(1, n);
        HlFrameHeader h = { HL_WIRE_VERSION, HL_FRAME_REQUEST, HL_WIRE_F_LZ4,
                            (uint32_t)cases[i].len };
        hl_wire_header_write(f, &h);
        for (int k = 0; k < 4; k++)
            f[16 + k] = (uint8_t)(cases[i].says >> (8 * k));
        memset(f + 20, 0xff, n - 20);
        Rx r;
        rx_start(&r, &l.b, LONG);
        raw(l.cli, f, n);
        CHECK_INT(rx_join(&r), HELIOS_ERROR);
        CHECK_HAS(r.err.msg, cases[i].want);
        CHECK(r.body == NULL);
        free(f);
    }
    /* a real lz4 body whose size is one short: lz4 stops, and says so */
    size_t n;
    uint8_t *body = data(1000, 0), *f = NULL;
    hl_err err;
    hl_err_clear(&err);
    l.a.codec = HL_CODEC_LZ4;
    CHECK_INT(hl_net_frame_make(&l.a, HL_FRAME_REQUEST, body, 1000, &f, &n, &err), HELIOS_OK);
    CHECK(f && f[6] == HL_WIRE_F_LZ4 && f[16] == (1000 & 0xff) && f[17] == 1000 >> 8);
    if (f) {
        f[16]--;
        raw(l.cli, f, n);
        recv_refused(&l.b, "a compressed REQUEST frame is corrupt (lz4)");
    }
    free(f);
    free(body);
    link_close(&l);
}

/* 2 MB at 8 Mbit/s (1 MB/s): about 2 s, never much less; a paced send that
 * cannot finish within its timeout fails as a timeout. */
static void test_pacing(void)
{
    Link l;
    OPEN(&l);
    size_t n = 2000000;
    uint8_t *body = data(n, 1);
    unsigned f;
    l.a.max_bytes_per_s = 8e6 / 8;
    double t0 = hl_now_seconds();
    trip(&l.a, &l.b, HL_FRAME_REQUEST, body, n, &f);
    double took = hl_now_seconds() - t0;
    CHECK(took >= 1.8);
    if (took < 1.8)
        fprintf(stderr, "test_pacing: 2 MB at 8 Mbit/s took %.3f s\n", took);
    /* unpaced the other way: well under a second */
    t0 = hl_now_seconds();
    trip(&l.b, &l.a, HL_FRAME_RESPONSE, body, n, &f);
    CHECK(hl_now_seconds() - t0 < 1.5);
    link_close(&l);

    OPEN(&l);
    l.a.max_bytes_per_s = 8e6 / 8;
    Rx r;
    rx_start(&r, &l.b, 3);
    hl_err err;
    hl_err_clear(&err);
    t0 = hl_now_seconds();
    CHECK_INT(hl_net_send(&l.a, HL_FRAME_REQUEST, body, n, 0.5, &err), HELIOS_IO);
    CHECK(hl_now_seconds() - t0 < 1.0);
    CHECK_HAS(err.msg, "write timed out after 0.5 s (paced to 8 Mbit/s)");
    CHECK(l.a.timed_out);
    CHECK(l.a.bytes_out > 300000 && l.a.bytes_out < 700000);
    hl_tls_close(l.cli);        /* the frame is cut: the reader hears the end */
    l.cli = NULL;
    CHECK_INT(rx_join(&r), HELIOS_IO);
    CHECK(!l.b.timed_out);
    free(body);
    link_close(&l);
}

/* A read nobody answers times out, and says it was a timeout; frames over
 * their limits are refused before anything is sent. */
static void test_timeouts_and_limits(void)
{
    Link l;
    OPEN(&l);
    HlFrameHeader h;
    uint8_t *body = NULL;
    hl_err err;
    hl_err_clear(&err);
    CHECK_INT(hl_net_recv(&l.b, &h, &body, 0.2, &err), HELIOS_IO);
    CHECK_HAS(err.msg, "read timed out after 0.2 s");
    CHECK(l.b.timed_out);
    hl_err_clear(&err);
    static const uint8_t one = 1;
    CHECK_INT(hl_net_send(&l.a, HL_FRAME_REQUEST, &one, (size_t)HL_WIRE_MAX_MSG + 1, LONG, &err),
              HELIOS_ERROR);
    CHECK_STR(err.msg, "a REQUEST frame of 268431361 bytes is over its limit (268431360)");
    hl_err_clear(&err);
    CHECK_INT(hl_net_send(&l.a, HL_FRAME_PING, &one, 4097, LONG, &err), HELIOS_ERROR);
    CHECK_STR(err.msg, "a PING frame of 4097 bytes is over its limit (4096)");
    CHECK_INT(l.a.bytes_out, 0);
    link_close(&l);

    CHECK_INT(hl_net_codec_parse("LZ4"), HL_CODEC_LZ4);
    CHECK_INT(hl_net_codec_parse("none"), HL_CODEC_NONE);
    CHECK_INT(hl_net_codec_parse("gzip"), -1);
    CHECK_STR(hl_net_codec_name(HL_CODEC_ZSTD), "zstd");
    CHECK_STR(hl_net_codec_name(7), "?");
    HlNetSession s;
    memset(&s, 0, sizeof s);
    h = (HlFrameHeader){ .flags = HL_WIRE_F_LZ4 | HL_WIRE_F_SEALED };
    s.level = 9;
    hl_net_session_mirror(&s, &h);
    CHECK(s.codec == HL_CODEC_LZ4 && s.seal == 1 && s.level == 0);
    hl_net_session_wipe(NULL);
}

/* ---- a site for the remote node: answers SETUP and SECAGG ------------------------
 * SECAGG's blob comes back as it went; "slow" is answered after 0.6 s.  It
 * takes conns connections one after another and closes each after
 * close_after requests (0: when the coordinator does).  log: '|' for each
 * connection, then U for a SETUP, S for a SECAGG. */

typedef struct Site {
    HlTlsCtx *ctx;
    int lfd, port, conns, close_after;
    char log[64];
    int unsealed, hello_seal;   /* requests that came unsealed; what HELLO said */
    double hello_mbps;
    pthread_t th;
} Site;

static void site_log(Site *st, char ch)
{
    size_t n = strlen(st->log);
    if (n + 1 < sizeof st->log)
        st->log[n] = ch, st->log[n + 1] = '\0';
}

static int site_hello(Site *st, HlNetSession *s, hl_err *err)
{
    HlFrameHeader h;
    uint8_t *body = NULL;
    size_t len = 0;
    HlWireHello in;
    memset(&in, 0, sizeof in);
    int rc = hl_net_recv(s, &h, &body, LONG, err);
    if (rc == HELIOS_OK)
        rc = hl_wire_decode_hello(body, h.length, &in, err);
    free(body);
    body = NULL;
    if (rc != HELIOS_OK)
        return rc;
    st->hello_seal = in.seal;
    st->hello_mbps = in.max_bandwidth_mbps;
    s->require_sealed = in.seal;
    HlWireHello me = { .version_min = 1, .version_max = 1, .name = "node1", .node_id = in.node_id,
                       .helios_version = "test", .accepts = HL_WIRE_F_KNOWN, .seal = in.seal };
    hl_wire_hello_clear(&in);
    rc = hl_wire_encode_hello(&me, &body, &len, err);
    if (rc == HELIOS_OK)
        rc = hl_net_send(s, HL_FRAME_HELLO, body, len, LONG, err);
    free(body);
    return rc;
}

static void site_serve(Site *st, HlTlsConn *c)
{
    HlNetSession s;
    hl_err err;
    hl_err_clear(&err);
    if (hl_net_session_init(&s, c, &err) != HELIOS_OK || site_hello(st, &s, &err) != HELIOS_OK)
        return;
    for (int k = 0; !st->close_after || k < st->close_after; k++) {
        HlFrameHeader h;
        uint8_t *body = NULL, *out = NULL;
        size_t len = 0;
        HlMsg req, resp;
        memset(&req, 0, sizeof req);
        memset(&resp, 0, sizeof resp);
        int rc = hl_net_recv(&s, &h, &body, LONG, &err);
        if (rc == HELIOS_OK && h.type == HL_FRAME_REQUEST)
            rc = hl_wire_decode_msg(body, h.length, 1, &req, &err);
        free(body);
        if (rc != HELIOS_OK || h.type != HL_FRAME_REQUEST)
            break;
        st->unsealed += !(h.flags & HL_WIRE_F_SEALED);
        site_log(st, req.type == HL_MSG_SETUP ? 'U' : 'S');
        resp.type = req.type;
        resp.rows = 1;
        if (req.type == HL_MSG_SECAGG) {
            if (req.blob_len == 4 && memcmp(req.blob, "slow", 4) == 0)
                usleep(600000);
            resp.blob = req.blob;
            resp.blob_len = req.blob_len;
        }
        hl_net_session_mirror(&s, &h);
        rc = hl_wire_encode_msg(&resp, 0, &out, &len, &err);
        if (rc == HELIOS_OK)
            rc = hl_net_send(&s, HL_FRAME_RESPONSE, out, len, LONG, &err);
        free(out);
        hl_msg_clear(&req);
        if (rc != HELIOS_OK)
            break;
    }
    hl_net_session_wipe(&s);
}

static void *site_main(void *arg)
{
    Site *st = arg;
    for (int i = 0; i < st->conns; i++) {
        struct pollfd p = { st->lfd, POLLIN, 0 };
        if (poll(&p, 1, (int)(LONG * 1000)) <= 0)
            return NULL;
        hl_err err;
        hl_err_clear(&err);
        HlTlsConn *c = hl_tls_accept(st->ctx, st->lfd, LONG, &err);
        if (!c)
            continue;
        site_log(st, '|');
        site_serve(st, c);
        hl_tls_close(c);
    }
    return NULL;
}

static int site_start(Site *st, int port, int conns, int close_after)
{
    HlTlsConfig c = cfg("node1", "ca");
    hl_err err;
    hl_err_clear(&err);
    memset(st, 0, sizeof *st);
    st->conns = conns;
    st->close_after = close_after;
    st->lfd = -1;
    if (!(st->ctx = hl_tls_server_ctx(&c, &err))
        || hl_tls_listen("127.0.0.1", port, 4, &st->lfd, &st->port, &err) != HELIOS_OK
        || pthread_create(&st->th, NULL, site_main, st) != 0) {
        fprintf(stderr, "site_start: %s\n", err.msg);
        if (st->lfd >= 0)
            close(st->lfd);
        hl_tls_ctx_free(st->ctx);
        return -1;
    }
    return 0;
}

static void site_join(Site *st)
{
    pthread_join(st->th, NULL);
    close(st->lfd);
    hl_tls_ctx_free(st->ctx);
}

#define SITE(st, ...) do { if (site_start(st, __VA_ARGS__) != 0) { CHECK(0); return; } } while (0)

/* A remote node "node1" at port (backup: at backup_port, 0 none), lz4 and
 * sealed, told 100 Mbit/s. */
static HlNode *remote(int port, int backup_port, int auto_reconnect)
{
    char ep[64], bk[64];
    snprintf(ep, sizeof ep, "tls://127.0.0.1:%d", port);
    snprintf(bk, sizeof bk, "tls://127.0.0.1:%d", backup_port);
    HlRemoteOpts o = { .backup = backup_port ? bk : NULL, .tls = cfg("coordinator", "ca"),
                       .timeout_s = LONG, .codec = HL_CODEC_LZ4, .seal = 1,
                       .max_bandwidth_mbps = 100, .auto_reconnect = auto_reconnect,
                       .reconnect_interval = 1 };
    hl_err err;
    hl_err_clear(&err);
    HlNode *n = hl_remote_node_new(5, "node1", ep, &o, &err);
    CHECK_STR(err.msg, "");
    return n;
}

/* One exchange: SETUP (blob NULL) or SECAGG with blob, by deadline (0:
 * none); *resp cleared first, err cleared first. */
static int ask(HlNode *n, const char *blob, double deadline, HlMsg *resp, hl_err *err)
{
    HlMsg req;
    memset(&req, 0, sizeof req);
    hl_msg_clear(resp);
    hl_err_clear(err);
    req.type = blob ? HL_MSG_SECAGG : HL_MSG_SETUP;
    req.encoding = "{}";
    req.blob = (uint8_t *)blob;
    req.blob_len = blob ? strlen(blob) : 0;
    req.deadline = deadline;
    return n->ops->exchange(n, &req, resp, err);
}

/* A deadline missed: timed_out, "did not answer within", the bytes that
 * went out counted; the next exchange dials again and replays SETUP;
 * a deadline already past fails at once.  Everything went sealed. */
static void test_remote_deadline(void)
{
    Site st;
    SITE(&st, 0, 2, 0);
    HlNode *n = remote(st.port, 0, 0);
    HlMsg resp;
    hl_err err;
    memset(&resp, 0, sizeof resp);
    if (!n) {
        site_join(&st);
        return;
    }
    CHECK_INT(ask(n, NULL, 0, &resp, &err), HELIOS_OK);
    int64_t first = resp.wire_sent;
    CHECK(first > 0 && resp.wire_received > 0);
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_OK);
    CHECK(resp.blob_len == 2 && memcmp(resp.blob, "hi", 2) == 0);
    CHECK(resp.wire_sent > 0 && resp.wire_sent < first);    /* no HELLO, no SETUP */
    CHECK(!resp.timed_out);
    double t0 = hl_now_seconds();
    CHECK_INT(ask(n, "slow", t0 + 0.2, &resp, &err), HELIOS_IO);
    CHECK_STR(err.msg, "node 'node1' did not answer within 0.2 s");
    CHECK(hl_now_seconds() - t0 < 0.5);
    CHECK(resp.timed_out && resp.type == HL_MSG_SECAGG && resp.blob == NULL);
    CHECK(resp.wire_sent > 0);
    CHECK_INT(resp.wire_received, 0);
    CHECK_INT(ask(n, "again", 0, &resp, &err), HELIOS_OK);
    CHECK_STR(err.msg, "");
    CHECK(resp.wire_sent > first);              /* HELLO, SETUP, the request */
    CHECK_INT(ask(n, "hi", hl_now_seconds() - 1, &resp, &err), HELIOS_IO);
    CHECK_STR(err.msg, "node 'node1' did not answer within 0.0 s");
    CHECK(resp.timed_out);
    CHECK_INT(resp.wire_sent, 0);
    hl_msg_clear(&resp);
    n->ops->close(n);
    site_join(&st);
    CHECK_STR(st.log, "|USS|US");
    CHECK_INT(st.unsealed, 0);
    CHECK(st.hello_seal == 1 && st.hello_mbps == 100);
}

/* A connection the node closes: with auto_reconnect off, lost for good;
 * with it on, dialled again at most once a reconnect_interval, and back
 * with its SETUP replayed.  Then failover to backup_endpoint. */
static void test_remote_reconnect(void)
{
    Site st;
    HlMsg resp;
    hl_err err;
    memset(&resp, 0, sizeof resp);
    SITE(&st, 0, 1, 1);
    HlNode *n = remote(st.port, 0, 0);
    CHECK_INT(ask(n, NULL, 0, &resp, &err), HELIOS_OK);
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_IO);
    CHECK_HAS(err.msg, "connection closed by peer");
    CHECK(!resp.timed_out && resp.wire_sent > 0);
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_IO);
    /* the reason it broke stays in the message */
    CHECK_HAS(err.msg, "node 'node1': connection lost (auto_reconnect is off): ");
    CHECK_HAS(err.msg, "connection closed by peer");
    CHECK_INT(resp.wire_sent, 0);
    n->ops->close(n);
    site_join(&st);

    SITE(&st, 0, 1, 1);
    int port = st.port;
    n = remote(port, 0, 1);
    CHECK_INT(ask(n, NULL, 0, &resp, &err), HELIOS_OK);
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_IO);
    site_join(&st);                             /* nobody listens any more */
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_IO);
    CHECK_HAS(err.msg, "Connection refused");
    CHECK_INT(ask(n, "hi", 0, &resp, &err), HELIOS_IO);
    CHECK_STR(err.msg, "node 'node1': reconnecting in 1 s");
    SITE(&st, port, 1, 0);                      /* back on the same port */
    usleep(1100000);
    CHECK_INT(ask(n, "back", 0, &resp, &err), HELIOS_OK);
    CHECK(resp.blob_len == 4 && memcmp(resp.blob, "back", 4) == 0);
    hl_msg_clear(&resp);
    n->ops->close(n);
    site_join(&st);
    CHECK_STR(st.log, "|US");

    /* the endpoint is gone, the backup answers */
    int dead = -1, dead_port = 0;
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 1, &dead, &dead_port, &err), HELIOS_OK);
    close(dead);
    SITE(&st, 0, 1, 0);
    n = remote(dead_port, st.port, 0);
    CHECK_INT(ask(n, NULL, 0, &resp, &err), HELIOS_OK);
    CHECK_STR(err.msg, "");
    n->ops->close(n);
    site_join(&st);
    CHECK_STR(st.log, "|U");
}

int main(void)
{
    if (make_pki("test_frame_io") != 0)
        return 1;
    int fds = count_fds();
    RUN(test_round_trips);
    RUN(test_bytes);
    RUN(test_tampering);
    RUN(test_downgrade);
    RUN(test_lz4_bounds);
    RUN(test_pacing);
    RUN(test_timeouts_and_limits);
    RUN(test_remote_deadline);
    RUN(test_remote_reconnect);
    CHECK_INT(count_fds(), fds);        /* no socket left open */
    remove_pki("test_frame_io");
    return unit_report();
}
