//! A global allocator wrapper that counts allocations.
//!
//! On wasm32 it is the crate's global allocator, and `ffi::alloc_count` exports the count so the
//! worklet and the tests can show that `process` entries allocate nothing. Native test binaries
//! that want the same check install it themselves with `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// Allocation calls made by this thread (const-initialised, no destructor: safe to touch from
    /// the allocator itself).
    static THREAD_ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Counts one allocation call of the current thread (nothing once its thread-locals are gone).
fn count_thread_allocation() {
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

/// Counts calls to `alloc`, `alloc_zeroed` and `realloc`, and the bytes currently live.
pub struct CountingAlloc {
    allocations: AtomicUsize,
    live_bytes: AtomicUsize,
}

impl CountingAlloc {
    pub const fn new() -> Self {
        CountingAlloc { allocations: AtomicUsize::new(0), live_bytes: AtomicUsize::new(0) }
    }

    /// Number of allocation calls so far (alloc, alloc_zeroed and realloc).
    pub fn allocations(&self) -> usize {
        self.allocations.load(Ordering::Relaxed)
    }

    /// Allocation calls made so far by the calling thread alone: what a test that measures its own
    /// calls compares, since the test harness's other threads allocate when they like (the
    /// process-wide count picked those up on a loaded machine).
    pub fn thread_allocations(&self) -> usize {
        THREAD_ALLOCATIONS.try_with(Cell::get).unwrap_or(0)
    }

    /// Bytes currently allocated and not yet freed.
    pub fn live_bytes(&self) -> usize {
        self.live_bytes.load(Ordering::Relaxed)
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        Self::new()
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        count_thread_allocation();
        self.live_bytes.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        count_thread_allocation();
        self.live_bytes.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.live_bytes.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        count_thread_allocation();
        self.live_bytes.fetch_sub(layout.size(), Ordering::Relaxed);
        self.live_bytes.fetch_add(new_size, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
pub static GLOBAL: CountingAlloc = CountingAlloc::new();
