//! SP-API client library.
