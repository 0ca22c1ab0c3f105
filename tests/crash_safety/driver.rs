//! One annotator of the crash-safety test: types into segments, saves drafts (Esc) and submits
//! (Ctrl-S), recording an acknowledgement only when its screen shows the result. Every wait ends
//! quietly when the connection drops (the server was killed); a wait that times out on a live
//! connection is a failure.

use cloister::client::{PinnedHost, Shell, connect};
use russh::keys::ssh_key::{PrivateKey, PublicKey};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A test user and its key.
#[derive(Clone)]
pub struct SessionUser {
    pub name: String,
    pub key: PrivateKey,
}

/// The queue every user sees, in order: (item external id, segment ids).
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub items: Vec<(String, Vec<i64>)>,
}

/// Something the client saw the server confirm.
#[derive(Debug, Clone)]
pub struct Ack {
    pub user: String,
    /// Queue index of the item.
    pub item: usize,
    /// Index of the segment in the item.
    pub segment: usize,
    /// The unique text typed just before: the stored text must contain it.
    pub tag: String,
    /// Submitted (Ctrl-S, "submitted version" shown), else a draft (Esc, editor closed).
    pub submitted: bool,
}

/// State shared by all sessions of a run.
pub struct Shared {
    pub layout: Layout,
    pub acks: Mutex<Vec<Ack>>,
    pub failures: Mutex<Vec<String>>,
}

/// Where a user is, carried across crashes.
#[derive(Debug, Clone)]
pub struct Cursor {
    item: usize,
    segment: usize,
    step: usize,
    /// The tag of an acknowledged draft that is the latest thing on this segment: it must be
    /// on screen when the user comes back after a restart.
    pending_draft: Option<String>,
    /// Drafts found on screen again after a restart.
    pub drafts_seen_again: usize,
}

impl Cursor {
    /// Starts on queue entry `item`, first segment.
    pub fn start(item: usize) -> Self {
        Cursor { item, segment: 0, step: 0, pending_draft: None, drafts_seen_again: 0 }
    }
}

/// Letters only, with `q` as delimiter and never inside: no tag is a substring of another, and
/// nothing in it looks like PII to the masker.
fn tag(user: &str, round: usize, step: usize) -> String {
    let user: usize = user.trim_start_matches(|c: char| !c.is_ascii_digit()).parse().unwrap_or(0);
    let mut n = user * 1_000_000 + round * 10_000 + step;
    let mut letters = Vec::new();
    loop {
        letters.push(b'a' + (n % 16) as u8);
        n /= 16;
        if n == 0 {
            break;
        }
    }
    letters.reverse();
    format!("q{}q", String::from_utf8_lossy(&letters))
}

struct Term {
    shell: Shell,
    parser: vt100::Parser,
    _handle: russh::client::Handle<PinnedHost>,
}

enum Wait {
    Seen,
    Closed,
    TimedOut,
}

impl Term {
    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    async fn wait(&mut self, pred: impl Fn(&str) -> bool) -> Wait {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !pred(&self.text()) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.shell.recv(left).await {
                Some(bytes) => self.parser.process(&bytes),
                None if self.shell.closed => return Wait::Closed,
                None => return Wait::TimedOut,
            }
        }
        Wait::Seen
    }

    /// Sends one key and waits for the screen to change (the server has read it).
    async fn key(&mut self, bytes: &[u8]) -> bool {
        if self.shell.send(bytes).await.is_err() {
            return false;
        }
        match self.shell.recv(Duration::from_secs(20)).await {
            Some(out) => {
                self.parser.process(&out);
                true
            }
            None => false,
        }
    }

    async fn send(&mut self, bytes: &[u8]) -> bool {
        self.shell.send(bytes).await.is_ok()
    }
}

/// Waits, turning a time-out on a live connection into a recorded failure; false if the wait
/// did not succeed.
async fn expect(term: &mut Term, shared: &Shared, who: &str, what: &str, pred: impl Fn(&str) -> bool) -> bool {
    match term.wait(pred).await {
        Wait::Seen => true,
        Wait::Closed => false,
        Wait::TimedOut => {
            let screen = term.text();
            shared.failures.lock().expect("failures").push(format!("{who}: no {what} within 20 s:\n{screen}"));
            false
        }
    }
}

/// From the home screen, opens the cursor's item and the editor on its segment.
async fn open_at(term: &mut Term, shared: &Shared, who: &str, cursor: &Cursor) -> bool {
    let items = &shared.layout.items;
    let (first, last) = (&items[0].0, &items[items.len() - 1].0);
    if !expect(term, shared, who, "home screen", |t| t.contains(first.as_str()) && t.contains(last.as_str())).await {
        return false;
    }
    let (external, segments) = &items[cursor.item];
    let keys = format!("{}{}\r", "k".repeat(items.len()), "j".repeat(cursor.item));
    let title = format!("· {external} · segment");
    if !term.send(keys.as_bytes()).await || !expect(term, shared, who, &title, |t| t.contains(&title)).await {
        return false;
    }
    let at = format!("segment {}/{}", cursor.segment + 1, segments.len());
    if !term.send("j".repeat(cursor.segment).as_bytes()).await
        || !expect(term, shared, who, &at, |t| t.contains(&at)).await
    {
        return false;
    }
    term.send(b"\r").await && expect(term, shared, who, "editor", |t| t.contains("editing")).await
}

/// Logs in, comes back to where the user was (checking that its last draft is on screen), then,
/// if `typing`, types, saves drafts and submits until the connection drops.
pub async fn drive(
    addr: SocketAddr,
    host: PublicKey,
    user: SessionUser,
    mut cursor: Cursor,
    shared: Arc<Shared>,
    round: usize,
    typing: bool,
) -> Cursor {
    let who = user.name.clone();
    let Ok(handle) = connect(addr, &user.name, user.key.clone(), Some(host)).await else { return cursor };
    let Ok(shell) = Shell::open(&handle, 100, 30, &[]).await else { return cursor };
    let mut term = Term { shell, parser: vt100::Parser::new(30, 100, 0), _handle: handle };
    if !open_at(&mut term, &shared, &who, &cursor).await {
        return cursor;
    }
    if let Some(draft) = cursor.pending_draft.take() {
        if term.text().contains(&draft) {
            cursor.drafts_seen_again += 1;
        } else {
            let screen = term.text();
            shared.failures.lock().expect("failures").push(format!(
                "{who}: acknowledged draft {draft} not on screen after restart (item {}, segment {}):\n{screen}",
                cursor.item, cursor.segment
            ));
        }
    }
    if !typing {
        return cursor;
    }
    loop {
        let tag = tag(&who, round, cursor.step);
        for byte in format!(" {tag}").bytes() {
            if !term.key(&[byte]).await {
                return cursor;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let count = shared.layout.items[cursor.item].1.len();
        let last = cursor.segment + 1 >= count;
        let ack = Ack { user: who.clone(), item: cursor.item, segment: cursor.segment, tag, submitted: false };
        if !last && cursor.step % 3 != 1 {
            let next = format!("segment {}/{count}", cursor.segment + 2);
            let confirmed = |t: &str| t.contains(&next) && t.contains("submitted version");
            if !term.send(b"\x13").await || !expect(&mut term, &shared, &who, "submit confirmation", confirmed).await {
                return cursor;
            }
            shared.acks.lock().expect("acks").push(Ack { submitted: true, ..ack });
            cursor.segment += 1;
            cursor.pending_draft = None;
        } else {
            if cursor.step.is_multiple_of(2) {
                // Sometimes pause past the autosave delay: an unacknowledged save races the kill.
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            let closed = |t: &str| t.contains("Enter to edit");
            if !term.send(b"\x1b").await || !expect(&mut term, &shared, &who, "editor closed", closed).await {
                return cursor;
            }
            cursor.pending_draft = Some(ack.tag.clone());
            shared.acks.lock().expect("acks").push(ack);
            if last {
                // Back to the queue and on to the next item.
                if !term.send(b"\x1b").await {
                    return cursor;
                }
                cursor.item = (cursor.item + 1) % shared.layout.items.len();
                cursor.segment = 0;
                cursor.pending_draft = None;
                if !open_at(&mut term, &shared, &who, &cursor).await {
                    return cursor;
                }
            } else if !term.send(b"\r").await
                || !expect(&mut term, &shared, &who, "editor", |t| t.contains("editing")).await
            {
                return cursor;
            }
        }
        cursor.step += 1;
    }
}
