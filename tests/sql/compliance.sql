-- compliance.sql: federated_compliance_check(ws, mode) and
-- federated_security_audit(ws) on a HIPAA workspace set up as HIPAA asks
-- and on a deliberately weak one; every row is a real check, so the weak
-- workspace fails where it is weak.  Files named here do not exist (the
-- certificates' expiry and the keys' modes are checked by
-- tests/compliance_certs.sh, which makes real files).
.headers on
CREATE FEDERATED WORKSPACE hospital WITH (
    min_nodes = 1, compliance_mode = 'HIPAA', data_residency = 'US',
    retention_days = 2555, privacy_budget = 0.5,
    certificate = '/nonexistent/helios/coordinator.pem',
    private_key = '/nonexistent/helios/coordinator.key',
    ca_bundle = '/nonexistent/helios/ca.pem',
    key_file = '/nonexistent/helios/workspace.key');
REGISTER FEDERATED NODE 'clinic' IN WORKSPACE hospital
    WITH (endpoint = 'local', data_residency = 'US-WEST');
REGISTER FEDERATED NODE 'lab' IN WORKSPACE hospital
    WITH (endpoint = 'tls://lab.example:8443', data_residency = 'US-EAST');
CREATE FEDERATED MODEL readmission IN WORKSPACE hospital
    WITH (features = ['age'], target = 'readmitted', secure_aggregation = true);

CREATE FEDERATED WORKSPACE weak WITH (
    min_nodes = 1, encryption = 'none', audit_logging = false, retention_days = 30,
    certificate_validation = false, data_residency = 'EU', privacy_budget = 4);
REGISTER FEDERATED NODE 'paris' IN WORKSPACE weak
    WITH (endpoint = 'tls://paris.example:8443', data_residency = 'EU-WEST');
REGISTER FEDERATED NODE 'ohio' IN WORKSPACE weak
    WITH (endpoint = 'tls://ohio.example:8443', data_residency = 'US-EAST',
          certificate = '/nonexistent/helios/ohio.pem');
REGISTER FEDERATED NODE 'basement' IN WORKSPACE weak WITH (endpoint = 'local');
CREATE FEDERATED MODEL churn IN WORKSPACE weak WITH (features = ['tenure'], target = 'churned');
CREATE FEDERATED MODEL fraud IN WORKSPACE weak WITH (features = ['amount'], target = 'fraud');

-- HIPAA: the compliant workspace passes all but its missing key file; the
-- weak one fails each setting it weakened.
SELECT * FROM federated_compliance_check('hospital', 'HIPAA');
SELECT * FROM federated_compliance_check('weak', 'HIPAA') AS (
    requirement TEXT,
    status TEXT,
    details TEXT
);
-- GDPR: residency against the workspace's; consent and subject rights do
-- not exist yet and fail so.
SELECT * FROM federated_compliance_check('weak', 'GDPR');
SELECT requirement, status FROM federated_compliance_check('hospital', 'BOTH');
-- the mode is a compliance mode, the workspace one that exists
SELECT * FROM federated_compliance_check('hospital', 'SOX');
SELECT * FROM federated_compliance_check('nowhere', 'GDPR');

-- security audit
SELECT * FROM federated_security_audit('hospital');
SELECT * FROM federated_security_audit('weak') AS (
    check_name TEXT,
    status TEXT,
    recommendation TEXT
);
SELECT status, count(*) AS n FROM federated_security_audit('weak') GROUP BY status ORDER BY status;
SELECT * FROM federated_security_audit('nowhere');
