#!/bin/sh
# compliance_certs.sh - federated_security_audit() and
# federated_compliance_check() against real files: certificates made now
# by tests/pki.sh and the openssl command (one expired in 2000, one
# expiring in 30 days, one valid for 400 days) and key files whose modes
# are set here (0644: a finding; 0600: fine).  The golden test
# tests/sql/compliance.sql covers the settings; this one the files.
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
srcdir=$(cd "$srcdir" && pwd)
command -v openssl >/dev/null 2>&1 || { echo "compliance_certs.sh: openssl not found: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-compliance.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB= HELIOS_NOW= HELIOS_KEY_FILE= TZ=UTC LC_ALL=C
fail=0
bad() { echo "compliance_certs.sh: $*" >&2; fail=1; }
# expect QUERY PATTERN: some row of the query's output matches PATTERN
expect() {
    out=$("$shell" cat.db -c "$1" 2>&1)
    printf '%s\n' "$out" | grep -q -- "$2" || bad "$1: no row matching '$2' in:
$out"
}

sh "$srcdir/tests/pki.sh" pki || { bad "tests/pki.sh failed"; exit 1; }
cert() {    # cert NAME DAYS: a self-signed certificate valid for DAYS days
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
        -days "$2" -keyout "$1.key" -out "$1.pem" >/dev/null 2>&1 || bad "openssl req $1 failed"
}
cert soon 30
cert fine 400
printf 'not a certificate\n' > junk.pem
head -c 32 /dev/urandom > ws.key
chmod 644 soon.key ws.key
chmod 600 fine.key

"$shell" cat.db > setup.out 2>&1 <<'SQL' || bad "setup failed: $(cat setup.out)"
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 1, certificate = 'fine.pem',
    private_key = 'fine.key', ca_bundle = 'pki/ca.pem', key_file = 'ws.key');
REGISTER FEDERATED NODE 'old' IN WORKSPACE w WITH (endpoint = 'tls://old.example:8443',
    certificate = 'pki/node-expired.pem', private_key = 'pki/node-expired.key');
REGISTER FEDERATED NODE 'soon' IN WORKSPACE w WITH (endpoint = 'tls://soon.example:8443',
    certificate = 'soon.pem', private_key = 'soon.key');
REGISTER FEDERATED NODE 'fine' IN WORKSPACE w WITH (endpoint = 'tls://fine.example:8443');
REGISTER FEDERATED NODE 'junk' IN WORKSPACE w WITH (endpoint = 'tls://junk.example:8443',
    certificate = 'junk.pem');
SQL

audit="SELECT check_name || '|' || status || '|' || recommendation FROM federated_security_audit('w')"
expect "$audit" "^certificate expiry|pass|certificate 'fine.pem' (workspace) valid until "
expect "$audit" "^certificate expiry|fail|certificate 'pki/node-expired.pem' (node 'old') expired on 2001-01-01: renew it"
expect "$audit" "^certificate expiry|warning|certificate 'soon.pem' (node 'soon') expires in 29 days\|^certificate expiry|warning|certificate 'soon.pem' (node 'soon') expires in 30 days"
expect "$audit" "^certificate expiry|fail|certificate 'junk.pem' (node 'junk') cannot be read: not a PEM certificate"
expect "$audit" "^key file permissions|pass|key 'fine.key' (workspace) has mode 0600"
expect "$audit" "^key file permissions|pass|key 'pki/node-expired.key' (node 'old') has mode 0600"
expect "$audit" "^key file permissions|fail|key 'soon.key' (node 'soon') has mode 0644: group or others can access it; chmod 600"
expect "$audit" "^key file permissions|fail|key 'ws.key' (key_file) has mode 0644"
n=$("$shell" cat.db -c "SELECT count(*) FROM federated_security_audit('w') WHERE check_name = 'certificate expiry'" 2>&1 | tail -1)
[ "$n" = 4 ] || bad "expected 4 certificate rows, got $n"

check="SELECT requirement || '|' || status || '|' || details FROM federated_compliance_check('w', 'HIPAA')"
expect "$check" "^HIPAA: encryption key|fail|key file 'ws.key' (key_file) has mode 0644: group or others can access it"
chmod 600 ws.key
expect "$check" "^HIPAA: encryption key|pass|key file 'ws.key' (key_file) exists, mode 0600; encryption at rest is not implemented yet"
expect "$audit" "^key file permissions|pass|key 'ws.key' (key_file) has mode 0600"
expect "$check" "^HIPAA: node credentials|pass|4 remote nodes"

# the key file from the environment when the workspace names none
"$shell" cat.db -c "CREATE FEDERATED WORKSPACE v WITH (min_nodes = 1)" >/dev/null 2>&1
out=$(HELIOS_KEY_FILE=soon.key "$shell" cat.db -c \
    "SELECT status || '|' || details FROM federated_compliance_check('v', 'HIPAA') WHERE requirement = 'HIPAA: encryption key'" 2>&1)
printf '%s\n' "$out" | grep -q "^fail|key file 'soon.key' (HELIOS_KEY_FILE) has mode 0644" \
    || bad "HELIOS_KEY_FILE not checked: $out"
expect "SELECT status FROM federated_compliance_check('v', 'HIPAA') WHERE requirement = 'HIPAA: encryption key'" "^warning$"

# a tampered audit chain fails both modes' audit requirement
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE hl_audit SET detail = coalesce(detail, \"\") || \"x\" WHERE id = (SELECT min(id) FROM hl_audit WHERE workspace = \"w\")")
db.commit()' cat.db || bad "could not edit the catalog"
    expect "$check" "^HIPAA: audit chain|fail|audit chain broken at entry id "
    expect "SELECT requirement || '|' || status FROM federated_compliance_check('w', 'GDPR')" "^GDPR: audit chain|fail$"
fi

[ "$fail" = 0 ] && echo "compliance_certs.sh: ok"
exit "$fail"
