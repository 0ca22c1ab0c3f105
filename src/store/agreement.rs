//! Agreement statistics of a project, computed inside the store from every annotator's latest
//! submitted version: only numbers leave it, never content. Units annotated by two or more
//! annotators (see `cloister assign --overlap K`) give kappa, alpha and WER; position bias uses
//! every decided preference judgment.

use super::annotation::{Choice, PreferenceBody, SegmentBody, Side};
use super::projects::ProjectKind;
use super::{Store, StoreError};
use crate::agreement::{PositionBias, Units, interval, krippendorff_alpha, mean_pairwise_kappa, nominal, word_edits};
use crate::crypto::Aad;
use crate::policy::{Action, Principal};
use std::collections::BTreeMap;

/// Agreement on one labelled dimension (a label group, the preference choice, a rating).
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// What was compared, e.g. `label intent`, `choice`, `rating helpfulness`.
    pub name: String,
    /// Mean pairwise Cohen's kappa (nominal dimensions only).
    pub kappa: Option<f64>,
    /// Krippendorff's alpha (nominal, or interval for ratings).
    pub alpha: Option<f64>,
    /// Units with two or more values.
    pub units: usize,
}

/// A project's agreement figures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgreementStats {
    /// Units (segments or preference items) with two or more annotators.
    pub overlapping: usize,
    /// One entry per compared dimension.
    pub measures: Vec<Measure>,
    /// Word error rate between transcripts of the same segment (both directions), and the
    /// number of transcript pairs.
    pub wer: Option<(f64, usize)>,
    /// Position bias per annotator (user name), preference projects only.
    pub bias: Vec<(String, PositionBias)>,
}

/// Author name → (annotation id, sealed body) of their latest version of one unit.
type ByAuthor = BTreeMap<String, (i64, Vec<u8>)>;

impl Store {
    /// Agreement statistics of a project (admin only; numbers, no content).
    pub fn agreement(&self, by: &Principal, project: &str) -> Result<AgreementStats, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let record = self.project_by_name(project)?;
        let pid = record.id;
        let key = self.project_key(pid)?;
        // Latest annotate-stage version per (item, segment, author).
        let mut stmt = self.conn.prepare(
            "SELECT a.id, a.item_id, IFNULL(a.segment_id, 0), u.name, a.body FROM annotations a
             JOIN users u ON u.id = a.author_id WHERE a.project_id = ?1 AND a.stage = 'annotate' ORDER BY a.version",
        )?;
        let mut latest: BTreeMap<(i64, i64), ByAuthor> = BTreeMap::new();
        let rows = stmt.query_map([pid], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get(4)?))
        })?;
        for row in rows {
            let (id, item, segment, author, body) = row?;
            latest.entry((item, segment)).or_default().insert(author, (id, body));
        }
        let mut stats = AgreementStats {
            overlapping: latest.values().filter(|authors| authors.len() >= 2).count(),
            ..AgreementStats::default()
        };
        let aad = |id: i64| Aad { table: "annotations", row: id, column: "body", project: pid };
        match record.kind {
            ProjectKind::Transcription => {
                let mut labels: BTreeMap<String, Units<String, String>> = BTreeMap::new();
                let (mut edits, mut words, mut pairs) = (0usize, 0usize, 0usize);
                for authors in latest.values().filter(|a| a.len() >= 2) {
                    let mut bodies = Vec::new();
                    for (author, (id, body)) in authors {
                        let body: SegmentBody = self.open_sealed(&key, body.clone(), &aad(*id))?;
                        bodies.push((author.clone(), body));
                    }
                    for group in record.policy.labels.keys() {
                        let unit: Vec<(String, String)> = bodies
                            .iter()
                            .filter_map(|(who, b)| b.labels.get(group).map(|v| (who.clone(), v.clone())))
                            .collect();
                        labels.entry(group.clone()).or_default().push(unit);
                    }
                    for (i, (_, a)) in bodies.iter().enumerate() {
                        for (_, b) in &bodies[i + 1..] {
                            let (e1, w1) = word_edits(&a.text, &b.text);
                            let (e2, w2) = word_edits(&b.text, &a.text);
                            edits += e1 + e2;
                            words += w1 + w2;
                            pairs += 1;
                        }
                    }
                }
                for (group, units) in labels {
                    stats.measures.push(nominal_measure(format!("label {group}"), &units));
                }
                stats.wer = (words > 0).then(|| (edits as f64 / words as f64, pairs));
            }
            ProjectKind::Preference => {
                let mut choices: Units<String, &'static str> = Vec::new();
                let mut ratings: BTreeMap<String, Vec<Vec<i64>>> = BTreeMap::new();
                let mut bias: BTreeMap<String, PositionBias> = BTreeMap::new();
                for authors in latest.values() {
                    let mut unit = Vec::new();
                    let mut rated: BTreeMap<String, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
                    for (author, (id, body)) in authors {
                        let body: PreferenceBody = self.open_sealed(&key, body.clone(), &aad(*id))?;
                        let chose_first = match (body.choice, body.shown_first) {
                            (Choice::A, first) => Some(first == Side::A),
                            (Choice::B, first) => Some(first == Side::B),
                            (Choice::Tie | Choice::BothBad, _) => None,
                        };
                        bias.entry(author.clone()).or_default().add(chose_first);
                        unit.push((author.clone(), body.choice.as_str()));
                        for (criterion, r) in &body.ratings {
                            let entry = rated.entry(criterion.clone()).or_default();
                            if r.a > 0 {
                                entry.0.push(i64::from(r.a));
                            }
                            if r.b > 0 {
                                entry.1.push(i64::from(r.b));
                            }
                        }
                    }
                    if unit.len() >= 2 {
                        choices.push(unit);
                        for (criterion, (a, b)) in rated {
                            let units = ratings.entry(criterion).or_default();
                            units.push(a);
                            units.push(b);
                        }
                    }
                }
                stats.measures.push(nominal_measure("choice".into(), &choices));
                for (criterion, units) in ratings {
                    let pairable = units.iter().filter(|u| u.len() >= 2).count();
                    stats.measures.push(Measure {
                        name: format!("rating {criterion} (interval)"),
                        kappa: None,
                        alpha: krippendorff_alpha(&units, interval),
                        units: pairable,
                    });
                }
                stats.bias = bias.into_iter().collect();
            }
        }
        Ok(stats)
    }
}

fn nominal_measure<T: Eq + std::hash::Hash + Clone>(name: String, units: &Units<String, T>) -> Measure {
    let values: Vec<Vec<T>> = units.iter().map(|u| u.iter().map(|(_, v)| v.clone()).collect()).collect();
    Measure {
        name,
        kappa: mean_pairwise_kappa(units).map(|(k, _, _)| k),
        alpha: krippendorff_alpha(&values, nominal),
        units: values.iter().filter(|v| v.len() >= 2).count(),
    }
}
