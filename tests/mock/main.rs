//! The fake Metronome (`metronome-mock`): its data, its endpoints, its
//! faults and its log, exercised through the SDK and through raw HTTP.

mod abuse;
mod behaviour;
mod described;
mod endpoints;
mod faults;
mod stateful;
