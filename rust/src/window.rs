//! Analysis windows for the spectrum stage, and the two numbers needed to read amplitudes off a
//! windowed spectrum: coherent gain and equivalent noise bandwidth.
//!
//! All windows are **periodic** (DFT-even): a length-`N` window is the length-`N + 1` symmetric
//! window with its last sample dropped, so `w[n] = w[N - n]` for `1 <= n < N` and the centre
//! sample is `w[N/2]`. That is the form a spectrum analyser wants: the window is exactly
//! periodic with the DFT frame, so a Hann window's transform is the three-tap kernel
//! `{-1/4, 1/2, -1/4}` over bins `k-1, k, k+1`, its coherent gain is exactly 1/2 and its ENBW
//! exactly 1.5 bins (the symmetric window's are `(N-1)/(2N)` and slightly above 1.5), and
//! overlapping frames at hop `N/2` sum to a constant.
//!
//! Windows are computed in `f64` and rounded to `f32` once.

use core::f64::consts::PI;

/// The window shapes the spectrum stage offers. The discriminants are the C-ABI ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// All ones (no window): coherent gain 1, ENBW 1 bin.
    Rectangular = 0,
    /// Periodic Hann, `0.5 - 0.5 cos(2 pi n / N)`: coherent gain 0.5, ENBW 1.5 bins.
    Hann = 1,
    /// Periodic Kaiser with shape parameter `beta`,
    /// `I0(beta sqrt(1 - ((2n - N)/N)^2)) / I0(beta)`.
    Kaiser = 2,
}

impl WindowKind {
    /// The kind for a C-ABI id (0 rectangular, 1 Hann, 2 Kaiser), or `None`.
    pub fn from_id(id: i32) -> Option<WindowKind> {
        match id {
            0 => Some(WindowKind::Rectangular),
            1 => Some(WindowKind::Hann),
            2 => Some(WindowKind::Kaiser),
            _ => None,
        }
    }
}

/// The zeroth-order modified Bessel function of the first kind, by its power series
/// `I0(x) = sum_k ((x/2)^k / k!)^2`, summed in `f64` until a term falls below `1e-17` of the
/// running sum (about 50 terms at `x = 20`). Every term is positive, so there is no
/// cancellation: the result is accurate to a few ulps for the `|x| <= 20` the windows use.
pub fn bessel_i0(x: f64) -> f64 {
    let h = 0.25 * x * x; // (x/2)^2
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    let mut k = 1.0f64;
    // The cap only matters for absurd arguments (or NaN, which then propagates).
    while k < 1000.0 {
        term *= h / (k * k);
        sum += term;
        if !(term >= 1e-17 * sum) {
            break;
        }
        k += 1.0;
    }
    sum
}

/// Fills `out` with the periodic window of length `out.len()`. `beta` is used by Kaiser only
/// (the caller clamps it; 0 gives the rectangular window). Allocates nothing.
pub fn fill_window(kind: WindowKind, beta: f64, out: &mut [f32]) {
    let n = out.len();
    if n == 0 {
        return;
    }
    let nf = n as f64;
    match kind {
        WindowKind::Rectangular => {
            for w in out.iter_mut() {
                *w = 1.0;
            }
        }
        WindowKind::Hann => {
            for (i, w) in out.iter_mut().enumerate() {
                *w = (0.5 - 0.5 * (2.0 * PI * i as f64 / nf).cos()) as f32;
            }
        }
        WindowKind::Kaiser => {
            let norm = 1.0 / bessel_i0(beta);
            for (i, w) in out.iter_mut().enumerate() {
                let t = (2.0 * i as f64 - nf) / nf; // -1 at n = 0, 0 at the centre
                let r = (1.0 - t * t).max(0.0).sqrt();
                *w = (bessel_i0(beta * r) * norm) as f32;
            }
        }
    }
}

/// Coherent gain `sum(w) / N`: the factor by which the window scales a bin-centred sine's peak.
/// A sine of amplitude `A` reads `|X| = A * N * coherent_gain / 2` at its bin. 0 for an empty window.
pub fn coherent_gain(w: &[f32]) -> f64 {
    if w.is_empty() {
        return 0.0;
    }
    w.iter().map(|&v| v as f64).sum::<f64>() / w.len() as f64
}

/// Equivalent noise bandwidth in bins, `N sum(w^2) / (sum w)^2`: divide a bin's power by it to
/// read a noise density. 1 for rectangular, 1.5 for periodic Hann. 0 for an empty or zero-sum window.
pub fn enbw_bins(w: &[f32]) -> f64 {
    let s: f64 = w.iter().map(|&v| v as f64).sum();
    let s2: f64 = w.iter().map(|&v| (v as f64) * (v as f64)).sum();
    if s == 0.0 {
        return 0.0;
    }
    w.len() as f64 * s2 / (s * s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bessel_i0_matches_known_values() {
        // Abramowitz & Stegun table 9.8 / mpmath.
        assert_eq!(bessel_i0(0.0), 1.0);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-15);
        assert!((bessel_i0(9.0) / 1_093.588_354_511_374_5 - 1.0).abs() < 1e-14);
        assert!((bessel_i0(20.0) / 4.355_828_255_955_353e7 - 1.0).abs() < 1e-14);
    }

    #[test]
    fn periodic_hann_gains_are_exact() {
        let mut w = vec![0.0f32; 1024];
        fill_window(WindowKind::Hann, 0.0, &mut w);
        assert_eq!(w[0], 0.0);
        assert_eq!(w[512], 1.0);
        assert_eq!(w[1], w[1023]);
        assert!((coherent_gain(&w) - 0.5).abs() < 1e-7);
        assert!((enbw_bins(&w) - 1.5).abs() < 1e-6);
    }

    #[test]
    fn kaiser_is_periodic_peaks_at_centre_and_beta_zero_is_rectangular() {
        let mut w = vec![0.0f32; 512];
        fill_window(WindowKind::Kaiser, 9.0, &mut w);
        assert_eq!(w[256], 1.0);
        for i in 1..512 {
            assert_eq!(w[i], w[512 - i]);
        }
        assert!((w[0] as f64 - 1.0 / bessel_i0(9.0)).abs() < 1e-9);
        // ENBW of Kaiser(9) is about 1.80 bins.
        let e = enbw_bins(&w);
        assert!(e > 1.75 && e < 1.85, "enbw {}", e);
        fill_window(WindowKind::Kaiser, 0.0, &mut w);
        assert!(w.iter().all(|&v| v == 1.0));
        fill_window(WindowKind::Rectangular, 0.0, &mut w);
        assert_eq!(coherent_gain(&w), 1.0);
        assert_eq!(enbw_bins(&w), 1.0);
    }
}
