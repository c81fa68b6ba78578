//! Every registered stage through the `Stage` trait, without the C ABI: the registry, parameter
//! blocks and clamping, `reset` against a new instance, saved state round trips (the loaded
//! instance continues bit for bit), and refused state (empty, truncated, random, corrupted,
//! another stage's, values out of range) leaving the instance as it was and working.

use stagebench_dsp::ring::Ring;
use stagebench_dsp::stages::eq::{band_param, EqInstance, BYPASS, FREQUENCY, GAIN, Q, TYPE};
use stagebench_dsp::stages::fft::FftInstance;
use stagebench_dsp::stages::shift::{ShiftInstance, PHAT, PHAT_OFF, PHAT_ON};
use stagebench_dsp::stages::{self, downcast_mut, ParamKind, Stage, StageError, KINDS, MAX_PARAMS};

const FS: f32 = 48000.0;
const FRAMES: usize = 128;
const RING: usize = 1 << 16;

/// Seeded noise in [-0.5, 0.5).
struct Noise(u32);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    }
    fn take(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

/// FNV-1a 32, as the saved-state format's checksum.
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

/// Replaces the checksum of saved state after an edit.
fn reseal(state: &mut [u8]) {
    let n = state.len() - 4;
    let sum = fnv(&state[..n]);
    state[n..].copy_from_slice(&sum.to_le_bytes());
}

fn kind(id: &str) -> usize {
    stages::find(id).unwrap_or_else(|| panic!("{id} is not registered"))
}

fn create(id: &str, block: &[f32]) -> Box<dyn Stage> {
    stages::create(kind(id), FS, FRAMES, RING, block).unwrap_or_else(|e| panic!("{id}: {e:?}"))
}

/// A block with non-default values for each stage (sizes kept small).
fn block(id: &str) -> Vec<f32> {
    match id {
        "gain" => vec![0.3, 0.0, 2.0],
        "fft" => vec![4096.0, 512.0, 32768.0, 2.0, 0.0, 2.0, 7.5, 0.0, 20.0],
        // PHAT on: index 0 of the host's ['on', 'off']
        "shift" => vec![4096.0, 512.0, 32768.0, 16.0, 1.0, 256.0, 3.0, 0.0, 4096.0, 0.0, 0.0, 1.0, 0.0, -16384.0, 16384.0, 0.0, 0.0, 1.0],
        "eq" => {
            let bands = [(1.0, 200.0, 6.0, 1.0), (5.0, 60.0, 0.0, 3.0), (2.0, 120.0, -4.0, 1.0), (7.0, 5000.0, 0.0, 8.0)];
            let mut b = Vec::new();
            for &(k, f, g, q) in bands.iter() {
                b.extend_from_slice(&[k, 0.0, 7.0, f, 10.0, 24000.0, g, -40.0, 40.0, q, -40.0, 1000.0]);
            }
            b
        }
        _ => vec![],
    }
}

fn state(stage: &dyn Stage) -> Vec<u8> {
    let mut out = vec![0u8; stage.state_size()];
    assert_eq!(stage.save_state(&mut out), Ok(out.len()));
    out
}

fn figures(stage: &dyn Stage) -> Vec<u64> {
    let mut out = [0.0f64; 16];
    let n = stage.figures(&mut out);
    out[..n].iter().map(|v| v.to_bits()).collect()
}

fn output(stage: &dyn Stage) -> Vec<u32> {
    stage.output().map(|o| o.iter().map(|v| v.to_bits()).collect()).unwrap_or_default()
}

/// Drives `stage` with `quanta` quanta of `noise` (and, for the analysis stages, an analysis on
/// the ring's newest samples), returning every output sample and the figures after each quantum.
fn drive(stage: &mut dyn Stage, ring: &mut Ring, noise: &mut Noise, quanta: usize) -> (Vec<u32>, Vec<u64>) {
    let mut outs = Vec::new();
    let mut figs = Vec::new();
    for _ in 0..quanta {
        ring.push(&noise.take(FRAMES));
        assert_eq!(stage.process(ring, FRAMES), Ok(()));
        if let Some(fft) = downcast_mut::<FftInstance>(stage) {
            assert!(fft.kernel_mut().process(ring));
        }
        if let Some(shift) = downcast_mut::<ShiftInstance>(stage) {
            let k = shift.kernel_mut();
            let n = k.size();
            let mut frame = vec![0.0f32; n + 7];
            assert!(ring.read_latest(&mut frame));
            k.input_frame_mut().copy_from_slice(&frame[..n]);
            k.reference_frame_mut().copy_from_slice(&frame[7..]);
            assert!(k.process_frames());
        }
        outs.extend(output(stage).into_iter().take(FRAMES));
        figs.extend(figures(stage));
    }
    (outs, figs)
}

fn ids() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.id).collect()
}

#[test]
fn the_registry_holds_every_stage_once() {
    for id in ["ring-copy", "gain", "fft", "eq", "shift"] {
        assert!(stages::find(id).is_some(), "{id} is not registered");
    }
    let mut got = ids();
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), KINDS.len(), "an id is registered twice");
    for (i, k) in KINDS.iter().enumerate() {
        assert_eq!(stages::find(k.id), Some(i));
        assert!(k.params.len() <= MAX_PARAMS && !k.id.is_empty() && k.id.len() <= 64, "{}", k.id);
        for p in k.params {
            assert!(p.min <= p.max && (p.min..=p.max).contains(&p.default), "{} {}", k.id, p.name);
        }
        // defaults alone make a working instance (the FFT and shift stages at N = 32768)
        let mut s = create(k.id, &[]);
        assert_eq!(s.params().id(), k.id);
        assert_eq!(s.process(&Ring::new(RING).unwrap(), FRAMES), Ok(()));
    }
    assert_eq!(stages::find("nope"), None);
    assert!(stages::create(KINDS.len(), FS, FRAMES, RING, &[]).is_err());
}

#[test]
fn set_param_clamps_to_the_blocks_range_and_refuses_nan() {
    for id in ids() {
        let mut s = create(id, &block(id));
        let specs = KINDS[kind(id)].params;
        for (i, spec) in specs.iter().enumerate() {
            let before = state(s.as_ref());
            assert_eq!(s.set_param(i, f32::NAN), Err(StageError::BadParam), "{id} {}", spec.name);
            assert_eq!(state(s.as_ref()), before, "{id} {}: a refused value changes nothing", spec.name);
            let (min, max) = s.params().range(i).unwrap();
            if spec.kind == ParamKind::Fixed {
                assert_eq!(s.set_param(i, min), Err(StageError::BadParam), "{id} {}: fixed at create", spec.name);
                continue;
            }
            let name = spec.name;
            assert_eq!(s.set_param(i, f32::INFINITY), Ok(()), "{id} {name}");
            assert_eq!(s.param(i), Some(max), "{id} {name}: clamped to the top of its range");
            assert_eq!(s.set_param(i, f32::NEG_INFINITY), Ok(()), "{id} {name}");
            assert_eq!(s.param(i), Some(min), "{id} {name}: clamped to the bottom of its range");
        }
        assert_eq!(s.set_param(specs.len(), 0.0), Err(StageError::BadParam), "{id}: unknown index");
        assert_eq!(s.param(specs.len()), None);
    }
    // the range is the block's, not the stage's default one
    let mut gain = create("gain", &[0.5, 0.0, 2.0]);
    assert_eq!(gain.set_param(0, 3.0), Ok(()));
    assert_eq!(gain.param(0), Some(2.0));
    let gain = create("gain", &[9.0, 0.0, 2.0]);
    assert_eq!(gain.param(0), Some(2.0), "a block's value is clamped to its own range");
    // integer parameters round
    let mut eq = create("eq", &[]);
    assert_eq!(eq.set_param(band_param(0, TYPE), 1.4), Ok(()));
    assert_eq!(eq.param(band_param(0, TYPE)), Some(1.0));
    let eq_kernel = downcast_mut::<EqInstance>(eq.as_mut()).unwrap().kernel();
    assert_eq!(eq_kernel.band(0).unwrap().kind as i32, 1);
}

#[test]
fn shift_phat_is_the_index_of_the_hosts_on_off_choice() {
    let phat = |s: &mut Box<dyn Stage>| downcast_mut::<ShiftInstance>(s.as_mut()).unwrap().kernel().phat();
    let mut s = create("shift", &[4096.0, 512.0, 32768.0]);
    assert_eq!((s.param(PHAT), phat(&mut s)), (Some(PHAT_OFF), false), "off by default: plain correlation");
    assert_eq!(s.set_param(PHAT, PHAT_ON), Ok(()));
    assert_eq!((s.param(PHAT), phat(&mut s)), (Some(0.0), true), "index 0: on");
    assert_eq!(s.set_param(PHAT, 0.7), Ok(()));
    assert_eq!((s.param(PHAT), phat(&mut s)), (Some(1.0), false), "index 1: off");
    let mut on = create(
        "shift",
        &[4096.0, 512.0, 32768.0, 16.0, 1.0, 256.0, 2.0, 0.0, 4096.0, 0.0, 0.0, 1.0, 0.0, -16384.0, 16384.0, 0.0, 0.0, 1.0],
    );
    assert!(phat(&mut on), "a block's index 0 is on");
}

#[test]
fn eq_defaults_are_the_hosts_bands() {
    let eq = create("eq", &[]);
    let values: Vec<f32> = (0..4).flat_map(|f| [0, 7].map(|band| eq.param(band_param(band, f)).unwrap())).collect();
    // band 1 (highpass at 40 Hz, Q 0 dB) and band 8 (lowpass at 18 kHz), field by field
    assert_eq!(values, [5.0, 4.0, 40.0, 18000.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(eq.param(BYPASS), Some(0.0));
}

#[test]
fn bad_blocks_and_setups_are_refused() {
    let err = |id: &str, block: &[f32], frames: usize, ring: usize| stages::create(kind(id), FS, frames, ring, block).err();
    assert_eq!(err("gain", &[0.5, 0.0], FRAMES, RING), Some(StageError::BadArgument));
    assert_eq!(err("gain", &[0.5, 0.0, 1.0, 0.5, 0.0, 1.0], FRAMES, RING), Some(StageError::BadParam));
    assert_eq!(err("gain", &[f32::NAN, 0.0, 1.0], FRAMES, RING), Some(StageError::BadParam));
    assert_eq!(err("gain", &[0.5, 1.0, 0.0], FRAMES, RING), Some(StageError::BadParam));
    assert_eq!(err("gain", &[], 0, RING), Some(StageError::BadArgument));
    assert_eq!(err("ring-copy", &[], 0, RING), Some(StageError::BadArgument));
    assert_eq!(err("fft", &[1000.0, 512.0, 32768.0], FRAMES, RING), Some(StageError::BadArgument));
    assert_eq!(err("fft", &[256.0, 512.0, 32768.0], FRAMES, RING), Some(StageError::BadArgument));
    assert_eq!(err("fft", &[8192.0, 512.0, 32768.0], FRAMES, 4096), Some(StageError::BadArgument), "larger than the ring");
    let too_many = [4096.0, 512.0, 32768.0, 300.0, 1.0, 512.0];
    assert_eq!(err("shift", &too_many, FRAMES, RING), Some(StageError::BadArgument), "a range wider than the stage's limit");
    assert_eq!(stages::create(kind("eq"), f32::NAN, FRAMES, RING, &[]).err(), Some(StageError::BadArgument));
}

#[test]
fn reset_equals_a_new_instance_bit_for_bit() {
    for id in ids() {
        let b = block(id);
        let mut used = create(id, &b);
        let mut ring = Ring::new(RING).unwrap();
        let mut noise = Noise(11);
        drive(used.as_mut(), &mut ring, &mut noise, 40);
        if id == "eq" {
            // mid-fade and mid-smoothing, and a NaN quantum counted
            assert_eq!(used.set_param(band_param(1, TYPE), 6.0), Ok(()));
            assert_eq!(used.set_param(band_param(0, FREQUENCY), 900.0), Ok(()));
            assert_eq!(used.set_param(BYPASS, 1.0), Ok(()));
            ring.push(&[f32::NAN; FRAMES]);
            assert_eq!(used.process(&ring, FRAMES), Ok(()));
            drive(used.as_mut(), &mut ring, &mut noise, 2);
        }
        let params = used.params().values().to_vec();
        used.reset();
        assert_eq!(used.params().values(), &params[..], "{id}: reset keeps the parameters");
        let block_now: Vec<f32> = params
            .iter()
            .zip(0..)
            .flat_map(|(&v, i)| {
                let (lo, hi) = used.params().range(i).unwrap();
                [v, lo, hi]
            })
            .collect();
        let mut fresh = create(id, &block_now);
        assert_eq!(state(used.as_ref()), state(fresh.as_ref()), "{id}: state after reset");
        assert_eq!(output(used.as_ref()), output(fresh.as_ref()), "{id}: output after reset");
        assert_eq!(figures(used.as_ref()), figures(fresh.as_ref()), "{id}: figures after reset");
        let (mut ra, mut rb) = (Ring::new(RING).unwrap(), Ring::new(RING).unwrap());
        let a = drive(used.as_mut(), &mut ra, &mut Noise(5), 20);
        let b = drive(fresh.as_mut(), &mut rb, &mut Noise(5), 20);
        assert!(a == b, "{id}: the reset instance and a new one differ on the same input");
    }
}

#[test]
fn saved_state_round_trips_and_the_copy_continues_bit_for_bit() {
    for id in ids() {
        let b = block(id);
        let mut a = create(id, &b);
        let mut ring = Ring::new(RING).unwrap();
        let mut noise = Noise(3);
        drive(a.as_mut(), &mut ring, &mut noise, 30);
        if id == "eq" {
            // save in the middle of a crossfade, a smoothing run and a bypass fade
            assert_eq!(a.set_param(band_param(2, TYPE), 3.0), Ok(()));
            assert_eq!(a.set_param(band_param(0, GAIN), -9.0), Ok(()));
            assert_eq!(a.set_param(band_param(3, Q), 2.0), Ok(()));
            assert_eq!(a.set_param(BYPASS, 1.0), Ok(()));
            drive(a.as_mut(), &mut ring, &mut noise, 3);
            // a short quantum, so that the next smoothing tick is not on a quantum boundary
            ring.push(&noise.take(37));
            assert_eq!(a.process(&ring, 37), Ok(()));
            assert!(downcast_mut::<EqInstance>(a.as_mut()).unwrap().kernel().busy(), "saved while fading");
        }
        if id == "gain" {
            assert_eq!(a.set_param(0, 1.7), Ok(()));
        }
        let saved = state(a.as_ref());
        let mut copy = create(id, &b);
        assert_eq!(copy.load_state(&saved), Ok(()), "{id}");
        assert_eq!(state(copy.as_ref()), saved, "{id}: the copy saves the same state");
        assert_eq!(copy.params().values(), a.params().values(), "{id}");
        assert_eq!(figures(copy.as_ref()), figures(a.as_ref()), "{id}");
        let mut rb = Ring::new(RING).unwrap();
        rb.push(ring.as_slice());
        rb.set_write_pos(ring.write_pos());
        let mut na = Noise(99);
        let mut nb = Noise(99);
        let x = drive(a.as_mut(), &mut ring, &mut na, 30);
        let y = drive(copy.as_mut(), &mut rb, &mut nb, 30);
        assert!(x == y, "{id}: the loaded copy does not continue as the original");
    }
}

#[test]
fn refused_state_changes_nothing_and_the_stage_still_works() {
    let mut noise = Noise(42);
    for id in ids() {
        let mut s = create(id, &block(id));
        let mut ring = Ring::new(RING).unwrap();
        drive(s.as_mut(), &mut ring, &mut noise, 5);
        let good = state(s.as_ref());
        let mut bad: Vec<(String, Vec<u8>)> = vec![
            ("empty".into(), vec![]),
            ("one byte short".into(), good[..good.len() - 1].to_vec()),
            ("header only".into(), good[..12].to_vec()),
            ("one byte long".into(), [&good[..], &[0]].concat()),
            ("random".into(), (0..good.len()).map(|_| (noise.next() * 512.0) as i32 as u8).collect()),
        ];
        for bit in [0, 37, 8 * good.len() / 2, 8 * good.len() - 40] {
            let mut flipped = good.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            bad.push((format!("bit {bit} flipped"), flipped));
        }
        let mut version = good.clone();
        version[6] ^= 1;
        reseal(&mut version);
        bad.push(("another body version".into(), version));
        let mut format = good.clone();
        format[4] ^= 2;
        reseal(&mut format);
        bad.push(("another format version".into(), format));
        for other in ids().into_iter().filter(|&o| o != id) {
            bad.push((format!("{other}'s state"), state(create(other, &block(other)).as_ref())));
        }
        for (what, bytes) in bad {
            assert_eq!(s.load_state(&bytes), Err(StageError::BadState), "{id}: {what}");
            assert_eq!(state(s.as_ref()), good, "{id}: {what} changed the stage");
        }
        drive(s.as_mut(), &mut ring, &mut noise, 3);
        assert_eq!(s.load_state(&good), Ok(()), "{id}: good state still loads");
    }
}

#[test]
fn state_with_values_the_instance_cannot_hold_is_refused() {
    // a parameter outside the loading instance's range (the offset of gain's one value: 15 + 4)
    let mut gain = create("gain", &[0.5, 0.0, 4.0]);
    let mut s = state(gain.as_ref());
    s[19..23].copy_from_slice(&10.0f32.to_le_bytes());
    reseal(&mut s);
    assert_eq!(gain.load_state(&s), Err(StageError::BadState));
    s[19..23].copy_from_slice(&f32::NAN.to_le_bytes());
    reseal(&mut s);
    assert_eq!(gain.load_state(&s), Err(StageError::BadState));
    // the same gain is fine for an instance whose range holds it
    s[19..23].copy_from_slice(&3.0f32.to_le_bytes());
    reseal(&mut s);
    assert_eq!(gain.load_state(&s), Ok(()));
    assert_eq!(gain.param(0), Some(3.0));
    let mut narrow = create("gain", &[0.5, 0.0, 2.0]);
    assert_eq!(narrow.load_state(&s), Err(StageError::BadState));
    // a fixed parameter must match: an FFT of 4096 points does not load one of 8192
    let small = create("fft", &[4096.0, 512.0, 32768.0]);
    let mut large = create("fft", &[8192.0, 512.0, 32768.0]);
    assert_eq!(large.load_state(&state(small.as_ref())), Err(StageError::BadState));
    // an EQ at another sample rate
    let eq44 = stages::create(kind("eq"), 44100.0, FRAMES, RING, &[]).unwrap();
    let mut eq48 = create("eq", &[]);
    assert_eq!(eq48.load_state(&state(eq44.as_ref())), Err(StageError::BadState));
    // the EQ's body: a type id out of range
    let mut eq = create("eq", &block("eq"));
    let good = state(eq.as_ref());
    // header (15 bytes and the id), the parameters, then the body: sample rate, smoothing
    // constant, bypass, three counters and the input history before the first band's type
    let body = 15 + "eq".len() + 4 * stages::eq::PARAMS.len();
    let first_band = body + 8 + 8 + 1 + 3 * 4 + 2 * 4;
    let mut s = good.clone();
    s[first_band] = 9;
    reseal(&mut s);
    assert_eq!(eq.load_state(&s), Err(StageError::BadState));
    assert_eq!(state(eq.as_ref()), good);
}
