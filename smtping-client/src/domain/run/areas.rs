//! The judgement half of `smtping domain`: evaluator results → areas, findings (ids from
//! the one catalogue, [`FindingId`]), traffic lights, verdict and summary. Pure.

use smtping_signals::spf::{self, SpfResult, TreeNode};

use super::Observed;
use crate::domain::DomainCheck;
use crate::domain::report::{
    DkimSection, DkimSelectorInfo, DmarcSection, DnsblInfo, DomainReport, ExternalDestination,
    PtrInfo, ReputationSection, SpfIpResult, SpfNode, SpfSection,
};
use crate::report::{Finding, FindingId, Severity, Status};

/// Collects the findings of one area and its traffic light. The same finding id for many
/// names (a lookup failure for every selector) is reported once, with a count.
struct Area {
    status: Status,
    findings: Vec<Finding>,
    repeats: Vec<usize>,
}

impl Area {
    fn new() -> Self {
        Self {
            status: Status::Green,
            findings: Vec::new(),
            repeats: Vec::new(),
        }
    }

    /// The findings, repeated ones with their count.
    fn into_findings(self) -> Vec<Finding> {
        self.findings
            .into_iter()
            .zip(self.repeats)
            .map(|(mut f, more)| {
                if more > 0 {
                    f.message = format!("{} (and {more} more like it)", f.message);
                }
                f
            })
            .collect()
    }

    /// Adds a finding by its catalogue id; the area takes its severity.
    fn add(&mut self, id: &str, message: String) {
        let Ok(id) = id.parse::<FindingId>() else {
            // Every evaluator id is in the catalogue (a test checks it); never drop one
            // silently in a release build either.
            debug_assert!(false, "finding id {id:?} is not in the catalogue");
            return;
        };
        self.add_finding(Finding::new(id, message));
    }

    /// Adds a finding by its catalogue id, with the severity the evaluator gave it (some
    /// ids are worse in some cases, e.g. a missing `p=` with or without `rua`).
    fn add_as(&mut self, id: &str, message: String, severity: Severity) {
        let Ok(id) = id.parse::<FindingId>() else {
            debug_assert!(false, "finding id {id:?} is not in the catalogue");
            return;
        };
        self.add_finding(Finding::new(id, message).severity(severity));
    }

    /// Adds a finding with its own severity.
    fn add_finding(&mut self, finding: Finding) {
        self.status = self.status.worst(status_of(finding.severity));
        match self
            .findings
            .iter()
            .position(|f| f.id == finding.id && f.severity == finding.severity)
        {
            Some(i) => {
                if self.findings[i].message != finding.message {
                    self.repeats[i] += 1;
                }
            }
            None => {
                self.findings.push(finding);
                self.repeats.push(0);
            }
        }
    }
}

fn spf_severity(s: spf::Severity) -> Severity {
    match s {
        spf::Severity::Error => Severity::Error,
        spf::Severity::Warning => Severity::Warning,
        _ => Severity::Info,
    }
}

fn dkim_severity(s: smtping_signals::dkim::Severity) -> Severity {
    use smtping_signals::dkim::Severity as S;
    match s {
        S::Error => Severity::Error,
        S::Warning => Severity::Warning,
        _ => Severity::Info,
    }
}

/// DMARC problems use the DKIM module's severity scale.
fn dmarc_severity(s: smtping_signals::dkim::Severity) -> Severity {
    dkim_severity(s)
}

const fn status_of(s: Severity) -> Status {
    match s {
        Severity::Error => Status::Red,
        Severity::Warning => Status::Amber,
        _ => Status::Green,
    }
}

fn node(n: &TreeNode) -> SpfNode {
    SpfNode {
        domain: n.domain.clone(),
        record: n.record.clone(),
        mechanisms: n.mechanisms.clone(),
        children: n.children.iter().map(node).collect(),
        error: n.error.as_ref().map(ToString::to_string),
    }
}

impl DomainCheck {
    /// Builds the report from what the evaluators returned.
    pub(super) fn assemble(&self, o: Observed) -> DomainReport {
        let mut findings = Vec::new();
        let mut report = DomainReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            domain: self.domain.clone(),
            timings_ms: o.timings,
            ..DomainReport::default()
        };

        // MX
        let mut mx = Area::new();
        report.mx = o.mx;
        if let Some(e) = &report.mx.error {
            mx.add(FindingId::DnsMxLookupFailed.as_str(), e.clone());
        } else if report.mx.null_mx {
            mx.add(
                FindingId::DnsNullMx.as_str(),
                format!(
                    "{} publishes a null MX (RFC 7505): it accepts no mail",
                    self.domain
                ),
            );
        } else {
            if report.mx.implicit_mx {
                mx.add(
                    FindingId::DnsImplicitMx.as_str(),
                    format!(
                        "{} has no MX record: senders use its own address",
                        self.domain
                    ),
                );
            }
            let without: Vec<&str> = report
                .mx
                .hosts
                .iter()
                .filter(|h| h.addresses.is_empty())
                .map(|h| h.name.as_str())
                .collect();
            if !without.is_empty() {
                let all = without.len() == report.mx.hosts.len();
                let mut f = format!(
                    "MX host{} without an address: {}",
                    if without.len() == 1 { "" } else { "s" },
                    without.join(", ")
                );
                if all {
                    f.push_str(" (no MX host can be reached: mail to this domain bounces)");
                }
                mx.add(FindingId::DnsMxNoAddress.as_str(), f);
                if all {
                    mx.status = Status::Red;
                }
            }
        }
        report.mx.status = if report.mx.error.is_some() {
            Status::Red
        } else {
            mx.status
        };
        findings.extend(mx.into_findings());

        // SPF
        let mut area = Area::new();
        let mut spf = SpfSection::default();
        match &o.spf_policy {
            Ok(policy) => {
                spf.record = policy.record.clone();
                spf.all = policy.all.map(|q| format!("{}all", q.as_char()));
                spf.lookups = policy.lookups;
                spf.tree = policy.tree.first().map(node);
                spf.error = policy.error.as_ref().map(ToString::to_string);
                for p in &policy.problems {
                    area.add_as(p.finding_id(), p.to_string(), spf_severity(p.severity()));
                }
            }
            Err(e) => {
                spf.error = Some(e.clone());
                area.add(FindingId::SpfEvaluationError.as_str(), e.clone());
            }
        }
        for (ip, out) in &o.spf {
            let out = match out {
                Ok(out) => out,
                Err(e) => {
                    area.add(
                        FindingId::SpfEvaluationError.as_str(),
                        format!("SPF for {ip}: {e}"),
                    );
                    continue;
                }
            };
            spf.void_lookups = spf.void_lookups.max(out.void_lookups);
            for p in spf::analyze(out)
                .into_iter()
                .filter(|p| p.finding_id() == "spf.limit_exceeded")
            {
                area.add_as(
                    p.finding_id(),
                    format!("SPF for {ip}: {p}"),
                    spf_severity(p.severity()),
                );
            }
            spf.results.push(SpfIpResult {
                ip: ip.to_string(),
                result: out.result.as_str().to_owned(),
                mechanism: out.mechanism.clone(),
            });
            match out.result {
                SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => area.add(
                    FindingId::SpfNotAuthorized.as_str(),
                    format!(
                        "{ip} is not authorised by {}'s SPF: {}{}",
                        self.domain,
                        out.result,
                        out.mechanism
                            .as_deref()
                            .map_or_else(String::new, |m| format!(" via {m}"))
                    ),
                ),
                SpfResult::TempError | SpfResult::PermError => area.add(
                    FindingId::SpfEvaluationError.as_str(),
                    format!(
                        "SPF for {ip}: {}{}",
                        out.result,
                        out.error
                            .as_ref()
                            .map_or_else(String::new, |e| format!(" ({e})"))
                    ),
                ),
                _ => {}
            }
        }
        spf.status = if spf.record.is_none() && spf.error.is_some() && area.status == Status::Green
        {
            Status::Grey
        } else {
            area.status
        };
        report.spf = spf;
        findings.extend(area.into_findings());

        // DKIM
        let mut area = Area::new();
        let mut dkim = DkimSection::default();
        match &o.dkim {
            Ok(d) => {
                dkim.domainkey_exists = d.domainkey_exists;
                dkim.selectors_guessed = d.guessed;
                dkim.selectors_tried = d.selectors_tried.clone();
                dkim.selectors = d
                    .selectors
                    .iter()
                    .map(|s| DkimSelectorInfo {
                        selector: s.selector.clone(),
                        found: s.found,
                        key_type: s.key_type.map(|k| k.as_str().to_owned()),
                        key_bits: s.key_bits,
                        testing: s.testing,
                        revoked: s.revoked,
                        error: s.error.clone(),
                    })
                    .collect();
                for p in &d.problems {
                    area.add_as(p.finding_id(), p.to_string(), dkim_severity(p.severity()));
                }
            }
            Err(e) => area.add(FindingId::DkimLookupFailed.as_str(), e.clone()),
        }
        dkim.status = area.status;
        report.dkim = dkim;
        findings.extend(area.into_findings());

        // DMARC
        let mut area = Area::new();
        let mut dmarc = DmarcSection::default();
        match &o.dmarc {
            Ok(d) => {
                dmarc.record = d.record.clone();
                dmarc.record_domain = d.record_domain.clone();
                dmarc.policy = d.policy.map(|p| p.as_str().to_owned());
                dmarc.subdomain_policy = d.subdomain_policy.map(|p| p.as_str().to_owned());
                dmarc.pct = d.pct;
                dmarc.adkim = d.adkim.map(|a| a.as_str().to_owned());
                dmarc.aspf = d.aspf.map(|a| a.as_str().to_owned());
                dmarc.rua = d.rua.clone();
                dmarc.ruf = d.ruf.clone();
                dmarc.org_domain = d.org_domain.clone();
                dmarc.org_domain_rfc9989 = Some(d.org_domain_rfc9989.clone());
                dmarc.external_rua = d
                    .external_rua
                    .iter()
                    .map(|e| ExternalDestination {
                        destination: e.destination.clone(),
                        authorized: e.authorized,
                    })
                    .collect();
                dmarc.error = d.error.clone();
                for p in &d.problems {
                    area.add_as(p.finding_id(), p.to_string(), dmarc_severity(p.severity()));
                }
            }
            Err(e) => area.add(FindingId::DmarcLookupFailed.as_str(), e.clone()),
        }
        dmarc.status = area.status;
        report.dmarc = dmarc;
        findings.extend(area.into_findings());

        // Reputation
        let mut area = Area::new();
        let mut rep = ReputationSection::default();
        for p in &o.ptr {
            match p {
                Ok(p) => {
                    rep.ptr.push(PtrInfo {
                        ip: p.ip.to_string(),
                        names: p.names.clone(),
                        fcrdns: p.fcrdns,
                        error: p.error.clone(),
                    });
                    for problem in &p.problems {
                        area.add(
                            problem.finding_id(),
                            format!("MX address {}: {problem}", p.ip),
                        );
                    }
                }
                Err(e) => area.add(FindingId::DnsPtrTempFailure.as_str(), e.clone()),
            }
        }
        for b in &o.dnsbl {
            rep.dnsbl.push(DnsblInfo::from_result(b));
            for problem in &b.problems {
                area.add(problem.finding_id(), format!("{}: {problem}", b.query));
            }
        }
        for e in &o.dnsbl_errors {
            area.add(FindingId::DnsblTempFailure.as_str(), e.clone());
        }
        rep.status = if rep.ptr.is_empty() && rep.dnsbl.is_empty() {
            Status::Grey
        } else {
            area.status
        };
        report.reputation = rep;
        findings.extend(area.into_findings());

        self.transport_areas(&o.transport, &mut report, &mut findings);
        if let Some(hosts) = &o.tls {
            tls_area(hosts, &mut report, &mut findings);
        }

        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        report.findings = findings;
        report.verdict = [
            report.mx.status,
            report.spf.status,
            report.dkim.status,
            report.dmarc.status,
            report.reputation.status,
            report.dnssec.as_ref().map_or(Status::Grey, |d| d.status),
            report.dane.as_ref().map_or(Status::Grey, |d| d.status),
            report.mta_sts.as_ref().map_or(Status::Grey, |d| d.status),
            report.tls_rpt.as_ref().map_or(Status::Grey, |d| d.status),
            report.tls.as_ref().map_or(Status::Grey, |d| d.status),
        ]
        .into_iter()
        .fold(Status::Grey, Status::worst);
        for f in &report.findings {
            report.verdict = report.verdict.worst(status_of(f.severity));
        }
        if report.verdict == Status::Grey {
            report.verdict = Status::Green;
        }
        report.summary = summary(&report);
        report
    }
}

/// One sentence: the worst things first, else what is in place.
fn summary(r: &DomainReport) -> String {
    let mut parts = Vec::new();
    if r.mx.null_mx {
        parts.push("null MX (accepts no mail)".to_owned());
    } else if r.mx.error.is_some() {
        parts.push("MX lookup failed".to_owned());
    } else {
        parts.push(format!(
            "{} MX host{}",
            r.mx.hosts.len(),
            if r.mx.hosts.len() == 1 { "" } else { "s" }
        ));
    }
    parts.push(match (&r.spf.record, &r.spf.all) {
        (None, _) => "no SPF".to_owned(),
        (Some(_), Some(all)) => format!("SPF {all}, {} lookups", r.spf.lookups),
        (Some(_), None) => format!("SPF, {} lookups", r.spf.lookups),
    });
    let keys = r
        .dkim
        .selectors
        .iter()
        .filter(|s| s.found && !s.revoked)
        .count();
    parts.push(if keys == 0 {
        "no DKIM key found".to_owned()
    } else {
        format!("{keys} DKIM key{}", if keys == 1 { "" } else { "s" })
    });
    parts.push(match &r.dmarc.policy {
        Some(p) => format!("DMARC p={p}"),
        None => "no DMARC".to_owned(),
    });
    if let Some(t) = r.tls.as_ref().filter(|t| !t.hosts.is_empty()) {
        let verified = t
            .hosts
            .iter()
            .filter(|h| {
                h.certificate
                    .as_ref()
                    .is_some_and(|c| c.verification.is_valid())
            })
            .count();
        parts.push(format!(
            "verified TLS on {verified}/{} MX address{}",
            t.hosts.len(),
            if t.hosts.len() == 1 { "" } else { "es" }
        ));
    }
    let listed = r.reputation.dnsbl.iter().filter(|b| b.listed).count();
    if listed > 0 {
        parts.push(format!(
            "listed on {listed} blocklist{}",
            if listed == 1 { "" } else { "s" }
        ));
    }
    let problems = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .count();
    if problems > 0 {
        parts.push(format!(
            "{problems} problem{} to fix",
            if problems == 1 { "" } else { "s" }
        ));
    }
    format!("{}: {}", r.domain, parts.join(", "))
}

/// The `tls` section: every MX address, its findings (the check's own TLS ids, and
/// `mx.host_failed` for an address that did not answer); the worst address decides.
fn tls_area(hosts: &[super::tls::HostTls], report: &mut DomainReport, findings: &mut Vec<Finding>) {
    use crate::domain::report::TlsSection;
    let mut area = Area::new();
    let mut section = TlsSection::default();
    let mut answered = 0usize;
    for h in hosts {
        for a in &h.addresses {
            if a.host.connected {
                answered += 1;
            }
            area.status = area.status.worst(a.host.status);
            for f in &a.findings {
                area.add_finding(f.clone());
            }
            section.hosts.push(a.host.clone());
        }
    }
    if answered == 0 && !section.hosts.is_empty() {
        // Nothing answered on port 25: often this network, not the domain.
        area.add_finding(
            Finding::new(
                FindingId::MxHostFailed,
                "no MX address answered on port 25: if other domains' MX hosts do not answer either, outbound port 25 is blocked on this network (check from another network, or use --no-connect)",
            )
            .severity(Severity::Warning),
        );
    }
    section.status = if section.hosts.is_empty() {
        Status::Grey
    } else {
        area.status
    };
    report.tls = Some(section);
    findings.extend(area.into_findings());
}

/// `secure`, `insecure`, `bogus` or `unknown`.
fn dnssec_word(s: smtping_signals::dnssec::DnssecStatus) -> &'static str {
    use smtping_signals::dnssec::DnssecStatus as D;
    match s {
        D::Secure => "secure",
        D::Insecure => "insecure",
        D::Bogus => "bogus",
        _ => "unknown",
    }
}

impl DomainCheck {
    /// DNSSEC, DANE, MTA-STS and TLS-RPT areas.
    fn transport_areas(
        &self,
        t: &super::transport::TransportObserved,
        report: &mut DomainReport,
        findings: &mut Vec<Finding>,
    ) {
        use crate::domain::report::{
            DaneHost, DaneSection, DnssecHost, DnssecSection, MtaStsHost, MtaStsSection,
            TlsRptSection, TlsaInfo,
        };
        use smtping_signals::mta_sts::{MtaStsReport, MxHostCheck};

        // DNSSEC and DANE
        let mut area = Area::new();
        let mut dane_area = Area::new();
        match &t.dnssec {
            Ok(outcome) => {
                let d = &outcome.dnssec;
                for p in &d.problems {
                    area.add_as(p.finding_id(), p.to_string(), dkim_severity(p.severity()));
                }
                let unknown = d.status == smtping_signals::dnssec::DnssecStatus::Unknown;
                report.dnssec = Some(DnssecSection {
                    status: if unknown && area.status == Status::Green {
                        Status::Grey
                    } else {
                        area.status
                    },
                    domain: d.domain.map_or("unknown", dnssec_word).to_owned(),
                    mx: d.mx.map_or("unknown", dnssec_word).to_owned(),
                    hosts: d
                        .hosts
                        .iter()
                        .map(|h| DnssecHost {
                            name: h.name.clone(),
                            status: dnssec_word(h.status).to_owned(),
                        })
                        .collect(),
                    error: d.reason.clone(),
                });
                // The same status beside each MX host (`mx.hosts[].dnssec`).
                for mx in &mut report.mx.hosts {
                    if let Some(h) = d
                        .hosts
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(&mx.name))
                    {
                        mx.dnssec = Some(dnssec_word(h.status).to_owned());
                    }
                }
                let mut hosts = Vec::new();
                for h in &outcome.dane.hosts {
                    for p in &h.problems {
                        dane_area.add_as(
                            p.finding_id(),
                            format!("{}: {p}", h.name),
                            dkim_severity(p.severity()),
                        );
                    }
                    hosts.push(DaneHost {
                        name: h.name.clone(),
                        tlsa: h
                            .tlsa
                            .iter()
                            .map(|r| TlsaInfo {
                                usage: r.usage,
                                selector: r.selector,
                                matching: r.matching,
                                data: r.data.clone(),
                            })
                            .collect(),
                        usable: h.usable,
                        matched: h.matched,
                        error: h.error.clone(),
                    });
                }
                let any_tlsa = hosts.iter().any(|h| !h.tlsa.is_empty());
                report.dane = Some(DaneSection {
                    status: if !any_tlsa && dane_area.status == Status::Green {
                        Status::Grey
                    } else {
                        dane_area.status
                    },
                    hosts,
                });
            }
            Err(e) => {
                area.add(FindingId::DnssecLookupFailed.as_str(), e.clone());
                report.dnssec = Some(DnssecSection {
                    status: area.status,
                    domain: "unknown".into(),
                    mx: "unknown".into(),
                    error: Some(e.clone()),
                    ..DnssecSection::default()
                });
            }
        }
        findings.extend(area.into_findings());
        findings.extend(dane_area.into_findings());

        // MTA-STS: the policy against every MX host, with each host's certificate
        // verdict from the TLS section (unknown with `--no-connect`).
        let mut area = Area::new();
        match &t.mta_sts {
            Ok(discovery) => {
                let hosts: Vec<MxHostCheck> = report
                    .mx
                    .hosts
                    .iter()
                    .map(|h| {
                        let valid = t
                            .certificates
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(&h.name))
                            .and_then(|(_, v)| *v);
                        MxHostCheck::new(&h.name, valid)
                    })
                    .collect();
                let policy = t.policy.as_ref().map(|r| match r {
                    Ok(body) => Ok(body.as_slice()),
                    Err(e) => Err(e.clone()),
                });
                let sts = MtaStsReport::assess(discovery.clone(), policy, &hosts);
                for p in &sts.problems {
                    area.add_as(p.finding_id(), p.to_string(), dkim_severity(p.severity()));
                }
                let present = sts.record.is_some();
                report.mta_sts = Some(MtaStsSection {
                    status: if !present && area.status == Status::Green {
                        Status::Grey
                    } else {
                        area.status
                    },
                    txt_id: sts.txt_id.clone(),
                    mode: sts.mode.map(|m| m.as_str().to_owned()),
                    max_age: sts.max_age.map(u64::from),
                    mx_patterns: sts.mx_patterns.iter().map(ToString::to_string).collect(),
                    hosts: sts
                        .hosts
                        .iter()
                        .map(|h| MtaStsHost {
                            name: h.name.clone(),
                            matched: h.matched,
                            certificate_valid: h.certificate_valid,
                        })
                        .collect(),
                    error: sts.error.clone(),
                });
            }
            Err(e) => {
                area.add(FindingId::MtaStsLookupFailed.as_str(), e.clone());
                report.mta_sts = Some(MtaStsSection {
                    status: area.status,
                    error: Some(e.clone()),
                    ..MtaStsSection::default()
                });
            }
        }
        findings.extend(area.into_findings());

        // TLS-RPT
        let mut area = Area::new();
        match &t.tls_rpt {
            Ok(r) => {
                for p in &r.problems {
                    area.add_as(p.finding_id(), p.to_string(), dkim_severity(p.severity()));
                }
                report.tls_rpt = Some(TlsRptSection {
                    status: if r.record.is_none() && area.status == Status::Green {
                        Status::Grey
                    } else {
                        area.status
                    },
                    record: r.record.clone(),
                    rua: r.rua.clone(),
                });
            }
            Err(e) => {
                area.add(FindingId::TlsRptLookupFailed.as_str(), e.clone());
                report.tls_rpt = Some(TlsRptSection {
                    status: area.status,
                    ..TlsRptSection::default()
                });
            }
        }
        findings.extend(area.into_findings());
    }
}
