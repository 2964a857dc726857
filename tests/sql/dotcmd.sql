-- dotcmd.sql: the dot-commands: .help .tables .schema .mode .headers .timer
-- .workspaces .nodes .models .read .open, their argument checks, and
-- unknown dot-commands.
.help
.help import
.help .mode
.help nosuch
CREATE TABLE t1 (a INTEGER, b TEXT);
CREATE TABLE t2 (c REAL);
CREATE VIEW v1 AS SELECT a FROM t1;
INSERT INTO t1 VALUES (1, 'one'), (2, 'two, too'), (3, NULL);
.tables
.tables t%
.tables nomatch
.schema
.schema t2
-- the catalog's own tables are not listed
.tables hl%
-- output modes
.mode
.mode csv
.headers on
SELECT * FROM t1;
.mode json
SELECT * FROM t1;
SELECT * FROM t1 WHERE 0;
.mode line
SELECT * FROM t1 WHERE a < 3;
.mode table
SELECT * FROM t1;
.mode box
SELECT * FROM t1 WHERE a = 1;
.mode list
.headers off
SELECT * FROM t1;
.mode tabel
.mode xml
.headers maybe
.timer sometimes
.mode
-- the federated listings
.headers on
.workspaces
CREATE FEDERATED WORKSPACE ws1;
CREATE FEDERATED WORKSPACE "ws 2";
REGISTER FEDERATED NODE 'n1' IN WORKSPACE ws1;
REGISTER FEDERATED NODE 'n2' IN WORKSPACE "ws 2";
CREATE FEDERATED MODEL m1 IN WORKSPACE ws1 WITH (features = ['a'], target = 'b');
.workspaces
.nodes
.nodes ws1
.nodes "ws 2"
.models ws1
.models "ws 2"
.workspaces extra
-- .read
.read data/no_such_script.sql
.read
-- unknown and misspelt dot-commands, and argument counts
.tabels
.hepl
.frobnicate
.quit now
.mode csv json
.headers
.open
.exit
SELECT 'not reached';
