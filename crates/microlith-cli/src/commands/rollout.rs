//! `microlith status <class>`, `microlith promote <class>`,
//! `microlith rollback <class>`: where a deploy stands, and moving it on.

use microlith_protocol::v1::{DeployStatusResponse, RolloutInfo};

use super::ServerFlags;
use super::deploy::short;

/// Flags of `status`, `promote` and `rollback`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Class name.
    pub class: String,
    /// Why (recorded with a rollback).
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub server: ServerFlags,
}

/// What to do.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Status,
    Promote,
    Rollback,
}

pub async fn run(action: Action, args: Args) -> anyhow::Result<()> {
    let client = args.server.client()?;
    let status = match action {
        Action::Status => client.deploy_status(&args.class).await?,
        Action::Promote => client.promote(&args.class).await?,
        Action::Rollback => client.rollback(&args.class, args.reason.as_deref()).await?,
    };
    print_status(&status);
    Ok(())
}

/// Prints a rollout, a line per fact.
pub fn print_rollout(r: &RolloutInfo) {
    println!("  stable    {}", short(&r.stable));
    if let Some(c) = &r.canary {
        let scope = if c.keys.is_empty() { c.scope.clone() } else { format!("keys {}", c.keys.join(",")) };
        println!("  canary    {} serving {scope}", short(&c.version));
    }
    if let Some(p) = &r.previous {
        println!("  previous  {} (rollback returns to it)", short(p));
    }
    if let Some(e) = &r.last {
        let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        println!("  last      {} {}{reason}", e.phase, short(&e.version));
    }
    println!("  rolls back after {} failed migration(s)", r.max_failures);
}

fn print_status(s: &DeployStatusResponse) {
    println!("{}", s.class);
    print_rollout(&s.rollout);
    let loaded: Vec<&str> = s.loaded.iter().map(|v| short(v)).collect();
    println!("  loaded    {}", loaded.join(", "));
    println!("  migrated  {} actor(s), {} failed ({} kept on the version they ran)", s.migrated, s.failed, s.pinned);
    if let Some(e) = &s.last_error {
        println!("  last migration error: {e}");
    }
}
