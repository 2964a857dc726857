-- import.sql: .import FILE TABLE: CSV with a header row into a new table
-- (columns typed INTEGER, REAL or TEXT from their values) or an existing
-- one; malformed files are errors with FILE:LINE:COL and leave the table
-- as it was.
.headers on
.import data/people.csv people
SELECT * FROM people ORDER BY id;
SELECT typeof(id), typeof(name), typeof(score), typeof(joined) FROM people WHERE id = 1;
SELECT count(*) AS nulls FROM people WHERE score IS NULL OR joined IS NULL;
.schema people
-- into the existing table: appended
.import data/people_more.csv people
SELECT id, name FROM people ORDER BY id;
-- CRLF line ends, blank lines, a byte order mark
.import data/crlf.csv crlf
SELECT x, y, typeof(x) FROM crlf;
.import data/bom.csv bom
SELECT k, v FROM bom;
-- malformed files: nothing is imported
.import data/bad_count.csv t1
.import data/bad_count_long.csv t1
.import data/bad_quote.csv t1
.import data/bad_after_quote.csv t1
.import data/bad_dup_header.csv t1
.import data/empty.csv t1
.import data/no_such_file.csv t1
.import data t1
.tables t1
-- an existing table is unchanged after a failed import
.import data/bad_count.csv people
SELECT count(*) AS n FROM people;
-- a row the table refuses: the whole import is rolled back
CREATE TABLE stock (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0));
.import data/stock_bad.csv stock
SELECT count(*) AS n FROM stock;
-- the header must match an existing table's columns
.import data/crlf.csv people
-- the catalog cannot be imported into
.import data/people.csv hl_workspace
-- usage
.import data/people.csv
.import data/people.csv a b
.import
.import "data/people.csv" 'quoted name'
SELECT count(*) AS n FROM "quoted name";
.import 'data/people.csv
