//! `cargo run --example usage_report`: usage and costs, walked across every
//! page, as tables or as one JSON line.
//!
//! With `METRONOME_BEARER_TOKEN` set it talks to Metronome; without it, it
//! starts `metronome-mock` in-process, so it works with no account.

mod flags;
mod report;

use std::process::ExitCode;

use metronome_client::{Client, TOKEN_VAR};
use metronome_mock::MockMetronome;

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match flags::parse(std::env::args().skip(1)) {
        Ok(Some(flags)) => flags,
        Ok(None) => {
            println!("{}", flags::HELP);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message} (see --help)");
            return ExitCode::from(2);
        }
    };

    let has_token = std::env::var(TOKEN_VAR).is_ok_and(|t| !t.trim().is_empty());
    let (client, mock) = if has_token {
        match Client::from_env() {
            Ok(client) => (client, None),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let days = (flags.ending_before - flags.starting_on)
            .num_days()
            .clamp(1, 3660) as u32;
        let mock = MockMetronome::builder()
            .customers(4)
            .metrics(3)
            .first_day(flags.starting_on.date_naive())
            .days(days)
            .start()
            .await;
        eprintln!(
            "{TOKEN_VAR} is not set: using a fake Metronome with seeded data at {}",
            mock.base_url()
        );
        let client = Client::builder()
            .bearer_token(mock.token())
            .base_url(mock.base_url())
            .build()
            .expect("a client for the local mock");
        (client, Some(mock))
    };

    match report::run(&client, &flags).await {
        Ok(report) if flags.json => {
            report::print_json(&report, if mock.is_some() { "mock" } else { "api" })
        }
        Ok(report) => report::print_tables(&report, &flags),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
