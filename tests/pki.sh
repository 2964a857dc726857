#!/bin/sh
# tests/pki.sh DIR - makes a throwaway test PKI in DIR with the openssl
# command, for the TLS tests and for trying helios-node on one machine.
#
#   ca.pem ca.key                  the test CA ("helios test CA")
#   node1.pem .. node3.pem (.key)  nodes: CN and DNS = the node's name, plus
#                                  DNS:localhost and IP:127.0.0.1;
#                                  serverAuth and clientAuth
#   coordinator.pem (.key)         CN coordinator, clientAuth only
#   node-expired.pem (.key)        CN node-expired, valid only in 2000
#   rogue-ca.pem rogue-ca.key      a second CA that nobody trusts
#   rogue-node.pem (.key)          CN node1 (an impostor), signed by the rogue CA
#
# Keys are EC P-256 (fast to make), mode 0600.  Quiet unless a command
# fails.  Idempotent: when every file is already there it does nothing;
# otherwise it makes them all afresh.  Certificates are valid for 30 days
# from now (the expired one excepted): this PKI is for tests, not for use.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: pki.sh DIR" >&2
    exit 2
fi
dir=$1
OPENSSL=${OPENSSL:-openssl}
NODES="node1 node2 node3"

want="ca rogue-ca rogue-node coordinator node-expired"
for n in $NODES; do want="$want $n"; done

complete=1
for f in $want; do
    [ -s "$dir/$f.pem" ] && [ -s "$dir/$f.key" ] || complete=0
done
[ "$complete" = 1 ] && exit 0

mkdir -p "$dir"
work=$(mktemp -d "${TMPDIR:-/tmp}/helios-pki.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
log=$work/log

# run CMD...: runs quietly; on failure shows what it said and stops.
run() {
    if ! "$@" >"$log" 2>&1; then
        echo "pki.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

# One configuration for req and ca; per-certificate extensions go in
# files of their own (ext NAME KIND).
cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
[dn]
[ca]
default_ca = test_ca
[test_ca]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
cnf=$work/openssl.cnf

ext() {
    {
        echo "[cert]"
        echo "basicConstraints = critical,CA:false"
        echo "keyUsage = critical,digitalSignature"
        echo "subjectKeyIdentifier = hash"
        echo "authorityKeyIdentifier = keyid"
        case $2 in
        node) echo "extendedKeyUsage = serverAuth,clientAuth"
              echo "subjectAltName = DNS:$1,DNS:localhost,IP:127.0.0.1" ;;
        client) echo "extendedKeyUsage = clientAuth"
                echo "subjectAltName = DNS:$1" ;;
        esac
    } >"$work/$1.ext"
}

# key FILE: a P-256 private key, created 0600 (umask) and left so.
key() {
    (umask 077 && run "$OPENSSL" genpkey -algorithm EC \
        -pkeyopt ec_paramgen_curve:P-256 -out "$1")
    chmod 600 "$1"
}

# ca NAME CN
ca() {
    key "$dir/$1.key"
    run "$OPENSSL" req -x509 -new -config "$cnf" -key "$dir/$1.key" \
        -subj "/CN=$2" -days 30 -extensions v3_ca -out "$dir/$1.pem"
}

serial=1
# cert NAME KIND CA: NAME.pem/.key with CN NAME, signed by CA.
cert() {
    key "$dir/$1.key"
    run "$OPENSSL" req -new -config "$cnf" -key "$dir/$1.key" -subj "/CN=$1" \
        -out "$work/$1.csr"
    ext "$1" "$2"
    serial=$((serial + 1))
    run "$OPENSSL" x509 -req -in "$work/$1.csr" -CA "$dir/$3.pem" \
        -CAkey "$dir/$3.key" -set_serial "$serial" -days 30 \
        -extfile "$work/$1.ext" -extensions cert -out "$dir/$1.pem"
}

ca ca "helios test CA"
for n in $NODES; do cert "$n" node ca; done
cert coordinator client ca

# The expired one: `openssl ca` is the portable way to choose the dates
# (x509 -not_after only came with OpenSSL 3.4).
key "$dir/node-expired.key"
run "$OPENSSL" req -new -config "$cnf" -key "$dir/node-expired.key" \
    -subj "/CN=node-expired" -out "$work/node-expired.csr"
ext node-expired node
: >"$work/index.txt"
echo 1000 >"$work/serial"
run "$OPENSSL" ca -batch -config "$cnf" -cert "$dir/ca.pem" -keyfile "$dir/ca.key" \
    -in "$work/node-expired.csr" -startdate 20000101000000Z -enddate 20010101000000Z \
    -extfile "$work/node-expired.ext" -extensions cert -notext -out "$dir/node-expired.pem"

# The impostor: a CA of its own and a certificate that claims to be node1.
ca rogue-ca "helios rogue CA"
key "$dir/rogue-node.key"
run "$OPENSSL" req -new -config "$cnf" -key "$dir/rogue-node.key" -subj "/CN=node1" \
    -out "$work/rogue-node.csr"
ext node1 node
serial=$((serial + 1))
run "$OPENSSL" x509 -req -in "$work/rogue-node.csr" -CA "$dir/rogue-ca.pem" \
    -CAkey "$dir/rogue-ca.key" -set_serial "$serial" -days 30 \
    -extfile "$work/node1.ext" -extensions cert -out "$dir/rogue-node.pem"

chmod 644 "$dir"/*.pem
