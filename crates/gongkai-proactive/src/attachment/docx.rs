//! Text of a `.docx`: the main document's paragraphs and table cells in
//! document order. Paragraphs become lines; a table row becomes one line
//! with its cells separated by tabs; `w:tab` is a space and `w:br`/`w:cr`
//! a line break. Deleted text (tracked changes) and field codes are left out.
//! Headers, footers and notes are not read.

use std::io::{BufReader, Cursor};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::{CappedReader, ExtractLimits, Extraction, TextSink, TextStatus};

pub(super) const DOCUMENT_PART: &str = "word/document.xml";

pub(super) fn extract(bytes: &[u8], limits: &ExtractLimits) -> Extraction {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Extraction::failed("文件不是有效的 Word 文档（ZIP 结构损坏）");
    };
    let Ok(part) = zip.by_name(DOCUMENT_PART) else {
        return Extraction::failed("Word 文档缺少正文部分（word/document.xml）或无法解压");
    };
    let capped = CappedReader::new(part, limits.max_entry_bytes);
    let mut reader = Reader::from_reader(BufReader::new(capped));
    reader.config_mut().expand_empty_elements = true;

    let mut walker = Walker {
        sink: TextSink::new(limits.max_text_bytes),
        in_text: false,
        run_depth: 0,
        cell_depth: 0,
        skip_depth: 0,
    };
    let mut buf = Vec::new();
    let mut error = None;
    loop {
        if walker.sink.full() {
            break;
        }
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => walker.start(e.local_name().as_ref()),
            Ok(Event::End(e)) => walker.end(e.local_name().as_ref()),
            Ok(Event::Text(e)) if walker.reading() => walker.sink.push_str(&e.xml10_content()),
            Ok(Event::CData(e)) if walker.reading() => {
                walker.sink.push_str(&e.into_inner());
            }
            Ok(Event::GeneralRef(e)) if walker.reading() => {
                let c = match e.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match &*e {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                    Err(_) => None,
                };
                if let Some(c) = c {
                    walker.sink.push(c);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        buf.clear();
    }
    let part_truncated = reader.get_ref().get_ref().hit;
    match error {
        // XML cut off at the entry limit: keep what was read.
        Some(_) if part_truncated => walker.sink.finish(TextStatus::Extracted, true),
        // Broken XML after some text: keep the text, but say it failed.
        Some(_) if !walker.sink.text.trim().is_empty() => {
            let mut out = walker.sink.finish(TextStatus::Extracted, false);
            out.status =
                TextStatus::Failed("Word 文档正文的 XML 有错误，只提取了前面部分的文字".into());
            out
        }
        Some(_) => Extraction::failed("Word 文档正文的 XML 有错误，无法提取文字"),
        None => walker.sink.finish(TextStatus::Extracted, part_truncated),
    }
}

struct Walker {
    sink: TextSink,
    /// Inside `w:t`.
    in_text: bool,
    /// Nesting of `w:r` (runs).
    run_depth: u32,
    /// Nesting of `w:tc` (table cells).
    cell_depth: u32,
    /// Nesting inside elements whose text is skipped.
    skip_depth: u32,
}

impl Walker {
    fn reading(&self) -> bool {
        self.in_text && self.skip_depth == 0
    }

    fn start(&mut self, local: &str) {
        if self.skip_depth > 0 {
            self.skip_depth += 1;
            return;
        }
        match local {
            // Deleted text, field codes, and drawing fallbacks that repeat
            // the text of text boxes.
            "delText" | "instrText" | "Fallback" => self.skip_depth = 1,
            "t" => self.in_text = true,
            "r" => self.run_depth += 1,
            "tab" if self.run_depth > 0 => self.sink.push(' '),
            "br" | "cr" if self.run_depth > 0 => self.sink.push('\n'),
            "tc" => self.cell_depth += 1,
            _ => {}
        }
    }

    fn end(&mut self, local: &str) {
        if self.skip_depth > 0 {
            self.skip_depth -= 1;
            return;
        }
        match local {
            "t" => self.in_text = false,
            "r" => self.run_depth = self.run_depth.saturating_sub(1),
            "p" if self.cell_depth > 0 => self.sink.push(' '),
            "p" => self.sink.push('\n'),
            "tc" => {
                self.cell_depth = self.cell_depth.saturating_sub(1);
                self.sink.trim_end_matches(&[' ']);
                self.sink.push('\t');
            }
            "tr" => {
                self.sink.trim_end_matches(&['\t', ' ']);
                self.sink.push('\n');
            }
            _ => {}
        }
    }
}
