use std::io::{Cursor, Write};

use proptest::prelude::*;

use super::*;
use crate::check::{Field, FindingKind, SensitiveWords, check_attachment_text, excerpt};

const ID: &str = "11010519491231002X";

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn docx(body: &str) -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", xml.as_bytes()),
    ])
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn png() -> Vec<u8> {
    let mut b = PNG_MAGIC.to_vec();
    b.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
    b
}

fn jpeg() -> Vec<u8> {
    b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9".to_vec()
}

fn gif() -> Vec<u8> {
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;".to_vec()
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec()
}

fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = 0x0600u16.to_le_bytes().to_vec();
    d.extend_from_slice(&dt.to_le_bytes());
    d.extend_from_slice(&[0; 12]);
    record(0x0809, &d)
}

/// A BIFF8 cell record header: row, column, format index.
fn cell_head(row: u16, col: u16) -> Vec<u8> {
    [row.to_le_bytes(), col.to_le_bytes(), 0u16.to_le_bytes()].concat()
}

fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let mut d = cell_head(row, col);
    d.extend_from_slice(&(utf16.len() as u16).to_le_bytes());
    d.push(1); // fHighByte: UTF-16LE characters
    for u in utf16 {
        d.extend_from_slice(&u.to_le_bytes());
    }
    record(0x0204, &d)
}

fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
    let mut d = cell_head(row, col);
    d.extend_from_slice(&v.to_le_bytes());
    record(0x0203, &d)
}

fn dimensions(rows: u32, cols: u16) -> Vec<u8> {
    let mut d = 0u32.to_le_bytes().to_vec();
    d.extend_from_slice(&rows.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&cols.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    record(0x0200, &d)
}

/// An `.xls` with one sheet named `名单` holding `cells` (records).
fn xls_with(stream_name: &str, dims: Vec<u8>, cells: &[Vec<u8>]) -> Vec<u8> {
    let sheet_name = "Sheet1";
    let mut globals = bof(0x0005);
    let mut bound = Vec::new();
    bound.extend_from_slice(&0u32.to_le_bytes()); // patched below
    bound.extend_from_slice(&[0, 0, sheet_name.len() as u8, 0]);
    bound.extend_from_slice(sheet_name.as_bytes());
    let bound_at = globals.len() + 4;
    globals.extend(record(0x0085, &bound));
    globals.extend(record(0x000A, &[]));
    let pos = globals.len() as u32;
    globals[bound_at..bound_at + 4].copy_from_slice(&pos.to_le_bytes());
    let mut stream = globals;
    stream.extend(bof(0x0010));
    stream.extend(dims);
    for c in cells {
        stream.extend_from_slice(c);
    }
    stream.extend(record(0x000A, &[]));
    let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    cfb.create_stream(stream_name)
        .unwrap()
        .write_all(&stream)
        .unwrap();
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

fn xls() -> Vec<u8> {
    xls_with(
        "/Workbook",
        dimensions(3, 2),
        &[
            label(0, 0, "姓名"),
            label(0, 1, "编号"),
            label(2, 0, "张三"),
            number(2, 1, 42.0),
        ],
    )
}

#[test]
fn sniffs_each_kind_from_content() {
    let cases = [
        (pdf(), AttachmentKind::Pdf),
        (docx(&para("正文")), AttachmentKind::Docx),
        (xlsx(&[&["a"]]), AttachmentKind::Xlsx),
        (xls(), AttachmentKind::Xls),
        (png(), AttachmentKind::Png),
        (jpeg(), AttachmentKind::Jpeg),
        (gif(), AttachmentKind::Gif),
    ];
    for (bytes, kind) in cases {
        assert_eq!(sniff(&bytes), Some(kind), "{kind:?}");
    }
    // A PDF header after a little junk is still a PDF.
    assert_eq!(sniff(b"\r\n\r\n%PDF-1.7\n"), Some(AttachmentKind::Pdf));
    // Other ZIP and OLE2 files are not supported kinds.
    assert_eq!(sniff(&zip_of(&[("ppt/presentation.xml", b"<p/>")])), None);
    let mut doc = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    doc.create_stream("/WordDocument")
        .unwrap()
        .write_all(b"x")
        .unwrap();
    doc.flush().unwrap();
    assert_eq!(sniff(&doc.into_inner().into_inner()), None);
    // The old BIFF5 stream name counts too.
    assert_eq!(
        sniff(&xls_with("/Book", dimensions(1, 1), &[])),
        Some(AttachmentKind::Xls)
    );
    assert_eq!(sniff(b"MZ\x90\x00"), None);
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b"PK\x03\x04garbage"), None);
}

#[test]
fn kinds_have_media_types_extensions_and_labels() {
    assert_eq!(
        AttachmentKind::Docx.media_type(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(
        AttachmentKind::from_media_type("application/pdf; charset=binary"),
        Some(AttachmentKind::Pdf)
    );
    assert_eq!(
        AttachmentKind::from_extension("JPEG"),
        Some(AttachmentKind::Jpeg)
    );
    assert_eq!(AttachmentKind::from_extension("doc"), None);
    assert_eq!(AttachmentKind::Xls.label(), "Excel 表格");
    assert_eq!(AttachmentKind::Xls.description(), "Excel 表格（.xls）");
    assert_eq!(AttachmentKind::Gif.label(), "图片");
    for k in AttachmentKind::ALL {
        assert_eq!(AttachmentKind::from_media_type(k.media_type()), Some(k));
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.key()));
    }
}

#[test]
fn validates_good_uploads() {
    let limits = Limits::default();
    assert_eq!(
        validate("通知.pdf", &pdf(), &limits),
        Ok(AttachmentKind::Pdf)
    );
    assert_eq!(
        validate(" 附件1 办法.DOCX ", &docx(&para("x")), &limits),
        Ok(AttachmentKind::Docx)
    );
    assert_eq!(
        validate("名单.xlsx", &xlsx(&[&["a"]]), &limits),
        Ok(AttachmentKind::Xlsx)
    );
    assert_eq!(
        validate("旧表.xls", &xls(), &limits),
        Ok(AttachmentKind::Xls)
    );
    assert_eq!(
        validate("照片.JPG", &jpeg(), &limits),
        Ok(AttachmentKind::Jpeg)
    );
    assert_eq!(
        validate("照片.jpeg", &jpeg(), &limits),
        Ok(AttachmentKind::Jpeg)
    );
    assert_eq!(validate("图.png", &png(), &limits), Ok(AttachmentKind::Png));
    assert_eq!(
        validate("动图.gif", &gif(), &limits),
        Ok(AttachmentKind::Gif)
    );
}

#[test]
fn mismatched_extension_is_refused() {
    let limits = Limits::default();
    let err = validate("通知.pdf", &docx(&para("x")), &limits).unwrap_err();
    assert_eq!(err.code(), "content_mismatch");
    assert_eq!(
        err.to_string(),
        "附件“通知.pdf”的内容不是 PDF 文档（扩展名与文件内容不符，实际是 Word 文档（.docx））"
    );
    let err = validate("通知.pdf", b"just text", &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "附件“通知.pdf”的内容不是 PDF 文档（扩展名与文件内容不符）"
    );
    // A renamed .xlsx is not an .xls.
    let err = validate("表.xls", &xlsx(&[&["a"]]), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            AttachmentError::Mismatch {
                expected: AttachmentKind::Xls,
                found: Some(AttachmentKind::Xlsx),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(validate("图.png", &jpeg(), &limits).is_err());
}

#[test]
fn size_limits() {
    let limits = Limits::default();
    let mut big = pdf();
    big.resize(20 * 1024 * 1024 + 1, b' ');
    let err = validate("大文件.pdf", &big, &limits).unwrap_err();
    assert_eq!(err.to_string(), "附件“大文件.pdf”超过 20 MB 的大小限制");
    big.truncate(20 * 1024 * 1024);
    assert_eq!(
        validate("大文件.pdf", &big, &limits),
        Ok(AttachmentKind::Pdf)
    );
    let small = Limits {
        max_bytes: 1536 * 1024,
        ..Limits::default()
    };
    big.truncate(1536 * 1024 + 1);
    assert_eq!(
        validate("a.pdf", &big, &small).unwrap_err().to_string(),
        "附件“a.pdf”超过 1.5 MB 的大小限制"
    );
    let err = validate("空.pdf", b"", &limits).unwrap_err();
    assert_eq!(err.to_string(), "附件“空.pdf”是空文件");
}

#[test]
fn file_names_are_checked() {
    let limits = Limits::default();
    let code = |name: &str| validate(name, &pdf(), &limits).map_err(|e| e.code());
    assert_eq!(code("../a.pdf"), Err("bad_name"));
    assert_eq!(code("..\\a.pdf"), Err("bad_name"));
    assert_eq!(code("/etc/a.pdf"), Err("bad_name"));
    assert_eq!(code("a\u{0}.pdf"), Err("bad_name"));
    assert_eq!(code("a\nb.pdf"), Err("bad_name"));
    assert_eq!(code("a<b>.pdf"), Err("bad_name"));
    assert_eq!(code(".pdf"), Err("bad_name"));
    assert_eq!(code(".."), Err("bad_name"));
    assert_eq!(code(""), Err("empty_name"));
    assert_eq!(code("  "), Err("empty_name"));
    assert_eq!(code("通知"), Err("no_extension"));
    assert_eq!(code("通知."), Err("no_extension"));
    assert_eq!(code("setup.exe"), Err("unsupported_type"));
    let long = format!("{}.pdf", "长".repeat(196));
    assert_eq!(code(&long), Ok(AttachmentKind::Pdf));
    let too_long = format!("{}.pdf", "长".repeat(197));
    assert_eq!(code(&too_long), Err("name_too_long"));

    let err = validate("setup.exe", &pdf(), &limits).unwrap_err();
    assert!(
        err.to_string().starts_with("不支持的附件类型：.exe"),
        "{err}"
    );
    let err = validate("../通知.pdf", &pdf(), &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "附件文件名“../通知.pdf”不合法：不能含有路径分隔符（/ 或 \\）"
    );
    // Control characters are not echoed back.
    let err = validate("a\u{7}.pdf", &pdf(), &limits).unwrap_err();
    assert!(!err.to_string().contains('\u{7}'));
    assert_eq!(
        check_file_name(" 通知.PDF ", &limits),
        Ok(("通知.PDF".to_owned(), "pdf".to_owned()))
    );
}

#[test]
fn status_of_kinds_without_extraction() {
    let e = extract_text(AttachmentKind::Pdf, &pdf());
    assert_eq!(e.status, TextStatus::NeedsPdfTool);
    assert!(e.text.is_empty());
    assert_eq!(
        extract_text(AttachmentKind::Png, &png()).status,
        TextStatus::NoText
    );
}

#[test]
fn text_status_keys_and_labels() {
    for (status, key) in [
        (TextStatus::Extracted, "extracted"),
        (TextStatus::NoText, "no_text"),
        (TextStatus::NeedsPdfTool, "needs_pdf_tool"),
        (TextStatus::Failed("坏了".into()), "failed"),
    ] {
        assert_eq!(status.key(), key);
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{key}\""));
        let back: TextStatus = serde_json::from_str(&json).unwrap();
        assert_eq!(back.key(), key);
        assert!(!status.label().is_empty());
    }
    assert_eq!(TextStatus::Failed("坏了".into()).reason(), Some("坏了"));
    assert_eq!(TextStatus::from_key("failed").unwrap().reason(), None);
    assert!(serde_json::from_str::<TextStatus>("\"done\"").is_err());
    assert_eq!(TextStatus::NeedsPdfTool.label(), "待提取 PDF 文字");
}

#[test]
fn docx_text_in_document_order_with_a_table() {
    let cell = |paras: &[&str]| {
        let ps: String = paras.iter().map(|p| para(p)).collect();
        format!("<w:tc><w:tcPr/>{ps}</w:tc>")
    };
    let body = format!(
        concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:t xml:space="preserve">第一段</w:t><w:tab/><w:t>续&amp;完</w:t></w:r>"#,
            r#"<w:r><w:br/><w:t>换行</w:t></w:r>"#,
            r#"<w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del>"#,
            r#"<w:r><w:fldChar w:fldCharType="begin"/><w:instrText>PAGE</w:instrText></w:r></w:p>"#,
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
            "{}"
        ),
        cell(&["甲"]),
        cell(&["乙"]),
        cell(&["丙一", "丙二"]),
        cell(&[]),
        para("末段")
    );
    let e = extract_text(AttachmentKind::Docx, &docx(&body));
    assert_eq!(e.status, TextStatus::Extracted);
    assert!(!e.truncated);
    assert_eq!(e.text, "第一段 续&完\n换行\n甲\t乙\n丙一 丙二\n末段");
}

#[test]
fn docx_without_document_or_corrupt_fails() {
    let e = extract_text(
        AttachmentKind::Docx,
        &zip_of(&[("word/other.xml", b"<x/>")]),
    );
    assert!(matches!(e.status, TextStatus::Failed(_)), "{e:?}");
    let mut bytes = docx(&para("正文"));
    let len = bytes.len();
    bytes.truncate(len / 2);
    let e = extract_text(AttachmentKind::Docx, &bytes);
    assert!(matches!(e.status, TextStatus::Failed(_)), "{e:?}");
    let e = extract_text(AttachmentKind::Xlsx, b"PK\x03\x04\x14\x00broken");
    assert!(matches!(e.status, TextStatus::Failed(_)), "{e:?}");
    let e = extract_text(
        AttachmentKind::Xls,
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1broken",
    );
    assert!(matches!(e.status, TextStatus::Failed(_)), "{e:?}");
    // Broken XML: what came before the error is kept, the status says so.
    let bad = zip_of(&[(
        "word/document.xml",
        b"<w:document><w:body><w:p><w:r><w:t>\xE5\x89\x8D</w:t></w:r></w:p><w:p></x>",
    )]);
    let e = extract_text(AttachmentKind::Docx, &bad);
    assert!(matches!(e.status, TextStatus::Failed(_)), "{e:?}");
    assert_eq!(e.text, "前");
}

#[test]
fn huge_docx_is_truncated_not_exhausting_memory() {
    let line = para(&"很长的正文内容".repeat(50));
    let body = line.repeat(2400); // about 2.5 MB of text
    let bytes = docx(&body);
    assert!(bytes.len() < 1_000_000, "compresses well: {}", bytes.len());
    let e = extract_text(AttachmentKind::Docx, &bytes);
    assert_eq!(e.status, TextStatus::Extracted);
    assert!(e.truncated);
    assert!(e.text.len() <= 2_000_000 && e.text.len() > 1_900_000);
    assert!(e.text.starts_with("很长的正文内容"));

    // The per-entry cap stops reading the XML itself.
    let limits = ExtractLimits {
        max_entry_bytes: 10_000,
        ..ExtractLimits::default()
    };
    let e = extract_text_with(AttachmentKind::Docx, &bytes, &limits);
    assert_eq!(e.status, TextStatus::Extracted);
    assert!(e.truncated);
    assert!(
        e.text.len() < 10_000 && !e.text.is_empty(),
        "{}",
        e.text.len()
    );
}

#[test]
fn xlsx_zip_bomb_is_refused() {
    let sheet_xml = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>"#,
        " ".repeat(200_000)
    );
    let mut bytes = xlsx(&[&["a"]]);
    // Replace the sheet by a padded one.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let f = zip.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        drop(f);
        if name == "xl/worksheets/sheet1.xml" {
            w.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(sheet_xml.as_bytes()).unwrap();
        } else {
            w.raw_copy_file(zip.by_index(i).unwrap()).unwrap();
        }
    }
    bytes = w.finish().unwrap().into_inner();
    let limits = ExtractLimits {
        max_entry_bytes: 100_000,
        ..ExtractLimits::default()
    };
    let e = extract_text_with(AttachmentKind::Xlsx, &bytes, &limits);
    let TextStatus::Failed(reason) = &e.status else {
        panic!("{e:?}")
    };
    assert!(reason.contains("压缩炸弹"), "{reason}");
    // With the default limits the same file reads fine.
    assert_eq!(
        extract_text(AttachmentKind::Xlsx, &bytes).status,
        TextStatus::Extracted
    );
}

#[test]
fn xlsx_text_and_planted_resident_id_with_row() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s1 = book.add_worksheet();
    s1.set_name("名单").unwrap();
    s1.write_string(0, 0, "姓名").unwrap();
    s1.write_string(0, 1, "身份证号").unwrap();
    s1.write_string(1, 0, "李四").unwrap();
    s1.write_string(2, 0, "张三").unwrap();
    s1.write_string(2, 2, ID).unwrap();
    s1.write_number(3, 0, 12345.0).unwrap();
    s1.write_number(3, 1, 0.25).unwrap();
    let s2 = book.add_worksheet();
    s2.write_string(1, 1, "联系电话 13812345678").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let e = extract_text(AttachmentKind::Xlsx, &bytes);
    assert_eq!(e.status, TextStatus::Extracted);
    assert_eq!(
        e.text,
        format!(
            "【工作表：名单】\n姓名\t身份证号\n李四\n张三\t\t{ID}\n12345\t0.25\n【工作表：Sheet2】\n\n\t联系电话 13812345678"
        )
    );

    let words = SensitiveWords::parse_list("!张三").unwrap();
    let found = check_attachment_text("名单.xlsx", &e.text, &words);
    let summary: Vec<(FindingKind, &str)> = found
        .iter()
        .map(|f| (f.kind, &e.text[f.span.clone().unwrap()]))
        .collect();
    assert_eq!(
        summary,
        vec![
            (FindingKind::SensitiveWord, "张三"),
            (FindingKind::ResidentId, ID),
            (FindingKind::MobilePhone, "13812345678"),
        ]
    );
    assert!(found.iter().all(|f| f.field == Field::Attachments));
    assert_eq!(
        found[1].message,
        "附件“名单.xlsx”（工作表“名单”第 3 行）中疑似身份证号：110105********002X，公开前须删除或遮蔽"
    );
    assert!(!found[1].message.contains(ID));
    assert!(
        found[2].message.contains("工作表“Sheet2”第 2 行"),
        "{}",
        found[2].message
    );
    assert_eq!(
        excerpt(&e.text, found[1].span.clone().unwrap(), 10).as_deref(),
        Some("张三  【110105********002X】")
    );
}

#[test]
fn xls_text_via_calamine() {
    let e = extract_text(AttachmentKind::Xls, &xls());
    assert_eq!(e.status, TextStatus::Extracted, "{e:?}");
    assert_eq!(e.text, "【工作表：Sheet1】\n姓名\t编号\n\n张三\t42");
}

#[test]
fn hostile_xls_ranges_are_refused_before_calamine() {
    // A Dimensions record claiming 4 billion rows.
    let e = extract_text(
        AttachmentKind::Xls,
        &xls_with("/Workbook", dimensions(u32::MAX, 255), &[]),
    );
    let TextStatus::Failed(reason) = &e.status else {
        panic!("{e:?}")
    };
    assert!(reason.contains("范围过大"), "{reason}");
    // Two cells in opposite corners: a dense range of 4 billion cells.
    let e = extract_text(
        AttachmentKind::Xls,
        &xls_with(
            "/Workbook",
            dimensions(1, 1),
            &[number(0, 0, 1.0), number(65535, 65535, 2.0)],
        ),
    );
    let TextStatus::Failed(reason) = &e.status else {
        panic!("{e:?}")
    };
    assert!(reason.contains("范围过大"), "{reason}");
}

#[test]
fn docx_findings_name_the_line_and_excerpt_masks() {
    let body = format!(
        "{}{}{}",
        para("关于公布名单的通知"),
        para("各单位："),
        para(&format!(
            "申请人张三，身份证号{ID}，电话13812345678，特此通知。"
        ))
    );
    let e = extract_text(AttachmentKind::Docx, &docx(&body));
    let found = check_attachment_text("通知.docx", &e.text, &SensitiveWords::empty());
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].kind, FindingKind::ResidentId);
    assert!(
        found[0]
            .message
            .starts_with("附件“通知.docx”（第 3 行）中疑似身份证号"),
        "{}",
        found[0].message
    );
    let ex = excerpt(&e.text, found[0].span.clone().unwrap(), 6).unwrap();
    assert_eq!(ex, "…三，身份证号【110105********002X】，电话138****5678…");
    let ex = excerpt(&e.text, found[1].span.clone().unwrap(), 3).unwrap();
    assert_eq!(ex, "…，电话【138****5678】，特此…");
    assert_eq!(excerpt(&e.text, 0..10_000, 3), None);
}

#[test]
fn excerpt_never_shows_a_cut_number() {
    let text = format!("甲{ID}乙丙丁戊己");
    // The hit is the last word; the radius ends inside the number.
    let span = text.len() - "己".len()..text.len();
    let ex = excerpt(&text, span, 6).unwrap();
    assert_eq!(ex, "…110105********002X乙丙丁戊【己】");
}

fn any_kind() -> impl Strategy<Value = AttachmentKind> {
    proptest::sample::select(AttachmentKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), kind in any_kind()) {
        let _ = sniff(&bytes);
        let _ = validate("a.pdf", &bytes, &Limits::default());
        let e = extract_text(kind, &bytes);
        prop_assert!(e.text.len() <= ExtractLimits::default().max_text_bytes);
    }

    #[test]
    fn never_panics_behind_container_magic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        ole in any::<bool>(),
        kind in proptest::sample::select(vec![AttachmentKind::Docx, AttachmentKind::Xlsx, AttachmentKind::Xls]),
    ) {
        let mut bytes = if ole { OLE2_MAGIC.to_vec() } else { ZIP_MAGIC.to_vec() };
        bytes.extend_from_slice(&tail);
        let _ = sniff(&bytes);
        let _ = extract_text(kind, &bytes);
    }

    #[test]
    fn never_panics_on_damaged_real_files(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let (mut bytes, kind) = match which {
            0 => (docx(&para("正文")), AttachmentKind::Docx),
            1 => (xlsx(&[&["a", "b"], &["c"]]), AttachmentKind::Xlsx),
            _ => (xls(), AttachmentKind::Xls),
        };
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        let _ = sniff(&bytes);
        let _ = extract_text(kind, &bytes);
    }

    #[test]
    fn excerpt_is_total_and_masks_ids(prefix in "[\u{4e00}-\u{9fa5}a-z0-9 \n]{0,20}", suffix in "[\u{4e00}-\u{9fa5}a-z \n]{0,20}", radius in 0usize..12) {
        let text = format!("{prefix} {ID}{suffix}");
        let at = prefix.len() + 1;
        let ex = excerpt(&text, at..at + ID.len(), radius).unwrap();
        prop_assert!(!ex.contains("19491231"), "{}", ex);
    }
}
