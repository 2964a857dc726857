-- node.sql: REGISTER / DEREGISTER / ALTER FEDERATED NODE, which workspace a
-- statement means (IN WORKSPACE, USE, the only one), max_nodes, and the
-- simulation form REGISTER FEDERATED NODES ... FROM TABLE.
.headers on
-- no workspace at all
REGISTER FEDERATED NODE 'early';
CREATE FEDERATED WORKSPACE hospitals WITH (min_nodes = 1, max_nodes = 3);
-- one workspace: it is the one meant
REGISTER FEDERATED NODE 'hospital_a' WITH (
    endpoint = 'https://hospital-a.example.com:8443',
    certificate = '/path/to/cert.pem',
    data_residency = 'US-EAST',
    contact = 'admin@hospital-a.example.com'
);
REGISTER FEDERATED NODE hospital_b WITH (endpoint = 'TLS://10.0.0.2:9000', dataset_size = 1000);
REGISTER FEDERATED NODE 'hospital_a';
REGISTER FEDERATED NODE 'HOSPITAL_A' IN WORKSPACE hospitals;
SELECT workspace, node_name, status, endpoint, data_residency, dataset_size
FROM federated_node_status;
CREATE FEDERATED WORKSPACE banks;
-- two workspaces: which one?
REGISTER FEDERATED NODE 'bank_1';
ALTER FEDERATED NODE 'hospital_a' SET (contact = 'x@example.com');
DEREGISTER FEDERATED NODE 'hospital_b';
-- IN WORKSPACE says it
REGISTER FEDERATED NODE 'bank_1' IN WORKSPACE banks;
REGISTER FEDERATED NODE 'bank_2' IN WORKSPACE nowhere;
-- the same node name in two workspaces is two nodes
REGISTER FEDERATED NODE 'hospital_a' IN WORKSPACE banks;
-- USE says it
USE FEDERATED WORKSPACE hospitals;
REGISTER FEDERATED NODE 'hospital_c' WITH (database = 'data/site_c.db');
-- max_nodes = 3: the fourth is refused
REGISTER FEDERATED NODE 'hospital_d';
ALTER FEDERATED WORKSPACE hospitals SET (max_nodes = 4);
REGISTER FEDERATED NODE 'hospital_d';
SELECT workspace, node_name, endpoint FROM federated_node_status ORDER BY workspace, node_name;
-- ALTER NODE: checked like REGISTER, against what is stored
ALTER FEDERATED NODE 'hospital_a' SET (contact = 'ops@hospital-a.example.com', sla_tier = 'gold');
ALTER FEDERATED NODE 'hospital_a' SET (database = 'x.db');
ALTER FEDERATED NODE 'hospital_a' SET (backup_endpoint = 'https://backup.example.com:8443');
ALTER FEDERATED NODE 'hospital_c' SET (backup_endpoint = 'https://backup.example.com:8443');
ALTER FEDERATED NODE 'hospital_a' IN WORKSPACE banks SET (sla_tier = 'silver');
ALTER FEDERATED NODE 'nobody' SET (sla_tier = 'silver');
SELECT node_name, endpoint, data_residency FROM federated_node_status WHERE workspace = 'hospitals';
SELECT node_name, connection_status, failure_reason FROM federated_node_diagnostics
WHERE workspace = 'hospitals' AND connection_status != 'connected';
-- DEREGISTER
DEREGISTER FEDERATED NODE 'hospital_d';
DEREGISTER FEDERATED NODE 'hospital_d';
DEREGISTER FEDERATED NODE IF EXISTS 'hospital_d';
DEREGISTER FEDERATED NODE 'hospital_a' IN WORKSPACE banks;
DEREGISTER FEDERATED NODE IF EXISTS 'x' IN WORKSPACE nowhere;
SELECT workspace, node_name FROM federated_node_status ORDER BY workspace, node_name;
-- SHOW: all nodes, one workspace's, the current workspace's (USE), none
SHOW FEDERATED NODES IN WORKSPACE hospitals;
SHOW FEDERATED NODES;
CREATE FEDERATED WORKSPACE empty_ws;
SHOW FEDERATED NODES IN WORKSPACE empty_ws;
SHOW FEDERATED NODES IN WORKSPACE nowhere;
-- the simulation form: n local nodes over a table, each with its share as data_filter
CREATE TABLE patients (age INTEGER, bmi REAL, region TEXT, outcome INTEGER);
INSERT INTO patients VALUES (50, 25.0, 'east', 1), (61, 31.5, 'west', 0), (45, 22.1, 'east', 0);
REGISTER FEDERATED NODES 3 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID;
SELECT node_name, endpoint FROM federated_node_status WHERE workspace = 'empty_ws';
-- a second time the names are taken, and nothing is added
REGISTER FEDERATED NODES 3 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID;
CREATE FEDERATED WORKSPACE sim2;
REGISTER FEDERATED NODES 4 IN WORKSPACE sim2 FROM TABLE patients
    PARTITION BY DIRICHLET(outcome, 0.5) SEED 42 WITH (data_residency = 'EU');
SELECT node_name, data_residency FROM federated_node_status WHERE workspace = 'sim2';
CREATE FEDERATED WORKSPACE sim3;
REGISTER FEDERATED NODES 3 IN WORKSPACE sim3 FROM TABLE patients PARTITION BY COLUMN region;
REGISTER FEDERATED NODES 2 IN WORKSPACE sim3 FROM TABLE patients PARTITION BY COLUMN region;
REGISTER FEDERATED NODES 2 IN WORKSPACE sim3 FROM TABLE patients PARTITION BY IID
    WITH (data_filter = 'age > 40');
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE nosuch PARTITION BY IID;
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY COLUMN nosuch;
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY DIRICHLET(nosuch, 1);
REGISTER FEDERATED NODES 2 IN WORKSPACE nowhere FROM TABLE patients PARTITION BY IID;
REGISTER FEDERATED NODES 0 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID;
REGISTER FEDERATED NODES 100001 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID;
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY DIRICHLET(outcome, 0);
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY DIRICHLET(outcome, -1.5);
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID SEED 1.5;
REGISTER FEDERATED NODES 2 IN WORKSPACE empty_ws FROM TABLE patients PARTITION BY IID WITH (sla = 'gold');
-- max_nodes counts the simulated nodes too
ALTER FEDERATED WORKSPACE empty_ws SET (max_nodes = 2);
CREATE FEDERATED WORKSPACE capped WITH (max_nodes = 2);
REGISTER FEDERATED NODES 3 IN WORKSPACE capped FROM TABLE patients PARTITION BY IID;
SELECT workspace_name, registered_nodes FROM federated_workspace_status ORDER BY workspace_name;
