//! The shift stage's hot path (`process`, `process_frames`, `rescore`, `set_params`,
//! `reference_scores_by_inverse_fft`) allocates nothing: a counting global allocator.
//!
//! One test function only: the allocation counter is process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::stages::shift::ShiftStage;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn shift_stage_does_not_allocate_after_new() {
    let n = 8192;
    let mut seed = 0x1234_5678u32;
    let mut next = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0
    };
    let r: Vec<f32> = (0..n).map(|_| next()).collect();
    // The input: the reference 37 samples later (circularly), plus a little noise.
    let x: Vec<f32> = (0..n).map(|i| r[(i + n - 37) % n] + 0.01 * next()).collect();
    let mut out = vec![0.0f64; 32];
    let mut stages: Vec<ShiftStage> = [32usize, 1, 7, 256].iter().map(|&h| ShiftStage::new(n, h).unwrap()).collect();
    let before = ALLOC.thread_allocations();
    for (i, s) in stages.iter_mut().enumerate() {
        for round in 0..4 {
            let centre = if round % 2 == 0 { None } else { Some(36.5) };
            assert!(s.set_params(1.0 + round as f64, centre, round >= 2));
            assert!(!s.set_params(f64::NAN, None, false));
            assert!(s.process(&x, &r));
            // One hypothesis at a given centre cannot move off it.
            let tol = if s.hypotheses() == 1 && centre.is_some() { 0.51 } else { 0.05 };
            assert!((s.shift() - 37.0).abs() < tol, "stage {} round {}: {}", i, round, s.shift());
            s.input_frame_mut().copy_from_slice(&x);
            s.reference_frame_mut().copy_from_slice(&r);
            assert!(s.process_frames());
            assert!(s.rescore());
            assert!(!s.process(&x[..100], &r));
        }
        if s.hypotheses() == 32 {
            assert!(s.reference_scores_by_inverse_fft(&mut out));
        }
    }
    assert_eq!(ALLOC.thread_allocations(), before, "the shift stage's hot path allocated");
}
