#!/bin/sh
# audit.sh - the audit log's hash chains (storage/audit.c), checked from
# outside: every stored hash is recomputed here with python3's hashlib from
# the rows (the definition in helios-sql(7), not helios' code); then the
# catalog file is edited behind helios' back (a row altered, removed,
# inserted, the last one removed) and federated_audit_verify() must name
# the first entry that is wrong; retention removes old entries and the
# chain, anchored, still verifies.
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
command -v python3 >/dev/null 2>&1 || { echo "audit.sh: python3 not found: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-audit.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB= TZ=UTC LC_ALL=C
fail=0
bad() { echo "audit.sh: $*" >&2; fail=1; }
q() { "$shell" "$1" -c "$2" 2>&1 | tail -1; }
sqlpy() { python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit()' "$1" "$2"; }

HELIOS_NOW='2026-01-15 12:00:00' "$shell" cat.db > setup.out 2>&1 <<'SQL' || bad "setup failed: $(cat setup.out)"
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 1);
REGISTER FEDERATED NODE 'a' IN WORKSPACE w WITH (endpoint = 'local');
REGISTER FEDERATED NODE 'b' IN WORKSPACE w WITH (endpoint = 'local');
CREATE FEDERATED WORKSPACE v WITH (min_nodes = 1);
ALTER FEDERATED WORKSPACE w SET (max_nodes = 5);
CREATE FEDERATED MODEL m IN WORKSPACE w WITH (features = ['x'], target = 'y');
DEREGISTER FEDERATED NODE 'b' IN WORKSPACE w;
SQL

# every hash, recomputed independently: SHA-256(prev || "\n" || fields)
python3 - cat.db <<'PY' || bad "the stored chain does not match its definition"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def f(x):
    if x is None:
        return b"N;"
    b = str(x).encode()
    return b"S%d:" % len(b) + b + b";"
prev, count, n = {}, {}, 0
for (i, chain, seq, at, action, kind, name, ws, detail, ph, h) in db.execute(
        "SELECT id, chain, seq, at, action, object_kind, object_name, workspace, detail, "
        "prev_hash, hash FROM hl_audit ORDER BY id"):
    p = prev.get(chain.lower(), "0" * 64)
    want = hashlib.sha256(p.encode() + b"\n" + f(seq) + f(at) + f(action) + f(kind) + f(name)
                          + f(ws) + f(detail)).hexdigest()
    k = chain.lower()
    count[k] = count.get(k, 0) + 1
    if ph != p or h != want or seq != count[k]:
        sys.exit("entry %d: prev %s hash %s, expected prev %s hash %s" % (i, ph, h, p, want))
    prev[chain.lower()] = h
    n += 1
head = dict((c.lower(), (s, h)) for (c, s, h) in
            db.execute("SELECT chain, head_seq, head_hash FROM hl_audit_chain"))
for c, h in prev.items():
    if head[c][1] != h:
        sys.exit("chain %s: head %s, last entry %s" % (c, head[c][1], h))
if n != 7:
    sys.exit("%d entries, expected 7" % n)
PY
[ "$(q cat.db "SELECT status || ' ' || entries_checked FROM federated_audit_verify('w')")" = "intact 6" ] \
    || bad "w's chain: $(q cat.db "SELECT * FROM federated_audit_verify('w')")"
[ "$(q cat.db "SELECT status || ' ' || entries_checked FROM federated_audit_verify('v')")" = "intact 1" ] \
    || bad "v's chain: $(q cat.db "SELECT * FROM federated_audit_verify('v')")"

# w's chain, by seq: 1 CREATE w, 2 REGISTER a, 3 REGISTER b, 4 ALTER w,
# 5 CREATE MODEL m, 6 DEREGISTER b
id_of() { python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT id FROM hl_audit WHERE chain = ? AND seq = ?",
      (sys.argv[2], int(sys.argv[3]))).fetchone()[0])' "$1" w "$2"; }
verdict() { q "$1" "SELECT status || '|' || coalesce(first_bad_id, '-') || '|' || first_bad_seq || '|' || problem
    FROM federated_audit_verify('w')"; }
expect() {  # DB WANT-PREFIX WHAT
    v=$(verdict "$1")
    case $v in "$2"*) ;; *) bad "$3: '$v', expected '$2...'" ;; esac
}

cp cat.db t1.db
sqlpy t1.db "UPDATE hl_audit SET detail = '{\"max_nodes\":50}' WHERE id = $(id_of cat.db 4)"
expect t1.db "tampered|$(id_of cat.db 4)|4|entry $(id_of cat.db 4) (seq 4) was altered" "an altered entry"

cp cat.db t2.db
sqlpy t2.db "DELETE FROM hl_audit WHERE id = $(id_of cat.db 3)"
expect t2.db "tampered|$(id_of cat.db 4)|4|entries 3 to 3 are missing: removed" "a removed entry"

cp cat.db t3.db
sqlpy t3.db "DELETE FROM hl_audit WHERE id = $(id_of cat.db 6)"
expect t3.db "tampered|-|6|the chain ends at seq 5, its head says 6" "the last entry removed"

cp cat.db t4.db
sqlpy t4.db "INSERT INTO hl_audit(at, action, object_kind, object_name, workspace, detail, chain, seq,
    prev_hash, hash) SELECT at, 'DROP FEDERATED MODEL', object_kind, object_name, workspace, NULL,
    chain, seq, prev_hash, hash FROM hl_audit WHERE id = $(id_of cat.db 6)"
expect t4.db "tampered|" "an inserted entry"
case $(verdict t4.db) in *"repeats seq 6: inserted"*) ;; *) bad "inserted: $(verdict t4.db)" ;; esac

cp cat.db t5.db     # the entry moved to the other chain: a gap in w's
sqlpy t5.db "UPDATE hl_audit SET chain = 'v' WHERE id = $(id_of cat.db 2)"
expect t5.db "tampered|$(id_of cat.db 3)|3|entries 2 to 2 are missing: removed" "an entry moved away"

# every training round is on record, in its workspace's chain
"$shell" cat.db > train.out 2>&1 <<'SQL' || bad "training failed: $(cat train.out)"
CREATE TABLE t AS WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 99)
  SELECT n / 100.0 AS x, n % 2 AS y FROM i;
REGISTER FEDERATED NODE 'c' IN WORKSPACE v WITH (endpoint = 'local');
CREATE FEDERATED ALERT lossy ON WORKSPACE v WHEN global_loss > 0 NOTIFY 'ops@example.org';
CREATE FEDERATED MODEL mv IN WORKSPACE v WITH (features = ['x'], target = 'y', rounds = 3);
START FEDERATED TRAINING mv;
SELECT wait_for_convergence('mv');
SQL
[ "$(q cat.db "SELECT group_concat(json_extract(detail, '\$.round')) FROM federated_audit_log
      WHERE action = 'TRAINING ROUND' AND object_name = 'mv' AND workspace = 'v'")" = "1,2,3" ] \
    || bad "the rounds in the audit log: $(q cat.db "SELECT count(*) FROM federated_audit_log WHERE action = 'TRAINING ROUND'")"
# the alert fired once (at its first crossing), on record with its round
[ "$(q cat.db "SELECT object_name || ' ' || json_extract(detail, '\$.round') || ' ' ||
      json_extract(detail, '\$.metric') FROM federated_audit_log WHERE action = 'ALERT FIRED'")" = "lossy 1 global_loss" ] \
    || bad "the alert in the audit log: $(q cat.db "SELECT count(*) FROM federated_audit_log WHERE action = 'ALERT FIRED'")"
[ "$(q cat.db "SELECT status FROM federated_audit_verify('v')")" = intact ] || bad "v after training"

# retention: entries of 2020 go when one is added in 2026, and the chain,
# anchored on the last one removed, still verifies
HELIOS_NOW='2020-03-01 09:00:00' "$shell" r.db > r1.out 2>&1 <<'SQL' || bad "retention setup failed"
CREATE FEDERATED WORKSPACE r WITH (min_nodes = 1, retention_days = 30);
REGISTER FEDERATED NODE 'a' IN WORKSPACE r WITH (endpoint = 'local');
REGISTER FEDERATED NODE 'b' IN WORKSPACE r WITH (endpoint = 'local');
SQL
HELIOS_NOW='2026-01-15 12:00:00' "$shell" r.db -c "REGISTER FEDERATED NODE 'c' IN WORKSPACE r WITH (endpoint = 'local')" \
    > r2.out 2>&1 || bad "retention: $(cat r2.out)"
[ "$(q r.db "SELECT group_concat(seq) FROM (SELECT seq FROM federated_audit_log WHERE workspace = 'r' OR object_name = 'r' ORDER BY seq)")" = 4 ] \
    || bad "retention kept: $(q r.db "SELECT group_concat(seq) FROM federated_audit_log")"
[ "$(q r.db "SELECT status || ' ' || entries_checked || ' ' || anchor_seq FROM federated_audit_verify('r')")" = "intact 1 3" ] \
    || bad "after retention: $(q r.db "SELECT * FROM federated_audit_verify('r')")"
sqlpy r.db "UPDATE hl_audit_chain SET anchor_hash = '$(printf '%064d' 1)' WHERE chain = 'r'"
case $(q r.db "SELECT status || ' ' || problem FROM federated_audit_verify('r')") in
    "tampered entry "*"does not follow the one before"*) ;;
    *) bad "a changed anchor: $(q r.db "SELECT * FROM federated_audit_verify('r')")" ;;
esac
exit $fail
