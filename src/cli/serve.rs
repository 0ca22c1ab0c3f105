//! `cloister serve`: run the SSH server until SIGINT or SIGTERM, then shut down cleanly.

use super::CliError;
use crate::datadir::DataDir;
use std::net::SocketAddr;

/// Serves `dir` on `listen`; returns when a signal asked to stop and sessions have closed.
pub fn run(dir: &DataDir, listen: SocketAddr) -> Result<u8, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let server = crate::ssh::start(dir, listen).await?;
        println!("cloister listening on {} (Ctrl-C to stop)", server.addr);
        wait_for_signal().await?;
        tracing::info!(sessions = server.sessions(), "shutting down: telling sessions");
        server.shutdown().await;
        tracing::info!("shut down cleanly");
        Ok(0)
    })
}

async fn wait_for_signal() -> Result<(), CliError> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        _ = term.recv() => {}
    }
    Ok(())
}
