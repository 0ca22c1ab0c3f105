//! Names: cue-based PERSON detection and the per-project dictionary of known names.
//!
//! A name is 1–4 capitalised tokens (with particles such as "de la", "van", "von" between
//! them) right after a cue ("my name is", "this is … calling", "I'm", "mi nombre es",
//! "me llamo", "soy", "ich heiße", "hier ist", "je m'appelle", "o meu nome é", "tên tôi là"…),
//! before an after-cue (", Sarah speaking", "Marcus here"), after a greeting when set off by a
//! comma ("Dear Tom,", "Sure Karen Whitfield,"), after a title ("Mr", "Frau", "Sra.") or a
//! Vietnamese kinship term ("anh Lê Văn Tám", 2+ tokens). Scripts without case use their own
//! frames: Hindi "मेरा नाम … है", "… बोल रहा हूँ", "… जी"; Chinese "我叫…". A name found once is
//! also masked wherever else it occurs in the same text.

use super::fold::fold_str;
use super::scan::{END, START, compile, glues, isolated, next_char};
use super::{Candidate, PiiError, PiiKind, rank};
use regex::{Regex, RegexBuilder};
use std::sync::LazyLock;

/// One capitalised name token ("Müller-Großmann" folds to "Muller-Großmann", "O'Brien").
const TOKEN: &str = r"\p{Lu}\p{L}*(?:['-]\p{L}+)*";

/// Lower-case particles allowed between name tokens.
const PARTICLES: &[&str] = &[
    "de", "del", "della", "da", "do", "dos", "das", "di", "van", "von", "der", "den", "ter", "du", "le", "la", "bin",
    "ibn", "al", "el", "ben",
];

/// 1–4 name tokens, particles allowed between them.
static NAME: LazyLock<String> = LazyLock::new(|| {
    let particle = PARTICLES.join("|");
    format!(r"({TOKEN}(?:\s+(?:(?:{particle})\s+){{0,2}}{TOKEN}){{0,3}})")
});

/// Cues that precede a name (accent-folded, matched case-insensitively).
const BEFORE: &str = concat!(
    "my name is|my name's|name is|name's|i am|i'm|call me|named|",
    "mi nombre es|me llamo|soy|le atiende|le habla|se llama|llamad[oa]|",
    "mein name ist|ich heiße|ich heisse|heißt|heisst|ich bin|hier ist|hier spricht|namens|",
    "je m'appelle|je m appelle|m'appelle|s'appelle|mon nom est|moi c'est|nommee?|",
    "o meu nome e|meu nome e|chamo-me|me chamo|se chama|eu sou|sou|fala a|fala o|aqui e|aqui fala|chamad[oa]|",
    "mi chiamo|il mio nome e|",
    "ten toi la|toi ten la|toi la|ten la|minh la",
);

/// Names after a cue: "my name is Daniel Okafor", "soy Andrés", "tôi là Trần Minh Đức".
static AFTER_CUE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"(?:^|[^\p{{L}}\p{{N}}_'])(?i:{BEFORE})\s+{}", *NAME)));

/// "This is Emily Tran calling", "it's Tom here".
static THIS_IS: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(r"{START}(?i:this is|it's|it is)\s+{}\s+(?i:calling|speaking|here|from){END}", *NAME))
});

/// "Northwind Bank, Sarah speaking", "Anja am Apparat"; "…, Marcus here" only after a comma
/// (so "Click here." is not a name).
static SPEAKING: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?:(?:^|[,.!?;:]\s*){name}\s+(?i:speaking|am apparat|a l'appareil|al habla|falando){END}|,\s*{name}\s+(?i:here){END})",
        name = *NAME
    ))
});

/// Greetings and acknowledgements that open a vocative: "Dear Tom,", "D'accord Hélène Lefèvre,".
const GREETINGS: &str = concat!(
    "dear|hi|hello|hey|sure|thanks|thank you|ok|okay|done|yes|",
    "hecho|listo|hola|gracias|vale|claro|perfecto|estimad[oa]|querid[oa]|",
    "bonjour|bonsoir|merci|d'accord|cher|chere|salut|",
    "hallo|danke|liebe|lieber|",
    "ola|obrigad[oa]|caro|cara|prezad[oa]|perfeito|certo|",
    "xin chao|cam on|chao",
);

/// A greeting, then a name set off by a comma or `!` (or ending the text).
static VOCATIVE: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"(?:^|[.!?]\s+)(?i:{GREETINGS})(?:\s*,)?\s+{}\s*(?:[,!]|$)", *NAME)));

/// Titles (case-sensitive) followed by a name; the title itself is not masked.
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"{START}(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Sr|Sra|Srta|Senor|Senora|Senhor|Senhora|Dona|Monsieur|Madame|Mme|Mlle)\.?\s+{}",
        *NAME
    ))
});

/// Vietnamese kinship terms used as titles: "anh Lê Văn Tám" (the name needs 2+ tokens).
static KINSHIP: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"{START}(?i:anh|chi|ong|ba|chu|bac)\s+{}", *NAME)));

/// Hindi "मेरा नाम प्रिया शर्मा है" (1–3 tokens before the copula).
static HINDI_NAME: LazyLock<Regex> =
    LazyLock::new(|| compile(r"मेरा\s+नाम\s+([^\s।,.!?]+(?:\s+[^\s।,.!?]+){0,2}?)\s+(?:है|हैं|हूँ|हूं)"));

/// Hindi "… राहुल बोल रहा हूँ" (the token before "speaking").
static HINDI_SPEAKING: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(\p{Devanagari}+)\s+बोल\s+(?:रहा|रही)(?:[^\p{L}\p{M}\p{N}]|$)"));

/// Hindi honorific "अमित वर्मा जी," at the start of a clause (1–2 tokens).
static HINDI_JI: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?:^|[,।!?]\s*)(\p{Devanagari}+(?:\s+\p{Devanagari}+)?)\s+जी(?:[\s,।!?]|$)"));

/// Chinese "我叫王小明，" (2–4 Han characters up to punctuation).
static CHINESE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?:我叫|我是|我的名字是|我名叫)(\p{Han}{2,4})(?:[，。、！？,.!?\s]|$)"));

/// Tokens that end a name: pronouns, articles, politeness words, cue words.
const STOP: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'll",
    "i'd",
    "the",
    "a",
    "an",
    "and",
    "but",
    "or",
    "so",
    "my",
    "your",
    "our",
    "his",
    "her",
    "their",
    "this",
    "that",
    "it",
    "it's",
    "we",
    "you",
    "he",
    "she",
    "they",
    "please",
    "thanks",
    "thank",
    "yes",
    "no",
    "ok",
    "okay",
    "hi",
    "hello",
    "sorry",
    "sir",
    "madam",
    "not",
    "very",
    "just",
    "here",
    "there",
    "calling",
    "speaking",
    "from",
    "with",
    "mr",
    "mrs",
    "ms",
    "dr",
    "el",
    "los",
    "las",
    "un",
    "una",
    "mi",
    "su",
    "der",
    "die",
    "das",
    "ein",
    "eine",
    "ich",
    "sie",
    "ihr",
    "ihre",
    "ihnen",
    "mein",
    "meine",
    "je",
    "les",
    "mon",
    "ma",
    "vous",
    "o",
    "meu",
    "minha",
    "eu",
    "voce",
    "toi",
    "anh",
    "chi",
    "em",
    "धन्यवाद",
    "नमस्ते",
    "हाँ",
    "हां",
    "ठीक",
    "जी",
    "अच्छा",
    "आप",
    "मैं",
    "मेरा",
    "customer",
    "customers",
    "client",
    "cliente",
    "kunde",
    "kundin",
    "world",
    "team",
    "everyone",
    "all",
    "friend",
    "colleague",
    "agent",
    "support",
    "user",
    "member",
];

/// Appends the names found in the folded text `t` (cues, dictionary, and repeats of both).
pub(crate) fn detect(t: &str, dictionary: Option<&Dictionary>, out: &mut Vec<Candidate>) {
    let mut names: Vec<(usize, usize)> = Vec::new();
    // (pattern, fewest name tokens); each pattern has one name group per alternative.
    let mut frames: Vec<(&Regex, usize)> =
        vec![(&AFTER_CUE, 1), (&THIS_IS, 1), (&SPEAKING, 1), (&VOCATIVE, 1), (&TITLE, 1), (&KINSHIP, 2)];
    if t.chars().any(|c| ('\u{900}'..='\u{97F}').contains(&c)) {
        frames.extend([(&*HINDI_NAME, 1), (&*HINDI_SPEAKING, 1), (&*HINDI_JI, 1)]);
    }
    for (re, min_tokens) in frames {
        for caps in re.captures_iter(t) {
            if let Some(m) = caps.iter().skip(1).flatten().next() {
                names.extend(trim_name(t, m.start(), m.end(), min_tokens));
            }
        }
    }
    if t.chars().any(super::scan::is_cjk) {
        names.extend(CHINESE.captures_iter(t).filter_map(|caps| caps.get(1)).map(|m| (m.start(), m.end())));
    }
    if let Some(dictionary) = dictionary {
        names.extend(dictionary.find(t));
    }
    repeats(t, &mut names);
    out.extend(names.into_iter().map(|(start, end)| Candidate {
        kind: PiiKind::Person,
        start,
        end,
        rank: rank::PERSON,
    }));
}

/// Cuts a captured name at its first stop token and drops trailing particles; `None` when
/// fewer than `min_tokens` tokens remain.
fn trim_name(t: &str, start: usize, end: usize, min_tokens: usize) -> Option<(usize, usize)> {
    let mut kept_end = start;
    let mut tokens = 0;
    for (offset, token) in token_offsets(&t[start..end]) {
        if STOP.contains(&token.to_lowercase().as_str()) {
            break;
        }
        // Lower-case tokens are particles ("de la"): kept only when a name token follows.
        if !token.chars().next().is_some_and(char::is_lowercase) {
            tokens += 1;
            kept_end = start + offset + token.len();
        }
    }
    (tokens >= min_tokens && kept_end > start).then_some((start, kept_end))
}

/// Whitespace-separated tokens with their byte offsets.
fn token_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_whitespace().map(move |w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
}

/// Adds every other whole-word occurrence, in the same text, of each name found and of each of
/// its capitalised tokens of 3+ letters ("Karen Whitfield … Karen").
fn repeats(t: &str, names: &mut Vec<(usize, usize)>) {
    let mut needles: Vec<&str> = Vec::new();
    for &(s, e) in names.iter() {
        let name = &t[s..e];
        needles.push(name);
        needles.extend(
            name.split_whitespace()
                .filter(|w| w.chars().count() >= 3 && w.chars().next().is_some_and(|c| !c.is_lowercase())),
        );
    }
    needles.sort_unstable();
    needles.dedup();
    let mut more = Vec::new();
    for needle in needles {
        for (i, _) in t.match_indices(needle) {
            let end = i + needle.len();
            if isolated(t, i, end) && !names.iter().any(|&(s, e)| s <= i && end <= e) {
                more.push((i, end));
            }
        }
    }
    names.extend(more);
}

/// A compiled dictionary of known names (see [`super::DetectOptions::with_names`]).
#[derive(Debug, Clone)]
pub(crate) struct Dictionary {
    /// The names as given (trimmed).
    names: Vec<String>,
    /// Full names, case-insensitive, whole words.
    full: Vec<Regex>,
    /// Capitalised parts (3+ letters) of multi-word names, case-sensitive, whole words.
    parts: Vec<Regex>,
}

impl Dictionary {
    /// Compiles `names`; `None` when there are none.
    pub(crate) fn new<I, S>(names: I) -> Result<Option<Self>, PiiError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> =
            names.into_iter().map(|n| n.as_ref().trim().to_string()).filter(|n| !n.is_empty()).collect();
        if names.is_empty() {
            return Ok(None);
        }
        let mut folded: Vec<String> = names.iter().map(|n| fold_str(n)).collect();
        folded.sort_by_key(|n| std::cmp::Reverse(n.len()));
        let full = build(&folded, true)?;
        let mut parts: Vec<String> = folded
            .iter()
            .filter(|n| n.split_whitespace().count() > 1)
            .flat_map(|n| n.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .filter(|p| p.chars().count() >= 3 && !PARTICLES.contains(&p.to_lowercase().as_str()))
            .map(|p| capitalise(&p))
            .collect();
        parts.sort();
        parts.dedup();
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let parts = build(&parts, false)?;
        Ok(Some(Self { names, full, parts }))
    }

    /// The names as given.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Occurrences in the folded text `t`, as byte ranges.
    fn find(&self, t: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for re in self.full.iter().chain(&self.parts) {
            for caps in re.captures_iter(t) {
                let Some(m) = caps.get(1) else { continue };
                if !next_char(t, m.end()).is_some_and(glues) {
                    out.push((m.start(), m.end()));
                }
            }
        }
        out
    }
}

/// Upper-cases the first char.
fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Alternations of literal names in group 1: names starting with a word char of a script with
/// word breaks come after a consumed left boundary; names in scripts without them (Han) stand
/// alone. The right boundary is checked on the match (see `scan::START`).
fn build(names: &[String], case_insensitive: bool) -> Result<Vec<Regex>, PiiError> {
    let body = |n: &String| n.split_whitespace().map(regex::escape).collect::<Vec<_>>().join(r"\s+");
    let (bounded, free): (Vec<&String>, Vec<&String>) = names.iter().partition(|n| n.chars().next().is_some_and(glues));
    let mut out = Vec::new();
    for (group, head) in [(bounded, START), (free, "")] {
        if group.is_empty() {
            continue;
        }
        let alternation = group.into_iter().map(body).collect::<Vec<_>>().join("|");
        let re = RegexBuilder::new(&format!("{head}({alternation})"))
            .case_insensitive(case_insensitive)
            .size_limit(64 << 20)
            .build()
            .map_err(|e| PiiError::Dictionary(Box::new(e)))?;
        out.push(re);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::fold::fold_str;
    use super::*;

    fn names_in(text: &str, dictionary: Option<&Dictionary>) -> Vec<String> {
        let folded = fold_str(text);
        let mut out = Vec::new();
        detect(&folded, dictionary, &mut out);
        let mut found: Vec<String> = out.iter().map(|c| folded[c.start..c.end].to_string()).collect();
        found.sort();
        found.dedup();
        found
    }

    fn names(text: &str) -> Vec<String> {
        names_in(text, None)
    }

    #[test]
    fn cues_in_several_languages() {
        assert_eq!(names("Hi, my name is Daniel Okafor. I lost my card."), ["Daniel Okafor"]);
        assert_eq!(names("This is Siobhán Ní Bhriain calling about my bill."), ["Siobhan Ni Bhriain"]);
        assert_eq!(names("Northwind Bank, Sarah speaking."), ["Sarah"]);
        assert_eq!(names("Brightline Broadband, Marcus here."), ["Marcus"]);
        assert_eq!(names("Hola, mi nombre es María José Ibáñez. Me he mudado."), ["Maria Jose Ibanez"]);
        assert_eq!(names("Me llamo Juan de la Cruz y vivo aquí."), ["Juan de la Cruz"]);
        assert_eq!(names("Guten Tag, ich heiße Sabine Müller-Großmann."), ["Sabine Muller-Großmann"]);
        assert_eq!(names("Bonjour, je m’appelle Hélène Lefèvre, j'habite ici."), ["Helene Lefevre"]);
        assert_eq!(names("Bom dia, o meu nome é João Conceição."), ["Joao Conceicao"]);
        assert_eq!(names("Tôi tên là Nguyễn Thị Hương, tôi muốn đổi."), ["Nguyen Thi Huong"]);
        assert_eq!(names("Đã đổi gói cho anh Lê Văn Tám, số mới."), ["Le Van Tam"]);
        assert_eq!(names("मेरा नाम प्रिया शर्मा है। मेरा बिल गलत है।"), ["प्रिया शर्मा"]);
        assert_eq!(names("नमस्ते, स्काईटेल से राहुल बोल रहा हूँ।"), ["राहुल"]);
        assert_eq!(names("अमित वर्मा जी, नया पासवर्ड भेज दिया है"), ["अमित वर्मा"]);
        assert_eq!(names("我叫王小明，电话是138 0013 8000。"), ["王小明"]);
    }

    #[test]
    fn nfd_text_matches_like_nfc() {
        let nfd = "Te\u{302}n to\u{302}i la\u{300} Nguye\u{302}\u{303}n Thi\u{323} Hu\u{31B}o\u{31B}ng.";
        assert_eq!(names(nfd), ["Nguyen Thi Huong"]);
    }

    #[test]
    fn vocatives_and_repeats() {
        assert_eq!(names("Sure Karen Whitfield, I've emailed you."), ["Karen Whitfield"]);
        assert_eq!(names("Dear Tom, thank you for letting us know."), ["Tom"]);
        assert_eq!(names("Hecho, Carmen Vidal, la llamaremos."), ["Carmen Vidal"]);
        assert_eq!(names("I'm Karen Whitfield. Karen is my first name."), ["Karen", "Karen Whitfield"]);
    }

    #[test]
    fn not_names() {
        for text in [
            "Click here to reset your password.",
            "Routers are complicated. Try calling someone.",
            "Hi, I'm calling about my bill.",
            "I'm sorry your order hasn't arrived.",
            "Dear Customer, thank you.",
            "Hello, my name is on the account.",
            "Ich bin am 12.03.1984 geboren.",
            "Anh có thể đổi gói cước trong ứng dụng.",
            "धन्यवाद जी, पैसे वापस कर दिए हैं।",
        ] {
            assert!(names(text).is_empty(), "{text}: {:?}", names(text));
        }
    }

    #[test]
    fn dictionary_matches_whole_names_and_parts() {
        let dictionary = Dictionary::new(["Karen Whitfield", " ", "王小明", "Jörg"]).expect("compiles").expect("names");
        assert_eq!(dictionary.names(), ["Karen Whitfield", "王小明", "Jörg"]);
        let d = Some(&dictionary);
        assert_eq!(names_in("call KAREN WHITFIELD now", d), ["KAREN WHITFIELD"]);
        assert_eq!(names_in("and Whitfield said", d), ["Whitfield"]);
        assert_eq!(names_in("whitfields and karenina", d), Vec::<String>::new());
        assert_eq!(names_in("电话王小明的", d), ["王小明"]);
        assert_eq!(names_in("Hallo Jörg!", d), ["Jorg"]);
        assert!(Dictionary::new(Vec::<String>::new()).expect("compiles").is_none());
    }
}
