-- Check GDPR compliance
SELECT * FROM federated_compliance_check('ml_consortium', 'GDPR');
