//! WAV header probing and PCM conversion: every code of `wav::probe`, prefixes of every length,
//! oversized and ragged data chunks, and the conversion of each sample format at its extremes.

use stagebench_dsp::decode::pcm::{convert, convert_planar, SampleFormat};
use stagebench_dsp::decode::wav::{code, field, probe};
use stagebench_dsp::status;

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.extend_from_slice(&(body.len() as u32).to_le_bytes());
    v.extend_from_slice(body);
    if body.len() % 2 == 1 {
        v.push(0);
    }
    v
}

fn fmt(tag: u16, channels: u16, rate: u32, bits: u16, align: u16) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&channels.to_le_bytes());
    f.extend_from_slice(&rate.to_le_bytes());
    f.extend_from_slice(&(rate * align as u32).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&bits.to_le_bytes());
    f
}

fn pcm(channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    fmt(1, channels, rate, bits, channels * bits / 8)
}

/// WAVE_FORMAT_EXTENSIBLE around `tag` (the sub-format GUID's first two bytes).
fn extensible(tag: u16, channels: u16, rate: u32, bits: u16, valid: u16) -> Vec<u8> {
    let mut f = fmt(0xfffe, channels, rate, bits, channels * bits / 8);
    f.extend_from_slice(&22u16.to_le_bytes());
    f.extend_from_slice(&valid.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes()); // channel mask
    f.extend_from_slice(&tag.to_le_bytes());
    f.extend_from_slice(&[0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);
    f
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&(4 + body.len() as u32).to_le_bytes());
    v.extend_from_slice(b"WAVE");
    v.extend_from_slice(&body);
    v
}

fn whole(file: &[u8]) -> (i32, [f64; field::COUNT]) {
    probe(file, file.len() as u64)
}

#[test]
fn a_file_with_chunks_to_skip() {
    let file = riff(&[
        chunk(b"JUNK", &[1, 2, 3]),
        chunk(b"fmt ", &extensible(3, 6, 96000, 64, 64)),
        chunk(b"LIST", b"INFOx"),
        chunk(b"data", &[0u8; 48 * 10]),
    ]);
    let (c, info) = whole(&file);
    assert_eq!(c, code::OK);
    let expect = [
        (field::FORMAT, 3.0),
        (field::CHANNELS, 6.0),
        (field::SAMPLE_RATE, 96000.0),
        (field::BITS, 64.0),
        (field::BLOCK_ALIGN, 48.0),
        (field::DATA_OFFSET, (12 + 12 + 48 + 14 + 8) as f64),
        (field::FRAMES_CLAIMED, 10.0),
        (field::FRAMES_AVAILABLE, 10.0),
        (field::BYTES_NEEDED, 0.0),
        (field::FORMAT_TAG, 3.0),
        (field::EXTENSIBLE, 1.0),
        (field::DATA_BYTES, 480.0),
    ];
    for &(f, v) in &expect {
        assert_eq!(info[f], v, "field {}", f);
    }
}

#[test]
fn every_prefix_either_asks_for_more_or_gives_the_final_answer() {
    let art = vec![9u8; 3001];
    let file = riff(&[chunk(b"LIST", &art), chunk(b"fmt ", &pcm(2, 44100, 24)), chunk(b"data", &[0u8; 600])]);
    let full = whole(&file);
    assert_eq!(full.0, code::OK);
    let mut asked = Vec::new();
    for len in 0..=file.len() {
        let (c, info) = probe(&file[..len], file.len() as u64);
        if c == code::NEED_MORE {
            let need = info[field::BYTES_NEEDED];
            assert!(need > len as f64 && need <= file.len() as f64, "prefix {}: needs {}", len, need);
            asked.push(need as usize);
        } else {
            assert_eq!(c, full.0, "prefix {}", len);
            assert_eq!(info.map(f64::to_bits), full.1.map(f64::to_bits), "prefix {}", len);
        }
    }
    // 12 for the RIFF header, then each chunk header, then the fmt body.
    asked.dedup();
    assert_eq!(asked, vec![12, 20, 12 + 8 + 3002 + 8, 12 + 8 + 3002 + 8 + 16, 12 + 8 + 3002 + 8 + 16 + 8]);
}

#[test]
fn every_problem_has_its_code() {
    let data = chunk(b"data", &[0u8; 16]);
    let good = pcm(2, 44100, 16);
    let mut bad_guid = extensible(1, 2, 44100, 16, 16);
    bad_guid[30] ^= 0xff;
    let mut short_ext = extensible(1, 2, 44100, 16, 16);
    short_ext.truncate(30);
    let cases: Vec<(&str, Vec<u8>, i32)> = vec![
        ("empty file", vec![], code::TRUNCATED_HEADER),
        ("11 bytes", b"RIFF\0\0\0\0WAV".to_vec(), code::TRUNCATED_HEADER),
        ("not RIFF", b"ID3\x04\0\0\0\0WAVEfmt ".to_vec(), code::NOT_WAVE),
        ("RIFX", b"RIFX\0\0\0\0WAVE".to_vec(), code::NOT_WAVE),
        ("AVI form", riff(&[]).iter().copied().take(8).chain(b"AVI ".iter().copied()).collect(), code::NOT_WAVE),
        ("chunk past the end", [riff(&[]), b"LIST\xff\0\0\0".to_vec()].concat(), code::TRUNCATED_HEADER),
        ("fmt past the end", [riff(&[]), b"fmt \x10\0\0\0\x01\0".to_vec()].concat(), code::TRUNCATED_HEADER),
        ("no fmt", riff(std::slice::from_ref(&data)), code::NO_FMT),
        ("no fmt, data past the end", [riff(&[]), b"data\xff\xff\0\0\0\0".to_vec()].concat(), code::NO_FMT),
        ("no data", riff(&[chunk(b"fmt ", &good)]), code::NO_DATA),
        ("ADPCM", riff(&[chunk(b"fmt ", &fmt(2, 2, 44100, 4, 2)), data.clone()]), code::UNSUPPORTED_FORMAT),
        ("extensible A-law", riff(&[chunk(b"fmt ", &extensible(6, 1, 8000, 8, 8)), data.clone()]), code::UNSUPPORTED_FORMAT),
        ("foreign GUID", riff(&[chunk(b"fmt ", &bad_guid), data.clone()]), code::UNSUPPORTED_FORMAT),
        ("PCM 12-bit", riff(&[chunk(b"fmt ", &fmt(1, 2, 44100, 12, 4)), data.clone()]), code::UNSUPPORTED_BITS),
        ("float 16-bit", riff(&[chunk(b"fmt ", &fmt(3, 2, 44100, 16, 4)), data.clone()]), code::UNSUPPORTED_BITS),
        ("0 channels", riff(&[chunk(b"fmt ", &fmt(1, 0, 44100, 16, 0)), data.clone()]), code::BAD_CHANNELS),
        ("9 channels", riff(&[chunk(b"fmt ", &pcm(9, 44100, 16)), data.clone()]), code::BAD_CHANNELS),
        ("block align", riff(&[chunk(b"fmt ", &fmt(1, 2, 44100, 16, 6)), data.clone()]), code::BAD_BLOCK_ALIGN),
        ("rate 0", riff(&[chunk(b"fmt ", &pcm(2, 0, 16)), data.clone()]), code::BAD_SAMPLE_RATE),
        ("rate 768001", riff(&[chunk(b"fmt ", &pcm(2, 768_001, 16)), data.clone()]), code::BAD_SAMPLE_RATE),
        ("fmt of 14 bytes", riff(&[chunk(b"fmt ", &good[..14]), data.clone()]), code::BAD_FMT),
        ("extensible of 30 bytes", riff(&[chunk(b"fmt ", &short_ext), data.clone()]), code::BAD_FMT),
        ("valid bits above the container", riff(&[chunk(b"fmt ", &extensible(1, 2, 44100, 16, 20)), data.clone()]), code::BAD_FMT),
        ("empty data", riff(&[chunk(b"fmt ", &good), chunk(b"data", &[])]), code::EMPTY_DATA),
        ("less than a frame", riff(&[chunk(b"fmt ", &good), chunk(b"data", &[1, 2, 3])]), code::EMPTY_DATA),
        ("partial frame", riff(&[chunk(b"fmt ", &good), chunk(b"data", &[0u8; 10])]), code::PARTIAL_FRAME),
        ("two fmt", riff(&[chunk(b"fmt ", &good), chunk(b"fmt ", &good), data.clone()]), code::DUPLICATE_CHUNK),
        ("two data", riff(&[data.clone(), data.clone(), chunk(b"fmt ", &good)]), code::DUPLICATE_CHUNK),
    ];
    for (name, file, expected) in &cases {
        assert_eq!(whole(file).0, *expected, "{}", name);
    }
    // Fmt after data is legal.
    assert_eq!(whole(&riff(&[data.clone(), chunk(b"fmt ", &good)])).0, code::OK);
    // A prefix longer than the file is the host's mistake.
    assert_eq!(probe(&riff(&[chunk(b"fmt ", &good), data]), 20).0, status::BAD_ARGUMENT);
}

#[test]
fn oversized_and_ragged_data_chunks_keep_the_frames_the_file_holds() {
    // 8-bit mono claiming 2^32 - 1 frames, holding 44100.
    let mut file = riff(&[chunk(b"fmt ", &pcm(1, 44100, 8)), chunk(b"data", &vec![128u8; 44100])]);
    file[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
    let (c, info) = whole(&file);
    assert_eq!(c, code::OVERSIZED);
    assert_eq!(info[field::FRAMES_CLAIMED], 4_294_967_295.0);
    assert_eq!(info[field::FRAMES_AVAILABLE], 44100.0);
    assert_eq!(info[field::DATA_OFFSET], 44.0);
    // The same from a 100-byte prefix and the file length.
    let (c, info2) = probe(&file[..100], file.len() as u64);
    assert_eq!(c, code::OVERSIZED);
    assert_eq!(info2.map(f64::to_bits), info.map(f64::to_bits));
    // A 24-bit stereo file cut inside its last frame.
    let full = riff(&[chunk(b"fmt ", &pcm(2, 48000, 24)), chunk(b"data", &[0u8; 6 * 100])]);
    let (c, info) = whole(&full[..44 + 6 * 57 + 5]);
    assert_eq!(c, code::OVERSIZED);
    assert_eq!((info[field::FRAMES_CLAIMED], info[field::FRAMES_AVAILABLE]), (100.0, 57.0));
    // A data size that is not whole frames, inside the file.
    let (c, info) = whole(&riff(&[chunk(b"fmt ", &pcm(2, 48000, 24)), chunk(b"data", &[0u8; 6 * 7 + 4])]));
    assert_eq!(c, code::PARTIAL_FRAME);
    assert_eq!(info[field::FRAMES_AVAILABLE], 7.0);
}

#[test]
fn pcm_extremes() {
    let mut out = [0.0f32; 4];
    assert!(convert(SampleFormat::U8, &[0, 128, 255, 1], &mut out));
    assert_eq!(out, [-1.0, 0.0, 127.0 / 128.0, -127.0 / 128.0]);
    assert!(convert(SampleFormat::I16, &[0x00, 0x80, 0xff, 0x7f, 0xff, 0xff, 0, 0], &mut out));
    assert_eq!(out, [-1.0, 32767.0 / 32768.0, -1.0 / 32768.0, 0.0]);
    assert!(convert(SampleFormat::I24, &[0, 0, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 1, 0, 0], &mut out));
    assert_eq!(out, [-1.0, 8_388_607.0 / 8_388_608.0, -1.0 / 8_388_608.0, 1.0 / 8_388_608.0]);
    // i32: one rounding of the exact quotient; i32::MAX rounds up to 1.0 in f32.
    let ints = [i32::MIN, i32::MAX, 0x0100_0001, -3];
    let bytes: Vec<u8> = ints.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert!(convert(SampleFormat::I32, &bytes, &mut out));
    assert_eq!(out, [-1.0, 1.0, 0x0100_0000 as f32 / 2_147_483_648.0, -3.0 / 2_147_483_648.0]);
    // f32: bits copied, a signalling NaN included.
    let words = [0x7f80_0001u32, 0x8000_0000, 0x0000_0001, 0x3f80_0000];
    let bytes: Vec<u8> = words.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert!(convert(SampleFormat::F32, &bytes, &mut out));
    assert_eq!(out.map(f32::to_bits), words);
    // f64: rounded to nearest f32; overflow to infinity, underflow to zero.
    let doubles = [0.1f64, 1e300, -1e-300, 1.0 + 2f64.powi(-24)];
    let bytes: Vec<u8> = doubles.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert!(convert(SampleFormat::F64, &bytes, &mut out));
    assert_eq!(out, [0.1f32, f32::INFINITY, -0.0, 1.0]);
    assert_eq!(out[2].to_bits(), 0x8000_0000);
    // The wrong number of bytes writes nothing.
    let mut untouched = [5.0f32; 2];
    assert!(!convert(SampleFormat::I24, &[0u8; 5], &mut untouched));
    assert_eq!(untouched, [5.0, 5.0]);
    assert_eq!(SampleFormat::from_wav(1, 12), None);
    assert_eq!(SampleFormat::from_wav(3, 16), None);
    assert_eq!(SampleFormat::from_wav(3, 64), Some(SampleFormat::F64));
}

#[test]
fn planar_conversion_is_the_interleaved_one_deinterleaved() {
    let formats = [SampleFormat::U8, SampleFormat::I16, SampleFormat::I24, SampleFormat::I32, SampleFormat::F32, SampleFormat::F64];
    for fmt in formats {
        for channels in 1..=3usize {
            let frames = 37;
            let n = frames * channels;
            // bytes that cover signs, extremes and (for floats) NaN and infinity patterns
            let bytes: Vec<u8> = (0..n * fmt.bytes()).map(|i| (i * 151 % 256) as u8 ^ 0x5a).collect();
            let mut interleaved = vec![0.0f32; n];
            assert!(convert(fmt, &bytes, &mut interleaved));
            let mut planes = vec![9.0f32; n];
            assert!(convert_planar(fmt, &bytes, channels, &mut planes));
            for c in 0..channels {
                for i in 0..frames {
                    assert_eq!(
                        planes[c * frames + i].to_bits(),
                        interleaved[i * channels + c].to_bits(),
                        "{:?} {} ch, channel {} frame {}",
                        fmt,
                        channels,
                        c,
                        i
                    );
                }
            }
        }
    }
    // lengths that are not whole frames, or no channel, write nothing
    let mut untouched = [5.0f32; 3];
    assert!(!convert_planar(SampleFormat::I16, &[0u8; 6], 2, &mut untouched));
    assert!(!convert_planar(SampleFormat::I16, &[0u8; 6], 0, &mut untouched));
    assert!(!convert_planar(SampleFormat::I16, &[0u8; 4], 1, &mut untouched));
    assert_eq!(untouched, [5.0; 3]);
}
