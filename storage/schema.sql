-- schema.sql - the helios catalog, schema version 1.
--
-- Compiled into libhelios (storage/embed.sh turns this file into the C
-- string hl_schema_sql of storage/schema.h) and run by the migration of
-- version 1 in storage/catalog.c, inside the migration's transaction.  Do
-- not put BEGIN, COMMIT or PRAGMA user_version here: the migration runner
-- owns them.  A later change to the catalog is a new migration in
-- catalog.c, never an edit of this file once it has shipped.
--
-- Conventions:
--  - Every catalog table is named hl_*; plain SQL may read them but not
--    write them (hl_cat_protect).
--  - Names are stored as written and compared case-insensitively
--    (COLLATE NOCASE), as SQL identifiers are.
--  - options is a JSON object holding only the options set explicitly
--    (src/options.h); defaults are never stored.
--  - Times are TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, the format of
--    datetime('now') and of the now() SQL function.
--  - Dropping a parent drops its children (ON DELETE CASCADE); whether a
--    drop is allowed at all (RESTRICT unless CASCADE) is decided in C,
--    where the error message can count what is in the way.

-- CREATE EXTENSION heliosdb_federated_learning
CREATE TABLE hl_extension (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status      TEXT NOT NULL DEFAULT 'installed',
    created_at  TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE hl_workspace (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  TEXT NOT NULL DEFAULT (datetime('now'))
);

-- A participating site.  status is 'registered' until the engine reaches
-- the node, then 'active', 'slow' or 'failed'; last_seen and last_error are
-- the engine's.
CREATE TABLE hl_node (
    id          INTEGER PRIMARY KEY,
    ws_id       INTEGER NOT NULL REFERENCES hl_workspace(id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status      TEXT NOT NULL DEFAULT 'registered',
    created_at  TEXT NOT NULL DEFAULT (datetime('now')),
    last_seen   TEXT,
    last_error  TEXT,
    UNIQUE (ws_id, name)
);
CREATE INDEX hl_node_ws ON hl_node(ws_id);

-- A model.  Names are unique in the whole catalog (functions such as
-- federated_predict('m') name a model without its workspace).  status is
-- 'defined' until it is trained.  current_version is the version that
-- prediction uses (NULL: the latest), set by ROLLBACK FEDERATED MODEL.
CREATE TABLE hl_model (
    id              INTEGER PRIMARY KEY,
    ws_id           INTEGER NOT NULL REFERENCES hl_workspace(id) ON DELETE CASCADE,
    name            TEXT NOT NULL COLLATE NOCASE UNIQUE,
    options         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status          TEXT NOT NULL DEFAULT 'defined',
    created_at      TEXT NOT NULL DEFAULT (datetime('now')),
    current_version INTEGER
);
CREATE INDEX hl_model_ws ON hl_model(ws_id);

-- One row per completed training of a model (rows arrive with training).
CREATE TABLE hl_model_version (
    id          INTEGER PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES hl_model(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version >= 1),
    tag         TEXT COLLATE NOCASE,
    created_at  TEXT NOT NULL DEFAULT (datetime('now')),
    rounds      INTEGER NOT NULL DEFAULT 0,
    params      BLOB,
    metrics     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
    UNIQUE (model_id, version),
    UNIQUE (model_id, tag)
);

-- CREATE FEDERATED ALERT name ON WORKSPACE ws WHEN metric cmp threshold
-- NOTIFY 'target'.  cmp is one of < <= > >= = !=.
CREATE TABLE hl_alert (
    id          INTEGER PRIMARY KEY,
    ws_id       INTEGER NOT NULL REFERENCES hl_workspace(id) ON DELETE CASCADE,
    name        TEXT NOT NULL COLLATE NOCASE,
    metric      TEXT NOT NULL,
    cmp         TEXT NOT NULL CHECK (cmp IN ('<', '<=', '>', '>=', '=', '!=')),
    threshold   REAL NOT NULL,
    notify      TEXT,
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status      TEXT NOT NULL DEFAULT 'enabled',
    created_at  TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (ws_id, name)
);
CREATE INDEX hl_alert_ws ON hl_alert(ws_id);

-- CREATE FEDERATED AGGREGATION FUNCTION name() RETURNS type
--   AS $$ body $$ LANGUAGE lang      (body: the source text)
--   AS 'library', 'symbol' ...       (body: the library, symbol: its entry)
CREATE TABLE hl_aggfunc (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    returns     TEXT,
    language    TEXT,
    body        TEXT,
    symbol      TEXT,
    options     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    status      TEXT NOT NULL DEFAULT 'defined',
    created_at  TEXT NOT NULL DEFAULT (datetime('now'))
);

-- Every change to the catalog, appended in the transaction of the change.
-- Names are copied, not referenced, so entries outlive what they describe.
-- (The hash chain of the governance work is a later migration.)
CREATE TABLE hl_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL DEFAULT (datetime('now')),
    action      TEXT NOT NULL,
    object_kind TEXT,
    object_name TEXT,
    workspace   TEXT,
    detail      TEXT
);
