//! The decode entry points of the C ABI end to end on the native target with a counting global
//! allocator: statuses, and no allocation in `wav_probe`, `pcm_to_f32`, `pcm_to_planar`, `resample_span` (interleaved
//! or planar) once the buffers and the resampler exist.
//!
//! One test function only: the decode state and the allocation counter are process-wide.

use stagebench_dsp::alloc_counter::CountingAlloc;
use stagebench_dsp::decode::exports::*;
use stagebench_dsp::decode::{code, wav};
use stagebench_dsp::status;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[test]
fn decode_abi_statuses_and_no_allocation() {
    unsafe {
        // No resampler yet.
        assert_eq!(resampler_context(), 0);
        assert!(resampler_out_frames(100.0).is_nan());
        assert_eq!(resampler_exact(), status::NO_STAGE);
        assert_eq!(resample_span(core::ptr::null(), 0, 0.0, 10.0, 0.0, 0, core::ptr::null_mut(), 0), status::NO_STAGE);
        assert_eq!(resample_span(core::ptr::null(), 0, 0.0, 10.0, 0.0, 0, core::ptr::null_mut(), 1), status::NO_STAGE);
        assert!(resample_planar_input_ptr(10).is_null());
        assert!(decode_input_ptr(0).is_null());

        // A 16-bit stereo WAV of 1000 frames.
        let frames = 1000usize;
        let mut file = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0\x10\xb1\x02\0\x04\0\x10\0data".to_vec();
        file.extend_from_slice(&(4 * frames as u32).to_le_bytes());
        for i in 0..frames {
            let v = ((i as f64 * 0.05).sin() * 20000.0) as i16;
            file.extend_from_slice(&v.to_le_bytes());
            file.extend_from_slice(&(-v).to_le_bytes());
        }
        let input = decode_input_ptr(file.len());
        assert!(!input.is_null());
        core::ptr::copy_nonoverlapping(file.as_ptr(), input, file.len());
        let pcm = decode_pcm_ptr(2 * frames);
        let out = decode_out_ptr(2 * 2000);
        assert_eq!(resampler_create(44100, 48000, 2), status::OK);
        assert_eq!(resampler_create(44100, 48000, 0), status::BAD_ARGUMENT);
        assert_eq!(resampler_create(4000, 48000, 2), status::BAD_ARGUMENT);
        assert_eq!(resampler_exact(), 1);
        let n_out = resampler_out_frames(frames as f64);
        assert_eq!(n_out, 1089.0);
        assert_eq!(resampler_tap_start(0.0), 1.0 - resampler_context() as f64);
        assert!(resampler_tap_start(-1.0).is_nan() && resampler_out_frames(0.5).is_nan());

        // planar input for 600 frames (and the buffer it is interleaved into); then the span
        // exports must find room for up to that many frames without allocating
        // (the planar input is the `pcm` buffer, already larger: it does not move)
        assert_eq!(resample_planar_input_ptr(600), pcm);
        let mut whole: Vec<u32> = Vec::with_capacity(2 * 2000); // filled below without allocating
        let before = ALLOC.thread_allocations();
        // Probe: a prefix first, then the whole header.
        assert_eq!(wav_probe(30, file.len() as f64), wav::code::NEED_MORE);
        assert_eq!(*wav_info_ptr().add(wav::field::BYTES_NEEDED), 36.0);
        assert_eq!(wav_probe(44, file.len() as f64), wav::code::OK);
        let info = core::slice::from_raw_parts(wav_info_ptr(), wav::field::COUNT);
        assert_eq!((info[wav::field::CHANNELS], info[wav::field::FRAMES_AVAILABLE]), (2.0, 1000.0));
        assert_eq!(wav_probe(file.len() + 1, file.len() as f64), status::BAD_ARGUMENT);
        assert_eq!(wav_probe(44, f64::NAN), status::BAD_ARGUMENT);
        assert_eq!(wav_probe(44, 40.5), status::BAD_ARGUMENT);
        // Convert in two chunks that start at arbitrary frames.
        assert_eq!(pcm_to_f32(1, 16, 2, input.add(44), 333, pcm), status::OK);
        assert_eq!(pcm_to_f32(1, 16, 2, input.add(44 + 4 * 333), frames - 333, pcm.add(2 * 333)), status::OK);
        let samples = core::slice::from_raw_parts(pcm, 2 * frames);
        assert_eq!(samples[2 * 5], ((5.0f64 * 0.05).sin() * 20000.0) as i16 as f32 / 32768.0);
        assert_eq!(samples[2 * 5 + 1], -samples[2 * 5]);
        assert_eq!(pcm_to_f32(1, 12, 2, input, 1, pcm), code::UNSUPPORTED_SAMPLE_FORMAT);
        assert_eq!(pcm_to_f32(1, 16, 0, input, 1, pcm), status::BAD_ARGUMENT);
        assert_eq!(pcm_to_f32(1, 16, 2, input, 1, (pcm as *mut u8).add(2) as *mut f32), status::BAD_ARGUMENT);
        assert_eq!(pcm_to_f32(1, 16, 2, pcm as *const u8, 2, pcm), status::BAD_ARGUMENT); // overlap
        assert_eq!(pcm_to_f32(1, 16, 2, core::ptr::null(), 1, pcm), status::BAD_ARGUMENT);
        assert_eq!(pcm_to_f32(1, 16, 2, input, usize::MAX / 2, pcm), status::BAD_ARGUMENT);
        // The same frames into planes (through `out`, then back): channel 1 follows channel 0.
        assert_eq!(pcm_to_planar(1, 16, 2, input.add(44), frames, out), status::OK);
        let planes = core::slice::from_raw_parts(out, 2 * frames);
        assert!((0..frames).all(|i| planes[i] == samples[2 * i] && planes[frames + i] == samples[2 * i + 1]));
        assert_eq!(pcm_to_planar(1, 12, 2, input, 1, out), code::UNSUPPORTED_SAMPLE_FORMAT);
        assert_eq!(pcm_to_planar(1, 16, 9, input, 1, out), status::BAD_ARGUMENT);
        // input and output overlapping
        assert_eq!(pcm_to_planar(1, 16, 2, out as *const u8, 2, out), status::BAD_ARGUMENT);
        // Resample everything, then a middle span from a partial buffer.
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, 0.0, n_out as usize, out, 0), status::OK);
        whole.extend(core::slice::from_raw_parts(out, 2 * n_out as usize).iter().map(|v| v.to_bits()));
        let k0 = 500usize;
        let first = resampler_tap_start(k0 as f64) as usize;
        let end = resampler_tap_start((k0 + 99) as f64) as usize + resampler_taps() as usize;
        assert_eq!(resample_span(pcm.add(2 * first), end - first, first as f64, frames as f64, k0 as f64, 100, out, 0), status::OK);
        let part = core::slice::from_raw_parts(out, 200);
        assert!(part.iter().zip(&whole[2 * k0..]).all(|(a, &b)| a.to_bits() == b));
        assert_eq!(
            resample_span(pcm.add(2 * first + 2), end - first - 1, first as f64 + 1.0, frames as f64, k0 as f64, 100, out, 0),
            code::MISSING_INPUT
        );
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, n_out - 1.0, 2, out, 0), status::BAD_ARGUMENT);
        assert_eq!(resample_span(pcm, frames, 0.5, frames as f64, 0.0, 2, out, 0), status::BAD_ARGUMENT);
        assert_eq!(resample_span(pcm, frames, 0.0, f64::INFINITY, 0.0, 2, out, 0), status::BAD_ARGUMENT);
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, 0.0, 2, pcm.add(1), 0), status::BAD_ARGUMENT); // overlap
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, 0.0, 2, core::ptr::null_mut(), 0), status::BAD_ARGUMENT);
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, 0.0, 0, out, 0), status::OK);
        // The middle span again from planes into planes (both in `pcm` and `out`): the same bits.
        let n = end - first;
        let mut interleaved = [0.0f32; 1024]; // (on the stack: no allocation in the test either)
        assert!(2 * n <= interleaved.len());
        interleaved[..2 * n].copy_from_slice(core::slice::from_raw_parts(pcm.add(2 * first), 2 * n));
        for i in 0..n {
            *pcm.add(i) = interleaved[2 * i];
            *pcm.add(n + i) = interleaved[2 * i + 1];
        }
        assert_eq!(resample_span(pcm, n, first as f64, frames as f64, k0 as f64, 100, out, 1), status::OK);
        let planar = core::slice::from_raw_parts(out, 200);
        assert!((0..100).all(|k| planar[k].to_bits() == whole[2 * (k0 + k)] && planar[100 + k].to_bits() == whole[2 * (k0 + k) + 1]));
        assert_eq!(resample_span(pcm.add(1), n, first as f64 + 1.0, frames as f64, k0 as f64, 100, out, 1), code::MISSING_INPUT);
        // more frames than resample_planar_input_ptr made room to interleave
        assert_eq!(resample_span(pcm, frames, 0.0, frames as f64, 0.0, 10, out, 1), status::BAD_ARGUMENT);
        assert_eq!(resample_span(pcm, n, first as f64, frames as f64, k0 as f64, 100, pcm.add(4), 1), status::BAD_ARGUMENT);
        // a layout other than 0 (interleaved) and 1 (planar)
        assert_eq!(resample_span(pcm, n, first as f64, frames as f64, k0 as f64, 100, out, 2), status::BAD_ARGUMENT);
        assert_eq!(ALLOC.thread_allocations(), before, "the decode entry points allocated");
        assert_eq!(resample_selftest(), status::OK);
    }
}
