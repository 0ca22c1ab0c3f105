//! The audio strip of the item screen, frozen with insta: waveform with segment boundaries and
//! playhead, the plain-`ssh` hint, the playing status, the ASCII variant and a policy refusal.

use cloister::app::{Action, App, AudioMsg, Identity, ItemView, Keymap, Msg, SegmentLine, Waveform};
use cloister::ui::{Theme, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn segment(id: i64, start_ms: i64, end_ms: i64) -> SegmentLine {
    SegmentLine::new(
        id,
        start_ms,
        end_ms,
        if id % 2 == 0 { "customer" } else { "agent" },
        &format!("segment {id} text"),
    )
}

/// An item of four segments over 12 s with a waveform of speech bursts and pauses.
fn app() -> App {
    let identity =
        Identity { user: "alice".into(), role: "annotator".into(), session: "5e55107d0042".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let segments =
        vec![segment(1, 0, 2_600), segment(2, 3_000, 6_200), segment(3, 6_500, 9_000), segment(4, 9_400, 12_000)];
    let mut view = ItemView::new(1, "call-en-001", "calls-demo", 1, segments);
    view.current = 1;
    app.update(Msg::ItemLoaded(view));
    // 600 buckets of 20 ms: loud inside segments, quiet in the gaps, with a slow wobble.
    let levels = (0..600)
        .map(|i: i64| {
            let ms = i * 20;
            let speaking = [(0, 2_600), (3_000, 6_200), (6_500, 9_000), (9_400, 12_000)]
                .iter()
                .any(|&(s, e)| (s + 100..e - 100).contains(&ms));
            if speaking { (140 + (i * 37 % 115)) as u8 } else { 8 }
        })
        .collect();
    let waveform = Waveform { item_id: 1, bucket_ms: 20, levels, duration_ms: 12_000, playable: vec![1, 2, 3, 4] };
    app.update(Msg::Audio(AudioMsg::Loaded(waveform)));
    app
}

fn render(app: &App, theme: &Theme, (w, h): (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|frame| draw(frame, app, theme, &Keymap::default())).expect("draw");
    terminal.backend().to_string()
}

#[test]
fn plain_ssh_sees_the_waveform_and_the_hint() {
    let app = app();
    let screen = render(&app, &Theme::dark(), (80, 24));
    assert!(screen.contains("audio: connect with `cloister connect` to listen"), "{screen}");
    insta::assert_snapshot!("audio_not_linked_80x24", screen);
}

#[test]
fn linked_and_playing_shows_the_playhead_and_status() {
    let mut app = app();
    app.update(Msg::Audio(AudioMsg::Linked(true)));
    app.update(Msg::Action(Action::LoopSegment));
    app.update(Msg::Action(Action::Faster));
    app.update(Msg::Action(Action::PlayPause));
    let stream = app.playback.stream;
    app.update(Msg::Audio(AudioMsg::Position { stream, ms: 4_500, finished: false }));
    for size in [(80, 24), (120, 30)] {
        let screen = render(&app, &Theme::dark(), size);
        assert!(screen.contains("▶ playing 0:04.5 in 0:03.0–0:06.2 · 1.25× · loop"), "{screen}");
        insta::assert_snapshot!(format!("audio_playing_{}x{}", size.0, size.1), screen);
    }
    let ascii = render(&app, &Theme::dark().with_ascii_borders(true), (80, 24));
    assert!(ascii.contains('^') && ascii.contains("> playing") && !ascii.contains('▲'), "{ascii}");
    insta::assert_snapshot!("audio_playing_ascii_80x24", ascii);
}

#[test]
fn refused_audio_shows_the_reason_and_no_waveform() {
    let mut app = app();
    app.update(Msg::ItemLoaded(app.item.clone().expect("item")));
    app.update(Msg::Audio(AudioMsg::Unavailable { item_id: 1, reason: "audio: off for this project".into() }));
    let screen = render(&app, &Theme::dark(), (80, 24));
    assert!(screen.contains(" audio: off for this project"), "{screen}");
    assert!(!screen.contains('█') && !screen.contains('▲'), "no waveform: {screen}");
}
