//! The stages: each one a unit in its own module, its kernel in safe Rust.

pub mod eq;
pub mod fft;
pub mod gain;
pub mod ring_copy;
pub mod shift;
