//! # stagebench-dsp
//!
//! Real-time audio DSP stages for the Stagebench workbench.
//!
//! The crate builds twice: as a `cdylib` for `wasm32-unknown-unknown` (SIMD128), loaded by the
//! AudioWorklet processor, the kernel-timing worker, the CLI and the benchmarks; and as an `rlib`
//! for native `cargo test`.
//!
//! * [`ffi`] is the only `unsafe` C-ABI surface: the seed ABI (`init`, `get_input_ptr`,
//!   `get_input_capacity`, `get_write_pos`, `set_write_pos`, `process_quantum`) plus one
//!   `<stage>_create` / `<stage>_process` / getter family per stage.
//! * Every stage is plain safe Rust in its own module. `create` allocates every buffer;
//!   `process` never allocates and never panics.
//! * [`decode`] is the decode stage's core: WAV header parsing, PCM to `f32`, and a stateless
//!   windowed-sinc resampler (chunks resampled apart join bit for bit).
//! * [`stages::eq`] is the 8-band EQ stage (Web Audio biquads in cascade, SIMD128 pipeline).
//! * [`stages::shift`] is the delay-estimation stage: cross-spectrum, coarse correlation by one inverse
//!   real FFT, and `H` fractional-lag scores from per-pair phasor ramps (no inverse FFT each).
//! * [`alloc_counter`] counts heap allocations so that tests (native and in the browser) can
//!   show that the hot path allocates nothing.

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
    /// A parameter value was NaN or the parameter id is unknown.
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
