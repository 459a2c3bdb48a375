//! The promise: a walk returns every item exactly once, or fails with an
//! error that says what happened; nothing a server or a caller sends makes
//! the client panic, hang or leak the token. RELIABILITY.md gives the
//! figures these tests print.

mod edge_cases;
mod ingest;
mod properties;
mod secrets;
mod soak;
