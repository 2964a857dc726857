/* tls_why.c - the reasons in words for a failed TLS call (see tls.h,
 * "Errors name the peer and the reason in words"): certificate verify
 * failures, protocol version refusals, a plaintext peer and the peer's
 * alerts.  TLS 1.3 is RFC 8446; the alert numbers below are its section 6. */
#include "helios.h"
#include "tls_int.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>

static const char *version_name(int v)
{
    switch (v) {
    case SSL3_VERSION: return "SSL 3.0";
    case TLS1_VERSION: return "TLS 1.0";
    case TLS1_1_VERSION: return "TLS 1.1";
    case TLS1_2_VERSION: return "TLS 1.2";
    case TLS1_3_VERSION: return "TLS 1.3";
    default: return "an unknown version";
    }
}

/* Appends printf output to buf (of size), truncating. */
static void cat(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void name_cn(X509_NAME *n, char *buf, int size)
{
    if (!n || X509_NAME_get_text_by_NID(n, NID_commonName, buf, size) < 0)
        snprintf(buf, (size_t)size, "?");
}

static void time_text(const ASN1_TIME *t, char *buf, int size)
{
    BIO *m = BIO_new(BIO_s_mem());
    buf[0] = '\0';
    if (m && ASN1_TIME_print(m, t)) {
        int n = BIO_read(m, buf, size - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(m);
}

/* "CN=node1, issued by CN=helios rogue CA", and its dates when they matter. */
static void cert_text(X509 *x, long verr, char *buf, size_t size)
{
    char sub[128], iss[128], when[64];
    name_cn(X509_get_subject_name(x), sub, sizeof sub);
    name_cn(X509_get_issuer_name(x), iss, sizeof iss);
    snprintf(buf, size, "CN=%s, issued by CN=%s", sub, iss);
    if (verr == X509_V_ERR_CERT_HAS_EXPIRED) {
        time_text(X509_get0_notAfter(x), when, sizeof when);
        cat(buf, size, ", expired %s", when);
    } else if (verr == X509_V_ERR_CERT_NOT_YET_VALID) {
        time_text(X509_get0_notBefore(x), when, sizeof when);
        cat(buf, size, ", valid from %s", when);
    }
}

/* The names a certificate is for: "node1, localhost, 127.0.0.1", and its
 * CN when that is not among them. */
static void cert_names(X509 *x, char *buf, size_t size)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char cn[128];
    int cn_listed = 0;
    name_cn(X509_get_subject_name(x), cn, sizeof cn);
    buf[0] = '\0';
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const char *sep = buf[0] ? ", " : "";
        if (g->type == GEN_DNS) {
            int n = ASN1_STRING_length(g->d.dNSName);
            const char *d = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
            cat(buf, size, "%s%.*s", sep, n, d);
            if ((size_t)n == strlen(cn) && strncasecmp(d, cn, (size_t)n) == 0)
                cn_listed = 1;
        } else if (g->type == GEN_IPADD) {
            char ip[INET6_ADDRSTRLEN] = "?";
            int n = ASN1_STRING_length(g->d.iPAddress);
            inet_ntop(n == 16 ? AF_INET6 : AF_INET, ASN1_STRING_get0_data(g->d.iPAddress),
                      ip, sizeof ip);
            cat(buf, size, "%s%s", sep, ip);
        }
    }
    GENERAL_NAMES_free(gens);
    if (!cn_listed)
        cat(buf, size, "%sCN %s", buf[0] ? "; " : "", cn);
}

/* Whether the first bytes from the peer cannot begin a TLS record: a record
 * is a content type 20..24 and a major version 3 (RFC 8446, 5.1). */
static int plaintext(const HlTlsConn *c)
{
    return c->nfirst > 0 && (c->first[0] < 20 || c->first[0] > 24
                             || (c->nfirst > 1 && c->first[1] != 3));
}

/* What a plaintext peer sent: its first line, or its first bytes in hex. */
static void first_text(const HlTlsConn *c, char *buf, size_t size)
{
    size_t n = 0;
    while (n < c->nfirst && c->first[n] >= 0x20 && c->first[n] < 0x7f)
        n++;
    if (n >= 3) {
        snprintf(buf, size, "\"%.*s%s\"", (int)n, (const char *)c->first,
                 n == c->nfirst && n == sizeof c->first ? "..." : "");
        return;
    }
    snprintf(buf, size, "bytes");
    for (size_t i = 0; i < c->nfirst && i < 8; i++)
        cat(buf, size, " %02x", c->first[i]);
}

static int is_cert_alert(int a)
{
    return a == SSL_AD_BAD_CERTIFICATE || a == SSL_AD_UNSUPPORTED_CERTIFICATE
        || a == SSL_AD_CERTIFICATE_REVOKED || a == SSL_AD_CERTIFICATE_EXPIRED
        || a == SSL_AD_CERTIFICATE_UNKNOWN || a == SSL_AD_UNKNOWN_CA
        || a == SSL_AD_ACCESS_DENIED;
}

/* Why a verification failed. */
static void verify_text(const HlTlsConn *c, long v, char *why, size_t size)
{
    char about[400];
    if ((v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
        && c->bad_cert) {
        cert_names(c->bad_cert, about, sizeof about);
        snprintf(why, size, "certificate does not match '%s' (it is for %s)",
                 c->expect ? c->expect : "?", about);
        return;
    }
    snprintf(why, size, "certificate verify failed: %s", X509_verify_cert_error_string(v));
    if (c->bad_cert) {
        cert_text(c->bad_cert, v, about, sizeof about);
        cat(why, size, " (%s)", about);
    }
}

/* Fails c with the reason of the OpenSSL error ssl_err (SSL_get_error)
 * that a call ended with; sys is errno after that call. */
int hl_tls_why_fail(HlTlsConn *c, int ssl_err, int sys, int in_handshake, hl_err *err)
{
    unsigned long e = ERR_peek_error();     /* the first: the cause */
    int reason = e && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
    long v = SSL_get_verify_result(c->ssl);
    char why[600];
    c->broken = 1;
    if (in_handshake && plaintext(c)) {
        char sent[80];
        /* OpenSSL stopped at the record header: look at what follows */
        ssize_t more = recv(c->fd, c->first + c->nfirst, sizeof c->first - c->nfirst,
                            MSG_PEEK | MSG_DONTWAIT);
        if (more > 0)
            c->nfirst += (size_t)more;
        first_text(c, sent, sizeof sent);
        snprintf(why, sizeof why, "plaintext peer: not a TLS handshake (it sent %s)", sent);
    } else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK)
        verify_text(c, v, why, sizeof why);
    else if ((reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_VERSION_NUMBER)
             && c->server)
        snprintf(why, sizeof why, "peer does not speak TLS 1.3 (it offered %s)",
                 version_name(SSL_client_version(c->ssl)));
    else if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_WRONG_VERSION_NUMBER)
        snprintf(why, sizeof why, "peer does not speak TLS 1.3 (it answered in an older "
                 "version)");
    else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
        snprintf(why, sizeof why, "the peer sent no certificate, and one is required");
    else if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
        int a = reason - SSL_AD_REASON_OFFSET;
        if (a == SSL_AD_PROTOCOL_VERSION)
            snprintf(why, sizeof why, "peer does not speak TLS 1.3 (it refused a TLS 1.3 "
                     "handshake)");
        else if (is_cert_alert(a))
            snprintf(why, sizeof why, "the peer refused our certificate (%s)",
                     SSL_alert_desc_string_long(a));
        else if (a == SSL_AD_CERTIFICATE_REQUIRED)
            snprintf(why, sizeof why, "the peer requires a certificate, and we sent none");
        else
            snprintf(why, sizeof why, "the peer ended the connection with the alert '%s'",
                     SSL_alert_desc_string_long(a));
    } else if (ssl_err == SSL_ERROR_ZERO_RETURN || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING
               || (ssl_err == SSL_ERROR_SYSCALL && (sys == 0 || sys == EPIPE)))
        snprintf(why, sizeof why, "connection closed by peer%s",
                 in_handshake ? " during the handshake" : "");
    else if (ssl_err == SSL_ERROR_SYSCALL)
        snprintf(why, sizeof why, "%s", strerror(sys));
    else if (e) {
        const char *r = ERR_reason_error_string(e);
        snprintf(why, sizeof why, "%s%s", in_handshake ? "handshake failed: " : "",
                 r ? r : "unknown TLS error");
    } else
        snprintf(why, sizeof why, "TLS error %d", ssl_err);
    ERR_clear_error();
    return hl_err_set(err, HELIOS_IO, -1, "%s: %s", c->label, why);
}
