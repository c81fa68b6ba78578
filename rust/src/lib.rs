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
//! * [`eq`] is the 8-band EQ stage (Web Audio biquads in cascade, SIMD128 pipeline).
//! * [`shift`] is the delay-estimation stage: cross-spectrum, coarse correlation by one inverse
//!   real FFT, and `H` fractional-lag scores from per-pair phasor ramps (no inverse FFT each).
//! * [`alloc_counter`] counts heap allocations so that tests (native and in the browser) can
//!   show that the hot path allocates nothing.

pub mod alloc_counter;
pub mod decode;
pub mod eq;
pub mod ffi;
pub mod fft;
pub mod fft_stage;
pub mod gain;
pub mod ring;
pub mod ring_copy;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd4;
pub mod shift;
pub mod window;

/// Status codes returned by the C ABI: `0` is ok, negative values are errors.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// `init` has not been called yet.
    pub const NOT_INITIALISED: i32 = -1;
    /// An argument is out of range (a frame count larger than the ring, a zero capacity...).
    pub const BAD_ARGUMENT: i32 = -2;
    /// The stage's `create` has not been called, or another stage is active.
    pub const NO_STAGE: i32 = -3;
    /// A parameter value was NaN or the parameter id is unknown.
    pub const BAD_PARAM: i32 = -4;
}
