/*
 * tls.h - the transport: TLS 1.3 with mutual certificate authentication
 * over TCP, for helios-node (the server side) and the coordinator's remote
 * nodes (the client side).
 *
 * What it promises:
 *  - TLS 1.3 only.  A TLS 1.2 (or older) peer and a plaintext peer are
 *    refused during the handshake, on both sides, with an error that says so.
 *  - With verify set, the server requires a client certificate that chains
 *    to its CA, and the client requires a server certificate that chains to
 *    its CA and, when an expected name is given, matches it.
 *  - Every call that waits takes a timeout in seconds (negative: no limit);
 *    sockets are non-blocking and waits use poll().  Reads and writes move
 *    all the bytes asked for, or fail.
 *  - SIGPIPE is never raised: sockets are written with send(MSG_NOSIGNAL)
 *    through a BIO of our own.
 *  - Errors name the peer and the reason in words: "node 127.0.0.1:7001:
 *    certificate verify failed: unable to get local issuer certificate
 *    (CN=node1, issued by CN=helios rogue CA)", "peer 127.0.0.1:40312: peer
 *    does not speak TLS 1.3 (it offered TLS 1.2)".  The client side calls
 *    its peer "node HOST:PORT", the server side "peer ADDR:PORT".
 *  - Distinct connections may be used from distinct threads at once; one
 *    connection is used by one thread at a time.  hl_tls_ctx_reload may run
 *    while other threads accept or connect.  No global state beyond what
 *    OpenSSL keeps.
 *
 * What it does not do: framing (net/wire.h), session resumption (every
 * connection makes a full handshake), revocation checks (no CRL or OCSP).
 *
 * One thing TLS 1.3 brings: the client ends its handshake before the server
 * has looked at the client's certificate.  A server that refuses the
 * client's certificate is therefore seen by the client on its first read,
 * as "the peer refused our certificate (unknown CA)", not in
 * hl_tls_connect.  A protocol whose first message waits for an answer (a
 * HELLO) learns of it there.
 *
 * After any error other than from a *_ctx_* call, the connection is good
 * only for hl_tls_close.
 */
#ifndef HL_NET_TLS_H
#define HL_NET_TLS_H

#include "err.h"

#include <stddef.h>

typedef struct HlTlsConfig {
    const char *cert;   /* PEM certificate (chain) file we present; NULL: none (client) */
    const char *key;    /* its PEM private key */
    const char *ca;     /* PEM file (or hashed directory) of the CAs we trust */
    int verify;         /* 1: require and verify the peer's certificate;
                           0: accept any peer (and ask none of a client) */
    int keepalive_s;    /* > 0: TCP keepalive on the connections, the first probe
                           after this many idle seconds and then every this many
                           (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL); 0: off */
    int nagle;          /* 1: keep Nagle's algorithm (tcp_nodelay = false);
                           0: TCP_NODELAY, small frames go out at once */
} HlTlsConfig;

typedef struct HlTlsCtx HlTlsCtx;       /* a configuration: wraps an SSL_CTX */
typedef struct HlTlsConn HlTlsConn;     /* one connection */

/* A server / client context.  Returns what the caller owns (free it with
 * hl_tls_ctx_free after its last connection is closed), or NULL and err
 * ("cannot read certificate 'x.pem': No such file or directory",
 * "certificate 'a.pem' and key 'b.key' do not match"). */
HlTlsCtx *hl_tls_server_ctx(const HlTlsConfig *c, hl_err *err);
HlTlsCtx *hl_tls_client_ctx(const HlTlsConfig *c, hl_err *err);

/* Loads a new certificate, key and CA (for SIGHUP), and the socket
 * options.  Connections made afterwards use them; open ones keep what they
 * had.  On error nothing changes: the old ones stay in use. */
int hl_tls_ctx_reload(HlTlsCtx *x, const HlTlsConfig *c, hl_err *err);
void hl_tls_ctx_free(HlTlsCtx *x);      /* accepts NULL */

/* A listening TCP socket on host (NULL, "" or "*": every address; a name,
 * an IPv4 or an IPv6 address) and port (0: any free port, told in
 * *bound_port).  The socket is non-blocking and close-on-exec; the caller
 * owns it and closes it with close(). */
int hl_tls_listen(const char *host, int port, int backlog, int *fd, int *bound_port,
                  hl_err *err);

/* Takes a connection from listen_fd and makes the TLS handshake.  Waits up
 * to timeout_s for a connection when none is pending ("no connection within
 * 5 s"; a server loop usually polls listen_fd and calls this when it is
 * readable), then gives the handshake timeout_s more.  The handshake runs
 * in the calling thread: a peer that connects and says nothing holds it
 * for timeout_s.  hl_tls_accept_tcp then hl_tls_handshake_server, with the
 * wait for a connection in front. */
HlTlsConn *hl_tls_accept(HlTlsCtx *x, int listen_fd, double timeout_s, hl_err *err);

/* The two halves of hl_tls_accept, for a server that hands the handshake
 * to another thread so that one silent peer holds up nobody else.
 *
 * hl_tls_accept_tcp takes a pending connection from listen_fd and never
 * waits: it accept()s, sets the socket up (non-blocking, the context's TCP
 * options) and wraps it in a connection with an SSL from the context's
 * current certificate, before any byte of TLS.  Returns what the caller
 * owns (hl_tls_close), whose hl_tls_peer_addr is known and hl_tls_peer_name
 * not yet; or NULL with err untouched when no connection is pending (poll
 * said readable, but another thread took it or the peer gave up first), or
 * NULL and err when accept() fails ("listener: cannot accept a connection:
 * Too many open files"; HELIOS_MISUSE with a client's context). */
HlTlsConn *hl_tls_accept_tcp(HlTlsCtx *x, int listen_fd, hl_err *err);
/* Makes the server's handshake on a connection from hl_tls_accept_tcp, in
 * the calling thread, within timeout_s: HELIOS_OK, or the refusal with its
 * reason as hl_tls_accept gives it ("peer 127.0.0.1:40312: handshake timed
 * out after 10 s"), after which the connection is good only for
 * hl_tls_close.  HELIOS_MISUSE on a client's connection. */
int hl_tls_handshake_server(HlTlsConn *c, double timeout_s, hl_err *err);

/* Connects to host:port (a name or an address; each address it resolves to
 * is tried in turn) and makes the handshake, all within timeout_s.
 * expect_name: the server's certificate must match it (subjectAltName DNS
 * or IP, or the subject's CN): the registered node name or the endpoint's
 * host.  NULL: the chain is checked, not the name.  Ignored when the
 * context does not verify. */
HlTlsConn *hl_tls_connect(HlTlsCtx *x, const char *host, int port, const char *expect_name,
                          double timeout_s, hl_err *err);

/* Writes all n bytes, or fails. */
int hl_tls_write(HlTlsConn *c, const void *buf, size_t n, double timeout_s, hl_err *err);
/* Reads exactly n bytes, or fails; the peer closing the connection first is
 * the error "connection closed by peer". */
int hl_tls_read(HlTlsConn *c, void *buf, size_t n, double timeout_s, hl_err *err);
/* Whether bytes are already decrypted and waiting: a poll() on hl_tls_fd
 * would not see them, so an event loop asks this first. */
int hl_tls_pending(const HlTlsConn *c);
/* 1 when the connection failed because a wait ran out of time (the peer is
 * slow or silent), 0 otherwise (it is fine, or it failed another way). */
int hl_tls_timed_out(const HlTlsConn *c);

/* Fills out with n bytes of keying material exported from the connection's
 * TLS 1.3 session (RFC 8446 section 7.5) under label, with no context: both
 * ends of the same connection get the same bytes, any other connection
 * different ones.  For keys bound to the session (net/frame_io.h).
 * HELIOS_ERROR when OpenSSL refuses (no handshake done). */
int hl_tls_export_key(const HlTlsConn *c, const char *label, unsigned char *out, size_t n,
                      hl_err *err);
/* 1 on the accepting side (helios-node), 0 on the connecting side. */
int hl_tls_is_server(const HlTlsConn *c);

/* The CN of the peer's certificate; NULL when it sent none (a client, with
 * verify off) or it has no CN.  Valid until hl_tls_close. */
const char *hl_tls_peer_name(const HlTlsConn *c);
/* The peer as "ADDR:PORT" (client side: "HOST:PORT" as given). */
const char *hl_tls_peer_addr(const HlTlsConn *c);
int hl_tls_fd(const HlTlsConn *c);
/* Sends close_notify (without waiting for the peer's), closes the socket
 * and frees; accepts NULL. */
void hl_tls_close(HlTlsConn *c);

#endif
