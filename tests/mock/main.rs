//! The fake Metronome (`metronome-mock`): its data, its endpoints, its
//! faults and its log, exercised through the SDK and through raw HTTP.

mod behaviour;
mod endpoints;
mod faults;
