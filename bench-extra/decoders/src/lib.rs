//! (Benchmarks only: see benches/decoders.rs.)
