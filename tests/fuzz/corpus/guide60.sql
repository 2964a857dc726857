-- ## Best Practices: Security Best Practices
-- Security hardening checklist
SELECT * FROM federated_security_audit('ml_consortium') AS (
    check_name TEXT,
    status TEXT,
    recommendation TEXT
);
