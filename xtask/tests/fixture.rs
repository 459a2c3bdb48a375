//! The emitters' golden files: what `cargo xtask gen --root
//! xtask/tests/fixture` writes from the fixture description beside them is
//! committed, and must be what the emitters write now. An emitter change
//! shows first as a small diff there (`cargo xtask gen --root
//! xtask/tests/fixture` to accept it); `scripts/fixture-check.sh` compiles
//! the files with the SDK.

use std::process::Command;

#[test]
fn the_fixtures_generated_files_are_what_the_emitters_write() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixture");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["gen", "--check", "--root", root])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "the fixture's generated files are stale: run `cargo xtask gen --root xtask/tests/fixture` \
         and review the diff\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
