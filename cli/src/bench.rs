//! Timing the compiled engine against the reference evaluator on one organization (`wmpolicy bench`).
//!
//! For each simulate call, random requests are drawn from the organization's own material (its users, roles,
//! CIDRs, device values and overrides, see [`Generated::from_organization`]), keeping the ones the service would
//! answer, up to 65,536 distinct ones that are then cycled through. The engine answers all `queries` of them four
//! ways:
//!
//! - cold, one-shot: the distinct requests in turn, each resolved and answered (`Policy::access` and siblings);
//! - cold, prepared: the same requests prepared once beforehand (`Policy::prepare_access` and siblings), then
//!   answered in turn, which is what a caller that asks about the same requests again pays;
//! - hot: one request asked `queries` times, one-shot and prepared, the floor with everything in cache.
//!
//! The reference evaluator, which can be thousands of times slower, answers the same requests in the same order
//! until it has done them all or used [`Options::reference_budget_ns`], whichever comes first. Each answer's
//! `MatchedRules` is walked, as a caller would.
//!
//! The core reads no clock: the caller passes one (nanoseconds from any fixed origin), so the same code runs under
//! the CLI and in a browser.

use std::hint::black_box;

use serde::Serialize;

use workmail_policy::reference;
use workmail_policy::testing::{Generated, Rng};
use workmail_policy::{CompileError, Organization, Policy};

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Engine queries per call.
    pub queries: usize,
    pub seed: u64,
    /// Time the reference evaluator may use per call, in nanoseconds.
    pub reference_budget_ns: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { queries: 1_000_000, seed: 1, reference_budget_ns: 2_000_000_000 }
    }
}

/// Figures for one simulate call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallFigures {
    /// Cold, one-shot: distinct requests in turn, each resolved and answered.
    pub engine_ns_per_query: f64,
    /// Cold, prepared: the same requests prepared beforehand, then answered in turn.
    pub prepared_ns_per_query: f64,
    /// Hot, one-shot: one request asked again and again.
    pub hot_ns_per_query: f64,
    /// Hot, prepared: one prepared request answered again and again.
    pub hot_prepared_ns_per_query: f64,
    pub reference_ns_per_query: f64,
    /// Reference time over engine time, per query.
    pub ratio: f64,
    pub matched_rules_average: f64,
    /// Distinct requests cycled through.
    pub distinct_queries: usize,
    pub engine_queries: usize,
    pub reference_queries: usize,
}

/// The report `wmpolicy bench --json` prints; a call with nothing to evaluate (no rules of its kind, or no
/// impersonation roles) is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    pub compile_micros: f64,
    /// The compiled policy's heap memory (`Policy::heap_bytes`).
    pub policy_bytes: usize,
    pub access_control: Option<CallFigures>,
    pub mobile_device: Option<CallFigures>,
    pub impersonation: Option<CallFigures>,
}

const DISTINCT: usize = 1 << 16;

/// Compiles `org`, then times the three calls.
pub fn run(org: &Organization, options: &Options, clock: &mut dyn FnMut() -> u64) -> Result<Report, CompileError> {
    let start = clock();
    let policy = Policy::compile(org)?;
    let compile_micros = (clock() - start) as f64 / 1e3;
    let pools = Generated::from_organization(org);

    let access = (!org.access_control_rules.is_empty()).then(|| {
        let qs = distinct(options, |rng| pools.access_request(rng), |q| policy.access(&q.as_request()).is_ok());
        let prepared: Vec<_> = qs.iter().map(|q| policy.prepare_access(&q.as_request())).collect();
        measure(
            options,
            clock,
            &qs,
            |q| policy.access(&q.as_request()).map_or(0, |a| a.matched_rules().count()),
            &prepared,
            |p| p.answer().map_or(0, |a| a.matched_rules().count()),
            |q| reference::access(org, &q.as_request()).map_or(0, |a| a.matched_rules.len()),
        )
    });
    let mobile = (!org.mobile_device_access_rules.is_empty()).then(|| {
        let qs = distinct(options, |rng| pools.mobile_request(rng), |q| policy.mobile(&q.as_request()).is_ok());
        let prepared: Vec<_> = qs.iter().map(|q| policy.prepare_mobile(&q.as_request())).collect();
        measure(
            options,
            clock,
            &qs,
            |q| policy.mobile(&q.as_request()).map_or(0, |a| a.matched_rules().count()),
            &prepared,
            |p| p.answer().map_or(0, |a| a.matched_rules().count()),
            |q| reference::mobile(org, &q.as_request()).map_or(0, |a| a.matched_rules.len()),
        )
    });
    let has_roles = org.impersonation_roles.as_ref().is_some_and(|roles| !roles.is_empty());
    let impersonation = has_roles.then(|| {
        let qs = distinct(
            options,
            |rng| pools.impersonation_request(rng),
            |q| policy.impersonation(&q.as_request()).is_ok(),
        );
        let prepared: Vec<_> = qs.iter().map(|q| policy.prepare_impersonation(&q.as_request())).collect();
        measure(
            options,
            clock,
            &qs,
            |q| policy.impersonation(&q.as_request()).map_or(0, |a| a.matched_rules().count()),
            &prepared,
            |p| p.answer().map_or(0, |a| a.matched_rules().count()),
            |q| reference::impersonation(org, &q.as_request()).map_or(0, |a| a.matched_rules.len()),
        )
    });
    Ok(Report {
        compile_micros,
        policy_bytes: policy.heap_bytes(),
        access_control: access.flatten(),
        mobile_device: mobile.flatten(),
        impersonation: impersonation.flatten(),
    })
}

/// Up to [`DISTINCT`] requests the service would answer; a bounded number of attempts, so an organization that
/// answers almost nothing still finishes.
fn distinct<T>(options: &Options, mut make: impl FnMut(&mut Rng) -> T, answered: impl Fn(&T) -> bool) -> Vec<T> {
    let mut rng = Rng::new(options.seed);
    let want = options.queries.clamp(1, DISTINCT);
    let mut out = Vec::with_capacity(want);
    for _ in 0..want * 8 {
        let q = make(&mut rng);
        if answered(&q) {
            out.push(q);
            if out.len() == want {
                break;
            }
        }
    }
    out
}

/// Nanoseconds per query of `query` over `n` queries (numbered from 0), and the matched rules it counted. Generic
/// rather than a `dyn` closure, so that the loop pays no indirect call per query.
fn time(clock: &mut dyn FnMut() -> u64, n: usize, mut query: impl FnMut(usize) -> usize) -> (f64, usize) {
    let mut matched = 0usize;
    let start = clock();
    for i in 0..n {
        matched += query(i);
    }
    ((clock() - start) as f64 / n as f64, black_box(matched))
}

/// Times `engine` over `qs` and `answer` over their prepared forms (`prepared[i]` is `qs[i]` prepared), cold and
/// hot, then `reference`.
#[allow(clippy::too_many_arguments)]
fn measure<T, P>(
    options: &Options,
    clock: &mut dyn FnMut() -> u64,
    qs: &[T],
    engine: impl Fn(&T) -> usize,
    prepared: &[P],
    answer: impl Fn(&P) -> usize,
    reference: impl Fn(&T) -> usize,
) -> Option<CallFigures> {
    if qs.is_empty() || prepared.len() != qs.len() {
        return None;
    }
    let n = options.queries.max(1);
    let (engine_ns, matched) = time(clock, n, |i| engine(black_box(&qs[i % qs.len()])));
    let (prepared_ns, _) = time(clock, n, |i| answer(black_box(&prepared[i % prepared.len()])));
    let (hot_ns, _) = time(clock, n, |_| engine(black_box(&qs[0])));
    let (hot_prepared_ns, _) = time(clock, n, |_| answer(black_box(&prepared[0])));

    // The reference in chunks, checking the clock between them, until done or out of budget.
    let (mut done, mut reference_matched) = (0usize, 0usize);
    let start = clock();
    let mut elapsed = 0;
    while done < n && elapsed < options.reference_budget_ns {
        let chunk = (n - done).min(256);
        for i in done..done + chunk {
            reference_matched += reference(black_box(&qs[i % qs.len()]));
        }
        done += chunk;
        elapsed = clock() - start;
    }
    black_box(reference_matched);
    let reference_ns = elapsed as f64 / done as f64;
    Some(CallFigures {
        engine_ns_per_query: engine_ns,
        prepared_ns_per_query: prepared_ns,
        hot_ns_per_query: hot_ns,
        hot_prepared_ns_per_query: hot_prepared_ns,
        reference_ns_per_query: reference_ns,
        ratio: if engine_ns > 0.0 { reference_ns / engine_ns } else { f64::INFINITY },
        matched_rules_average: matched as f64 / n as f64,
        distinct_queries: qs.len(),
        engine_queries: n,
        reference_queries: done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_each_call_and_null_for_nothing_to_evaluate() {
        let org = Organization::default(); // default rules, no roles
        let mut now = 0u64;
        let mut clock = || {
            now += 1_000;
            now
        };
        let options = Options { queries: 5_000, seed: 3, reference_budget_ns: u64::MAX };
        let report = run(&org, &options, &mut clock).expect("the default organization compiles");
        let access = report.access_control.expect("default access rule");
        assert_eq!((access.engine_queries, access.reference_queries), (5_000, 5_000));
        assert!(access.distinct_queries > 0 && access.matched_rules_average == 1.0, "{access:?}");
        assert!(report.mobile_device.is_some());
        assert_eq!(report.impersonation, None, "no roles: nothing to evaluate");
        let json = serde_json::to_value(report).expect("serializes");
        assert!(json["Impersonation"].is_null() && json["AccessControl"]["Ratio"].is_number(), "{json}");
        for member in ["PreparedNsPerQuery", "HotNsPerQuery", "HotPreparedNsPerQuery", "EngineNsPerQuery"] {
            assert!(json["AccessControl"][member].as_f64().is_some_and(|ns| ns > 0.0), "{member}: {json}");
        }
        let bytes = json["PolicyBytes"].as_u64().expect("PolicyBytes");
        assert!(bytes > 0 && bytes < 1 << 20, "{bytes} bytes for the default organization");
    }

    #[test]
    fn the_reference_stops_at_its_budget() {
        let org = Organization::default();
        let mut now = 0u64;
        let mut clock = || {
            now += 1_000_000;
            now
        };
        let options = Options { queries: 100_000, seed: 3, reference_budget_ns: 5_000_000 };
        let figures = run(&org, &options, &mut clock).expect("compiles").access_control.expect("access");
        assert_eq!(figures.engine_queries, 100_000);
        assert!(figures.reference_queries < 100_000 && figures.reference_queries >= 256, "{figures:?}");
    }
}
