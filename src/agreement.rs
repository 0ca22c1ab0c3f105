//! Inter-annotator agreement, as pure functions: Cohen's kappa, Krippendorff's alpha (nominal and
//! interval), word error rate, and position bias in preference tasks.
//!
//! References: Cohen (1960), "A coefficient of agreement for nominal scales"; Krippendorff (2011),
//! "Computing Krippendorff's Alpha-Reliability" (coincidence-matrix method, the worked example C is
//! a unit test here); WER as word-level Levenshtein distance over the reference length.

use std::collections::HashMap;
use std::hash::Hash;

/// Cohen's kappa of two raters over paired nominal labels: `(p_o − p_e) / (1 − p_e)`.
/// `None` for no pairs, or when chance agreement is total (`p_e = 1`, kappa undefined).
pub fn cohen_kappa<T: Eq + Hash>(pairs: &[(T, T)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let mut first: HashMap<&T, f64> = HashMap::new();
    let mut second: HashMap<&T, f64> = HashMap::new();
    for (a, b) in pairs {
        *first.entry(a).or_default() += 1.0;
        *second.entry(b).or_default() += 1.0;
    }
    let expected: f64 =
        first.iter().map(|(label, count)| count * second.get(label).unwrap_or(&0.0)).sum::<f64>() / (n * n);
    if (1.0 - expected).abs() < 1e-12 {
        return None;
    }
    Some((observed - expected) / (1.0 - expected))
}

/// Units rated by several raters: per unit, (rater, value) pairs.
pub type Units<R, T> = Vec<Vec<(R, T)>>;

/// Cohen's kappa averaged over every pair of raters who share units, weighted by how many units
/// each pair shares. Returns (kappa, rater pairs used, shared units summed).
pub fn mean_pairwise_kappa<R: Ord + Clone + Hash, T: Eq + Hash + Clone>(
    units: &Units<R, T>,
) -> Option<(f64, usize, usize)> {
    let mut by_pair: HashMap<(R, R), Vec<(T, T)>> = HashMap::new();
    for unit in units {
        for (i, (ra, a)) in unit.iter().enumerate() {
            for (rb, b) in &unit[i + 1..] {
                let (key, pair) = if ra <= rb {
                    ((ra.clone(), rb.clone()), (a.clone(), b.clone()))
                } else {
                    ((rb.clone(), ra.clone()), (b.clone(), a.clone()))
                };
                by_pair.entry(key).or_default().push(pair);
            }
        }
    }
    let (mut sum, mut weight, mut used) = (0.0, 0usize, 0usize);
    for pairs in by_pair.values() {
        if let Some(kappa) = cohen_kappa(pairs) {
            sum += kappa * pairs.len() as f64;
            weight += pairs.len();
            used += 1;
        }
    }
    (weight > 0).then(|| (sum / weight as f64, used, weight))
}

/// Krippendorff's alpha over units (each the values its raters gave; missing values simply
/// absent) with distance `delta²(c, k)`. Units with fewer than two values are not pairable and
/// are ignored. `None` when fewer than two pairable values exist or expected disagreement is 0.
pub fn krippendorff_alpha<T: Eq + Hash + Clone>(units: &[Vec<T>], delta: impl Fn(&T, &T) -> f64) -> Option<f64> {
    let mut coincidences: HashMap<(T, T), f64> = HashMap::new();
    for values in units.iter().filter(|v| v.len() >= 2) {
        let m = values.len() as f64;
        for (i, c) in values.iter().enumerate() {
            for (j, k) in values.iter().enumerate() {
                if i != j {
                    *coincidences.entry((c.clone(), k.clone())).or_default() += 1.0 / (m - 1.0);
                }
            }
        }
    }
    let mut totals: HashMap<T, f64> = HashMap::new();
    for ((c, _), o) in &coincidences {
        *totals.entry(c.clone()).or_default() += o;
    }
    let n: f64 = totals.values().sum();
    if n < 2.0 {
        return None;
    }
    let observed: f64 = coincidences.iter().map(|((c, k), o)| o * delta(c, k)).sum();
    let mut expected = 0.0;
    for (c, nc) in &totals {
        for (k, nk) in &totals {
            expected += nc * nk * delta(c, k);
        }
    }
    if expected == 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

/// Nominal distance: 0 when equal, else 1.
pub fn nominal<T: PartialEq>(a: &T, b: &T) -> f64 {
    if a == b { 0.0 } else { 1.0 }
}

/// Interval distance: the squared difference.
pub fn interval(a: &i64, b: &i64) -> f64 {
    let d = (a - b) as f64;
    d * d
}

/// Words of a transcript for WER: lower-cased, split on white space, punctuation trimmed.
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '[' && c != ']').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance (substitutions + deletions + insertions) from `reference` to
/// `hypothesis`, and the reference length. WER = edits / reference words.
pub fn word_edits(reference: &str, hypothesis: &str) -> (usize, usize) {
    let (r, h) = (words(reference), words(hypothesis));
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut current = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let substitute = previous[j] + usize::from(rw != hw);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    (previous[h.len()], r.len())
}

/// Position bias of one annotator: of their judgments that chose a response (not tie or both
/// bad), how many chose the one shown first. 0.5 means no bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PositionBias {
    /// Judgments choosing `a` or `b`.
    pub decided: usize,
    /// Of those, how many chose the response shown first.
    pub first_won: usize,
}

impl PositionBias {
    /// Adds one judgment; `chose_first` is `None` for a tie or both bad.
    pub fn add(&mut self, chose_first: Option<bool>) {
        if let Some(first) = chose_first {
            self.decided += 1;
            self.first_won += usize::from(first);
        }
    }

    /// The share of decided judgments won by the first-shown response.
    pub fn rate(&self) -> Option<f64> {
        (self.decided > 0).then(|| self.first_won as f64 / self.decided as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 5e-4
    }

    /// Cohen's kappa, the example of Wikipedia's "Cohen's kappa" article: 50 proposals, both yes
    /// 20, A yes B no 5, A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
    #[test]
    fn kappa_of_the_textbook_example_is_0_4() {
        let mut pairs = Vec::new();
        pairs.extend(std::iter::repeat_n(("yes", "yes"), 20));
        pairs.extend(std::iter::repeat_n(("yes", "no"), 5));
        pairs.extend(std::iter::repeat_n(("no", "yes"), 10));
        pairs.extend(std::iter::repeat_n(("no", "no"), 15));
        assert!(close(cohen_kappa(&pairs).expect("defined"), 0.4));
        assert_eq!(cohen_kappa(&[("x", "x"), ("x", "x")]), None, "p_e = 1: undefined");
        let perfect = [("a", "a"), ("b", "b")];
        assert!(close(cohen_kappa(&perfect).expect("defined"), 1.0));
    }

    /// Krippendorff (2011), example C: 4 observers, 12 units, missing values. Published values:
    /// nominal alpha = 0.743, interval alpha = 0.849.
    #[test]
    fn alpha_of_krippendorffs_worked_example() {
        let rows: [[Option<i64>; 12]; 4] = [
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), None, None, None],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), None, Some(3)],
            [None, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), None],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), None],
        ];
        let units: Vec<Vec<i64>> = (0..12).map(|u| rows.iter().filter_map(|r| r[u]).collect()).collect();
        assert!(close(krippendorff_alpha(&units, nominal).expect("nominal"), 0.743));
        assert!(close(krippendorff_alpha(&units, interval).expect("interval"), 0.849));
        assert_eq!(krippendorff_alpha(&[vec![1i64]], nominal), None, "nothing pairable");
    }

    #[test]
    fn pairwise_kappa_weights_pairs_by_shared_units() {
        let units: Units<&str, &str> = vec![
            vec![("ann", "x"), ("bob", "x"), ("cat", "y")],
            vec![("ann", "y"), ("bob", "y")],
            vec![("ann", "x"), ("bob", "y")],
            vec![("bob", "x"), ("cat", "x")],
        ];
        let (kappa, pairs, shared) = mean_pairwise_kappa(&units).expect("defined");
        // ann–bob: 3 units, agree 2: p_o 2/3, p_e (2·1 + 1·2)/9 = 4/9, kappa 0.4. Others undefined or
        // small: ann–cat 1 unit (x,y): p_e 0 → kappa 0; bob–cat 2 units (x,y),(x,x): p_o .5, p_e .5 → 0.
        assert_eq!((pairs, shared), (3, 6));
        assert!(close(kappa, (0.4 * 3.0) / 6.0), "{kappa}");
    }

    /// "the cat sat on the mat" → "the cat sit on mat": one substitution, one deletion, WER 2/6.
    #[test]
    fn word_error_rate_counts_substitutions_deletions_insertions() {
        assert_eq!(word_edits("the cat sat on the mat", "the cat sit on mat"), (2, 6));
        assert_eq!(word_edits("Hello, world!", "hello world"), (0, 2), "case and punctuation ignored");
        assert_eq!(word_edits("a b", "a x b y"), (2, 2), "two insertions");
        assert_eq!(word_edits("", "a"), (1, 0));
        assert_eq!(words("Call [PHONE] now."), vec!["call", "[phone]", "now"]);
    }

    #[test]
    fn position_bias_ignores_ties() {
        let mut bias = PositionBias::default();
        for chose_first in [Some(true), Some(true), Some(false), None, Some(true)] {
            bias.add(chose_first);
        }
        assert_eq!((bias.decided, bias.first_won), (4, 3));
        assert_eq!(bias.rate(), Some(0.75));
        assert_eq!(PositionBias::default().rate(), None);
    }
}
