-- ## Privacy and Compliance: HIPAA Compliance Checklist
-- Verify HIPAA compliance
SELECT * FROM federated_compliance_check('healthcare_workspace', 'HIPAA') AS (
    requirement TEXT,
    status TEXT,
    details TEXT
);
