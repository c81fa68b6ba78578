//! # stagebench-dsp
//!
//! Real-time audio DSP stages for the Stagebench workbench.
//!
//! The crate builds twice: as a `cdylib` for `wasm32-unknown-unknown` (SIMD128), loaded by the
//! AudioWorklet processor, the kernel-timing worker, the CLI and the benchmarks; and as an `rlib`
//! for native `cargo test`.
//!
//! * [`stages`]: one module per stage (`ring-copy`, `gain`, `fft`, `eq`, `shift`), each a unit:
//!   its kernel in safe Rust, its [`stages::Stage`] implementation (parameters, process,
//!   figures, reset, saved state) and its own C exports. `stages/mod.rs` holds the trait and the
//!   registry, one `pub mod` line per stage; `stages/gain.rs` is the template for a new one.
//!   A stage's `create` allocates every buffer; `process` never allocates and never panics.
//! * [`ffi`]: the runtime (input rings and a table of stage instances, one active; each instance
//!   reads its own ring, so a chain's stages live on one instance) with the seed ABI (`init`,
//!   `get_input_ptr`, `get_input_capacity`, `get_write_pos`, `set_write_pos`, `process_quantum`),
//!   `input_add` (another ring), the generic `stage_*` exports, and the host-buffer and
//!   allocation-counter exports. `unsafe` is confined to the C exports (here and in each
//!   stage's `exports`), this runtime, and the SIMD kernels' raw-pointer loads and stores.
//! * Building blocks shared by stages: [`ring`] (the input ring), [`fft`] (planned real FFT and
//!   its inverse), [`window`] (analysis windows), `simd4` (four-lane helpers, wasm only) and
//!   [`alloc_counter`] (counts heap allocations, so that tests, native and in the browser, can
//!   show that the hot path allocates nothing).
//! * [`decode`]: the decode workers' core: WAV header parsing, PCM to `f32`, and a stateless
//!   windowed-sinc resampler (chunks resampled apart join bit for bit), with its C exports.

// `!(x > 0.0)` and the like are deliberate throughout: unlike `x <= 0.0` they are true for NaN,
// which is how the kernels send NaN down the safe branch. clippy's suggested `partial_cmp` form
// hides that intent rather than showing it.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod alloc_counter;
pub mod decode;
pub mod ffi;
pub mod fft;
pub mod ring;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd4;
pub mod stages;
pub mod window;

/// Status codes returned by the C ABI: `0` is ok, negative values are errors.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// `init` has not been called yet.
    pub const NOT_INITIALISED: i32 = -1;
    /// An argument is out of range (a frame count larger than the ring, a zero capacity...).
    pub const BAD_ARGUMENT: i32 = -2;
    /// No such instance: nothing is active, the active instance is another stage's (for a
    /// stage's own exports), or a handle names no instance.
    pub const NO_STAGE: i32 = -3;
    /// A parameter value was NaN, the parameter id is unknown, or the parameter is fixed at
    /// create (a size).
    pub const BAD_PARAM: i32 = -4;
    /// Saved state that the instance cannot load: empty, truncated, of another stage or
    /// version, corrupted (checksum), or holding values out of the instance's ranges. The
    /// instance is unchanged.
    pub const BAD_STATE: i32 = -5;
}

/// Whether every sample is finite (no NaN, no infinity). One branch-free pass (`|x| <= MAX`
/// fails for NaN and both infinities), which the compiler vectorises; never allocates. The
/// analysis stages count the frames that fail it, whose spectra and figures would otherwise
/// look like silence.
pub fn all_finite(x: &[f32]) -> bool {
    x.iter().fold(true, |ok, v| ok & (v.abs() <= f32::MAX))
}

#[cfg(test)]
mod tests {
    use super::all_finite;

    #[test]
    fn all_finite_fails_on_nan_and_both_infinities_only() {
        let mut x = vec![0.5f32; 1000];
        x[3] = f32::MAX;
        x[4] = -f32::MAX;
        x[5] = f32::MIN_POSITIVE / 4.0; // subnormal
        assert!(all_finite(&x));
        assert!(all_finite(&[]));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut y = x.clone();
            y[999] = bad;
            assert!(!all_finite(&y), "{bad} at the end");
            y[999] = 0.5;
            y[0] = bad;
            assert!(!all_finite(&y), "{bad} at the start");
        }
    }
}
