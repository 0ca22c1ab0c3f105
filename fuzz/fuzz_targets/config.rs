//! `cloister.toml` (server, audit, ui and keymap sections): arbitrary text is parsed and
//! validated without panicking, and a parsed config builds its keymap.
#![no_main]

use cloister::app::Keymap;
use cloister::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Config::parse(text, Path::new("cloister.toml")) {
        Ok(config) => drop(Keymap::from_config(&config.keymap).help_lines()),
        Err(err) => drop(err.to_string()),
    }
});
