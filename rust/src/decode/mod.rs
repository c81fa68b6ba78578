//! The decode stage's Rust core: WAV header parsing, PCM to `f32`, and sample-rate conversion.
//!
//! Files are decoded in chunks across a pool of workers, each with its own instance of the
//! module. FLAC and MP3 are decoded by npm wasm decoders; WAV headers are parsed here
//! ([`wav::probe`]) and its samples converted here ([`pcm::convert`], bit for bit as the CLI's
//! TypeScript reader). Every format is then converted to the audio context's rate by
//! [`resample::Resampler`], which is stateless: a chunk resampled on one worker joins the next,
//! resampled on another, bit for bit as if the whole file had been resampled at once.
//!
//! ## Resampler quality
//!
//! Kaiser-windowed sinc, any rates 8 kHz ..= 192 kHz, 1 ..= 8 interleaved channels, exact
//! rational phase for every output frame. Designed for passband 0 .. 0.9 and stopband from 1.0
//! of the lower Nyquist (`min(in, out) / 2`), Kaiser `beta` for 98 dB (9.84); 128 taps when
//! upsampling, `128 * in / out` rounded up to a multiple of 16 when downsampling (144 for
//! 48 kHz -> 44.1 kHz). Measured by rust/tests/resample.rs, which asserts the bounds in
//! brackets:
//!
//! * passband ripple 0.0001 dB up to 0.9 of the lower Nyquist (≤ 0.01 dB), from sines through
//!   the resampler against the exact `f64` sine and from the table's own response;
//! * stopband attenuation 98 dB (97.9 dB at worst over 44.1k <-> 48k, 8k -> 11.025k,
//!   192k -> 44.1k) from the lower Nyquist to the end of the band, from a zero-padded `f64` FFT
//!   of every table phase interleaved, and from sines above the output Nyquist (≥ 90 dB);
//! * THD+N of a 1 kHz sine at -1 dBFS, one second: -118.3 dB for 44.1 kHz -> 48 kHz and
//!   -120.2 dB for 48 kHz -> 44.1 kHz (≤ -110 dB; the wasm SIMD path is asserted too);
//! * every output frame within -127 dB (exact tables) or -109 dB (interpolated tables) of the
//!   same kernel evaluated in `f64` at the exact phase, over full-scale noise;
//! * equal rates: an exact copy.
//!
//! Rates whose phase table would be too large (`L * taps > 2^18`, e.g. 44.1 kHz -> 47.999 kHz)
//! interpolate linearly between 512 table phases per input frame (fewer when downsampling), with
//! the same passband and stopband figures.
//!
//! The C exports (`wav_probe`, `pcm_to_f32`, `resampler_create`, `resample_span`, ...) are in
//! [`exports`].
//!
//! Speed (wasm SIMD128 in Node 20, one core): one second of stereo 44.1 kHz -> 48 kHz in about
//! 2.7 ms; 48 kHz -> 44.1 kHz about 2.8 ms; an interpolated table about twice as long.

pub mod exports;
pub mod pcm;
pub mod resample;
pub mod wav;

/// Codes of the decode entry points beyond [`wav::code`] (which `wav_probe` returns) and the
/// crate's `status` codes (bad arguments, no resampler).
pub mod code {
    /// `resample_span`: the input buffer lacks frames inside `[0, total_in)` that a tap needs.
    pub const MISSING_INPUT: i32 = -120;
    /// `pcm_to_f32`: a format / bits pair other than PCM 8/16/24/32 or float 32/64.
    pub const UNSUPPORTED_SAMPLE_FORMAT: i32 = -121;
}
