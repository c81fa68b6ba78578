//! The EQ's `fast` precision allocates nothing while processing (blocks, in place, through
//! smoothing, crossfades, bypass and NaN quanta), with a counting global allocator.
//!
//! One test function only: the allocation counter is process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::stages::eq::{EqStage, Kind};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn fast_processing_does_not_allocate() {
    let mut eq = EqStage::new(48000.0, 128).unwrap();
    for i in 0..8 {
        eq.set_band(i, Kind::from_id(1 + (i % 7) as i32).unwrap(), 100.0 * (i + 1) as f32, 6.0, 1.0).unwrap();
    }
    eq.set_fast(true);
    eq.reset();
    let mut seed = 5u32;
    let mut x: Vec<f32> = (0..1000)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / 16_777_216.0 - 0.5
        })
        .collect();
    let mut y = vec![0.0f32; 1000];
    let before = ALLOC.thread_allocations();
    for call in 0..400usize {
        match call % 100 {
            10 => eq.set_band(call / 100, Kind::Peaking, 300.0 + call as f32, -6.0, 2.0).unwrap(),
            30 => eq.set_band(call / 100 + 1, Kind::HighShelf, 5000.0, 3.0, 1.0).unwrap(),
            50 => eq.set_bypass(true),
            70 => eq.set_bypass(false),
            _ => {}
        }
        x[500] = if call == 77 { f32::NAN } else { 0.25 };
        eq.process_block(&x, &mut y);
        eq.process_in_place(&mut y);
        assert!(y.iter().all(|v| v.is_finite()));
    }
    assert_eq!(ALLOC.thread_allocations(), before, "fast processing allocated");
    assert_eq!(eq.nan_quanta(), 1);
}
