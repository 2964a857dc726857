-- 2. Register nodes (run on each participating node)
REGISTER FEDERATED NODE 'node_1' IN WORKSPACE ml_consortium WITH (
    endpoint = 'https://node1.example.com:8443',
    certificate = '/path/to/cert.pem'
);
