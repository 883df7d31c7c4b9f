//! Queries on a compiled policy allocate nothing: a counting global allocator watches all three calls, on the
//! fast paths and on the checked paths (strangers, errors), at the service's maximum sizes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use workmail_policy::testing::{self, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::Policy;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn queries_allocate_nothing() {
    // Service maximum, a wide stress organization (more than 64 rules: multi-word rule sets), and varied ones
    // with and without a directory, so that both fast and checked paths run.
    let mut shapes = vec![Shape::service_maximum(), Shape::scaled(200, 16)];
    shapes.extend(std::iter::repeat_n(Shape::varied(), 20));
    for (seed, shape) in shapes.iter().enumerate() {
        let generated = testing::organization(seed as u64, shape);
        let org = validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("valid");
        let policy = Policy::compile(&org).expect("compiles");
        let mut rng = Rng::new(seed as u64);
        let access: Vec<_> = (0..2000).map(|_| generated.access_request(&mut rng)).collect();
        let mobile: Vec<_> = (0..2000).map(|_| generated.mobile_request(&mut rng)).collect();
        let impersonation: Vec<_> = (0..2000).map(|_| generated.impersonation_request(&mut rng)).collect();
        let (mut answered, mut rejected, mut matched) = (0, 0, 0);
        let count = allocations_during(|| {
            for q in &access {
                match policy.access(&q.as_request()) {
                    Ok(answer) => {
                        answered += 1;
                        matched += answer.matched_rules().count();
                    }
                    Err(_) => rejected += 1,
                }
            }
            for q in &mobile {
                match policy.mobile(&q.as_request()) {
                    Ok(answer) => {
                        answered += 1;
                        matched += answer.matched_rules().count() + usize::from(answer.matched_override().is_some());
                    }
                    Err(_) => rejected += 1,
                }
            }
            for q in &impersonation {
                match policy.impersonation(&q.as_request()) {
                    Ok(answer) => {
                        answered += 1;
                        matched += answer.matched_rules().count();
                    }
                    Err(_) => rejected += 1,
                }
            }
        });
        assert_eq!(count, 0, "shape {seed}: {count} allocations over 6000 queries");

        // Prepared queries (src/policy/prepared.rs): preparing each request and answering it three times, errors
        // included, allocates nothing either. (Keeping prepared queries in a `Vec` is the caller's allocation, so
        // each is answered where it was prepared.)
        let mut prepared_answers = 0;
        let count = allocations_during(|| {
            for q in &access {
                let prepared = policy.prepare_access(&q.as_request());
                for _ in 0..3 {
                    prepared_answers += prepared.answer().map_or(0, |a| 1 + a.matched_rules().count());
                }
            }
            for q in &mobile {
                let prepared = policy.prepare_mobile(&q.as_request());
                for _ in 0..3 {
                    prepared_answers += prepared
                        .answer()
                        .map_or(0, |a| 1 + a.matched_rules().count() + usize::from(a.matched_override().is_some()));
                }
            }
            for q in &impersonation {
                let prepared = policy.prepare_impersonation(&q.as_request());
                for _ in 0..3 {
                    prepared_answers += prepared.answer().map_or(0, |a| 1 + a.matched_rules().count());
                }
            }
        });
        assert_eq!(count, 0, "shape {seed}: {count} allocations over 6000 prepared queries");
        assert_eq!(prepared_answers, 3 * (answered + matched), "shape {seed}: prepared answers differ in number");
        assert!(
            answered > 1000 && rejected > 0 && matched > 0,
            "shape {seed}: {answered} answered, {rejected} rejected"
        );
    }
}
