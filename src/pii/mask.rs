//! Masking: typed placeholders or partial forms per kind, chosen by a [`MaskPolicy`]; and the
//! per-role policy map ([`RoleMaskPolicy`]) that project configuration carries.

use super::scan::ascii_digits;
use super::{PiiKind, Span};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one kind of PII is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaskStyle {
    /// A typed placeholder: `[PHONE]`.
    #[default]
    Placeholder,
    /// A placeholder keeping a harmless part: `[CARD ••••6467]`, `[EMAIL •••@example.com]`
    /// (see `docs/PII.md` for each kind); kinds without a partial form use the placeholder.
    Partial,
    /// The original text, unmasked.
    Raw,
}

/// Which style each kind of PII gets. The default masks everything with typed placeholders.
///
/// In TOML: `default = "placeholder"` and `kinds = { CARD = "partial", DATE = "raw" }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaskPolicy {
    /// The style of kinds not listed in `kinds`.
    pub default: MaskStyle,
    /// Per-kind styles, overriding `default`.
    pub kinds: BTreeMap<PiiKind, MaskStyle>,
}

/// Mask everything with placeholders (what [`MaskPolicy::default`] gives), as a static.
static MASK_ALL: MaskPolicy = MaskPolicy { default: MaskStyle::Placeholder, kinds: BTreeMap::new() };

impl MaskPolicy {
    /// Every kind masked with typed placeholders.
    pub fn mask_all() -> Self {
        Self::default()
    }

    /// Every kind in `style`.
    pub fn uniform(style: MaskStyle) -> Self {
        Self { default: style, kinds: BTreeMap::new() }
    }

    /// The style for `kind`.
    pub fn style(&self, kind: PiiKind) -> MaskStyle {
        self.kinds.get(&kind).copied().unwrap_or(self.default)
    }
}

/// Mask policies per role name ("annotator", "qa", "reviewer"…). A role without an entry gets
/// [`MaskPolicy::default`], which masks everything; the default map names "annotator" explicitly.
///
/// In TOML: `[roles.annotator]` then `default = "placeholder"`, `[roles.qa.kinds]` then
/// `CARD = "partial"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleMaskPolicy {
    /// Role name → policy.
    pub roles: BTreeMap<String, MaskPolicy>,
}

impl Default for RoleMaskPolicy {
    fn default() -> Self {
        Self { roles: BTreeMap::from([("annotator".to_string(), MaskPolicy::mask_all())]) }
    }
}

impl RoleMaskPolicy {
    /// The policy of `role`; roles not listed get everything masked.
    pub fn for_role(&self, role: &str) -> &MaskPolicy {
        self.roles.get(role).unwrap_or(&MASK_ALL)
    }
}

/// Replaces each span of `text` (char offsets, as [`super::detect`] returns) per `policy`.
/// Spans may come in any order; overlapping or out-of-range parts are ignored.
pub fn mask(text: &str, spans: &[Span], policy: &MaskPolicy) -> String {
    let mut spans: Vec<Span> = spans.to_vec();
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out = String::with_capacity(text.len());
    // Byte offset of each char, plus the end.
    let byte_of: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let n = byte_of.len() - 1;
    let mut pos = 0;
    for span in spans {
        let (start, end) = (span.start.max(pos), span.end.min(n));
        if start >= end {
            continue;
        }
        out.push_str(&text[byte_of[pos]..byte_of[start]]);
        let original = &text[byte_of[start]..byte_of[end]];
        match policy.style(span.kind) {
            MaskStyle::Raw => out.push_str(original),
            MaskStyle::Placeholder => out.push_str(&placeholder(span.kind)),
            MaskStyle::Partial => out.push_str(&partial(span.kind, original)),
        }
        pos = end;
    }
    out.push_str(&text[byte_of[pos.min(n)]..]);
    out
}

/// What one span of `kind` holding `original` looks like under `style`.
pub fn render(kind: PiiKind, original: &str, style: MaskStyle) -> String {
    match style {
        MaskStyle::Raw => original.to_string(),
        MaskStyle::Placeholder => placeholder(kind),
        MaskStyle::Partial => partial(kind, original),
    }
}

/// `[KIND]`.
fn placeholder(kind: PiiKind) -> String {
    format!("[{kind}]")
}

/// The partial form of a span, or the placeholder when the kind (or this text) has none.
fn partial(kind: PiiKind, original: &str) -> String {
    let digits = ascii_digits(original);
    let last = |n: usize| digits.get(digits.len().saturating_sub(n)..).unwrap_or_default().to_string();
    let kept = match kind {
        PiiKind::Card if digits.len() >= 12 => Some(format!("••••{}", last(4))),
        PiiKind::Iban if original.len() >= 8 => {
            let compact: String = original.chars().filter(|c| !c.is_whitespace()).collect();
            let country: String = compact.chars().take(2).collect();
            let tail: String = compact.chars().skip(compact.chars().count().saturating_sub(4)).collect();
            Some(format!("{country}•• ••••{tail}"))
        }
        PiiKind::Phone | PiiKind::Number if digits.len() >= 6 => Some(format!("••{}", last(2))),
        PiiKind::Ssn if digits.len() == 9 => Some(format!("•••-••-{}", last(4))),
        PiiKind::Email => original.rfind('@').map(|at| format!("•••{}", &original[at..])),
        PiiKind::Ip => ip_prefix(original),
        PiiKind::Date => year(original).map(|y| format!("••/••/{y}")),
        PiiKind::Person => {
            let initials: Vec<String> = original
                .split_whitespace()
                .filter_map(|w| w.chars().next())
                .filter(|c| c.is_uppercase())
                .map(|c| format!("{c}."))
                .collect();
            (!initials.is_empty()).then(|| initials.join(" "))
        }
        _ => None,
    };
    match kept {
        Some(kept) => format!("[{kind} {kept}]"),
        None => placeholder(kind),
    }
}

/// The network half of an IP address: two octets of IPv4, two groups of IPv6.
fn ip_prefix(original: &str) -> Option<String> {
    if let Ok(v4) = original.parse::<std::net::Ipv4Addr>() {
        let [a, b, _, _] = v4.octets();
        return Some(format!("{a}.{b}.•.•"));
    }
    let v6 = original.parse::<std::net::Ipv6Addr>().ok()?;
    let s = v6.segments();
    Some(format!("{:x}:{:x}:…", s[0], s[1]))
}

/// The four-digit year of a date, if it has one.
fn year(original: &str) -> Option<String> {
    original
        .split(|c: char| !c.is_numeric())
        .map(ascii_digits)
        .find(|d| d.len() == 4 && (d.starts_with("19") || d.starts_with("20")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(kind: PiiKind, start: usize, end: usize) -> Span {
        Span { kind, start, end }
    }

    #[test]
    fn placeholders_by_default() {
        let text = "Call 415-555-0132, Daniel.";
        let spans = [span(PiiKind::Person, 19, 25), span(PiiKind::Phone, 5, 17)];
        assert_eq!(mask(text, &spans, &MaskPolicy::default()), "Call [PHONE], [PERSON].");
    }

    #[test]
    fn partial_forms() {
        let p = MaskPolicy::uniform(MaskStyle::Partial);
        let one = |kind, text: &str| mask(text, &[span(kind, 0, text.chars().count())], &p);
        assert_eq!(one(PiiKind::Card, "4539 1488 0343 6467"), "[CARD ••••6467]");
        assert_eq!(one(PiiKind::Email, "rob.castillo@example.com"), "[EMAIL •••@example.com]");
        assert_eq!(one(PiiKind::Email, "rob dot c at example dot com"), "[EMAIL]");
        assert_eq!(one(PiiKind::Phone, "415-555-0132"), "[PHONE ••32]");
        assert_eq!(one(PiiKind::Phone, "four one five five five five oh one three two"), "[PHONE]");
        assert_eq!(one(PiiKind::Ssn, "987-65-4321"), "[SSN •••-••-4321]");
        assert_eq!(one(PiiKind::Iban, "ES91 2100 0418 4502 0005 1332"), "[IBAN ES•• ••••1332]");
        assert_eq!(one(PiiKind::Ip, "192.168.1.254"), "[IP 192.168.•.•]");
        assert_eq!(one(PiiKind::Ip, "2001:db8::7334"), "[IP 2001:db8:…]");
        assert_eq!(one(PiiKind::Date, "12 March 1984"), "[DATE ••/••/1984]");
        assert_eq!(one(PiiKind::Person, "Daniel Okafor"), "[PERSON D. O.]");
        assert_eq!(one(PiiKind::Address, "42 Elm Street"), "[ADDRESS]");
    }

    #[test]
    fn per_kind_styles_and_unicode_offsets() {
        let mut p = MaskPolicy::default();
        p.kinds.insert(PiiKind::Person, MaskStyle::Raw);
        let text = "🙏 Jörg: 030 1234567";
        let spans = [span(PiiKind::Person, 2, 6), span(PiiKind::Phone, 8, 19)];
        assert_eq!(mask(text, &spans, &p), "🙏 Jörg: [PHONE]");
    }

    #[test]
    fn overlapping_and_out_of_range_spans_are_safe() {
        let text = "abcdef";
        let spans = [span(PiiKind::Number, 1, 4), span(PiiKind::Phone, 2, 5), span(PiiKind::Ip, 5, 99)];
        // Overlaps are cut at the previous span's end; an end past the text is clamped to it.
        assert_eq!(mask(text, &spans, &MaskPolicy::default()), "a[NUMBER][PHONE][IP]");
    }

    #[test]
    fn policies_round_trip_through_toml() {
        let text = r#"
[roles.annotator]
default = "placeholder"

[roles.qa]
default = "placeholder"
kinds = { CARD = "partial", DATE = "raw" }
"#;
        let roles: RoleMaskPolicy = toml::from_str(text).expect("parses");
        assert_eq!(roles.for_role("qa").style(PiiKind::Card), MaskStyle::Partial);
        assert_eq!(roles.for_role("qa").style(PiiKind::Date), MaskStyle::Raw);
        assert_eq!(roles.for_role("qa").style(PiiKind::Phone), MaskStyle::Placeholder);
        assert_eq!(roles.for_role("nobody"), &MaskPolicy::default());
        let back: RoleMaskPolicy = toml::from_str(&toml::to_string(&roles).expect("serializes")).expect("parses");
        assert_eq!(back, roles);
        let defaults: RoleMaskPolicy = toml::from_str("").expect("parses");
        assert_eq!(defaults, RoleMaskPolicy::default());
        assert_eq!(RoleMaskPolicy::default().for_role("annotator"), &MaskPolicy::mask_all());
    }

    #[test]
    fn unknown_keys_and_kinds_are_rejected() {
        assert!(toml::from_str::<MaskPolicy>("defualt = \"raw\"").is_err());
        assert!(toml::from_str::<MaskPolicy>("kinds = { CREDIT_CARD = \"raw\" }").is_err());
        assert!(toml::from_str::<MaskPolicy>("default = \"blurred\"").is_err());
        assert!(toml::from_str::<RoleMaskPolicy>("[roles.qa]\nextra = 1").is_err());
    }
}
