/*
 * test_tls.c - the TLS transport (src/net/tls.c) against the test PKI that
 * tests/pki.sh makes at test time.  It protects: mutual authentication
 * (a rogue CA on either side, a name that does not match, an expired
 * certificate, no client certificate: all refused, each with its reason in
 * words), TLS 1.3 only (a TLS 1.2 client or server, a plaintext client or
 * server: refused, and the server keeps accepting), timeouts (a silent
 * client, a silent server, a read), reads and writes of exactly n bytes
 * (a framed echo from 1 byte to 8 MiB), no SIGPIPE on a closed peer,
 * certificate reload, the TCP options (keepalive, TCP_NODELAY) read back
 * with getsockopt on both sides, exported keying material, and the split
 * accept (hl_tls_accept_tcp, hl_tls_handshake_server): a client that
 * connects and says nothing does not hold up the next one's handshake,
 * as it would inside hl_tls_accept (helios-node's denial of service).  Everything
 * runs on 127.0.0.1 with ports chosen by the kernel; every thread is
 * joined and every socket closed (counted).
 */
#include "unit.h"
#include "tls_helpers.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ---- the tests ----------------------------------------------------------- */

/* Coordinator and node1 trust each other; frames of 1 byte to 8 MiB come
 * back intact, over records of 16 KiB; the names match by DNS, IP and
 * localhost; each side sees the other's CN. */
static void test_mutual_echo(void)
{
    Pair p;
    START_PAIR(&p, "node1", 3, LONG, "coordinator");
    const char *names[] = { "node1", "127.0.0.1", "localhost" };
    static const size_t sizes[] = { 1, 2, 100, 16384, 16385, 65537, 1 << 20, 8 << 20 };
    for (int k = 0; k < 3; k++) {
        hl_err err;
        HlTlsConn *c = dial(p.x, p.s.port, names[k], &err);
        CHECK_STR(err.msg, "");
        if (!c)
            continue;
        CHECK_STR(hl_tls_peer_name(c), "node1");
        char addr[32];
        snprintf(addr, sizeof addr, "127.0.0.1:%d", p.s.port);
        CHECK_STR(hl_tls_peer_addr(c), addr);
        CHECK(hl_tls_fd(c) >= 0);
        int nsz = k == 0 ? (int)(sizeof sizes / sizeof sizes[0]) : 1;
        for (int i = 0; i < nsz; i++)
            CHECK_INT(echo(c, sizes[i]), HELIOS_OK);
        CHECK(!hl_tls_pending(c));
        hl_tls_close(c);
    }
    pair_end(&p);
    for (int k = 0; k < 3; k++) {
        CHECK(p.s.ok[k]);
        CHECK_STR(p.s.peer[k], "coordinator");
    }
    CHECK_INT(p.s.frames[0], 8);
    CHECK_INT(p.s.frames[1], 1);
    /* the client's close_notify ends the server's read */
    CHECK_HAS(p.s.msg[0], "connection closed by peer");
}

/* The node closes; the coordinator's read says so, and writing on into the
 * closed connection fails without a SIGPIPE (which would end this test). */
static void test_peer_closes(void)
{
    Pair p;
    START_PAIR(&p, "node1", 2, LONG, "coordinator");
    hl_err err;
    HlTlsConn *c = connect_ok(p.x, p.s.port, "node1", &err);
    if (c) {
        ask_close(c);
        check_read_fails(c, LONG, &err);
        CHECK_HAS(err.msg, "node 127.0.0.1:");
        CHECK_HAS(err.msg, ": connection closed by peer");
        hl_tls_close(c);
    }
    /* a peer gone under our writes */
    c = connect_ok(p.x, p.s.port, NULL, &err);
    if (c) {
        ask_close(c);
        srv_join(&p.s); /* the server has closed: our writes now hit a closed socket */
        size_t n = 1 << 20;
        unsigned char *big = calloc(1, n);
        int rc = HELIOS_OK;
        for (int i = 0; i < 64 && rc == HELIOS_OK; i++)
            rc = hl_tls_write(c, big, n, LONG, &err);
        CHECK_INT(rc, HELIOS_IO);
        CHECK_HAS(err.msg, "node 127.0.0.1:");
        free(big);
        hl_tls_close(c);
    }
    pair_end(&p);
}

/* A client whose certificate comes from another CA (and claims to be node1):
 * the server refuses it and says why; the client hears "unknown CA". */
static void test_rogue_client(void)
{
    Pair p;
    START_PAIR(&p, "node1", 1, LONG, "rogue-node");
    hl_err err;
    HlTlsConn *c = dial(p.x, p.s.port, "node1", &err);
    check_refused_later(c, &err, "the peer refused our certificate (unknown CA)");
    pair_end(&p);
    check_srv_refused(&p.s, 0, "peer 127.0.0.1:");
    CHECK_HAS(p.s.msg[0], ": certificate verify failed: unable to get local issuer certificate "
                          "(CN=node1, issued by CN=helios rogue CA)");
}

/* A server whose certificate comes from another CA: the client refuses it
 * in connect, and the server hears "unknown CA". */
static void test_rogue_server(void)
{
    Pair p;
    START_PAIR(&p, "rogue-node", 1, LONG, "coordinator");
    hl_err err;
    check_connect_fails(p.x, p.s.port, "node1", LONG, &err);
    char want[256];
    snprintf(want, sizeof want, "node 127.0.0.1:%d: certificate verify failed: unable to get "
             "local issuer certificate (CN=node1, issued by CN=helios rogue CA)", p.s.port);
    CHECK_STR(err.msg, want);
    CHECK_INT(err.code, HELIOS_IO);
    pair_end(&p);
    check_srv_refused(&p.s, 0, ": the peer refused our certificate (unknown CA)");
}

/* node1's certificate, good in itself, but the coordinator expected node2
 * (or another address): refused, with the names the certificate has. */
static void test_name_mismatch(void)
{
    Pair p;
    START_PAIR(&p, "node1", 2, LONG, "coordinator");
    hl_err err;
    check_connect_fails(p.x, p.s.port, "node2", LONG, &err);
    CHECK_HAS(err.msg, ": certificate does not match 'node2' (it is for node1, localhost, "
                       "127.0.0.1)");
    check_connect_fails(p.x, p.s.port, "10.1.2.3", LONG, &err);
    CHECK_HAS(err.msg, ": certificate does not match '10.1.2.3'");
    pair_end(&p);
    CHECK(!p.s.ok[0] && !p.s.ok[1]);
    CHECK_HAS(p.s.msg[0], "the peer refused our certificate");
}

/* An expired certificate, on either side. */
static void test_expired(void)
{
    Pair p;
    hl_err err;
    START_PAIR(&p, "node-expired", 1, LONG, "coordinator");
    check_connect_fails(p.x, p.s.port, NULL, LONG, &err);
    CHECK_HAS(err.msg, ": certificate verify failed: certificate has expired "
                       "(CN=node-expired, issued by CN=helios test CA, expired Jan  1 "
                       "00:00:00 2001 GMT)");
    pair_end(&p);
    CHECK_HAS(p.s.msg[0], "the peer refused our certificate (certificate expired)");

    START_PAIR(&p, "node1", 1, LONG, "node-expired");
    HlTlsConn *c = dial(p.x, p.s.port, "node1", &err);
    check_refused_later(c, &err, "the peer refused our certificate (certificate expired)");
    pair_end(&p);
    CHECK_HAS(p.s.msg[0],
              ": certificate verify failed: certificate has expired (CN=node-expired");
}

/* A client without a certificate. */
static void test_no_client_cert(void)
{
    Pair p;
    START_PAIR(&p, "node1", 1, LONG, NULL);
    HlTlsConfig c0 = { .ca = P("ca.pem"), .verify = 1 };
    hl_err err;
    hl_err_clear(&err);
    p.x = hl_tls_client_ctx(&c0, &err);
    CHECK(p.x != NULL);
    HlTlsConn *c = p.x ? hl_tls_connect(p.x, "127.0.0.1", p.s.port, "node1", LONG, &err) : NULL;
    check_refused_later(c, &err, "the peer requires a certificate, and we sent none");
    pair_end(&p);
    CHECK_HAS(p.s.msg[0], ": the peer sent no certificate, and one is required");
}

/* Plaintext clients (an HTTP request, binary garbage) and one that says
 * nothing are refused, each with its reason, and the server then takes a
 * good connection as before. */
static void test_plaintext_clients(void)
{
    Pair p;
    START_PAIR(&p, "node1", 4, 1.0, "coordinator");
    const char http[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    check_raw_dropped(p.s.port, http, sizeof http - 1);
    const unsigned char junk[] = { 0, 1, 2, 3, 0xff, 0xfe, 0x10, 0x20, 0x30, 0x40, 0x50 };
    check_raw_dropped(p.s.port, junk, sizeof junk);
    check_raw_dropped(p.s.port, NULL, 0);       /* says nothing */

    hl_err err;
    HlTlsConn *c = connect_ok(p.x, p.s.port, "node1", &err);
    if (c) {
        CHECK_INT(echo(c, 1000), HELIOS_OK);
        hl_tls_close(c);
    }
    pair_end(&p);
    CHECK_HAS(p.s.msg[0], ": plaintext peer: not a TLS handshake (it sent \"GET / HTTP/1.1\")");
    CHECK_HAS(p.s.msg[1], ": plaintext peer: not a TLS handshake (it sent bytes 00 01 02 03 ff "
                          "fe 10 20)");
    CHECK_HAS(p.s.msg[2], ": handshake timed out after 1 s");
    CHECK(!p.s.ok[0] && !p.s.ok[1] && !p.s.ok[2] && p.s.ok[3]);
    CHECK_INT(p.s.frames[3], 1);
}

/* A client limited to TLS 1.2 (OpenSSL directly): refused by the server,
 * which names the version; the client hears a protocol_version alert. */
static void test_tls12_client(void)
{
    Pair p;
    START_PAIR(&p, "node1", 1, LONG, NULL);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    CHECK(SSL_CTX_use_certificate_file(ctx, P("coordinator.pem"), SSL_FILETYPE_PEM) == 1);
    CHECK(SSL_CTX_use_PrivateKey_file(ctx, P("coordinator.key"), SSL_FILETYPE_PEM) == 1);
    int fd = raw_connect(p.s.port);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    CHECK(SSL_connect(ssl) != 1);
    CHECK_INT(ERR_GET_REASON(ERR_peek_error()), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    pair_end(&p);
    check_srv_refused(&p.s, 0, ": peer does not speak TLS 1.3 (it offered TLS 1.2)");
}

/* Our client against a TLS 1.2 server, a web server, and a server that
 * never answers: each refused, each with its reason. */
static void test_bad_servers(void)
{
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    static const char *const why[] = {
        ": peer does not speak TLS 1.3 (it refused a TLS 1.3 handshake)",
        ": plaintext peer: not a TLS handshake (it sent \"HTTP/1.1 400 Bad Request\")" };
    hl_err err;
    for (int t = 0; t < 2; t++) {
        Fake f;
        if (fake_start(&f, t == 0) != 0) {
            CHECK(0);
            continue;
        }
        check_connect_fails(x, f.port, "node1", LONG, &err);
        CHECK_HAS(err.msg, why[t]);
        fake_join(&f);
    }

    /* a listener that never accepts: the kernel completes the TCP
     * handshake, nobody answers the TLS one */
    int lfd = -1, port = 0;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &lfd, &port, &err), HELIOS_OK);
    check_connect_fails(x, port, "node1", 0.3, &err);
    char want[96];
    snprintf(want, sizeof want, "node 127.0.0.1:%d: handshake timed out after 0.3 s", port);
    CHECK_STR(err.msg, want);
    /* and accept with nobody knocking */
    HlTlsCtx *sx = NULL;
    HlTlsConfig sc = cfg("node1", "ca");
    hl_err_clear(&err);
    CHECK((sx = hl_tls_server_ctx(&sc, &err)) != NULL);
    int lfd2 = -1, port2 = 0;
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &lfd2, &port2, &err), HELIOS_OK);
    HlTlsConn *c = sx ? hl_tls_accept(sx, lfd2, 0.1, &err) : NULL;
    CHECK(c == NULL);
    CHECK_STR(err.msg, "no connection within 0.1 s");
    close(lfd2);
    hl_tls_ctx_free(sx);
    close(lfd);
    /* nothing listens on that port any more */
    check_connect_fails(x, port, "node1", LONG, &err);
    snprintf(want, sizeof want, "node 127.0.0.1:%d: cannot connect: Connection refused", port);
    CHECK_STR(err.msg, want);
    hl_tls_ctx_free(x);
}

/* A read that nothing answers times out, with the peer named. */
static void test_read_timeout(void)
{
    Pair p;
    START_PAIR(&p, "node1", 1, LONG, "coordinator");
    hl_err err;
    HlTlsConn *c = connect_ok(p.x, p.s.port, "node1", &err);
    if (c) {
        check_read_fails(c, 0.2, &err);
        char want[96];
        snprintf(want, sizeof want, "node 127.0.0.1:%d: read timed out after 0.2 s", p.s.port);
        CHECK_STR(err.msg, want);
        check_read_fails(c, 0.2, &err);
        CHECK_HAS(err.msg, "the connection has failed");
        hl_tls_close(c);
    }
    pair_end(&p);
}

/* SIGHUP's reload: node1 becomes node2 for the next connection, an open
 * connection keeps going, and a reload that fails changes nothing. */
static void test_reload(void)
{
    Pair p;
    START_PAIR(&p, "node1", 3, LONG, "coordinator");
    hl_err err;
    HlTlsConn *c1 = connect_ok(p.x, p.s.port, "node1", &err);

    HlTlsConfig n2 = cfg("node2", "ca");
    CHECK_INT(hl_tls_ctx_reload(p.s.ctx, &n2, &err), HELIOS_OK);
    if (c1) {
        CHECK_INT(echo(c1, 5000), HELIOS_OK);
        CHECK_STR(hl_tls_peer_name(c1), "node1");
        hl_tls_close(c1);
    }

    HlTlsConn *c2 = connect_ok(p.x, p.s.port, "node2", &err);
    if (c2) {
        CHECK_STR(hl_tls_peer_name(c2), "node2");
        CHECK_INT(echo(c2, 10), HELIOS_OK);
        hl_tls_close(c2);
    }

    /* failing reloads: a missing file, a key that is not the certificate's */
    HlTlsConfig bad = cfg("node3", "ca");
    bad.cert = P("missing.pem");
    hl_err_clear(&err);
    CHECK_INT(hl_tls_ctx_reload(p.s.ctx, &bad, &err), HELIOS_IO);
    char want[700];
    snprintf(want, sizeof want, "cannot load certificate '%s': No such file or directory",
             P("missing.pem"));
    CHECK_STR(err.msg, want);
    bad = cfg("node3", "ca");
    bad.key = P("node1.key");
    hl_err_clear(&err);
    CHECK_INT(hl_tls_ctx_reload(p.s.ctx, &bad, &err), HELIOS_ERROR);
    CHECK_HAS(err.msg, "node3.pem' and key '");
    CHECK_HAS(err.msg, "node1.key' do not match");

    HlTlsConn *c3 = dial(p.x, p.s.port, "node2", &err);
    CHECK_STR(err.msg, "");
    if (c3) {
        CHECK_STR(hl_tls_peer_name(c3), "node2");
        hl_tls_close(c3);
    }
    pair_end(&p);
    CHECK(p.s.ok[0] && p.s.ok[1] && p.s.ok[2]);
}

/* Distinct connections at once: four client threads share one client
 * context, four server threads share one server context and listener,
 * and the server reloads its certificate meanwhile. */
typedef struct Cli {
    HlTlsCtx *x;
    int port, ok;
    pthread_t th;
} Cli;

static void *cli_main(void *arg)
{
    Cli *k = arg;
    for (int i = 0; i < 3; i++) {
        hl_err err;
        hl_err_clear(&err);
        HlTlsConn *c = hl_tls_connect(k->x, "127.0.0.1", k->port, NULL, LONG, &err);
        if (c && echo(c, 256 << 10) == HELIOS_OK && echo(c, 3) == HELIOS_OK)
            k->ok++;
        else if (!c)
            fprintf(stderr, "cli: %s\n", err.msg);
        hl_tls_close(c);
    }
    return NULL;
}

static void test_concurrent(void)
{
    enum { N = 4 };
    Srv s[N];
    Cli k[N];
    START(&s[0], "node1", "ca", 0, LONG);
    pthread_join(s[0].th, NULL);        /* it took no connection */
    for (int i = 0; i < N; i++) {
        if (i > 0)
            memset(&s[i], 0, sizeof s[i]);
        s[i].ctx = s[0].ctx, s[i].lfd = s[0].lfd, s[i].port = s[0].port;
        s[i].n = 3, s[i].hs_timeout = LONG;
        CHECK(pthread_create(&s[i].th, NULL, srv_main, &s[i]) == 0);
    }
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    for (int i = 0; i < N; i++) {
        k[i].x = x, k[i].port = s[0].port, k[i].ok = 0;
        CHECK(pthread_create(&k[i].th, NULL, cli_main, &k[i]) == 0);
    }
    hl_err err;
    for (int r = 0; r < 20; r++) {
        HlTlsConfig c = cfg(r % 2 ? "node1" : "node2", "ca");
        hl_err_clear(&err);
        CHECK_INT(hl_tls_ctx_reload(s[0].ctx, &c, &err), HELIOS_OK);
    }
    int served = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(k[i].th, NULL);
        CHECK_INT(k[i].ok, 3);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(s[i].th, NULL);
        for (int j = 0; j < 3; j++)
            served += s[i].frames[j];
    }
    CHECK_INT(served, N * 3 * 2);
    close(s[0].lfd);
    hl_tls_ctx_free(s[0].ctx);
    hl_tls_ctx_free(x);
}

/* keepalive_s and nagle (the options keepalive_interval and tcp_nodelay):
 * read back with getsockopt on the coordinator's connection and on the
 * node's accepted one (set there by a reload); by default TCP_NODELAY is
 * on and keepalive off. */
static void test_socket_options(void)
{
    static const struct { int keepalive, nagle; } cases[] = { { 0, 0 }, { 7, 0 }, { 45, 1 } };
    Pair p;
    START_PAIR(&p, "node1", 3, LONG, NULL);
    for (int i = 0; i < 3; i++) {
        HlTlsConfig c = cfg("coordinator", "ca"), sc = cfg("node1", "ca");
        c.keepalive_s = sc.keepalive_s = cases[i].keepalive;
        c.nagle = sc.nagle = cases[i].nagle;
        hl_err err;
        hl_err_clear(&err);
        CHECK_INT(hl_tls_ctx_reload(p.s.ctx, &sc, &err), HELIOS_OK);
        HlTlsCtx *x = hl_tls_client_ctx(&c, &err);
        HlTlsConn *conn = x ? connect_ok(x, p.s.port, "node1", &err) : NULL;
        if (conn) {
            int fd = hl_tls_fd(conn), ka = -1, idle = -1, intvl = -1, nd = -1;
            socklen_t n = sizeof ka;
            CHECK(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, &n) == 0);
            CHECK_INT(ka != 0, cases[i].keepalive > 0);
            n = sizeof idle;
            CHECK(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &n) == 0);
            n = sizeof intvl;
            CHECK(getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, &n) == 0);
            if (cases[i].keepalive > 0) {
                CHECK_INT(idle, cases[i].keepalive);
                CHECK_INT(intvl, cases[i].keepalive);
            }
            n = sizeof nd;
            CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nd, &n) == 0);
            CHECK_INT(nd != 0, !cases[i].nagle);
            CHECK_INT(echo(conn, 10), HELIOS_OK);
            ask_close(conn);
            hl_tls_close(conn);
        }
        hl_tls_ctx_free(x);
    }
    pair_end(&p);
    for (int i = 0; i < 3; i++) {
        CHECK(p.s.ok[i]);
        CHECK_INT(p.s.keepidle[i], cases[i].keepalive);
        CHECK_INT(p.s.nodelay[i], !cases[i].nagle);
    }
}

/* The keying material both ends export from one session agrees, differs
 * by label and from another connection's, and the sides know their role. */
static void test_export_key(void)
{
    Pair p;
    START_PAIR(&p, "node1", 2, LONG, "coordinator");
    unsigned char a[32], b[32], c2[32];
    memset(c2, 0, sizeof c2);
    hl_err err;
    HlTlsConn *c = connect_ok(p.x, p.s.port, "node1", &err);
    if (c) {
        CHECK(!hl_tls_is_server(c));
        CHECK_INT(hl_tls_export_key(c, "EXPERIMENTAL one", a, sizeof a, &err), HELIOS_OK);
        CHECK_INT(hl_tls_export_key(c, "EXPERIMENTAL two", b, sizeof b, &err), HELIOS_OK);
        CHECK(memcmp(a, b, sizeof a) != 0);
        CHECK_INT(hl_tls_export_key(c, "EXPERIMENTAL one", b, sizeof b, &err), HELIOS_OK);
        CHECK(memcmp(a, b, sizeof a) == 0);
        ask_close(c);
        hl_tls_close(c);
    }
    HlTlsConn *d = connect_ok(p.x, p.s.port, "node1", &err);
    if (d) {
        CHECK_INT(hl_tls_export_key(d, "EXPERIMENTAL one", c2, sizeof c2, &err), HELIOS_OK);
        CHECK(memcmp(a, c2, sizeof a) != 0);
        ask_close(d);
        hl_tls_close(d);
    }
    pair_end(&p);
}

/* ---- the split accept: a thread takes connections, one per connection
 * makes its handshake, as helios-node does -------------------------------- */

typedef struct Hs {
    Srv *s;
    int i;
    HlTlsConn *c;
    pthread_t th;
} Hs;

static void *hs_main(void *arg)
{
    Hs *h = arg;
    hl_err err;
    hl_err_clear(&err);
    if (hl_tls_handshake_server(h->c, h->s->hs_timeout, &err) != HELIOS_OK) {
        snprintf(h->s->msg[h->i], sizeof h->s->msg[h->i], "%.480s%s", err.msg,
                 hl_tls_timed_out(h->c) ? " [timed out]" : "");
        return NULL;
    }
    h->s->ok[h->i] = 1;
    const char *pn = hl_tls_peer_name(h->c);
    snprintf(h->s->peer[h->i], sizeof h->s->peer[h->i], "%s", pn ? pn : "(none)");
    echo_loop(h->s, h->i, h->c);
    return NULL;
}

/* Takes s->n connections with hl_tls_accept_tcp, each handed to a thread of
 * its own at once; s->peer holds each one's address until its handshake. */
static void *split_main(void *arg)
{
    Srv *s = arg;
    Hs h[MAXC];
    int n = 0;
    while (n < s->n) {
        struct pollfd p = { s->lfd, POLLIN, 0 };
        if (poll(&p, 1, (int)(LONG * 1000)) <= 0) {
            snprintf(s->msg[n], sizeof s->msg[n], "test: no connection came");
            break;
        }
        hl_err err;
        hl_err_clear(&err);
        HlTlsConn *c = hl_tls_accept_tcp(s->ctx, s->lfd, &err);
        if (!c) {
            if (err.code != HELIOS_OK) {
                snprintf(s->msg[n], sizeof s->msg[n], "%s", err.msg);
                break;
            }
            continue;       /* nothing pending after all */
        }
        snprintf(s->peer[n], sizeof s->peer[n], "%s", hl_tls_peer_addr(c));
        h[n] = (Hs){ .s = s, .i = n, .c = c };
        if (pthread_create(&h[n].th, NULL, hs_main, &h[n]) != 0) {
            hl_tls_close(c);
            break;
        }
        n++;
    }
    for (int i = 0; i < n; i++) {
        pthread_join(h[i].th, NULL);
        hl_tls_close(h[i].c);
    }
    return NULL;
}

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A client that connects and says nothing, and then a real one: the real
 * one's handshake and echo end long before the silent one's handshake
 * times out (inside hl_tls_accept, one thread, it would wait those 3 s
 * first), and the silent one is refused at its own time, saying why. */
static void test_split_accept(void)
{
    Srv s;
    hl_err err;
    memset(&s, 0, sizeof s);
    HlTlsConfig sc = cfg("node1", "ca");
    hl_err_clear(&err);
    s.n = 2;
    s.hs_timeout = 3.0;
    s.lfd = -1;
    if (!(s.ctx = hl_tls_server_ctx(&sc, &err))
        || hl_tls_listen("127.0.0.1", 0, 16, &s.lfd, &s.port, &err) != HELIOS_OK) {
        fprintf(stderr, "test_split_accept: %s\n", err.msg);
        CHECK(0);
        hl_tls_ctx_free(s.ctx);
        return;
    }
    /* nothing pending: NULL at once, and no error */
    hl_err_clear(&err);
    double t0 = mono_s();
    CHECK(hl_tls_accept_tcp(s.ctx, s.lfd, &err) == NULL);
    CHECK_INT(err.code, HELIOS_OK);
    CHECK_STR(err.msg, "");
    CHECK(mono_s() - t0 < 1.0);
    HlTlsCtx *x = client_ctx("coordinator", "ca");
    CHECK(hl_tls_accept_tcp(x, s.lfd, &err) == NULL);
    CHECK_STR(err.msg, "a client's TLS context cannot accept");
    /* a connection taken: its address known, no name before the handshake,
     * which times out with the peer named */
    int fd = raw_connect(s.port);
    struct sockaddr_in me;
    socklen_t melen = sizeof me;
    CHECK(getsockname(fd, (struct sockaddr *)&me, &melen) == 0);
    struct pollfd p = { s.lfd, POLLIN, 0 };
    CHECK(poll(&p, 1, (int)(LONG * 1000)) == 1);
    hl_err_clear(&err);
    HlTlsConn *c = hl_tls_accept_tcp(s.ctx, s.lfd, &err);
    CHECK_STR(err.msg, "");
    if (c) {
        char want[128];
        snprintf(want, sizeof want, "127.0.0.1:%d", ntohs(me.sin_port));
        CHECK_STR(hl_tls_peer_addr(c), want);
        CHECK(hl_tls_peer_name(c) == NULL);
        CHECK(hl_tls_is_server(c));
        CHECK_INT(hl_tls_handshake_server(c, 0.2, &err), HELIOS_IO);
        snprintf(want, sizeof want, "peer 127.0.0.1:%d: handshake timed out after 0.2 s",
                 ntohs(me.sin_port));
        CHECK_STR(err.msg, want);
        CHECK(hl_tls_timed_out(c));
        hl_tls_close(c);
    }
    CHECK(raw_wait_close(fd));
    close(fd);

    CHECK(pthread_create(&s.th, NULL, split_main, &s) == 0);
    int silent = raw_connect(s.port);   /* first in the listener's queue */
    t0 = mono_s();
    c = connect_ok(x, s.port, "node1", &err);
    if (c) {
        CHECK_INT(echo(c, 1000), HELIOS_OK);
        double took = mono_s() - t0;
        if (took >= s.hs_timeout)
            fprintf(stderr, "test_split_accept: the real client took %.3f s\n", took);
        CHECK(took < s.hs_timeout);
        hl_err_clear(&err);
        CHECK_INT(hl_tls_handshake_server(c, 1.0, &err), HELIOS_MISUSE);
        ask_close(c);
        hl_tls_close(c);
    }
    pthread_join(s.th, NULL);
    CHECK(raw_wait_close(silent));
    close(silent);
    close(s.lfd);
    hl_tls_ctx_free(s.ctx);
    hl_tls_ctx_free(x);
    CHECK(!s.ok[0]);
    char want[128];
    snprintf(want, sizeof want, "peer %s: handshake timed out after 3 s [timed out]", s.peer[0]);
    CHECK_STR(s.msg[0], want);
    CHECK_HAS(s.peer[0], "127.0.0.1:");
    CHECK(s.ok[1]);
    CHECK_STR(s.peer[1], "coordinator");
    CHECK_INT(s.frames[1], 1);
    CHECK_STR(s.msg[1], "asked to close");
}

typedef HlTlsCtx *MakeCtx(const HlTlsConfig *c, hl_err *err);

/* Making a context (hl_tls_server_ctx or hl_tls_client_ctx) from c must
 * fail; returns why. */
static const char *ctx_refused(MakeCtx *make, HlTlsConfig c, hl_err *err)
{
    hl_err_clear(err);
    HlTlsCtx *x = make(&c, err);
    CHECK(x == NULL);
    hl_tls_ctx_free(x);
    return err->msg;
}

/* Configurations that cannot work are refused when the context is made. */
static void test_bad_config(void)
{
    hl_err err;
    HlTlsConfig c = cfg("node1", "ca");
    c.key = NULL;
    CHECK_STR(ctx_refused(hl_tls_server_ctx, c, &err),
              "a TLS server needs a certificate and a key");
    c = cfg("node1", "ca");
    c.ca = NULL;
    CHECK_STR(ctx_refused(hl_tls_client_ctx, c, &err), "verifying peers needs a CA file");
    c = cfg("node1", "ca");
    c.ca = P("node1.key");      /* not a certificate */
    CHECK_HAS(ctx_refused(hl_tls_client_ctx, c, &err), "cannot load CA certificate '");
    CHECK_HAS(err.msg, "node1.key': not a usable PEM CA certificate (no certificate or crl "
                       "found)");
    c = cfg("node1", "ca");
    c.key = P("node1.pem");     /* not a key */
    CHECK_HAS(ctx_refused(hl_tls_server_ctx, c, &err), "cannot load private key '");
    CHECK_HAS(err.msg, "node1.pem': not a usable PEM private key");
    c = cfg("node1", "ca");
    c.cert = P("node1.key");    /* not a certificate */
    CHECK_HAS(ctx_refused(hl_tls_server_ctx, c, &err),
              "node1.key': not a usable PEM certificate");
    int fd = -1, port = 0, fd2 = -1;
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 70000, 4, &fd, NULL, &err), HELIOS_MISUSE);
    hl_err_clear(&err);
    CHECK_INT(hl_tls_listen("127.0.0.1", 0, 4, &fd, &port, &err), HELIOS_OK);
    CHECK_INT(hl_tls_listen("127.0.0.1", port, 4, &fd2, NULL, &err), HELIOS_IO);
    char want[96];
    snprintf(want, sizeof want, "cannot listen on 127.0.0.1:%d: Address already in use", port);
    CHECK_STR(err.msg, want);
    close(fd);
    hl_tls_ctx_free(NULL);
    hl_tls_close(NULL);
}

int main(void)
{
    if (make_pki("test_tls") != 0)
        return 1;
    int fds = count_fds();
    RUN(test_mutual_echo);
    RUN(test_peer_closes);
    RUN(test_rogue_client);
    RUN(test_rogue_server);
    RUN(test_name_mismatch);
    RUN(test_expired);
    RUN(test_no_client_cert);
    RUN(test_plaintext_clients);
    RUN(test_tls12_client);
    RUN(test_bad_servers);
    RUN(test_read_timeout);
    RUN(test_reload);
    RUN(test_concurrent);
    RUN(test_bad_config);
    RUN(test_socket_options);
    RUN(test_export_key);
    RUN(test_split_accept);
    CHECK_INT(count_fds(), fds);        /* no socket left open */
    remove_pki("test_tls");
    return unit_report();
}
