//! Decoding of text inputs: UTF-8 (with or without BOM), UTF-16 with BOM,
//! and the legacy Chinese encodings (GBK / GB18030, Big5) that government
//! websites still serve, detected with chardetng.

use encoding_rs::{Encoding, GB18030, UTF_8};

/// Decodes bytes to text, detecting the encoding. An explicit charset label
/// (from an HTML `<meta>` or an HTTP header) is used when given and known.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> (String, &'static Encoding) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), enc);
    }
    if std::str::from_utf8(bytes).is_ok() {
        let (text, _) = UTF_8.decode_without_bom_handling(bytes);
        return (text.into_owned(), UTF_8);
    }
    let declared = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
    let enc = declared.unwrap_or_else(|| {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow)
    });
    // GBK pages often contain GB18030-only characters: decode with the superset.
    let enc = if enc.name() == "GBK" { GB18030 } else { enc };
    let (text, _) = enc.decode_without_bom_handling(bytes);
    (text.into_owned(), enc)
}

/// Finds a charset declared in the first bytes of an HTML document.
pub fn sniff_html_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let pos = head.find("charset=")?;
    let rest = &head[pos + "charset=".len()..];
    let rest = rest.trim_start_matches(['"', '\'', ' ']);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    let label = &rest[..end];
    (!label.is_empty()).then(|| label.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_gbk_and_utf8() {
        let (gbk, _, _) = GB18030.encode("政府信息公开工作年度报告");
        let (text, enc) = decode(&gbk, None);
        assert_eq!(text, "政府信息公开工作年度报告");
        assert_eq!(enc, GB18030);
        let (text, enc) = decode("公开".as_bytes(), None);
        assert_eq!(text, "公开");
        assert_eq!(enc, UTF_8);
    }

    #[test]
    fn sniffs_meta_charset() {
        let html = br#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>"#;
        assert_eq!(sniff_html_charset(html).as_deref(), Some("gb2312"));
    }
}
