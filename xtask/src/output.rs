//! Writing the generated file, or comparing it with what is checked in.

use std::path::Path;

use anyhow::{Context, Result};

/// What `--check` found.
pub enum Drift {
    /// The file on disk is byte-for-byte what generation produces.
    None,
    /// It differs (or is missing); holds a unified diff, old → new.
    Diff(String),
}

/// Compares `fresh` with the file at `path` without writing anything.
pub fn check(path: &Path, fresh: &str) -> Result<Drift> {
    let current = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    if current == fresh {
        return Ok(Drift::None);
    }
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(current.as_str(), fresh)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{name} (checked in)"),
            &format!("{name} (regenerated)"),
        )
        .to_string();
    Ok(Drift::Diff(diff))
}

/// Writes `fresh` to `path` (creating parent folders) unless it already
/// holds exactly that. Returns whether the file changed.
pub fn write(path: &Path, fresh: &str) -> Result<bool> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == fresh) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, fresh).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(true)
}
