//! `metronome-mock` run as a server of its own (the binary), the way a
//! script or another language's test suite runs it.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_metronome-mock");

/// A child process killed when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command`, reads the URL it prints first.
fn start(command: &mut Command) -> (Server, String, BufReader<ChildStdout>) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let url = first
        .trim()
        .strip_prefix("metronome-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Server(child), url, out)
}

fn get(url: &str, token: &str) -> u16 {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            reqwest::Client::new()
                .get(format!("{url}/v1/customers"))
                .bearer_auth(token)
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        })
}

fn wait(Server(child): &mut Server, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn it_serves_logs_with_the_token_masked_and_stops_after_max_seconds() {
    let (mut child, url, mut out) = start(Command::new(BIN).args([
        "--port",
        "0",
        "--token",
        "secret-t",
        "--seed",
        "7",
        "--max-seconds",
        "2",
    ]));
    assert_eq!(get(&url, "secret-t"), 200);
    assert_eq!(get(&url, "wrong"), 401);
    let status = wait(&mut child, Duration::from_secs(10)).expect("it stops by itself");
    assert!(status.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("200 GET /v1/customers (Bearer [valid])"),
        "{rest}"
    );
    assert!(
        rest.contains("401 GET /v1/customers (Bearer [invalid])"),
        "{rest}"
    );
    assert!(!rest.contains("secret-t"), "{rest}");
    assert!(
        rest.contains("stopped after --max-seconds, 2 requests served"),
        "{rest}"
    );
}

#[test]
fn bad_arguments_are_refused_with_the_usage() {
    let out = Command::new(BIN)
        .args(["--fault-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--fault-rate is a share from 0 to 1"), "{err}");
    assert!(err.contains("usage: metronome-mock"), "{err}");
}

/// CPU time (user + system) of a process so far, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command's closing parenthesis; utime and stime are
    // the 14th and 15th of the line (12th and 13th after it).
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_second: u64 = String::from_utf8(
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap_or(100);
    Duration::from_millis(ticks * 1000 / per_second)
}

#[test]
#[cfg(target_os = "linux")]
fn out_of_file_descriptors_it_waits_instead_of_spinning() {
    let (child, url, _out) = start(Command::new("sh").args([
        "-c",
        "ulimit -n 48 && exec \"$0\" --port 0 --quiet --max-seconds 20",
        BIN,
    ]));
    let addr = url.trim_start_matches("http://").to_string();
    // More connections than descriptors left: the rest wait in the backlog,
    // and every accept fails with EMFILE.
    let held: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert!(held.len() > 48, "{} connections", held.len());
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_time(child.0.id());
    std::thread::sleep(Duration::from_secs(2));
    let spent = cpu_time(child.0.id()) - before;
    assert!(
        spent < Duration::from_millis(400),
        "{spent:?} of CPU in 2 s with accept failing"
    );
    // And it recovers once connections close.
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(get(&url, metronome_mock::DEFAULT_TOKEN), 200);
    drop(child);
}
