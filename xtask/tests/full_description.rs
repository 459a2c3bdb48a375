//! Metronome's full published description (`../shared/metronome-openapi/`,
//! read in place, never copied into the repository): the normalisation
//! report is pinned as a snapshot, and every operation must generate.

use std::path::PathBuf;
use std::process::Command;

/// Where the full description is: `$METRONOME_FULL_OPENAPI`, else
/// `shared/` beside the repository, else `/work/shared/`.
fn full_description() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let relative = "metronome-openapi/openapi.metronome-node-main.json";
    std::env::var_os("METRONOME_FULL_OPENAPI")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            root.join("../shared").join(relative),
            PathBuf::from("/work/shared").join(relative),
        ])
        .find(|p| p.is_file())
}

#[test]
fn the_full_description_generates_every_operation_and_its_report_is_pinned() {
    let Some(spec) = full_description() else {
        eprintln!(
            "skipped: Metronome's full description is not beside the repository (set METRONOME_FULL_OPENAPI)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("full.rs");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "gen",
            "--report",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let generated = std::fs::read_to_string(&out).unwrap();
    let operations = generated.matches("::new(self)").count();
    assert_eq!(
        operations, 155,
        "every operation of the description is a method of Client"
    );

    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}
