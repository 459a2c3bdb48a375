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
    assert_eq!(every.len(), 155, "OPERATIONS.md lists every operation");
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
