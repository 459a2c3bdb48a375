//! The README's table of everyday operations is checked against
//! `OPERATIONS.md`, which `cargo xtask gen` writes from the description
//! (and `gen --check` keeps current): a call the README shows must be the
//! one the client has, for that method and path.

use std::collections::BTreeMap;

fn root_file(name: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../").to_string() + name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `METHOD /path` → the call, up to its arguments, of every table row
/// holding both in backticks.
fn calls(markdown: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in markdown.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line
            .split('|')
            .map(str::trim)
            .filter_map(|c| c.strip_prefix('`').and_then(|c| c.strip_suffix('`')))
            .collect();
        let route = cells.iter().find(|c| c.contains(" /"));
        let call = cells.iter().find(|c| c.starts_with("client."));
        if let (Some(route), Some(call)) = (route, call) {
            // The call without its arguments: `client.usage().ingest`.
            let name = &call[..call.rfind('(').unwrap_or(call.len())];
            out.insert(route.to_string(), name.to_string());
        }
    }
    out
}

#[test]
fn every_call_in_the_readme_is_the_clients() {
    let every = calls(&root_file("OPERATIONS.md"));
    assert_eq!(every.len(), 157, "OPERATIONS.md lists every operation");
    let readme = calls(&root_file("README.md"));
    assert!(
        readme.len() >= 8,
        "the README shows the everyday operations"
    );
    for (route, call) in &readme {
        assert_eq!(
            every.get(route),
            Some(call),
            "README shows `{call}` for {route}"
        );
    }
}

/// The crates a reader of the READMEs adds to their manifest; every other
/// crate a snippet names must come through `metronome_client`'s
/// re-exports (or `metronome_mock` in its own README).
const MANIFEST_CRATES: [&str; 6] = [
    "std",
    "metronome_client",
    "metronome_mock",
    "metronome_api",
    "tokio",
    "futures",
];

/// The Rust code blocks of a markdown file.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed.starts_with("```rust") => current = Some(String::new()),
            Some(_) if trimmed.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn readme_snippets_need_no_crate_beyond_the_sdk_tokio_and_futures() {
    let files = [
        "README.md",
        "crates/metronome-client/README.md",
        "crates/metronome-mock/README.md",
        "crates/metronome-api/README.md",
    ];
    let mut checked = 0;
    for file in files {
        for block in rust_blocks(&root_file(file)) {
            checked += 1;
            // The first segment of every lower-case path `a::b`.
            for (at, _) in block.match_indices("::") {
                let start = block[..at]
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |i| i + 1);
                let segment = &block[start..at];
                let preceded_by_path = block[..start].ends_with("::");
                if preceded_by_path
                    || segment.is_empty()
                    || !segment.starts_with(|c: char| c.is_ascii_lowercase())
                {
                    continue;
                }
                // The webhook receiver shows an axum handler on purpose:
                // that snippet is about the framework.
                let framework = segment == "axum" && block.contains("use axum::");
                assert!(
                    MANIFEST_CRATES.contains(&segment) || framework,
                    "{file}: a snippet uses `{segment}::` directly; reach it through metronome_client's re-exports:\n{block}"
                );
            }
        }
    }
    assert!(checked >= 7, "only {checked} snippets found");
}
