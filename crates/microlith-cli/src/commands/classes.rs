//! `microlith classes`.

use super::ServerFlags;

/// Flags of `classes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub server: ServerFlags,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let list = args.server.client()?.classes().await?;
    if list.classes.is_empty() {
        println!("no classes deployed");
    }
    for c in list.classes {
        println!("{}  current {}  ({} version(s))", c.name, &c.current[..12.min(c.current.len())], c.versions.len());
    }
    Ok(())
}
