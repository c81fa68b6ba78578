//! The FFT stage's C ABI end to end on the native target with a counting global allocator:
//! status codes, and no allocation in `fft_process`, `fft_transform`, `fft_set_window` or
//! `process_quantum`.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::fft::exports::*;
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn fft_abi_statuses_and_no_allocation_in_process() {
    unsafe {
        // Before init.
        assert_eq!(fft_create(1024, 1, 0.0), status::NOT_INITIALISED);
        assert_eq!(fft_process(), status::NOT_INITIALISED);
        assert_eq!(fft_set_window(1, 0.0), status::NOT_INITIALISED);
        assert_eq!(fft_size(), 0);
        assert!(fft_spectrum_ptr().is_null());
        assert!(fft_peak_bin().is_nan());

        let n = 8192;
        let capacity = 16384;
        let ring = init(capacity);
        assert!(!ring.is_null());
        assert_eq!(fft_process(), status::NO_STAGE);

        // Bad sizes, bad windows, bad betas; a size above the ring's capacity.
        for size in [0usize, 100, 65536, 256, 1000] {
            assert_eq!(fft_create(size, 1, 0.0), status::BAD_ARGUMENT, "size {}", size);
        }
        assert_eq!(fft_create(32768, 1, 0.0), status::BAD_ARGUMENT);
        assert_eq!(fft_create(n, 3, 0.0), status::BAD_PARAM);
        assert_eq!(fft_create(n, -1, 0.0), status::BAD_PARAM);
        assert_eq!(fft_create(n, 2, f32::NAN), status::BAD_PARAM);
        assert_eq!(fft_size(), 0);

        assert_eq!(fft_create(n, 2, 9.0), status::OK);
        assert_eq!(fft_size(), n);
        assert!(!fft_spectrum_ptr().is_null());
        assert!(!fft_db_ptr().is_null());
        assert_eq!(fft_set_window(2, f32::NAN), status::BAD_PARAM);
        assert_eq!(fft_set_window(7, 1.0), status::BAD_PARAM);
        assert_eq!(fft_transform(core::ptr::null(), fft_spectrum_ptr() as *mut f32), status::BAD_ARGUMENT);

        // A 1 kHz sine at 48 kHz, written quantum by quantum.
        let samples = std::slice::from_raw_parts_mut(ring, capacity);
        let mut pos = get_write_pos();
        let mut t = 0u64;
        let mut write_quantum = |pos: &mut usize| {
            for i in 0..128 {
                let x = (2.0 * std::f64::consts::PI * 1000.0 * t as f64 / 48000.0).sin();
                samples[(*pos + i) % capacity] = x as f32;
                t += 1;
            }
            *pos = (*pos + 128) % capacity;
            set_write_pos(*pos);
        };
        for _ in 0..(n / 128) {
            write_quantum(&mut pos);
        }

        // A scratch output for fft_transform, allocated before counting.
        let mut out = vec![0.0f32; n + 2];
        // Copies of the one-shot analysis, to compare the stepped one with (allocated before counting).
        let mut full_spectrum = vec![0.0f32; n + 2];
        let mut full_db = vec![0.0f32; n / 2 + 1];
        let before = ALLOC.thread_allocations();
        for hop in 0..40 {
            for _ in 0..8 {
                write_quantum(&mut pos);
                assert_eq!(process_quantum(128), status::OK);
            }
            assert_eq!(fft_process(), status::OK);
            let hz = fft_peak_bin() * 48000.0 / n as f64;
            assert!((hz - 1000.0).abs() < 0.01, "hop {}: {} Hz", hop, hz);
            assert!(fft_peak_db().abs() < 0.01);
            if hop % 4 == 1 {
                // The same frame analysed in slices (fft_begin, then fft_step until 0) gives
                // bit-identical results, in a bounded number of slices.
                full_spectrum.copy_from_slice(std::slice::from_raw_parts(fft_spectrum_ptr(), n + 2));
                full_db.copy_from_slice(std::slice::from_raw_parts(fft_db_ptr(), n / 2 + 1));
                let (bin, db) = (fft_peak_bin(), fft_peak_db());
                assert_eq!(fft_begin(), status::OK);
                let mut slices = 0;
                let mut last = i32::MAX;
                loop {
                    let left = fft_step();
                    slices += 1;
                    assert!(left >= 0 && left < last, "slice {}: {} left after {}", slices, left, last);
                    last = left;
                    if left == 0 {
                        break;
                    }
                }
                assert!(slices <= 64, "{} slices", slices);
                assert_eq!(fft_step(), 0, "no analysis in progress");
                assert_eq!(std::slice::from_raw_parts(fft_spectrum_ptr(), n + 2), &full_spectrum[..]);
                assert_eq!(std::slice::from_raw_parts(fft_db_ptr(), n / 2 + 1), &full_db[..]);
                assert_eq!(fft_peak_bin().to_bits(), bin.to_bits());
                assert_eq!(fft_peak_db().to_bits(), db.to_bits());
            }
            if hop % 10 == 0 {
                // Hann and Kaiser of several betas (the peak checks above hold for them).
                let window = if hop % 20 == 0 { 2 } else { 1 };
                assert_eq!(fft_set_window(window, 5.0 + hop as f32 / 10.0), status::OK);
            }
            assert_eq!(fft_transform(ring, out.as_mut_ptr()), status::OK);
            assert_eq!(fft_transform(ring, fft_spectrum_ptr() as *mut f32), status::OK);
        }
        assert_eq!(ALLOC.thread_allocations(), before, "the FFT stage's hot path allocated");

        // The plain transform of the ring's first N samples matches what it wrote to `out`.
        let spectrum = std::slice::from_raw_parts(fft_spectrum_ptr(), n + 2);
        assert_eq!(&out[..], spectrum);
        // Overlapping buffers are refused.
        assert_eq!(fft_transform(fft_spectrum_ptr(), fft_spectrum_ptr() as *mut f32), status::BAD_ARGUMENT);
        assert_eq!(fft_transform(ring, ring.add(100)), status::BAD_ARGUMENT);
        assert_eq!(fft_transform(ring, fft_db_ptr() as *mut f32), status::BAD_ARGUMENT);

        // Another stage replaces it.
        assert_eq!(ring_copy_create(128), status::OK);
        assert_eq!(fft_process(), status::NO_STAGE);
        assert_eq!(fft_begin(), status::NO_STAGE);
        assert_eq!(fft_step(), status::NO_STAGE);
        assert_eq!(fft_size(), 0);
    }
}
