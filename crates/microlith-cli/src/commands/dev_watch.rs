//! `microlith dev --watch <project>`: the dev loop. Every watched guest
//! project (a directory with a `microlith.toml`) is built and deployed once
//! at start-up, then rebuilt with the same code as `microlith build`
//! ([`guest::build`], into `<dir>/target/<name>.wasm`) and hot-deployed as
//! class `<name>` whenever one of its source files changes. Each outcome
//! is one line on stdout; a failed build or a refused deploy leaves the
//! previous version serving and the server running.
//!
//! Changes are found by polling: every [`POLL`] the watcher lists the
//! modification time and size of every file under the project (skipping
//! build output, dependencies, VCS and editor files, see [`ignored`]). Once
//! something differs it waits until the tree stays the same for [`QUIET`],
//! so one save (or an editor's write-rename-delete dance, or a `git
//! checkout`) is one rebuild. Polling rather than the `notify` crate:
//! `notify` is not among the dependencies this workspace already vets, and
//! it would bring a backend per platform for no gain at this scale. Stat'ing
//! a project tree of a few hundred files costs well under a millisecond,
//! polling sees edits on mounts where inotify is silent (container bind
//! mounts, network file systems), and editors that save by renaming need
//! no special handling. The cost is up to `POLL + QUIET` of latency.
//!
//! One task per project runs its loop: builds run on Tokio's blocking pool,
//! one at a time per project. The snapshot that triggered a build is the
//! baseline for the next comparison, so anything saved while a build runs
//! triggers exactly one more build after it. (A build that writes a file
//! outside the ignored paths, e.g. a first `Cargo.lock`, therefore causes
//! one extra rebuild, which then finds nothing new.)
//!
//! The watcher does not know the runtime: `dev` hands it a [`Deploy`]
//! function, so it deploys through the same handle the examples use.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::guest::{self, Project};

/// How often a project's files are listed.
pub const POLL: Duration = Duration::from_millis(300);

/// How long files must stay unchanged before a rebuild starts.
pub const QUIET: Duration = Duration::from_millis(200);

/// How long [`Watchers::stop`] waits for a deploy in flight.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// What a deploy reports.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// The short form of the deployed version.
    pub version: String,
    /// The state schema of the deployed version.
    pub schema: u32,
}

/// The future a [`Deploy`] returns.
pub type DeployFuture = Pin<Box<dyn Future<Output = anyhow::Result<Deployed>> + Send>>;

/// Deploys a component (the bytes) as a class (the name).
pub type Deploy = Arc<dyn Fn(String, Vec<u8>) -> DeployFuture + Send + Sync>;

/// Reads the `microlith.toml` of every directory in `dirs`, so a typo fails
/// before the server starts. Two projects may not share a name (they would
/// overwrite each other's class).
pub fn load(dirs: &[PathBuf]) -> anyhow::Result<Vec<Project>> {
    let mut projects: Vec<Project> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let project = Project::load(dir).with_context(|| format!("--watch {}", dir.display()))?;
        if let Some(other) = projects.iter().find(|p| p.name == project.name) {
            anyhow::bail!(
                "--watch {} and {} are both named {:?}: they would deploy over each other",
                other.dir.display(),
                project.dir.display(),
                project.name
            );
        }
        projects.push(project);
    }
    Ok(projects)
}

/// The running watch loops, one per project.
pub struct Watchers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Starts one watch loop per project; each first builds and deploys its
/// project. Must be called within the Tokio runtime.
pub fn spawn(projects: Vec<Project>, deploy: Deploy) -> Watchers {
    let (stop, stopped) = watch::channel(false);
    let tasks = projects
        .into_iter()
        .map(|project| tokio::spawn(watch_project(project, deploy.clone(), stopped.clone())))
        .collect();
    Watchers { stop, tasks }
}

impl Watchers {
    /// Stops the loops: a build in progress is abandoned (its result is
    /// dropped), a deploy in progress may finish (bounded), so the server
    /// shuts down with no deploy half done.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let abort = task.abort_handle();
            if tokio::time::timeout(STOP_TIMEOUT, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The loop of one project.
async fn watch_project(project: Project, deploy: Deploy, mut stopped: watch::Receiver<bool>) {
    let dir = project.dir.clone();
    let mut served = Served { label: project.name, version: None, builds: 0 };
    let mut seen = snapshot(&dir).await;
    loop {
        if served.rebuild(&dir, &deploy, &mut stopped).await.is_break() {
            return;
        }
        // Wait for a change, then for the files to go quiet.
        let mut current = loop {
            tokio::select! {
                _ = stopped.wait_for(|s| *s) => return,
                () = tokio::time::sleep(POLL) => {}
            }
            let now = snapshot(&dir).await;
            if now != seen {
                break now;
            }
        };
        loop {
            tokio::select! {
                _ = stopped.wait_for(|s| *s) => return,
                () = tokio::time::sleep(QUIET) => {}
            }
            let now = snapshot(&dir).await;
            if now == current {
                break;
            }
            current = now;
        }
        seen = current;
    }
}

/// What one project's loop remembers between builds.
struct Served {
    /// The project's name, for messages (also when its manifest breaks).
    label: String,
    /// The version deployed by this loop, if any.
    version: Option<String>,
    /// Builds so far.
    builds: u64,
}

impl Served {
    /// Builds the project and deploys it, printing the outcome; breaks if the
    /// watcher was stopped during the build. Never fails otherwise:
    /// whatever goes wrong is printed and the old version stays.
    async fn rebuild(&mut self, dir: &Path, deploy: &Deploy, stopped: &mut watch::Receiver<bool>) -> ControlFlow<()> {
        let verb = if self.builds == 0 { "built" } else { "rebuilt" };
        self.builds += 1;
        let started = Instant::now();
        let d = dir.to_path_buf();
        // Stopping abandons the build: the blocking thread runs the
        // toolchain to its end, but nobody deploys the result.
        let joined = tokio::select! {
            _ = stopped.wait_for(|s| *s) => return ControlFlow::Break(()),
            joined = tokio::task::spawn_blocking(move || build(&d)) => joined,
        };
        let built = joined.unwrap_or_else(|e| Err(anyhow::anyhow!("the build task failed: {e}")));
        let (project, bytes) = match built {
            Ok(b) => b,
            Err(e) => {
                println!("build of {} failed{}:\n{e:#}", self.label, self.keeping());
                return ControlFlow::Continue(());
            }
        };
        let took = started.elapsed().as_secs_f64();
        self.label = project.name.clone();
        match deploy(project.name.clone(), bytes).await {
            Ok(d) => {
                println!(
                    "{verb} {} in {took:.1} s; deployed version {} (schema {})",
                    project.name, d.version, d.schema
                );
                self.version = Some(d.version);
            }
            Err(e) => println!("deploy of {} refused{}:\n{e:#}", project.name, self.keeping()),
        }
        ControlFlow::Continue(())
    }

    /// How a failure message goes on: which version keeps serving.
    fn keeping(&self) -> &'static str {
        if self.version.is_some() { "; still serving the previous version" } else { "" }
    }
}

/// Reloads the manifest (it may have changed too), builds the component
/// where `microlith build` puts it by default and reads it.
fn build(dir: &Path) -> anyhow::Result<(Project, Vec<u8>)> {
    let project = Project::load(dir)?;
    let out = project.dir.join("target").join(format!("{}.wasm", project.name));
    guest::build(&project, &out)?;
    let bytes = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
    Ok((project, bytes))
}

/// Modification time and size of every watched file, by path.
type Snapshot = BTreeMap<PathBuf, (Option<SystemTime>, u64)>;

/// Lists the project's files off the async workers.
async fn snapshot(dir: &Path) -> Snapshot {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut files = Snapshot::new();
        walk(&dir, 0, &mut files);
        files
    })
    .await
    .unwrap_or_default()
}

/// Directories deeper than this are not watched (and symlinked directories
/// are not followed), so a cycle cannot make a poll endless.
const MAX_DEPTH: usize = 32;

fn walk(dir: &Path, depth: usize, files: &mut Snapshot) {
    // Unreadable entries are skipped: files come and go while an editor
    // saves, and the next poll sees the result.
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else { continue };
        let is_dir = kind.is_dir();
        if ignored(&name.to_string_lossy(), is_dir) {
            continue;
        }
        let path = entry.path();
        if is_dir {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, files);
            }
        } else if let Ok(meta) = std::fs::metadata(&path)
            && meta.is_file()
        {
            files.insert(path, (meta.modified().ok(), meta.len()));
        }
    }
}

/// Whether a directory entry named `name` is outside the sources: build
/// output and dependencies (`target/`, `node_modules/`, `__pycache__/`,
/// `*.wasm`), hidden files and directories (`.git/`, `.venv/`, editor
/// state, vim's `.x.swp`, emacs' `.#x`) and editor temporaries (`x~`,
/// `#x#`, `*.swp`, `*.tmp`, vim's `4913` probe).
fn ignored(name: &str, is_dir: bool) -> bool {
    if name.starts_with('.') {
        return true;
    }
    if is_dir {
        return matches!(name, "target" | "node_modules" | "__pycache__");
    }
    name == "4913"
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || [".wasm", ".swp", ".swo", ".swx", ".tmp", ".pyc"].iter().any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_watched_and_build_output_and_editor_files_are_not() {
        for (name, is_dir) in [("main.c", false), ("src", true), ("microlith", true), ("app.py", false)] {
            assert!(!ignored(name, is_dir), "{name} should be watched");
        }
        for (name, is_dir) in [
            ("target", true),
            ("node_modules", true),
            (".git", true),
            ("__pycache__", true),
            ("count.wasm", false),
            (".main.c.swp", false),
            ("main.c~", false),
            ("#main.c#", false),
            (".#main.c", false),
            ("4913", false),
        ] {
            assert!(ignored(name, is_dir), "{name} should be ignored");
        }
    }

    #[tokio::test]
    async fn a_snapshot_changes_with_sources_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.c"), "int x;").expect("write");
        std::fs::create_dir_all(dir.path().join("target/microlith")).expect("mkdir");
        let before = snapshot(dir.path()).await;
        assert_eq!(before.len(), 1);
        std::fs::write(dir.path().join("target/microlith/core.wasm"), "x").expect("write");
        std::fs::write(dir.path().join("out.wasm"), "x").expect("write");
        assert_eq!(snapshot(dir.path()).await, before);
        std::fs::write(dir.path().join("main.c"), "int xy;").expect("write");
        assert_ne!(snapshot(dir.path()).await, before);
    }
}
