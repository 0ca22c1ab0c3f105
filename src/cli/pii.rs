//! `cloister pii mask` and `cloister pii eval`: the PII detector on the command line.

use super::CliError;
use crate::pii::{self, DetectOptions, MaskPolicy};
use clap::Subcommand;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// `cloister pii …`
#[derive(Debug, Subcommand)]
pub enum PiiCommand {
    /// Mask PII in text read from stdin, line by line, to stdout.
    Mask {
        /// Known names, one per line (`#` starts a comment), masked wherever they occur.
        #[arg(long)]
        names: Option<PathBuf>,
        /// A mask policy in TOML (`default = "partial"`, `kinds = { DATE = "raw" }`); default:
        /// typed placeholders for everything.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
    /// Measure detection on a JSONL gold file: per-type and overall recall and precision.
    Eval {
        /// Lines of `{"text": "...", "pii": [{"type": "...", "start": N, "end": N}]}` (char offsets).
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Known names, one per line, as for `pii mask`.
        #[arg(long)]
        names: Option<PathBuf>,
        /// Also list gold spans not fully masked and detected spans outside every gold span.
        #[arg(long)]
        errors: bool,
    },
}

/// Runs a `pii` command; returns the exit code.
pub fn run(command: PiiCommand) -> Result<u8, CliError> {
    match command {
        PiiCommand::Mask { names, policy } => {
            let opts = options(names.as_deref())?;
            let policy = match policy {
                Some(path) => {
                    let text = read(&path)?;
                    toml::from_str::<MaskPolicy>(&text)
                        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
                }
                None => MaskPolicy::default(),
            };
            let stdin = std::io::stdin().lock();
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            for line in stdin.lines() {
                let line = line?;
                writeln!(stdout, "{}", pii::detect_and_mask(&line, &opts, &policy))?;
            }
            stdout.flush()?;
            Ok(0)
        }
        PiiCommand::Eval { file, json, names, errors } => {
            let opts = options(names.as_deref())?;
            let records =
                pii::parse_jsonl(&read(&file)?).map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
            let report = pii::eval(&records, &opts);
            if json {
                let text = serde_json::to_string_pretty(&report)
                    .map_err(|e| CliError::Usage(format!("cannot encode the report: {e}")))?;
                println!("{text}");
            } else {
                println!("{} records, {} chars: {}", report.records, report.chars, file.display());
                print!("{}", report.table());
                if errors {
                    for m in &report.misses {
                        println!("missed    record {:>4}  {:<14} {}", m.record, m.category, m.text);
                    }
                    for m in &report.spurious {
                        println!("spurious  record {:>4}  {:<14} {}", m.record, m.category, m.text);
                    }
                }
            }
            Ok(0)
        }
    }
}

/// Detection options with the names file, if any.
fn options(names: Option<&Path>) -> Result<DetectOptions, CliError> {
    let Some(path) = names else { return Ok(DetectOptions::new()) };
    let text = read(path)?;
    let names = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    DetectOptions::with_names(names).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}

/// Reads a UTF-8 file, naming it on error.
fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))
}
