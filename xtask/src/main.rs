//! `cargo xtask gen [--check] [--spec PATH] [--out PATH]`,
//! `cargo xtask diff OTHER`, `cargo xtask bundle [--out PATH]`
//!
//! `gen` regenerates the low-level client (`crates/metronome-api/src/generated.rs`)
//! from the API description (`openapi.yaml` and the files it includes). With
//! `--check`, generates in memory, prints a unified diff against the file on
//! disk and exits 1 if they differ. `diff` compares the description with
//! another one (Metronome's newly published one, say). `bundle` writes the
//! description as one file, for tools that do not follow `x-include`.

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
mod slim;
mod standalone;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask gen [--check] [--report] [--spec PATH] [--out PATH]
       cargo xtask diff OTHER [--spec PATH] [--deliberate PATH]
       cargo xtask bundle [--spec PATH] [--out PATH]

  --check       regenerate in memory; print a diff and exit 1 if the file on disk differs
  --report      print what the normalisation passes changed, every JSON pointer
  --spec PATH   the API description to read (default: openapi.yaml at the workspace root)
  --out PATH    the file to write (default: crates/metronome-api/src/generated.rs, and beside
                it the client layer crates/metronome-client/src/generated.rs, its tests,
                OPERATIONS.md and the mock's crates/metronome-mock/src/generated/description.json);
                a path not ending in .rs is a folder: a crate of its own is written there

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
    /// Where the client layer and its per-operation tests go: only with
    /// the default `--out`.
    client_out: Option<(PathBuf, PathBuf, PathBuf, PathBuf)>,
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
    let root = workspace_root();
    let mut parsed = GenArgs {
        check: false,
        report: false,
        spec: root.join("openapi.yaml"),
        out: root.join("crates/metronome-api/src/generated.rs"),
        client_out: Some((
            root.join("crates/metronome-client/src/generated.rs"),
            root.join("tests/every_operation/generated.rs"),
            root.join("OPERATIONS.md"),
            root.join("crates/metronome-mock/src/generated/description.json"),
        )),
    };
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
            "--spec" => parsed.spec = value("--spec")?,
            "--out" => {
                parsed.out = value("--out")?;
                parsed.client_out = None;
            }
            _ => bail!("unknown argument `{arg}`\n\n{USAGE}"),
        }
    }
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
    let generated = generate::generate(&spec.tree, args.client_out.is_some())?;
    let fresh = generate::render_single(&name, &spec.bytes, &generated.file);
    let mut outputs = vec![(args.out.clone(), fresh.clone())];
    if let Some((client_out, tests_out, table_out, mock_out)) = &args.client_out {
        let model = &generated.model;
        let client = emit::client::render_single(&name, model, &spec.tree)?;
        outputs.push((client_out.clone(), client));
        let tests = emit::client_tests::render_single(&name, model, &spec.tree)?;
        outputs.push((tests_out.clone(), tests));
        outputs.push((
            table_out.clone(),
            emit::operations_table::render(&name, model),
        ));
        outputs.push((mock_out.clone(), emit::mock::render(&as_written)?));
    }
    if args.check {
        let mut drifted = false;
        for (path, text) in &outputs {
            match output::check(path, text)? {
                output::Drift::None => {
                    eprintln!("{} is up to date with {name}", path.display());
                }
                output::Drift::Diff(diff) => {
                    print!("{diff}");
                    eprintln!(
                        "{} is out of date with {name}: run `cargo xtask gen` and commit the result",
                        path.display()
                    );
                    drifted = true;
                }
            }
        }
        return Ok(if drifted {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if args.out.extension().is_none_or(|e| e != "rs") {
        let changed = standalone::write(&args.out, &fresh)?;
        eprintln!(
            "wrote a crate in {} ({changed} file(s) changed, {} lines generated)",
            args.out.display(),
            fresh.lines().count()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for (path, text) in &outputs {
        let changed = output::write(path, text)?;
        eprintln!(
            "{} {} ({} lines)",
            if changed { "wrote" } else { "unchanged:" },
            path.display(),
            text.lines().count()
        );
    }
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
