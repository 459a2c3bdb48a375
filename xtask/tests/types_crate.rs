//! The data types are a crate of their own so that they compile beside
//! the HTTP and TLS stack, not after it: nothing of that stack may enter
//! their dependency tree.

mod support;

use std::process::Command;

#[test]
fn the_types_crate_depends_on_no_http_or_tls_crate() {
    let output = Command::new(env!("CARGO"))
        .current_dir(support::root())
        .args([
            "tree",
            "--locked",
            "--offline",
            "-p",
            "metronome-types",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"serde") && crates.contains(&"chrono"),
        "{tree}"
    );
    for banned in [
        "reqwest",
        "hyper",
        "rustls",
        "aws-lc-rs",
        "aws-lc-sys",
        "ring",
        "native-tls",
        "tokio",
        "progenitor-client",
        "metronome-api",
    ] {
        assert!(
            !crates.contains(&banned),
            "{banned} is in metronome-types' tree:\n{tree}"
        );
    }
}
