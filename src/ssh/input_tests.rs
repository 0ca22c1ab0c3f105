//! Tests for [`super::InputDecoder`].

use std::time::{Duration, Instant};

use proptest::prelude::*;
use terminput::{MouseButton, MouseEventKind};

use super::*;

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const ALT: KeyModifiers = KeyModifiers::ALT;
const CTRL: KeyModifiers = KeyModifiers::CTRL;
const HOUR: Duration = Duration::from_secs(3600);

fn key(code: KeyCode) -> Input {
    Input::Key(KeyPress::from(code))
}

fn kmod(code: KeyCode, mods: KeyModifiers) -> Input {
    Input::Key(KeyPress::new(code, mods))
}

fn ch(c: char) -> Input {
    let mods = if c.is_uppercase() { SHIFT } else { NONE };
    kmod(KeyCode::Char(c), mods)
}

fn paste(s: &str) -> Input {
    Input::Paste(s.to_owned())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Feeds `pieces` at one instant, then flushes far in the future.
fn decode_pieces(pieces: &[&[u8]]) -> Vec<Input> {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    let mut out = Vec::new();
    for piece in pieces {
        out.extend(d.feed(piece, t0));
    }
    out.extend(d.flush_timeout(t0 + HOUR));
    assert_eq!(d.pending_deadline(), None, "decoder not idle after flush");
    out
}

fn decode(bytes: &[u8]) -> Vec<Input> {
    decode_pieces(&[bytes])
}

fn decode_bytewise(bytes: &[u8]) -> Vec<Input> {
    let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
    decode_pieces(&pieces)
}

fn table() -> Vec<(String, Vec<u8>, Vec<Input>)> {
    use KeyCode::*;
    let mut rows: Vec<(&str, &[u8], Vec<Input>)> = vec![
        // Plain keys.
        ("letter", b"a", vec![ch('a')]),
        ("uppercase", b"Z", vec![kmod(Char('Z'), SHIFT)]),
        ("digits space tilde", b"1 ~", vec![ch('1'), ch(' '), ch('~')]),
        ("enter cr", b"\r", vec![key(Enter)]),
        ("enter lf", b"\n", vec![key(Enter)]),
        ("tab", b"\t", vec![key(Tab)]),
        ("shift-tab", b"\x1b[Z", vec![kmod(Tab, SHIFT)]),
        ("backspace del", b"\x7f", vec![key(Backspace)]),
        ("backspace bs", b"\x08", vec![key(Backspace)]),
        ("ctrl-c", b"\x03", vec![kmod(Char('c'), CTRL)]),
        ("ctrl-s", b"\x13", vec![kmod(Char('s'), CTRL)]),
        ("ctrl-space", b"\x00", vec![kmod(Char(' '), CTRL)]),
        // Arrows, normal and application cursor mode, with modifiers.
        ("up", b"\x1b[A", vec![key(Up)]),
        ("down", b"\x1b[B", vec![key(Down)]),
        ("right", b"\x1b[C", vec![key(Right)]),
        ("left", b"\x1b[D", vec![key(Left)]),
        ("ss3 arrows", b"\x1bOA\x1bOB\x1bOC\x1bOD", vec![key(Up), key(Down), key(Right), key(Left)]),
        ("ctrl-up", b"\x1b[1;5A", vec![kmod(Up, CTRL)]),
        ("ctrl-down", b"\x1b[1;5B", vec![kmod(Down, CTRL)]),
        ("ctrl-right", b"\x1b[1;5C", vec![kmod(Right, CTRL)]),
        ("ctrl-left", b"\x1b[1;5D", vec![kmod(Left, CTRL)]),
        ("shift-up", b"\x1b[1;2A", vec![kmod(Up, SHIFT)]),
        ("alt-left", b"\x1b[1;3D", vec![kmod(Left, ALT)]),
        ("ctrl-shift-end", b"\x1b[1;6F", vec![kmod(End, CTRL | SHIFT)]),
        // Editing keys in their several encodings.
        ("home csi", b"\x1b[H", vec![key(Home)]),
        ("home tilde", b"\x1b[1~", vec![key(Home)]),
        ("home ss3", b"\x1bOH", vec![key(Home)]),
        ("home rxvt", b"\x1b[7~", vec![key(Home)]),
        ("end csi", b"\x1b[F", vec![key(End)]),
        ("end tilde", b"\x1b[4~", vec![key(End)]),
        ("end ss3", b"\x1bOF", vec![key(End)]),
        ("end rxvt", b"\x1b[8~", vec![key(End)]),
        ("insert", b"\x1b[2~", vec![key(Insert)]),
        ("delete", b"\x1b[3~", vec![key(Delete)]),
        ("ctrl-delete", b"\x1b[3;5~", vec![kmod(Delete, CTRL)]),
        ("page up", b"\x1b[5~", vec![key(PageUp)]),
        ("page down", b"\x1b[6~", vec![key(PageDown)]),
        // Function keys.
        ("f1-f4 ss3", b"\x1bOP\x1bOQ\x1bOR\x1bOS", vec![key(F(1)), key(F(2)), key(F(3)), key(F(4))]),
        ("f1-f4 tilde", b"\x1b[11~\x1b[12~\x1b[13~\x1b[14~", vec![key(F(1)), key(F(2)), key(F(3)), key(F(4))]),
        ("f1-f5 linux", b"\x1b[[A\x1b[[B\x1b[[C\x1b[[D\x1b[[E", (1..=5).map(|n| key(F(n))).collect()),
        ("f5-f8", b"\x1b[15~\x1b[17~\x1b[18~\x1b[19~", vec![key(F(5)), key(F(6)), key(F(7)), key(F(8))]),
        ("f9-f12", b"\x1b[20~\x1b[21~\x1b[23~\x1b[24~", vec![key(F(9)), key(F(10)), key(F(11)), key(F(12))]),
        ("shift-f5", b"\x1b[15;2~", vec![kmod(F(5), SHIFT)]),
        ("ctrl-f1", b"\x1b[1;5P", vec![kmod(F(1), CTRL)]),
        // Alt combinations and Esc.
        ("alt-x", b"\x1bx", vec![kmod(Char('x'), ALT)]),
        ("alt-shift-x", b"\x1bX", vec![kmod(Char('X'), ALT | SHIFT)]),
        ("alt-enter", b"\x1b\r", vec![kmod(Enter, ALT)]),
        ("alt-enter lf", b"\x1b\n", vec![kmod(Enter, ALT)]),
        ("alt-backspace", b"\x1b\x7f", vec![kmod(Backspace, ALT)]),
        ("alt-backspace bs", b"\x1b\x08", vec![kmod(Backspace, ALT)]),
        ("alt-ctrl-c", b"\x1b\x03", vec![kmod(Char('c'), ALT | CTRL)]),
        ("alt-e-acute", "\x1bé".as_bytes(), vec![kmod(Char('é'), ALT)]),
        ("alt-[ then text", b"\x1b[", vec![kmod(Char('['), ALT)]),
        ("lone esc", b"\x1b", vec![key(Esc)]),
        ("esc esc", b"\x1b\x1b", vec![key(Esc), key(Esc)]),
        ("esc esc esc", b"\x1b\x1b\x1b", vec![key(Esc), key(Esc), key(Esc)]),
        ("esc esc up", b"\x1b\x1b[A", vec![key(Esc), key(Up)]),
        ("esc then alt-x", b"\x1b\x1bx", vec![key(Esc), kmod(Char('x'), ALT)]),
        // UTF-8.
        ("e acute", "é".as_bytes(), vec![ch('é')]),
        ("uppercase e acute", "É".as_bytes(), vec![kmod(Char('É'), SHIFT)]),
        ("cjk", "漢字".as_bytes(), vec![ch('漢'), ch('字')]),
        ("emoji", "👍".as_bytes(), vec![ch('👍')]),
        (
            "zwj sequence",
            "👨\u{200d}👩\u{200d}👧".as_bytes(),
            vec![ch('👨'), ch('\u{200d}'), ch('👩'), ch('\u{200d}'), ch('👧')],
        ),
        // Bracketed paste.
        ("paste", b"\x1b[200~hello\r\nworld\x1b[201~", vec![paste("hello\r\nworld")]),
        ("empty paste", b"\x1b[200~\x1b[201~", vec![paste("")]),
        ("paste unicode", "\x1b[200~漢👍é\x1b[201~".as_bytes(), vec![paste("漢👍é")]),
        ("paste with esc seqs", b"\x1b[200~a\x1b[Ab\x1b[20x\x1b\x1b[201~", vec![paste("a\x1b[Ab\x1b[20x\x1b")]),
        ("paste invalid utf-8", b"\x1b[200~a\xffb\xc3\x1b[201~", vec![paste("a\u{fffd}b\u{fffd}")]),
        ("keys around paste", b"x\x1b[200~p\x1b[201~\x1b[A", vec![ch('x'), paste("p"), key(Up)]),
        ("paste start is not f9", b"\x1b[20~", vec![key(F(9))]),
        // Mouse, focus and kitty-protocol reports.
        (
            "sgr mouse",
            b"\x1b[<0;10;5M",
            vec![Input::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 9,
                row: 4,
                modifiers: NONE,
            })],
        ),
        (
            "x10 mouse",
            b"\x1b[M !!",
            vec![Input::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 0,
                row: 0,
                modifiers: NONE,
            })],
        ),
        ("bad x10 mouse", b"\x1b[M\x10!!a", vec![ch('a')]),
        ("unknown linux console key", b"\x1b[[Za", vec![ch('a')]),
        ("focus", b"\x1b[I\x1b[O", vec![Input::Focus(true), Input::Focus(false)]),
        ("kitty ctrl-a", b"\x1b[97;5u", vec![kmod(Char('a'), CTRL)]),
        ("kitty release dropped", b"\x1b[97;1:3ub", vec![ch('b')]),
        // Garbage and recovery.
        ("lone 0xff", b"\xffa", vec![ch('a')]),
        ("lone continuation", b"\x80\xbfa", vec![ch('a')]),
        ("truncated 2-byte utf-8", b"\xc3a", vec![ch('a')]),
        ("truncated 3-byte utf-8", b"\xe6\xbca", vec![ch('a')]),
        ("truncated 4-byte utf-8 then esc", b"\xf0\x9f\x1b[A", vec![key(Up)]),
        ("surrogate", b"\xed\xa0\x80a", vec![ch('a')]),
        ("stray paste end", b"\x1b[201~a", vec![ch('a')]),
        ("unknown tilde key", b"\x1b[99~a", vec![ch('a')]),
        ("unknown private csi", b"\x1b[?1;2xa", vec![ch('a')]),
        ("csi broken by ctrl", b"\x1b[1;\x03", vec![kmod(Char('c'), CTRL)]),
        ("csi broken by utf-8", "\x1b[1é".as_bytes(), vec![ch('é')]),
        ("alt broken utf-8", b"\x1b\xc3a", vec![ch('a')]),
        ("esc then invalid", b"\x1b\xffa", vec![key(Esc), ch('a')]),
        ("unknown ss3", b"\x1bOza", vec![kmod(Char('O'), ALT | SHIFT), ch('z'), ch('a')]),
        ("mouse zero coordinate", b"\x1b[<0;0;0Ma", vec![ch('a')]),
        ("rxvt mouse zero coordinate", b"\x1b[32;0;5Ma", vec![ch('a')]),
        ("incomplete utf-8 at end", b"a\xc3", vec![ch('a')]),
    ];
    let long_csi = [b"\x1b[".as_slice(), &[b'1'; 100], b"Aa"].concat();
    rows.push(("overlong csi", &long_csi, vec![ch('a')]));
    let mut rows: Vec<(String, Vec<u8>, Vec<Input>)> =
        rows.into_iter().map(|(n, b, e)| (n.to_owned(), b.to_vec(), e)).collect();
    for byte in 1u8..=26 {
        let expected = match byte {
            0x08 => key(Backspace),
            0x09 => key(Tab),
            0x0a | 0x0d => key(Enter),
            _ => kmod(Char(char::from(b'a' + byte - 1)), CTRL),
        };
        rows.push((format!("ctrl byte {byte:#04x}"), vec![byte], vec![expected]));
    }
    rows
}

#[test]
fn table_whole_bytewise_and_after_text() {
    for (name, bytes, expected) in table() {
        assert_eq!(decode(&bytes), expected, "{name}: fed whole");
        assert_eq!(decode_bytewise(&bytes), expected, "{name}: fed byte by byte");
        // The decoder is left in a clean state: following text is unaffected.
        let mut followed = expected.clone();
        followed.extend([ch('o'), ch('k')]);
        let mut after = bytes.clone();
        if expected.last() == Some(&key(KeyCode::Esc)) || name.starts_with("alt-[") {
            continue; // A held ESC / ESC [ would combine with the text.
        }
        after.extend(b"ok");
        assert_eq!(decode(&after), followed, "{name}: followed by text");
    }
}

#[test]
fn keys_are_emitted_at_feed_time() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"a\x1b[A\x1b[1;5C", t0), vec![ch('a'), key(KeyCode::Up), kmod(KeyCode::Right, CTRL)]);
    assert_eq!(d.pending_deadline(), None);
}

#[test]
fn lone_esc_waits_for_timeout() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"\x1b", t0), vec![]);
    assert_eq!(d.pending_deadline(), Some(t0 + ESC_TIMEOUT));
    assert_eq!(d.flush_timeout(t0 + ms(29)), vec![]);
    assert_eq!(d.flush_timeout(t0 + ESC_TIMEOUT), vec![key(KeyCode::Esc)]);
    assert_eq!(d.pending_deadline(), None);
    assert_eq!(d.flush_timeout(t0 + HOUR), vec![]);
}

#[test]
fn esc_then_rest_of_sequence_in_later_packet() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"ab\x1b", t0), vec![ch('a'), ch('b')]);
    assert_eq!(d.flush_timeout(t0 + ms(20)), vec![]);
    assert_eq!(d.feed(b"[A", t0 + ms(25)), vec![key(KeyCode::Up)]);
    // Same for ESC [ held, then the parameters later.
    assert_eq!(d.feed(b"\x1b[", t0 + ms(100)), vec![]);
    assert_eq!(d.feed(b"1;5", t0 + ms(120)), vec![]);
    assert_eq!(d.feed(b"D", t0 + ms(140)), vec![kmod(KeyCode::Left, CTRL)]);
}

#[test]
fn esc_then_letter_after_timeout_is_esc_and_letter() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"\x1b", t0), vec![]);
    // Timer fired late (or never): the expired ESC is still read as Esc.
    assert_eq!(d.feed(b"x", t0 + ms(31)), vec![key(KeyCode::Esc), ch('x')]);
    // Within the timeout the same bytes are Alt-x.
    assert_eq!(d.feed(b"\x1b", t0 + ms(40)), vec![]);
    assert_eq!(d.feed(b"x", t0 + ms(50)), vec![kmod(KeyCode::Char('x'), ALT)]);
}

#[test]
fn ambiguous_prefixes_time_out_as_alt_keys() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"\x1bO", t0), vec![]);
    assert_eq!(d.pending_deadline(), Some(t0 + ESC_TIMEOUT));
    let alt_o = kmod(KeyCode::Char('O'), ALT | SHIFT);
    assert_eq!(d.flush_timeout(t0 + ESC_TIMEOUT), vec![alt_o]);
}

#[test]
fn incomplete_sequences_stall_longer_and_utf8_never_times_out() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"\x1b[1;", t0), vec![]);
    assert_eq!(d.pending_deadline(), Some(t0 + STALL_TIMEOUT));
    assert_eq!(d.feed(b"5A", t0 + ms(500)), vec![kmod(KeyCode::Up, CTRL)]);
    assert_eq!(d.feed(b"\x1b[1;", t0), vec![]);
    assert_eq!(d.flush_timeout(t0 + STALL_TIMEOUT), vec![]);
    assert_eq!(d.pending_deadline(), None);
    assert_eq!(d.feed(b"\xc3", t0), vec![]);
    assert_eq!(d.pending_deadline(), None);
    assert_eq!(d.feed(b"\xa9", t0 + HOUR), vec![ch('é')]);
}

#[test]
fn stalled_paste_is_emitted_after_stall_timeout() {
    let t0 = Instant::now();
    let mut d = InputDecoder::new();
    assert_eq!(d.feed(b"\x1b[200~abc\x1b[20", t0), vec![]);
    assert_eq!(d.pending_deadline(), Some(t0 + STALL_TIMEOUT));
    assert_eq!(d.flush_timeout(t0 + ms(1999)), vec![]);
    assert_eq!(d.flush_timeout(t0 + STALL_TIMEOUT), vec![paste("abc")]);
    assert_eq!(d.feed(b"x", t0 + HOUR), vec![ch('x')]);
}

#[test]
fn paste_split_at_every_point() {
    let bytes = "k\x1b[200~漢 a\x1b[2\x1b[201~\x1b[A".as_bytes();
    let expected = vec![ch('k'), paste("漢 a\x1b[2"), key(KeyCode::Up)];
    for i in 0..=bytes.len() {
        assert_eq!(decode_pieces(&[&bytes[..i], &bytes[i..]]), expected, "split at {i}");
    }
}

#[test]
fn one_mib_paste_is_one_event() {
    let text = "abcdefgh".repeat(PASTE_CAP / 8);
    let bytes = [PASTE_START, text.as_bytes(), PASTE_END, b"z"].concat();
    let check = |events: Vec<Input>| {
        assert_eq!(events.len(), 2);
        let Input::Paste(got) = &events[0] else { panic!("not a paste: {:?}", events[0]) };
        assert_eq!(got.len(), PASTE_CAP);
        assert!(got == &text);
        assert_eq!(events[1], ch('z'));
    };
    check(decode(&bytes));
    check(decode_pieces(&bytes.chunks(1000).collect::<Vec<_>>()));
    check(decode_bytewise(&bytes));
}

#[test]
fn over_cap_paste_is_truncated_and_ends_cleanly() {
    let text = "a".repeat(PASTE_CAP + 5000);
    let bytes = [PASTE_START, text.as_bytes(), PASTE_END, b"z"].concat();
    let events = decode_pieces(&bytes.chunks(4096).collect::<Vec<_>>());
    assert_eq!(events.len(), 2);
    let Input::Paste(got) = &events[0] else { panic!("not a paste") };
    assert_eq!(got.len(), PASTE_CAP);
    assert_eq!(events[1], ch('z'));
    // The cap cuts 'é' in half: the half is dropped, not turned into U+FFFD.
    let text = format!("a{}", "é".repeat(PASTE_CAP / 2));
    let events = decode(&[PASTE_START, text.as_bytes(), PASTE_END].concat());
    let [Input::Paste(got)] = events.as_slice() else { panic!("not one paste") };
    assert_eq!(got.len(), PASTE_CAP - 1);
    assert!(got.ends_with('é'));
}

#[test]
fn debug_does_not_show_pending_bytes() {
    let mut d = InputDecoder::new();
    let _ = d.feed(b"\x1b[200~secret", Instant::now());
    let shown = format!("{d:?}");
    assert!(!shown.contains("secret") && !shown.contains("115"), "{shown}");
}

/// One key or paste as bytes and the events it must decode to.
fn token() -> impl Strategy<Value = (Vec<u8>, Vec<Input>)> {
    use KeyCode::*;
    let fixed: Vec<(&[u8], Input)> = vec![
        (b"\x1b[A", key(Up)),
        (b"\x1b[B", key(Down)),
        (b"\x1bOC", key(Right)),
        (b"\x1b[1;5D", kmod(Left, CTRL)),
        (b"\x1b[Z", kmod(Tab, SHIFT)),
        (b"\x1b[1~", key(Home)),
        (b"\x1bOF", key(End)),
        (b"\x1b[3~", key(Delete)),
        (b"\x1b[5~", key(PageUp)),
        (b"\x1bOP", key(F(1))),
        (b"\x1b[15~", key(F(5))),
        (b"\x1b[24~", key(F(12))),
        (b"\x1b[20~", key(F(9))),
        (b"\r", key(Enter)),
        (b"\n", key(Enter)),
        (b"\x7f", key(Backspace)),
        (b"\t", key(Tab)),
        (b"\x1b", key(Esc)),
    ];
    prop_oneof![
        prop::sample::select(fixed).prop_map(|(b, e)| (b.to_vec(), vec![e])),
        prop::char::range('a', 'z').prop_map(|c| (vec![c as u8], vec![ch(c)])),
        prop::char::range('A', 'Z').prop_map(|c| (vec![0x1b, c as u8], vec![kmod(KeyCode::Char(c), ALT | SHIFT)])),
        prop::char::range('a', 'z').prop_map(|c| (vec![0x1b, c as u8], vec![kmod(KeyCode::Char(c), ALT)])),
        any::<char>()
            .prop_filter("printable", |c| *c >= ' ' && *c != '\x7f')
            .prop_map(|c| (c.to_string().into_bytes(), vec![ch(c)])),
        (1u8..=26)
            .prop_filter("plain ctrl letter", |b| ![8, 9, 10, 13].contains(b))
            .prop_map(|b| (vec![b], vec![kmod(KeyCode::Char(char::from(b'a' + b - 1)), CTRL)])),
        "[^\x1b]{0,40}".prop_map(|s| ([PASTE_START, s.as_bytes(), PASTE_END].concat(), vec![Input::Paste(s)])),
    ]
}

/// A token sequence as bytes and expected events. Tokens that would merge
/// with the next one into a different key are left out: a bare ESC unless
/// followed by ESC (else Alt-x), and Alt-O before `A`-`D`, `F`, `H`, `P`-`S`
/// (else an SS3 key such as F1).
fn script() -> impl Strategy<Value = (Vec<u8>, Vec<Input>)> {
    prop::collection::vec(token(), 0..12).prop_map(|tokens| {
        let mut kept: Vec<(Vec<u8>, Vec<Input>)> = Vec::new();
        for (b, e) in tokens.into_iter().rev() {
            let next = kept.last().and_then(|(n, _)| n.first().copied());
            let merges = match b.as_slice() {
                b"\x1b" => next.is_some_and(|n| n != 0x1b),
                b"\x1bO" => next.is_some_and(|n| b"ABCDFHPQRS".contains(&n)),
                _ => false,
            };
            if !merges {
                kept.push((b, e));
            }
        }
        kept.into_iter().rev().fold((Vec::new(), Vec::new()), |(mut bytes, mut events), (b, e)| {
            bytes.extend(b);
            events.extend(e);
            (bytes, events)
        })
    })
}

/// Garbage: random bytes mixed with fragments of real sequences.
fn garbage() -> impl Strategy<Value = Vec<u8>> {
    let fragment = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        prop::sample::select(vec![
            b"\x1b".as_slice(),
            b"[",
            b"O",
            b"\x1b[200~",
            b"\x1b[201~",
            b"\x1b[<",
            b"\x1b[M",
            b"\x1b[<0;",
            b"\x1b[35;",
            b"0;",
            b"1;",
            b"\x1b[[",
            b";",
            b"0",
            b"1",
            b"5",
            b"~",
            b"M",
            b"m",
            b"u",
            b"?",
            b"\xc3",
            b"\xe6\xbc",
            b"\xf0\x9f\x91",
        ])
        .prop_map(|f| f.to_vec()),
    ];
    prop::collection::vec(fragment, 0..64).prop_map(|fs| fs.concat())
}

proptest! {
    #[test]
    fn every_two_way_split_decodes_like_whole((bytes, expected) in script()) {
        prop_assert_eq!(decode(&bytes), expected.clone());
        for i in 0..=bytes.len() {
            prop_assert_eq!(decode_pieces(&[&bytes[..i], &bytes[i..]]), expected.clone(), "split at {}", i);
        }
    }

    #[test]
    fn random_splits_decode_like_whole(
        (bytes, expected) in script(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            pieces.push(&bytes[start..cut]);
            start = cut;
        }
        prop_assert_eq!(decode_pieces(&pieces), expected.clone());
        prop_assert_eq!(decode_bytewise(&bytes), expected);
    }

    #[test]
    fn garbage_never_panics_or_wedges(
        bytes in prop_oneof![prop::collection::vec(any::<u8>(), 0..256), garbage()],
        chunk in 1usize..16,
    ) {
        let t0 = Instant::now();
        let mut d = InputDecoder::new();
        for piece in bytes.chunks(chunk) {
            let _ = d.feed(piece, t0);
        }
        let _ = d.flush_timeout(t0 + HOUR);
        prop_assert_eq!(d.feed(b"abc", t0 + HOUR), vec![ch('a'), ch('b'), ch('c')]);
        prop_assert_eq!(d.pending_deadline(), None);
    }
}
