//! The SIMD/scalar self-test of the spectrum stage's kernels (`fft_selftest`): the FFT, the dB
//! conversion and the DTFT sums behind the peak refinement, on the same pseudo-random data.

use super::{dtft_sums, dtft_sums_scalar, spectrum_to_db, spectrum_to_db_scalar};
use crate::fft::{RealFft, MAX_SIZE, MIN_SIZE};
use crate::status;

/// Runs the scalar and the SIMD paths of the FFT (every size 512..=32768), of the dB conversion
/// and of the DTFT sums on the same pseudo-random data (a 32-bit LCG, uniform in [-1, 1)), and
/// returns 0 if they agree: FFT bit for bit (the two paths perform the same operations, and the
/// stepped transform gives what the whole one gives), dB within 1e-3 dB with the same strongest
/// bin, DTFT sums within 1e-9 relative. Returns 1 for an FFT mismatch, 2 for dB, 3 for the DTFT,
/// `BAD_ARGUMENT` if a plan could not be made. Without SIMD (native builds) both sides run the
/// scalar code. Allocates.
pub fn simd_matches_scalar() -> i32 {
    let mut seed: u32 = 0x0ff7_5e1f;
    let mut n = MIN_SIZE;
    while n <= MAX_SIZE {
        let mut fft = match RealFft::new(n) {
            Some(fft) => fft,
            None => return status::BAD_ARGUMENT,
        };
        let input: Vec<f32> = (0..n)
            .map(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                f32::from_bits((seed >> 9) | 0x4000_0000) - 3.0 // [-1, 1)
            })
            .collect();
        let mut a = vec![0.0f32; n + 2];
        let mut b = vec![0.0f32; n + 2];
        if !fft.process_scalar(&input, &mut a) || !fft.process(&input, &mut b) {
            return status::BAD_ARGUMENT;
        }
        // The stepped transform (the live stage's slices) runs the same kernels one call each.
        let mut c = vec![0.0f32; n + 2];
        if !(0..fft.steps()).all(|i| fft.process_step(i, &input, &mut c)) {
            return status::BAD_ARGUMENT;
        }
        let same = |p: &[f32], q: &[f32]| p.iter().zip(q).all(|(x, y)| x.to_bits() == y.to_bits());
        if !same(&a, &b) || !same(&b, &c) {
            return 1;
        }

        // dB conversion and strongest bin (scale: the rectangular full-scale reference).
        let scale = 4.0 / (n as f32 * n as f32);
        let mut da = vec![0.0f32; n / 2 + 1];
        let mut db = vec![0.0f32; n / 2 + 1];
        let ka = spectrum_to_db_scalar(&a, scale, &mut da);
        let kb = spectrum_to_db(&a, scale, &mut db);
        if ka != kb || da.iter().zip(&db).any(|(&x, &y)| !((x - y).abs() <= 1e-3)) {
            return 2;
        }

        // DTFT sums at a fractional frequency.
        let omega = -2.0 * core::f64::consts::PI * (n as f64 / 7.0 + 0.37) / n as f64;
        let sa = dtft_sums_scalar(&input, omega, 4096.0);
        let sb = dtft_sums(&input, omega, 4096.0);
        for j in 0..3 {
            let mag = sa[2 * j].hypot(sa[2 * j + 1]).max(1e-300);
            let diff = (sa[2 * j] - sb[2 * j]).hypot(sa[2 * j + 1] - sb[2 * j + 1]);
            // The sums of n^j x e^{...} over noise are ~ sqrt(N) N^j; compare with that scale.
            let scale = (n as f64).sqrt() * (n as f64).powi(j as i32);
            if !(diff <= 1e-9 * mag.max(scale)) {
                return 3;
            }
        }
        n *= 2;
    }
    status::OK
}
