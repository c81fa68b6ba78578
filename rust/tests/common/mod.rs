//! What several integration tests share (a module of the tests, not a test of its own).

use stagebench_dsp::stages::eq::Kind;

/// Eight EQ bands of every type (some settings from a typical mix): (kind, Hz, dB, Q).
pub const TYPICAL: [(Kind, f32, f32, f32); 8] = [
    (Kind::LowShelf, 80.0, 6.0, 1.0),
    (Kind::Peaking, 250.0, -3.0, 1.0),
    (Kind::Peaking, 1000.0, 4.0, 2.0),
    (Kind::Peaking, 4000.0, -6.0, 4.0),
    (Kind::HighShelf, 10000.0, 3.0, 1.0),
    (Kind::Highpass, 30.0, 0.0, 0.0),
    (Kind::Lowpass, 18000.0, 0.0, 0.0),
    (Kind::Notch, 60.0, 0.0, 10.0),
];
