-- Create federated learning workspace
CREATE FEDERATED WORKSPACE healthcare_consortium
WITH (
    privacy_budget = 0.5,        -- Differential privacy epsilon
    min_nodes = 3,               -- Minimum nodes required
    max_nodes = 100,             -- Maximum nodes allowed
    compliance_mode = 'HIPAA',   -- HIPAA or GDPR
    encryption = 'AES-256-GCM'   -- Encryption algorithm
);
