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
    if input.len() != out.len() * format.bytes() {
        return false;
    }
    match format {
        SampleFormat::U8 => {
            for (o, &b) in out.iter_mut().zip(input) {
                *o = (b as i32 - 128) as f32 / 128.0;
            }
        }
        SampleFormat::I16 => {
            for (o, b) in out.iter_mut().zip(input.chunks_exact(2)) {
                *o = i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0;
            }
        }
        SampleFormat::I24 => {
            for (o, b) in out.iter_mut().zip(input.chunks_exact(3)) {
                // sign-extend through the top byte; every 24-bit integer is exact in f32
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                *o = v as f32 / 8_388_608.0;
            }
        }
        SampleFormat::I32 => {
            for (o, b) in out.iter_mut().zip(input.chunks_exact(4)) {
                // exact in f64, then one rounding to f32 (as the TypeScript reader)
                *o = (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64 / 2_147_483_648.0) as f32;
            }
        }
        SampleFormat::F32 => {
            for (o, b) in out.iter_mut().zip(input.chunks_exact(4)) {
                *o = f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            }
        }
        SampleFormat::F64 => {
            for (o, b) in out.iter_mut().zip(input.chunks_exact(8)) {
                *o = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32;
            }
        }
    }
    true
}
