//! The EQ stage's C ABI end to end on the native target with a counting global allocator:
//! status codes, and no allocation in `eq_process`, `process_quantum`, `eq_process_buffer`,
//! `eq_set_band`, `eq_set_bypass`, `eq_reset` or NaN handling.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::eq::exports::*;
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn eq_abi_statuses_and_no_allocation_in_process() {
    unsafe {
        // Before init.
        assert_eq!(eq_create(48000.0, 128), status::NOT_INITIALISED);
        assert_eq!(eq_set_band(0, 1, 1000.0, 6.0, 1.0), status::NOT_INITIALISED);
        assert_eq!(eq_process(128), status::NOT_INITIALISED);
        assert_eq!(eq_reset(), status::NOT_INITIALISED);
        assert_eq!(eq_set_bypass(1), status::NOT_INITIALISED);
        assert!(eq_output_ptr().is_null());
        assert!(eq_response_db(1000.0).is_nan());
        assert_eq!(eq_nan_quanta(), 0);
        // The self-test needs no runtime (and allocates, so it runs before counting).
        assert_eq!(eq_selftest(), 0);

        let capacity = 8192;
        let ring = init(capacity);
        assert!(!ring.is_null());
        assert_eq!(eq_process(128), status::NO_STAGE);
        assert_eq!(eq_set_band(0, 1, 1000.0, 6.0, 1.0), status::NO_STAGE);
        assert_eq!(eq_process_buffer(ring, ring, 16), status::NO_STAGE);
        assert_eq!(eq_create(f32::NAN, 128), status::BAD_ARGUMENT);
        assert_eq!(eq_create(0.0, 128), status::BAD_ARGUMENT);
        assert_eq!(eq_create(48000.0, 0), status::BAD_ARGUMENT);
        assert_eq!(eq_create(48000.0, 128), status::OK);
        assert!(!eq_output_ptr().is_null());

        // Parameter statuses.
        assert_eq!(eq_set_band(8, 1, 1000.0, 6.0, 1.0), status::BAD_ARGUMENT);
        assert_eq!(eq_set_band(-1, 1, 1000.0, 6.0, 1.0), status::BAD_ARGUMENT);
        assert_eq!(eq_set_band(0, 8, 1000.0, 6.0, 1.0), status::BAD_PARAM);
        assert_eq!(eq_set_band(0, -1, 1000.0, 6.0, 1.0), status::BAD_PARAM);
        assert_eq!(eq_set_band(0, 1, f32::NAN, 6.0, 1.0), status::BAD_PARAM);
        assert_eq!(eq_set_band(0, 1, 1000.0, f32::NAN, 1.0), status::BAD_PARAM);
        assert_eq!(eq_set_band(0, 1, 1000.0, 6.0, f32::NAN), status::BAD_PARAM);
        assert!((eq_response_db(1000.0) - 0.0).abs() < 1e-12, "nothing changed");
        let settings = [
            (2, 80.0, 6.0, 1.0),
            (1, 250.0, -3.0, 1.0),
            (1, 1000.0, 4.0, 2.0),
            (1, 4000.0, -6.0, 4.0),
            (3, 10000.0, 3.0, 1.0),
            (5, 30.0, 0.0, 0.0),
            (4, 18000.0, 0.0, 0.0),
            (7, 60.0, 0.0, 10.0),
        ];
        for (i, &(k, f, g, q)) in settings.iter().enumerate() {
            assert_eq!(eq_set_band(i as i32, k, f, g, q), status::OK);
        }
        assert!((eq_response_db(1000.0) - 4.0).abs() < 0.3);
        assert!(eq_response_db(60.0) < -100.0);
        assert!(eq_response_db(-5.0).is_nan());
        assert_eq!(eq_reset(), status::OK);

        // Buffers for eq_process_buffer, allocated before counting.
        let scratch_in = scratch_alloc(1000);
        let scratch_out = scratch_alloc(1000);
        assert_eq!(eq_process_buffer(core::ptr::null(), scratch_out, 10), status::BAD_ARGUMENT);
        assert_eq!(eq_process_buffer(scratch_in, core::ptr::null_mut(), 10), status::BAD_ARGUMENT);
        assert_eq!(eq_process_buffer(scratch_in, scratch_in.add(1), 10), status::BAD_ARGUMENT);
        assert_eq!(eq_process_buffer(scratch_in, eq_output_ptr() as *mut f32, 10), status::BAD_ARGUMENT);
        assert_eq!(eq_process_buffer(scratch_in, scratch_out, 0), status::OK);

        let samples = std::slice::from_raw_parts_mut(ring, capacity);
        let mut pos = get_write_pos();
        let mut seed = 99u32;
        let mut write_quantum = |pos: &mut usize, bad: bool| {
            for i in 0..128 {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                samples[(*pos + i) % capacity] = (seed >> 8) as f32 / 16_777_216.0 - 0.5;
            }
            if bad {
                samples[(*pos + 64) % capacity] = f32::NAN;
            }
            *pos = (*pos + 128) % capacity;
            set_write_pos(*pos);
        };
        let before = ALLOC.thread_allocations();
        for q in 0..2000u32 {
            write_quantum(&mut pos, q == 777);
            let st = if q % 2 == 0 { process_quantum(128) } else { eq_process(128) };
            assert_eq!(st, status::OK);
            let out = std::slice::from_raw_parts(eq_output_ptr(), 128);
            if q == 777 {
                assert!(out.iter().all(|&v| v == 0.0));
            } else {
                assert!(out.iter().all(|v| v.is_finite() && v.abs() < 8.0));
            }
            match q % 200 {
                10 => assert_eq!(eq_set_band((q / 200 % 8) as i32, 1 + (q / 200 % 7) as i32, 300.0 + q as f32, 6.0, 2.0), status::OK),
                50 => assert_eq!(eq_set_band((q / 200 % 8) as i32, 1 + (q / 200 % 7) as i32, 300.0 + q as f32, -6.0, 0.7), status::OK),
                90 => assert_eq!(eq_set_bypass(1), status::OK),
                130 => assert_eq!(eq_set_bypass(0), status::OK),
                170 => assert_eq!(eq_reset(), status::OK),
                _ => {}
            }
            if q % 100 == 3 {
                std::ptr::copy_nonoverlapping(ring, scratch_in, 1000);
                assert_eq!(eq_process_buffer(scratch_in, scratch_out, 1000), status::OK);
                assert_eq!(eq_process_buffer(scratch_out, scratch_out, 1000), status::OK);
            }
        }
        assert_eq!(ALLOC.thread_allocations(), before, "the EQ's hot path allocated");
        assert_eq!(eq_nan_quanta(), 1);
        assert_eq!(eq_process(129), status::BAD_ARGUMENT);

        // In place equals out of place.
        assert_eq!(eq_reset(), status::OK);
        std::ptr::copy_nonoverlapping(ring, scratch_in, 1000);
        assert_eq!(eq_process_buffer(scratch_in, scratch_out, 1000), status::OK);
        let want: Vec<f32> = std::slice::from_raw_parts(scratch_out, 1000).to_vec();
        assert_eq!(eq_reset(), status::OK);
        assert_eq!(eq_process_buffer(scratch_in, scratch_in, 1000), status::OK);
        assert_eq!(std::slice::from_raw_parts(scratch_in, 1000), &want[..]);
        scratch_free(scratch_in, 1000);
        scratch_free(scratch_out, 1000);

        // Another stage replaces it.
        assert_eq!(ring_copy_create(128), status::OK);
        assert_eq!(eq_process(128), status::NO_STAGE);
        assert!(eq_output_ptr().is_null());
        assert!(eq_response_db(100.0).is_nan());
    }
}
