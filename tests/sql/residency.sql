-- residency.sql: the residency rules of the compliance modes refuse the
-- statements that would break them: under HIPAA (and BOTH) a node's
-- data_residency is 'US' or 'US-...'; under GDPR (and BOTH) it is the
-- workspace's data_residency or inside it ('EU-CENTRAL' in 'EU', not
-- 'EUROPE'), checked when a node is registered or altered and when the
-- workspace's mode or region changes.
CREATE FEDERATED WORKSPACE h WITH (min_nodes = 1, compliance_mode = 'HIPAA', retention_days = 2555);
REGISTER FEDERATED NODE 'ok' IN WORKSPACE h WITH (endpoint = 'local', data_residency = 'US-EAST');
REGISTER FEDERATED NODE 'eu' IN WORKSPACE h WITH (endpoint = 'local', data_residency = 'EU-WEST');
ALTER FEDERATED NODE 'ok' IN WORKSPACE h SET (data_residency = 'APAC');
CREATE FEDERATED WORKSPACE g WITH (min_nodes = 1, data_residency = 'EU');
REGISTER FEDERATED NODE 'us' IN WORKSPACE g WITH (endpoint = 'local', data_residency = 'US-EAST');
ALTER FEDERATED WORKSPACE g SET (compliance_mode = 'GDPR');
DEREGISTER FEDERATED NODE 'us' IN WORKSPACE g;
REGISTER FEDERATED NODE 'de' IN WORKSPACE g WITH (endpoint = 'local', data_residency = 'EU-CENTRAL');
ALTER FEDERATED WORKSPACE g SET (compliance_mode = 'GDPR');
REGISTER FEDERATED NODE 'us2' IN WORKSPACE g WITH (endpoint = 'local', data_residency = 'US-EAST');
REGISTER FEDERATED NODE 'euro' IN WORKSPACE g WITH (endpoint = 'local', data_residency = 'EUROPE');
