//! The ergonomic client (`metronome-client`) against a loopback HTTP
//! server: what each method sends, how pages are followed, what is retried,
//! and what errors say.

mod errors;
mod ingester;
mod low_level;
mod middleware;
mod pagination;
mod partitions;
mod prefetch;
mod readme;
mod requests;
mod retries;
mod security;
mod webhooks;
