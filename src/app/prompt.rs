//! A one-line text prompt over the screen: a rationale, a rejection reason or a reveal reason.

use super::editor::Editor;

/// What the typed text is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptPurpose {
    /// The rationale of a preference judgment.
    Rationale,
    /// The reason QA rejects an annotation.
    Reject {
        /// Segment id.
        segment: i64,
        /// Annotation id.
        annotation: i64,
    },
    /// The reason to reveal one masked span of a segment.
    Reveal {
        /// Segment id.
        segment: i64,
    },
}

/// An open prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// What it is for.
    pub purpose: PromptPurpose,
    /// The text being typed.
    pub editor: Editor,
    /// Choices the prompt cycles through with Tab (reveal: the masked spans' types).
    pub choices: Vec<String>,
    /// The selected choice.
    pub choice: usize,
}

impl Prompt {
    /// A prompt starting with `text`.
    pub fn new(purpose: PromptPurpose, text: &str) -> Self {
        Self { purpose, editor: Editor::new(text), choices: Vec::new(), choice: 0 }
    }

    /// The title shown above the input.
    pub fn title(&self) -> String {
        match &self.purpose {
            PromptPurpose::Rationale => " rationale — Enter keep · Esc keep and close ".into(),
            PromptPurpose::Reject { .. } => " reason for rejecting — Enter send · Esc cancel ".into(),
            PromptPurpose::Reveal { .. } => {
                let span = self.choices.get(self.choice).map_or(String::new(), |kind| {
                    format!("{kind} ({}/{}), Tab next · ", self.choice + 1, self.choices.len())
                });
                format!(" reveal {span}why? — Enter reveal · Esc cancel ")
            }
        }
    }
}
