//! Wire types of the Microlith HTTP API and its stable error codes.
//!
//! Pure data (serde), shared by the server and the clients; no IO. Types of
//! API version 1 live in [`v1`]. The HTTP routes are documented in
//! `docs/http-api.md`; the WebSocket protocol's frames live in [`ws`]
//! (`docs/protocol.md`).

pub mod v1;
pub mod ws;
