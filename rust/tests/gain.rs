//! The gain (template) stage through the generic C ABI, with a counting global allocator: the
//! output is the input times the gain bit for bit, parameters are clamped or refused, errors are
//! status codes, and `process_quantum` / `stage_process` allocate nothing.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::gain::{GAIN, ID, PARAMS};
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

unsafe fn output(handle: i32, n: usize) -> Vec<f32> {
    std::slice::from_raw_parts(stage_output_ptr(handle), n).to_vec()
}

/// Whether the first `q.len()` output samples are `q` times `gain`, bit for bit. Allocates nothing.
unsafe fn output_is(handle: i32, q: &[f32], gain: f32) -> bool {
    let out = std::slice::from_raw_parts(stage_output_ptr(handle), q.len());
    out.iter().zip(q).all(|(y, x)| y.to_bits() == (x * gain).to_bits())
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

/// A gain instance for quanta of up to `max_frames` samples, with the stage's own defaults.
unsafe fn create(max_frames: usize) -> i32 {
    let kind = stage_kind_find(ID.as_ptr(), ID.len());
    assert!(kind >= 0, "the gain is registered");
    stage_create(kind as u32, 48000.0, max_frames, std::ptr::null(), 0)
}

#[test]
fn gain_abi_multiplies_clamps_and_never_allocates_in_process() {
    unsafe {
        assert_eq!(create(128), status::NOT_INITIALISED);
        assert_eq!(stage_set_param(0, GAIN as u32, 0.5), status::NOT_INITIALISED);
        assert_eq!(stage_process(0, 128), status::NOT_INITIALISED);

        // a capacity that is not a multiple of 128: quanta wrap mid-way
        assert!(!init(128 * 5 + 37).is_null());
        assert_eq!(stage_set_param(0, GAIN as u32, 0.5), status::NO_STAGE);
        assert!(stage_output_ptr(0).is_null());
        assert_eq!(create(0), status::BAD_ARGUMENT);
        let g = create(128);
        assert!(g >= 0, "create: {g}");
        assert!(!stage_output_ptr(g).is_null());

        // the default gain (0.5, a power of two: exact)
        let q = noise(128, 1);
        push(&q);
        assert_eq!(process_quantum(128), status::OK);
        assert_eq!(PARAMS[GAIN].default, 0.5);
        assert_eq!(bits(&output(g, 128)), bits(&q.iter().map(|x| x * 0.5).collect::<Vec<_>>()));

        // 0.3 is not a power of two: every product is rounded, and must match f32 multiplication
        let gain = 0.3f32;
        assert_eq!(stage_set_param(g, GAIN as u32, gain), status::OK);
        let input = noise(128 * 200, 7);
        let before = ALLOC.allocations();
        for (i, q) in input.chunks(128).enumerate() {
            push(q);
            let rc = if i % 2 == 0 { process_quantum(128) } else { stage_process(g, 128) };
            assert_eq!(rc, status::OK);
            assert!(output_is(g, q, gain), "quantum {}", i);
        }
        assert_eq!(stage_set_param(g, GAIN as u32, 2.0), status::OK);
        push(&q[..64]);
        assert_eq!(stage_process(g, 64), status::OK);
        assert!(output_is(g, &q[..64], 2.0));
        assert_eq!(ALLOC.allocations(), before, "the gain hot path allocated");

        // out of range: clamped to 0 ..= 4; NaN and unknown indices refused, the gain unchanged
        assert_eq!(stage_set_param(g, GAIN as u32, 100.0), status::OK);
        push(&q);
        assert_eq!(stage_process(g, 128), status::OK);
        let want: Vec<f32> = q.iter().map(|x| x * PARAMS[GAIN].max).collect();
        assert_eq!(bits(&output(g, 128)), bits(&want));
        assert_eq!(stage_set_param(g, GAIN as u32, f32::NAN), status::BAD_PARAM);
        assert_eq!(stage_set_param(g, 7, 1.0), status::BAD_PARAM);
        assert_eq!(stage_set_param(g, GAIN as u32, -3.0), status::OK);
        push(&q);
        assert_eq!(stage_process(g, 128), status::OK);
        assert!(output(g, 128).iter().all(|&v| v == 0.0));

        // more frames than the buffer is an error; a destroyed instance is gone
        assert_eq!(stage_process(g, 129), status::BAD_ARGUMENT);
        assert_eq!(stage_destroy(g), status::OK);
        assert_eq!(stage_process(g, 128), status::NO_STAGE);
        assert!(stage_output_ptr(g).is_null());
    }
}
