//! The counting allocator counts this thread's allocations apart from other threads'.

use stagebench_dsp::alloc_counter::CountingAlloc;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

/// Where each allocation's address escapes to, so the compiler cannot leave the allocation out.
static SINK: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());

fn allocate(bytes: usize) {
    let mut v: Vec<u8> = Vec::with_capacity(bytes);
    SINK.store(v.as_mut_ptr(), Ordering::Relaxed);
}

#[test]
fn thread_allocations_count_this_thread_only() {
    let before = ALLOC.thread_allocations();
    let total_before = ALLOC.allocations();
    allocate(64);
    assert_eq!(ALLOC.thread_allocations(), before + 1, "an allocation of this thread is counted");
    // spawning allocates on this thread: the other thread allocates only once told to, after `here`
    static GO: AtomicBool = AtomicBool::new(false);
    static DONE: AtomicBool = AtomicBool::new(false);
    let other = std::thread::spawn(|| {
        while !GO.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        allocate(1024);
        DONE.store(true, Ordering::Release);
    });
    let here = ALLOC.thread_allocations();
    GO.store(true, Ordering::Release);
    while !DONE.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    assert_eq!(ALLOC.thread_allocations(), here, "another thread's allocations are not this thread's");
    assert!(ALLOC.allocations() >= total_before + 2, "the process-wide count has both");
    other.join().unwrap();
}
