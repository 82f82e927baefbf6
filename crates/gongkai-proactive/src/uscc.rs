//! 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters,
//! the last one a check character over the first 17.
//!
//! Kept small and crate-private; another crate may own the public `Uscc` type.

use thiserror::Error;

/// The 31 characters a code may use (no I, O, S, V, Z), in check-value order.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1–17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsccError {
    #[error("统一社会信用代码应为 18 位，实际为 {0} 位")]
    Length(usize),
    #[error("统一社会信用代码第 {position} 位含有不允许的字符“{found}”")]
    Character { position: usize, found: char },
    #[error("统一社会信用代码第 3–8 位应为行政区划代码（6 位数字）")]
    DivisionCode,
    #[error("统一社会信用代码校验位错误：应为“{expected}”，实际为“{found}”")]
    CheckDigit { expected: char, found: char },
}

fn value_of(c: char) -> Option<u32> {
    let upper = c.to_ascii_uppercase();
    CHARSET
        .iter()
        .position(|&b| char::from(b) == upper)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters, or `None` if one of them
/// is outside the code's character set.
pub(crate) fn check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut count = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value_of(c)? * w;
        count += 1;
    }
    if count != 17 || first17.chars().count() != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.get(check as usize).map(|&b| char::from(b))
}

/// Validates a unified social credit code (case-insensitive, surrounding
/// whitespace ignored) and returns it upper-cased.
pub fn validate_uscc(input: &str) -> Result<String, UsccError> {
    let code = input.trim().to_ascii_uppercase();
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(UsccError::Length(chars.len()));
    }
    for (i, &c) in chars.iter().enumerate() {
        if value_of(c).is_none() {
            return Err(UsccError::Character {
                position: i + 1,
                found: c,
            });
        }
    }
    if !chars[2..8].iter().all(char::is_ascii_digit) {
        return Err(UsccError::DivisionCode);
    }
    let first17: String = chars[..17].iter().collect();
    let expected = check_char(&first17).ok_or(UsccError::Length(chars.len()))?;
    if chars[17] != expected {
        return Err(UsccError::CheckDigit {
            expected,
            found: chars[17],
        });
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_are_valid() {
        // Codes printed on public business licences, and the fictional demo
        // bureau's code used across this crate's tests.
        for code in [
            "91350100M000100Y43",
            "914403001922038216",
            "91330100799655058B",
            "11640381MB1962185B",
        ] {
            assert_eq!(validate_uscc(code).as_deref(), Ok(code));
        }
    }

    #[test]
    fn lower_case_and_spaces_are_accepted() {
        assert_eq!(
            validate_uscc(" 91350100m000100y43 ").as_deref(),
            Ok("91350100M000100Y43")
        );
    }

    #[test]
    fn wrong_check_char_is_rejected() {
        assert_eq!(
            validate_uscc("91350100M000100Y44"),
            Err(UsccError::CheckDigit {
                expected: '3',
                found: '4'
            })
        );
    }

    #[test]
    fn bad_length_and_characters_are_rejected() {
        assert_eq!(validate_uscc("913501"), Err(UsccError::Length(6)));
        assert!(matches!(
            validate_uscc("91350100M00010OY43"),
            Err(UsccError::Character {
                position: 15,
                found: 'O'
            })
        ));
        assert_eq!(
            validate_uscc("913A0100M000100Y43"),
            Err(UsccError::DivisionCode)
        );
    }
}
