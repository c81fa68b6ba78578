//! Several input rings on one runtime (a chain): `input_add` leaves every instance alive, each
//! instance reads the ring that was current at its create, `stage_activate` makes its ring the
//! current one, and a `<stage>_create` replaces only the legacy instance on the current ring.
//!
//! One test function only: the global runtime is process-wide.

use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::status;

/// Writes `q` at the current ring's write position (wrapping) and publishes it, as the host does.
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

unsafe fn out(n: usize) -> Vec<f32> {
    let ptr = ring_copy_output_ptr();
    assert!(!ptr.is_null());
    std::slice::from_raw_parts(ptr, n).to_vec()
}

unsafe fn gain(value: f32) -> i32 {
    let name = "gain";
    let kind = stage_kind_find(name.as_ptr(), name.len());
    assert!(kind >= 0);
    let block = [value, 0.0, 4.0];
    stage_create(kind as u32, 48000.0, 4, block.as_ptr(), 1)
}

#[test]
fn one_ring_per_instance() {
    unsafe {
        assert!(input_add(8).is_null(), "input_add before init");
        let first = init(8);
        assert!(!first.is_null());
        // a legacy ring copy on the first ring
        assert_eq!(ring_copy_create(4), status::OK);
        let copy = stage_active();
        // a second ring: the ring copy survives, the new ring is current and empty
        let second = input_add(16);
        assert!(!second.is_null() && second != first);
        assert_eq!(get_input_capacity(), 16);
        assert_eq!(get_write_pos(), 0);
        assert_eq!(stage_kind_of(copy), stage_kind_of(copy), "still alive");
        assert!(input_add(0).is_null(), "zero capacity");
        // a legacy create on the second ring does not replace the first ring's
        assert_eq!(ring_copy_create(4), status::OK);
        let copy2 = stage_active();
        assert_ne!(copy2, copy);
        // and a generic instance on the second ring too
        let g = gain(2.0);
        assert!(g >= 0 && g != copy && g != copy2);

        // feed each ring its own samples
        assert_eq!(stage_activate(copy), status::OK);
        assert_eq!(get_input_capacity(), 8, "activate makes the instance's ring current");
        push(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(stage_activate(g), status::OK);
        assert_eq!(get_input_capacity(), 16);
        push(&[10.0, 20.0, 30.0, 40.0]);

        assert_eq!(stage_process(g, 4), status::OK);
        let gained = std::slice::from_raw_parts(stage_output_ptr(g), 4).to_vec();
        assert_eq!(gained, [20.0, 40.0, 60.0, 80.0]);
        assert_eq!(stage_activate(copy2), status::OK);
        assert_eq!(process_quantum(4), status::OK);
        assert_eq!(out(4), [10.0, 20.0, 30.0, 40.0], "the second ring's copy reads the second ring");
        assert_eq!(stage_activate(copy), status::OK);
        assert_eq!(ring_copy_process(4), status::OK);
        assert_eq!(out(4), [1.0, 2.0, 3.0, 4.0], "the first ring's copy reads the first ring");

        // a legacy create on the current (first) ring replaces that ring's legacy instance only
        assert_eq!(ring_copy_create(4), status::OK);
        assert_eq!(stage_active(), copy, "the first ring's slot is reused");
        assert_eq!(stage_activate(copy2), status::OK);

        // at most MAX_INSTANCES rings: nothing changes past that
        for _ in 2..MAX_INSTANCES {
            assert!(!input_add(4).is_null());
        }
        let current = get_input_ptr();
        assert!(input_add(4).is_null());
        assert_eq!(get_input_ptr(), current);

        // init drops every ring and instance
        assert!(!init(8).is_null());
        assert_eq!(stage_activate(copy), status::NO_STAGE);
        assert_eq!(stage_process(g, 4), status::NO_STAGE);
    }
}
