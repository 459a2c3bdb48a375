//! `metronome-mock` as a server of its own, for anything that speaks HTTP
//! (curl, a Python service, the SDK's example):
//!
//! ```text
//! cargo run -p metronome-mock -- --port 4010 --token T --seed 7
//! ```
//!
//! Binds 127.0.0.1 only, prints its URL, logs one line per request (the
//! credential masked), and stops on Ctrl-C or after `--max-seconds`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use metronome_mock::{Cursors, Fault, MockMetronome, UnknownIds};

const USAGE: &str = "\
usage: metronome-mock [--port N] [--token T] [--seed N] [--customers N] [--metrics N]
                      [--days N] [--latency MS] [--fault-rate F] [--unknown-ids serve|404]
                      [--max-seconds S] [--accept-any-cursor] [--prerender] [--quiet]

  --port N          port on 127.0.0.1 (default 4010; 0 picks a free one)
  --token T         the bearer token to accept (default metronome-mock-token)
  --seed N          seed of every id and value (default 42)
  --customers N     customers in the dataset (default 3)
  --metrics N       billable metrics (default 2)
  --days N          days of usage from 2024-01-01 (default 7)
  --latency MS      delay added to every answer (default 0)
  --fault-rate F    share of requests (0 to 1) that fail: 429, 500, 502, 503,
                    a dropped connection (seeded; default 0)
  --unknown-ids M   `serve` (default) answers any id; `404` only ids it seeded
                    or handed out
  --max-seconds S   stop after S seconds (default: run until Ctrl-C)
  --accept-any-cursor  a cursor it did not issue for the query starts from the
                    first page (default: 400), for tests written against a
                    mock that took any cursor
  --prerender       keep each page it renders and serve it again from memory
                    (for benchmarks; memory grows with every distinct page)
  --quiet           no line per request";

struct Args {
    port: u16,
    token: String,
    seed: u64,
    customers: usize,
    metrics: usize,
    days: u32,
    latency: u64,
    fault_rate: f64,
    unknown_ids: UnknownIds,
    cursors: Cursors,
    max_seconds: Option<u64>,
    prerender: bool,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        port: 4010,
        token: metronome_mock::DEFAULT_TOKEN.to_string(),
        seed: 42,
        customers: 3,
        metrics: 2,
        days: 7,
        latency: 0,
        fault_rate: 0.0,
        unknown_ids: UnknownIds::Serve,
        cursors: Cursors::Strict,
        max_seconds: None,
        prerender: false,
        quiet: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        if flag == "--accept-any-cursor" {
            parsed.cursors = Cursors::AcceptAny;
            continue;
        }
        if flag == "--quiet" || flag == "--prerender" {
            parsed.quiet |= flag == "--quiet";
            parsed.prerender |= flag == "--prerender";
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = inline
            .or_else(|| rest.next().cloned())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
            value
                .parse()
                .map_err(|_| format!("{flag} takes a number, got {value:?}"))
        }
        match flag {
            "--port" => parsed.port = number(flag, &value)?,
            "--token" if !value.trim().is_empty() => parsed.token = value,
            "--token" => return Err("--token cannot be empty".into()),
            "--seed" => parsed.seed = number(flag, &value)?,
            "--customers" => parsed.customers = number(flag, &value)?,
            "--metrics" => parsed.metrics = number(flag, &value)?,
            "--days" => parsed.days = number(flag, &value)?,
            "--latency" => parsed.latency = number(flag, &value)?,
            "--fault-rate" => {
                let rate: f64 = number(flag, &value)?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!("--fault-rate is a share from 0 to 1, got {value}"));
                }
                parsed.fault_rate = rate;
            }
            "--unknown-ids" => {
                parsed.unknown_ids = match value.as_str() {
                    "serve" => UnknownIds::Serve,
                    "404" => UnknownIds::NotFound,
                    _ => return Err(format!("--unknown-ids is `serve` or `404`, got {value:?}")),
                }
            }
            "--max-seconds" => parsed.max_seconds = Some(number(flag, &value)?),
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(args) => args,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> ExitCode {
    let mock = MockMetronome::builder()
        .port(args.port)
        .token(args.token)
        .seed(args.seed)
        .customers(args.customers)
        .metrics(args.metrics)
        .days(args.days)
        .latency(Duration::from_millis(args.latency))
        .unknown_ids(args.unknown_ids)
        .cursors(args.cursors)
        .echo_requests(!args.quiet)
        .prerender(args.prerender)
        .try_start()
        .await;
    let mock = match mock {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    if args.fault_rate > 0.0 {
        let kinds = vec![
            Fault::status(429).with_header("retry-after", "1"),
            Fault::status(500),
            Fault::status(502),
            Fault::status(503),
            Fault::DropConnection,
        ];
        mock.faults().random(args.fault_rate, kinds, args.seed);
    }
    say(format_args!(
        "metronome-mock listening on {}",
        mock.base_url()
    ));
    // The default token is public; one given with --token is not repeated.
    let token = if mock.token() == metronome_mock::DEFAULT_TOKEN {
        mock.token()
    } else {
        "the one given with --token"
    };
    say(format_args!(
        "  token: {token} · customers: {} · seed: {}",
        mock.dataset().customers().len(),
        args.seed
    ));
    let stop = async {
        match args.max_seconds {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => say(format_args!("metronome-mock: stopped (Ctrl-C), {} requests served", mock.request_count())),
        () = stop => say(format_args!("metronome-mock: stopped after --max-seconds, {} requests served", mock.request_count())),
    }
    ExitCode::SUCCESS
}

/// A line on standard output; a closed one (the reader went away) is not
/// an error worth stopping for.
fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
