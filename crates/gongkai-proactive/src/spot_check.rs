//! 抽查 / 自查整改: drawing a reproducible random sample of published items, and the rules of a
//! spot check's entries.
//!
//! The sample depends only on the population (ids, in the order given), the size and the seed,
//! so anyone can redraw it from the recorded seed. The generator is SplitMix64 written out here
//! (not a crate's RNG), so the same seed gives the same sample in every version of the platform.

use serde::{Deserialize, Serialize};

/// How many items to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SampleSize {
    /// A number of items.
    Count(u32),
    /// A percentage (1–100) of the population, rounded up.
    Percent(u8),
}

/// Why a sample size is not acceptable (message in Chinese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    #[error("抽查数量须为正整数")]
    ZeroCount,
    #[error("抽查比例须在 1% 至 100% 之间")]
    Percent,
    #[error("所选期间内没有已发布的信息，无法抽查")]
    EmptyPopulation,
}

impl SampleSize {
    /// The number of items to draw from a population of `population`: never more than the
    /// population.
    pub fn resolve(self, population: usize) -> Result<usize, SampleError> {
        if population == 0 {
            return Err(SampleError::EmptyPopulation);
        }
        match self {
            Self::Count(0) => Err(SampleError::ZeroCount),
            Self::Count(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(population)),
            Self::Percent(p) if p == 0 || p > 100 => Err(SampleError::Percent),
            Self::Percent(p) => {
                let n = (population * usize::from(p)).div_ceil(100);
                Ok(n.clamp(1, population))
            }
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and fully specified.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `0..bound` (`bound > 0`), without modulo bias.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let v = self.next();
            if v < zone {
                return v % bound;
            }
        }
    }
}

/// Draws `size` distinct members of `population` (uniformly, without replacement), in the order
/// drawn. Duplicate ids in the population are ignored; at most the population is returned.
pub fn draw<T: Clone + Ord>(population: &[T], size: usize, seed: u64) -> Vec<T> {
    let mut pool: Vec<T> = population.to_vec();
    pool.sort();
    pool.dedup();
    let n = size.min(pool.len());
    let mut rng = SplitMix64(seed);
    // partial Fisher–Yates: the first n places receive the sample
    for i in 0..n {
        let remaining = u64::try_from(pool.len() - i).unwrap_or(u64::MAX);
        let j = i + usize::try_from(rng.below(remaining)).unwrap_or(0);
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool
}

/// The finding of one sampled item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 合格
    Compliant,
    /// 存在问题
    Problem,
}

impl Finding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Compliant => "合格",
            Self::Problem => "存在问题",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::Problem => "problem",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key {
            "compliant" => Some(Self::Compliant),
            "problem" => Some(Self::Problem),
            _ => None,
        }
    }
}

/// Why an entry cannot be recorded as given (message in Chinese, naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("检查结论：请选择“合格”或“存在问题”")]
    FindingMissing,
    #[error("问题描述：结论为“存在问题”时须填写问题描述")]
    ProblemRequired,
    #[error("整改日期：有整改情况时须填写整改日期")]
    CorrectionDateRequired,
}

/// Checks an entry before it is recorded: a problem needs a description, a correction its date.
pub fn check_entry(
    finding: Option<Finding>,
    problem: &str,
    correction: &str,
    corrected_on: Option<chrono::NaiveDate>,
) -> Result<(), Vec<EntryError>> {
    let mut errors = Vec::new();
    match finding {
        None => errors.push(EntryError::FindingMissing),
        Some(Finding::Problem) if problem.trim().is_empty() => {
            errors.push(EntryError::ProblemRequired);
        }
        _ => {}
    }
    if !correction.trim().is_empty() && corrected_on.is_none() {
        errors.push(EntryError::CorrectionDateRequired);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A check can be closed when every entry has a finding.
pub fn can_close(findings: &[Option<Finding>]) -> bool {
    !findings.is_empty() && findings.iter().all(Option::is_some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn sizes_never_exceed_the_population() {
        assert_eq!(SampleSize::Count(5).resolve(3), Ok(3));
        assert_eq!(SampleSize::Count(2).resolve(3), Ok(2));
        assert_eq!(SampleSize::Count(0).resolve(3), Err(SampleError::ZeroCount));
        assert_eq!(SampleSize::Percent(10).resolve(25), Ok(3));
        assert_eq!(SampleSize::Percent(1).resolve(5), Ok(1));
        assert_eq!(SampleSize::Percent(100).resolve(7), Ok(7));
        assert_eq!(SampleSize::Percent(0).resolve(7), Err(SampleError::Percent));
        assert_eq!(
            SampleSize::Percent(101).resolve(7),
            Err(SampleError::Percent)
        );
        assert_eq!(
            SampleSize::Count(1).resolve(0),
            Err(SampleError::EmptyPopulation)
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_sample() {
        let pop: Vec<i64> = (1..=50).collect();
        let a = draw(&pop, 10, 42);
        assert_eq!(a, draw(&pop, 10, 42));
        assert_ne!(a, draw(&pop, 10, 43));
        // the population's order does not matter
        let mut rev = pop.clone();
        rev.reverse();
        assert_eq!(a, draw(&rev, 10, 42));
        // pinned: a change of the generator would silently change recorded samples
        assert_eq!(draw(&[1, 2, 3, 4, 5], 5, 0).len(), 5);
        assert_eq!(SplitMix64(0).next(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn every_member_can_be_drawn() {
        let pop: Vec<i64> = (1..=5).collect();
        let mut seen = BTreeSet::new();
        for seed in 0..200 {
            seen.extend(draw(&pop, 1, seed));
        }
        assert_eq!(seen.len(), 5);
    }

    #[test]
    fn entries_and_closing() {
        assert_eq!(
            check_entry(None, "", "", None),
            Err(vec![EntryError::FindingMissing])
        );
        assert_eq!(
            check_entry(Some(Finding::Problem), " ", "已更正", None),
            Err(vec![
                EntryError::ProblemRequired,
                EntryError::CorrectionDateRequired
            ])
        );
        assert!(check_entry(Some(Finding::Compliant), "", "", None).is_ok());
        assert!(!can_close(&[]));
        assert!(!can_close(&[Some(Finding::Compliant), None]));
        assert!(can_close(&[
            Some(Finding::Compliant),
            Some(Finding::Problem)
        ]));
    }

    proptest! {
        #[test]
        fn samples_are_distinct_members_never_more_than_the_population(
            pop in proptest::collection::vec(0i64..200, 0..80),
            size in 0usize..120,
            seed in any::<u64>(),
        ) {
            let s = draw(&pop, size, seed);
            let distinct: BTreeSet<i64> = pop.iter().copied().collect();
            prop_assert!(s.len() <= distinct.len());
            prop_assert_eq!(s.len(), size.min(distinct.len()));
            let set: BTreeSet<i64> = s.iter().copied().collect();
            prop_assert_eq!(set.len(), s.len(), "no duplicates");
            prop_assert!(set.is_subset(&distinct));
        }
    }
}
