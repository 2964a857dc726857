-- ## Quick Start 2. Register a Node
-- Register this HeliosDB instance as a federated learning node
REGISTER FEDERATED NODE 'hospital_a'
IN WORKSPACE healthcare_consortium
WITH (
    endpoint = 'https://hospital-a.example.com:8443',
    certificate = '/path/to/cert.pem',
    data_residency = 'US-EAST',
    contact = 'admin@hospital-a.example.com'
);
