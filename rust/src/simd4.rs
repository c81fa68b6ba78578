//! Four-lane f32 helpers shared by the SIMD128 kernels (FFT passes, shift ramps): unaligned
//! loads and stores (wasm has no alignment traps), a splat load, arithmetic, lane reversal, and
//! loads and stores of interleaved complex values.
//! Compiled only for wasm32 with simd128; each kernel keeps a scalar path beside it.

use core::arch::wasm32::*;

/// Loads four floats.
///
/// # Safety
/// `p` must be valid for reading 16 bytes.
#[inline(always)]
pub(crate) unsafe fn ld(p: *const f32) -> v128 {
    v128_load(p as *const v128)
}

/// Stores four floats.
///
/// # Safety
/// `p` must be valid for writing 16 bytes.
#[inline(always)]
pub(crate) unsafe fn st(p: *mut f32, v: v128) {
    v128_store(p as *mut v128, v)
}

/// Loads one float into all four lanes.
///
/// # Safety
/// `p` must be valid for reading 4 bytes.
#[inline(always)]
pub(crate) unsafe fn splat(p: *const f32) -> v128 {
    v128_load32_splat(p as *const u32)
}

#[inline(always)]
pub(crate) fn add(a: v128, b: v128) -> v128 {
    f32x4_add(a, b)
}

#[inline(always)]
pub(crate) fn sub(a: v128, b: v128) -> v128 {
    f32x4_sub(a, b)
}

#[inline(always)]
pub(crate) fn mul(a: v128, b: v128) -> v128 {
    f32x4_mul(a, b)
}

/// Lanes in reverse order.
#[inline(always)]
pub(crate) fn reverse(v: v128) -> v128 {
    i32x4_shuffle::<3, 2, 1, 0>(v, v)
}

/// Loads four interleaved complex values (8 floats) as `(re, im)`.
///
/// # Safety
/// `p` must be valid for reading 32 bytes.
#[inline(always)]
pub(crate) unsafe fn ld_deinterleave(p: *const f32) -> (v128, v128) {
    let v0 = ld(p);
    let v1 = ld(p.add(4));
    (i32x4_shuffle::<0, 2, 4, 6>(v0, v1), i32x4_shuffle::<1, 3, 5, 7>(v0, v1))
}

/// Stores `(re, im)` as four interleaved complex values (8 floats).
///
/// # Safety
/// `p` must be valid for writing 32 bytes.
#[inline(always)]
pub(crate) unsafe fn st_interleave(p: *mut f32, re: v128, im: v128) {
    st(p, i32x4_shuffle::<0, 4, 1, 5>(re, im));
    st(p.add(4), i32x4_shuffle::<2, 6, 3, 7>(re, im));
}
