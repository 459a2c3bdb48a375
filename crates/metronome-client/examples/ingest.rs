//! `cargo run --example ingest`: producers feeding the usage ingest
//! pipeline, with a progress line and the final counters.
//!
//! It sends to a fake Metronome started in-process (with some requests
//! failing, to show retries at work), so it needs no account. With
//! `--live` and `METRONOME_BEARER_TOKEN` set it sends to your account
//! instead: the events are real usage there.
//!
//! ```text
//! cargo run --example ingest -- --events 50000 --producers 8 --fault-rate 0.2
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use metronome_client::{Client, Event, IngestStats, RetryPolicy};
use metronome_mock::{Fault, MockMetronome};

const HELP: &str = "\
cargo run --example ingest -- [flags]

  --events N        events to send (default 20000)
  --producers N     tasks sending at once (default 4)
  --fault-rate F    share of requests the fake fails, 0 to 1 (default 0.1)
  --latency MS      the fake's answer time in ms (default 2)
  --live            send to Metronome with METRONOME_BEARER_TOKEN instead
                    of the fake (the events become real usage)";

struct Flags {
    events: usize,
    producers: usize,
    fault_rate: f64,
    latency: u64,
    live: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Flags>, String> {
    let mut flags = Flags {
        events: 20_000,
        producers: 4,
        fault_rate: 0.1,
        latency: 2,
        live: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--events" => flags.events = number(&value("--events")?)?,
            "--producers" => flags.producers = number::<usize>(&value("--producers")?)?.max(1),
            "--fault-rate" => flags.fault_rate = number(&value("--fault-rate")?)?,
            "--latency" => flags.latency = number(&value("--latency")?)?,
            "--live" => flags.live = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if !(0.0..=1.0).contains(&flags.fault_rate) {
        return Err("--fault-rate is a share between 0 and 1".into());
    }
    Ok(Some(flags))
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

fn line(stats: &IngestStats, started: Instant) -> String {
    let seconds = started.elapsed().as_secs_f64();
    format!(
        "accepted {:>7}  sent {:>7}  acknowledged {:>7}  failed {:>4}  in flight {:>4}  queued {:>6}  {:>8.0} events/s",
        stats.accepted,
        stats.sent,
        stats.acknowledged,
        stats.failed,
        stats.in_flight,
        stats.queued,
        stats.acknowledged as f64 / seconds.max(1e-9)
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let flags = match parse(std::env::args().skip(1)) {
        Ok(Some(flags)) => flags,
        Ok(None) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message} (see --help)");
            return ExitCode::from(2);
        }
    };

    let mut _mock = None;
    let client = if flags.live {
        match Client::from_env() {
            Ok(client) => client,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let mock = MockMetronome::builder()
            .latency(Duration::from_millis(flags.latency))
            .log_capacity(0)
            .start()
            .await;
        mock.faults().random(
            flags.fault_rate,
            vec![
                Fault::status(429),
                Fault::status(503),
                Fault::DropConnection,
            ],
            1,
        );
        eprintln!(
            "sending to a fake Metronome at {} that fails {:.0} % of requests",
            mock.base_url(),
            flags.fault_rate * 100.0
        );
        let client = Client::builder()
            .bearer_token(mock.token())
            .base_url(mock.base_url())
            .retry_policy(
                // Enough retries that a run of faults (the fake draws them
                // at random) rarely uses them all up.
                RetryPolicy::default()
                    .max_retries(10)
                    .initial_backoff(Duration::from_millis(5)),
            )
            .build()
            .expect("a client for the local fake");
        _mock = Some(mock);
        client
    };

    let ingester = match client.usage().ingester().max_in_flight(8).start() {
        Ok(ingester) => ingester,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };

    let started = Instant::now();
    let mut producers = Vec::new();
    for producer in 0..flags.producers {
        let ingester = ingester.clone();
        let count =
            flags.events / flags.producers + usize::from(producer < flags.events % flags.producers);
        producers.push(tokio::spawn(async move {
            for n in 0..count {
                let event = Event::new(
                    format!("example-{producer}-{n}"),
                    format!("customer-{}", n % 10),
                    "api_call",
                    chrono::Utc::now(),
                )
                .property("endpoint", if n % 3 == 0 { "/search" } else { "/items" });
                ingester.send(event).await?;
            }
            Ok::<_, metronome_client::IngestSendError>(())
        }));
    }

    // A progress line twice a second until the producers are done.
    let progress = {
        let ingester = ingester.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            tick.tick().await;
            loop {
                tick.tick().await;
                eprintln!("{}", line(&ingester.stats(), started));
            }
        })
    };
    for producer in producers {
        match producer.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("a producer stopped: {e}"),
            Err(e) => eprintln!("a producer task failed: {e}"),
        }
    }
    progress.abort();

    let stats_handle = ingester.clone();
    let report = match ingester.shutdown().await {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", line(&stats_handle.stats(), started));
    println!(
        "done: {} acknowledged, {} failed in {:.2}s",
        report.acknowledged,
        report.failed,
        started.elapsed().as_secs_f64()
    );
    for failure in &report.failures {
        println!(
            "  {} events failed: {}",
            failure.events.len(),
            failure.error
        );
    }
    if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
