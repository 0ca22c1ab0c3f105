//! `cloister import`: parse and validate a file, then store it in one transaction.

use super::{CliError, parse_kind};
use crate::datadir::DataDir;
use crate::import::{parse_manifest, parse_preferences, parse_sidecar};
use crate::policy::{Principal, ProjectPolicy};
use crate::store::{ImportSummary, NewItem, ProjectKind, Store, StoreError};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Arguments of `cloister import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The data directory.
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// Project to import into; created with --kind if it does not exist.
    #[arg(long)]
    pub project: String,
    /// transcription or preference.
    #[arg(long)]
    pub kind: String,
    /// Policy file (TOML, see docs/CONFIG.md) for a new project.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Language of a WebVTT/SRT transcript (manifests carry their own).
    #[arg(long)]
    pub language: Option<String>,
    /// A manifest (.jsonl), a preference file (.jsonl) or a .vtt/.srt transcript beside its .wav.
    pub file: PathBuf,
}

fn bar(len: usize, what: &str) -> ProgressBar {
    // indicatif draws to stderr only when it is a terminal.
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Parses a file of the given kind into items.
pub fn read_items(kind: ProjectKind, file: &Path, language: Option<String>) -> Result<Vec<NewItem>, CliError> {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    Ok(match (kind, extension.as_str()) {
        (ProjectKind::Transcription, "vtt" | "srt") => vec![parse_sidecar(file, language)?],
        (ProjectKind::Transcription, _) => {
            let progress = bar(0, "reading");
            let items = parse_manifest(file, &|done, total| {
                progress.set_length(total as u64);
                progress.set_position(done as u64);
            })?;
            progress.finish_and_clear();
            items
        }
        (ProjectKind::Preference, _) => parse_preferences(file)?,
    })
}

/// Creates the project if missing (checking its kind if present), then imports the items.
pub fn import_into(
    store: &Store,
    by: &Principal,
    project: &str,
    kind: ProjectKind,
    policy: &ProjectPolicy,
    items: &[NewItem],
) -> Result<ImportSummary, CliError> {
    match store.project(by, project) {
        Ok(existing) if existing.kind != kind => {
            return Err(CliError::Usage(format!(
                "project {project:?} is a {} project; import it with --kind {}",
                existing.kind.as_str(),
                existing.kind.as_str()
            )));
        }
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => {
            store.create_project(by, project, kind, policy)?;
        }
        Err(other) => return Err(other.into()),
    }
    let progress = bar(items.len(), "importing");
    let summary = store.import_items(by, project, items, &|done| progress.set_position(done as u64))?;
    progress.finish_and_clear();
    Ok(summary)
}

/// Runs `cloister import`.
pub fn run(args: ImportArgs) -> Result<u8, CliError> {
    let kind = parse_kind(&args.kind)?;
    let policy = match &args.policy {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
            ProjectPolicy::from_toml(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
        }
        None => ProjectPolicy::default(),
    };
    let dir = DataDir::new(&args.data);
    let store = dir.store()?;
    let items = read_items(kind, &args.file, args.language)?;
    let action = format!(
        "import --project {} --kind {} {} ({} items)",
        args.project,
        args.kind,
        args.file.display(),
        items.len()
    );
    super::admin::record_admin(&dir, action)?;
    let summary = import_into(&store, &Principal::operator(), &args.project, kind, &policy, &items)?;
    println!(
        "imported {} items, {} segments, {} audio bytes into {}",
        summary.items, summary.segments, summary.audio_bytes, args.project
    );
    Ok(0)
}
