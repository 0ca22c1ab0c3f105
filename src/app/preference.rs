//! The preference screen's state: a prompt and two responses in this annotator's order, a choice,
//! Likert ratings per project criterion, and a rationale.

use super::keymap::Action;

/// A response of the record: `a` or `b` (the record's own names, not the screen order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The record's response `a`.
    A,
    /// The record's response `b`.
    B,
}

/// The judgment in the record's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Response `a` is better.
    A,
    /// Response `b` is better.
    B,
    /// Equally good.
    Tie,
    /// Neither is acceptable.
    BothBad,
}

/// Which part of the preference screen Up/Down and +/- act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrefFocus {
    /// The response shown first (scrolls).
    #[default]
    First,
    /// The response shown second (scrolls).
    Second,
    /// The ratings table.
    Ratings,
}

/// What is submitted for a preference item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgment {
    /// The preferred response, in the record's terms.
    pub choice: Choice,
    /// Which response was shown first.
    pub shown_first: Side,
    /// The order seed.
    pub seed: u64,
    /// Criterion → (rating of `a`, rating of `b`), 0 = not rated.
    pub ratings: Vec<(String, u8, u8)>,
    /// The annotator's rationale.
    pub rationale: String,
}

/// Another annotator's judgment, as QA and reviewers see it (in this viewer's screen terms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgmentLine {
    /// Annotation id (what a QA decision names).
    pub annotation: i64,
    /// Pseudonym, e.g. `annotator-1`.
    pub author: String,
    /// The choice as this viewer's screen shows it: `response 1`, `response 2`, `tie`, `both bad`.
    pub choice: String,
    /// Ratings summary, e.g. `helpfulness 4/2`.
    pub ratings: String,
    /// The rationale.
    pub rationale: String,
    /// Seconds on task.
    pub seconds: u64,
    /// The latest QA decision and who made it.
    pub decision: Option<(String, String)>,
}

/// An open preference item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefView {
    /// Item database id.
    pub item_id: i64,
    /// Item id from the import.
    pub external_id: String,
    /// Project name.
    pub project: String,
    /// Project id (for audit records).
    pub project_id: i64,
    /// Position in the queue (PgUp/PgDn).
    pub queue_index: usize,
    /// The prompt (masked).
    pub prompt: String,
    /// The response shown first (masked).
    pub first: String,
    /// The response shown second (masked).
    pub second: String,
    /// Which record response is shown first.
    pub shown_first: Side,
    /// The order seed (recorded with the judgment).
    pub seed: u64,
    /// Criteria to rate, from project policy.
    pub criteria: Vec<String>,
    /// Ratings in screen order: (first, second) per criterion, 0 = not rated.
    pub ratings: Vec<(u8, u8)>,
    /// The choice in screen terms: 1 = first, 2 = second; tie and both-bad as in [`Choice`].
    pub choice: Option<Choice>,
    /// The rationale typed so far.
    pub rationale: String,
    /// Focused part.
    pub focus: PrefFocus,
    /// Scroll offsets of the first and second response, in lines.
    pub scroll: [u16; 2],
    /// Selected ratings row: criterion × 2 + (0 first, 1 second).
    pub rating_row: usize,
    /// Submitted versions so far.
    pub submitted: Option<i64>,
    /// Reviewers read only.
    pub read_only: bool,
    /// Opened to judge (annotate), adjudicate (QA) or read (review).
    pub stage: super::Stage,
    /// Annotators' judgments (QA and reviewers only).
    pub judgments: Vec<JudgmentLine>,
    /// When the item was opened, for time on task (set by the loader, not read by the app).
    pub opened: std::time::Instant,
}

impl PrefView {
    /// The record side shown at screen position `first` (true) or second.
    fn side(&self, first: bool) -> Side {
        match (self.shown_first, first) {
            (Side::A, true) | (Side::B, false) => Side::A,
            _ => Side::B,
        }
    }

    /// The judgment in the record's terms, if a choice was made.
    pub fn judgment(&self) -> Option<Judgment> {
        let choice = self.choice?;
        let ratings = self
            .criteria
            .iter()
            .zip(&self.ratings)
            .map(|(criterion, &(first, second))| {
                let (a, b) = if self.shown_first == Side::A { (first, second) } else { (second, first) };
                (criterion.clone(), a, b)
            })
            .collect();
        Some(Judgment {
            choice,
            shown_first: self.shown_first,
            seed: self.seed,
            ratings,
            rationale: self.rationale.clone(),
        })
    }

    /// The choice in screen terms for display: `1`, `2`, `tie`, `both bad`.
    pub fn choice_label(&self) -> Option<&'static str> {
        Some(match self.choice? {
            Choice::Tie => "tie",
            Choice::BothBad => "both bad",
            record => {
                let first = if self.shown_first == Side::A { Choice::A } else { Choice::B };
                if record == first { "response 1" } else { "response 2" }
            }
        })
    }

    /// Applies a browsing action; returns whether it was one of the screen's own.
    pub fn act(&mut self, action: Action) -> bool {
        match action {
            Action::PreferFirst => self.choice = Some(record_choice(self.side(true))),
            Action::PreferSecond => self.choice = Some(record_choice(self.side(false))),
            Action::PreferTie => self.choice = Some(Choice::Tie),
            Action::PreferBothBad => self.choice = Some(Choice::BothBad),
            Action::NextField => {
                self.focus = match self.focus {
                    PrefFocus::First => PrefFocus::Second,
                    PrefFocus::Second => PrefFocus::Ratings,
                    PrefFocus::Ratings => PrefFocus::First,
                }
            }
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match self.focus {
                    PrefFocus::Ratings => {
                        let last = (self.criteria.len() * 2).saturating_sub(1);
                        self.rating_row =
                            if down { (self.rating_row + 1).min(last) } else { self.rating_row.saturating_sub(1) };
                    }
                    focus => {
                        let scroll = &mut self.scroll[usize::from(focus == PrefFocus::Second)];
                        *scroll = if down { scroll.saturating_add(1) } else { scroll.saturating_sub(1) };
                    }
                }
            }
            Action::RateUp | Action::RateDown => {
                self.focus = PrefFocus::Ratings;
                let (criterion, second) = (self.rating_row / 2, self.rating_row % 2 == 1);
                if let Some(pair) = self.ratings.get_mut(criterion) {
                    let value = if second { &mut pair.1 } else { &mut pair.0 };
                    *value = if action == Action::RateUp { (*value + 1).min(5) } else { value.saturating_sub(1) };
                }
            }
            _ => return false,
        }
        true
    }
}

fn record_choice(side: Side) -> Choice {
    match side {
        Side::A => Choice::A,
        Side::B => Choice::B,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(shown_first: Side) -> PrefView {
        PrefView {
            item_id: 1,
            external_id: "p1".into(),
            project: "prefs".into(),
            project_id: 1,
            queue_index: 0,
            prompt: "q".into(),
            first: "one".into(),
            second: "two".into(),
            shown_first,
            seed: 7,
            criteria: vec!["helpfulness".into(), "honesty".into()],
            ratings: vec![(0, 0); 2],
            choice: None,
            rationale: String::new(),
            focus: PrefFocus::First,
            scroll: [0, 0],
            rating_row: 0,
            submitted: None,
            read_only: false,
            stage: crate::app::Stage::Annotate,
            judgments: Vec::new(),
            opened: std::time::Instant::now(),
        }
    }

    #[test]
    fn choices_on_screen_map_to_the_record_sides() {
        let mut v = view(Side::B);
        assert_eq!(v.judgment(), None, "nothing to submit before a choice");
        v.act(Action::PreferFirst);
        assert_eq!(v.choice, Some(Choice::B), "B is shown first");
        assert_eq!(v.choice_label(), Some("response 1"));
        v.act(Action::PreferSecond);
        assert_eq!(v.choice, Some(Choice::A));
        let mut v = view(Side::A);
        v.act(Action::PreferFirst);
        assert_eq!(v.choice, Some(Choice::A));
        v.act(Action::PreferTie);
        assert_eq!(v.choice_label(), Some("tie"));
        v.act(Action::PreferBothBad);
        assert_eq!(v.judgment().map(|j| j.choice), Some(Choice::BothBad));
    }

    #[test]
    fn ratings_move_clamp_and_map_back_to_record_sides() {
        let mut v = view(Side::B);
        for _ in 0..7 {
            v.act(Action::RateUp);
        }
        assert_eq!(v.ratings[0], (5, 0), "clamped at 5; focus moved to the ratings");
        v.act(Action::Down);
        v.act(Action::RateUp);
        v.act(Action::RateUp);
        v.act(Action::Down);
        v.act(Action::Down);
        v.act(Action::Down);
        assert_eq!(v.rating_row, 3, "stops at the last row");
        v.act(Action::RateDown);
        assert_eq!(v.ratings, vec![(5, 2), (0, 0)]);
        v.act(Action::PreferTie);
        let j = v.judgment().expect("judgment");
        assert_eq!(j.ratings[0], ("helpfulness".to_string(), 2, 5), "first shown is B");
        assert_eq!((j.seed, j.shown_first), (7, Side::B));
    }

    #[test]
    fn tab_cycles_focus_and_arrows_scroll_the_focused_response() {
        let mut v = view(Side::A);
        v.act(Action::Down);
        v.act(Action::Down);
        v.act(Action::NextField);
        v.act(Action::Down);
        assert_eq!(v.scroll, [2, 1]);
        v.act(Action::Up);
        v.act(Action::Up);
        assert_eq!(v.scroll, [2, 0], "no scrolling above the top");
        v.act(Action::NextField);
        assert_eq!(v.focus, PrefFocus::Ratings);
        v.act(Action::NextField);
        assert_eq!(v.focus, PrefFocus::First);
        assert!(!v.act(Action::Quit), "other actions are not the screen's");
    }
}
