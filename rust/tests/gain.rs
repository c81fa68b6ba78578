//! The gain (template) stage through its C ABI, with a counting global allocator: the output is
//! the input times the gain bit for bit, parameters are clamped or refused, errors are status
//! codes, and `process_quantum` / `gain_process` allocate nothing.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::gain::exports::*;
use stagebench_dsp::stages::gain::{MAX_GAIN, PARAM_GAIN};
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

/// Seeded noise in [-1, 1).
fn noise(len: usize, mut seed: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0
        })
        .collect()
}

/// Writes `q` at the write position (wrapping) and publishes the new position, as the host does.
unsafe fn push(q: &[f32]) {
    let capacity = get_input_capacity();
    let ring = std::slice::from_raw_parts_mut(get_input_ptr(), capacity);
    let mut pos = get_write_pos();
    for &v in q {
        ring[pos] = v;
        pos = (pos + 1) % capacity;
    }
    set_write_pos(pos);
}

unsafe fn output(n: usize) -> Vec<f32> {
    std::slice::from_raw_parts(gain_output_ptr(), n).to_vec()
}

/// Whether the first `q.len()` output samples are `q` times `gain`, bit for bit. Allocates nothing.
unsafe fn output_is(q: &[f32], gain: f32) -> bool {
    let out = std::slice::from_raw_parts(gain_output_ptr(), q.len());
    out.iter().zip(q).all(|(y, x)| y.to_bits() == (x * gain).to_bits())
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn gain_abi_multiplies_clamps_and_never_allocates_in_process() {
    unsafe {
        assert_eq!(gain_create(128), status::NOT_INITIALISED);
        assert_eq!(gain_set_param(PARAM_GAIN, 0.5), status::NOT_INITIALISED);
        assert_eq!(gain_process(128), status::NOT_INITIALISED);

        // a capacity that is not a multiple of 128: quanta wrap mid-way
        assert!(!init(128 * 5 + 37).is_null());
        assert_eq!(gain_set_param(PARAM_GAIN, 0.5), status::NO_STAGE);
        assert!(gain_output_ptr().is_null());
        assert_eq!(gain_create(0), status::BAD_ARGUMENT);
        assert_eq!(gain_create(128), status::OK);
        assert!(!gain_output_ptr().is_null());

        // default gain 1: a copy
        let q = noise(128, 1);
        push(&q);
        assert_eq!(process_quantum(128), status::OK);
        assert_eq!(bits(&output(128)), bits(&q));

        // 0.3 is not a power of two: every product is rounded, and must match f32 multiplication
        let gain = 0.3f32;
        assert_eq!(gain_set_param(PARAM_GAIN, gain), status::OK);
        let input = noise(128 * 200, 7);
        let before = ALLOC.allocations();
        for (i, q) in input.chunks(128).enumerate() {
            push(q);
            let rc = if i % 2 == 0 { process_quantum(128) } else { gain_process(128) };
            assert_eq!(rc, status::OK);
            assert!(output_is(q, gain), "quantum {}", i);
        }
        assert_eq!(gain_set_param(PARAM_GAIN, 2.0), status::OK);
        push(&q[..64]);
        assert_eq!(gain_process(64), status::OK);
        assert!(output_is(&q[..64], 2.0));
        assert_eq!(ALLOC.allocations(), before, "the gain hot path allocated");

        // out of range: clamped to 0 ..= 4; NaN and unknown ids refused, the gain unchanged
        assert_eq!(gain_set_param(PARAM_GAIN, 100.0), status::OK);
        push(&q);
        assert_eq!(gain_process(128), status::OK);
        let want: Vec<f32> = q.iter().map(|x| x * MAX_GAIN).collect();
        assert_eq!(bits(&output(128)), bits(&want));
        assert_eq!(gain_set_param(PARAM_GAIN, f32::NAN), status::BAD_PARAM);
        assert_eq!(gain_set_param(7, 1.0), status::BAD_PARAM);
        assert_eq!(gain_set_param(PARAM_GAIN, -3.0), status::OK);
        push(&q);
        assert_eq!(gain_process(128), status::OK);
        assert!(output(128).iter().all(|&v| v == 0.0));

        // more frames than the buffer is an error; another stage makes the gain inactive
        assert_eq!(gain_process(129), status::BAD_ARGUMENT);
        assert_eq!(ring_copy_create(128), status::OK);
        assert_eq!(gain_process(128), status::NO_STAGE);
        assert!(gain_output_ptr().is_null());
    }
}
