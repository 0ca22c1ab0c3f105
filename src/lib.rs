//! cloister: a self-hosted annotation server for sensitive speech transcripts and RLHF preference
//! data, served as a terminal UI over SSH. See README.md and docs/.

pub mod agreement;
pub mod app;
pub mod audio;
pub mod audit;
pub mod cli;
pub mod client;
pub mod config;
pub mod crypto;
pub mod datadir;
pub mod export;
pub mod import;
pub mod pii;
pub mod policy;
pub mod ssh;
pub mod store;
pub mod ui;
