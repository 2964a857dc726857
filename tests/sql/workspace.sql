-- workspace.sql: CREATE / ALTER / DROP / USE FEDERATED WORKSPACE, IF [NOT]
-- EXISTS, CASCADE / RESTRICT, SHOW and the status views.
-- The clock is HELIOS_NOW (run-sql.sh), so SHOW's created_at is fixed.
.headers on
CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning;
CREATE EXTENSION IF NOT EXISTS heliosdb_federated_learning;
CREATE EXTENSION heliosdb_federated_learning;
CREATE EXTENSION postgis;
SHOW FEDERATED WORKSPACES;
SELECT count(*) AS n FROM federated_workspace_status;
CREATE FEDERATED WORKSPACE alpha;
CREATE FEDERATED WORKSPACE IF NOT EXISTS alpha WITH (min_nodes = 3);
CREATE FEDERATED WORKSPACE alpha;
CREATE FEDERATED WORKSPACE ALPHA;
CREATE FEDERATED WORKSPACE 'beta' WITH (
    privacy_budget = 0.5,        -- epsilon
    min_nodes = 3,
    max_nodes = 100,
    compliance_mode = 'hipaa',   -- case-insensitive, stored canonical
    encryption = 'AES-256-GCM'
);
CREATE FEDERATED WORKSPACE "gamma ws" WITH (compliance_mode = 'GDPR');
SHOW FEDERATED WORKSPACES;
SELECT workspace_name, status, min_nodes_required, max_nodes, registered_nodes,
       active_nodes, models, compliance_mode, privacy_budget
FROM federated_workspace_status ORDER BY workspace_name;
-- ALTER changes what it names and keeps the rest
ALTER FEDERATED WORKSPACE beta SET (min_nodes = 5, privacy_budget = 2.0);
SELECT workspace_name, min_nodes_required, max_nodes, compliance_mode, privacy_budget
FROM federated_workspace_status WHERE workspace_name = 'beta';
-- NULL puts an option back to its default
ALTER FEDERATED WORKSPACE beta SET (max_nodes = NULL);
SELECT workspace_name, min_nodes_required, max_nodes FROM federated_workspace_status
WHERE workspace_name = 'BETA';
-- all or nothing: the second option fails, the first is not applied
ALTER FEDERATED WORKSPACE beta SET (min_nodes = 7, max_nodes = 0);
SELECT min_nodes_required FROM federated_workspace_status WHERE workspace_name = 'beta';
ALTER FEDERATED WORKSPACE nowhere SET (min_nodes = 2);
-- privacy budget views
SELECT * FROM federated_privacy_budget('beta');
ALTER FEDERATED WORKSPACE beta SET (privacy_per_round = 0.3);
SELECT workspace_name, total_budget_epsilon, consumed_epsilon, remaining_epsilon,
       rounds_completed, estimated_remaining_rounds
FROM federated_privacy_budget_status ORDER BY workspace_name;
-- USE: the workspace statements without IN WORKSPACE mean
USE FEDERATED WORKSPACE nowhere;
USE FEDERATED WORKSPACE "gamma ws";
REGISTER FEDERATED NODE 'n1';
SELECT workspace, node_name, status FROM federated_node_status;
-- RESTRICT (the default) refuses a workspace that holds something
DROP FEDERATED WORKSPACE "gamma ws";
DROP FEDERATED WORKSPACE "gamma ws" RESTRICT;
DROP FEDERATED WORKSPACE "gamma ws" CASCADE;
SELECT count(*) AS nodes FROM federated_node_status;
-- dropping the current workspace forgets it: with two left, which one?
REGISTER FEDERATED NODE 'n2';
REGISTER FEDERATED NODE 'n2' IN WORKSPACE alpha;
DROP FEDERATED WORKSPACE IF EXISTS "gamma ws";
DROP FEDERATED WORKSPACE "gamma ws";
DROP FEDERATED WORKSPACE alpha CASCADE;
DROP FEDERATED WORKSPACE beta;
SHOW FEDERATED WORKSPACES;
SELECT action, object_kind, object_name, workspace FROM federated_audit_log;
