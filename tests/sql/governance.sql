-- governance.sql: alerts, consent, export, the right to be forgotten, and
-- custom aggregation functions (plrust refused; sql and c checked).
.headers on
CREATE FEDERATED WORKSPACE ml_consortium WITH (privacy_budget = 0.5, compliance_mode = 'GDPR');
CREATE FEDERATED MODEL customer_churn WITH (target = 'churned', features = ['tenure']);
-- alerts
CREATE FEDERATED ALERT privacy_budget_low
ON WORKSPACE ml_consortium
WHEN remaining_epsilon < 0.1
NOTIFY 'privacy-team@example.com';
CREATE FEDERATED ALERT a2 ON WORKSPACE ml_consortium
WHEN remaining_epsilon <= 2 NOTIFY 'ops@example.com';
CREATE FEDERATED ALERT a3 ON WORKSPACE ml_consortium WHEN remaining_epsilon >= 1e-3 NOTIFY 'a';
CREATE FEDERATED ALERT a4 ON WORKSPACE ml_consortium WHEN remaining_epsilon > -1 NOTIFY 'a';
CREATE FEDERATED ALERT a5 ON WORKSPACE ml_consortium WHEN remaining_epsilon = 0 NOTIFY 'a';
CREATE FEDERATED ALERT a6 ON WORKSPACE ml_consortium WHEN remaining_epsilon != .5 NOTIFY 'a';
CREATE FEDERATED ALERT a7 ON WORKSPACE ml_consortium WHEN remaining_epsilon <> 10 NOTIFY 'a';
SELECT alert_name, workspace, metric, cmp, threshold, notify, status FROM federated_alerts;
CREATE FEDERATED ALERT privacy_budget_low ON WORKSPACE ml_consortium
WHEN remaining_epsilon < 0.2 NOTIFY 'x';
CREATE FEDERATED ALERT IF NOT EXISTS privacy_budget_low ON WORKSPACE ml_consortium
WHEN remaining_epsilon < 0.2 NOTIFY 'x';
CREATE FEDERATED ALERT a8 ON WORKSPACE nowhere WHEN remaining_epsilon < 0.1 NOTIFY 'x';
DROP FEDERATED ALERT a7;
DROP FEDERATED ALERT a7;
DROP FEDERATED ALERT IF EXISTS a7;
SELECT count(*) AS alerts FROM federated_alerts;
-- consent, export, forgetting: checked, then not implemented yet
REVOKE FEDERATED CONSENT FOR SUBJECT 'user_12345'
FROM WORKSPACE ml_consortium;
REVOKE FEDERATED CONSENT FOR SUBJECT 12345 FROM WORKSPACE ml_consortium;
REVOKE FEDERATED CONSENT FOR SUBJECT 'u' FROM WORKSPACE nowhere;
GRANT FEDERATED CONSENT FOR SUBJECT 'user_12345' TO WORKSPACE ml_consortium;
GRANT FEDERATED CONSENT FOR SUBJECT 'u' TO WORKSPACE nowhere;
EXPORT FEDERATED DATA FOR SUBJECT 'user_12345'
FROM WORKSPACE ml_consortium
TO '/exports/user_12345.json'
FORMAT 'json';
EXPORT FEDERATED DATA FOR SUBJECT user_1 FROM WORKSPACE ml_consortium TO 'x.csv' FORMAT csv;
EXPORT FEDERATED DATA FOR SUBJECT 'u' FROM WORKSPACE nowhere TO 'x.json';
DELETE FROM FEDERATED TRAINING customer_churn
WHERE data_subject_id = 'user_12345';
DELETE FROM FEDERATED TRAINING nosuch WHERE data_subject_id = 'u';
-- compliance and security views
SELECT * FROM federated_compliance_check('ml_consortium', 'GDPR');
SELECT * FROM federated_compliance_check('ml_consortium', 'SOX');
SELECT * FROM federated_compliance_check('nowhere', 'GDPR');
SELECT * FROM federated_security_audit('ml_consortium') AS (
    check_name TEXT,
    status TEXT,
    recommendation TEXT
);
-- custom aggregation functions
CREATE FEDERATED AGGREGATION FUNCTION weighted_median()
RETURNS FLOAT AS $$
    -- Custom aggregation logic here
    -- Receives: list of node gradients + weights
    -- Returns: aggregated gradient
$$ LANGUAGE plrust;
CREATE FEDERATED AGGREGATION FUNCTION wm() RETURNS FLOAT AS $$ SELECT 1 $$ LANGUAGE sql;
CREATE FEDERATED AGGREGATION FUNCTION IF NOT EXISTS wm() RETURNS FLOAT
    AS 'libwm.so', 'wm_combine' LANGUAGE c;
CREATE FEDERATED AGGREGATION FUNCTION wm() RETURNS FLOAT AS 'libwm.so' LANGUAGE c;
CREATE FEDERATED AGGREGATION FUNCTION wm() RETURNS FLOAT AS 'a', 'b' LANGUAGE sql;
CREATE FEDERATED AGGREGATION FUNCTION fedavg() RETURNS FLOAT AS $$ SELECT 1 $$ LANGUAGE sql;
CREATE FEDERATED AGGREGATION FUNCTION wm() RETURNS FLOAT AS $$ x $$ LANGUAGE 'python';
DROP FEDERATED AGGREGATION FUNCTION weighted_median;
DROP FEDERATED AGGREGATION FUNCTION weighted_median();
DROP FEDERATED AGGREGATION FUNCTION IF EXISTS weighted_median();
-- a model cannot use a function that does not exist
ALTER FEDERATED MODEL customer_churn SET (aggregation = 'weighted_median');
SELECT action, object_kind, object_name, workspace FROM federated_audit_log;
