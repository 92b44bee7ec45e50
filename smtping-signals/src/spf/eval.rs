//! The sans-IO `check_host()` of RFC 7208 §4–§6.
//!
//! The evaluation is a pure function of the answers received so far: each answer is
//! stored, and the evaluation re-runs from the start over the stored answers until it
//! needs one it does not have. Order of evaluation, the lookup limits and the result are
//! therefore exactly those of the RFC whatever order answers arrive in; what the re-run
//! adds is *prefetch*: when it stops at a missing answer it also hands out the questions
//! the following terms of the same record will need (within the remaining lookup
//! budget), the addresses of every exchange of an `mx` term at once, and the TXT records
//! of the include/redirect tree.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;

use smtping_proto::dns::{DnsError, Question, RecordType, reverse_name};

use super::macros::{MacroContext, expand, shorten_domain};
use super::record::{
    Directive, MacroLetter, MacroString, Mechanism, Qualifier, Record, Term, is_spf1, macro_string,
};
use super::result::{Scope, SpfError, SpfOutput, SpfResult, TreeNode};
use crate::{Evaluator, Response};

/// DNS-querying terms allowed per evaluation (RFC 7208 §4.6.4).
pub const MAX_DNS_TERMS: u32 = 10;
/// Void lookups allowed (RFC 7208 §4.6.4).
pub const MAX_VOID_LOOKUPS: u32 = 2;
/// MX records an `mx` term may examine, and PTR names a `ptr` term or `%{p}` examines.
pub const MAX_NAMES: usize = 10;
/// Records shown in the include/redirect tree.
pub const MAX_TREE_NODES: usize = 40;
/// Levels of the include/redirect tree.
pub const MAX_TREE_DEPTH: usize = 12;
/// Distinct questions one evaluation may ask (evaluation, `%{p}`, explanation and tree).
pub const MAX_SPF_QUESTIONS: usize = 400;

/// What to check: the client address and the identity (RFC 7208 §4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfRequest {
    /// The SMTP client's address (an IPv4-mapped IPv6 address is checked as IPv4).
    pub ip: IpAddr,
    /// MAIL FROM or HELO.
    pub scope: Scope,
    /// The local-part of the sender (`postmaster` when there is none).
    pub local: String,
    /// The domain to check (the sender's domain, or the HELO name).
    pub domain: String,
    /// The HELO/EHLO name (for `%{h}`).
    pub helo: String,
    /// The receiving host (for `%{r}` in explanations; default `unknown`).
    pub receiver: String,
    /// Seconds since the epoch (for `%{t}` in explanations; the evaluator has no clock).
    pub timestamp: u64,
    /// Fetch the whole include/redirect tree for display (default on).
    pub walk_tree: bool,
}

impl SpfRequest {
    /// The MAIL FROM check: `mail_from` is an address (`<>` and brackets allowed) or a
    /// bare domain; empty means the null reverse-path, checked as `postmaster@HELO`.
    ///
    /// ```
    /// use smtping_signals::spf::SpfRequest;
    /// let r = SpfRequest::mail_from("192.0.2.1".parse()?, "<>", "mx.example.org");
    /// assert_eq!((r.local.as_str(), r.domain.as_str()), ("postmaster", "mx.example.org"));
    /// let r = SpfRequest::mail_from("192.0.2.1".parse()?, "Joe@Example.COM", "mx.example.org");
    /// assert_eq!((r.local.as_str(), r.domain.as_str()), ("Joe", "Example.COM"));
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    #[must_use]
    pub fn mail_from(ip: IpAddr, mail_from: &str, helo: &str) -> Self {
        let m = mail_from.trim();
        let m = m
            .strip_prefix('<')
            .and_then(|m| m.strip_suffix('>'))
            .unwrap_or(m);
        let (local, domain) = match m.rsplit_once('@') {
            Some((l, d)) => (l, d),
            None if m.is_empty() => ("", helo),
            None => ("", m),
        };
        Self {
            ip: ip.to_canonical(),
            scope: Scope::MailFrom,
            local: if local.is_empty() {
                "postmaster".into()
            } else {
                local.into()
            },
            domain: domain.into(),
            helo: helo.into(),
            receiver: "unknown".into(),
            timestamp: 0,
            walk_tree: true,
        }
    }

    /// The HELO check (RFC 7208 §2.3): the identity `postmaster@HELO`.
    #[must_use]
    pub fn helo(ip: IpAddr, helo: &str) -> Self {
        Self {
            scope: Scope::Helo,
            ..Self::mail_from(ip, "", helo)
        }
    }

    /// Sets the receiving host name for `%{r}`.
    #[must_use]
    pub fn with_receiver(mut self, receiver: &str) -> Self {
        self.receiver = receiver.into();
        self
    }

    /// Sets the time for `%{t}` (seconds since the epoch).
    #[must_use]
    pub fn with_timestamp(mut self, unix_seconds: u64) -> Self {
        self.timestamp = unix_seconds;
        self
    }

    /// Whether to fetch the include/redirect tree (off: only what the RFC evaluation
    /// needs is asked, and [`SpfOutput::tree`] is empty).
    #[must_use]
    pub fn with_tree(mut self, on: bool) -> Self {
        self.walk_tree = on;
        self
    }
}

/// The SPF evaluator: hand it a [`SpfRequest`], answer its questions, get an
/// [`SpfOutput`].
///
/// ```
/// use smtping_signals::evaluate_with;
/// use smtping_signals::spf::{SpfEvaluator, SpfRequest, SpfResult};
/// use smtping_testkit::dns::{MemoryDns, Zone};
///
/// let dns = MemoryDns::new(
///     Zone::new()
///         .txt("example.com", "v=spf1 include:_spf.example.com -all")
///         .txt("_spf.example.com", "v=spf1 ip4:192.0.2.0/24 ~all"),
/// )?;
/// let request = SpfRequest::mail_from("192.0.2.7".parse()?, "joe@example.com", "mx.example.org");
/// let out = evaluate_with(SpfEvaluator::new(request), |q| dns.resolve(q))?;
/// assert_eq!(out.result, SpfResult::Pass);
/// assert_eq!(out.mechanism.as_deref(), Some("include:_spf.example.com"));
/// assert_eq!(out.lookups, 1);
/// assert_eq!(out.tree[0].children[0].domain, "_spf.example.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SpfEvaluator {
    request: SpfRequest,
    cache: HashMap<Question, Response>,
    asked: HashSet<Question>,
    outbox: VecDeque<Question>,
    result: Option<SpfOutput>,
    finished: bool,
    policy_only: bool,
}

impl SpfEvaluator {
    /// Starts an evaluation (the first questions are ready at once).
    #[must_use]
    pub fn new(request: SpfRequest) -> Self {
        Self::start(request, false)
    }

    fn start(mut request: SpfRequest, policy_only: bool) -> Self {
        request.ip = request.ip.to_canonical();
        let mut e = Self {
            request,
            cache: HashMap::new(),
            asked: HashSet::new(),
            outbox: VecDeque::new(),
            result: None,
            finished: false,
            policy_only,
        };
        e.step();
        e
    }

    fn step(&mut self) {
        if self.finished {
            return;
        }
        let mut run = Run {
            req: &self.request,
            cache: &self.cache,
            want: Vec::new(),
            lookups: 0,
            voids: 0,
            policy_only: self.policy_only,
        };
        let outcome = run.evaluate();
        let want = std::mem::take(&mut run.want);
        if let Ok(out) = outcome {
            self.result = Some(out);
            self.finished = true;
            return;
        }
        for q in want {
            if self.asked.contains(&q) {
                continue;
            }
            if self.asked.len() >= MAX_SPF_QUESTIONS {
                self.result = Some(self.gave_up());
                self.finished = true;
                return;
            }
            self.asked.insert(q.clone());
            self.outbox.push_back(q);
        }
    }

    fn gave_up(&self) -> SpfOutput {
        SpfOutput {
            ip: self.request.ip,
            identity: identity(&self.request),
            scope: self.request.scope,
            domain: self.request.domain.clone(),
            result: SpfResult::TempError,
            mechanism: None,
            mechanism_domain: None,
            explanation: None,
            lookups: 0,
            void_lookups: 0,
            tree: Vec::new(),
            error: Some(SpfError::TooManyQuestions {
                limit: MAX_SPF_QUESTIONS,
            }),
        }
    }
}

impl Evaluator for SpfEvaluator {
    type Output = SpfOutput;

    fn poll_query(&mut self) -> Option<Question> {
        self.outbox.pop_front()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        let key = normalised(question);
        if self.finished || !self.asked.contains(&key) || self.cache.contains_key(&key) {
            return;
        }
        self.cache.insert(key, response.clone());
        self.step();
    }

    fn poll_result(&mut self) -> Option<SpfOutput> {
        self.result.take()
    }
}

/// The published policy of a domain without a client to check (for `smtping domain`):
/// the record, its `all`, the include/redirect tree with its static lookup count, and
/// the problems found. Asks only TXT records (and PTR/A for a `%{p}` in a target).
///
/// ```
/// use smtping_signals::evaluate_with;
/// use smtping_signals::spf::SpfPolicyEvaluator;
/// use smtping_testkit::dns::{MemoryDns, Zone};
///
/// let dns = MemoryDns::new(Zone::new().txt("example.com", "v=spf1 ptr +all"))?;
/// let policy = evaluate_with(SpfPolicyEvaluator::new("example.com"), |q| dns.resolve(q))?;
/// assert_eq!(policy.record.as_deref(), Some("v=spf1 ptr +all"));
/// assert_eq!(policy.all, Some(smtping_signals::spf::record::Qualifier::Pass));
/// let ids: Vec<_> = policy.problems.iter().map(|p| p.finding_id()).collect();
/// assert_eq!(ids, ["spf.pass_all", "spf.ptr_used"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SpfPolicyEvaluator(SpfEvaluator);

impl SpfPolicyEvaluator {
    /// Starts reading the policy of `domain`.
    #[must_use]
    pub fn new(domain: &str) -> Self {
        let ip = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        Self(SpfEvaluator::start(
            SpfRequest::mail_from(ip, &format!("postmaster@{domain}"), domain),
            true,
        ))
    }
}

impl Evaluator for SpfPolicyEvaluator {
    type Output = SpfPolicy;

    fn poll_query(&mut self) -> Option<Question> {
        self.0.poll_query()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        self.0.handle_response(question, response);
    }

    fn poll_result(&mut self) -> Option<SpfPolicy> {
        let out = self.0.poll_result()?;
        let root = out.tree.first();
        let record = root.and_then(|n| n.record.clone());
        let all = record
            .as_deref()
            .and_then(|t| Record::parse(t).ok())
            .and_then(|r| super::analysis::all_qualifier(&r));
        let error = match root {
            Some(n) => n.error.clone(),
            None => out.error.clone().or_else(|| {
                Some(SpfError::NoRecord {
                    domain: out.domain.clone(),
                })
            }),
        };
        Some(SpfPolicy {
            problems: super::analysis::analyze(&out),
            lookups: root.map_or(0, TreeNode::total_lookups),
            domain: out.domain,
            record,
            all,
            tree: out.tree,
            error,
        })
    }
}

/// A domain's published SPF policy (no client checked): the parts of `smtping domain`'s
/// `spf{record, all, lookups, tree, error}` and its findings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SpfPolicy {
    /// The domain.
    pub domain: String,
    /// The record text, when there is exactly one.
    pub record: Option<String>,
    /// The qualifier of its `all`, if any.
    pub all: Option<Qualifier>,
    /// DNS-querying terms in the whole tree (static; over 10 means some checks will
    /// end in permerror).
    pub lookups: u32,
    /// The include/redirect tree (one root node; empty without a record).
    pub tree: Vec<TreeNode>,
    /// What is wrong or weak, most severe first.
    pub problems: Vec<super::analysis::SpfProblem>,
    /// Why there is no usable record, when there is none.
    pub error: Option<SpfError>,
}

fn normalised(q: &Question) -> Question {
    question(&q.name, q.record_type)
}

fn question(name: &str, record_type: RecordType) -> Question {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    Question {
        name: if n.is_empty() { ".".into() } else { n },
        record_type,
    }
}

fn identity(req: &SpfRequest) -> String {
    format!("{}@{}", req.local, req.domain)
}

/// The evaluation stopped at an answer it does not have yet.
struct Blocked;

type Step<T> = Result<T, Blocked>;

/// How one `check_host()` ended.
#[derive(Clone, Debug)]
struct Outcome {
    result: SpfResult,
    mechanism: Option<String>,
    mechanism_domain: Option<String>,
    error: Option<SpfError>,
    /// The `exp=` of the record whose mechanism decided, with that record's domain.
    exp: Option<(String, MacroString)>,
}

impl Outcome {
    fn error(result: SpfResult, error: SpfError) -> Self {
        Self {
            result,
            mechanism: None,
            mechanism_domain: None,
            error: Some(error),
            exp: None,
        }
    }
}

/// A mechanism's verdict.
enum Match {
    Yes,
    No,
    Error(SpfResult, SpfError),
}

/// The SPF record of a domain, or why there is none.
enum Fetched {
    Record(String, Record),
    None(SpfError),
    Temp(SpfError),
    Perm(SpfError),
    /// One record that does not parse: its text and the error.
    Broken(String, SpfError),
}

struct Run<'a> {
    req: &'a SpfRequest,
    cache: &'a HashMap<Question, Response>,
    want: Vec<Question>,
    lookups: u32,
    voids: u32,
    /// Only the published tree, no `check_host()` (for [`SpfPolicyEvaluator`]).
    policy_only: bool,
}

fn dns_error(e: &DnsError, name: &str, t: RecordType) -> SpfError {
    SpfError::Dns {
        name: name.to_owned(),
        record_type: t.as_str().to_owned(),
        kind: e.kind().as_str().to_owned(),
    }
}

/// RFC 7208 §4.3: a domain fit for `check_host()`.
pub(crate) fn validate_domain(d: &str) -> Result<(), &'static str> {
    let d = d.strip_suffix('.').unwrap_or(d);
    if d.is_empty() {
        return Err("empty domain");
    }
    if d.starts_with('[') {
        return Err("an address literal, not a domain");
    }
    if d.len() > 253 {
        return Err("longer than 253 bytes");
    }
    let mut labels = 0;
    for label in d.split('.') {
        if label.is_empty() {
            return Err("an empty label");
        }
        if label.len() > 63 {
            return Err("a label longer than 63 bytes");
        }
        labels += 1;
    }
    if labels < 2 {
        return Err("not a multi-label domain name");
    }
    Ok(())
}

fn in_network(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

fn qualifier_result(q: Qualifier) -> SpfResult {
    match q {
        Qualifier::Pass => SpfResult::Pass,
        Qualifier::Fail => SpfResult::Fail,
        Qualifier::SoftFail => SpfResult::SoftFail,
        Qualifier::Neutral => SpfResult::Neutral,
    }
}

impl Run<'_> {
    fn address_type(&self) -> RecordType {
        match self.req.ip {
            IpAddr::V4(_) => RecordType::A,
            IpAddr::V6(_) => RecordType::Aaaa,
        }
    }

    /// The stored response, or a note that it is wanted.
    fn get(&mut self, name: &str, t: RecordType) -> Step<&Response> {
        let q = question(name, t);
        let cache = self.cache;
        match cache.get(&q) {
            Some(r) => Ok(r),
            None => {
                self.want.push(q);
                Err(Blocked)
            }
        }
    }

    /// Asks for it without waiting.
    fn prefetch(&mut self, name: &str, t: RecordType) {
        let q = question(name, t);
        if !self.cache.contains_key(&q) {
            self.want.push(q);
        }
    }

    fn evaluate(&mut self) -> Step<SpfOutput> {
        let domain = self.req.domain.trim_end_matches('.').to_owned();
        let checked = match validate_domain(&domain) {
            Ok(()) if self.policy_only => Ok(Outcome {
                result: SpfResult::None,
                mechanism: None,
                mechanism_domain: None,
                error: None,
                exp: None,
            }),
            Err(reason) => Ok(Outcome::error(
                SpfResult::None,
                SpfError::InvalidDomain {
                    domain: domain.clone(),
                    reason: reason.into(),
                },
            )),
            Ok(()) => self.check_host(&domain),
        };
        let walk = (self.req.walk_tree || self.policy_only) && validate_domain(&domain).is_ok();
        let tree = if walk {
            let mut budget = MAX_TREE_NODES;
            self.walk(&domain, None, 0, &mut Vec::new(), &mut budget)
                .map(|n| vec![n])
        } else {
            Ok(Vec::new())
        };
        let out = checked?;
        let explanation = match out.result {
            SpfResult::Fail => Some(self.explain(out.exp.as_ref(), &domain)?),
            _ => None,
        };
        let mut tree = tree?;
        if tree
            .first()
            .is_some_and(|n| n.record.is_none() && n.error.is_none())
        {
            tree.clear();
        }
        Ok(SpfOutput {
            ip: self.req.ip,
            identity: identity(self.req),
            scope: self.req.scope,
            domain,
            result: out.result,
            mechanism: out.mechanism,
            mechanism_domain: out.mechanism_domain,
            explanation,
            lookups: self.lookups.min(MAX_DNS_TERMS + 1),
            void_lookups: self.voids,
            tree,
            error: out.error,
        })
    }

    fn ctx<'b>(&'b self, domain: &'b str, validated: Option<&'b str>) -> MacroContext<'b> {
        MacroContext {
            local: &self.req.local,
            sender_domain: &self.req.domain,
            domain,
            ip: self.req.ip,
            helo: &self.req.helo,
            validated,
            receiver: &self.req.receiver,
            timestamp: self.req.timestamp,
        }
    }

    /// Expands a domain-spec (resolving `%{p}` first when it is used).
    fn target(&mut self, spec: &MacroString, domain: &str) -> Step<Result<String, SpfError>> {
        let p = if spec.uses(MacroLetter::P) {
            Some(self.validated_name(domain)?)
        } else {
            None
        };
        Ok(expand(spec, &self.ctx(domain, p.as_deref()), false)
            .map(shorten_domain)
            .map_err(|e| SpfError::Macro {
                domain: domain.to_owned(),
                detail: e.to_string(),
            }))
    }

    /// `%{p}` (RFC 7208 §7.3 and §5.5): a PTR name of the IP whose addresses include the
    /// IP, preferring `domain` itself, then its subdomains; `unknown` when none.
    fn validated_name(&mut self, domain: &str) -> Step<String> {
        let names = self.validated_names()?;
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        let pick = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(&d))
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.to_ascii_lowercase().ends_with(&format!(".{d}")))
            })
            .or_else(|| names.first());
        Ok(pick.cloned().unwrap_or_else(|| "unknown".into()))
    }

    /// The validated PTR names of the IP (first 10 PTR names examined; a DNS error skips
    /// a name), in PTR order.
    fn validated_names(&mut self) -> Step<Vec<String>> {
        let rev = reverse_name(self.req.ip);
        let names: Vec<String> = match self.get(&rev, RecordType::Ptr)? {
            Ok(a) => a.ptr().take(MAX_NAMES).map(unescape).collect(),
            Err(_) => return Ok(Vec::new()),
        };
        let t = self.address_type();
        let mut missing = false;
        for n in &names {
            if !self.cache.contains_key(&question(n, t)) {
                self.prefetch(n, t);
                missing = true;
            }
        }
        if missing {
            return Err(Blocked);
        }
        let ip = self.req.ip;
        Ok(names
            .into_iter()
            .filter(|n| {
                matches!(self.cache.get(&question(n, t)), Some(Ok(a)) if a.ip_addrs().any(|x| x.to_canonical() == ip))
            })
            .collect())
    }

    fn fetch_record(&mut self, domain: &str) -> Step<Fetched> {
        if let Err(reason) = validate_domain(domain) {
            return Ok(Fetched::None(SpfError::InvalidDomain {
                domain: domain.to_owned(),
                reason: reason.into(),
            }));
        }
        let no_record = || SpfError::NoRecord {
            domain: domain.to_owned(),
        };
        match self.get(domain, RecordType::Txt)? {
            Ok(answer) => {
                let spf: Vec<Vec<u8>> = answer
                    .txt()
                    .map(smtping_proto::dns::Txt::joined)
                    .filter(|t| is_spf1(t))
                    .collect();
                match spf.as_slice() {
                    [] => Ok(Fetched::None(no_record())),
                    [one] => {
                        let text = String::from_utf8_lossy(one).into_owned();
                        match Record::parse(&text) {
                            Ok(r) => Ok(Fetched::Record(text, r)),
                            Err(error) => Ok(Fetched::Broken(
                                text,
                                SpfError::Syntax {
                                    domain: domain.to_owned(),
                                    error,
                                },
                            )),
                        }
                    }
                    many => Ok(Fetched::Perm(SpfError::MultipleRecords {
                        domain: domain.to_owned(),
                        count: many.len(),
                    })),
                }
            }
            Err(e) if e.is_definitive() => Ok(Fetched::None(no_record())),
            Err(DnsError::InvalidName { reason, .. }) => {
                Ok(Fetched::None(SpfError::InvalidDomain {
                    domain: domain.to_owned(),
                    reason: reason.clone(),
                }))
            }
            Err(e) => Ok(Fetched::Temp(dns_error(e, domain, RecordType::Txt))),
        }
    }

    fn check_host(&mut self, domain: &str) -> Step<Outcome> {
        let record = match self.fetch_record(domain)? {
            Fetched::Record(_, r) => r,
            Fetched::None(e) => return Ok(Outcome::error(SpfResult::None, e)),
            Fetched::Temp(e) => return Ok(Outcome::error(SpfResult::TempError, e)),
            Fetched::Perm(e) | Fetched::Broken(_, e) => {
                return Ok(Outcome::error(SpfResult::PermError, e));
            }
        };
        let directives: Vec<&Directive> = record.directives().collect();
        for (i, d) in directives.iter().enumerate() {
            let verdict = match self.mechanism(domain, d) {
                Ok(v) => v,
                Err(Blocked) => {
                    self.prefetch_rest(domain, &directives[i + 1..], record.redirect());
                    return Err(Blocked);
                }
            };
            let decided = |result, error| Outcome {
                result,
                mechanism: Some(d.to_string()),
                mechanism_domain: Some(domain.to_owned()),
                error,
                exp: record.exp().map(|e| (domain.to_owned(), e.clone())),
            };
            match verdict {
                Match::No => {}
                Match::Yes => return Ok(decided(qualifier_result(d.qualifier), None)),
                Match::Error(result, error) => return Ok(decided(result, Some(error))),
            }
        }
        if let Some(spec) = record.redirect() {
            let term = format!("redirect={spec}");
            let at = |result, error| Outcome {
                result,
                mechanism: Some(term.clone()),
                mechanism_domain: Some(domain.to_owned()),
                error: Some(error),
                exp: None,
            };
            if let Some(Match::Error(r, e)) = self.count(&term, domain) {
                return Ok(at(r, e));
            }
            let target = match self.target(spec, domain)? {
                Ok(t) => t,
                Err(e) => return Ok(at(SpfResult::PermError, e)),
            };
            let out = self.check_host(&target)?;
            if out.result == SpfResult::None {
                return Ok(at(
                    SpfResult::PermError,
                    SpfError::RedirectNone {
                        domain: domain.to_owned(),
                        target,
                    },
                ));
            }
            return Ok(out);
        }
        Ok(Outcome {
            result: SpfResult::Neutral,
            mechanism: None,
            mechanism_domain: None,
            error: None,
            exp: None,
        })
    }

    /// Counts a DNS term; the 11th is a permerror.
    fn count(&mut self, term: &str, domain: &str) -> Option<Match> {
        self.lookups += 1;
        (self.lookups > MAX_DNS_TERMS).then(|| {
            Match::Error(
                SpfResult::PermError,
                SpfError::TooManyLookups {
                    limit: MAX_DNS_TERMS,
                    count: self.lookups,
                    term: term.to_owned(),
                    domain: domain.to_owned(),
                },
            )
        })
    }

    /// Counts a void lookup; the 3rd is a permerror.
    fn void(&mut self, name: &str, term: &str) -> Match {
        self.voids += 1;
        if self.voids > MAX_VOID_LOOKUPS {
            Match::Error(
                SpfResult::PermError,
                SpfError::TooManyVoidLookups {
                    limit: MAX_VOID_LOOKUPS,
                    name: name.to_owned(),
                    term: term.to_owned(),
                },
            )
        } else {
            Match::No
        }
    }

    /// Hands out the first question of each following DNS term (within the remaining
    /// budget) and the redirect target's TXT.
    fn prefetch_rest(&mut self, domain: &str, rest: &[&Directive], redirect: Option<&MacroString>) {
        let mut budget = MAX_DNS_TERMS.saturating_sub(self.lookups);
        let addr = self.address_type();
        for d in rest {
            if budget == 0 {
                return;
            }
            let (spec, t) = match &d.mechanism {
                Mechanism::Include(s) => (Some(s), RecordType::Txt),
                Mechanism::A { domain, .. } => (domain.as_ref(), addr),
                Mechanism::Mx { domain, .. } => (domain.as_ref(), RecordType::Mx),
                Mechanism::Exists(s) => (Some(s), RecordType::A),
                Mechanism::Ptr(_) => {
                    budget -= 1;
                    self.prefetch(&reverse_name(self.req.ip), RecordType::Ptr);
                    continue;
                }
                _ => continue,
            };
            budget -= 1;
            let name = self.prefetch_spec(spec, domain, t);
            if let (Some(name), RecordType::Mx) = (name, t) {
                // The MX is known already: ask every exchange's address too.
                let exchanges: Vec<String> = match self.cache.get(&question(&name, t)) {
                    Some(Ok(a)) if a.mx().count() <= MAX_NAMES => {
                        a.mx().map(|m| unescape(&m.exchange)).collect()
                    }
                    _ => Vec::new(),
                };
                for e in exchanges.iter().filter(|e| validate_domain(e).is_ok()) {
                    self.prefetch(e, addr);
                }
            }
        }
        if let Some(spec) = redirect.filter(|_| budget > 0) {
            self.prefetch_spec(Some(spec), domain, RecordType::Txt);
        }
    }

    /// Asks the first question of a term; returns the name asked.
    fn prefetch_spec(
        &mut self,
        spec: Option<&MacroString>,
        domain: &str,
        t: RecordType,
    ) -> Option<String> {
        let name = match spec {
            None => domain.to_owned(),
            Some(s) if s.uses(MacroLetter::P) => return None,
            Some(s) => shorten_domain(expand(s, &self.ctx(domain, None), false).ok()?),
        };
        validate_domain(&name).ok()?;
        self.prefetch(&name, t);
        Some(name)
    }

    fn mechanism(&mut self, domain: &str, d: &Directive) -> Step<Match> {
        let term = d.to_string();
        let ip = self.req.ip;
        match &d.mechanism {
            Mechanism::All => return Ok(Match::Yes),
            Mechanism::Ip4 { addr, prefix } => {
                return Ok(yes(in_network(ip, IpAddr::V4(*addr), prefix.unwrap_or(32))));
            }
            Mechanism::Ip6 { addr, prefix } => {
                return Ok(yes(in_network(
                    ip,
                    IpAddr::V6(*addr),
                    prefix.unwrap_or(128),
                )));
            }
            _ => {}
        }
        if let Some(over) = self.count(&term, domain) {
            return Ok(over);
        }
        let spec = match &d.mechanism {
            Mechanism::Include(s) | Mechanism::Exists(s) => Some(s),
            Mechanism::A { domain, .. } | Mechanism::Mx { domain, .. } | Mechanism::Ptr(domain) => {
                domain.as_ref()
            }
            _ => None,
        };
        let target = match spec {
            None => domain.to_owned(),
            Some(s) => match self.target(s, domain)? {
                Ok(t) => t,
                Err(e) => return Ok(Match::Error(SpfResult::PermError, e)),
            },
        };
        match &d.mechanism {
            Mechanism::Include(_) => {
                let out = self.check_host(&target)?;
                Ok(match out.result {
                    SpfResult::Pass => Match::Yes,
                    SpfResult::Fail | SpfResult::SoftFail | SpfResult::Neutral => Match::No,
                    SpfResult::TempError | SpfResult::PermError => Match::Error(
                        out.result,
                        out.error.unwrap_or(SpfError::NoRecord { domain: target }),
                    ),
                    _ => Match::Error(
                        SpfResult::PermError,
                        SpfError::IncludeNone {
                            domain: domain.to_owned(),
                            target,
                        },
                    ),
                })
            }
            Mechanism::A { cidr, .. } => {
                let t = self.address_type();
                self.addresses_match(&target, t, &term, *cidr)
            }
            Mechanism::Mx { cidr, .. } => self.mx(&target, &term, *cidr),
            Mechanism::Ptr(_) => self.ptr(&target, &term),
            Mechanism::Exists(_) => {
                if validate_domain(&target).is_err() {
                    return Ok(Match::No);
                }
                Ok(match self.get(&target, RecordType::A)? {
                    Ok(_) => Match::Yes,
                    Err(e) if e.is_definitive() => self.void(&target, &term),
                    Err(DnsError::InvalidName { .. }) => Match::No,
                    Err(e) => {
                        Match::Error(SpfResult::TempError, dns_error(e, &target, RecordType::A))
                    }
                })
            }
            _ => Ok(Match::No),
        }
    }

    fn prefix_of(&self, cidr: super::record::DualCidr) -> u8 {
        match self.req.ip {
            IpAddr::V4(_) => cidr.v4.unwrap_or(32),
            IpAddr::V6(_) => cidr.v6.unwrap_or(128),
        }
    }

    fn addresses_match(
        &mut self,
        name: &str,
        t: RecordType,
        term: &str,
        cidr: super::record::DualCidr,
    ) -> Step<Match> {
        if validate_domain(name).is_err() {
            return Ok(Match::No);
        }
        let prefix = self.prefix_of(cidr);
        let ip = self.req.ip;
        Ok(match self.get(name, t)? {
            Ok(a) => yes(a
                .ip_addrs()
                .any(|x| in_network(ip, x.to_canonical(), prefix))),
            Err(e) if e.is_definitive() => self.void(name, term),
            Err(DnsError::InvalidName { .. }) => Match::No,
            Err(e) => Match::Error(SpfResult::TempError, dns_error(e, name, t)),
        })
    }

    fn mx(&mut self, name: &str, term: &str, cidr: super::record::DualCidr) -> Step<Match> {
        if validate_domain(name).is_err() {
            return Ok(Match::No);
        }
        let exchanges: Vec<String> = match self.get(name, RecordType::Mx)? {
            Ok(a) => a.mx().map(|m| unescape(&m.exchange)).collect(),
            Err(e) if e.is_definitive() => return Ok(self.void(name, term)),
            Err(DnsError::InvalidName { .. }) => return Ok(Match::No),
            Err(e) => {
                return Ok(Match::Error(
                    SpfResult::TempError,
                    dns_error(e, name, RecordType::Mx),
                ));
            }
        };
        if exchanges.len() > MAX_NAMES {
            return Ok(Match::Error(
                SpfResult::PermError,
                SpfError::TooManyMxNames {
                    name: name.to_owned(),
                    count: exchanges.len(),
                    limit: MAX_NAMES,
                },
            ));
        }
        let t = self.address_type();
        let exchanges: Vec<String> = exchanges
            .into_iter()
            .filter(|e| validate_domain(e).is_ok())
            .collect();
        let mut missing = false;
        for e in &exchanges {
            if !self.cache.contains_key(&question(e, t)) {
                self.prefetch(e, t);
                missing = true;
            }
        }
        if missing {
            return Err(Blocked);
        }
        let prefix = self.prefix_of(cidr);
        let ip = self.req.ip;
        for e in &exchanges {
            match self.cache.get(&question(e, t)) {
                Some(Ok(a))
                    if a.ip_addrs()
                        .any(|x| in_network(ip, x.to_canonical(), prefix)) =>
                {
                    return Ok(Match::Yes);
                }
                Some(Err(err))
                    if !err.is_definitive() && !matches!(err, DnsError::InvalidName { .. }) =>
                {
                    return Ok(Match::Error(SpfResult::TempError, dns_error(err, e, t)));
                }
                _ => {}
            }
        }
        Ok(Match::No)
    }

    fn ptr(&mut self, target: &str, term: &str) -> Step<Match> {
        let rev = reverse_name(self.req.ip);
        match self.get(&rev, RecordType::Ptr)? {
            Ok(_) => {}
            Err(e) if e.is_definitive() => return Ok(self.void(&rev, term)),
            Err(_) => return Ok(Match::No),
        }
        let names = self.validated_names()?;
        let t = target.trim_end_matches('.').to_ascii_lowercase();
        Ok(yes(names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            n == t || n.ends_with(&format!(".{t}"))
        })))
    }

    /// The explanation of a fail (RFC 7208 §6.2): the `exp=` text of the deciding record,
    /// or the default.
    fn explain(&mut self, exp: Option<&(String, MacroString)>, checked: &str) -> Step<String> {
        let default = default_explanation(checked, self.req.ip);
        let Some((domain, spec)) = exp else {
            return Ok(default);
        };
        let name = match self.target(spec, domain)? {
            Ok(n) if validate_domain(&n).is_ok() => n,
            _ => return Ok(default),
        };
        let text = match self.get(&name, RecordType::Txt)? {
            Ok(a) => {
                let mut txt = a.txt();
                match (txt.next(), txt.next()) {
                    (Some(one), None) => one.to_string_lossy(),
                    _ => return Ok(default),
                }
            }
            Err(_) => return Ok(default),
        };
        let Ok(ms) = macro_string(&text, true) else {
            return Ok(default);
        };
        let p = if ms.uses(MacroLetter::P) {
            Some(self.validated_name(domain)?)
        } else {
            None
        };
        Ok(expand(&ms, &self.ctx(domain, p.as_deref()), true).unwrap_or(default))
    }

    /// The published include/redirect tree below `domain` (every branch, not only the
    /// evaluated ones), bounded in size and depth; loops are cut and marked.
    fn walk(
        &mut self,
        domain: &str,
        via: Option<&'static str>,
        depth: usize,
        ancestors: &mut Vec<String>,
        budget: &mut usize,
    ) -> Step<TreeNode> {
        let mut node = TreeNode {
            domain: domain.to_owned(),
            via,
            record: None,
            mechanisms: Vec::new(),
            lookups: 0,
            children: Vec::new(),
            error: None,
        };
        let lower = domain.to_ascii_lowercase();
        if ancestors.contains(&lower) {
            node.error = Some(SpfError::Loop { domain: lower });
            return Ok(node);
        }
        if *budget == 0 || depth >= MAX_TREE_DEPTH {
            node.error = Some(SpfError::TreeLimit {
                limit: if *budget == 0 {
                    MAX_TREE_NODES
                } else {
                    MAX_TREE_DEPTH
                },
            });
            return Ok(node);
        }
        *budget -= 1;
        let record = match self.fetch_record(domain)? {
            Fetched::Record(text, r) => {
                node.record = Some(text);
                r
            }
            Fetched::None(e) if depth == 0 && matches!(e, SpfError::NoRecord { .. }) => {
                return Ok(node);
            }
            Fetched::Broken(text, e) => {
                node.record = Some(text);
                node.error = Some(e);
                return Ok(node);
            }
            Fetched::None(e) | Fetched::Temp(e) | Fetched::Perm(e) => {
                node.error = Some(e);
                return Ok(node);
            }
        };
        node.mechanisms = record.terms.iter().map(ToString::to_string).collect();
        node.lookups = record.dns_terms();
        ancestors.push(lower);
        let mut blocked = false;
        for term in &record.terms {
            let (spec, via) = match term {
                Term::Directive(Directive {
                    mechanism: Mechanism::Include(s),
                    ..
                }) => (s, "include"),
                Term::Modifier(super::record::Modifier::Redirect(s)) => (s, "redirect"),
                _ => continue,
            };
            let target = match self.target(spec, domain) {
                Ok(Ok(t)) => t,
                Ok(Err(e)) => {
                    node.children.push(TreeNode {
                        domain: spec.to_string(),
                        via: Some(via),
                        record: None,
                        mechanisms: Vec::new(),
                        lookups: 0,
                        children: Vec::new(),
                        error: Some(e),
                    });
                    continue;
                }
                Err(Blocked) => {
                    blocked = true;
                    continue;
                }
            };
            match self.walk(&target, Some(via), depth + 1, ancestors, budget) {
                Ok(child) => node.children.push(child),
                Err(Blocked) => blocked = true,
            }
        }
        ancestors.pop();
        if blocked {
            return Err(Blocked);
        }
        Ok(node)
    }
}

/// The explanation of a `fail` when the record gives none (or its `exp=` cannot be
/// used).
///
/// ```
/// assert_eq!(
///     smtping_signals::spf::default_explanation("example.com", "192.0.2.1".parse().unwrap()),
///     "example.com does not designate 192.0.2.1 as a permitted sender"
/// );
/// ```
#[must_use]
pub fn default_explanation(domain: &str, ip: IpAddr) -> String {
    format!("{domain} does not designate {ip} as a permitted sender")
}

/// A name from an answer in the form questions use: the presentation escapes of
/// RFC 1035 §5.1 (`\:`, `\058`) undone, except an escaped dot or backslash (which a
/// question name cannot carry); no trailing dot.
fn unescape(name: &str) -> String {
    let name = name.strip_suffix('.').unwrap_or(name);
    if !name.contains('\\') {
        return name.to_owned();
    }
    let b = name.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let digits = b
                .get(i + 1..i + 4)
                .filter(|d| d.iter().all(u8::is_ascii_digit));
            let (byte, len) = match digits {
                Some(d) => (
                    std::str::from_utf8(d)
                        .ok()
                        .and_then(|d| d.parse::<u8>().ok()),
                    4,
                ),
                None => (Some(b[i + 1]), 2),
            };
            match byte {
                Some(c) if c != b'.' && c != b'\\' => {
                    out.push(c);
                    i += len;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn yes(b: bool) -> Match {
    if b { Match::Yes } else { Match::No }
}
