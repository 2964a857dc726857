-- ## Configuration: Node Configuration
-- Advanced node registration
REGISTER FEDERATED NODE 'bank_node_1' IN WORKSPACE financial_consortium WITH (
    -- Network settings
    endpoint = 'https://bank1.example.com:8443',
    backup_endpoint = 'https://bank1-backup.example.com:8443',

    -- Authentication
    certificate = '/etc/heliosdb/certs/node.pem',
    private_key = '/etc/heliosdb/certs/node.key',
    ca_bundle = '/etc/heliosdb/certs/ca-bundle.pem',

    -- Resource limits
    max_memory_gb = 16,              -- Memory limit for training
    max_cpu_cores = 8,               -- CPU cores for training
    max_bandwidth_mbps = 100,        -- Network bandwidth limit

    -- Data settings
    data_residency = 'US-WEST',      -- Geographic location
    dataset_size = 1000000,          -- Approximate dataset size

    -- Contact information
    contact = 'ml-team@bank1.example.com',
    sla_tier = 'gold'                -- SLA commitment level
);
