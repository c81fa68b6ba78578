//! The resampler's quality against `f64` references, and its statelessness.
//!
//! * Every output frame against an `f64` evaluation of the same kernel (exact phase, taps
//!   computed and normalised in `f64`): table, phase arithmetic and interpolation.
//! * Passband ripple, stopband attenuation and THD+N measured with sines through the resampler
//!   against the exact `f64` sine (least-squares fit at the known frequency over the interior).
//! * The full response of every table phase, interleaved into one filter (its DTFT in `f64`).
//! * Spans cut at random points and resampled apart join bit for bit into the whole.
//!
//! Run with `--nocapture` to see the measured figures. Fixed seeds.

use stagebench_dsp::decode::resample::{Resampler, SpanError, PASS_EDGE, STOP_EDGE};
use std::f64::consts::PI;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The whole file at once.
fn resample_whole(rs: &mut Resampler, x: &[f32]) -> Vec<f32> {
    let ch = rs.channels();
    let total = (x.len() / ch) as u64;
    let mut y = vec![0.0f32; rs.out_frames(total) as usize * ch];
    rs.span(x, 0, total, 0, &mut y).unwrap();
    y
}

/// A sine of amplitude `amp` at `f` Hz sampled at `fs`, `n` frames, rounded to f32.
fn sine(n: usize, f: f64, fs: f64, amp: f64, phase: f64) -> Vec<f32> {
    (0..n).map(|i| (amp * (2.0 * PI * f * i as f64 / fs + phase).sin()) as f32).collect()
}

/// Least-squares fit of `a cos + b sin` at `f` Hz (rate `fs`) to `y[from..to]`: returns the
/// fitted amplitude and the RMS of the residual.
fn fit(y: &[f32], f: f64, fs: f64, from: usize, to: usize) -> (f64, f64) {
    let (mut cc, mut ss, mut cs, mut yc, mut ys) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (k, &v) in y.iter().enumerate().take(to).skip(from) {
        let w = 2.0 * PI * f * k as f64 / fs;
        let (s, c) = w.sin_cos();
        cc += c * c;
        ss += s * s;
        cs += c * s;
        yc += v as f64 * c;
        ys += v as f64 * s;
    }
    let det = cc * ss - cs * cs;
    let a = (yc * ss - ys * cs) / det;
    let b = (ys * cc - yc * cs) / det;
    let mut res = 0.0;
    for (k, &v) in y.iter().enumerate().take(to).skip(from) {
        let w = 2.0 * PI * f * k as f64 / fs;
        let e = v as f64 - (a * w.cos() + b * w.sin());
        res += e * e;
    }
    ((a * a + b * b).sqrt(), (res / (to - from) as f64).sqrt())
}

/// Output frames far enough from both ends of a file of `n_in` frames that no tap reaches
/// outside it.
fn interior(rs: &Resampler, n_in: usize) -> (usize, usize) {
    let c = rs.context() as f64;
    let ratio = rs.out_rate() as f64 / rs.in_rate() as f64;
    let from = ((c + 1.0) * ratio).ceil() as usize;
    let to = ((n_in as f64 - c - 1.0) * ratio).floor() as usize;
    (from, to)
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// Every output frame against the same kernel evaluated in f64 at the exact phase.
fn check_against_f64_kernel(in_rate: u32, out_rate: u32, channels: usize, interpolated: bool) -> f64 {
    let mut rs = if interpolated {
        Resampler::new_interpolated(in_rate, out_rate, channels).unwrap()
    } else {
        Resampler::new(in_rate, out_rate, channels).unwrap()
    };
    let design = rs.design();
    let n_in = 3000usize;
    let mut rng = Rng(0x0dd_ba11 ^ in_rate as u64 ^ ((out_rate as u64) << 20));
    let x: Vec<f32> = (0..n_in * channels).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
    let y = resample_whole(&mut rs, &x);
    let mut worst = 0.0f64;
    // The f64 taps of each phase (rates with few phases repeat them).
    let mut phases: std::collections::HashMap<u128, Vec<f64>> = std::collections::HashMap::new();
    let out_frames = y.len() / channels;
    for k in 0..out_frames {
        let num = k as u128 * in_rate as u128;
        let q = (num / out_rate as u128) as i64;
        let rem = num % out_rate as u128;
        let taps = phases.entry(rem).or_insert_with(|| {
            let mut t = vec![0.0f64; design.taps];
            design.phase_taps(rem as f64 / out_rate as f64, &mut t);
            t
        });
        let n0 = q - design.half as i64 + 1;
        for c in 0..channels {
            let mut s = 0.0f64;
            for (j, &h) in taps.iter().enumerate() {
                let n = n0 + j as i64;
                if n >= 0 && (n as usize) < n_in {
                    s += h * x[n as usize * channels + c] as f64;
                }
            }
            worst = worst.max((y[k * channels + c] as f64 - s).abs());
        }
    }
    worst
}

#[test]
fn every_output_frame_matches_the_f64_kernel() {
    // (in, out, channels, interpolated table)
    let cases = [
        (44100, 48000, 2, false),
        (48000, 44100, 1, false),
        (8000, 192000, 3, false),
        (192000, 8000, 1, false),
        (44100, 47999, 2, true), // coprime: the interpolated table
        (44100, 48000, 5, true),
        (96000, 44100, 8, true),
        (22050, 16000, 7, false),
    ];
    for &(i, o, ch, interp) in &cases {
        let worst = check_against_f64_kernel(i, o, ch, interp);
        eprintln!(
            "{} -> {} Hz, {} ch, {}: largest difference from the f64 kernel {:.2} dB",
            i,
            o,
            ch,
            if interp { "interpolated" } else { "exact" },
            db(worst)
        );
        // f32 taps and f32 accumulation over +-1 noise: about -130 dB; linear interpolation of
        // the table: about -110 dB.
        let bound = if interp { -100.0 } else { -115.0 };
        assert!(db(worst) < bound, "{} -> {}: {} dB", i, o, db(worst));
    }
}

/// Passband gain (max |dB| over the grid), worst residual of passband sines (images, aliases
/// and noise, dB below the sine) and worst output of stopband sines (dB), for one rate pair.
fn sine_figures(in_rate: u32, out_rate: u32, interpolated: bool) -> (f64, f64, f64) {
    let mut rs = if interpolated {
        Resampler::new_interpolated(in_rate, out_rate, 1).unwrap()
    } else {
        Resampler::new(in_rate, out_rate, 1).unwrap()
    };
    let (fi, fo) = (in_rate as f64, out_rate as f64);
    let nyq_low = 0.5 * fi.min(fo);
    let n_in = ((0.25 * fi) as usize).max(6 * rs.context() + 2048);
    let amp = 0.5;
    let (mut ripple, mut residual) = (0.0f64, f64::NEG_INFINITY);
    for i in 1..=24 {
        let f = PASS_EDGE * nyq_low * i as f64 / 24.0 - 0.37;
        let x = sine(n_in, f, fi, amp, 0.3);
        let y = resample_whole(&mut rs, &x);
        let (from, to) = interior(&rs, n_in);
        let (a, r) = fit(&y, f, fo, from, to);
        ripple = ripple.max(db(a / amp).abs());
        residual = residual.max(db(r * 2f64.sqrt() / a));
    }
    let mut stop = f64::NEG_INFINITY;
    if in_rate > out_rate {
        // Input sines from the lower Nyquist to just below the input Nyquist must vanish.
        let top = 0.5 * fi;
        for i in 0..=40 {
            let f = STOP_EDGE * nyq_low + (top - STOP_EDGE * nyq_low) * (0.001 + 0.998 * i as f64 / 40.0);
            let x = sine(n_in, f, fi, amp, 0.1);
            let y = resample_whole(&mut rs, &x);
            let (from, to) = interior(&rs, n_in);
            let rms = (y[from..to].iter().map(|&v| v as f64 * v as f64).sum::<f64>() / (to - from) as f64).sqrt();
            stop = stop.max(db(rms * 2f64.sqrt() / amp));
        }
    }
    (ripple, residual, stop)
}

#[test]
fn passband_and_stopband_with_sines() {
    let cases = [
        (44100, 48000, false),
        (48000, 44100, false),
        (8000, 192000, false),
        (192000, 8000, false),
        (96000, 44100, false),
        (44100, 47999, false), // coprime: interpolated table
        (48000, 44101, false),
        (44100, 48000, true),
        (48000, 44100, true),
    ];
    for &(i, o, interp) in &cases {
        let rs = Resampler::new(i, o, 1).unwrap();
        let exact = rs.is_exact() && !interp;
        let (ripple, residual, stop) = sine_figures(i, o, interp);
        let stop_text = if i > o { format!("{:.1} dB", stop) } else { "n/a (upsampling)".to_string() };
        eprintln!(
            "{} -> {} Hz ({}): passband ripple {:.5} dB, residual of passband sines {:.1} dB, stopband sines {}",
            i,
            o,
            if exact { "exact" } else { "interpolated" },
            ripple,
            residual,
            stop_text
        );
        assert!(ripple <= 0.01, "{} -> {}: ripple {} dB", i, o, ripple);
        // Images (upsampling) and aliases (downsampling) of passband sines lie in the stopband.
        assert!(residual <= -90.0, "{} -> {}: residual {} dB", i, o, residual);
        assert!(stop <= -90.0, "{} -> {}: stopband {} dB", i, o, stop);
    }
}

/// THD+N of a 1 kHz sine at -1 dBFS, one second: residual RMS after the fitted sine, over the
/// fitted sine's RMS.
fn thd_n(in_rate: u32, out_rate: u32) -> f64 {
    let mut rs = Resampler::new(in_rate, out_rate, 1).unwrap();
    let amp = 10f64.powf(-1.0 / 20.0);
    let n_in = in_rate as usize;
    let x = sine(n_in, 1000.0, in_rate as f64, amp, 0.7);
    let y = resample_whole(&mut rs, &x);
    let (from, to) = interior(&rs, n_in);
    let (a, r) = fit(&y, 1000.0, out_rate as f64, from, to);
    db(r * 2f64.sqrt() / a)
}

#[test]
fn thd_n_of_a_1khz_sine() {
    // The input itself is rounded to f32: its own THD+N is about -150 dB.
    for &(i, o) in &[(44100u32, 48000u32), (48000, 44100)] {
        let t = thd_n(i, o);
        eprintln!("THD+N, 1 kHz at -1 dBFS, {} -> {} Hz: {:.1} dB", i, o, t);
        assert!(t <= -110.0, "{} -> {}: THD+N {} dB", i, o, t);
    }
}

/// In-place iterative radix-2 complex FFT (forward), f64.
fn fft(re: &mut [f64], im: &mut [f64]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let w = -2.0 * PI / len as f64;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (w * k as f64).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let tr = re[b] * c - im[b] * s;
                let ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// The magnitude response of every table phase interleaved into one filter (for an exact
/// table: the polyphase prototype at L times the input rate; tap `j` of phase `p` sits at
/// `p / L + C - 1 - j` input frames), DC = 1, from a zero-padded f64 FFT of `2^20` points.
/// Returns `(cycles per input frame of bin k, |H|)` for bins up to the prototype's Nyquist.
fn table_response(rs: &Resampler) -> Vec<(f64, f64)> {
    let l = rs.phases();
    let taps = rs.design().taps;
    let n = 1usize << 20;
    assert!(l * taps * 8 <= n, "zero padding below 8x");
    let (mut re, mut im) = (vec![0.0f64; n], vec![0.0f64; n]);
    for p in 0..l {
        let row = rs.table_row(p).unwrap();
        for j in 0..taps {
            // position p + L (C - 1 - j), shifted to start at 0 (a delay: |H| is unchanged)
            re[p + l * (taps - 1 - j)] = row[j * rs.channels()] as f64;
        }
    }
    fft(&mut re, &mut im);
    (0..=n / 2).map(|k| (k as f64 * l as f64 / n as f64, re[k].hypot(im[k]) / l as f64)).collect()
}

#[test]
fn table_response_over_the_whole_band() {
    for &(i, o) in &[(44100u32, 48000u32), (48000, 44100), (8000, 11025), (192000, 44100)] {
        let rs = Resampler::new(i, o, 1).unwrap();
        assert!(rs.is_exact());
        let low = 0.5 * (i.min(o) as f64) / i as f64; // lower Nyquist, cycles per input frame
        let response = table_response(&rs);
        let ripple = response.iter().filter(|&&(f, _)| f <= PASS_EDGE * low).map(|&(_, h)| db(h).abs()).fold(0.0, f64::max);
        // Stopband: from the lower Nyquist to the prototype's Nyquist (L / 2 per input frame).
        let stop = response.iter().filter(|&&(f, _)| f >= STOP_EDGE * low).map(|&(_, h)| db(h)).fold(f64::NEG_INFINITY, f64::max);
        eprintln!("{} -> {} Hz table: passband ripple {:.5} dB, stopband peak {:.1} dB", i, o, ripple, stop);
        assert!(ripple <= 0.01);
        assert!(stop <= -90.0);
    }
}

#[test]
fn spans_cut_at_random_points_join_bit_for_bit() {
    let mut rng = Rng(0x5b11_7511);
    let rates = [8000u32, 11025, 16000, 22050, 44100, 47999, 48000, 88200, 96000, 192000];
    for trial in 0..40 {
        let in_rate = rates[rng.below(rates.len() as u64) as usize];
        let out_rate = if trial % 8 == 0 { in_rate } else { rates[rng.below(rates.len() as u64) as usize] };
        let ch = 1 + rng.below(8) as usize;
        let mut rs = Resampler::new(in_rate, out_rate, ch).unwrap();
        let total = 500 + rng.below(6000) as usize;
        let mut x: Vec<f32> = (0..total * ch).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
        if trial % 5 == 0 {
            x[ch * (total / 2)] = f32::from_bits(0x7f80_0001); // a signalling NaN (copies keep it)
        }
        let whole = resample_whole(&mut rs, &x);
        let out_total = rs.out_frames(total as u64);
        // Input chunk boundaries at random points; each chunk owns the outputs whose instants
        // fall inside it, and gets exactly the input its taps need (plus junk outside the file,
        // which must count as zero).
        let mut cuts: Vec<u64> = (0..1 + rng.below(6)).map(|_| rng.below(total as u64 + 1)).collect();
        cuts.push(0);
        cuts.push(total as u64);
        cuts.sort_unstable();
        let mut joined = Vec::with_capacity(whole.len());
        for w in cuts.windows(2) {
            let (k0, k1) = (rs.out_frames(w[0]), rs.out_frames(w[1]));
            if k0 == k1 {
                continue;
            }
            let first = rs.tap_start(k0);
            let end = rs.tap_start(k1 - 1) + rs.taps() as i64;
            let (inside_first, inside_end) = (first.max(0), end.min(total as i64));
            let junk = rng.below(3) as i64; // frames outside [0, total) that the buffer holds
            let a = if first < 0 { first.max(-junk) } else { first };
            let b = if end > total as i64 { end.min(total as i64 + junk) } else { end };
            let frame = |n: i64, c: usize| if n >= 0 && n < total as i64 { x[n as usize * ch + c] } else { f32::NAN };
            let buf: Vec<f32> = (a..b).flat_map(|n| (0..ch).map(move |c| (n, c))).map(|(n, c)| frame(n, c)).collect();
            let mut out = vec![0.0f32; (k1 - k0) as usize * ch];
            rs.span(&buf, a, total as u64, k0, &mut out).unwrap();
            // The same span from planes into planes: the same bits.
            let n = buf.len() / ch;
            let mut planes = vec![0.0f32; buf.len()];
            for i in 0..n {
                for c in 0..ch {
                    planes[c * n + i] = buf[i * ch + c];
                }
            }
            let mut scratch = vec![0.0f32; buf.len()];
            let mut planar = vec![0.0f32; out.len()];
            rs.span_planar(&planes, a, total as u64, k0, &mut scratch, &mut planar).unwrap();
            let m = out.len() / ch;
            let same = (0..m).all(|k| (0..ch).all(|c| planar[c * m + k].to_bits() == out[k * ch + c].to_bits()));
            assert!(same, "trial {}: planar span {}..{} differs from the interleaved one", trial, k0, k1);
            // One frame short on either side (inside the file) is refused, and writes nothing.
            let mut probe = vec![7.0f32; out.len()];
            let skip = ((inside_first - a) as usize + 1) * ch;
            assert_eq!(rs.span(&buf[skip..], inside_first + 1, total as u64, k0, &mut probe), Err(SpanError::MissingInput));
            let keep = buf.len() - ((b - inside_end) as usize + 1) * ch;
            assert_eq!(rs.span(&buf[..keep], a, total as u64, k0, &mut probe), Err(SpanError::MissingInput));
            assert!(probe.iter().all(|&v| v == 7.0));
            joined.extend_from_slice(&out);
        }
        assert_eq!(joined.len() as u64, out_total * ch as u64);
        let same = joined.iter().zip(&whole).all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(same, "trial {}: {} -> {} Hz, {} ch, {} frames, cuts {:?}", trial, in_rate, out_rate, ch, total, cuts);
    }
}

#[test]
fn equal_rates_copy_bit_for_bit() {
    let mut rs = Resampler::new(48000, 48000, 2).unwrap();
    assert_eq!(rs.context(), 0);
    let x: Vec<f32> = (0..2000).map(|i| f32::from_bits(0x3f00_0000 + i * 7919)).chain([f32::from_bits(0x7f80_0001), -0.0]).collect();
    let y = resample_whole(&mut rs, &x);
    assert_eq!(y.len(), x.len());
    assert!(x.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()));
    // A middle span.
    let mut out = vec![0.0f32; 20];
    rs.span(&x[200..260], 100, 1001, 105, &mut out).unwrap();
    assert!(out.iter().zip(&x[210..230]).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn bad_spans_are_refused() {
    let mut rs = Resampler::new(44100, 48000, 2).unwrap();
    let x = vec![0.25f32; 2 * 1000];
    let mut out = vec![0.0f32; 2 * 10];
    let total = 1000u64;
    let n_out = rs.out_frames(total);
    assert_eq!(n_out, 1089); // ceil(1000 * 48000 / 44100)
                             // Not whole frames.
    assert_eq!(rs.span(&x[..3], 0, total, 0, &mut out), Err(SpanError::BadArgument));
    // planar: whole frames, and a scratch buffer that holds the input
    let mut scratch = vec![0.0f32; x.len()];
    assert_eq!(rs.span_planar(&x[..3], 0, total, 0, &mut scratch, &mut out), Err(SpanError::BadArgument));
    assert_eq!(rs.span_planar(&x, 0, total, 0, &mut scratch[..x.len() - 2], &mut out), Err(SpanError::BadArgument));
    assert_eq!(rs.span_planar(&x[2..], 1, total, 0, &mut scratch, &mut out), Err(SpanError::MissingInput));
    assert!(rs.span_planar(&x, 0, total, 0, &mut scratch, &mut out).is_ok());
    assert_eq!(rs.span(&x, 0, total, 0, &mut out[..3]), Err(SpanError::BadArgument));
    // Past the end of the output.
    assert_eq!(rs.span(&x, 0, total, n_out - 9, &mut out), Err(SpanError::BadArgument));
    assert!(rs.span(&x, 0, total, n_out - 10, &mut out).is_ok());
    assert_eq!(rs.span(&x, 0, total, u64::MAX - 3, &mut out), Err(SpanError::BadArgument));
    // Positions beyond 2^53.
    assert_eq!(rs.span(&x, 0, 1 << 54, 0, &mut out), Err(SpanError::BadArgument));
    // Input that starts too late.
    assert_eq!(rs.span(&x[2..], 1, total, 0, &mut out), Err(SpanError::MissingInput));
    // A span in the middle of a long file with a buffer elsewhere.
    assert_eq!(rs.span(&x, 0, 1 << 40, 1 << 30, &mut out), Err(SpanError::MissingInput));
    // DC stays DC (per-phase normalisation) away from the ends.
    rs.span(&x, 0, total, 500, &mut out).unwrap();
    assert!(out.iter().all(|&v| (v - 0.25).abs() < 1e-6), "{:?}", out);
}
