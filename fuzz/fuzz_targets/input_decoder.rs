//! SSH input decoder: arbitrary bytes, split into arbitrary packets, never panic, and decode to
//! the same events as the same bytes arriving in one packet (the decoder's packet-split promise).
#![no_main]

use cloister::ssh::input::{InputDecoder, STALL_TIMEOUT};
use libfuzzer_sys::fuzz_target;
use std::time::Instant;

fuzz_target!(|data: &[u8]| {
    // First byte: seed of the packet sizes; the rest: what the client typed.
    let Some((&seed, bytes)) = data.split_first() else { return };
    let now = Instant::now();
    let later = now + STALL_TIMEOUT * 2;

    let mut whole = InputDecoder::new();
    let mut expected = whole.feed(bytes, now);
    expected.extend(whole.flush_timeout(later));

    let mut split = InputDecoder::new();
    let mut got = Vec::new();
    let mut rest = bytes;
    let mut size = usize::from(seed % 7) + 1;
    while !rest.is_empty() {
        let (packet, tail) = rest.split_at(size.min(rest.len()));
        got.extend(split.feed(packet, now));
        rest = tail;
        size = (size * 5 + usize::from(seed)) % 11 + 1;
    }
    got.extend(split.flush_timeout(later));
    assert_eq!(expected, got, "packet boundaries changed the decoded input");

    // Timeouts between packets (a lone Esc expiring mid-stream) must not panic either.
    let mut timed = InputDecoder::new();
    let mut at = now;
    for (n, packet) in bytes.chunks(usize::from(seed % 5) + 1).enumerate() {
        let _ = timed.feed(packet, at);
        if let Some(deadline) = timed.pending_deadline()
            && n % 2 == 0
        {
            at = deadline;
            let _ = timed.flush_timeout(at);
        }
    }
});
