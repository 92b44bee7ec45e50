//! Delivery status notifications (RFC 3464 `multipart/report`) to put in a bounce
//! mailbox, as the reporting MTA would write them.

use std::fmt::Write as _;

/// What a [`Dsn`] reports; build one with [`Dsn::failed`] or [`Dsn::delayed`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dsn {
    /// The `Message-ID` of the returned message (in the `text/rfc822-headers` part).
    pub message_id: String,
    /// `Original-Envelope-Id`, when the sender gave an ENVID.
    pub envelope_id: Option<String>,
    /// `Final-Recipient`.
    pub recipient: String,
    /// `Action` (`failed`, `delayed`, `delivered`, …).
    pub action: String,
    /// `Status` (`5.1.1`).
    pub status: String,
    /// `Diagnostic-Code` (without `smtp;`), when given.
    pub diagnostic: Option<String>,
    /// `Reporting-MTA`.
    pub reporting_mta: String,
    /// `Remote-MTA`, when given.
    pub remote_mta: Option<String>,
    /// Bytes of filler in the human-readable part (to make an oversized bounce).
    pub padding: usize,
}

impl Dsn {
    /// A hard bounce: `Action: failed`, `Status: 5.1.1`, `550 5.1.1 <rcpt>: Recipient
    /// address rejected: User unknown`.
    #[must_use]
    pub fn failed(message_id: &str, recipient: &str) -> Self {
        Self {
            message_id: message_id.to_owned(),
            envelope_id: None,
            recipient: recipient.to_owned(),
            action: "failed".into(),
            status: "5.1.1".into(),
            diagnostic: Some(format!(
                "550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in local recipient table"
            )),
            reporting_mta: "relay.example.net".into(),
            remote_mta: Some("mx.example.org".into()),
            padding: 0,
        }
    }

    /// A delay notice: `Action: delayed`, `Status: 4.4.1`, a connection timed out.
    #[must_use]
    pub fn delayed(message_id: &str, recipient: &str) -> Self {
        Self {
            action: "delayed".into(),
            status: "4.4.1".into(),
            diagnostic: Some("451 4.4.1 connection to mx.example.org timed out".into()),
            ..Self::failed(message_id, recipient)
        }
    }

    /// The whole message (CRLF line ends).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut m = String::new();
        let _ = write!(
            m,
            "Return-Path: <>\r\nFrom: MAILER-DAEMON@{rep} (Mail Delivery System)\r\n\
Subject: Undelivered Mail Returned to Sender\r\nTo: bounces@example.com\r\n\
Date: Tue, 1 Dec 2026 14:02:41 +0000\r\nMessage-ID: <dsn.{id}@{rep}>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"DSN-BOUNDARY\"\r\n\r\n\
--DSN-BOUNDARY\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n\
This is the mail system at host {rep}.\r\n\r\nI'm sorry to have to inform you that your message could not\r\n\
be delivered to one or more recipients.\r\n",
            rep = self.reporting_mta,
            id = self.message_id.trim_matches(['<', '>']).replace('@', "."),
        );
        for _ in 0..self.padding / 64 {
            m.push_str("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
        }
        let _ = write!(
            m,
            "\r\n--DSN-BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; {}\r\n",
            self.reporting_mta
        );
        if let Some(e) = &self.envelope_id {
            let _ = write!(m, "Original-Envelope-Id: {e}\r\n");
        }
        let _ = write!(
            m,
            "Arrival-Date: Tue, 1 Dec 2026 14:02:07 +0000\r\n\r\n\
Final-Recipient: rfc822; {}\r\nOriginal-Recipient: rfc822; {}\r\nAction: {}\r\nStatus: {}\r\n",
            self.recipient, self.recipient, self.action, self.status
        );
        if let Some(r) = &self.remote_mta {
            let _ = write!(m, "Remote-MTA: dns; {r}\r\n");
        }
        if let Some(d) = &self.diagnostic {
            let _ = write!(m, "Diagnostic-Code: smtp; {d}\r\n");
        }
        let _ = write!(
            m,
            "\r\n--DSN-BOUNDARY\r\nContent-Type: text/rfc822-headers\r\n\r\n\
From: probe@example.com\r\nTo: {}\r\nSubject: SMTPing test\r\nMessage-ID: {}\r\n\
Date: Tue, 1 Dec 2026 14:02:07 +0000\r\n\r\n--DSN-BOUNDARY--\r\n",
            self.recipient, self.message_id
        );
        m.into_bytes()
    }
}
