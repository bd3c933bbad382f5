//! `microlith`: run a Microlith server, deploy components, call actors,
//! watch their views.
//!
//! Each subcommand lives in `commands/<verb>.rs`; all server logic is in the
//! library crates (`microlith-server`), so this binary only parses flags,
//! loads configuration, and prints.

mod commands;
mod examples;
mod guest;
mod settings;

use clap::{Parser, Subcommand};

/// Durable virtual actors as WebAssembly components, in one process.
#[derive(Debug, Parser)]
#[command(name = "microlith", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (config file → MICROLITH__* env → flags).
    Serve(commands::serve::Args),
    /// Run a development server with the example actors deployed, on an
    /// embedded store under ./.microlith. The admin API is left open.
    Dev(commands::dev::Args),
    /// Deploy a component as the new version of a class (to every actor,
    /// as a canary, or as a dry run of its migration).
    Deploy(commands::deploy::Args),
    /// Show where a class's deploy stands: versions, canary, migrations.
    Status(commands::rollout::Args),
    /// Promote a class's canary to every actor.
    Promote(commands::rollout::Args),
    /// Abort a class's canary, or return it to its previous version.
    Rollback(commands::rollout::Args),
    /// Call a method of an actor and print the reply.
    Call(commands::call::Args),
    /// List deployed classes and their versions.
    Classes(commands::classes::Args),
    /// Print an actor's live view, and again after every change.
    Watch(commands::watch::Args),
    /// Create a new actor project in any supported language.
    New(commands::new::Args),
    /// Build an actor project into a component (and optionally deploy it).
    Build(commands::build::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Dev(args) => commands::dev::run(args).await,
            Command::Deploy(args) => commands::deploy::run(args).await,
            Command::Status(args) => commands::rollout::run(commands::rollout::Action::Status, args).await,
            Command::Promote(args) => commands::rollout::run(commands::rollout::Action::Promote, args).await,
            Command::Rollback(args) => commands::rollout::run(commands::rollout::Action::Rollback, args).await,
            Command::Call(args) => commands::call::run(args).await,
            Command::Classes(args) => commands::classes::run(args).await,
            Command::Watch(args) => commands::watch::run(args).await,
            Command::New(args) => commands::new::run(args).await,
            Command::Build(args) => commands::build::run(args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
