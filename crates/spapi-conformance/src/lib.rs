//! Response conformance against the official SP-API models.
