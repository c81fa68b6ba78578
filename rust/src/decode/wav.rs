//! RIFF/WAVE header parsing from a prefix of the file.
//!
//! [`probe`] reads the chunk list of a WAV file from its first bytes: the `fmt ` chunk (PCM,
//! IEEE float and WAVE_FORMAT_EXTENSIBLE with a KSDATAFORMAT_SUBTYPE GUID), the `data` chunk,
//! and skips every other chunk (odd sizes are padded to even, as RIFF asks). The host may pass
//! only a prefix of the file together with the whole file's length: when a chunk header or the
//! `fmt ` body lies beyond the prefix (but inside the file) the answer is [`code::NEED_MORE`]
//! with the prefix length needed in [`field::BYTES_NEEDED`].
//!
//! The result is a code (see [`code`]) and a row of `f64` fields (see [`field`]), filled as
//! far as parsing got (NaN where unknown), so the host can word a precise message and, for an
//! oversized or ragged data chunk, keep the frames the file really holds.
//!
//! Accepted: PCM 8 (unsigned), 16, 24, 32-bit integer; IEEE float 32 and 64-bit; 1 to
//! [`MAX_CHANNELS`] channels; 1 to [`MAX_SAMPLE_RATE`] Hz; block align exactly
//! `channels * bits / 8`. The same rules as the CLI's TypeScript reader (cli/wav.ts), plus the
//! channel and rate limits of the decode stage.

/// Most channels the decode stage accepts.
pub const MAX_CHANNELS: u32 = 8;
/// Highest sample rate accepted, Hz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;

/// `WAVE_FORMAT_PCM`.
pub const FORMAT_PCM: u16 = 0x0001;
/// `WAVE_FORMAT_IEEE_FLOAT`.
pub const FORMAT_FLOAT: u16 = 0x0003;
/// `WAVE_FORMAT_EXTENSIBLE`: the real tag is the first two bytes of the sub-format GUID.
pub const FORMAT_EXTENSIBLE: u16 = 0xfffe;

/// Bytes 2..16 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two bytes are the format tag).
const SUBFORMAT_GUID_TAIL: [u8; 14] = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/// Indices into the info row written by [`probe`] (and exported by `wav_info_ptr`). Every
/// field is an `f64`; NaN means "not known" (parsing stopped before it).
pub mod field {
    /// 1 PCM integer, 3 IEEE float (after resolving WAVE_FORMAT_EXTENSIBLE); NaN if unsupported.
    pub const FORMAT: usize = 0;
    /// Channels as the fmt chunk says (also when out of range).
    pub const CHANNELS: usize = 1;
    /// Sample rate, Hz, as the fmt chunk says.
    pub const SAMPLE_RATE: usize = 2;
    /// Bits per sample (the container size for WAVE_FORMAT_EXTENSIBLE).
    pub const BITS: usize = 3;
    /// Block align, bytes per frame, as the fmt chunk says.
    pub const BLOCK_ALIGN: usize = 4;
    /// Byte offset of the first sample of the data chunk in the file.
    pub const DATA_OFFSET: usize = 5;
    /// Frames the data chunk header claims: `floor(data bytes / block align)`.
    pub const FRAMES_CLAIMED: usize = 6;
    /// Frames the file really holds: `floor(min(data bytes, file length - data offset) / block align)`.
    pub const FRAMES_AVAILABLE: usize = 7;
    /// With `NEED_MORE`: the prefix length (bytes from the start of the file) needed to go on;
    /// 0 once the header is parsed.
    pub const BYTES_NEEDED: usize = 8;
    /// The format tag: the fmt chunk's, or the sub-format's for WAVE_FORMAT_EXTENSIBLE; NaN for
    /// an extensible sub-format that is not a KSDATAFORMAT_SUBTYPE GUID.
    pub const FORMAT_TAG: usize = 9;
    /// 1 if the fmt chunk is WAVE_FORMAT_EXTENSIBLE, else 0.
    pub const EXTENSIBLE: usize = 10;
    /// Bytes the data chunk header claims.
    pub const DATA_BYTES: usize = 11;
    /// Number of fields.
    pub const COUNT: usize = 12;
}

/// Results of [`probe`]. `OK` and `NEED_MORE` are not errors; every negative code names one
/// problem. The `status` codes of the crate (-1 ..) are not used here except `BAD_ARGUMENT` for
/// a call the host got wrong (a prefix longer than the file...).
pub mod code {
    /// The header is parsed; the fields are complete.
    pub const OK: i32 = 0;
    /// A chunk header or the fmt chunk lies beyond the prefix: pass at least
    /// `field::BYTES_NEEDED` bytes of the file.
    pub const NEED_MORE: i32 = 1;
    /// The file does not start with `RIFF....WAVE` (RIFX and RF64 included).
    pub const NOT_WAVE: i32 = -101;
    /// The file ends inside the RIFF header or inside a chunk before fmt and data were found
    /// (also a fmt chunk running past the end of the file).
    pub const TRUNCATED_HEADER: i32 = -102;
    /// The chunk list ends without a fmt chunk.
    pub const NO_FMT: i32 = -103;
    /// The chunk list ends without a data chunk.
    pub const NO_DATA: i32 = -104;
    /// A format tag other than PCM and IEEE float (or an extensible sub-format that is not a
    /// KSDATAFORMAT_SUBTYPE GUID).
    pub const UNSUPPORTED_FORMAT: i32 = -105;
    /// Bits per sample other than 8/16/24/32 (PCM) or 32/64 (float).
    pub const UNSUPPORTED_BITS: i32 = -106;
    /// 0 channels, or more than `MAX_CHANNELS`.
    pub const BAD_CHANNELS: i32 = -107;
    /// Block align is not `channels * bits / 8`.
    pub const BAD_BLOCK_ALIGN: i32 = -108;
    /// Sample rate 0 or above `MAX_SAMPLE_RATE`.
    pub const BAD_SAMPLE_RATE: i32 = -109;
    /// The data chunk claims more bytes than the file holds after its header. The fields are
    /// complete: `FRAMES_AVAILABLE` is what the file really holds.
    pub const OVERSIZED: i32 = -110;
    /// The data chunk holds no whole frame.
    pub const EMPTY_DATA: i32 = -111;
    /// The fmt chunk is malformed: shorter than 16 bytes, or WAVE_FORMAT_EXTENSIBLE shorter
    /// than 40 bytes, with cbSize below 22 or more valid bits than the container.
    pub const BAD_FMT: i32 = -112;
    /// The data chunk's size is not a whole number of frames. The fields are complete:
    /// `FRAMES_AVAILABLE` counts the whole frames.
    pub const PARTIAL_FRAME: i32 = -113;
    /// A second fmt chunk before the data chunk, or a second data chunk before the fmt chunk.
    pub const DUPLICATE_CHUNK: i32 = -114;
}

/// Fields as far as parsing got, plus a code.
pub type Info = [f64; field::COUNT];

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses the fmt chunk's body (`body` holds `min(size, 40)` bytes, `size` is the chunk size).
/// Fills the format fields; returns `OK` or an error code.
fn parse_fmt(body: &[u8], size: u64, info: &mut Info) -> i32 {
    if size < 16 {
        return code::BAD_FMT;
    }
    let mut tag = u16_at(body, 0);
    let channels = u16_at(body, 2);
    let rate = u32_at(body, 4);
    let block_align = u16_at(body, 12);
    let bits = u16_at(body, 14);
    info[field::CHANNELS] = channels as f64;
    info[field::SAMPLE_RATE] = rate as f64;
    info[field::BLOCK_ALIGN] = block_align as f64;
    info[field::BITS] = bits as f64;
    info[field::FORMAT_TAG] = tag as f64;
    info[field::EXTENSIBLE] = 0.0;
    if tag == FORMAT_EXTENSIBLE {
        info[field::EXTENSIBLE] = 1.0;
        if size < 40 {
            return code::BAD_FMT;
        }
        let cb_size = u16_at(body, 16);
        let valid_bits = u16_at(body, 18);
        if cb_size < 22 || valid_bits > bits {
            return code::BAD_FMT;
        }
        tag = u16_at(body, 24);
        if body[26..40] != SUBFORMAT_GUID_TAIL {
            info[field::FORMAT_TAG] = f64::NAN;
            return code::UNSUPPORTED_FORMAT;
        }
        info[field::FORMAT_TAG] = tag as f64;
    }
    if tag != FORMAT_PCM && tag != FORMAT_FLOAT {
        return code::UNSUPPORTED_FORMAT;
    }
    info[field::FORMAT] = tag as f64;
    if channels == 0 || channels as u32 > MAX_CHANNELS {
        return code::BAD_CHANNELS;
    }
    if rate == 0 || rate > MAX_SAMPLE_RATE {
        return code::BAD_SAMPLE_RATE;
    }
    let supported = if tag == FORMAT_PCM { matches!(bits, 8 | 16 | 24 | 32) } else { matches!(bits, 32 | 64) };
    if !supported {
        return code::UNSUPPORTED_BITS;
    }
    if block_align as u32 != channels as u32 * (bits as u32 / 8) {
        return code::BAD_BLOCK_ALIGN;
    }
    code::OK
}

/// Records the prefix length needed and returns `NEED_MORE`.
fn need(info: &mut Info, bytes: u64) -> i32 {
    info[field::BYTES_NEEDED] = bytes as f64;
    code::NEED_MORE
}

/// Parses the header of a WAV file of `file_len` bytes whose first `prefix.len()` bytes are
/// `prefix`. Returns a code of [`code`] (or `status::BAD_ARGUMENT` if the prefix is longer than
/// the file) and the fields of [`field`]. Allocates nothing; reads only inside `prefix`.
pub fn probe(prefix: &[u8], file_len: u64) -> (i32, Info) {
    let mut info: Info = [f64::NAN; field::COUNT];
    let len = prefix.len() as u64;
    if len > file_len {
        return (crate::status::BAD_ARGUMENT, info);
    }
    if file_len < 12 {
        return (code::TRUNCATED_HEADER, info);
    }
    if len < 12 {
        return (need(&mut info, 12), info);
    }
    if &prefix[0..4] != b"RIFF" || &prefix[8..12] != b"WAVE" {
        return (code::NOT_WAVE, info);
    }
    let mut have_fmt = false;
    let mut data: Option<(u64, u64)> = None;
    let mut ran_past_end = false;
    let mut pos: u64 = 12;
    while !(have_fmt && data.is_some()) {
        if pos + 8 > file_len {
            break;
        }
        if pos + 8 > len {
            return (need(&mut info, pos + 8), info);
        }
        let p = pos as usize;
        let id = &prefix[p..p + 4];
        let size = u32_at(prefix, p + 4) as u64;
        let body = pos + 8;
        if id == b"fmt " {
            if have_fmt {
                return (code::DUPLICATE_CHUNK, info);
            }
            if body + size > file_len {
                return (code::TRUNCATED_HEADER, info);
            }
            let read = size.min(40);
            if body + read > len {
                return (need(&mut info, body + read), info);
            }
            let mut fmt = [0u8; 40];
            fmt[..read as usize].copy_from_slice(&prefix[body as usize..(body + read) as usize]);
            let c = parse_fmt(&fmt, size, &mut info);
            if c != code::OK {
                return (c, info);
            }
            have_fmt = true;
        } else if id == b"data" {
            if data.is_some() {
                return (code::DUPLICATE_CHUNK, info);
            }
            data = Some((body, size));
            info[field::DATA_OFFSET] = body as f64;
            info[field::DATA_BYTES] = size as f64;
        } else if body + size > file_len {
            ran_past_end = true;
        }
        pos = body + size + (size & 1);
    }
    if !have_fmt {
        let c = if ran_past_end && data.is_none() { code::TRUNCATED_HEADER } else { code::NO_FMT };
        return (c, info);
    }
    let (offset, size) = match data {
        Some(d) => d,
        None => return (if ran_past_end { code::TRUNCATED_HEADER } else { code::NO_DATA }, info),
    };
    let align = info[field::BLOCK_ALIGN] as u64; // checked non-zero by parse_fmt
    let held = size.min(file_len.saturating_sub(offset));
    info[field::FRAMES_CLAIMED] = (size / align) as f64;
    info[field::FRAMES_AVAILABLE] = (held / align) as f64;
    info[field::BYTES_NEEDED] = 0.0;
    let c = if size > held {
        code::OVERSIZED
    } else if size / align == 0 {
        code::EMPTY_DATA
    } else if size % align != 0 {
        code::PARTIAL_FRAME
    } else {
        code::OK
    };
    (c, info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(fmt: &[u8], data: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        v.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
        v.extend_from_slice(fmt);
        v.extend_from_slice(b"data");
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    fn pcm_fmt(channels: u16, rate: u32, bits: u16) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut f = Vec::new();
        f.extend_from_slice(&1u16.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&rate.to_le_bytes());
        f.extend_from_slice(&(rate * align as u32).to_le_bytes());
        f.extend_from_slice(&align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    #[test]
    fn minimal_pcm16_stereo() {
        let file = wav(&pcm_fmt(2, 44100, 16), &[0u8; 40]);
        let (c, info) = probe(&file, file.len() as u64);
        assert_eq!(c, code::OK);
        assert_eq!(info[field::FORMAT], 1.0);
        assert_eq!(info[field::CHANNELS], 2.0);
        assert_eq!(info[field::SAMPLE_RATE], 44100.0);
        assert_eq!(info[field::DATA_OFFSET], 44.0);
        assert_eq!(info[field::FRAMES_CLAIMED], 10.0);
        assert_eq!(info[field::FRAMES_AVAILABLE], 10.0);
    }

    #[test]
    fn short_prefix_asks_for_more() {
        let file = wav(&pcm_fmt(1, 8000, 8), &[128u8; 5]);
        let (c, info) = probe(&file[..20], file.len() as u64);
        assert_eq!(c, code::NEED_MORE);
        assert_eq!(info[field::BYTES_NEEDED], 36.0);
        let (c, info) = probe(&file[..36], file.len() as u64);
        assert_eq!(c, code::NEED_MORE);
        assert_eq!(info[field::BYTES_NEEDED], 44.0);
        assert_eq!(probe(&file[..44], file.len() as u64).0, code::OK);
    }
}
