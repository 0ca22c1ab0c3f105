use super::*;
use crate::app::{Identity, ItemView, Msg, SegmentLine};

const ITEM: i64 = 9;

fn segment(id: i64, start_ms: i64, end_ms: i64, context: bool) -> SegmentLine {
    let mut line = SegmentLine::new(id, start_ms, end_ms, "agent", &format!("segment {id}"));
    line.context = context;
    line
}

/// An app with an item of three segments open (the third is context), its waveform loaded and
/// an audio channel linked.
fn app() -> App {
    let identity = Identity { user: "alice".into(), role: "annotator".into(), session: "s1".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let segments = vec![segment(1, 0, 4_000, false), segment(2, 4_000, 9_000, false), segment(3, 9_000, 12_000, true)];
    let view = ItemView::new(ITEM, "call", "p", 1, segments);
    let effects = app.update(Msg::ItemLoaded(view));
    assert_eq!(effects, vec![Effect::Audio(AudioRequest::Load { item_id: ITEM })]);
    assert_eq!(app.playback.audio, AudioState::Loading);
    let waveform =
        Waveform { item_id: ITEM, bucket_ms: 20, levels: vec![100; 600], duration_ms: 12_000, playable: vec![1, 2] };
    app.update(Msg::Audio(AudioMsg::Loaded(waveform)));
    app.update(Msg::Audio(AudioMsg::Linked(true)));
    app
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    app.update(Msg::Action(action))
}

fn play(stream: u32, segment: i64, range: (i64, i64), from_ms: i64, speed: u16, looping: bool) -> Effect {
    Effect::Audio(AudioRequest::Play {
        stream,
        item_id: ITEM,
        segment,
        start_ms: range.0,
        end_ms: range.1,
        from_ms,
        speed_permille: speed,
        looping,
    })
}

#[test]
fn space_plays_pauses_and_resumes_the_selected_segment() {
    let mut app = app();
    assert_eq!(act(&mut app, Action::PlayPause), vec![play(1, 1, (0, 4_000), 0, 1000, false)]);
    assert!(app.playback.playing);
    app.update(Msg::Audio(AudioMsg::Position { stream: 1, ms: 1_500, finished: false }));
    assert_eq!(act(&mut app, Action::PlayPause), vec![Effect::Audio(AudioRequest::Pause)]);
    assert!(!app.playback.playing && app.playback.paused);
    assert_eq!(act(&mut app, Action::PlayPause), vec![Effect::Audio(AudioRequest::Resume)]);
    // The stream played to its end: Space starts the segment again.
    app.update(Msg::Audio(AudioMsg::Position { stream: 1, ms: 4_000, finished: true }));
    assert!(!app.playback.playing);
    assert_eq!(act(&mut app, Action::PlayPause), vec![play(2, 1, (0, 4_000), 0, 1000, false)]);
}

#[test]
fn seek_loop_and_speed_restart_the_stream_from_the_playhead() {
    let mut app = app();
    act(&mut app, Action::PlayPause);
    app.update(Msg::Audio(AudioMsg::Position { stream: 1, ms: 1_000, finished: false }));
    assert_eq!(act(&mut app, Action::SeekForward), vec![play(2, 1, (0, 4_000), 3_000, 1000, false)]);
    assert_eq!(act(&mut app, Action::SeekForward), vec![play(3, 1, (0, 4_000), 3_900, 1000, false)], "clamped");
    assert_eq!(act(&mut app, Action::SeekBack), vec![play(4, 1, (0, 4_000), 1_900, 1000, false)]);
    assert_eq!(act(&mut app, Action::SeekBack), vec![play(5, 1, (0, 4_000), 0, 1000, false)], "clamped");
    assert_eq!(act(&mut app, Action::LoopSegment), vec![play(6, 1, (0, 4_000), 0, 1000, true)]);
    assert_eq!(act(&mut app, Action::Faster), vec![play(7, 1, (0, 4_000), 0, 1250, true)]);
    for _ in 0..5 {
        act(&mut app, Action::Faster);
    }
    assert_eq!(app.playback.speed_permille, 2000, "at most 2×");
    for _ in 0..9 {
        act(&mut app, Action::Slower);
    }
    assert_eq!(app.playback.speed_permille, 500, "at least 0.5×");
    assert_eq!(app.notice.as_deref(), Some("speed: 0.5×"));
    // Reports of an older stream never move the playhead back.
    let latest = app.playback.stream;
    app.update(Msg::Audio(AudioMsg::Position { stream: latest - 1, ms: 3_000, finished: true }));
    assert!(app.playback.playing && app.playback.position_ms == 0);
}

#[test]
fn playback_follows_the_selected_segment() {
    let mut app = app();
    // Not playing: the playhead moves, nothing streams.
    assert_eq!(act(&mut app, Action::Down), Vec::new());
    assert_eq!(app.playback.position_ms, 4_000);
    act(&mut app, Action::Up);
    act(&mut app, Action::PlayPause);
    // Playing: the next segment plays from its start.
    assert_eq!(act(&mut app, Action::Down), vec![play(2, 2, (4_000, 9_000), 4_000, 1000, false)]);
    // The context segment is shown but not playable: playback stops with a reason.
    assert_eq!(act(&mut app, Action::Down), vec![Effect::Audio(AudioRequest::Stop)]);
    assert!(!app.playback.playing);
    assert_eq!(app.notice.as_deref(), Some("audio: this segment is not assigned to you"));
}

#[test]
fn nothing_plays_without_a_channel_or_permission() {
    let mut app = app();
    app.update(Msg::Audio(AudioMsg::Linked(false)));
    assert_eq!(act(&mut app, Action::PlayPause), Vec::new());
    assert_eq!(app.notice.as_deref(), Some(CONNECT_HINT));
    app.update(Msg::Audio(AudioMsg::Linked(true)));
    let reason = "audio: off for this project".to_string();
    app.update(Msg::Audio(AudioMsg::Unavailable { item_id: ITEM, reason: reason.clone() }));
    assert_eq!(act(&mut app, Action::PlayPause), Vec::new());
    assert_eq!(app.notice, Some(reason));
    // A late waveform of another item is ignored.
    let other = Waveform { item_id: ITEM + 1, bucket_ms: 20, levels: vec![], duration_ms: 0, playable: vec![1] };
    app.update(Msg::Audio(AudioMsg::Loaded(other)));
    assert!(matches!(app.playback.audio, AudioState::Unavailable(_)));
}

#[test]
fn leaving_locking_or_freezing_stops_the_audio() {
    let mut app = app();
    act(&mut app, Action::PlayPause);
    assert_eq!(app.update(Msg::IdleLock), vec![Effect::Audio(AudioRequest::Stop)]);
    assert!(!app.playback.playing);
    app.update(Msg::UnboundKey);
    act(&mut app, Action::PlayPause);
    assert_eq!(app.update(Msg::Frozen("disk full".into())), vec![Effect::Audio(AudioRequest::Stop)]);
    app.update(Msg::Unfrozen);
    act(&mut app, Action::PlayPause);
    act(&mut app, Action::PlayPause);
    assert_eq!(act(&mut app, Action::Back), vec![Effect::Audio(AudioRequest::Stop), Effect::LoadHome], "paused too");
    assert_eq!(app.playback.audio, AudioState::None);
}

#[test]
fn editing_types_space_and_ctrl_p_plays() {
    let mut app = app();
    act(&mut app, Action::Open);
    assert_eq!(app.mode(), crate::app::Mode::Edit);
    let keymap = crate::app::Keymap::default();
    let ctrl_p = keymap.action_in(crate::app::Mode::Edit, terminput::KeyCode::Char('p'), terminput::KeyModifiers::CTRL);
    assert_eq!(ctrl_p, Some(Action::PlayPause));
    let space = keymap.action_in(crate::app::Mode::Edit, terminput::KeyCode::Char(' '), terminput::KeyModifiers::NONE);
    assert_eq!(space, None, "space types text while editing");
    assert_eq!(act(&mut app, Action::PlayPause), vec![play(1, 1, (0, 4_000), 0, 1000, false)]);
}

#[test]
fn speed_labels_read_naturally() {
    let labels: Vec<String> = SPEEDS.iter().map(|&s| speed_label(s)).collect();
    assert_eq!(labels, ["0.5×", "0.75×", "1×", "1.25×", "1.5×", "2×"]);
}
