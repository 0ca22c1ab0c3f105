//! Entering and leaving the admin console from the rest of the app.

use super::{App, Effect, admin};

impl App {
    /// Whether the user holds the admin role.
    pub fn is_admin(&self) -> bool {
        self.identity.role.split('+').any(|r| r == "admin")
    }

    /// Applies what the console decided.
    pub(super) fn console_outcome(&mut self, outcome: admin::Outcome) -> Vec<Effect> {
        match outcome {
            admin::Outcome::Stay(effects) => effects.into_iter().map(Effect::Admin).collect(),
            // Admin-only users have nowhere else to go: they stay (q quits).
            admin::Outcome::Leave if self.identity.role == "admin" => Vec::new(),
            admin::Outcome::Leave => {
                self.console = None;
                vec![Effect::LoadHome]
            }
            admin::Outcome::Quit => {
                self.quitting = true;
                vec![Effect::Quit]
            }
        }
    }
}
