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

/// Everything one generation writes: files, and the folders it owns (a
/// file in them that generation no longer writes is stale: `--check`
/// reports it, `gen` removes it).
#[derive(Default)]
pub struct Outputs {
    pub files: Vec<(std::path::PathBuf, String)>,
    pub folders: Vec<std::path::PathBuf>,
}

impl Outputs {
    /// Adds a folder's files (paths relative to it) and takes the folder.
    pub fn folder(&mut self, dir: &Path, files: Vec<(String, String)>) {
        self.folders.push(dir.to_path_buf());
        self.files
            .extend(files.into_iter().map(|(path, text)| (dir.join(path), text)));
    }

    /// Files in the owned folders that are not written any more.
    pub fn stale(&self) -> Result<Vec<std::path::PathBuf>> {
        let written: std::collections::BTreeSet<&Path> =
            self.files.iter().map(|(p, _)| p.as_path()).collect();
        let mut stale = Vec::new();
        for dir in &self.folders {
            let mut stack = vec![dir.clone()];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot read {}", dir.display()));
                    }
                };
                for entry in entries {
                    let entry = entry?;
                    let path = entry.path();
                    // A link is never followed: what it points to is not ours.
                    if entry.file_type()?.is_dir() {
                        stack.push(path);
                    } else if !written.contains(path.as_path()) {
                        stale.push(path);
                    }
                }
            }
        }
        stale.sort();
        Ok(stale)
    }

    /// Removes the stale files: only those the generator wrote (they start
    /// with the `@generated` header); anything else in a generated folder
    /// is an error to look at, not something to delete.
    pub fn remove_stale(&self) -> Result<Vec<std::path::PathBuf>> {
        let stale = self.stale()?;
        for path in &stale {
            let ours = std::fs::read(path)
                .map(|bytes| bytes.starts_with(b"// @generated"))
                .unwrap_or(false);
            if !ours {
                anyhow::bail!(
                    "{} is in a generated folder but was not generated: move it out or remove it",
                    path.display()
                );
            }
        }
        for path in &stale {
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
        Ok(stale)
    }
}
