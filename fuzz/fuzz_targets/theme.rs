//! Theme TOML: arbitrary text is parsed without panicking (errors quote line and value).
#![no_main]

use cloister::ui::Theme;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Theme::parse_str(text, Path::new("fuzz.toml")) {
        Ok(theme) => drop(theme.without_color()),
        Err(err) => drop(err.to_string()),
    }
});
