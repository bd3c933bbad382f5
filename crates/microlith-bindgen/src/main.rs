//! `microlith-bindgen`: writes the C guest bindings for a world (default
//! `actor`) of the `microlith:actor` WIT package, exactly as `wit-bindgen c
//! wit --world <world>` 0.63.0 would (`actor.h`, `actor.c`,
//! `actor_component_type.o` for `actor`), by
//! using the `wit-bindgen-c` crate as a library. Building this small binary
//! takes seconds; `cargo install wit-bindgen-cli` takes about ten minutes.
//!
//! ```text
//! microlith-bindgen [--wit DIR] [--out DIR] [--world NAME] [--check]
//! ```
//!
//! Defaults: `--wit wit`, `--out sdk/c/gen`, `--world actor`, relative to the current
//! directory. With `--check` nothing is written: the command fails, naming
//! the files that differ, if the committed bindings do not match `wit/`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use wit_bindgen_core::Files;
use wit_bindgen_core::wit_parser::Resolve;

const USAGE: &str = "usage: microlith-bindgen [--wit DIR] [--out DIR] [--world NAME] [--check]";

struct Args {
    wit: PathBuf,
    out: PathBuf,
    world: String,
    check: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args =
        Args { wit: PathBuf::from("wit"), out: PathBuf::from("sdk/c/gen"), world: "actor".into(), check: false };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--check" => args.check = true,
            "--wit" => args.wit = it.next().context("--wit needs a directory")?.into(),
            "--out" => args.out = it.next().context("--out needs a directory")?.into(),
            "--world" => args.world = it.next().context("--world needs a world name")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} ({USAGE})"),
        }
    }
    Ok(args)
}

/// Generates the bindings for `world` of the package in `wit`.
fn generate(wit: &std::path::Path, world: &str) -> anyhow::Result<Files> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_path(wit).with_context(|| format!("parsing {}", wit.display()))?;
    let world = resolve.select_world(&[pkg], Some(world))?;
    let mut files = Files::default();
    wit_bindgen_c::Opts::default().build().generate(&mut resolve, world, &mut files)?;
    Ok(files)
}

fn run() -> anyhow::Result<bool> {
    let args = parse_args()?;
    let files = generate(&args.wit, &args.world)?;
    let mut stale = Vec::new();
    for (name, contents) in files.iter() {
        let path = args.out.join(name);
        if args.check {
            if std::fs::read(&path).ok().as_deref() != Some(contents) {
                stale.push(path);
            }
        } else {
            std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
            std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if stale.is_empty() {
        return Ok(true);
    }
    eprintln!("microlith-bindgen: these C bindings do not match {}:", args.wit.display());
    for path in &stale {
        eprintln!("    {}", path.display());
    }
    eprintln!("regenerate them with `scripts/lang/c.sh bindings` and commit the result");
    Ok(false)
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("microlith-bindgen: {e:#}");
            ExitCode::from(2)
        }
    }
}
