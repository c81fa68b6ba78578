//! The C ABI end to end on the native target, with a counting global allocator: the seed ABI
//! round-trips samples bit for bit, and the hot path allocates nothing.
//!
//! One test function only: the global runtime and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::ffi::*;
use stagebench_dsp::stages::ring_copy::exports::*;
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn seed_abi_round_trip_and_no_allocation_in_process() {
    unsafe {
        assert_eq!(process_quantum(128), status::NOT_INITIALISED);
        assert_eq!(ring_copy_create(128), status::NOT_INITIALISED);
        assert!(init(0).is_null());

        let capacity = 128 * 256;
        let ptr = init(capacity);
        assert!(!ptr.is_null());
        assert_eq!(ptr, get_input_ptr());
        assert_eq!(get_input_capacity(), capacity);
        assert_eq!(process_quantum(128), status::NO_STAGE);
        assert_eq!(ring_copy_create(128), status::OK);
        assert!(!ring_copy_output_ptr().is_null());

        let ring = std::slice::from_raw_parts_mut(ptr, capacity);
        let before = ALLOC.thread_allocations();
        let mut pos = get_write_pos();
        for q in 0..1000u32 {
            for i in 0..128 {
                ring[(pos + i) % capacity] = (q as f32) * 1000.0 + i as f32;
            }
            pos = (pos + 128) % capacity;
            set_write_pos(pos);
            assert_eq!(process_quantum(128), status::OK);
            let out = std::slice::from_raw_parts(ring_copy_output_ptr(), 128);
            for (i, v) in out.iter().enumerate() {
                assert_eq!(v.to_bits(), ((q as f32) * 1000.0 + i as f32).to_bits());
            }
        }
        assert_eq!(ALLOC.thread_allocations(), before, "process_quantum allocated");

        assert_eq!(process_quantum(129), status::BAD_ARGUMENT);
        set_write_pos(capacity + 5);
        assert_eq!(get_write_pos(), 5);
        assert_eq!(abi_version(), ABI_VERSION);
    }
}
