//! The generic stage ABI's hot path allocates nothing, for every registered stage: with a
//! counting global allocator, one instance of each kind (created by name with its defaults, so
//! a stage added to the registry is covered too) runs `stage_process` and `process_quantum`
//! over many quanta, and `stage_set_param`, `stage_get_param`, `stage_figures`, `stage_reset`,
//! `stage_save_state` and `stage_load_state` run between them.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

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

#[test]
fn every_registered_stage_processes_without_allocating() {
    unsafe {
        assert!(!init(1 << 16).is_null());
        let kinds = stage_kind_count();
        let mut handles = Vec::new();
        let mut states = Vec::new();
        for k in 0..kinds {
            let h = stage_create(k, 48000.0, 128, std::ptr::null(), 0);
            assert!(h >= 0, "kind {k}: {h}");
            let size = stage_state_size(h);
            assert!(size > 0);
            states.push(vec![0u8; size as usize]);
            handles.push((h, stage_kind_param_count(k) as u32));
        }
        let quanta: Vec<Vec<f32>> = (0..8).map(|j| (0..128).map(|i| ((i * 7 + j * 13) % 101) as f32 / 101.0 - 0.5).collect()).collect();
        let mut figures = [0.0f64; 16];

        let before = ALLOC.thread_allocations();
        for round in 0..50 {
            for (i, &(h, params)) in handles.iter().enumerate() {
                push(&quanta[round % quanta.len()]);
                assert_eq!(stage_process(h, 128), status::OK);
                assert_eq!(stage_activate(h), status::OK);
                assert_eq!(process_quantum(128), status::OK);
                assert_eq!(process_quantum(64), status::OK);
                if !stage_output_ptr(h).is_null() {
                    // (the analysis stages' process does nothing, whatever n)
                    assert_eq!(stage_process(h, 1 << 20), status::BAD_ARGUMENT);
                }
                if round % 10 == 3 {
                    for p in 0..params {
                        let v = stage_get_param(h, p);
                        // an out-of-range value (clamped) or the value itself; a fixed one is refused
                        let rc = stage_set_param(h, p, if round % 20 == 3 { 1e9 } else { v });
                        assert!(rc == status::OK || rc == status::BAD_PARAM, "{rc}");
                        assert_eq!(stage_set_param(h, p, f32::NAN), status::BAD_PARAM);
                    }
                    assert!(stage_figures(h, figures.as_mut_ptr(), figures.len()) >= 0);
                    let state = &mut states[i];
                    assert_eq!(stage_save_state(h, state.as_mut_ptr(), state.len()), state.len() as i32);
                    assert_eq!(stage_load_state(h, state.as_ptr(), state.len()), status::OK);
                    assert_eq!(stage_load_state(h, state.as_ptr(), state.len() - 1), status::BAD_STATE);
                    assert_eq!(stage_reset(h), status::OK);
                }
            }
        }
        assert_eq!(ALLOC.thread_allocations(), before, "the generic stage ABI allocated");
        assert_eq!(handles.len(), kinds as usize);
    }
}
