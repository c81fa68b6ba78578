//! The generic stage C ABI end to end on the native target: kinds by name and their parameters,
//! create from a parameter block, handles (two instances at once, activate, destroy, invalid
//! handles, a full table), parameters, figures, reset, saved state, and the legacy
//! `<stage>_create` exports sharing the instance table.
//!
//! One test function only: the global runtime is process-wide.

use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::eq::exports::*;
use stagebench_dsp::stages::eq::FLAT;
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::stages::shift::exports::*;
use stagebench_dsp::stages::shift::{PHAT, PHAT_OFF, PHAT_ON};
use stagebench_dsp::stages::{ParamKind, KINDS};
use stagebench_dsp::status;

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

unsafe fn out(handle: i32, n: usize) -> Vec<u32> {
    let ptr = stage_output_ptr(handle);
    assert!(!ptr.is_null(), "handle {handle} has no output");
    std::slice::from_raw_parts(ptr, n).iter().map(|v| v.to_bits()).collect()
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn noise(len: usize, mut seed: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0
        })
        .collect()
}

unsafe fn kind(name: &str) -> u32 {
    let k = stage_kind_find(name.as_ptr(), name.len());
    assert!(k >= 0, "{name}: {k}");
    k as u32
}

unsafe fn create(name: &str, block: &[f32]) -> i32 {
    stage_create(kind(name), 48000.0, 128, block.as_ptr(), block.len() / 3)
}

unsafe fn save(handle: i32) -> Vec<u8> {
    let size = stage_state_size(handle);
    assert!(size > 0, "state size {size}");
    let mut buf = vec![0u8; size as usize];
    assert_eq!(stage_save_state(handle, buf.as_mut_ptr(), buf.len()), size);
    buf
}

#[test]
fn generic_stage_abi() {
    unsafe {
        // Kinds need no init.
        let count = stage_kind_count();
        assert!(count >= 5);
        let mut names = Vec::new();
        for k in 0..count {
            let len = stage_kind_name(k, std::ptr::null_mut(), 0);
            let mut buf = vec![0u8; len as usize];
            assert_eq!(stage_kind_name(k, buf.as_mut_ptr(), buf.len()), len);
            let name = String::from_utf8(buf).unwrap();
            assert_eq!(kind(&name), k);
            assert!(stage_kind_param_count(k) >= 0);
            if len > 1 {
                let mut short = vec![0u8; len as usize - 1];
                assert_eq!(stage_kind_name(k, short.as_mut_ptr(), short.len()), status::BAD_ARGUMENT);
            }
            names.push(name);
        }
        for id in ["ring-copy", "gain", "fft", "eq", "shift"] {
            assert!(names.iter().any(|n| n == id), "{id} is not registered");
        }
        assert_eq!(stage_kind_name(count, std::ptr::null_mut(), 0), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_find(b"gains".as_ptr(), 5), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_find(b"gain".as_ptr(), 3), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_find(std::ptr::null(), 0), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_param_count(kind("gain")), 1);
        assert_eq!(stage_kind_param_count(kind("eq")), 34);
        assert_eq!(stage_kind_param_count(count), status::BAD_ARGUMENT);

        // Each kind's parameters as its PARAMS declare them: kind code, (default, min, max), name.
        for (k, spec_kind) in KINDS.iter().enumerate() {
            let k = k as u32;
            assert_eq!(stage_kind_param_count(k), spec_kind.params.len() as i32);
            for (i, spec) in spec_kind.params.iter().enumerate() {
                let i = i as u32;
                let mut triple = [f32::NAN; 4];
                assert_eq!(stage_kind_param(k, i, triple.as_mut_ptr()), spec.kind.code(), "{} {}", spec_kind.id, spec.name);
                assert_eq!(bits(&triple[..3]), bits(&[spec.default, spec.min, spec.max]), "{} {}", spec_kind.id, spec.name);
                assert!(triple[3].is_nan(), "three floats written, no more");
                let len = stage_kind_param_name(k, i, std::ptr::null_mut(), 0);
                let mut buf = vec![0u8; len as usize];
                assert_eq!(stage_kind_param_name(k, i, buf.as_mut_ptr(), buf.len()), len);
                assert_eq!(String::from_utf8(buf).unwrap(), spec.name);
                let mut short = vec![0u8; len as usize - 1];
                assert_eq!(stage_kind_param_name(k, i, short.as_mut_ptr(), short.len()), status::BAD_ARGUMENT);
            }
            let past = spec_kind.params.len() as u32;
            let mut triple = [f32::NAN; 3];
            assert_eq!(stage_kind_param(k, past, triple.as_mut_ptr()), status::BAD_ARGUMENT, "{}: index past the end", spec_kind.id);
            assert_eq!(stage_kind_param_name(k, past, std::ptr::null_mut(), 0), status::BAD_ARGUMENT);
            assert!(triple.iter().all(|v| v.is_nan()), "nothing written");
        }
        let mut triple = [0.0f32; 4];
        let fft = kind("fft");
        assert_eq!(stage_kind_param(fft, 0, triple.as_mut_ptr()), ParamKind::Fixed.code());
        assert_eq!(&triple[..3], &[32768.0, 512.0, 32768.0], "the FFT's size");
        assert_eq!(stage_kind_param(fft, 1, triple.as_mut_ptr()), ParamKind::Integer.code());
        assert_eq!(&triple[..3], &[2.0, 0.0, 2.0], "the FFT's window: Kaiser of rect, hann, kaiser");
        assert_eq!(stage_kind_param(fft, 2, triple.as_mut_ptr()), ParamKind::Real.code());
        assert_eq!(stage_kind_param(count, 0, triple.as_mut_ptr()), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_param(fft, 0, std::ptr::null_mut()), status::BAD_ARGUMENT);
        let misaligned = (triple.as_mut_ptr() as *mut u8).add(1) as *mut f32;
        assert_eq!(stage_kind_param(fft, 0, misaligned), status::BAD_ARGUMENT);
        assert_eq!(stage_kind_param_name(count, 0, std::ptr::null_mut(), 0), status::BAD_ARGUMENT);

        // Before init.
        assert_eq!(create("gain", &[]), status::NOT_INITIALISED);
        assert_eq!(stage_process(0, 128), status::NOT_INITIALISED);
        assert_eq!(stage_destroy(0), status::NOT_INITIALISED);
        assert_eq!(stage_active(), status::NOT_INITIALISED);
        assert!(stage_get_param(0, 0).is_nan());

        assert!(!init(4096).is_null());
        assert_eq!(stage_active(), status::NO_STAGE);

        // Bad blocks and kinds: nothing created.
        assert_eq!(stage_create(count, 48000.0, 128, std::ptr::null(), 0), status::BAD_ARGUMENT);
        assert_eq!(create("gain", &[0.5, 0.0, 1.0, 0.5, 0.0, 1.0]), status::BAD_PARAM);
        assert_eq!(create("gain", &[f32::NAN, 0.0, 1.0]), status::BAD_PARAM);
        assert_eq!(create("gain", &[0.5, 2.0, 1.0]), status::BAD_PARAM);
        assert_eq!(stage_create(kind("gain"), 48000.0, 128, std::ptr::null(), 1), status::BAD_ARGUMENT);
        assert_eq!(stage_create(kind("gain"), 48000.0, 0, std::ptr::null(), 0), status::BAD_ARGUMENT);
        assert_eq!(create("fft", &[8192.0, 512.0, 32768.0]), status::BAD_ARGUMENT, "larger than the ring");
        assert_eq!(stage_active(), status::NO_STAGE);

        // A gain created by name with the host's range; it becomes active.
        let g = create("gain", &[0.5, 0.0, 2.0]);
        assert!(g >= 0);
        assert_eq!(stage_active(), g);
        assert_eq!(stage_kind_of(g), kind("gain") as i32);
        assert_eq!(stage_get_param(g, 0), 0.5);
        let q = noise(128, 1);
        push(&q);
        assert_eq!(process_quantum(128), status::OK);
        assert_eq!(out(g, 128), bits(&q.iter().map(|x| x * 0.5).collect::<Vec<_>>()));
        assert_eq!(stage_set_param(g, 0, 3.0), status::OK);
        assert_eq!(stage_get_param(g, 0), 2.0, "clamped to the block's range");
        assert_eq!(stage_set_param(g, 0, f32::NAN), status::BAD_PARAM);
        assert_eq!(stage_set_param(g, 1, 1.0), status::BAD_PARAM);
        assert_eq!(stage_get_param(g, 0), 2.0);
        assert!(stage_get_param(g, 1).is_nan());
        // a stage's own exports see the active instance when it is theirs
        let r = create("ring-copy", &[]);
        assert_eq!(ring_copy_process(128), status::OK);
        assert_eq!(out(r, 128), bits(&q));
        assert_eq!(ring_copy_output_ptr(), stage_output_ptr(r));
        assert_eq!(stage_destroy(r), status::OK);
        assert_eq!(ring_copy_process(128), status::NO_STAGE);
        assert_eq!(stage_activate(g), status::OK);

        // Two instances at once: an EQ beside the gain; each runs on its own.
        let e = create("eq", &[1.0, 0.0, 7.0, 1000.0, 10.0, 24000.0, 12.0, -40.0, 40.0, 1.0, -40.0, 1000.0]);
        assert!(e >= 0 && e != g);
        assert_eq!(stage_active(), e);
        assert_eq!(stage_get_param(e, 0), 1.0);
        let q = noise(128, 2);
        push(&q);
        assert_eq!(stage_process(g, 128), status::OK);
        assert_eq!(stage_process(e, 128), status::OK);
        let (gain_out, eq_out) = (out(g, 128), out(e, 128));
        assert_eq!(gain_out, bits(&q.iter().map(|x| x * 2.0).collect::<Vec<_>>()));
        assert_ne!(eq_out, bits(&q), "the EQ boosts 1 kHz by 12 dB");
        assert_eq!(process_quantum(128), status::OK);
        assert_eq!(eq_process(128), status::OK, "the EQ is the active instance");
        assert_eq!(stage_activate(g), status::OK);
        assert_eq!(eq_process(128), status::NO_STAGE, "the EQ is not the active instance");
        assert_eq!(stage_process(e, 129), status::BAD_ARGUMENT);
        assert_eq!(stage_output_ptr(create("fft", &[1024.0, 512.0, 32768.0])), std::ptr::null(), "an analysis has no output");

        // Figures and reset: a NaN quantum is counted, reset clears the count.
        let mut figures = [0.0f64; 4];
        assert_eq!(stage_figures(e, figures.as_mut_ptr(), figures.len()), 1);
        assert_eq!(figures[0], 0.0);
        push(&[f32::NAN; 128]);
        assert_eq!(stage_process(e, 128), status::OK);
        assert_eq!(stage_figures(e, figures.as_mut_ptr(), figures.len()), 1);
        assert_eq!(figures[0], 1.0);
        assert_eq!(stage_figures(e, figures.as_mut_ptr(), 0), 0);
        assert_eq!(stage_figures(e, std::ptr::null_mut(), 4), status::BAD_ARGUMENT);
        assert_eq!(stage_reset(e), status::OK);
        assert_eq!(stage_figures(e, figures.as_mut_ptr(), figures.len()), 1);
        assert_eq!(figures[0], 0.0);

        // Saved state: into another instance, which then runs as the first.
        push(&noise(4096, 3));
        assert_eq!(stage_process(e, 128), status::OK);
        assert_eq!(stage_set_param(e, 2, -6.0), status::OK);
        assert_eq!(stage_process(e, 128), status::OK);
        let saved = save(e);
        let e2 = create("eq", &[1.0, 0.0, 7.0, 1000.0, 10.0, 24000.0, 12.0, -40.0, 40.0, 1.0, -40.0, 1000.0]);
        assert_eq!(stage_load_state(e2, saved.as_ptr(), saved.len()), status::OK);
        assert_eq!(save(e2), saved);
        push(&noise(128, 4));
        assert_eq!(stage_process(e, 128), status::OK);
        assert_eq!(stage_process(e2, 128), status::OK);
        assert_eq!(out(e, 128), out(e2, 128));
        // refused: empty, truncated, random, another stage's; the instance still works
        let before = save(e2);
        let random: Vec<u8> = noise(saved.len(), 9).iter().map(|v| v.to_bits() as u8).collect();
        let gain_state = save(g);
        for (what, bytes) in [("truncated", &saved[..saved.len() - 3]), ("random", &random[..]), ("the gain's", &gain_state[..])] {
            assert_eq!(stage_load_state(e2, bytes.as_ptr(), bytes.len()), status::BAD_STATE, "{what}");
        }
        assert_eq!(stage_load_state(e2, std::ptr::null(), 0), status::BAD_STATE, "empty");
        assert_eq!(stage_load_state(e2, std::ptr::null(), 8), status::BAD_ARGUMENT);
        assert_eq!(save(e2), before, "refused state changed the instance");
        assert_eq!(stage_process(e2, 128), status::OK);
        let mut small = vec![0u8; saved.len() - 1];
        assert_eq!(stage_save_state(e2, small.as_mut_ptr(), small.len()), status::BAD_ARGUMENT);
        let own = stage_output_ptr(e2) as *mut u8;
        assert_eq!(stage_save_state(e2, own, saved.len()), status::BAD_ARGUMENT, "into its own output");

        // Destroy: the handle is gone; the active instance goes with it.
        assert_eq!(stage_activate(e2), status::OK);
        assert_eq!(stage_destroy(e2), status::OK);
        assert_eq!(stage_active(), status::NO_STAGE);
        assert_eq!(process_quantum(128), status::NO_STAGE);
        for h in [e2, -1, MAX_INSTANCES as i32, 99] {
            assert_eq!(stage_process(h, 128), status::NO_STAGE, "handle {h}");
            assert_eq!(stage_destroy(h), status::NO_STAGE);
            assert_eq!(stage_activate(h), status::NO_STAGE);
            assert_eq!(stage_set_param(h, 0, 1.0), status::NO_STAGE);
            assert_eq!(stage_reset(h), status::NO_STAGE);
            assert_eq!(stage_state_size(h), status::NO_STAGE);
            assert_eq!(stage_kind_of(h), status::NO_STAGE);
            assert!(stage_get_param(h, 0).is_nan());
            assert!(stage_output_ptr(h).is_null());
        }
        assert_eq!(stage_process(g, 128), status::OK, "other instances are untouched");

        // The legacy creates share the table: each replaces the one before it.
        assert_eq!(ring_copy_create(128), status::OK);
        let legacy = stage_active();
        assert!(legacy >= 0 && legacy != g);
        push(&q);
        assert_eq!(ring_copy_process(128), status::OK);
        assert_eq!(out(legacy, 128), bits(&q));
        assert_eq!(eq_create(48000.0, 128), status::OK);
        assert_eq!(stage_active(), legacy, "the EQ took the legacy ring copy's slot");
        assert_eq!(ring_copy_process(128), status::NO_STAGE);
        let values: Vec<f32> = (0..FLAT.len() as u32).map(|i| stage_get_param(legacy, i)).collect();
        assert_eq!(values, FLAT, "eq_create makes a flat EQ, not one at the parameters' defaults");
        push(&q);
        assert_eq!(eq_process(128), status::OK);
        assert_eq!(out(legacy, 128), bits(&q), "a flat EQ passes its input through exactly");
        assert_eq!(shift_create(4096, 16), status::OK);
        assert_eq!(stage_get_param(legacy, PHAT as u32), PHAT_OFF, "shift_create: no PHAT");
        assert_eq!(shift_set_params(2.0, f64::NAN, 1), status::OK);
        assert_eq!(stage_get_param(legacy, PHAT as u32), PHAT_ON, "shift_set_params takes PHAT as a switch");
        assert_eq!(shift_set_params(2.0, f64::NAN, 0), status::OK);
        assert_eq!(stage_get_param(legacy, PHAT as u32), PHAT_OFF);

        // A full table: stage_create and the legacy creates refuse; a free slot helps both.
        let mut made = Vec::new();
        loop {
            let h = create("ring-copy", &[]);
            if h < 0 {
                assert_eq!(h, status::BAD_ARGUMENT);
                break;
            }
            made.push(h);
        }
        assert_eq!(made.len() + 4, MAX_INSTANCES, "the gain, the EQ, the FFT and the legacy slot");
        assert_eq!(ring_copy_create(128), status::OK, "a legacy create reuses its own slot");
        assert_eq!(stage_destroy(legacy), status::OK);
        let last = create("ring-copy", &[]);
        assert!(last >= 0);
        assert_eq!(ring_copy_create(128), status::BAD_ARGUMENT, "every slot holds a stage_create instance");
        assert_eq!(stage_destroy(made[0]), status::OK);
        assert_eq!(ring_copy_create(128), status::OK);

        // init drops every instance.
        assert!(!init(1024).is_null());
        assert_eq!(stage_process(g, 128), status::NO_STAGE);
        assert_eq!(stage_active(), status::NO_STAGE);
    }
}
