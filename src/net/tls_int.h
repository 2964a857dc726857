/*
 * tls_int.h - what src/net/tls.c and tls_why.c share and nobody else needs:
 * the connection, and the reason in words for a failed TLS call.
 */
#ifndef HL_NET_TLS_INT_H
#define HL_NET_TLS_INT_H

#include <openssl/ssl.h>

#include <stddef.h>

#include "err.h"
#include "tls.h"

struct HlTlsConn {
    SSL *ssl;
    int fd;
    int server;
    int broken;             /* a fatal error: no close_notify, nothing but close */
    int timed_out;          /* ... and it was a wait that ran out of time */
    char label[300];        /* "node HOST:PORT" / "peer ADDR:PORT", for messages */
    char peer_cn[256];
    int has_cn;
    unsigned char first[40];/* the first bytes the peer sent, to tell plaintext */
    size_t nfirst;
    X509 *bad_cert;         /* the peer certificate that failed verification */
    const char *expect;     /* the name asked of the server (client side) */
};

/* Fails c (marks it broken) with the reason in words of the OpenSSL error
 * ssl_err (SSL_get_error) that a call ended with; sys is errno after that
 * call, in_handshake whether the call was the handshake.  Sets err ("<label>:
 * <why>", HELIOS_IO) and returns its code; clears OpenSSL's error queue
 * (tls_why.c). */
int hl_tls_why_fail(HlTlsConn *c, int ssl_err, int sys, int in_handshake, hl_err *err);

#endif
