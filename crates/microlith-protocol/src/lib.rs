//! Wire types of the Microlith HTTP API and its stable error codes.
//!
//! Pure data (serde), shared by the server and the clients; no IO. Types of
//! API version 1 live in [`v1`]. The HTTP routes are documented in
//! `docs/http-api.md`.

pub mod v1;
