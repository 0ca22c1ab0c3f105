//! A shell session's side of audio: runs the app's [`AudioRequest`]s (read the item's audio
//! through the store, decode it in memory, compute the waveform, audit and start plays) and turns
//! the audio channel's news into [`AudioMsg`]s.

use super::audio::{AudioLink, PlayOrder, StreamCommand};
use super::effects::record;
use super::server::Shared;
use crate::app::{AudioMsg, AudioRequest, Msg, Waveform};
use crate::audio::Decoded;
use crate::audit::{EventKind, RenderMode};
use crate::policy::{Denial, Principal};
use crate::store::{PlayableSegment, StoreError};
use std::sync::Arc;
use tokio::sync::watch;

/// The open item's audio.
struct Loaded {
    item_id: i64,
    project: i64,
    /// Decoded samples, kept only while an audio client is paired (they are only needed to
    /// stream; the waveform's levels are in the app). Without one they are decoded again at the
    /// first play: 1.6 MB a session for a 14 s call otherwise, held by every plain-ssh session.
    audio: Option<Arc<Decoded>>,
    playable: Vec<PlayableSegment>,
}

/// Decoded audio of an item as the store allows it: its project, playable segments, samples and
/// waveform levels; or the reason to show.
struct Fetched {
    project: i64,
    playable: Vec<PlayableSegment>,
    audio: Decoded,
    levels: Vec<u8>,
}

/// Audio state of one shell session.
pub(super) struct SessionAudio {
    hub: watch::Receiver<Option<AudioLink>>,
    hub_open: bool,
    link: Option<AudioLink>,
    loaded: Option<Loaded>,
}

impl SessionAudio {
    /// Follows the connection's audio hub.
    pub(super) fn new(mut hub: watch::Receiver<Option<AudioLink>>) -> Self {
        let link = hub.borrow_and_update().clone();
        Self { hub, hub_open: true, link, loaded: None }
    }

    /// Whether an audio channel is paired now (for the app's first state).
    pub(super) fn linked(&self) -> Msg {
        Msg::Audio(AudioMsg::Linked(self.link.is_some()))
    }

    /// Waits for news: an audio channel came or went, or the playhead moved.
    pub(super) async fn changed(&mut self) -> Msg {
        loop {
            let playhead = async {
                match self.link.as_mut() {
                    Some(link) => link.playhead.changed().await.is_ok(),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                open = self.hub.changed(), if self.hub_open => {
                    if open.is_err() {
                        self.hub_open = false;
                        continue;
                    }
                    self.link = self.hub.borrow_and_update().clone();
                    self.keep_samples_only_when_linked();
                    return self.linked();
                }
                alive = playhead => {
                    let Some(link) = self.link.as_mut() else { continue };
                    if !alive {
                        self.link = None;
                        self.keep_samples_only_when_linked();
                        return self.linked();
                    }
                    let head = *link.playhead.borrow_and_update();
                    return Msg::Audio(AudioMsg::Position { stream: head.generation, ms: head.ms, finished: head.finished });
                }
            }
        }
    }

    /// Without an audio client nothing streams: the decoded samples go (decoded again at a play).
    fn keep_samples_only_when_linked(&mut self) {
        if self.link.is_none()
            && let Some(loaded) = self.loaded.as_mut()
        {
            loaded.audio = None;
        }
    }

    /// Runs one request; returns the messages for the app.
    pub(super) async fn run(&mut self, shared: &Shared, principal: &Principal, request: AudioRequest) -> Vec<Msg> {
        match request {
            AudioRequest::Load { item_id } => vec![self.load(shared, principal, item_id).await],
            AudioRequest::Play { stream, item_id, segment, from_ms, speed_permille, looping, .. } => {
                self.play(shared, principal, item_id, segment, (stream, from_ms, speed_permille, looping)).await
            }
            AudioRequest::Pause => self.command(StreamCommand::Pause),
            AudioRequest::Resume => self.command(StreamCommand::Resume),
            AudioRequest::Stop => self.command(StreamCommand::Stop),
        }
    }

    /// Stops any stream (the session is ending).
    pub(super) fn stop(&mut self) {
        self.command(StreamCommand::Stop);
        self.loaded = None;
    }

    fn command(&mut self, command: StreamCommand) -> Vec<Msg> {
        match &self.link {
            // A full queue means the streamer is stuck; the key is dropped rather than the TUI waiting.
            Some(link) if link.commands.try_send(command).is_ok() => Vec::new(),
            Some(_) => vec![Msg::Denied("audio: the audio channel is not responding".into())],
            None => vec![Msg::Audio(AudioMsg::Linked(false))],
        }
    }

    async fn load(&mut self, shared: &Shared, principal: &Principal, item_id: i64) -> Msg {
        self.loaded = None;
        let Fetched { project, playable, audio, levels } = match fetch(shared, principal, item_id).await {
            Ok(fetched) => fetched,
            Err(reason) => return Msg::Audio(AudioMsg::Unavailable { item_id, reason }),
        };
        // Who was shown which audio, as ids: the waveform of these playable segments.
        let kind = EventKind::Render {
            screen: "waveform".into(),
            segments: playable.iter().map(|s| s.id).collect(),
            mode: RenderMode::Masked,
        };
        if let Err(reason) = record(shared, principal, Some(project), kind).await {
            return Msg::Frozen(reason);
        }
        let waveform = Waveform {
            item_id,
            bucket_ms: crate::audio::waveform::BUCKET_MS,
            levels,
            duration_ms: audio.duration_ms(),
            playable: playable.iter().map(|s| s.id).collect(),
        };
        let audio = self.link.is_some().then(|| Arc::new(audio));
        self.loaded = Some(Loaded { item_id, project, audio, playable });
        Msg::Audio(AudioMsg::Loaded(waveform))
    }

    /// Starts a play after checking again that the policy allows it, and audits it first.
    async fn play(
        &mut self,
        shared: &Shared,
        principal: &Principal,
        item_id: i64,
        segment: i64,
        (generation, from_ms, speed_permille, looping): (u32, i64, u16, bool),
    ) -> Vec<Msg> {
        // A refused play ends the app's stream at once, so it never shows "playing" in vain.
        let fail = |text: String| {
            let ended = AudioMsg::Position { stream: generation, ms: from_ms, finished: true };
            vec![Msg::Denied(text), Msg::Audio(ended)]
        };
        if self.loaded.as_ref().is_some_and(|l| l.item_id == item_id && l.audio.is_none()) {
            // Paired after the item was opened: decode now (the store checks the policy again).
            match fetch(shared, principal, item_id).await {
                Ok(fetched) => {
                    if let Some(loaded) = self.loaded.as_mut().filter(|l| l.item_id == item_id) {
                        loaded.audio = Some(Arc::new(fetched.audio));
                    }
                }
                Err(reason) => return fail(reason),
            }
        }
        let Some(loaded) = self.loaded.as_ref().filter(|l| l.item_id == item_id) else {
            return fail("audio: still loading".into());
        };
        let Some(audio) = loaded.audio.clone() else {
            return fail("audio: still loading".into());
        };
        // The policy may have changed since the item was opened: ask the store again (no decrypt).
        let who = principal.clone();
        let now = shared.db.call(move |store| store.playable_segments(&who, item_id)).await;
        let allowed = match now {
            Ok(Ok((_, playable))) => playable.into_iter().find(|s| s.id == segment),
            Ok(Err(error)) => return fail(refusal(&error)),
            Err(error) => return fail(format!("audio: {error}")),
        };
        let Some(range) = allowed.filter(|s| loaded.playable.contains(s)) else {
            let kind = EventKind::Denial {
                action: format!("{:?}", crate::policy::Action::ListenAudio),
                reason: Denial::NotAssigned { segment }.to_string(),
            };
            if let Err(reason) = record(shared, principal, Some(loaded.project), kind).await {
                return vec![Msg::Frozen(reason)];
            }
            return fail("audio: this segment is not assigned to you".into());
        };
        let from_ms = from_ms.clamp(range.start_ms, range.end_ms);
        let kind = EventKind::AudioPlay {
            segment,
            start_ms: from_ms as u64,
            end_ms: range.end_ms as u64,
            speed: f32::from(speed_permille) / 1000.0,
        };
        // No record, no play.
        if let Err(reason) = record(shared, principal, Some(loaded.project), kind).await {
            return vec![Msg::Frozen(reason)];
        }
        let order = PlayOrder {
            generation,
            audio,
            segment,
            start_ms: range.start_ms as u32,
            end_ms: range.end_ms as u32,
            from_ms: from_ms as u32,
            speed_permille: speed_permille.clamp(crate::audio::stream::MIN_SPEED, crate::audio::stream::MAX_SPEED),
            looping,
        };
        self.command(StreamCommand::Play(order))
    }
}

/// Reads an item's audio through the store and decodes it off the session task, a bounded number
/// at once (the file is wiped when dropped).
async fn fetch(shared: &Shared, principal: &Principal, item_id: i64) -> Result<Fetched, String> {
    let who = principal.clone();
    let file = match shared.db.call(move |store| store.item_audio(&who, item_id)).await {
        Ok(Ok(file)) => file,
        Ok(Err(error)) => return Err(refusal(&error)),
        Err(error) => return Err(format!("audio: cannot be loaded ({error})")),
    };
    let (project, playable) = (file.project, file.playable.clone());
    let Ok(slot) = Arc::clone(&shared.decode_slots).acquire_owned().await else {
        return Err("audio: the server is shutting down".into());
    };
    let decoded = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        crate::audio::decode(&file.bytes).map(|audio| {
            let levels = crate::audio::waveform::rms_envelope(&audio);
            (audio, levels)
        })
    })
    .await;
    match decoded {
        Ok(Ok((audio, levels))) => Ok(Fetched { project, playable, audio, levels }),
        Ok(Err(error)) => Err(format!("audio: cannot be decoded ({error})")),
        Err(error) => Err(format!("audio: decoding failed ({error})")),
    }
}

/// What to tell the user when the store refuses audio.
fn refusal(error: &StoreError) -> String {
    match error {
        StoreError::Denied(Denial::AudioOff { .. }) => "audio: off for this project".into(),
        StoreError::Denied(Denial::AudioRole { role, .. }) => format!("audio: the {role} role may not listen here"),
        StoreError::Denied(denial) => format!("audio: not available to you ({denial})"),
        StoreError::NotFound { .. } => "audio: this item has no audio".into(),
        other => format!("audio: cannot be loaded ({other})"),
    }
}
