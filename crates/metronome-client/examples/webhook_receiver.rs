//! `cargo run --example webhook_receiver`: an HTTP endpoint on 127.0.0.1
//! that verifies Metronome's webhook notifications and prints them.
//!
//! The secret comes from `METRONOME_WEBHOOK_SECRET` (a demo secret when it
//! is unset). On start it prints a `curl` command that sends it a signed
//! sample. Verified notifications get 200; anything else 400 or 401 with
//! the reason, which is what tells Metronome to deliver again later.
//!
//! ```text
//! cargo run --example webhook_receiver -- --port 8787
//! cargo run --example webhook_receiver -- --self-test   # sends itself a good and a forged one
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use metronome_client::webhooks::{self, WebhookSecret, Webhooks};
use tokio::net::TcpListener;

const DEMO_SECRET: &str = "whsec_demo_only_not_a_real_secret";

/// Notifications are small; a larger body is refused unread.
const MAX_BODY: usize = 1024 * 1024;

const HELP: &str = "\
cargo run --example webhook_receiver -- [flags]

  --port N          port on 127.0.0.1 (default 8787; 0 picks a free one)
  --max-seconds N   stop after N seconds (default 600)
  --self-test       send itself a signed and a forged notification, check
                    the answers, and exit";

struct Flags {
    port: u16,
    max_seconds: u64,
    self_test: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Flags>, String> {
    let mut flags = Flags {
        port: 8787,
        max_seconds: 600,
        self_test: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                flags.port = v.parse().map_err(|_| format!("{v:?} is not a port"))?;
            }
            "--max-seconds" => {
                let v = value("--max-seconds")?;
                flags.max_seconds = v.parse().map_err(|_| format!("{v:?} is not a number"))?;
            }
            "--self-test" => flags.self_test = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Some(flags))
}

/// Verifies one delivery and says what to answer.
async fn handle(
    request: Request<Incoming>,
    verifier: Arc<Webhooks>,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let answer = |status: StatusCode, text: String| {
        let mut response = Response::new(Full::new(Bytes::from(text + "\n")));
        *response.status_mut() = status;
        Ok(response)
    };
    if request.method() != hyper::Method::POST {
        return answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "POST notifications here".into(),
        );
    }
    let (parts, body) = request.into_parts();
    // The raw bytes, exactly as they arrived: the signature covers them.
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large or cut short".into(),
            );
        }
    };
    match verifier.receive(&parts.headers, &body) {
        Ok(notification) => {
            println!(
                "verified {} {} {}",
                notification.id,
                notification.kind,
                serde_json::Value::Object(notification.properties.clone())
            );
            answer(StatusCode::OK, format!("ok {}", notification.id))
        }
        Err(error) => {
            println!("refused: {error}");
            let status = match error {
                webhooks::WebhookError::Payload(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            answer(status, error.to_string())
        }
    }
}

/// The curl command that sends a signed sample, dated now.
fn sample_command(addr: SocketAddr, secret: &WebhookSecret) -> (String, String, String) {
    let body = r#"{"id":"sample-1","type":"alerts.low_remaining_credit_balance_reached","properties":{"customer_id":"d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc"}}"#;
    let date = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let signature = webhooks::sign(secret, &date, body.as_bytes());
    let command = format!(
        "curl -s http://{addr}/ -H 'X-Metronome-Date: {date}' -H 'Metronome-Webhook-Signature: {signature}' -d '{body}'"
    );
    (command, date, body.to_string())
}

async fn self_test(addr: SocketAddr, secret: &WebhookSecret) -> Result<(), String> {
    let http = metronome_client::reqwest::Client::new();
    let (_, date, body) = sample_command(addr, secret);
    let signature = webhooks::sign(secret, &date, body.as_bytes());
    let send = |body: String, signature: String| {
        http.post(format!("http://{addr}/"))
            .header("X-Metronome-Date", &date)
            .header("Metronome-Webhook-Signature", signature)
            .body(body)
            .send()
    };
    let good = send(body.clone(), signature.clone())
        .await
        .map_err(|e| e.to_string())?;
    let forged = send(body.replace("sample-1", "sample-2"), signature)
        .await
        .map_err(|e| e.to_string())?;
    match (good.status().as_u16(), forged.status().as_u16()) {
        (200, 401) => {
            println!(
                "self-test passed: the signed notification was accepted, the forged one refused"
            );
            Ok(())
        }
        other => Err(format!(
            "self-test failed: answers {other:?}, expected (200, 401)"
        )),
    }
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
    let secret = WebhookSecret::from_env().unwrap_or_else(|_| {
        eprintln!(
            "{} is not set: using the demo secret {DEMO_SECRET}",
            webhooks::SECRET_VAR
        );
        WebhookSecret::new(DEMO_SECRET)
    });
    let port = if flags.self_test { 0 } else { flags.port };
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().expect("a bound address");
    let verifier = Arc::new(Webhooks::new(secret.clone()));
    println!(
        "listening on http://{addr}/ for {}s; send it a signed sample:",
        flags.max_seconds
    );
    println!("  {}", sample_command(addr, &secret).0);

    let server = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of descriptors, say: wait rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            let verifier = verifier.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request| handle(request, verifier.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });

    let outcome = if flags.self_test {
        self_test(addr, &secret).await
    } else {
        tokio::time::sleep(Duration::from_secs(flags.max_seconds)).await;
        println!("stopping after {}s (--max-seconds)", flags.max_seconds);
        Ok(())
    };
    server.abort();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
