//! What actions do on the item screens (transcription, QA, review), the preference screen and
//! the prompt. Pure: state changes and effects only.

use super::item::{Mark, Stage};
use super::picker::{Picker, PickerPurpose};
use super::prompt::{Prompt, PromptPurpose};
use super::{Action, App, Effect, Mode, editor::Editor};

impl App {
    /// A SaveDraft effect if the editor holds unsaved changes.
    pub(super) fn save_draft(&mut self) -> Vec<Effect> {
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if item.stage != Stage::Annotate {
            return Vec::new();
        }
        let Some(line) = item.segments.get(item.current) else { return Vec::new() };
        match item.editor.as_mut() {
            Some(editor) if editor.is_modified() => {
                editor.mark_saved();
                vec![Effect::SaveDraft { segment: line.id, edit: line.edit(editor.text()) }]
            }
            _ => Vec::new(),
        }
    }

    /// Leaves the editor, keeping its text on screen; returns the draft save if needed.
    pub(super) fn close_editor(&mut self) -> Vec<Effect> {
        let effects = self.save_draft();
        if let Some(item) = self.item.as_mut()
            && let Some(editor) = item.editor.take()
            && item.stage == Stage::Annotate
            && let Some(line) = item.segments.get_mut(item.current)
        {
            line.text = editor.text().to_string();
        }
        effects
    }

    /// Refuses an edit on a read-only screen or a context segment; `None` when editing is allowed.
    fn refuse_edit(&mut self) -> Option<Vec<Effect>> {
        let item = self.item.as_ref()?;
        let reason = if item.read_only || item.stage == Stage::Review {
            "read-only: reviewers cannot edit"
        } else if item.current_segment().is_some_and(|s| s.context) {
            "context segment: shown for reference, not assigned to you"
        } else {
            return None;
        };
        self.notice = Some(reason.into());
        Some(vec![Effect::DeniedEdit])
    }

    pub(super) fn open_editor(&mut self) -> Vec<Effect> {
        if let Some(refused) = self.refuse_edit() {
            return refused;
        }
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if item.editor.is_some() {
            return Vec::new();
        }
        let text = match item.stage {
            // QA corrects the annotator's version it is looking at.
            Stage::Qa => match item.current_version() {
                Some(version) => version.text.clone(),
                None => {
                    self.notice = Some("nothing to correct: this segment is not annotated yet".into());
                    return Vec::new();
                }
            },
            _ => match item.current_segment() {
                Some(line) => line.text.clone(),
                None => return Vec::new(),
            },
        };
        item.editor = Some(Editor::new(&text));
        Vec::new()
    }

    /// Saves the current line's non-text changes (speaker, labels, marks) as a draft.
    fn save_line(&mut self) -> Vec<Effect> {
        let Some(item) = self.item.as_ref() else { return Vec::new() };
        let Some(line) = item.current_segment() else { return Vec::new() };
        let text = item.editor.as_ref().map_or(line.text.as_str(), |e| e.text());
        vec![Effect::SaveDraft { segment: line.id, edit: line.edit(text) }]
    }

    fn act_on_picker(&mut self, action: Action) -> Vec<Effect> {
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        let Some(picker) = item.picker.as_mut() else { return Vec::new() };
        match action {
            Action::Up | Action::Down => picker.step(action == Action::Down),
            Action::Open | Action::Confirm => {
                picker.toggle();
                if let PickerPurpose::PiiType { start, end } = picker.purpose {
                    let kind = picker.rows.get(picker.selected).map(|(_, v)| v.clone()).unwrap_or_default();
                    item.picker = None;
                    if let Some(line) = item.segments.get_mut(item.current) {
                        line.marked.retain(|m| m.end <= start || m.start >= end);
                        line.marked.push(Mark { kind: kind.clone(), start, end });
                        line.marked.sort_by_key(|m| m.start);
                    }
                    self.notice = Some(format!("marked {kind} at {start}..{end}"));
                    return self.save_line();
                }
            }
            Action::Back | Action::Labels => {
                let picker = item.picker.take();
                if let (Some(picker), Some(line)) = (picker, item.segments.get_mut(item.current))
                    && picker.purpose == PickerPurpose::Labels
                    && picker.chosen != line.labels
                {
                    line.labels = picker.chosen;
                    return self.save_line();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Ctrl-T in the editor: the first press anchors, the second picks the span's type.
    fn mark_pii(&mut self) -> Vec<Effect> {
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        let Some(editor) = item.editor.as_ref() else { return Vec::new() };
        let cursor = editor.text().get(..editor.cursor()).map_or(0, |t| t.chars().count());
        match item.mark_anchor.take() {
            None => {
                item.mark_anchor = Some(cursor);
                self.notice = Some("PII mark started: move to its end and press the key again".into());
            }
            Some(anchor) if anchor != cursor => {
                item.picker = Some(Picker::pii_type(anchor.min(cursor), anchor.max(cursor)));
            }
            Some(_) => self.notice = Some("empty span: mark cancelled".into()),
        }
        Vec::new()
    }

    pub(super) fn act_on_item(&mut self, action: Action) -> Vec<Effect> {
        if self.item.as_ref().is_some_and(|i| i.picker.is_some()) {
            return self.act_on_picker(action);
        }
        let editing = self.mode() == Mode::Edit;
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if let Some(editor) = item.editor.as_mut() {
            let handled = match action {
                Action::Left => Some(editor.left()),
                Action::Right => Some(editor.right()),
                Action::LineStart => Some(editor.home()),
                Action::LineEnd => Some(editor.end()),
                Action::WordLeft => Some(editor.word_left()),
                Action::WordRight => Some(editor.word_right()),
                Action::Backspace => Some(editor.backspace()),
                Action::Delete => Some(editor.delete()),
                Action::DeleteWord => Some(editor.delete_word_left()),
                Action::Undo => Some(editor.undo()),
                Action::Redo => Some(editor.redo()),
                Action::Confirm | Action::NextField => Some(false),
                _ => None,
            };
            if action == Action::MarkPii {
                return self.mark_pii();
            }
            if handled.is_some() {
                return Vec::new();
            }
        }
        match action {
            Action::Up | Action::Down => {
                let mut effects = if editing { self.close_editor() } else { Vec::new() };
                if let Some(item) = self.item.as_mut() {
                    item.select(if action == Action::Up { -1 } else { 1 });
                }
                effects.extend(if editing { self.open_editor() } else { Vec::new() });
                effects
            }
            Action::Open => self.open_editor(),
            Action::Back if editing => {
                if let Some(item) = self.item.as_mut()
                    && item.stage == Stage::Qa
                {
                    item.editor = None;
                    return Vec::new();
                }
                self.close_editor()
            }
            Action::Back => {
                self.item = None;
                let mut effects = self.audio_item_closed();
                effects.extend(self.back_home());
                effects
            }
            Action::Submit => self.submit_segment(),
            Action::Speaker => self.cycle_speaker(),
            Action::Labels => {
                if let Some(refused) = self.refuse_edit() {
                    return refused;
                }
                let Some(item) = self.item.as_mut() else { return Vec::new() };
                if item.stage != Stage::Annotate || item.label_schema.is_empty() {
                    return Vec::new();
                }
                let current = item.current_segment().map(|l| l.labels.clone()).unwrap_or_default();
                item.picker = Some(Picker::labels(&item.label_schema, &current));
                Vec::new()
            }
            Action::Reveal => self.ask_reveal(),
            Action::QaAccept | Action::QaReject => self.qa_action(action),
            Action::NextField => {
                if let Some(item) = self.item.as_mut() {
                    let count = item
                        .current_segment()
                        .map_or(0, |l| l.versions.iter().filter(|v| v.stage == "annotate").count());
                    item.version = if count == 0 { 0 } else { (item.version + 1) % count };
                }
                Vec::new()
            }
            Action::NextItem | Action::PrevItem => {
                let mut effects = if editing { self.close_editor() } else { Vec::new() };
                let index = self.item.as_ref().map_or(0, |i| i.queue_index);
                let target = if action == Action::NextItem { index + 1 } else { index.wrapping_sub(1) };
                effects.extend(self.open_queue_item(target));
                effects
            }
            Action::Quit => {
                let mut effects = self.close_editor();
                self.quitting = true;
                effects.push(Effect::Quit);
                effects
            }
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            action if super::playback::is_playback_action(action) => self.playback_action(action),
            _ => Vec::new(),
        }
    }

    /// Ctrl-S: submits the editor's text (or the segment as it is), or QA's correction.
    fn submit_segment(&mut self) -> Vec<Effect> {
        if let Some(refused) = self.refuse_edit() {
            return refused;
        }
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        let Some(line) = item.segments.get(item.current) else { return Vec::new() };
        if item.stage == Stage::Qa {
            let (Some(editor), Some(version)) = (item.editor.take(), item.current_version()) else { return Vec::new() };
            let mut edit = line.edit(editor.text());
            edit.labels = version.labels.clone();
            return vec![Effect::QaDecide {
                segment: line.id,
                annotation: version.annotation,
                verdict: "correct".into(),
                reason: String::new(),
                correction: Some(edit),
            }];
        }
        let text = match item.editor.as_mut() {
            Some(editor) => {
                editor.mark_saved();
                editor.text().to_string()
            }
            None => line.text.clone(),
        };
        let was_editing = item.editor.is_some();
        let mut effects = vec![Effect::Submit { segment: line.id, edit: line.edit(&text) }];
        effects.extend(self.close_editor());
        if let Some(item) = self.item.as_mut() {
            item.select(1);
        }
        if was_editing {
            effects.extend(self.open_editor());
        }
        effects
    }

    /// `s`: the next speaker of the item for the current segment.
    fn cycle_speaker(&mut self) -> Vec<Effect> {
        if let Some(refused) = self.refuse_edit() {
            return refused;
        }
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if item.stage != Stage::Annotate || item.speakers.is_empty() {
            return Vec::new();
        }
        let speakers = item.speakers.clone();
        let Some(line) = item.segments.get_mut(item.current) else { return Vec::new() };
        let position = speakers.iter().position(|s| s == line.shown_speaker()).map_or(0, |p| p + 1);
        let next = speakers[position % speakers.len()].clone();
        line.speaker_override = (next != line.speaker).then_some(next);
        self.save_line()
    }

    fn ask_reveal(&mut self) -> Vec<Effect> {
        let Some(line) = self.item.as_ref().and_then(|i| i.current_segment()) else { return Vec::new() };
        if line.masks.is_empty() {
            self.notice = Some("nothing masked in this segment".into());
            return Vec::new();
        }
        let mut prompt = Prompt::new(PromptPurpose::Reveal { segment: line.id }, "");
        prompt.choices = line.masks.clone();
        self.prompt = Some(prompt);
        Vec::new()
    }

    fn qa_action(&mut self, action: Action) -> Vec<Effect> {
        if let Some(refused) = self.refuse_edit() {
            return refused;
        }
        let Some(item) = self.item.as_ref() else { return Vec::new() };
        if item.stage != Stage::Qa {
            self.notice = Some("QA decisions are made from the QA queue".into());
            return Vec::new();
        }
        let (Some(line), Some(version)) = (item.current_segment(), item.current_version()) else {
            self.notice = Some("nothing to decide: this segment is not annotated yet".into());
            return Vec::new();
        };
        if action == Action::QaReject {
            let purpose = PromptPurpose::Reject { segment: line.id, annotation: version.annotation };
            self.prompt = Some(Prompt::new(purpose, ""));
            return Vec::new();
        }
        vec![Effect::QaDecide {
            segment: line.id,
            annotation: version.annotation,
            verdict: "accept".into(),
            reason: String::new(),
            correction: None,
        }]
    }

    /// A QA decision was stored: show it on the version and move to the next segment.
    pub(super) fn qa_decided(&mut self, segment: i64, annotation: i64, verdict: &str) -> Vec<Effect> {
        if let Some(judgment) =
            self.pref.as_mut().and_then(|p| p.judgments.iter_mut().find(|j| j.annotation == annotation))
        {
            judgment.decision = Some((verdict.to_string(), "you".into()));
        }
        if let Some(item) = self.item.as_mut() {
            if let Some(version) = item
                .segments
                .iter_mut()
                .filter(|l| l.id == segment)
                .flat_map(|l| l.versions.iter_mut())
                .find(|v| v.annotation == annotation)
            {
                version.decision = Some((verdict.to_string(), "you".into()));
            }
            item.editor = None;
            item.select(1);
        }
        self.notice = Some(format!("QA: {verdict} recorded"));
        Vec::new()
    }

    pub(super) fn act_on_pref(&mut self, action: Action) -> Vec<Effect> {
        let Some(pref) = self.pref.as_mut() else { return Vec::new() };
        let writes = matches!(
            action,
            Action::PreferFirst
                | Action::PreferSecond
                | Action::PreferTie
                | Action::PreferBothBad
                | Action::RateUp
                | Action::RateDown
                | Action::Open
                | Action::Submit
        );
        if pref.read_only && writes {
            self.notice = Some("read-only: reviewers cannot judge".into());
            return vec![Effect::DeniedEdit];
        }
        let judging = pref.stage == Stage::Annotate;
        let choosing = matches!(
            action,
            Action::PreferFirst
                | Action::PreferSecond
                | Action::PreferTie
                | Action::PreferBothBad
                | Action::RateUp
                | Action::RateDown
        );
        if !judging && (choosing || matches!(action, Action::Open | Action::Submit)) {
            self.notice = Some("QA decides with A (accept) or R (reject with a reason)".into());
            return Vec::new();
        }
        if pref.act(action) {
            return Vec::new();
        }
        match action {
            Action::QaAccept | Action::QaReject if pref.stage == Stage::Qa => {
                let Some(annotation) = pref.judgments.first().map(|j| j.annotation) else {
                    self.notice = Some("nothing to decide: not judged yet".into());
                    return Vec::new();
                };
                if action == Action::QaReject {
                    self.prompt = Some(Prompt::new(PromptPurpose::Reject { segment: 0, annotation }, ""));
                    return Vec::new();
                }
                vec![Effect::QaDecide {
                    segment: 0,
                    annotation,
                    verdict: "accept".into(),
                    reason: String::new(),
                    correction: None,
                }]
            }
            Action::Open => {
                self.prompt = Some(Prompt::new(PromptPurpose::Rationale, &pref.rationale));
                Vec::new()
            }
            Action::Submit => match pref.judgment() {
                Some(judgment) => {
                    vec![Effect::SubmitPreference { item_id: pref.item_id, judgment, opened: pref.opened }]
                }
                None => {
                    self.notice = Some("choose first: 1, 2, = (tie) or x (both bad)".into());
                    Vec::new()
                }
            },
            Action::Back => {
                self.pref = None;
                self.back_home()
            }
            Action::NextItem | Action::PrevItem => {
                let index = pref.queue_index;
                let target = if action == Action::NextItem { index + 1 } else { index.wrapping_sub(1) };
                self.open_queue_item(target)
            }
            Action::Quit => {
                self.quitting = true;
                vec![Effect::Quit]
            }
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
