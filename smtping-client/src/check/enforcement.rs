//! `--probe-enforcement`: does the server refuse a plaintext transaction?

use std::net::{IpAddr, SocketAddr};

use smtping_proto::Address;
use smtping_proto::session::{Envelope, Plan, QuitAfter, Session, TlsPolicy};

use super::{Check, ENFORCEMENT_PROBE_FROM, ENFORCEMENT_PROBE_TO};
use crate::facts::RelayFacts;
use crate::runtime::Runtime;

impl Check {
    /// The probe's envelope: the check's own, else the reserved one.
    fn enforcement_envelope(&self) -> (Address, Address) {
        let from = self.from.clone().unwrap_or_else(|| {
            Address::new(ENFORCEMENT_PROBE_FROM).unwrap_or_else(|_| Address::null())
        });
        let to = self
            .to
            .first()
            .cloned()
            .or_else(|| Address::new(ENFORCEMENT_PROBE_TO).ok());
        (from, to.unwrap_or_else(Address::null))
    }

    /// A plaintext session to `address` that tries MAIL and RCPT before any STARTTLS.
    pub(super) async fn observe_enforcement<R: Runtime>(
        &self,
        rt: &R,
        address: SocketAddr,
    ) -> RelayFacts {
        let (from, to) = self.enforcement_envelope();
        Self::pause(rt).await;
        match rt.connect(address, self.connect_timeout).await {
            Ok((stream, local)) => {
                let plan = self.enforcement_plan(local.ip(), from.clone(), to.clone());
                let session = Session::new(plan, rt.now());
                RelayFacts::Ran {
                    run: Box::new(rt.run_session(stream, session, None).await),
                    from: from.as_str().to_owned(),
                    to: to.as_str().to_owned(),
                    local: local.ip(),
                }
            }
            Err(e) => RelayFacts::Failed {
                from: from.as_str().to_owned(),
                to: to.as_str().to_owned(),
                error: format!("could not reconnect to {address}: {e}"),
            },
        }
    }

    /// Plaintext, no pipelining (the MAIL reply stands alone), stop after RCPT.
    fn enforcement_plan(&self, local: IpAddr, from: Address, to: Address) -> Plan {
        let mut plan = Plan::new(self.ehlo_name(local))
            .tls(TlsPolicy::None)
            .pipelining(false)
            .redact_addresses(self.redact)
            .envelope(Envelope::new(from, vec![to]))
            .quit_after(QuitAfter::Rcpt);
        if let Some(d) = self.command_timeout {
            plan = plan.timeouts(super::plan::command_timeouts(d));
        }
        plan
    }
}
