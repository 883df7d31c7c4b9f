//! Query and compile costs of the compiled engine, each beside the reference evaluator on the same queries.
//!
//! Every query benchmark cycles through 65,536 distinct random requests (generated once from a fixed seed by
//! `workmail_policy::testing`, so runs are comparable), so that the branch predictor cannot learn the answers.
//! Each call's requests have their strings side by side in one buffer, as a batch file's lines do (see [`Packed`]).
//! Each iteration answers one request and walks its `MatchedRules`, as a caller would, and gives criterion only their
//! count: returning the whole answer (64 bytes with its error side) made criterion store it on every iteration,
//! which for a prepared impersonation query cost more than the query. Requests the service would reject are left
//! out: these figures are for answered queries. Each call is measured four ways:
//!
//! - `engine`: one-shot (`Policy::access` and siblings), cold: the distinct requests in turn;
//! - `prepared`: the same requests prepared beforehand (`Policy::prepare_access` and siblings), answered in turn;
//! - `hot`: one request answered again and again, one-shot, everything in cache;
//! - `reference`: the reference evaluator on the same requests.
//!
//! `cargo bench --bench queries` runs everything; BENCHMARKS.md records the medians and how to read them.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use workmail_policy::testing::{self, Generated, OwnedAccessRequest, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, AccessRequest, ImpersonationRequest, MobileRequest, Organization, Policy};

const QUERIES: usize = 1 << 16;
const SEED: u64 = 20_171_001;

struct Setup {
    generated: Generated,
    org: Organization,
    policy: Policy,
}

fn setup(shape: &Shape) -> Setup {
    let generated = testing::organization(SEED, shape);
    let validation = validate(&generated.file, &Options { enforce_quotas: false });
    let org = validation.organization.expect("generated organizations validate");
    let policy = Policy::compile(&org).expect("generated organizations compile");
    Setup { generated, org, policy }
}

/// `QUERIES` distinct answered requests, made by `make` and kept when `answered`.
fn queries<T: PartialEq>(mut make: impl FnMut(&mut Rng) -> T, answered: impl Fn(&T) -> bool) -> Vec<T> {
    let mut rng = Rng::new(SEED);
    let mut out = Vec::with_capacity(QUERIES);
    while out.len() < QUERIES {
        let q = make(&mut rng);
        if answered(&q) {
            out.push(q);
        }
    }
    out
}

/// Requests' strings side by side in one buffer, in query order, as the lines of a batch file hold them; requests
/// with their strings scattered over the heap (each in its own `String`) would measure the allocator's layout, a
/// cache miss per string, rather than the engine.
struct Packed<const N: usize> {
    text: String,
    spans: Vec<[Option<(usize, usize)>; N]>,
}

impl<const N: usize> Packed<N> {
    fn new<'q>(requests: impl IntoIterator<Item = [Option<&'q str>; N]>) -> Self {
        let mut packed = Packed { text: String::new(), spans: Vec::new() };
        for strings in requests {
            packed.spans.push(strings.map(|s| {
                s.map(|s| {
                    packed.text.push_str(s);
                    (packed.text.len() - s.len(), packed.text.len())
                })
            }));
        }
        packed
    }

    /// Each request's strings, borrowed from the buffer.
    fn requests<'a, T>(&'a self, make: impl Fn([Option<&'a str>; N]) -> T) -> Vec<T> {
        self.spans.iter().map(|spans| make(spans.map(|span| span.map(|(a, b)| &self.text[a..b])))).collect()
    }
}

fn packed_access(qs: &[OwnedAccessRequest]) -> Packed<4> {
    Packed::new(qs.iter().map(|q| {
        [Some(q.ip_address.as_str()), Some(q.action.as_str()), q.user_id.as_deref(), q.impersonation_role_id.as_deref()]
    }))
}

fn access_requests(packed: &Packed<4>) -> Vec<AccessRequest<'_>> {
    packed.requests(|[ip, action, user, role]| AccessRequest {
        ip_address: ip.unwrap_or_default(),
        action: action.unwrap_or_default(),
        user_id: user,
        impersonation_role_id: role,
    })
}

fn access(c: &mut Criterion, name: &str, shape: Shape) {
    let s = setup(&shape);
    let owned = queries(|rng| s.generated.access_request(rng), |q| s.policy.access(&q.as_request()).is_ok());
    let packed = packed_access(&owned);
    let qs = access_requests(&packed);
    let mut group = c.benchmark_group(format!("access/{name}"));
    let mut i = 0;
    group.bench_function("engine", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let answer = s.policy.access(black_box(&qs[i]));
            answer.map_or(0, |a| a.matched_rules().count())
        })
    });
    let prepared: Vec<_> = qs.iter().map(|q| s.policy.prepare_access(q)).collect();
    group.bench_function("prepared", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            black_box(&prepared[i]).answer().map_or(0, |a| a.matched_rules().count())
        })
    });
    group.bench_function("hot", |b| {
        b.iter(|| s.policy.access(black_box(&qs[0])).map_or(0, |a| a.matched_rules().count()))
    });
    group.bench_function("reference", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            let answer = reference::access(&s.org, black_box(&qs[i]));
            answer.map_or(0, |a| a.matched_rules.len())
        })
    });
    group.finish();
}

fn access_service_maximum(c: &mut Criterion) {
    access(c, "service_maximum", Shape::service_maximum());
}

fn access_typical(c: &mut Criterion) {
    access(c, "typical", Shape::typical());
}

fn access_stress(c: &mut Criterion) {
    access(c, "stress_1000x16", Shape::scaled(1000, 16));
}

fn mobile(c: &mut Criterion) {
    let s = setup(&Shape::service_maximum());
    let owned = queries(|rng| s.generated.mobile_request(rng), |q| s.policy.mobile(&q.as_request()).is_ok());
    let packed = Packed::new(owned.iter().map(|q| {
        let [a, b, c, d] = q.properties.each_ref().map(|p| p.as_deref());
        [a, b, c, d, q.user_id.as_deref(), q.device_id.as_deref()]
    }));
    let requests = packed.requests(
        |[device_type, device_model, device_operating_system, device_user_agent, user_id, device_id]| MobileRequest {
            device_type,
            device_model,
            device_operating_system,
            device_user_agent,
            user_id,
            device_id,
        },
    );
    let mut group = c.benchmark_group("mobile/service_maximum");
    let mut i = 0;
    group.bench_function("engine", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            s.policy.mobile(black_box(&requests[i])).map_or(0, |a| a.matched_rules().count())
        })
    });
    let prepared: Vec<_> = requests.iter().map(|q| s.policy.prepare_mobile(q)).collect();
    group.bench_function("prepared", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            black_box(&prepared[i]).answer().map_or(0, |a| a.matched_rules().count())
        })
    });
    group.bench_function("hot", |b| {
        b.iter(|| s.policy.mobile(black_box(&requests[0])).map_or(0, |a| a.matched_rules().count()))
    });
    group.bench_function("reference", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            reference::mobile(&s.org, black_box(&requests[i])).map_or(0, |a| a.matched_rules.len())
        })
    });
    group.finish();
}

fn impersonation(c: &mut Criterion) {
    let s = setup(&Shape::service_maximum());
    let owned =
        queries(|rng| s.generated.impersonation_request(rng), |q| s.policy.impersonation(&q.as_request()).is_ok());
    let packed =
        Packed::new(owned.iter().map(|q| [Some(q.impersonation_role_id.as_str()), Some(q.target_user.as_str())]));
    let requests = packed.requests(|[role, target]| ImpersonationRequest {
        impersonation_role_id: role.unwrap_or_default(),
        target_user: target.unwrap_or_default(),
    });
    let mut group = c.benchmark_group("impersonation/service_maximum");
    let mut i = 0;
    group.bench_function("engine", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            s.policy.impersonation(black_box(&requests[i])).map_or(0, |a| a.matched_rules().count())
        })
    });
    let prepared: Vec<_> = requests.iter().map(|q| s.policy.prepare_impersonation(q)).collect();
    group.bench_function("prepared", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            black_box(&prepared[i]).answer().map_or(0, |a| a.matched_rules().count())
        })
    });
    group.bench_function("hot", |b| {
        b.iter(|| s.policy.impersonation(black_box(&requests[0])).map_or(0, |a| a.matched_rules().count()))
    });
    group.bench_function("reference", |b| {
        b.iter(|| {
            i = (i + 1) % QUERIES;
            reference::impersonation(&s.org, black_box(&requests[i])).map_or(0, |a| a.matched_rules.len())
        })
    });
    group.finish();
}

fn compile(c: &mut Criterion) {
    let s = setup(&Shape::service_maximum());
    c.bench_function("compile/service_maximum", |b| b.iter(|| Policy::compile(black_box(&s.org))));
}

/// How the engine's access query cost grows with rules and CIDRs per rule.
fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("access/scale");
    group.measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for rules in [10, 100, 1000] {
        for cidrs in [16, 256, 1024] {
            let s = setup(&Shape::scaled(rules, cidrs));
            let owned = queries(|rng| s.generated.access_request(rng), |q| s.policy.access(&q.as_request()).is_ok());
            let packed = packed_access(&owned);
            let qs = access_requests(&packed);
            let mut i = 0;
            group.bench_function(BenchmarkId::new("engine", format!("{rules}x{cidrs}")), |b| {
                b.iter(|| {
                    i = (i + 1) % QUERIES;
                    s.policy.access(black_box(&qs[i])).map_or(0, |a| a.matched_rules().count())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, access_service_maximum, access_typical, access_stress, mobile, impersonation, compile, scale);
criterion_main!(benches);
