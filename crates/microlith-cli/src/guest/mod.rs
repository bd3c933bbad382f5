//! Guest projects: `microlith new <language> <name>` scaffolds one,
//! `microlith build [dir]` turns one into a component.
//!
//! A guest project is a directory with a `microlith.toml`:
//!
//! ```toml
//! language = "js"          # rust | js | python | c | zig | assemblyscript
//! name = "counter"         # the component's name (and the default class)
//! sdk = "microlith/sdk"    # the language SDK, relative to the project
//! wit = "microlith/wit"    # the microlith:actor WIT package
//! ```
//!
//! `microlith new` vendors the SDK and the WIT package into `microlith/`, so a
//! scaffolded project builds with nothing but the language's toolchain. The
//! projects in this repository point `sdk` and `wit` at the repository's
//! own `sdk/<language>` and `wit/` instead.
//!
//! One module per language holds its scaffold (`files`) and its build
//! recipe (`build`). A recipe never installs anything: if a tool is missing
//! it fails with the exact command that installs it ([`tools`]).

mod assemblyscript;
mod c;
mod js;
mod python;
mod rust;
pub mod tools;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use serde::Deserialize;

/// The WIT package, embedded so `new` can vendor it.
pub const WIT: &str = include_str!("../../../../wit/world.wit");

/// A supported guest language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Rust (Debian's rustc-web with -Zbuild-std, wasm-tools).
    Rust,
    /// JavaScript or TypeScript-checked JavaScript (componentize-js).
    Js,
    /// Python (componentize-py).
    Python,
    /// C (clang-19 with wasi-libc).
    C,
    /// C compiled by Zig's clang (`python -m ziglang cc`).
    Zig,
    /// AssemblyScript (asc, wasm-tools component embed/new).
    AssemblyScript,
}

impl Language {
    /// Every supported language, in the order `--help` lists them.
    pub const ALL: [Language; 6] =
        [Language::Rust, Language::Js, Language::Python, Language::C, Language::Zig, Language::AssemblyScript];

    /// The name used in `microlith.toml` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Js => "js",
            Language::Python => "python",
            Language::C => "c",
            Language::Zig => "zig",
            Language::AssemblyScript => "assemblyscript",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let lower = s.to_ascii_lowercase();
        let found = match lower.as_str() {
            "ts" | "typescript" | "javascript" => Some(Language::Js),
            "py" => Some(Language::Python),
            "as" => Some(Language::AssemblyScript),
            _ => Language::ALL.into_iter().find(|l| l.name() == lower),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
            anyhow::anyhow!("unknown language {s:?}; supported: {}", names.join(", "))
        })
    }
}

/// `microlith.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The language.
    pub language: String,
    /// The component's name.
    pub name: String,
    /// The SDK directory, relative to the project.
    #[serde(default = "default_sdk")]
    pub sdk: PathBuf,
    /// The WIT directory, relative to the project.
    #[serde(default = "default_wit")]
    pub wit: PathBuf,
}

fn default_sdk() -> PathBuf {
    PathBuf::from("microlith/sdk")
}

fn default_wit() -> PathBuf {
    PathBuf::from("microlith/wit")
}

/// A guest project on disk, with its paths resolved.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project directory.
    pub dir: PathBuf,
    /// The language.
    pub language: Language,
    /// The component's name.
    pub name: String,
    /// The SDK directory.
    pub sdk: PathBuf,
    /// The WIT directory.
    pub wit: PathBuf,
}

impl Project {
    /// Reads `dir/microlith.toml`.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join("microlith.toml");
        if !path.is_file() {
            bail!("{} has no microlith.toml (create a project with `microlith new <language> <name>`)", dir.display());
        }
        let manifest: Manifest =
            figment::Figment::from(<figment::providers::Toml as figment::providers::Format>::file(&path))
                .extract()
                .with_context(|| format!("reading {}", path.display()))?;
        let dir = std::fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
        Ok(Self {
            language: manifest.language.parse()?,
            name: manifest.name,
            sdk: dir.join(manifest.sdk),
            wit: dir.join(manifest.wit),
            dir,
        })
    }
}

/// Builds `project` into the component file `out`.
pub fn build(project: &Project, out: &Path) -> anyhow::Result<()> {
    // Toolchains run in the project directory: a relative `out` is meant
    // relative to where `microlith build` was started.
    let out = &std::path::absolute(out).with_context(|| format!("resolving {}", out.display()))?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    match project.language {
        Language::Rust => rust::build(project, out),
        Language::Js => js::build(project, out),
        Language::Python => python::build(project, out),
        Language::C => c::build(project, out, c::Compiler::Clang),
        Language::Zig => c::build(project, out, c::Compiler::Zig),
        Language::AssemblyScript => assemblyscript::build(project, out),
    }
}

/// The files of a new `language` project named `name`, paths relative to
/// the project directory. Includes `microlith.toml`, the vendored SDK and
/// WIT, and a counter actor to start from.
pub fn scaffold(language: Language, name: &str) -> Vec<(PathBuf, String)> {
    let mut files = vec![
        (
            PathBuf::from("microlith.toml"),
            format!("language = \"{language}\"\nname = \"{name}\"\nsdk = \"microlith/sdk\"\nwit = \"microlith/wit\"\n"),
        ),
        (PathBuf::from("microlith/wit/world.wit"), WIT.to_string()),
    ];
    let mut own = match language {
        Language::Rust => rust::files(name),
        Language::Js => js::files(name),
        Language::Python => python::files(name),
        Language::C => c::files(name, c::Compiler::Clang),
        Language::Zig => c::files(name, c::Compiler::Zig),
        Language::AssemblyScript => assemblyscript::files(name),
    };
    files.append(&mut own);
    files
}

/// Runs `cmd`, failing with its output if it fails.
pub fn run(cmd: &mut std::process::Command, what: &str) -> anyhow::Result<()> {
    let output = cmd.output().with_context(|| format!("{what}: could not start {:?}", cmd.get_program()))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
