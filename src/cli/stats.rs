//! `cloister stats --project P`: agreement on overlapping work (kappa, alpha, WER) and each
//! annotator's position bias in preference tasks.

use super::CliError;
use super::context::Ctx;
use crate::store::AgreementStats;

fn figure(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
}

/// The statistics as lines of text (shared by the command and the admin console).
pub fn lines(project: &str, kind: &str, items: i64, stats: &AgreementStats) -> Vec<String> {
    let mut out = vec![format!(
        "project {project} ({kind}): {items} items, {} units with two or more annotators",
        stats.overlapping
    )];
    for m in &stats.measures {
        out.push(format!("{}\tkappa={}\talpha={}\tunits={}", m.name, figure(m.kappa), figure(m.alpha), m.units));
    }
    if let Some((wer, pairs)) = stats.wer {
        out.push(format!("transcripts\twer={wer:.3}\tpairs={pairs}"));
    }
    for (annotator, bias) in &stats.bias {
        out.push(format!(
            "position bias {annotator}\tfirst-shown wins={}\tdecided={}",
            figure(bias.rate()),
            bias.decided
        ));
    }
    out
}

/// Runs `stats --project P`.
pub fn run(ctx: &mut Ctx<'_>, project: &str) -> Result<u8, CliError> {
    let record = ctx.store.project(ctx.by, project)?;
    ctx.record_admin(format!("stats --project {project} (id {})", record.id))?;
    let stats = ctx.store.agreement(ctx.by, project)?;
    for line in lines(project, record.kind.as_str(), record.items, &stats) {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(0)
}
