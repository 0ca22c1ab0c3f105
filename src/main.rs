//! The `cloister` binary: parse arguments, set up tracing, dispatch.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cloister::cli::Cli::parse();
    // `connect` owns the terminal: log lines would tear the TUI, so it logs only when asked.
    let default = if matches!(cli.command, cloister::cli::Command::Connect(_)) { "off" } else { "info" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLOISTER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .init();
    match cloister::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
