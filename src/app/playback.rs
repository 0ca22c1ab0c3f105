//! Audio of the open item, as pure state: the waveform, whether a `cloister connect` audio channel
//! is linked, and the playback position, speed and loop. Playback follows the selected segment.
//! The session runs the [`AudioRequest`]s and reports back with [`AudioMsg`]s.

use super::{Action, App, Effect};

/// Playback speeds `[` and `]` step through, in thousandths.
pub const SPEEDS: [u16; 6] = [500, 750, 1000, 1250, 1500, 2000];
/// How far ←/→ seek, in ms.
pub const SEEK_MS: i64 = 2_000;
/// What a plain `ssh` user is told about audio.
pub const CONNECT_HINT: &str = "audio: connect with `cloister connect` to listen";

/// The item's waveform and what of it may be played, loaded by the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waveform {
    /// The item it belongs to.
    pub item_id: i64,
    /// Milliseconds per level.
    pub bucket_ms: u32,
    /// RMS levels, 0 (silence) to 255 (loudest), one per `bucket_ms`.
    pub levels: Vec<u8>,
    /// Length of the audio.
    pub duration_ms: i64,
    /// Segments the user may hear.
    pub playable: Vec<i64>,
}

/// Whether the open item's audio can be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AudioState {
    /// No item open.
    #[default]
    None,
    /// Asked the store, waiting.
    Loading,
    /// The waveform is ready.
    Ready(Waveform),
    /// Policy or an error says no; the reason is safe to show.
    Unavailable(String),
}

/// Playback state of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playback {
    /// A `cloister connect` audio channel is paired with this session.
    pub linked: bool,
    /// The open item's audio.
    pub audio: AudioState,
    /// Audio is playing now.
    pub playing: bool,
    /// A stream is paused and can resume where it stopped.
    pub paused: bool,
    /// Playhead in the item, ms.
    pub position_ms: i64,
    /// The selected segment repeats.
    pub looping: bool,
    /// Speed in thousandths (1000 = normal).
    pub speed_permille: u16,
    /// Number of the latest stream asked for; reports of older streams are ignored.
    pub stream: u32,
}

impl Default for Playback {
    fn default() -> Self {
        Self {
            linked: false,
            audio: AudioState::None,
            playing: false,
            paused: false,
            position_ms: 0,
            looping: false,
            speed_permille: 1000,
            stream: 0,
        }
    }
}

impl Playback {
    /// The waveform, when ready.
    pub fn waveform(&self) -> Option<&Waveform> {
        match &self.audio {
            AudioState::Ready(waveform) => Some(waveform),
            _ => None,
        }
    }
}

/// What the session reports about audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioMsg {
    /// An audio channel was paired (true) or went away (false).
    Linked(bool),
    /// The open item's waveform arrived.
    Loaded(Waveform),
    /// The item's audio cannot be had; the reason is safe to show.
    Unavailable {
        /// The item.
        item_id: i64,
        /// Why.
        reason: String,
    },
    /// Where stream `stream` is; `finished` once it played to its end.
    Position {
        /// The stream reported on.
        stream: u32,
        /// Playhead in the item, ms.
        ms: i64,
        /// The stream ended.
        finished: bool,
    },
}

/// What the session should do with audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioRequest {
    /// Read the item's audio through the store and compute its waveform.
    Load {
        /// The item.
        item_id: i64,
    },
    /// Start stream `stream`: play `segment` from `from_ms` (within `start_ms..end_ms`).
    Play {
        /// Stream number, also the frames' generation.
        stream: u32,
        /// The item.
        item_id: i64,
        /// The segment.
        segment: i64,
        /// Segment start, ms.
        start_ms: i64,
        /// Segment end, ms.
        end_ms: i64,
        /// Where to start, ms.
        from_ms: i64,
        /// Speed in thousandths.
        speed_permille: u16,
        /// Repeat the segment.
        looping: bool,
    },
    /// Pause the stream, keeping its place.
    Pause,
    /// Resume the paused stream.
    Resume,
    /// Stop any stream.
    Stop,
}

/// True for the actions this file handles.
pub(super) fn is_playback_action(action: Action) -> bool {
    matches!(action, Action::PlayPause | Action::SeekBack | Action::SeekForward | Action::LoopSegment)
        || matches!(action, Action::Slower | Action::Faster)
}

impl App {
    /// Handles a playback key on the item screen.
    pub(super) fn playback_action(&mut self, action: Action) -> Vec<Effect> {
        let Some((start, end)) = self.selected_range() else { return Vec::new() };
        let playback = &mut self.playback;
        match action {
            Action::PlayPause if playback.playing => {
                playback.playing = false;
                playback.paused = true;
                vec![Effect::Audio(AudioRequest::Pause)]
            }
            Action::PlayPause if playback.paused => {
                playback.playing = true;
                playback.paused = false;
                vec![Effect::Audio(AudioRequest::Resume)]
            }
            Action::PlayPause => {
                if !(start..end).contains(&playback.position_ms) {
                    playback.position_ms = start;
                }
                self.play()
            }
            Action::SeekBack | Action::SeekForward => {
                let step = if action == Action::SeekBack { -SEEK_MS } else { SEEK_MS };
                // Seeking forward past the end stops just short of it, so the end stays audible.
                playback.position_ms = (playback.position_ms + step).clamp(start, (end - 100).max(start));
                self.restart()
            }
            Action::LoopSegment => {
                playback.looping = !playback.looping;
                self.notice = Some(if playback.looping { "loop: on" } else { "loop: off" }.into());
                self.restart()
            }
            Action::Slower | Action::Faster => {
                let index = SPEEDS.iter().position(|&s| s == playback.speed_permille).unwrap_or(2);
                let index = if action == Action::Slower { index.saturating_sub(1) } else { (index + 1).min(5) };
                playback.speed_permille = SPEEDS[index];
                self.notice = Some(format!("speed: {}", speed_label(playback.speed_permille)));
                self.restart()
            }
            _ => Vec::new(),
        }
    }

    /// After the selection moved from segment `before`: the playhead goes to the new segment, and
    /// playback continues there if it was playing.
    pub(super) fn follow_selection(&mut self, before: Option<i64>) -> Vec<Effect> {
        let now = self.item.as_ref().and_then(|i| i.current_segment()).map(|s| s.id);
        if now == before {
            return Vec::new();
        }
        let Some((start, _)) = self.selected_range() else { return Vec::new() };
        self.playback.position_ms = start;
        self.restart()
    }

    /// A new item is on screen: stop what played, load its audio.
    pub(super) fn audio_item_opened(&mut self) -> Vec<Effect> {
        let mut effects = self.stop_audio();
        let Some(item) = &self.item else { return effects };
        self.playback.audio = AudioState::Loading;
        self.playback.position_ms = item.current_segment().map_or(0, |s| s.start_ms);
        effects.push(Effect::Audio(AudioRequest::Load { item_id: item.item_id }));
        effects
    }

    /// The item was left: stop and forget its audio.
    pub(super) fn audio_item_closed(&mut self) -> Vec<Effect> {
        let effects = self.stop_audio();
        self.playback.audio = AudioState::None;
        effects
    }

    /// Stops any stream (item change, lock, frozen audit log).
    pub(super) fn stop_audio(&mut self) -> Vec<Effect> {
        let active = self.playback.playing || self.playback.paused;
        self.playback.playing = false;
        self.playback.paused = false;
        if active { vec![Effect::Audio(AudioRequest::Stop)] } else { Vec::new() }
    }

    /// Applies a report from the session.
    pub(super) fn audio_update(&mut self, msg: AudioMsg) -> Vec<Effect> {
        let open = self.item.as_ref().map(|i| i.item_id);
        let playback = &mut self.playback;
        match msg {
            AudioMsg::Linked(linked) => {
                playback.linked = linked;
                if !linked {
                    playback.playing = false;
                    playback.paused = false;
                }
            }
            AudioMsg::Loaded(waveform) if Some(waveform.item_id) == open => {
                playback.audio = AudioState::Ready(waveform);
            }
            AudioMsg::Unavailable { item_id, reason } if Some(item_id) == open => {
                playback.audio = AudioState::Unavailable(reason);
            }
            AudioMsg::Loaded(_) | AudioMsg::Unavailable { .. } => {}
            AudioMsg::Position { stream, ms, finished } if stream == playback.stream => {
                playback.position_ms = ms;
                if finished {
                    playback.playing = false;
                    playback.paused = false;
                }
            }
            AudioMsg::Position { .. } => {}
        }
        Vec::new()
    }

    /// The selected segment's (start, end), when an item is open.
    fn selected_range(&self) -> Option<(i64, i64)> {
        self.item.as_ref().and_then(|i| i.current_segment()).map(|s| (s.start_ms, s.end_ms))
    }

    /// Starts a new stream of the selected segment if one was playing; a paused one is dropped
    /// (the next Space plays from the new position).
    fn restart(&mut self) -> Vec<Effect> {
        self.playback.paused = false;
        if self.playback.playing { self.play() } else { Vec::new() }
    }

    /// Asks for a new stream of the selected segment from the playhead, if the audio can play.
    fn play(&mut self) -> Vec<Effect> {
        let Some(item) = &self.item else { return Vec::new() };
        let Some(segment) = item.current_segment() else { return Vec::new() };
        let playback = &mut self.playback;
        let refusal = match &playback.audio {
            AudioState::Ready(waveform) if waveform.playable.contains(&segment.id) && playback.linked => None,
            AudioState::Ready(waveform) if waveform.playable.contains(&segment.id) => Some(CONNECT_HINT.to_string()),
            AudioState::Ready(_) => Some("audio: this segment is not assigned to you".to_string()),
            AudioState::Unavailable(reason) => Some(reason.clone()),
            AudioState::Loading | AudioState::None => Some("audio: still loading".to_string()),
        };
        if let Some(reason) = refusal {
            self.notice = Some(reason);
            return self.stop_audio();
        }
        playback.stream = playback.stream.wrapping_add(1);
        playback.playing = true;
        playback.paused = false;
        let from_ms = playback.position_ms.clamp(segment.start_ms, segment.end_ms);
        vec![Effect::Audio(AudioRequest::Play {
            stream: playback.stream,
            item_id: item.item_id,
            segment: segment.id,
            start_ms: segment.start_ms,
            end_ms: segment.end_ms,
            from_ms,
            speed_permille: playback.speed_permille,
            looping: playback.looping,
        })]
    }
}

/// A speed for people, e.g. `1.25×`.
pub fn speed_label(permille: u16) -> String {
    let text = format!("{:.2}", f64::from(permille) / 1000.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}×")
}

#[cfg(test)]
#[path = "playback_tests.rs"]
mod tests;
