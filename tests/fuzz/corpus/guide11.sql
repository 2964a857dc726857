-- ## Basic Usage: Training Workflow
-- 1. Create workspace
CREATE FEDERATED WORKSPACE ml_consortium WITH (
    privacy_budget = 0.5,
    compliance_mode = 'GDPR'
);
