//! Each area's traffic light, the verdict and the one-sentence summary: computed once,
//! from the finished areas and findings.

use std::time::Duration;

use smtping_classify::Reason;

use super::{Builder, ms, severity_status};
use crate::report::{
    DeliveryOutcome, ErrorKind, FindingId, LoginOutcome, Report, Stage, Status, TlsModeUsed,
};
use crate::tls::Verification;

impl Builder<'_> {
    /// Computes the statuses, verdict and summary.
    pub(super) fn finish(mut self, total: Duration) -> Report {
        self.report.timings_ms.total = ms(total);
        let connected = self.connected;
        let failed_attempts = self.failed_attempts;
        let r = &mut self.report;
        r.connectivity.status = connectivity_status(r, connected, failed_attempts);
        r.tls.status = tls_status(r);
        if let Some(d) = &r.tls.dane {
            // A DANE failure fails the connection (RFC 7672 §2.2): it weighs on TLS.
            r.tls.status = r.tls.status.worst(d.status);
        }
        r.auth.status = auth_status(r);
        r.delivery.status = delivery_status(r);
        if r.connectivity.dns.null_mx {
            r.delivery.status = Status::Red;
            r.delivery.outcome = DeliveryOutcome::Bounced;
        }
        r.verdict = verdict(r);
        r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        r.summary = summary(r);
        self.report
    }
}

fn connectivity_status(r: &Report, connected: bool, failed_attempts: usize) -> Status {
    let greeting_ok = r
        .connectivity
        .greeting
        .as_ref()
        .is_some_and(|g| g.code == 220);
    let error_stage = r.error.as_ref().map(|e| e.stage);
    if !connected
        && r.connectivity.attempts.is_empty()
        && r.connectivity.dns.error.is_none()
        && r.timings_ms.dns.is_none()
    {
        Status::Grey // stopped before DNS or any connection (e.g. a bad CA file)
    } else if !connected
        || error_stage == Some(Stage::Greeting)
        || !greeting_ok && r.error.is_some()
    {
        Status::Red
    } else if failed_attempts > 0 {
        Status::Amber
    } else {
        Status::Green
    }
}

fn tls_status(r: &Report) -> Status {
    let cert_ok = r
        .tls
        .certificate
        .as_ref()
        .is_some_and(|c| c.verification == Verification::Valid);
    let tls_error = r.error.as_ref().is_some_and(|e| {
        matches!(
            e.kind,
            ErrorKind::TlsHandshake | ErrorKind::TlsInjection | ErrorKind::TlsUnavailable
        ) || matches!(e.stage, Stage::StartTls | Stage::TlsHandshake)
    });
    if tls_error || (r.tls.established && !cert_ok) {
        Status::Red
    } else if r.tls.established {
        if r.has(FindingId::TlsCertificateExpiring) {
            Status::Amber
        } else {
            Status::Green
        }
    } else if r.has(FindingId::TlsNotOffered)
        || r.has(FindingId::TlsStarttlsRefused)
        || (r.ehlo.is_some() && r.tls.mode != TlsModeUsed::None)
    {
        // EHLO was reached and TLS was not turned off, yet no TLS: not offered, refused,
        // timed out, or not tried because the check stopped after EHLO (docs/checks.md).
        Status::Amber
    } else {
        // Not requested, not reached, or the plan stopped before STARTTLS.
        Status::Grey
    }
}

fn auth_status(r: &Report) -> Status {
    let plaintext = r.has(FindingId::AuthPlaintextOffered);
    match r.auth.login.outcome {
        LoginOutcome::Failure => Status::Red,
        LoginOutcome::RefusedByClient => Status::Amber,
        LoginOutcome::Success if plaintext => Status::Amber,
        LoginOutcome::Success => Status::Green,
        _ if plaintext => Status::Amber,
        _ if !r.auth.mechanisms_after_tls.is_empty()
            || !r.auth.mechanisms_before_tls.is_empty() =>
        {
            Status::Green
        }
        _ => Status::Grey,
    }
}

fn delivery_status(r: &Report) -> Status {
    match r.delivery.outcome {
        DeliveryOutcome::Accepted if r.has(FindingId::DeliveryPartial) => Status::Amber,
        DeliveryOutcome::Accepted => Status::Green,
        DeliveryOutcome::Deferred => Status::Amber,
        DeliveryOutcome::Bounced | DeliveryOutcome::Unknown => Status::Red,
        DeliveryOutcome::NotTested => Status::Grey,
    }
}

fn verdict(r: &Report) -> Status {
    let mut verdict = r
        .connectivity
        .status
        .worst(r.tls.status)
        .worst(r.auth.status)
        .worst(r.delivery.status);
    // Findings weigh too: an error finding (open relay, injection) makes it red, a
    // warning at least amber.
    for f in &r.findings {
        verdict = verdict.worst(severity_status(f.severity));
    }
    // The follow-through: red when the message never landed, amber in a junk folder.
    if let Some(f) = &r.follow_through {
        verdict = verdict.worst(f.status);
    }
    // An error makes the check red, except a 421 in the middle of a transaction: the
    // server talked and deferred the mail (the delivery area is amber).
    let deferred_by_421 = r.error.as_ref().is_some_and(|e| {
        e.kind == ErrorKind::Rejected && r.delivery.outcome == DeliveryOutcome::Deferred
    });
    if r.error.is_some() && !deferred_by_421 {
        verdict = Status::Red;
    }
    if verdict == Status::Grey {
        verdict = Status::Green;
    }
    verdict
}

fn summary(r: &Report) -> String {
    let target = format!("{}:{}", r.target.host, r.target.port);
    if let Some(e) = &r.error
        && matches!(e.stage, Stage::Dns | Stage::Connect)
    {
        return format!("{target}: cannot talk — {}", e.message);
    }
    let mut parts = Vec::new();
    if let Some(g) = &r.connectivity.greeting {
        parts.push(format!("greeting {}", g.code));
    }
    if r.tls.established {
        let v = r
            .tls
            .certificate
            .as_ref()
            .map_or("unknown", |c| c.verification.as_str());
        parts.push(format!(
            "{} (certificate {v})",
            r.tls.version.map_or("TLS", |v| v.as_str())
        ));
    } else if r.tls.error.is_some() {
        parts.push("TLS failed".into());
    } else if r.has(FindingId::TlsNotOffered) {
        parts.push("no TLS offered".into());
    }
    match r.auth.login.outcome {
        LoginOutcome::Success => parts.push("login ok".into()),
        LoginOutcome::Failure => parts.push("login failed".into()),
        _ => {}
    }
    if r.delivery.outcome != DeliveryOutcome::NotTested {
        let code = r
            .delivery
            .reply
            .as_ref()
            .map(|x| match &x.enhanced {
                Some(e) => format!(" {} {e}", x.code),
                None => format!(" {}", x.code),
            })
            .unwrap_or_default();
        let reason = r
            .delivery
            .reason
            .filter(|x| *x != Reason::Accepted)
            .map(|x| format!(" ({x})"))
            .unwrap_or_default();
        let refused = r
            .delivery
            .recipients
            .iter()
            .filter(|x| x.outcome != DeliveryOutcome::Accepted)
            .count();
        if r.delivery.outcome == DeliveryOutcome::Accepted && refused > 0 {
            // Never "delivery accepted" when some recipients were refused.
            let n = r.delivery.recipients.len();
            parts.push(format!(
                "delivery: {refused} of {n} recipients refused, {} accepted{code}",
                n - refused
            ));
        } else {
            parts.push(format!("delivery {}{code}{reason}", r.delivery.outcome));
        }
    }
    if r.relay.as_ref().is_some_and(|x| x.open) {
        parts.push("OPEN RELAY".into());
    }
    if let Some(s) = r.follow_through.as_ref().and_then(|f| f.summary()) {
        parts.push(s);
    }
    if let Some(e) = &r.error {
        parts.push(format!("stopped at {}: {}", e.stage, e.kind));
    }
    if parts.is_empty()
        && let Some(to) = &r.connectivity.connected_to
    {
        parts.push(format!("connected to {to}"));
    }
    format!("{target}: {}", parts.join(", "))
}
