//! The generated client (`metronome-api`) against a loopback HTTP server:
//! what it sends, what it decodes, and how it reports errors.

mod costs;
mod errors;
mod snapshots;
mod usage;
