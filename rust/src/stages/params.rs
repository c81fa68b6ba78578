//! Stage parameters: what a stage declares ([`ParamSpec`]) and what an instance holds
//! ([`Params`]: each parameter's value and the range it is clamped to).
//!
//! The host owns the ranges: `stage_create` passes a block of `(value, min, max)` triples, one
//! per parameter in the stage's order, and the instance clamps to those. Parameters the block
//! leaves out (it may be shorter, or empty) take the stage's default value and range.

use super::StageError;

/// Most parameters a stage may declare (the 8-band EQ has 33).
pub const MAX_PARAMS: usize = 64;

/// How a parameter's values are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Any value, clamped to the range.
    Real,
    /// Clamped to the range, then rounded to the nearest integer: a choice (its index), a switch
    /// (0 or 1) or a count. The range's ends must be integers.
    Integer,
    /// An integer the instance is built for (a transform size): given at create, where a value
    /// outside the range or not an integer is refused (`BadArgument`) rather than clamped, and
    /// fixed afterwards (`set_param` refuses it with `BadParam`). The range's ends must be
    /// integers.
    Fixed,
}

impl ParamKind {
    /// Its code in the C ABI (`stage_kind_param`): 0 real, 1 integer, 2 fixed.
    pub const fn code(self) -> i32 {
        match self {
            ParamKind::Real => 0,
            ParamKind::Integer => 1,
            ParamKind::Fixed => 2,
        }
    }
}

/// One parameter as a stage declares it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    /// The host's name for it (`dsp-stages/<id>/params.ts`), for messages and tests.
    pub name: &'static str,
    pub kind: ParamKind,
    /// The value when the host's block leaves the parameter out.
    pub default: f32,
    /// The range when the host's block leaves the parameter out.
    pub min: f32,
    pub max: f32,
}

impl ParamSpec {
    /// A [`ParamKind::Real`] parameter.
    pub const fn real(name: &'static str, default: f32, min: f32, max: f32) -> ParamSpec {
        ParamSpec { name, kind: ParamKind::Real, default, min, max }
    }

    /// A [`ParamKind::Integer`] parameter.
    pub const fn integer(name: &'static str, default: f32, min: f32, max: f32) -> ParamSpec {
        ParamSpec { name, kind: ParamKind::Integer, default, min, max }
    }

    /// A [`ParamKind::Fixed`] parameter.
    pub const fn fixed(name: &'static str, default: f32, min: f32, max: f32) -> ParamSpec {
        ParamSpec { name, kind: ParamKind::Fixed, default, min, max }
    }
}

/// An instance's parameters: for each of the stage's [`ParamSpec`]s, the current value and the
/// range it is clamped to; and the id of the stage they belong to (saved state names it).
/// Allocated once, at create; nothing here allocates afterwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    id: &'static str,
    specs: &'static [ParamSpec],
    values: Vec<f32>,
    ranges: Vec<(f32, f32)>,
}

impl Params {
    /// Every parameter at its default value and range.
    pub fn defaults(id: &'static str, specs: &'static [ParamSpec]) -> Params {
        Params { id, specs, values: specs.iter().map(|s| s.default).collect(), ranges: specs.iter().map(|s| (s.min, s.max)).collect() }
    }

    /// The parameters from the host's block of `(value, min, max)` triples (`block.len()` a
    /// multiple of 3; at most one triple per parameter; missing ones take their defaults).
    ///
    /// `BadParam` for more triples than parameters, a NaN in a triple, `min > max`, or
    /// non-integer ends for an integer parameter; `BadArgument` for a block that is not whole
    /// triples, or a [`ParamKind::Fixed`] value outside its range or not an integer. Other values
    /// are clamped to their ranges (and rounded when integer). Allocates.
    pub fn from_block(id: &'static str, specs: &'static [ParamSpec], block: &[f32]) -> Result<Params, StageError> {
        if block.len() % 3 != 0 {
            return Err(StageError::BadArgument);
        }
        if block.len() / 3 > specs.len() {
            return Err(StageError::BadParam);
        }
        let mut params = Params::defaults(id, specs);
        for (i, t) in block.chunks_exact(3).enumerate() {
            let (value, min, max) = (t[0], t[1], t[2]);
            let kind = specs.get(i).map_or(ParamKind::Real, |s| s.kind);
            if value.is_nan() || !(min <= max) {
                return Err(StageError::BadParam);
            }
            if kind != ParamKind::Real && (min.fract() != 0.0 || max.fract() != 0.0) {
                return Err(StageError::BadParam);
            }
            let value = if kind == ParamKind::Fixed {
                if !(min..=max).contains(&value) || value.fract() != 0.0 {
                    return Err(StageError::BadArgument);
                }
                value
            } else {
                fit(kind, value, min, max)
            };
            if let (Some(v), Some(r)) = (params.values.get_mut(i), params.ranges.get_mut(i)) {
                *v = value;
                *r = (min, max);
            }
        }
        // Defaults are fitted too, so that a stage's own table cannot leave a value out of range.
        for ((v, r), s) in params.values.iter_mut().zip(params.ranges.iter()).zip(specs.iter()).skip(block.len() / 3) {
            if s.kind != ParamKind::Fixed {
                *v = fit(s.kind, *v, r.0, r.1);
            }
        }
        Ok(params)
    }

    /// The id of the stage these parameters belong to.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The stage's declarations.
    pub fn specs(&self) -> &'static [ParamSpec] {
        self.specs
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the stage has no parameters.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Parameter `index`'s value, or `None` for an unknown index.
    pub fn get(&self, index: usize) -> Option<f32> {
        self.values.get(index).copied()
    }

    /// Parameter `index`'s value (0 for an unknown index): for a stage reading its own,
    /// known parameters. Never panics.
    pub fn value(&self, index: usize) -> f32 {
        self.values.get(index).copied().unwrap_or(0.0)
    }

    /// Every value, in the stage's order.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Parameter `index`'s range `(min, max)`.
    pub fn range(&self, index: usize) -> Option<(f32, f32)> {
        self.ranges.get(index).copied()
    }

    /// What [`Params::set`] would store for `value`, without storing it: the value clamped to
    /// the range (rounded for an integer parameter). `BadParam` for an unknown index, NaN, or a
    /// [`ParamKind::Fixed`] parameter. Never allocates.
    pub fn check(&self, index: usize, value: f32) -> Result<f32, StageError> {
        let (spec, &(min, max)) = match (self.specs.get(index), self.ranges.get(index)) {
            (Some(s), Some(r)) => (s, r),
            _ => return Err(StageError::BadParam),
        };
        if value.is_nan() || spec.kind == ParamKind::Fixed {
            return Err(StageError::BadParam);
        }
        Ok(fit(spec.kind, value, min, max))
    }

    /// Sets parameter `index` to `value` as [`Params::check`] fits it, and returns what was
    /// stored; on error nothing changes. Never allocates.
    pub fn set(&mut self, index: usize, value: f32) -> Result<f32, StageError> {
        let value = self.check(index, value)?;
        self.store(index, value);
        Ok(value)
    }

    /// Stores `value` as parameter `index` as it is (a stage recording what a value it checked
    /// became, or mirroring a setting made another way). Ignores an unknown index.
    pub fn store(&mut self, index: usize, value: f32) {
        if let Some(v) = self.values.get_mut(index) {
            *v = value;
        }
    }

    /// Whether `value` could be parameter `index`'s current value: within the range, an
    /// integer where it must be, equal to the current value for a fixed parameter. Used to
    /// check saved state.
    pub fn admits(&self, index: usize, value: f32) -> bool {
        match (self.specs.get(index), self.ranges.get(index), self.values.get(index)) {
            (Some(spec), Some(&(min, max)), Some(&current)) => match spec.kind {
                ParamKind::Real => (min..=max).contains(&value),
                ParamKind::Integer => (min..=max).contains(&value) && value.fract() == 0.0,
                ParamKind::Fixed => value.to_bits() == current.to_bits(),
            },
            _ => false,
        }
    }

    /// Replaces every value with `values` (as many as there are parameters; ones
    /// [`Params::admits`] accepts). Ignores a slice of another length.
    pub fn load(&mut self, values: &[f32]) {
        if values.len() == self.values.len() {
            self.values.copy_from_slice(values);
        }
    }
}

/// `value` clamped to `min ..= max` (not NaN), rounded if the parameter is an integer.
fn fit(kind: ParamKind, value: f32, min: f32, max: f32) -> f32 {
    let v = value.max(min).min(max);
    if kind == ParamKind::Real {
        v
    } else {
        v.round()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ParamSpec] = &[
        ParamSpec::real("gain", 1.0, 0.0, 4.0),
        ParamSpec::integer("mode", 1.0, 0.0, 2.0),
        ParamSpec::fixed("size", 512.0, 512.0, 4096.0),
    ];

    #[test]
    fn block_values_are_clamped_to_the_block_ranges() {
        let p = Params::from_block("t", SPECS, &[9.0, -1.0, 2.0, 1.6, 0.0, 5.0, 1024.0, 512.0, 4096.0]).unwrap();
        assert_eq!(p.values(), &[2.0, 2.0, 1024.0]);
        assert_eq!(p.range(0), Some((-1.0, 2.0)));
        let p = Params::from_block("t", SPECS, &[0.25, 0.0, 1.0]).unwrap();
        assert_eq!(p.values(), &[0.25, 1.0, 512.0], "missing parameters take their defaults");
        assert_eq!(p.range(2), Some((512.0, 4096.0)));
        assert_eq!(Params::from_block("t", SPECS, &[]).unwrap(), Params::defaults("t", SPECS));
    }

    #[test]
    fn bad_blocks_are_refused() {
        assert_eq!(Params::from_block("t", SPECS, &[1.0, 0.0]), Err(StageError::BadArgument));
        assert_eq!(Params::from_block("t", SPECS, &[0.0; 12]), Err(StageError::BadParam));
        assert_eq!(Params::from_block("t", SPECS, &[f32::NAN, 0.0, 1.0]), Err(StageError::BadParam));
        assert_eq!(Params::from_block("t", SPECS, &[1.0, f32::NAN, 1.0]), Err(StageError::BadParam));
        assert_eq!(Params::from_block("t", SPECS, &[1.0, 2.0, 1.0]), Err(StageError::BadParam));
        assert_eq!(Params::from_block("t", SPECS, &[1.0, 0.0, 1.0, 1.0, 0.5, 2.0]), Err(StageError::BadParam));
        let size = |v: f32| Params::from_block("t", SPECS, &[1.0, 0.0, 1.0, 1.0, 0.0, 2.0, v, 512.0, 4096.0]);
        assert_eq!(size(256.0), Err(StageError::BadArgument), "a fixed value is checked, not clamped");
        assert_eq!(size(1000.5), Err(StageError::BadArgument));
        assert_eq!(size(8192.0), Err(StageError::BadArgument));
        assert!(size(1000.0).is_ok(), "whether a size suits the stage is the stage's to say");
    }

    #[test]
    fn kinds_have_distinct_abi_codes() {
        let codes = [ParamKind::Real, ParamKind::Integer, ParamKind::Fixed].map(ParamKind::code);
        assert_eq!(codes, [0, 1, 2]);
    }

    #[test]
    fn set_clamps_rounds_and_refuses() {
        let mut p = Params::defaults("t", SPECS);
        assert_eq!(p.set(0, 7.0), Ok(4.0));
        assert_eq!(p.set(0, f32::NEG_INFINITY), Ok(0.0));
        assert_eq!(p.set(1, 1.5), Ok(2.0));
        assert_eq!(p.set(0, f32::NAN), Err(StageError::BadParam));
        assert_eq!(p.set(2, 1024.0), Err(StageError::BadParam));
        assert_eq!(p.set(3, 1.0), Err(StageError::BadParam));
        assert_eq!(p.values(), &[0.0, 2.0, 512.0], "refused values change nothing");
        assert!(p.admits(0, 3.5) && !p.admits(0, 4.5) && !p.admits(0, f32::NAN));
        assert!(p.admits(1, 0.0) && !p.admits(1, 0.5));
        assert!(p.admits(2, 512.0) && !p.admits(2, 1024.0) && !p.admits(3, 0.0));
    }
}
