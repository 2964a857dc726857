/*
 * remote.h - the node interface over the network: a remote node (the
 * coordinator's side) and the serving of one connection (helios-node's
 * side).  Both move the same HlMsg requests and responses as the
 * in-process node (engine/node.h), as frames (net/wire.h) over TLS 1.3
 * with mutual authentication (net/tls.h), so the engine cannot tell a
 * remote node from a local one.
 *
 * A connection starts with HELLO both ways: the coordinator says which
 * node it wants (its registered name and catalog id: the id seeds the
 * node's random streams, so a remote run is the in-process run bit for
 * bit) and the node answers with its own name; then each REQUEST gets
 * one RESPONSE, or an ERROR carrying the node's message.  BYE ends it.
 */
#ifndef HL_NET_REMOTE_H
#define HL_NET_REMOTE_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "node.h"
#include "tls.h"
#include "wire.h"

/* host and port of "tls://host:port", "https://host:port" or
 * "tls://[::1]:port" (host malloc'd).  HELIOS_OPTION with the reason. */
int hl_remote_parse_endpoint(const char *endpoint, char **host, int *port, hl_err *err);

/* A remote node.  tls holds the coordinator's certificate, key and the CA
 * it verifies the node against; the node's certificate must also match
 * its registered name or the endpoint's host.  backup (may be NULL) is
 * tried when the endpoint cannot be reached.  timeout_s bounds each
 * exchange.  zstd_level > 0 compresses requests with zstd at that level
 * (the node answers compressed requests compressed).  Nothing is
 * connected until the first exchange. */
HlNode *hl_remote_node_new(int64_t id, const char *name, const char *endpoint,
                           const char *backup, const HlTlsConfig *tls, double timeout_s,
                           int zstd_level, hl_err *err);

/* One frame out; one frame in (body malloc'd, *body NULL when empty).
 * zstd_level > 0: a REQUEST or RESPONSE body of 256 bytes or more goes
 * compressed when that makes it smaller (flag HL_WIRE_F_ZSTD); a received
 * compressed body is decompressed, to at most HL_WIRE_MAX_MSG bytes, and
 * h->flags keeps the flag so that an answer can mirror it. */
int hl_net_send(HlTlsConn *c, int type, const uint8_t *body, size_t len, double timeout_s,
                hl_err *err);
int hl_net_send_z(HlTlsConn *c, int type, const uint8_t *body, size_t len, int zstd_level,
                  double timeout_s, hl_err *err);
int hl_net_recv(HlTlsConn *c, HlFrameHeader *h, uint8_t **body, double timeout_s, hl_err *err);

/* helios-node's side: serves one accepted connection until BYE, the peer
 * goes away, an error, or *stop becomes nonzero (checked between
 * requests).  The node's data is the SQLite database db_path, rows
 * restricted by filter (NULL: all).  name is this node's name (its
 * certificate's), answered in HELLO.  Returns HELIOS_OK at a clean end,
 * else the reason (also for a malformed frame: the connection is then
 * closed, nothing else happens). */
int hl_node_serve(HlTlsConn *c, const char *name, const char *db_path, const char *filter,
                  volatile sig_atomic_t *stop, hl_err *err);

#endif
