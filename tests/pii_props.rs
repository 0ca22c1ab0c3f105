//! Properties of detection and masking on arbitrary text: no panics, well-formed spans,
//! masking only ever replaces detected spans.

use cloister::pii::{self, DetectOptions, MaskPolicy, MaskStyle};
use proptest::prelude::*;

/// Text mixing digits, separators, number words, cue words, accents, Devanagari, Han and emoji.
fn texty() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "4539 1488 0343 6467",
        "415-555-0132",
        "+49 30 1234567",
        "my name is",
        "Daniel",
        "Okafor",
        "four",
        "one",
        "five",
        "double",
        "oh",
        "seis",
        "null",
        "नौ",
        "आठ",
        "मेरा नाम",
        "है",
        "我叫",
        "王小明",
        "@",
        "example.com",
        " dot ",
        " at ",
        "192.168.0.1",
        "2001:db8::1",
        "12 March 1984",
        "1990-05-17",
        "Street",
        "42",
        "Elm",
        "Calle",
        "straße",
        ", ",
        ". ",
        " ",
        "-",
        "/",
        ":",
        "é",
        "e\u{301}",
        "🙏",
        "DE89 3704 0044 0532 0130 00",
        "987-65-4321",
        "#A-99812",
        "I live at",
        "Sure",
        "Tom",
        "9",
        "0",
        "\u{302}",
    ]);
    prop::collection::vec(prop_oneof![pieces.prop_map(str::to_string), "\\PC{0,6}"], 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn spans_are_sorted_disjoint_and_in_range(text in texty()) {
        let opts = DetectOptions::with_names(["Daniel Okafor", "王小明"]).expect("compiles");
        let spans = pii::detect(&text, &opts);
        let n = text.chars().count();
        for s in &spans {
            prop_assert!(s.start < s.end && s.end <= n, "{s:?} in {n} chars");
        }
        for w in spans.windows(2) {
            prop_assert!(w[0].end <= w[1].start, "{:?} overlaps {:?}", w[0], w[1]);
        }
        // Raw style gives the text back; placeholders keep everything outside the spans.
        prop_assert_eq!(pii::mask(&text, &spans, &MaskPolicy::uniform(MaskStyle::Raw)), text.clone());
        let masked = pii::mask(&text, &spans, &MaskPolicy::default());
        let chars: Vec<char> = text.chars().collect();
        let mut expected = String::new();
        let mut pos = 0;
        for s in &spans {
            expected.extend(&chars[pos..s.start]);
            expected.push_str(&format!("[{}]", s.kind));
            pos = s.end;
        }
        expected.extend(&chars[pos..]);
        prop_assert_eq!(masked, expected);
        let _ = pii::mask(&text, &spans, &MaskPolicy::uniform(MaskStyle::Partial));
    }

    #[test]
    fn placeholders_are_never_detected_again(text in texty()) {
        let opts = DetectOptions::new();
        let once = pii::detect_and_mask(&text, &opts, &MaskPolicy::default());
        let spans = pii::detect(&once, &opts);
        let chars: Vec<char> = once.chars().collect();
        for s in spans {
            let piece: String = chars[s.start..s.end].iter().collect();
            prop_assert!(!piece.contains('['), "re-detected a placeholder: {piece:?} in {once:?}");
        }
    }
}
