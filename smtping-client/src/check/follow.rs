//! The follow-through after the main session (`--seed`, `--bounce-mailbox`): when the
//! server accepted the built-in test message at the final dot, poll the seed mailboxes for
//! its Message-ID and watch the bounce mailbox for a DSN about it.

use std::time::{Duration, Instant, SystemTime};

use smtping_proto::session::{DeliveryStatus, Phase};

use super::Check;
use crate::facts::{Facts, FollowFacts};
use crate::follow::{FollowThrough, SentAt};
use crate::runtime::Runtime;

impl Check {
    /// After the main session, polls the seed mailboxes for the test message (`--seed`):
    /// only when the server accepted it at the final dot and it carried a Message-ID (the
    /// built-in message). The follow-through's Message-ID and send time (the end of DATA)
    /// are set by the check; its seeds, timeout (its own deadline), cleanup, TLS options
    /// and `--connect-to` rules are the caller's. The report's `follow_through` says
    /// where the message landed; not found by the deadline makes the check red, a junk
    /// folder amber. With [`FollowThrough::bounce_mailbox`] the sender's mailbox is watched
    /// at the same time for a DSN about the message (matched by the Message-ID of the
    /// returned headers: the check sends no ENVID): a hard bounce after acceptance makes
    /// the check red, a `delayed` notice amber.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use smtping_client::follow::{FollowThrough, Password, SeedUrl};
    /// use smtping_client::{Address, Check};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let seed = SeedUrl::parse("imaps://seed%40example.org@imap.example.org/INBOX,Junk")?;
    /// let report = Check::parse("example.org")?
    ///     .envelope(
    ///         Address::new("probe@example.com")?,
    ///         vec![Address::new("seed@example.org")?],
    ///     )
    ///     .follow_through(
    ///         FollowThrough::for_check()
    ///             .seed(seed, Password::from_env("SEED_PASSWORD")?)
    ///             .timeout(Duration::from_secs(120)),
    ///     )
    ///     .run()
    ///     .await;
    /// if let Some(f) = &report.follow_through {
    ///     println!("{} {:?}", f.status.as_str(), f.seeds[0].folder);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn follow_through(mut self, follow: FollowThrough) -> Self {
        self.follow = Some(follow);
        self
    }

    /// What the main session says about the follow-through: accepted at the final dot
    /// (and when), or why it will not run.
    pub(super) fn follow_start<R: Runtime>(
        &self,
        rt: &R,
        session_started: Instant,
        facts: &Facts,
    ) -> FollowFacts {
        let mut out = FollowFacts {
            message_id: facts.message_id.clone(),
            mailboxes: self
                .follow
                .as_ref()
                .map(FollowThrough::mailboxes)
                .unwrap_or_default(),
            signed_domain: self.signed_domain(),
            ..FollowFacts::default()
        };
        let Some(run) = &facts.session else {
            out.skipped = Some("no SMTP session ran".into());
            return out;
        };
        let delivery = &run.outcome.delivery;
        let accepted =
            delivery.status == DeliveryStatus::Accepted && delivery.phase == Some(Phase::DataEnd);
        if !accepted {
            out.skipped = Some(format!(
                "the message was not accepted at the final dot (delivery {})",
                delivery.status.as_str()
            ));
            return out;
        }
        if out.message_id.is_none() {
            out.skipped = Some(
                "the message sent has no Message-ID SMTPing knows (--data-file): use smtping inbox --subject instead".into(),
            );
            return out;
        }
        let timings = &run.outcome.timings;
        let sent = session_started
            + timings
                .total
                .saturating_sub(timings.quit.unwrap_or(Duration::ZERO));
        let ago = rt.now().saturating_duration_since(sent);
        out.sent = Some(sent);
        out.accepted_at = SystemTime::now().checked_sub(ago);
        out
    }

    /// Runs the follow-through, when [`follow_start`](Check::follow_start) found the
    /// message accepted.
    pub(super) async fn observe_follow<R: Runtime>(&self, rt: &R, facts: &mut Facts) {
        let Some(follow) = &self.follow else { return };
        // The ENVID went out with MAIL only if the server offered DSN (in force after TLS).
        let dsn_offered = facts.session.as_ref().is_some_and(|run| {
            let o = &run.outcome;
            o.extensions_tls
                .as_ref()
                .or(o.extensions.as_ref())
                .is_some_and(smtping_proto::Extensions::dsn)
        });
        // No session (no address answered): nothing was delivered, nothing to look for.
        let f = facts.follow_through.get_or_insert_with(|| FollowFacts {
            skipped: Some("no SMTP session ran: nothing was delivered".into()),
            mailboxes: follow.mailboxes(),
            ..FollowFacts::default()
        });
        let (Some(id), Some(sent), None) = (&f.message_id, f.sent, &f.skipped) else {
            return;
        };
        let envid = self.bounce_envid(id).filter(|_| dsn_offered);
        let run = follow
            .clone()
            .message_id(id.clone())
            .envelope_id(envid)
            .sent_at(SentAt::Instant(sent));
        f.result = Some(run.run(rt).await);
    }
}
