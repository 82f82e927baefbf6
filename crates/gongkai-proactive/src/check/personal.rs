//! Personal data in text: 身份证号, 手机号, 银行卡号, with byte spans.

use chrono::NaiveDate;

use super::{Field, Finding, FindingKind, Severity};

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character for the first 17 digits, or `None` if they
/// are not 17 ASCII digits.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(ID_WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    ID_CHECK.get((sum % 11) as usize).map(|&b| char::from(b))
}

/// Whether `s` is an 18-character resident id number (身份证号) with a valid
/// GB 11643 check character, a non-zero region and a plausible birth date
/// (a real calendar date in 1900–2099). A lower-case `x` is accepted.
pub fn is_valid_resident_id(s: &str) -> bool {
    if s.len() != 18 || !s.is_ascii() {
        return false;
    }
    let (first17, check) = s.split_at(17);
    let Some(expected) = resident_id_check_char(first17) else {
        return false;
    };
    if !check.eq_ignore_ascii_case(&expected.to_string()) || first17.starts_with('0') {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        first17[6..10].parse::<i32>(),
        first17[10..12].parse::<u32>(),
        first17[12..14].parse::<u32>(),
    ) else {
        return false;
    };
    (1900..=2099).contains(&y) && NaiveDate::from_ymd_opt(y, m, d).is_some()
}

/// Whether the digits pass the Luhn check (bank card numbers).
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// Masks a resident id number: first six and last four characters kept,
/// `110101199003071234` → `110101********1234`. Other lengths are masked
/// entirely but the last character.
pub fn mask_resident_id(id: &str) -> String {
    mask_middle(id, 6, 4)
}

/// Masks a mobile number: `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

fn mask_middle(s: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    if n <= keep_start + keep_end {
        let keep = n.saturating_sub(1).min(1);
        return chars[..n - keep]
            .iter()
            .map(|_| '*')
            .chain(chars[n - keep..].iter().copied())
            .collect();
    }
    chars[..keep_start]
        .iter()
        .copied()
        .chain(std::iter::repeat_n('*', n - keep_start - keep_end))
        .chain(chars[n - keep_end..].iter().copied())
        .collect()
}

/// Masks a bank card number: first six and last four digits kept.
pub fn mask_bank_card(card: &str) -> String {
    mask_middle(card, 6, 4)
}

/// Masks the text of a personal-data finding of `kind` as its message does;
/// other kinds are returned as they are.
pub fn mask_personal(kind: FindingKind, s: &str) -> String {
    match kind {
        FindingKind::ResidentId => mask_resident_id(s),
        FindingKind::MobilePhone => mask_phone(s),
        FindingKind::BankCard => mask_bank_card(s),
        _ => s.to_owned(),
    }
}

/// Finds resident id numbers, mobile numbers and bank card numbers in
/// `text`. Only maximal runs of ASCII digits are considered, so a number
/// inside a longer digit run is never reported.
pub fn find_personal_data(text: &str, field: Field) -> Vec<Finding> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let mut end = i;
        // 17 digits and an X: a resident id number ending in X.
        if end - start == 17
            && bytes
                .get(end)
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'x'))
        {
            end += 1;
        }
        let candidate = &text[start..end];
        let len = end - start;
        if len == 18 && is_valid_resident_id(candidate) {
            out.push(Finding {
                kind: FindingKind::ResidentId,
                severity: Severity::Block,
                field,
                span: Some(start..end),
                message: format!(
                    "疑似身份证号：{}，公开前须删除或遮蔽",
                    mask_resident_id(candidate)
                ),
            });
        } else if is_mobile(candidate) {
            out.push(Finding {
                kind: FindingKind::MobilePhone,
                severity: Severity::Warn,
                field,
                span: Some(start..end),
                message: format!(
                    "疑似个人手机号：{}，如非公开的办公电话请遮蔽",
                    mask_phone(candidate)
                ),
            });
        } else if (16..=19).contains(&len) && luhn_valid(candidate) {
            out.push(Finding {
                kind: FindingKind::BankCard,
                severity: Severity::Block,
                field,
                span: Some(start..end),
                message: format!(
                    "疑似银行卡号：{}，公开前须删除或遮蔽",
                    mask_bank_card(candidate)
                ),
            });
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "11010519491231002X";

    fn kinds(text: &str) -> Vec<(FindingKind, &str)> {
        find_personal_data(text, Field::BodyHtml)
            .into_iter()
            .map(|f| (f.kind, &text[f.span.unwrap()]))
            .collect()
    }

    #[test]
    fn resident_id_check() {
        assert!(is_valid_resident_id(ID));
        assert!(is_valid_resident_id("11010519491231002x"));
        assert!(is_valid_resident_id("110101199003071233"));
        assert!(!is_valid_resident_id("110101199003071234"));
        // Valid check digit but 13th month.
        let first17 = "11010119901307123";
        let bad_date = format!("{first17}{}", resident_id_check_char(first17).unwrap());
        assert!(!is_valid_resident_id(&bad_date));
    }

    #[test]
    fn finds_id_with_span() {
        let text = "申请人张三（身份证号11010519491231002X）于";
        assert_eq!(kinds(text), vec![(FindingKind::ResidentId, ID)]);
        let f = &find_personal_data(text, Field::Title)[0];
        assert_eq!(f.severity, Severity::Block);
        assert!(f.message.contains("110105********002X"), "{}", f.message);
    }

    #[test]
    fn wrong_check_digit_is_not_an_id() {
        assert!(
            kinds("号码110101199003071234。")
                .iter()
                .all(|(k, _)| *k != FindingKind::ResidentId)
        );
    }

    #[test]
    fn finds_mobile_but_not_inside_longer_runs() {
        assert_eq!(
            kinds("联系电话：13812345678。"),
            vec![(FindingKind::MobilePhone, "13812345678")]
        );
        assert!(kinds("编号2138123456789").is_empty());
        assert!(kinds("电话12812345678").is_empty());
        assert!(kinds("0951-4012345").is_empty());
    }

    #[test]
    fn finds_bank_card_by_luhn() {
        // A Luhn-valid 16-digit test number.
        assert_eq!(
            kinds("账号4111111111111111，"),
            vec![(FindingKind::BankCard, "4111111111111111")]
        );
        assert!(kinds("账号4111111111111112，").is_empty());
        // 20 digits: too long for a card.
        assert!(kinds("41111111111111110000").is_empty());
    }

    #[test]
    fn valid_id_is_not_reported_as_card() {
        // Some valid id numbers also pass Luhn; they are ids, not cards.
        let id = (0..1000)
            .map(|seq| {
                let first17 = format!("11010119900307{seq:03}");
                format!("{first17}{}", resident_id_check_char(&first17).unwrap())
            })
            .find(|id| is_valid_resident_id(id) && luhn_valid(id))
            .unwrap();
        assert_eq!(kinds(&id), vec![(FindingKind::ResidentId, id.as_str())]);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_resident_id("110101199003071234"), "110101********1234");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "**3");
        assert_eq!(mask_phone(""), "");
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            11u32..=65,
            0u32..10_000,
            1900i32..=2099,
            1u32..=12,
            1u32..=28,
            0u32..1000,
        )
            .prop_map(|(prov, area, y, m, d, seq)| {
                let first17 = format!("{prov:02}{area:04}{y:04}{m:02}{d:02}{seq:03}");
                format!("{first17}{}", resident_id_check_char(&first17).unwrap())
            })
    }

    proptest! {
        #[test]
        fn valid_ids_are_always_found(id in valid_id(), before in "[\u{4e00}-\u{9fa5}a-z ]{0,6}", after in "[\u{4e00}-\u{9fa5}a-z ]{0,6}") {
            let text = format!("{before}{id}{after}");
            let found = find_personal_data(&text, Field::BodyHtml);
            let span = before.len()..before.len() + id.len();
            prop_assert!(found.iter().any(|f| f.kind == FindingKind::ResidentId && f.span == Some(span.clone())));
        }

        #[test]
        fn wrong_check_digits_never_found(first17 in "[0-9]{17}", wrong in 0usize..10) {
            let right = resident_id_check_char(&first17).unwrap();
            let candidates: Vec<char> = "0123456789X".chars().filter(|&c| c != right).collect();
            let id = format!("{first17}{}", candidates[wrong % candidates.len()]);
            let text = format!("号码{id}。");
            let found = find_personal_data(&text, Field::BodyHtml);
            prop_assert!(found.iter().all(|f| f.kind != FindingKind::ResidentId));
        }
    }
}
