#!/usr/bin/env python3
# dist/wirepeer.py - a hostile peer of the helios wire protocol (src/net/wire.h)
# for the tests of tests/dist; python3's ssl module only, 127.0.0.1 only.
#
#   wirepeer.py attack PORT PKI LOG N KIND
#       Connects to the helios-node on PORT as the coordinator (PKI's
#       coordinator.pem), sends the frames of KIND (below), then waits until
#       LOG (the node's standard error) holds N 'event=closed' lines and
#       prints the Nth.  With N = 0 it waits for the node to end the
#       connection instead, and prints nothing.
#   wirepeer.py proxy PKI CERT PORT PORTFILE MODE TRAIN
#       A fake node (PKI's CERT.pem, requiring a client certificate from the
#       test CA) in front of the real helios-node on PORT; writes the port
#       it listens on into PORTFILE.  It passes every frame through until
#       the TRAIN-th TRAIN request (counted over the connections), which it
#       answers in MODE; from then on every new connection gets its HELLO
#       answered in MODE.  TRAIN = 0: hostile from the first HELLO.
#       MODE: garbage (64 random bytes, then close), truncated (8 bytes of a
#       frame header, then close), midbody (a header announcing 1000 bytes,
#       100 of them, then close), drop (no answer: the proxy closes
#       everything, its listening socket too, and exits: from then on the
#       node is gone, as if killed), pass (never hostile: a plain relay).
# Messages about what it does go to standard error.
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time

MAGIC = b"HLNP"
HELLO, REQUEST, RESPONSE, ERROR, PING, PONG, BYE = range(1, 8)
MAX_BODY = 256 << 20        # HL_WIRE_MAX_BODY
MAX_CONTROL = 4096          # HL_WIRE_MAX_CONTROL


def say(*a):
    print("wirepeer:", *a, file=sys.stderr, flush=True)


def header(ftype, length, flags=0, version=1, magic=MAGIC, reserved=0):
    return magic + struct.pack("<BBHII", version, ftype, flags, length, reserved)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_varint(num, v):
    return varint(num << 3) + varint(v)


def pb_bytes(num, b):
    return varint(num << 3 | 2) + varint(len(b)) + b


def hello_body(name, node_id=1, seal=False):
    # hlwire.Hello (net/helios.proto): versions 1..1, node_id, helios_version,
    # name; seal: "I seal, and refuse unsealed frames"
    return (pb_varint(1, 1) + pb_varint(2, 1) + pb_varint(3, node_id)
            + pb_bytes(5, b"wirepeer") + pb_bytes(6, name) + (pb_varint(8, 1) if seal else b""))


def recv_exact(s, n):
    """n bytes, or fewer when the peer ends the connection first."""
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = s.recv(n - len(buf))
        except (ssl.SSLError, OSError):
            break
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def read_frame(s):
    """(type, raw frame bytes), or None when the connection ends."""
    h = recv_exact(s, 16)
    if len(h) < 16 or h[:4] != MAGIC:
        return None
    length = struct.unpack("<I", h[8:12])[0]
    body = recv_exact(s, length)
    if len(body) < length:
        return None
    return h[5], h + body


def ctx_client(pki):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.minimum_version = ssl.TLSVersion.TLSv1_3
    c.load_cert_chain(os.path.join(pki, "coordinator.pem"), os.path.join(pki, "coordinator.key"))
    c.load_verify_locations(os.path.join(pki, "ca.pem"))
    return c


def ctx_server(pki, cert):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.minimum_version = ssl.TLSVersion.TLSv1_3
    c.load_cert_chain(os.path.join(pki, cert + ".pem"), os.path.join(pki, cert + ".key"))
    c.load_verify_locations(os.path.join(pki, "ca.pem"))
    c.verify_mode = ssl.CERT_REQUIRED
    return c


def dial(ctx, port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


# ---- attack ---------------------------------------------------------------------

RNG = random.Random(20260115)


def rand(n):
    b = bytes(RNG.getrandbits(8) for _ in range(n))
    return b if b[:4] != MAGIC else b"X" + b[1:]


def hello(s, seal=False):
    body = hello_body(b"node1", seal=seal)
    s.sendall(header(HELLO, len(body)) + body)
    f = read_frame(s)
    if not f or f[0] != HELLO:
        raise SystemExit("wirepeer: the node did not answer HELLO with HELLO")


# KIND: (HELLO first: 0 no, 1 yes, 2 one that says it seals; what to send;
# close right after sending)
ATTACKS = {
    # the first frame
    "magic": (0, lambda: header(HELLO, 0, magic=b"XXXX"), False),
    "version": (0, lambda: header(HELLO, 0, version=2), False),
    "type": (0, lambda: header(9, 0), False),
    "reserved": (0, lambda: header(HELLO, 0, reserved=1), False),
    "hello_big": (0, lambda: header(HELLO, MAX_CONTROL + 1), False),
    "short_header": (0, lambda: header(HELLO, 10)[:7], True),
    "not_hello": (0, lambda: header(REQUEST, 2) + b"\x22\x00", False),
    "bad_hello": (0, lambda: header(HELLO, 24) + rand(24), False),
    "hello_flags": (0, lambda: header(HELLO, 24, flags=0x0001) + rand(24), False),
    # after a valid HELLO
    "big": (1, lambda: header(REQUEST, MAX_BODY + 1), False),
    "random": (1, lambda: header(REQUEST, 64) + rand(64), False),
    "flag": (1, lambda: header(REQUEST, 2, flags=0x0008) + b"\x22\x00", False),
    "both_codecs": (1, lambda: header(REQUEST, 32, flags=0x0005) + rand(32), False),
    "short_body": (1, lambda: header(REQUEST, 100) + rand(10), True),
    "huge_body": (1, lambda: header(REQUEST, 200 << 20) + rand(1000), True),
    "zstd": (1, lambda: header(REQUEST, 32, flags=0x0001) + rand(32), False),
    "lz4": (1, lambda: header(REQUEST, 2, flags=0x0004) + rand(2), False),
    "lz4_big": (1, lambda: header(REQUEST, 8, flags=0x0004) + b"\xff\xff\xff\x7f" + rand(4), False),
    "sealed": (1, lambda: header(REQUEST, 48, flags=0x0002) + rand(48), False),
    "short_seal": (1, lambda: header(REQUEST, 4, flags=0x0002) + rand(4), False),
    "downgrade": (2, lambda: header(REQUEST, 2) + b"\x22\x00", False),
    "response": (1, lambda: header(RESPONSE, 0), False),
    "empty_train": (1, lambda: header(REQUEST, 2) + b"\x22\x00", False),
    "no_phase": (1, lambda: header(REQUEST, 0), False),
}


def closed_lines(log):
    try:
        with open(log, errors="replace") as f:
            return [ln.rstrip("\n") for ln in f if "event=closed" in ln]
    except OSError:
        return []


def attack(port, pki, log, n, kind):
    needs_hello, frames, close_now = ATTACKS[kind]
    s = dial(ctx_client(pki), port)
    if needs_hello:
        hello(s, seal=needs_hello == 2)
    s.sendall(frames())
    if close_now:
        s.close()
    deadline = time.time() + 15
    if n == 0:
        if not close_now:
            s.settimeout(15)
            while recv_exact(s, 4096):
                pass
            s.close()
        return 0
    while time.time() < deadline:
        lines = closed_lines(log)
        if len(lines) >= n:
            print(lines[n - 1])
            break
        time.sleep(0.02)
    else:
        say("%s: no event=closed line %d in %s after 15 s" % (kind, n, log))
        return 1
    if not close_now:
        s.close()
    return 0


# ---- proxy ------------------------------------------------------------------------


def proxy(pki, cert, port, portfile, mode, train):
    sctx, cctx = ctx_server(pki, cert), ctx_client(pki)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    lock = threading.Lock()
    state = {"trains": 0, "hostile": train == 0 and mode != "pass"}

    def hostile(s, ftype, up):
        say("answering a %s in mode %s" % ("TRAIN request" if ftype == RESPONSE else "HELLO", mode))
        if mode == "garbage":
            s.sendall(rand(64))
        elif mode == "truncated":
            s.sendall(header(ftype, 100)[:8])
        elif mode == "midbody":
            n = 1000 if ftype == RESPONSE else 200
            s.sendall(header(ftype, n) + rand(100))
        s.close()
        if up:
            up.close()
        if mode == "drop":
            ls.close()
            say("dropped: the node is gone")
            os._exit(0)

    def serve(conn):
        up = None
        try:
            s = sctx.wrap_socket(conn, server_side=True)
            f = read_frame(s)
            if not f:
                return
            with lock:
                bad = state["hostile"]
            if bad:
                return hostile(s, HELLO, None)
            up = dial(cctx, port)
            up.sendall(f[1])
            r = read_frame(up)
            if not r:
                return
            s.sendall(r[1])
            while True:
                f = read_frame(s)
                if not f:
                    return
                if f[0] == REQUEST and f[1][16:17] == b"\x22":     # Request.train
                    with lock:
                        state["trains"] += 1
                        if train and mode != "pass" and state["trains"] >= train:
                            state["hostile"] = True
                        bad = state["hostile"]
                    if bad:
                        return hostile(s, RESPONSE, up)
                up.sendall(f[1])
                if f[0] == BYE:
                    return
                r = read_frame(up)
                if not r:
                    return
                s.sendall(r[1])
        except (ssl.SSLError, OSError) as e:
            say("connection ended: %s" % e)
        finally:
            try:
                conn.close()
            except OSError:
                pass
            if up:
                up.close()

    while True:
        try:
            conn, _ = ls.accept()
        except OSError:
            return 0
        conn.settimeout(60)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main(argv):
    if len(argv) == 6 and argv[0] == "attack" and argv[5] in ATTACKS:
        return attack(int(argv[1]), argv[2], argv[3], int(argv[4]), argv[5])
    if len(argv) == 7 and argv[0] == "proxy" and argv[5] in ("garbage", "truncated", "midbody",
                                                             "drop", "pass"):
        return proxy(argv[1], argv[2], int(argv[3]), argv[4], argv[5], int(argv[6]))
    say("usage: wirepeer.py attack PORT PKI LOG N KIND | proxy PKI CERT PORT PORTFILE MODE TRAIN")
    say("kinds: " + " ".join(ATTACKS))
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
