-- ## Configuration: Workspace Configuration
-- Full configuration example
CREATE FEDERATED WORKSPACE financial_consortium WITH (
    -- Privacy settings
    privacy_budget = 1.0,            -- ε for differential privacy (lower = more privacy)
    delta = 1e-5,                    -- δ for (ε,δ)-DP
    noise_multiplier = 1.0,          -- Noise scale factor

    -- Network settings
    min_nodes = 5,                   -- Minimum participating nodes
    max_nodes = 200,                 -- Maximum nodes
    round_timeout = 300,             -- Seconds per round
    communication_protocol = 'grpc', -- 'grpc' or 'https'

    -- Security settings
    encryption = 'AES-256-GCM',      -- Encryption algorithm
    tls_version = '1.3',             -- TLS version
    certificate_validation = true,   -- Verify node certificates

    -- Compliance settings
    compliance_mode = 'GDPR',        -- 'HIPAA', 'GDPR', or 'BOTH'
    data_residency = 'EU',           -- Geographic constraint
    audit_logging = true,            -- Enable audit logs
    retention_days = 2555,           -- 7 years for HIPAA

    -- Performance settings
    compression = 'zstd',            -- Gradient compression
    quantization = 8,                -- Bit quantization (8 or 16)
    aggregation_batch_size = 10      -- Aggregate every N nodes
);
