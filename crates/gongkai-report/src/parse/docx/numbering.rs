//! Automatic paragraph numbering (`word/numbering.xml`). Word draws the
//! “一、” or “（三）” of a numbered heading from a list definition: it is
//! not in the paragraph's text, so the reader renders it from the counters.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::reader::NsReader;

use super::{attr, is_word_ns};

const LEVELS: usize = 9;

#[derive(Default)]
pub(super) struct Numbering {
    /// numId → its abstract definition and start overrides per level.
    nums: HashMap<String, Num>,
    /// abstractNumId → levels by `ilvl`.
    abstracts: HashMap<String, Vec<Level>>,
    /// abstractNumId → current counter per level.
    counters: HashMap<String, [Option<u32>; LEVELS]>,
}

#[derive(Default)]
struct Num {
    abstract_id: String,
    start_overrides: HashMap<usize, u32>,
}

#[derive(Clone)]
struct Level {
    start: u32,
    format: String,
    text: Option<String>,
}

impl Default for Level {
    fn default() -> Level {
        Level {
            start: 1,
            format: "decimal".into(),
            text: None,
        }
    }
}

fn level_index(v: Option<String>) -> Option<usize> {
    v.and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|i| *i < LEVELS)
}

impl Numbering {
    /// Reads `word/numbering.xml`; whatever cannot be read is left out.
    pub(super) fn parse(xml: &str) -> Numbering {
        let mut n = Numbering::default();
        let mut reader = NsReader::from_str(xml);
        reader.config_mut().expand_empty_elements = true;
        let mut abstract_id: Option<String> = None;
        let mut level: Option<usize> = None;
        let mut num_id: Option<String> = None;
        let mut override_level: Option<usize> = None;
        while let Ok((ns, event)) = reader.read_resolved_event() {
            let word = is_word_ns(&ns);
            match event {
                Event::Start(e) if word => match e.local_name().as_ref() {
                    "abstractNum" => abstract_id = attr(&e, "abstractNumId"),
                    "lvl" if num_id.is_none() => level = level_index(attr(&e, "ilvl")),
                    "num" => {
                        num_id = attr(&e, "numId");
                        if let Some(id) = &num_id {
                            n.nums.insert(id.clone(), Num::default());
                        }
                    }
                    "abstractNumId" => {
                        if let (Some(id), Some(val)) = (&num_id, attr(&e, "val"))
                            && let Some(num) = n.nums.get_mut(id)
                        {
                            num.abstract_id = val;
                        }
                    }
                    "lvlOverride" => override_level = level_index(attr(&e, "ilvl")),
                    "startOverride" => {
                        if let (Some(id), Some(i)) = (&num_id, override_level)
                            && let Some(start) = attr(&e, "val").and_then(|v| v.parse().ok())
                            && let Some(num) = n.nums.get_mut(id)
                        {
                            num.start_overrides.insert(i, start);
                        }
                    }
                    name @ ("start" | "numFmt" | "lvlText") => {
                        let (Some(a), Some(i)) = (&abstract_id, level) else {
                            continue;
                        };
                        let levels = n.abstracts.entry(a.clone()).or_default();
                        if levels.len() <= i {
                            levels.resize(i + 1, Level::default());
                        }
                        let val = attr(&e, "val");
                        match name {
                            "start" => {
                                levels[i].start = val.and_then(|v| v.parse().ok()).unwrap_or(1)
                            }
                            "numFmt" => levels[i].format = val.unwrap_or_default(),
                            _ => levels[i].text = val,
                        }
                    }
                    _ => {}
                },
                Event::End(e) if word => match e.local_name().as_ref() {
                    "abstractNum" => abstract_id = None,
                    "lvl" => level = None,
                    "num" => num_id = None,
                    "lvlOverride" => override_level = None,
                    _ => {}
                },
                Event::Eof => break,
                _ => {}
            }
        }
        n
    }

    /// Advances the list counter of a numbered paragraph and returns the
    /// label Word shows before it (none for bullets).
    pub(super) fn label(&mut self, num_id: &str, ilvl: usize) -> Option<String> {
        let num = self.nums.get(num_id)?;
        let levels = self.abstracts.get(&num.abstract_id)?;
        if ilvl >= LEVELS {
            return None;
        }
        let start_of = |i: usize| {
            num.start_overrides
                .get(&i)
                .copied()
                .or_else(|| levels.get(i).map(|l| l.start))
                .unwrap_or(1)
        };
        let counters = self.counters.entry(num.abstract_id.clone()).or_default();
        counters[ilvl] = Some(match counters[ilvl] {
            Some(c) => c.saturating_add(1),
            None => start_of(ilvl),
        });
        for c in counters.iter_mut().skip(ilvl + 1) {
            *c = None;
        }
        let level = levels.get(ilvl)?;
        if matches!(level.format.as_str(), "bullet" | "none") {
            return None;
        }
        let mut text = level.text.clone()?;
        for k in 1..=LEVELS {
            let placeholder = format!("%{k}");
            if text.contains(&placeholder) {
                let value = counters[k - 1].unwrap_or_else(|| start_of(k - 1));
                let format = levels.get(k - 1).map_or("decimal", |l| l.format.as_str());
                text = text.replace(&placeholder, &format_number(value, format));
            }
        }
        Some(text)
    }
}

/// A counter value in one of Word's number formats.
fn format_number(n: u32, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographDigital"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "taiwaneseCountingThousand" => chinese(n).unwrap_or_else(|| n.to_string()),
        "ideographTraditional" => "甲乙丙丁戊己庚辛壬癸"
            .chars()
            .nth((n as usize).wrapping_sub(1))
            .map_or_else(|| n.to_string(), String::from),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map_or_else(|| n.to_string(), String::from)
        }
        "decimalZero" if n < 10 => format!("0{n}"),
        "lowerLetter" | "upperLetter" if n >= 1 => {
            let c = char::from(b'a' + ((n - 1) % 26) as u8);
            let s = c.to_string().repeat(((n - 1) / 26 + 1) as usize);
            if format == "upperLetter" {
                s.to_uppercase()
            } else {
                s
            }
        }
        "lowerRoman" | "upperRoman" if (1..4000).contains(&n) => {
            let r = roman(n);
            if format == "lowerRoman" {
                r.to_lowercase()
            } else {
                r
            }
        }
        _ => n.to_string(),
    }
}

/// 1..=99 in Chinese numerals: 一, 十, 十一, 二十, 九十九.
fn chinese(n: u32) -> Option<String> {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let d = |i: u32| DIGITS[i as usize];
    match n {
        1..=9 => Some(d(n).to_string()),
        10 => Some("十".into()),
        11..=19 => Some(format!("十{}", d(n % 10))),
        20..=99 if n.is_multiple_of(10) => Some(format!("{}十", d(n / 10))),
        20..=99 => Some(format!("{}十{}", d(n / 10), d(n % 10))),
        _ => None,
    }
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (v, s) in TABLE {
        while n >= v {
            out.push_str(s);
            n -= v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    #[test]
    fn renders_chinese_outline_numbering() {
        let xml = format!(
            r#"<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="7">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  <w:lvl w:ilvl="3"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="5"/></w:lvlOverride></w:num>
</w:numbering>"#
        );
        let mut n = Numbering::parse(&xml);
        let labels: Vec<Option<String>> = [
            (0, "3"),
            (1, "3"),
            (1, "3"),
            (2, "3"),
            (3, "3"),
            (0, "3"),
            (1, "3"),
        ]
        .iter()
        .map(|(l, id)| n.label(id, *l))
        .collect();
        let s = |t: &str| Some(t.to_string());
        assert_eq!(
            labels,
            [
                s("一、"),
                s("（一）"),
                s("（二）"),
                s("1."),
                None,
                s("二、"),
                s("（一）")
            ]
        );
        assert_eq!(n.label("99", 0), None);
        let mut fresh = Numbering::parse(&xml);
        assert_eq!(fresh.label("4", 0), s("五、"));
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_number(21, "chineseCounting"), "二十一");
        assert_eq!(format_number(10, "chineseCountingThousand"), "十");
        assert_eq!(format_number(3, "ideographTraditional"), "丙");
        assert_eq!(format_number(2, "decimalEnclosedCircle"), "②");
        assert_eq!(format_number(28, "lowerLetter"), "bb");
        assert_eq!(format_number(14, "upperRoman"), "XIV");
        assert_eq!(format_number(120, "chineseCounting"), "120");
        assert_eq!(format_number(0, "lowerLetter"), "0");
    }
}
