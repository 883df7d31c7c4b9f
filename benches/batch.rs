//! `wmpolicy batch` throughput: request lines in, answer lines out, on one core.
//!
//! 65,536 distinct request lines (a third for each call, drawn from a service-maximum organization; 139 bytes on
//! average) are answered into a reused buffer. `batch/line` answers one line at a time with `batch::answer_line`;
//! `batch/block` answers all of them at once with `batch::answer_lines`, as each of `wmpolicy batch`'s threads
//! answers a block read from stdin (its time is for the 65,536 lines, its throughput in lines per second).
//! Criterion reports the time per line and lines per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use workmail_policy::testing::{self, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{batch, Policy};

const LINES: usize = 1 << 16;

fn lines() -> (Policy, Vec<u8>, Vec<(usize, usize)>) {
    let generated = testing::organization(7, &Shape::service_maximum());
    let org = validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("valid");
    let policy = Policy::compile(&org).expect("compiles");
    let mut rng = Rng::new(7);
    let mut text = Vec::new();
    let mut spans = Vec::with_capacity(LINES);
    for i in 0..LINES {
        let line = match i % 3 {
            0 => {
                let q = generated.access_request(&mut rng);
                json!({"Operation": "GetAccessControlEffect", "OrganizationId": "m-0123456789abcdef0123456789abcdef",
                       "IpAddress": q.ip_address, "Action": q.action, "UserId": q.user_id, "ImpersonationRoleId": q.impersonation_role_id})
            }
            1 => {
                let q = generated.mobile_request(&mut rng);
                json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": q.properties[0], "DeviceModel": q.properties[1],
                       "DeviceOperatingSystem": q.properties[2], "DeviceUserAgent": q.properties[3]})
            }
            _ => {
                let q = generated.impersonation_request(&mut rng);
                json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": q.impersonation_role_id, "TargetUser": q.target_user})
            }
        };
        // The aws CLI would leave absent members out rather than write null.
        let mut line = line;
        if let Some(map) = line.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        let start = text.len();
        serde_json::to_writer(&mut text, &line).expect("serializes");
        spans.push((start, text.len()));
        text.push(b'\n');
    }
    (policy, text, spans)
}

fn throughput(c: &mut Criterion) {
    let (policy, text, spans) = lines();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(1024);
    let mut i = 0;
    group.bench_function("line", |b| {
        b.iter(|| {
            i = (i + 1) % LINES;
            let (start, end) = spans[i];
            out.clear();
            batch::answer_line(&policy, black_box(&text[start..end]), &mut out);
            out.len()
        })
    });
    group.finish();
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(LINES as u64));
    let mut out = Vec::with_capacity(16 << 20);
    group.bench_function("block", |b| {
        b.iter(|| {
            out.clear();
            batch::answer_lines(&policy, black_box(&text), &mut out);
            out.len()
        })
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
