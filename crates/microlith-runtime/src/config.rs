//! Runtime limits and tunables.

use std::path::PathBuf;
use std::time::Duration;

/// How the runtime runs actors. Library users build it directly; the server
/// fills it from its own config.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where compiled components are cached; `None` disables the disk cache.
    pub artifact_dir: Option<PathBuf>,
    /// Most actors active (instantiated) at once. Beyond it the least
    /// recently used idle actors are passivated. The cap is soft: an actor
    /// that is busy finishes its queue first. It also sizes the instance
    /// pool: up to about 10,500 (the default 10,000 included) the pool fits
    /// guard-page memories and guest code runs without explicit bounds
    /// checks (see [`MemoryLayout`](crate::MemoryLayout)).
    pub max_active_actors: usize,
    /// An actor with no message for this long is passivated.
    pub idle_timeout: Duration,
    /// Messages that may wait in one actor's mailbox; more are refused with
    /// an overloaded error.
    pub mailbox_capacity: usize,
    /// Wall-clock budget of one turn's guest execution.
    pub turn_deadline: Duration,
    /// Most linear memory one actor instance may use, in bytes.
    pub memory_limit: u64,
    /// Limits on state operations and messages.
    pub limits: StateLimits,
    /// Turns of one actor whose commits may be in flight before the actor
    /// waits for the oldest to become durable.
    pub max_pipelined_commits: usize,
    /// Largest component accepted by a deploy, in bytes.
    pub max_component_size: usize,
    /// How long an actor-to-actor call waits for its reply unless the
    /// caller gives its own timeout.
    pub call_timeout: Duration,
    /// Most actors waiting in one call chain (deeper calls are refused).
    pub max_call_depth: usize,
    /// Most one-way messages one turn may send.
    pub max_sends_per_turn: usize,
    /// Most alarms one actor may have set.
    pub max_alarms_per_actor: usize,
    /// Longest alarm name, in bytes.
    pub max_alarm_name_len: usize,
    /// Delay before the first retry of a failed alarm; it doubles with each
    /// further retry.
    pub alarm_retry_base: Duration,
    /// Retries of a failing alarm before it is deleted.
    pub alarm_max_retries: u32,
    /// How long the reply of a call with an idempotency key is kept, so a
    /// retry with the same key returns it instead of running again.
    pub idempotency_ttl: Duration,
    /// How often expired idempotency records are looked for and deleted.
    pub idempotency_sweep_interval: Duration,
    /// Failed migrations after which a deploy rolls back by itself, unless
    /// the deploy gives its own limit.
    pub deploy_max_failures: u64,
    /// Whether a call to an idle actor runs on the caller's task instead of
    /// waking the actor's own (see `handoff`). Off, every call queues; the
    /// benchmarks compare the two.
    pub handoff: bool,
}

/// Size limits enforced on guests and callers.
#[derive(Debug, Clone)]
pub struct StateLimits {
    /// Longest state key, in bytes.
    pub max_key_len: usize,
    /// Longest state value, in bytes.
    pub max_value_len: usize,
    /// Most bytes (keys plus values) one turn may write.
    pub max_turn_write_bytes: u64,
    /// Largest request payload, in bytes.
    pub max_payload_len: usize,
    /// Largest reply, in bytes.
    pub max_reply_len: usize,
    /// Bytes of state an actor keeps cached in memory between turns.
    pub max_cache_bytes: usize,
    /// Largest rendered view, in bytes.
    pub max_view_len: usize,
}

impl Default for StateLimits {
    fn default() -> Self {
        Self {
            max_key_len: 1024,
            max_value_len: 1 << 20,
            max_turn_write_bytes: 8 << 20,
            max_payload_len: 1 << 20,
            max_reply_len: 8 << 20,
            max_cache_bytes: 4 << 20,
            max_view_len: 1 << 20,
        }
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            artifact_dir: None,
            max_active_actors: 10_000,
            idle_timeout: Duration::from_secs(60),
            mailbox_capacity: 1024,
            turn_deadline: Duration::from_secs(5),
            memory_limit: 64 << 20,
            limits: StateLimits::default(),
            max_pipelined_commits: 256,
            max_component_size: 64 << 20,
            call_timeout: Duration::from_secs(30),
            max_call_depth: 64,
            max_sends_per_turn: 1000,
            max_alarms_per_actor: 1000,
            max_alarm_name_len: 256,
            alarm_retry_base: Duration::from_secs(1),
            alarm_max_retries: 6,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            idempotency_sweep_interval: Duration::from_secs(3600),
            deploy_max_failures: 1,
            handoff: true,
        }
    }
}
