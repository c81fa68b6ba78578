//! Saved state: the byte format of [`super::Stage::save_state`] and what reads it back.
//!
//! ```text
//! offset  bytes  field
//! 0       4      magic "SBst"
//! 4       2      FORMAT_VERSION (u16, little-endian like every number here)
//! 6       2      the stage's state_version() (layout of its body)
//! 8       1      length L of the stage id
//! 9       L      the stage id, UTF-8 ("gain", "eq", ...)
//! 9+L     2      P, the number of parameters
//! 11+L    4      B, the length of the body
//! 15+L    4P     the parameter values (f32)
//! 15+L+4P B      the body: what the stage keeps beyond its parameters (its own layout)
//! ...     4      FNV-1a 32 of every byte before it
//! ```
//!
//! [`parse`] checks all of it against the instance that is to load it: magic, versions, id,
//! parameter count, body length (the instance's own `body_size()`), total length and checksum,
//! and that every parameter value is one the instance admits (in its range; a fixed parameter
//! equal to the instance's). The stage then checks its body before changing anything. Nothing
//! allocates.

use super::params::{Params, MAX_PARAMS};
use super::StageError;

/// The first four bytes of saved state.
pub const MAGIC: [u8; 4] = *b"SBst";
/// Version of the layout above.
pub const FORMAT_VERSION: u16 = 1;

/// Bytes of saved state for a stage `id` with `params` parameters and a body of `body` bytes.
pub fn state_len(id: &str, params: usize, body: usize) -> usize {
    15 + id.len() + 4 * params + body + 4
}

/// Writes little-endian values into a byte slice, in order. Writing past the end writes
/// nothing and marks the writer (see [`StateWriter::overflowed`]). Never allocates.
pub struct StateWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
    overflowed: bool,
}

impl<'a> StateWriter<'a> {
    pub fn new(buf: &'a mut [u8]) -> StateWriter<'a> {
        StateWriter { buf, pos: 0, overflowed: false }
    }

    pub fn bytes(&mut self, b: &[u8]) {
        match self.buf.get_mut(self.pos..self.pos + b.len()) {
            Some(dst) => {
                dst.copy_from_slice(b);
                self.pos += b.len();
            }
            None => self.overflowed = true,
        }
    }

    pub fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    pub fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }

    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn f32(&mut self, v: f32) {
        self.bytes(&v.to_le_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Bytes written so far.
    pub fn written(&self) -> usize {
        self.pos
    }

    /// Whether a write did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }
}

/// Reads little-endian values from a byte slice, in order; every read past the end is
/// `BadState`. The checked readers refuse values a stage could not hold (NaN, infinities,
/// booleans other than 0 and 1). Never allocates.
pub struct StateReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> StateReader<'a> {
    pub fn new(buf: &'a [u8]) -> StateReader<'a> {
        StateReader { buf, pos: 0 }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], StageError> {
        let mut out = [0u8; N];
        let src = self.buf.get(self.pos..self.pos + N).ok_or(StageError::BadState)?;
        out.copy_from_slice(src);
        self.pos += N;
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, StageError> {
        Ok(self.take::<1>()?[0])
    }

    /// A byte that must be 0 or 1.
    pub fn bool(&mut self) -> Result<bool, StageError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(StageError::BadState),
        }
    }

    pub fn u16(&mut self) -> Result<u16, StageError> {
        Ok(u16::from_le_bytes(self.take()?))
    }

    pub fn u32(&mut self) -> Result<u32, StageError> {
        Ok(u32::from_le_bytes(self.take()?))
    }

    /// A `u32` that must lie in `range`, as a `usize`.
    pub fn index(&mut self, range: core::ops::RangeInclusive<usize>) -> Result<usize, StageError> {
        let v = self.u32()? as usize;
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(StageError::BadState)
        }
    }

    /// Any `f32` bit pattern.
    pub fn f32_bits(&mut self) -> Result<f32, StageError> {
        Ok(f32::from_le_bytes(self.take()?))
    }

    /// A finite `f32`.
    pub fn f32(&mut self) -> Result<f32, StageError> {
        let v = self.f32_bits()?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(StageError::BadState)
        }
    }

    /// A finite `f64`.
    pub fn f64(&mut self) -> Result<f64, StageError> {
        let v = f64::from_le_bytes(self.take()?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(StageError::BadState)
        }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
}

/// FNV-1a, 32 bits.
pub fn checksum(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

/// Writes saved state into `out`: the header and `params`, the body (`body` bytes, written by
/// `save_body`), the checksum. Returns the length; `BadArgument` if `out` is too short (or the
/// body is not `body` bytes long).
pub fn save(params: &Params, version: u16, body: usize, save_body: &dyn Fn(&mut StateWriter), out: &mut [u8]) -> Result<usize, StageError> {
    let size = state_len(params.id(), params.len(), body);
    let out = out.get_mut(..size).ok_or(StageError::BadArgument)?;
    let (content, sum) = out.split_at_mut(size - 4);
    let mut w = StateWriter::new(content);
    let id = params.id().as_bytes();
    w.bytes(&MAGIC);
    w.u16(FORMAT_VERSION);
    w.u16(version);
    w.u8(id.len() as u8);
    w.bytes(id);
    w.u16(params.len() as u16);
    w.u32(body as u32);
    for &v in params.values() {
        w.f32(v);
    }
    save_body(&mut w);
    if w.overflowed() || w.written() != content.len() {
        return Err(StageError::BadArgument);
    }
    sum.copy_from_slice(&checksum(content).to_le_bytes());
    Ok(size)
}

/// Checks saved state `bytes` against an instance with parameters `params`, state version
/// `version` and a body of `body` bytes. On success returns the number of parameters, their
/// values in `values[..count]`, and the body. `BadState` for anything that does not match.
pub fn parse<'a>(
    bytes: &'a [u8],
    params: &Params,
    version: u16,
    body: usize,
    values: &mut [f32; MAX_PARAMS],
) -> Result<(usize, &'a [u8]), StageError> {
    let id = params.id().as_bytes();
    let count = params.len();
    if count > MAX_PARAMS || bytes.len() != state_len(params.id(), count, body) {
        return Err(StageError::BadState);
    }
    let (content, sum) = bytes.split_at(bytes.len() - 4);
    if checksum(content).to_le_bytes() != sum {
        return Err(StageError::BadState);
    }
    let mut r = StateReader::new(content);
    let ok = r.take::<4>()? == MAGIC
        && r.u16()? == FORMAT_VERSION
        && r.u16()? == version
        && r.u8()? as usize == id.len()
        && content.get(9..9 + id.len()) == Some(id);
    r.pos += id.len();
    if !ok || r.u16()? as usize != count || r.u32()? as usize != body {
        return Err(StageError::BadState);
    }
    for (i, v) in values.iter_mut().enumerate().take(count) {
        *v = r.f32_bits()?;
        if !params.admits(i, *v) {
            return Err(StageError::BadState);
        }
    }
    let start = content.len() - body;
    Ok((count, &content[start..]))
}
