//! A one-line text prompt over the screen: a rationale, a rejection reason or a reveal reason.

use super::editor::Editor;
use super::{Action, App, Effect};

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

impl App {
    pub(super) fn act_on_prompt(&mut self, action: Action) -> Vec<Effect> {
        let Some(prompt) = self.prompt.as_mut() else { return Vec::new() };
        let editor = &mut prompt.editor;
        match action {
            Action::Left => editor.left(),
            Action::Right => editor.right(),
            Action::LineStart => editor.home(),
            Action::LineEnd => editor.end(),
            Action::WordLeft => editor.word_left(),
            Action::WordRight => editor.word_right(),
            Action::Backspace => editor.backspace(),
            Action::Delete => editor.delete(),
            Action::DeleteWord => editor.delete_word_left(),
            Action::Undo => editor.undo(),
            Action::Redo => editor.redo(),
            Action::NextField => {
                prompt.choice = (prompt.choice + 1) % prompt.choices.len().max(1);
                true
            }
            Action::Confirm | Action::Submit => return self.confirm_prompt(),
            Action::Back => {
                if let (Some(prompt), Some(pref)) = (self.prompt.take(), self.pref.as_mut())
                    && prompt.purpose == PromptPurpose::Rationale
                {
                    pref.rationale = prompt.editor.text().to_string();
                }
                return Vec::new();
            }
            Action::Quit => {
                self.prompt = None;
                self.quitting = true;
                return vec![Effect::Quit];
            }
            _ => false,
        };
        Vec::new()
    }

    fn confirm_prompt(&mut self) -> Vec<Effect> {
        let Some(prompt) = self.prompt.take() else { return Vec::new() };
        let text = prompt.editor.text().trim().to_string();
        match prompt.purpose {
            PromptPurpose::Rationale => {
                if let Some(pref) = self.pref.as_mut() {
                    pref.rationale = text;
                }
                Vec::new()
            }
            PromptPurpose::Reject { segment, annotation } => {
                if text.is_empty() {
                    self.notice = Some("a rejection needs a reason".into());
                    self.prompt = Some(prompt);
                    return Vec::new();
                }
                vec![Effect::QaDecide { segment, annotation, verdict: "reject".into(), reason: text, correction: None }]
            }
            PromptPurpose::Reveal { segment } => {
                if text.chars().count() < 5 {
                    self.notice = Some("say why you need to see it (at least 5 characters)".into());
                    self.prompt = Some(prompt);
                    return Vec::new();
                }
                vec![Effect::Reveal { segment, index: prompt.choice, reason: text }]
            }
        }
    }
}
