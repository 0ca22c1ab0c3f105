//! A small list picker for segment labels and PII types: ↑/↓ move, Enter sets, Esc closes.

use std::collections::BTreeMap;

/// What the picker chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerPurpose {
    /// One value per label group of the project's schema.
    Labels,
    /// The type of a PII span just marked (char offsets).
    PiiType {
        /// First char.
        start: usize,
        /// One past the last char.
        end: usize,
    },
}

/// PII types an annotator can mark.
pub const PII_TYPES: [&str; 10] = ["PERSON", "PHONE", "CARD", "EMAIL", "ADDRESS", "DATE", "IBAN", "SSN", "IP", "OTHER"];

/// The open picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// What it chooses.
    pub purpose: PickerPurpose,
    /// Rows: (group, value).
    pub rows: Vec<(String, String)>,
    /// Selected row.
    pub selected: usize,
    /// Chosen value per group (labels), or the one chosen type.
    pub chosen: BTreeMap<String, String>,
}

impl Picker {
    /// A label picker over `schema`, starting from the segment's current labels.
    pub fn labels(schema: &[(String, Vec<String>)], current: &BTreeMap<String, String>) -> Self {
        let rows = schema.iter().flat_map(|(g, values)| values.iter().map(move |v| (g.clone(), v.clone()))).collect();
        Self { purpose: PickerPurpose::Labels, rows, selected: 0, chosen: current.clone() }
    }

    /// A PII type picker for the span `start..end`.
    pub fn pii_type(start: usize, end: usize) -> Self {
        let rows = PII_TYPES.iter().map(|t| ("type".to_string(), t.to_string())).collect();
        Self { purpose: PickerPurpose::PiiType { start, end }, rows, selected: 0, chosen: BTreeMap::new() }
    }

    /// Moves the selection.
    pub fn step(&mut self, down: bool) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = if down { (self.selected + 1).min(last) } else { self.selected.saturating_sub(1) };
    }

    /// Sets (or, when already set, clears) the selected row's value for its group.
    pub fn toggle(&mut self) {
        let Some((group, value)) = self.rows.get(self.selected).cloned() else { return };
        if self.chosen.get(&group) == Some(&value) {
            self.chosen.remove(&group);
        } else {
            self.chosen.insert(group, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_group_toggles_and_clamps() {
        let schema = vec![
            ("intent".to_string(), vec!["billing".to_string(), "card".to_string()]),
            ("emotion".to_string(), vec!["calm".to_string()]),
        ];
        let mut p = Picker::labels(&schema, &BTreeMap::new());
        p.toggle();
        p.step(true);
        p.toggle();
        assert_eq!(p.chosen.get("intent").map(String::as_str), Some("card"), "one value per group");
        p.toggle();
        assert!(p.chosen.is_empty(), "toggling the chosen value clears it");
        for _ in 0..5 {
            p.step(true);
        }
        assert_eq!(p.selected, 2);
        p.toggle();
        assert_eq!(p.chosen.get("emotion").map(String::as_str), Some("calm"));
    }
}
