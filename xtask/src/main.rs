//! `cargo xtask gen [--check] [--report] [--spec PATH] [--out PATH | --root DIR]`,
//! `cargo xtask diff OTHER`, `cargo xtask bundle [--out PATH]`
//!
//! `gen` regenerates every generated file of the workspace from the API
//! description (`openapi.yaml` and the files it includes): the low-level
//! client, the client layer (one file per resource), its per-operation
//! tests, OPERATIONS.md and the mock's description. With `--check`,
//! generates in memory, prints a unified diff against the files on disk
//! and exits 1 if they differ. `diff` compares the description with
//! another one (Metronome's newly published one, say). `bundle` writes the
//! description as one file, for tools that do not follow `x-include`.

mod any_case;
mod constructors;
mod diff;
mod emit;
mod examples;
mod features;
mod generate;
mod load;
mod model;
mod names;
mod normalize;
mod output;
mod pagination;
// The schema toolkit shared with the mock (one `$ref` follower, one
// `allOf` merge, one value maker, one table of messages): the mock's file,
// compiled here too. Not every message is one the generator writes.
#[allow(dead_code)]
#[path = "../../crates/metronome-mock/src/openapi/schema.rs"]
mod schema;
mod slim;
mod split;
mod standalone;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask gen [--check] [--report] [--spec PATH] [--out PATH | --root DIR]
       cargo xtask diff OTHER [--spec PATH] [--deliberate PATH]
       cargo xtask bundle [--spec PATH] [--out PATH]

  --check       regenerate in memory; print a diff and exit 1 if a file on disk differs
                (or a file in a generated folder is no longer generated)
  --report      print what the normalisation passes changed, every JSON pointer
  --spec PATH   the API description to read (default: openapi.yaml at the workspace root)
  --out PATH    write only the low-level client: one file if PATH ends in .rs, else a crate
                of its own in the folder PATH. Without --out, the workspace's generated
                files: crates/metronome-api/src/generated/ (low-level client),
                crates/metronome-client/src/generated/ (one file per resource),
                tests/every_operation/generated/, OPERATIONS.md and
                crates/metronome-mock/src/generated/description.json
  --root DIR    write the workspace's generated files under DIR instead of this workspace
                (the description is then DIR/openapi.yaml unless --spec says otherwise)

diff compares the description with OTHER (JSON or YAML) and exits 1 when a
difference is not listed in the deliberate differences
(default: openapi/deliberate-differences.yaml).

bundle writes the description with its x-include files merged in, as JSON
(default: target/openapi.bundled.json; `-` for standard output).";

struct GenArgs {
    check: bool,
    report: bool,
    spec: PathBuf,
    out: PathBuf,
    /// Whether the whole workspace is generated (the client layer, its
    /// tests, OPERATIONS.md and the mock's description besides the
    /// low-level client): only without `--out`.
    workspace: bool,
    /// The workspace the generated files go into (default: this one).
    root: PathBuf,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    match args.first().map(String::as_str) {
        Some("gen") => gen_command(parse_gen(&args[1..])?),
        Some("diff") => diff_command(&args[1..]),
        Some("bundle") => bundle_command(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn parse_gen(args: &[String]) -> Result<GenArgs> {
    let mut parsed = GenArgs {
        check: false,
        report: false,
        spec: PathBuf::new(),
        out: PathBuf::new(),
        workspace: true,
        root: workspace_root(),
    };
    let (mut spec, mut out) = (None, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> Result<PathBuf> {
            match inline.clone().or_else(|| rest.next().cloned()) {
                Some(v) if !v.is_empty() => Ok(PathBuf::from(v)),
                _ => bail!("{name} needs a path\n\n{USAGE}"),
            }
        };
        match flag {
            "--check" if inline.is_none() => parsed.check = true,
            "--report" if inline.is_none() => parsed.report = true,
            "--spec" => spec = Some(value("--spec")?),
            "--root" => parsed.root = value("--root")?,
            "--out" => out = Some(value("--out")?),
            _ => bail!("unknown argument `{arg}`\n\n{USAGE}"),
        }
    }
    parsed.workspace = out.is_none();
    parsed.spec = spec.unwrap_or_else(|| parsed.root.join("openapi.yaml"));
    parsed.out = out.unwrap_or_else(|| parsed.root.join("crates/metronome-api/src/generated"));
    Ok(parsed)
}

fn gen_command(args: GenArgs) -> Result<ExitCode> {
    let mut spec = load::read(&args.spec)?;
    load::validate(&spec.tree)?;
    // The mock checks requests against the description as written.
    let as_written = spec.tree.clone();
    let name = display_name(&args.spec);
    let report = normalize::run(&mut spec.tree);
    if args.report {
        print!("{report}");
        print!("{}", pagination::report(&pagination::find(&spec.tree)));
    } else {
        eprint!("{}", report.summary());
    }
    let collisions = names::collisions(&spec.tree);
    if !collisions.is_empty() {
        let listed: Vec<String> = collisions
            .iter()
            .map(|c| format!("  {} <- {}", c.name, c.pointers.join(", ")))
            .collect();
        bail!(
            "{} Rust type name(s) would be shared by different schemas (one would silently stand for the other, \
             or the crate would not compile); give the schemas a `title` or rename them:\n{}",
            collisions.len(),
            listed.join("\n")
        );
    }
    let generated = generate::generate(&spec.tree, args.workspace)?;
    if !args.workspace && args.out.extension().is_some_and(|e| e == "rs") {
        // One file: the low-level client alone (another description, say).
        let fresh = generate::render_single(&name, &spec.bytes, &generated.file);
        let mut outputs = output::Outputs::default();
        outputs.files.push((args.out.clone(), fresh));
        return finish(&outputs, args.check, &name);
    }
    if !args.workspace {
        let low_level = low_level_files(&name, &spec.bytes, &generated.file);
        if args.check {
            bail!("--check compares the workspace's files; it does not combine with --out DIR");
        }
        let changed = standalone::write(&args.out, &low_level)?;
        eprintln!(
            "wrote a crate in {} ({changed} file(s) changed, {} lines generated)",
            args.out.display(),
            low_level
                .iter()
                .map(|(_, text)| text.lines().count())
                .sum::<usize>()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let root = &args.root;
    let model = &generated.model;
    let mut outputs = output::Outputs::default();
    let (low_level, types) = workspace_low_level_files(&name, &spec.bytes, &generated.file);
    outputs.folder(&args.out, low_level);
    outputs.folder(&root.join("crates/metronome-types/src/generated"), types);
    outputs.folder(
        &root.join("crates/metronome-client/src/generated"),
        emit::client::render_files(&name, model, &spec.tree)?,
    );
    outputs.folder(
        &root.join("tests/every_operation/generated"),
        emit::client_tests::render_files(&name, model, &spec.tree)?,
    );
    outputs.files.push((
        root.join("OPERATIONS.md"),
        emit::operations_table::render(&name, &spec.bytes, model),
    ));
    outputs.files.push((
        root.join("crates/metronome-mock/src/generated/description.json"),
        emit::mock::render(&name, &spec.bytes, &as_written)?,
    ));
    finish(&outputs, args.check, &name)
}

/// The low-level client's files, each with the header.
fn low_level_files(name: &str, bytes: &[u8], file: &syn::File) -> Vec<(String, String)> {
    let header = generate::header(name, &generate::sha256(bytes));
    split::low_level(file)
        .into_iter()
        .map(|part| {
            let text = format!("{header}\n{}", prettyplease::unparse(&part.file));
            (part.path, text)
        })
        .collect()
}

/// Files to write: a path in their folder and the text.
type Files = Vec<(String, String)>;

/// The workspace's low-level files: the client's, and the data types'
/// (a crate of their own, `metronome-types`, which the client re-exports).
fn workspace_low_level_files(name: &str, bytes: &[u8], file: &syn::File) -> (Files, Files) {
    let header = generate::header(name, &generate::sha256(bytes));
    let mut parts = split::low_level(file);
    let types = split::types_crate(&mut parts, "metronome_types");
    let render = |parts: Vec<split::Part>| -> Files {
        parts
            .into_iter()
            .map(|part| {
                let text = format!("{header}\n{}", prettyplease::unparse(&part.file));
                (part.path, text)
            })
            .collect()
    };
    (render(parts), render(types))
}

/// Writes the outputs, or with `check` compares them with the files on
/// disk (a diff and exit 1 on any difference or stale file).
fn finish(outputs: &output::Outputs, check: bool, name: &str) -> Result<ExitCode> {
    if check {
        let stale = outputs.stale()?;
        let mut drifted = 0;
        for (path, text) in &outputs.files {
            if let output::Drift::Diff(diff) = output::check(path, text)? {
                print!("{diff}");
                eprintln!("{} is out of date with {name}", path.display());
                drifted += 1;
            }
        }
        for path in &stale {
            eprintln!("{} is no longer generated from {name}", path.display());
            drifted += 1;
        }
        if drifted > 0 {
            eprintln!(
                "{drifted} generated file(s) out of date with {name}: run `cargo xtask gen` and commit the result"
            );
            return Ok(ExitCode::FAILURE);
        }
        eprintln!(
            "{} generated files are up to date with {name}",
            outputs.files.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    // Stale files go first: on a file system that ignores case, a file
    // renamed by case only is then written after its old name is gone.
    let removed = outputs.remove_stale()?;
    for path in &removed {
        eprintln!("removed {} (no longer generated)", path.display());
    }
    let mut changed = 0;
    for (path, text) in &outputs.files {
        if output::write(path, text)? {
            eprintln!("wrote {} ({} lines)", path.display(), text.lines().count());
            changed += 1;
        }
    }
    eprintln!(
        "{} generated files, {changed} changed, {} removed",
        outputs.files.len(),
        removed.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Splits `--flag value` / `--flag=value` arguments; bare words are
/// returned in order.
fn parse_flags(args: &[String], flags: &[&str]) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let mut values = BTreeMap::new();
    let mut words = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if !arg.starts_with("--") {
            words.push(arg.clone());
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if !flags.contains(&flag) {
            bail!("unknown argument `{arg}`\n\n{USAGE}");
        }
        match inline.or_else(|| rest.next().cloned()) {
            Some(v) if !v.is_empty() => {
                values.insert(flag.to_string(), v);
            }
            _ => bail!("{flag} needs a value\n\n{USAGE}"),
        }
    }
    Ok((values, words))
}

fn diff_command(args: &[String]) -> Result<ExitCode> {
    let root = workspace_root();
    let (flags, words) = parse_flags(args, &["--spec", "--deliberate"])?;
    let [other] = words.as_slice() else {
        bail!("diff takes one description to compare with\n\n{USAGE}");
    };
    let spec = flags
        .get("--spec")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("openapi.yaml"));
    let deliberate = flags
        .get("--deliberate")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("openapi/deliberate-differences.yaml"));
    let ours = load::read(&spec)?;
    let theirs = load::read(Path::new(other))?;
    let report = diff::classify(
        diff::compare(&ours.tree, &theirs.tree),
        diff::read_deliberate(&deliberate)?,
    );
    print!(
        "{}",
        report.render(&display_name(&spec), &file_name(Path::new(other)))
    );
    Ok(if report.unlisted.is_empty() && report.stale.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn bundle_command(args: &[String]) -> Result<ExitCode> {
    let root = workspace_root();
    let (flags, words) = parse_flags(args, &["--spec", "--out"])?;
    if let Some(word) = words.first() {
        bail!("unknown argument `{word}`\n\n{USAGE}");
    }
    let spec = flags
        .get("--spec")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("openapi.yaml"));
    let bundled = load::read(&spec)?;
    load::validate(&bundled.tree)?;
    let text = serde_json::to_string_pretty(&bundled.tree)? + "\n";
    match flags.get("--out").map(String::as_str) {
        Some("-") => print!("{text}"),
        out => {
            let out = out
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/openapi.bundled.json"));
            if let Some(dir) = out.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&out, text)?;
            eprintln!(
                "wrote {} ({} files bundled)",
                out.display(),
                bundled.files.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The workspace root: the xtask lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// How the generated header names the input: relative to the workspace
/// root when it is inside it, so the header does not depend on where the
/// repository is cloned.
fn display_name(spec: &Path) -> String {
    let root = workspace_root();
    let absolute = std::fs::canonicalize(spec).unwrap_or_else(|_| spec.to_path_buf());
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    match absolute.strip_prefix(&root) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => spec
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    }
}
