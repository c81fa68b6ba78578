//! Interleaved PCM bytes to interleaved `f32`, full scale at ±1.
//!
//! The same arithmetic as the CLI's TypeScript reader (cli/wav.ts `parseWav`), so the two agree
//! bit for bit: 8-bit unsigned `(x - 128) / 128`, 16-bit `x / 32768`, 24-bit `x / 8388608`,
//! 32-bit `x / 2147483648` (one rounding to `f32`, as `Float32Array` stores the `f64`
//! quotient), float 32 copied bit for bit (NaN payloads included), float 64 rounded to nearest
//! `f32` (a NaN stays a NaN; its payload is whatever the platform's demotion gives, as for a
//! `Float32Array` store). Every sample converts independently, so a chunk may start at any
//! frame.

/// Sample encodings the decode stage reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleFormat {
    U8,
    I16,
    I24,
    I32,
    F32,
    F64,
}

impl SampleFormat {
    /// From a WAV format (1 PCM, 3 IEEE float) and bits per sample; `None` if unsupported.
    pub fn from_wav(format: i32, bits: i32) -> Option<SampleFormat> {
        match (format, bits) {
            (1, 8) => Some(SampleFormat::U8),
            (1, 16) => Some(SampleFormat::I16),
            (1, 24) => Some(SampleFormat::I24),
            (1, 32) => Some(SampleFormat::I32),
            (3, 32) => Some(SampleFormat::F32),
            (3, 64) => Some(SampleFormat::F64),
            _ => None,
        }
    }

    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            SampleFormat::U8 => 1,
            SampleFormat::I16 => 2,
            SampleFormat::I24 => 3,
            SampleFormat::I32 | SampleFormat::F32 => 4,
            SampleFormat::F64 => 8,
        }
    }
}

/// Converts `out.len()` samples from `input` (exactly `out.len() * format.bytes()` bytes;
/// returns `false` and writes nothing otherwise). Allocates nothing.
pub fn convert(format: SampleFormat, input: &[u8], out: &mut [f32]) -> bool {
    convert_planar(format, input, 1, out)
}

/// Converts interleaved frames of `channels` samples from `input` (exactly
/// `out.len() * format.bytes()` bytes, `out.len()` a multiple of `channels`; returns `false` and
/// writes nothing otherwise) into planes: channel `c` of frame `i` at `out[c * frames + i]`. The
/// same arithmetic per sample as [`convert`] (which is this with one channel). Allocates nothing.
pub fn convert_planar(format: SampleFormat, input: &[u8], channels: usize, out: &mut [f32]) -> bool {
    if channels == 0 || out.len() % channels != 0 || input.len() != out.len() * format.bytes() {
        return false;
    }
    match format {
        SampleFormat::U8 => planar(input, channels, out, |b: [u8; 1]| (b[0] as i32 - 128) as f32 / 128.0),
        SampleFormat::I16 => planar(input, channels, out, |b: [u8; 2]| i16::from_le_bytes(b) as f32 / 32768.0),
        // sign-extend through the top byte; every 24-bit integer is exact in f32
        SampleFormat::I24 => {
            planar(input, channels, out, |b: [u8; 3]| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0)
        }
        // exact in f64, then one rounding to f32 (as the TypeScript reader)
        SampleFormat::I32 => planar(input, channels, out, |b: [u8; 4]| (i32::from_le_bytes(b) as f64 / 2_147_483_648.0) as f32),
        SampleFormat::F32 => planar(input, channels, out, |b: [u8; 4]| f32::from_bits(u32::from_le_bytes(b))),
        SampleFormat::F64 => planar(input, channels, out, |b: [u8; 8]| f64::from_le_bytes(b) as f32),
    }
    true
}

/// `out[c * frames + i] = sample(bytes of channel c in frame i)` over frames of `channels`
/// samples of `B` bytes (lengths checked by the caller).
#[inline(always)]
fn planar<const B: usize>(input: &[u8], channels: usize, out: &mut [f32], sample: impl Fn([u8; B]) -> f32) {
    let frames = out.len() / channels;
    if frames == 0 {
        return;
    }
    for (c, plane) in out.chunks_exact_mut(frames).enumerate() {
        for (o, frame) in plane.iter_mut().zip(input.chunks_exact(B * channels)) {
            let mut bytes = [0u8; B];
            if let Some(b) = frame.get(c * B..c * B + B) {
                bytes.copy_from_slice(b);
            }
            *o = sample(bytes);
        }
    }
}
