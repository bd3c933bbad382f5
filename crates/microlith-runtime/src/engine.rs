//! The wasmtime engine: configuration, the epoch ticker, and the on-disk
//! cache of compiled components.
//!
//! Every guest call runs under epoch interruption: a ticker thread bumps the
//! engine's epoch every [`EPOCH_TICK`]; at each tick a running guest yields to
//! Tokio (so a long turn never starves other actors of a worker thread) and is
//! trapped once its turn deadline has passed.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use microlith_core::VersionId;
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::config::RuntimeConfig;
use crate::error::DeployError;

/// Set to `1` to have wasmtime write `/tmp/perf-<pid>.map`, so that `perf
/// report` names guest functions (keep the name section: build the guest
/// unstripped) instead of showing bare `[JIT]` addresses.
pub const PERFMAP_ENV: &str = "MICROLITH_PERFMAP";

/// How often the epoch advances.
pub const EPOCH_TICK: Duration = Duration::from_millis(2);

/// Instances kept in the pool beyond `max_active_actors`, for validation
/// instantiations and for actors that are passivating while their successor
/// starts.
const POOL_HEADROOM: u32 = 256;

/// Address space the guard-page layout may reserve per engine: half of the
/// 128 TiB x86-64 Linux gives a process. It covers the default pool (10,000
/// actors, ~61 TiB) and leaves the other half to everything else the
/// process maps, a second runtime among them; a reservation that does not
/// fit (several big runtimes in one process, a lower `ulimit -v`, a smaller
/// address space) falls back to the explicit layout.
const GUARD_LAYOUT_BUDGET: u64 = 64 << 40;

/// A 32-bit linear memory's whole index space: reserving it (plus a guard
/// for static offsets) lets compiled code skip bounds checks.
const FULL_RESERVATION: u64 = 4 << 30;

/// How linear memories are laid out in the pool, which decides how guest
/// code checks its memory accesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLayout {
    /// Each slot reserves 4 GiB: an out-of-bounds access lands on
    /// unmapped pages and traps by signal, so compiled code has no
    /// explicit bounds checks (guests run about 10 % faster).
    GuardPages,
    /// Each slot reserves only the memory cap plus a small guard: compiled
    /// code checks every access explicitly. Used when the pool is too big
    /// for [`GuardPages`](Self::GuardPages) to fit the address space.
    Explicit,
}

impl MemoryLayout {
    /// The layout for `slots` memories: guard pages when they fit
    /// [`GUARD_LAYOUT_BUDGET`].
    pub fn for_slots(slots: u32) -> Self {
        let per_slot = FULL_RESERVATION + Self::GuardPages.guard();
        if u64::from(slots).saturating_mul(per_slot) <= GUARD_LAYOUT_BUDGET { Self::GuardPages } else { Self::Explicit }
    }

    fn reservation(self, memory_limit: u64) -> u64 {
        match self {
            Self::GuardPages => FULL_RESERVATION,
            Self::Explicit => memory_limit.next_multiple_of(64 << 10),
        }
    }

    fn guard(self) -> u64 {
        match self {
            Self::GuardPages => 32 << 20,
            Self::Explicit => 2 << 20,
        }
    }
}

/// Builds the engine for `config`, and says which memory layout it got.
///
/// The pool holds one memory slot per potential instance. Wasmtime's usual
/// 4 GiB reservation per slot removes bounds checks from guest code, but at
/// ten thousand actors it would need ~60 TiB of address space; so the
/// guard-page layout is used only when the whole pool fits
/// [`GUARD_LAYOUT_BUDGET`] and the reservation succeeds, and the explicit
/// layout otherwise.
pub fn build_engine(config: &RuntimeConfig) -> Result<(Engine, MemoryLayout), DeployError> {
    let instances =
        u32::try_from(config.max_active_actors).unwrap_or(u32::MAX - POOL_HEADROOM).saturating_add(POOL_HEADROOM);
    let memories = instances.saturating_add(instances / 2);
    let layout = MemoryLayout::for_slots(memories);
    if layout == MemoryLayout::GuardPages {
        match engine_with(config, instances, memories, layout) {
            Ok(engine) => return Ok((engine, layout)),
            // Usually `ulimit -v` or another large pool in this process.
            Err(e) => tracing::warn!(
                error = %e,
                "no address space for guard-page memories, so guest code checks bounds explicitly \
                 (~5–10 % slower guest code); raise `ulimit -v` or lower [actors] max_active"
            ),
        }
    } else {
        tracing::info!(
            memories,
            "the pool is larger than the guard-page budget, so guest code checks bounds explicitly \
             (~5–10 % slower guest code); lower [actors] max_active to get guard pages"
        );
    }
    engine_with(config, instances, memories, MemoryLayout::Explicit).map(|e| (e, MemoryLayout::Explicit))
}

fn engine_with(
    config: &RuntimeConfig,
    instances: u32,
    memories: u32,
    layout: MemoryLayout,
) -> Result<Engine, DeployError> {
    let mut c = Config::new();
    c.epoch_interruption(true);
    c.wasm_component_model(true);
    // Guests use the synchronous component ABI (no async lifts, streams or
    // futures): without wasmtime's concurrent-execution machinery an async
    // export call is a plain fiber switch, and a chain of calls costs about
    // a third less.
    c.concurrency_support(false);
    if std::env::var_os(PERFMAP_ENV).is_some_and(|v| v == "1") {
        c.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    c.memory_reservation(layout.reservation(config.memory_limit));
    c.memory_guard_size(layout.guard());
    c.memory_reservation_for_growth(0);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(4))
        .total_memories(memories)
        .total_tables(instances.saturating_mul(4))
        .total_stacks(instances)
        .max_core_instances_per_component(64)
        .max_memories_per_component(8)
        .max_tables_per_component(64)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20)
        .table_elements(100_000)
        .max_memory_size(usize::try_from(config.memory_limit).unwrap_or(usize::MAX));
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&c).map_err(|e| DeployError::Internal(format!("building the wasmtime engine: {e:#}")))
}

/// Starts the thread that advances `engine`'s epoch. It holds only a weak
/// reference and stops by itself when the engine is dropped.
pub fn start_epoch_ticker(engine: &Engine) {
    let engine = engine.weak();
    let spawned = std::thread::Builder::new().name("microlith-epoch".into()).spawn(move || {
        while let Some(engine) = engine.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(EPOCH_TICK);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the epoch ticker; guest deadlines will not fire");
    }
}

/// Where compiled components live on disk, keyed by version and by the
/// engine's compatibility hash (a different wasmtime or config recompiles).
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: Option<PathBuf>,
    engine_hash: String,
}

/// A compiled component and how it was obtained.
pub struct Compiled {
    /// The component.
    pub component: Component,
    /// Whether it came from the disk cache.
    pub from_cache: bool,
    /// Time spent compiling or loading.
    pub took: Duration,
}

impl ArtifactCache {
    /// A cache in `dir` (none if `None`) for `engine`.
    pub fn new(dir: Option<&Path>, engine: &Engine) -> Self {
        let mut h = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        Self { dir: dir.map(Path::to_path_buf), engine_hash: format!("{:016x}", h.finish()) }
    }

    fn path(&self, version: &VersionId) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(format!("{version}-{}.cwasm", self.engine_hash)))
    }

    /// Loads `version` from the cache, or compiles `bytes` and caches the
    /// result. Blocking (compilation takes milliseconds to seconds): call it
    /// on a blocking thread.
    pub fn load_or_compile(&self, engine: &Engine, version: &VersionId, bytes: &[u8]) -> Result<Compiled, DeployError> {
        let start = Instant::now();
        if let Some(path) = self.path(version)
            && path.exists()
        {
            match deserialize(engine, &path) {
                Ok(component) => return Ok(Compiled { component, from_cache: true, took: start.elapsed() }),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "ignoring unusable cached artifact"),
            }
        }
        let component = Component::new(engine, bytes).map_err(|e| DeployError::InvalidComponent(format!("{e:#}")))?;
        if let Some(path) = self.path(version)
            && let Err(e) = write_artifact(&component, &path)
        {
            tracing::warn!(path = %path.display(), error = %e, "could not cache compiled component");
        }
        Ok(Compiled { component, from_cache: false, took: start.elapsed() })
    }
}

fn write_artifact(component: &Component, path: &Path) -> wasmtime::Result<()> {
    let bytes = component.serialize()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write then rename, so a crash never leaves a truncated artifact behind.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: the file was produced by `Component::serialize` of an engine
    // with the same compatibility hash (it is in the file name), written
    // atomically into the runtime's private artifact directory. wasmtime
    // checks the header and engine compatibility again while loading.
    unsafe { Component::deserialize_file(engine, path) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_pages_only_when_the_pool_fits_the_budget() {
        // The test servers' and benches' pools (1,000 and 2,000 actors).
        assert_eq!(MemoryLayout::for_slots(1_884), MemoryLayout::GuardPages);
        assert_eq!(MemoryLayout::for_slots(3_384), MemoryLayout::GuardPages);
        // The default pool (10,000 actors) needs ~61 TiB: it fits.
        assert_eq!(MemoryLayout::for_slots(15_384), MemoryLayout::GuardPages);
        // 20,000 actors (30,384 memories) would need ~120 TiB.
        assert_eq!(MemoryLayout::for_slots(30_384), MemoryLayout::Explicit);
        assert_eq!(MemoryLayout::for_slots(u32::MAX), MemoryLayout::Explicit);
    }

    #[test]
    fn the_engine_reports_the_layout_it_built() {
        for (max_active_actors, want) in [(100, MemoryLayout::GuardPages), (20_000, MemoryLayout::Explicit)] {
            let config = RuntimeConfig { max_active_actors, ..RuntimeConfig::default() };
            let (_, got) = build_engine(&config).map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, want);
        }
    }
}
