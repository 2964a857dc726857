-- plainsql.sql: what is not the dialect goes to SQLite as in sqlite3, with
-- the rewrites (name => expr, AS (col TYPE, ...), NOW(), INTERVAL), SQLite's
-- errors located in the script, and the catalog tables refusing plain writes.
.headers on
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, tenure INTEGER,
                        charges REAL, contract TEXT);
INSERT INTO customers VALUES (1, 12, 70.5, 'monthly'), (2, 40, 99.0, 'yearly');
INSERT INTO customers (tenure, charges, contract) VALUES (3, 20.25, 'monthly');
SELECT * FROM customers ORDER BY customer_id;
SELECT contract, count(*) AS n, round(avg(charges), 2) AS avg_charges
FROM customers GROUP BY contract ORDER BY contract;
PRAGMA table_info(customers);
-- transactions
BEGIN;
INSERT INTO customers VALUES (10, 1, 1.0, 'x');
ROLLBACK;
BEGIN TRANSACTION;
UPDATE customers SET charges = charges + 1 WHERE customer_id = 1;
COMMIT;
SELECT customer_id, charges FROM customers WHERE customer_id = 1;
SAVEPOINT sp;
DELETE FROM customers WHERE customer_id = 3;
ROLLBACK TO sp;
RELEASE sp;
SELECT count(*) AS n FROM customers;
-- a trigger: its body's ';' do not end the statement
CREATE TABLE log (msg TEXT);
CREATE TRIGGER customers_ins AFTER INSERT ON customers
BEGIN
    INSERT INTO log VALUES ('new customer ' || NEW.customer_id);
    UPDATE log SET msg = upper(msg) WHERE msg LIKE '%4';
END;
INSERT INTO customers VALUES (4, 5, 10.0, 'weekly');
SELECT msg FROM log;
CREATE TEMP TRIGGER t2 BEFORE DELETE ON log BEGIN SELECT RAISE(ABORT, 'log is append-only'); END;
DELETE FROM log;
-- dialect keywords are names in plain SQL
CREATE TABLE model (workspace TEXT, node TEXT, training INTEGER, format TEXT);
INSERT INTO model VALUES ('w', 'n', 1, 'json');
SELECT workspace, node, training, format FROM model;
-- NOW() and INTERVAL
SELECT NOW() GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]' AS shape;
SELECT NOW() - INTERVAL '1 hour' < NOW() AS earlier, NOW() + INTERVAL '2 days' > NOW() AS later;
SELECT datetime('2024-01-31 12:00:00') + INTERVAL '1 day 2 hours' AS t;
SELECT datetime('2024-01-31 12:00:00') - INTERVAL '30 minutes' - INTERVAL '1 week' AS t;
SELECT '2024-03-01 00:00:00' - INTERVAL '1 month' AS t;
-- AS (col TYPE, ...): a table function in FROM, or the one call of a SELECT
SELECT * FROM json_each('[1, 2.5, "x"]') AS (key INTEGER, value TEXT, type TEXT)
ORDER BY key;
SELECT json_each('{"a": 1, "b": 2}') AS (
    key TEXT,
    value FLOAT
);
SELECT json_each.key, c.contract FROM customers c
JOIN json_each('["monthly", "weekly"]') AS (key INTEGER, value VARCHAR(20))
  ON json_each.value = c.contract
ORDER BY c.customer_id;
-- the catalog: readable, not writable
SELECT name FROM sqlite_master WHERE name LIKE 'hl\_%' ESCAPE '\' AND type = 'table' ORDER BY name;
SELECT count(*) AS n FROM hl_workspace;
INSERT INTO hl_workspace (name) VALUES ('sneaky');
UPDATE hl_model SET status = 'trained';
DELETE FROM hl_audit;
DROP TABLE hl_node;
ALTER TABLE hl_alert ADD COLUMN x INTEGER;
CREATE TABLE hl_mine (x INTEGER);
SELECT count(*) AS n FROM hl_workspace;
-- SQLite's errors, located in the script
SELECT * FROM no_such_table;
SELECT no_such_column FROM customers;
SELECT * FROM customers
WHERE customer_id = 1 AND
      missing_col > 2;
SELECT nosuchfn(1);
INSERT INTO customers VALUES (1, 1, 1.0, 'dup');
SELECT * FROM customers WHERE;
SELECT 1 +;
SELEC 1;
CREATE TABLE customers (x INTEGER);
SELECT count(*) AS n FROM customers;
