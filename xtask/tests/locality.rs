//! A change to one operation's description changes only that resource's
//! generated files: its client file (and the handle's, whose header pins
//! the handle's input), its tests, the low-level client (types and
//! builders are shared), OPERATIONS.md and the mock's description. Nothing
//! of another resource moves.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every file under `dir`, by path relative to it, with its text.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    support::files_in(dir)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            (path.strip_prefix(dir).unwrap().to_path_buf(), text)
        })
        .collect()
}

fn gen_into(root: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["gen", "--root", root.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn one_field_of_one_operation_changes_only_its_resource() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::copy(
        support::root().join("openapi.yaml"),
        root.join("openapi.yaml"),
    )
    .unwrap();
    for file in support::files_under("openapi") {
        let target = root.join(file.strip_prefix(support::root()).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, target).unwrap();
    }
    gen_into(root);
    let before = snapshot(root);

    // One optional query parameter more on `customers().list()`.
    let part = root.join("openapi/v1/customers.yaml");
    let original = std::fs::read_to_string(&part).unwrap();
    let anchor = "      - name: only_archived\n";
    let edited = original.replacen(
        anchor,
        &format!(
            "      - name: created_after\n        in: query\n        required: false\n        \
             schema: {{type: string, format: date-time}}\n{anchor}"
        ),
        1,
    );
    assert_ne!(edited, original, "the edit applies");
    std::fs::write(&part, edited).unwrap();
    gen_into(root);
    let after = snapshot(root);

    let mut changed: Vec<String> = after
        .iter()
        .filter(|(path, text)| before.get(*path) != Some(*text))
        .map(|(path, _)| path.display().to_string())
        .chain(
            before
                .keys()
                .filter(|path| !after.contains_key(*path))
                .map(|path| format!("{} (removed)", path.display())),
        )
        .filter(|path| !path.starts_with("openapi"))
        .collect();
    changed.sort();
    assert_eq!(
        changed,
        [
            "OPERATIONS.md",
            "crates/metronome-api/src/generated/builder.rs",
            "crates/metronome-api/src/generated/client.rs",
            "crates/metronome-api/src/generated/mod.rs",
            "crates/metronome-api/src/generated/paginated_operations.rs",
            "crates/metronome-api/src/generated/types.rs",
            "crates/metronome-api/src/generated/types/builder.rs",
            "crates/metronome-client/src/generated/v1/customers.rs",
            "crates/metronome-client/src/generated/v1/customers/list.rs",
            "crates/metronome-mock/src/generated/description.json",
            "tests/every_operation/generated/v1/customers.rs",
        ],
        "a change to customers().list() moves only the customers files, the low-level \
         client and the two tables"
    );
    // The low-level files differ only in their header's hash, except the
    // builders and the client that carry the new parameter.
    for unchanged_but_header in [
        "crates/metronome-api/src/generated/types.rs",
        "crates/metronome-api/src/generated/mod.rs",
    ] {
        let path = Path::new(unchanged_but_header);
        let strip = |text: &str| text.lines().skip(3).collect::<Vec<_>>().join("\n");
        assert_eq!(
            strip(&before[path]),
            strip(&after[path]),
            "{unchanged_but_header}"
        );
    }
    let list = &after[Path::new("crates/metronome-client/src/generated/v1/customers/list.rs")];
    assert!(
        list.contains("pub fn created_after("),
        "the new setter is there"
    );
}
