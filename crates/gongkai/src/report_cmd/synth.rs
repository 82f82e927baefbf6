//! Synthetic annual reports for the benchmark: varied agencies, years,
//! formats, numbers, narrative lengths and layouts (tab-separated text with
//! row paths, Markdown pipe tables, HTML with the official merged cells),
//! most balanced, some with a planted mistake. Deterministic for a seed.
//! Labels come from `gongkai_report::spec`, never retyped here.

use gongkai_report::spec::{
    FormatSpec, FormatVersion, SECTIONS, T2_CONTENT_HEADER, T3_APPLICANT_GROUP, T3_COLUMNS,
    T3_CORNER, T3_GROUP_RESULTS, T3_ORGANISATION_GROUP, T4_COLUMNS, T4_LITIGATION,
    T4_RECONSIDERATION, T4_ROWS, TableId, ValueKind,
};
use std::fmt::Write as _;

/// SplitMix64: small, fast, good enough to vary test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Mostly small counts, sometimes zero, now and then large.
    fn count(&mut self, scale: u64) -> i64 {
        if self.chance(35) {
            0
        } else {
            self.below(scale + 1) as i64
        }
    }
}

/// The layout a synthetic report is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Tab-separated rows labelled with the row path, as transcribed from a page.
    Text,
    /// Markdown headings and pipe tables.
    Markdown,
    /// An HTML page with the official merged header and label cells.
    Html,
}

impl Layout {
    pub fn extension(self) -> &'static str {
        match self {
            Layout::Text => "txt",
            Layout::Markdown => "md",
            Layout::Html => "html",
        }
    }
}

/// A mistake planted on purpose, so that the checker has work to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mistake {
    /// One outcome cell off by one: T3_HANDLED_TOTAL, T3_APPLICANT_TOTAL.
    T3Cell,
    /// A table 四 total that is not the sum of its group.
    T4Total,
    /// Section 六 says nothing about the 信息处理费.
    NoFeeStatement,
    /// A placeholder where a number is due.
    BlankCell,
    /// The narrative quotes another number of requests than table 三.
    TextMismatch,
}

/// One synthetic report, as values.
pub struct Synthetic {
    pub format: FormatVersion,
    pub year: i32,
    pub agency: String,
    /// Table 二 rows in spec order: values per column ("/" for a blank).
    t2: Vec<Vec<String>>,
    /// Table 三 rows in spec order × the 7 columns.
    t3: Vec<[i64; 7]>,
    /// Table 四: 3 groups × 5 columns.
    t4: [[i64; 5]; 3],
    pub mistake: Option<Mistake>,
    paragraphs: Vec<String>,
}

const PLACES: [&str; 12] = [
    "示例市",
    "青川县",
    "临河区",
    "东平县",
    "南湖区",
    "西山市",
    "北岭县",
    "云溪区",
    "石桥镇",
    "安平县",
    "长宁区",
    "白水县",
];
const OFFICES: [&str; 12] = [
    "人民政府办公室",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "卫生健康委员会",
    "市场监督管理局",
    "教育局",
    "审批服务管理局",
    "人力资源和社会保障局",
    "财政局",
];
const FILLER: [&str; 8] = [
    "坚持以公开为常态、不公开为例外，围绕中心工作和群众关切，持续深化政务公开，推动政府信息公开工作规范化、标准化。",
    "严格落实信息发布审核制度，坚持先审后发，严把政治关、法律关、政策关、保密关、文字关，确保发布信息权威准确。",
    "加强政府网站和政务新媒体建设，优化栏目设置，及时更新内容，提升信息发布、解读回应和互动交流水平。",
    "规范依申请公开办理流程，严格按照法定时限答复，做到受理、审查、答复各环节有据可查。",
    "定期开展政务公开业务培训，提高工作人员的公开意识和业务能力，将政务公开纳入年度绩效考核。",
    "做好政策解读工作，采用图文、视频等多种形式解读重要政策文件，增强解读的针对性和可读性。",
    "完善政府信息管理制度，动态更新政府信息公开指南和目录，对规范性文件进行清理并及时公布结果。",
    "畅通社会监督渠道，认真听取公众意见建议，及时回应社会关切，主动接受人大、政协和社会各界监督。",
];
const SUBHEADINGS: [&str; 5] = [
    "（一）主动公开",
    "（二）依申请公开",
    "（三）政府信息管理",
    "（四）平台建设",
    "（五）监督保障",
];

/// Whether the report's section 六 states that fee notices were sent.
fn sends_fee_notices(year: i32) -> bool {
    year % 3 == 0
}

/// A paragraph with the sub-heading that precedes it, if any.
type Paragraph = (Option<&'static str>, String);

fn column_scale(column: usize, size: u64) -> u64 {
    match column {
        0 => size,
        1 => size / 8 + 1,
        _ => 1,
    }
}

impl Synthetic {
    /// The `index`-th report of a corpus made from `seed`.
    pub fn generate(seed: u64, index: u64) -> Synthetic {
        let mut rng = Rng::new(seed ^ index.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let year = if rng.chance(15) {
            2019 + rng.below(2) as i32
        } else {
            2021 + rng.below(4) as i32
        };
        let format = FormatVersion::for_year(year);
        let spec = FormatSpec::get(format);
        let agency = format!("{}{}", rng.pick(&PLACES), rng.pick(&OFFICES));
        let size = *rng.pick(&[0, 5, 20, 60, 200, 800]);

        let t2 = spec
            .rows(TableId::T2)
            .into_iter()
            .map(|(_, cols)| {
                cols.iter()
                    .map(|c| match c.kind {
                        ValueKind::Amount => {
                            format!("{}.{:02}", rng.below(5000), rng.below(100))
                        }
                        ValueKind::SignedCount => (rng.count(10) - 5).to_string(),
                        ValueKind::Count => rng.count(size * 10).to_string(),
                    })
                    .collect()
            })
            .collect();

        // Table 三: outcomes per column, then the totals that balance them.
        let rows = spec.t3_rows;
        let index_of = |key: &str| rows.iter().position(|r| r.key == key).unwrap_or(0);
        let (new_received, carried_over) = (index_of("new_received"), index_of("carried_over"));
        let (handled, forward) = (index_of("handled_total"), index_of("carried_forward"));
        let mut t3 = vec![[0i64; 7]; rows.len()];
        #[expect(
            clippy::needless_range_loop,
            reason = "col indexes a column across many rows"
        )]
        for col in 0..6 {
            let scale = column_scale(col, size);
            let mut sum = 0;
            for (i, row) in rows.iter().enumerate() {
                if [new_received, carried_over, handled, forward].contains(&i) {
                    continue;
                }
                // Applications dropped for unpaid fees only where section 六
                // reports fee notices (see `sections`).
                let v = if row.key == "other.fee_unpaid" && !sends_fee_notices(year) {
                    0
                } else if row.key == "granted" {
                    rng.count(scale)
                } else {
                    rng.count(scale / 6)
                };
                t3[i][col] = v;
                sum += v;
            }
            t3[handled][col] = sum;
            t3[forward][col] = rng.count(scale / 10);
            t3[carried_over][col] = rng.below((sum + t3[forward][col]) as u64 / 5 + 1) as i64;
            t3[new_received][col] = sum + t3[forward][col] - t3[carried_over][col];
        }
        for row in &mut t3 {
            row[6] = row[..6].iter().sum();
        }

        let mut t4 = [[0i64; 5]; 3];
        for group in &mut t4 {
            for v in &mut group[..4] {
                *v = rng.count(size / 50 + 1);
            }
            group[4] = group[..4].iter().sum();
        }

        let mistake = if rng.chance(12) {
            Some(*rng.pick(&[
                Mistake::T3Cell,
                Mistake::T4Total,
                Mistake::NoFeeStatement,
                Mistake::BlankCell,
                Mistake::TextMismatch,
            ]))
        } else {
            None
        };
        let mut s = Synthetic {
            format,
            year,
            agency,
            t2,
            t3,
            t4,
            mistake,
            paragraphs: Vec::new(),
        };
        match mistake {
            Some(Mistake::T3Cell) => s.t3[index_of("granted")][0] += 1,
            Some(Mistake::T4Total) => s.t4[0][4] += 1,
            Some(Mistake::BlankCell) => {
                if let Some(cell) = s.t2.first_mut().and_then(|r| r.first_mut()) {
                    *cell = "/".into();
                }
            }
            _ => {}
        }
        let filler = 1 + rng.below(6) as usize;
        s.paragraphs = (0..filler)
            .map(|_| {
                let n = 1 + rng.below(4) as usize;
                (0..n).map(|_| *rng.pick(&FILLER)).collect::<String>()
            })
            .collect();
        s
    }

    fn t3_total(&self, key: &str) -> i64 {
        let spec = FormatSpec::get(self.format);
        spec.t3_rows
            .iter()
            .position(|r| r.key == key)
            .map_or(0, |i| self.t3[i][6])
    }

    /// Sections as (heading, paragraphs) with sub-headings in section 一.
    fn sections(&self) -> Vec<(&'static str, Vec<Paragraph>)> {
        let published: i64 = 100 + (self.year as i64 % 7) * 37;
        let web = published * 2 / 3;
        let mut received = self.t3_total("new_received");
        if self.mistake == Some(Mistake::TextMismatch) {
            received += 3;
        }
        let mut one = vec![
            (
                Some(SUBHEADINGS[0]),
                format!(
                    "{}年，本机关主动公开政府信息 {published} 条，其中在门户网站发布 {web} 条，通过政务新媒体发布 {} 条。",
                    self.year,
                    published - web
                ),
            ),
            (
                Some(SUBHEADINGS[1]),
                if received == 0 {
                    format!("{}年未收到政府信息公开申请。", self.year)
                } else {
                    format!(
                        "{}年共收到政府信息公开申请 {received} 件，均在法定期限内答复。",
                        self.year
                    )
                },
            ),
        ];
        for (i, heading) in SUBHEADINGS[2..].iter().enumerate() {
            let text = self
                .paragraphs
                .get(i % self.paragraphs.len().max(1))
                .cloned()
                .unwrap_or_default();
            one.push((Some(*heading), text));
        }
        for p in self.paragraphs.iter().skip(3) {
            one.push((None, p.clone()));
        }
        let fee = match self.mistake {
            Some(Mistake::NoFeeStatement) => "暂无需要报告的事项。".to_string(),
            _ if sends_fee_notices(self.year) => {
                "本年度共发出收费通知 1 件，收取信息处理费 0.01 万元。".to_string()
            }
            _ => "本年度未收取信息处理费。".to_string(),
        };
        vec![
            (SECTIONS[0].heading, one),
            (SECTIONS[1].heading, vec![]),
            (SECTIONS[2].heading, vec![]),
            (SECTIONS[3].heading, vec![]),
            (
                SECTIONS[4].heading,
                vec![(
                    None,
                    "一是政策解读形式还不够丰富；二是依申请公开答复的规范性有待提高。下一步将加强培训，完善制度，提升工作质量。"
                        .to_string(),
                )],
            ),
            (SECTIONS[5].heading, vec![(None, fee)]),
        ]
    }

    fn title(&self) -> String {
        format!("{}{}年政府信息公开工作年度报告", self.agency, self.year)
    }

    /// The report in `layout`.
    pub fn render(&self, layout: Layout) -> String {
        match layout {
            Layout::Text => self.text(false),
            Layout::Markdown => self.text(true),
            Layout::Html => self.html(),
        }
    }

    /// Rows of one table as (label path, values), in spec order.
    fn table_rows(&self, table: TableId) -> Vec<(Vec<&'static str>, Vec<String>)> {
        let spec = FormatSpec::get(self.format);
        match table {
            TableId::T2 => spec
                .rows(TableId::T2)
                .iter()
                .zip(&self.t2)
                .map(|((r, _), v)| (vec![r.label], v.clone()))
                .collect(),
            TableId::T3 => spec
                .t3_rows
                .iter()
                .zip(&self.t3)
                .map(|(r, v)| {
                    let mut path = Vec::new();
                    if let Some(g) = r.group {
                        if g != T3_GROUP_RESULTS {
                            path.push(T3_GROUP_RESULTS);
                        }
                        path.push(g);
                    }
                    path.push(r.label);
                    (path, v.iter().map(i64::to_string).collect())
                })
                .collect(),
            TableId::T4 => T4_ROWS
                .iter()
                .zip(&self.t4)
                .map(|(r, v)| {
                    let mut path: Vec<_> = r.group.into_iter().collect();
                    path.push(r.label);
                    (path, v.iter().map(i64::to_string).collect())
                })
                .collect(),
        }
    }

    fn text(&self, markdown: bool) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let h = |level: usize| {
            if markdown {
                "#".repeat(level) + " "
            } else {
                String::new()
            }
        };
        let row = |out: &mut String, cells: &[String]| {
            if markdown {
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            } else {
                let _ = writeln!(out, "{}", cells.join("\t"));
            }
        };
        let header = |out: &mut String, cells: &[String]| {
            row(out, cells);
            if markdown {
                let _ = writeln!(out, "|{}", "---|".repeat(cells.len()));
            }
        };
        let label_sep = if markdown { " " } else { "/" };
        let _ = writeln!(out, "{}{}\n", h(1), self.title());
        let spec = FormatSpec::get(self.format);
        for (heading, paragraphs) in self.sections() {
            let _ = writeln!(out, "{}{heading}\n", h(2));
            for (sub, text) in &paragraphs {
                if let Some(sub) = sub {
                    let _ = writeln!(out, "{}{sub}\n", h(3));
                }
                let _ = writeln!(out, "{text}\n");
            }
            if heading == SECTIONS[1].heading {
                let rows = self.table_rows(TableId::T2);
                let mut i = 0;
                for sub in spec.t2 {
                    let _ = writeln!(out, "{}\n", sub.item);
                    let mut head = vec![T2_CONTENT_HEADER.to_string()];
                    head.extend(sub.columns.iter().map(|c| c.label.to_string()));
                    header(&mut out, &head);
                    for _ in sub.rows {
                        if let Some((label, values)) = rows.get(i) {
                            let mut cells = vec![label.join(label_sep)];
                            cells.extend(values.iter().cloned());
                            row(&mut out, &cells);
                        }
                        i += 1;
                    }
                    out.push('\n');
                }
            } else if heading == SECTIONS[2].heading || heading == SECTIONS[3].heading {
                let (table, first, columns) = if heading == SECTIONS[2].heading {
                    (TableId::T3, T3_CORNER, &T3_COLUMNS[..])
                } else {
                    (TableId::T4, "项目", &T4_COLUMNS[..])
                };
                let mut head = vec![first.to_string()];
                head.extend(columns.iter().map(|c| c.label.to_string()));
                header(&mut out, &head);
                for (label, values) in self.table_rows(table) {
                    let mut cells = vec![label.join(label_sep)];
                    cells.extend(values);
                    row(&mut out, &cells);
                }
                out.push('\n');
            }
        }
        out
    }

    fn html(&self) -> String {
        let mut o = String::with_capacity(16 * 1024);
        let title = escape(&self.title());
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><div class=\"article\">\n<h1>{title}</h1>\n"
        );
        let spec = FormatSpec::get(self.format);
        for (heading, paragraphs) in self.sections() {
            let _ = writeln!(o, "<h2>{}</h2>", escape(heading));
            for (sub, text) in &paragraphs {
                if let Some(sub) = sub {
                    let _ = writeln!(o, "<p><strong>{}</strong></p>", escape(sub));
                }
                let _ = writeln!(o, "<p>{}</p>", escape(text));
            }
            if heading == SECTIONS[1].heading {
                self.html_t2(&mut o, spec);
            } else if heading == SECTIONS[2].heading {
                self.html_t3(&mut o, spec);
            } else if heading == SECTIONS[3].heading {
                self.html_t4(&mut o);
            }
        }
        o.push_str("</div></body></html>\n");
        o
    }

    fn html_t2(&self, o: &mut String, spec: &FormatSpec) {
        o.push_str("<table border=\"1\" cellspacing=\"0\">\n");
        let rows = self.table_rows(TableId::T2);
        let mut i = 0;
        for sub in spec.t2 {
            let width = sub.columns.len() + 1;
            let _ = writeln!(
                o,
                "<tr><td colspan=\"{width}\">{}</td></tr>",
                escape(sub.item)
            );
            let _ = write!(o, "<tr><td>{}</td>", T2_CONTENT_HEADER);
            for c in sub.columns {
                let _ = write!(o, "<td>{}</td>", escape(c.label));
            }
            o.push_str("</tr>\n");
            for _ in sub.rows {
                if let Some((label, values)) = rows.get(i) {
                    cells_row(o, &[(label.join(""), 1, 1)], values);
                }
                i += 1;
            }
        }
        o.push_str("</table>\n");
    }

    fn html_t3(&self, o: &mut String, spec: &FormatSpec) {
        o.push_str("<table border=\"1\" cellspacing=\"0\">\n");
        let _ = writeln!(
            o,
            "<tr><td rowspan=\"3\" colspan=\"3\">{}</td><td colspan=\"7\">{}</td></tr>",
            escape(T3_CORNER),
            T3_APPLICANT_GROUP
        );
        let _ = writeln!(
            o,
            "<tr><td rowspan=\"2\">{}</td><td colspan=\"5\">{}</td><td rowspan=\"2\">{}</td></tr>",
            T3_COLUMNS[0].label, T3_ORGANISATION_GROUP, T3_COLUMNS[6].label
        );
        o.push_str("<tr>");
        for c in &T3_COLUMNS[1..6] {
            let _ = write!(o, "<td>{}</td>", escape(c.label));
        }
        o.push_str("</tr>\n");
        // Official layout: 三、本年度办理结果 spans all outcome rows; each
        // sub-group label spans its rows; ungrouped labels span columns.
        let in_results = spec.t3_rows.iter().filter(|r| r.group.is_some()).count();
        let mut previous_group = None;
        for (r, (_, values)) in spec.t3_rows.iter().zip(self.table_rows(TableId::T3)) {
            let mut labels: Vec<(String, usize, usize)> = Vec::new();
            match r.group {
                None => labels.push((r.label.to_string(), 1, 3)),
                Some(g) => {
                    if previous_group.is_none() {
                        labels.push((T3_GROUP_RESULTS.to_string(), in_results, 1));
                    }
                    if g == T3_GROUP_RESULTS {
                        labels.push((r.label.to_string(), 1, 2));
                    } else {
                        if previous_group != Some(g) {
                            let span = spec.t3_rows.iter().filter(|x| x.group == Some(g)).count();
                            labels.push((g.to_string(), span, 1));
                        }
                        labels.push((r.label.to_string(), 1, 1));
                    }
                }
            }
            previous_group = r.group;
            cells_row(o, &labels, &values);
        }
        o.push_str("</table>\n");
    }

    fn html_t4(&self, o: &mut String) {
        o.push_str("<table border=\"1\" cellspacing=\"0\">\n");
        let _ = writeln!(
            o,
            "<tr><td colspan=\"5\">{T4_RECONSIDERATION}</td><td colspan=\"10\">{T4_LITIGATION}</td></tr>"
        );
        o.push_str("<tr>");
        for c in &T4_COLUMNS {
            let _ = write!(o, "<td rowspan=\"2\">{}</td>", c.label);
        }
        for r in &T4_ROWS[1..] {
            let _ = write!(o, "<td colspan=\"5\">{}</td>", r.label);
        }
        o.push_str("</tr>\n<tr>");
        for _ in 0..2 {
            for c in &T4_COLUMNS {
                let _ = write!(o, "<td>{}</td>", c.label);
            }
        }
        o.push_str("</tr>\n<tr>");
        for group in &self.t4 {
            for v in group {
                let _ = write!(o, "<td>{v}</td>");
            }
        }
        o.push_str("</tr>\n</table>\n");
    }
}

/// One `<tr>`: label cells with (rowspan, colspan), then the values.
fn cells_row(o: &mut String, labels: &[(String, usize, usize)], values: &[String]) {
    o.push_str("<tr>");
    for (text, rowspan, colspan) in labels {
        o.push_str("<td");
        if *rowspan > 1 {
            let _ = write!(o, " rowspan=\"{rowspan}\"");
        }
        if *colspan > 1 {
            let _ = write!(o, " colspan=\"{colspan}\"");
        }
        let _ = write!(o, ">{}</td>", escape(text));
    }
    for v in values {
        let _ = write!(o, "<td>{}</td>", escape(v));
    }
    o.push_str("</tr>\n");
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_balance_unless_a_mistake_is_planted() {
        for i in 0..200 {
            let s = Synthetic::generate(7, i);
            let spec = FormatSpec::get(s.format);
            let at = |k: &str| spec.t3_rows.iter().position(|r| r.key == k).unwrap();
            for col in 0..7 {
                let lhs = s.t3[at("new_received")][col] + s.t3[at("carried_over")][col];
                let rhs = s.t3[at("handled_total")][col] + s.t3[at("carried_forward")][col];
                assert_eq!(lhs, rhs, "report {i} column {col}");
                assert!(s.t3.iter().all(|r| r.iter().all(|v| *v >= 0)));
            }
            let t4_ok = s.t4.iter().all(|g| g[4] == g[..4].iter().sum::<i64>());
            assert_eq!(t4_ok, s.mistake != Some(Mistake::T4Total), "report {i}");
            let outcomes: i64 = spec
                .t3_rows
                .iter()
                .zip(&s.t3)
                .filter(|(r, _)| {
                    !matches!(
                        r.key,
                        "new_received" | "carried_over" | "handled_total" | "carried_forward"
                    )
                })
                .map(|(_, v)| v[0])
                .sum();
            let handled = s.t3[at("handled_total")][0];
            assert_eq!(
                outcomes == handled,
                s.mistake != Some(Mistake::T3Cell),
                "report {i}"
            );
        }
    }

    #[test]
    fn corpus_varies_and_is_deterministic() {
        let a: Vec<_> = (0..50)
            .map(|i| Synthetic::generate(1, i).render(Layout::Text))
            .collect();
        let b: Vec<_> = (0..50)
            .map(|i| Synthetic::generate(1, i).render(Layout::Text))
            .collect();
        assert_eq!(a, b);
        let mut distinct = a.clone();
        distinct.sort();
        distinct.dedup();
        assert!(distinct.len() > 45);
        let formats: std::collections::BTreeSet<_> =
            (0..100).map(|i| Synthetic::generate(1, i).format).collect();
        assert_eq!(formats.len(), 2, "both formats appear");
        let mistakes = (0..200)
            .filter(|i| Synthetic::generate(1, *i).mistake.is_some())
            .count();
        assert!((5..60).contains(&mistakes), "{mistakes}");
    }

    /// The corpus means what it says: clean reports check clean, planted
    /// mistakes are found, in every layout.
    #[test]
    fn checker_finds_exactly_the_planted_mistakes() {
        use gongkai_report::{CheckOptions, Rule, Severity};
        let mut problems = Vec::new();
        for i in 0..40 {
            let s = Synthetic::generate(11, i);
            for layout in [Layout::Text, Layout::Markdown, Layout::Html] {
                let name = format!("r.{}", layout.extension());
                let report = match gongkai_report::parse(s.render(layout).as_bytes(), Some(&name)) {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(format!("{i} {layout:?}: {e}"));
                        continue;
                    }
                };
                let found: Vec<Rule> = gongkai_report::check(&report, &CheckOptions::default())
                    .into_iter()
                    .filter(|d| d.severity != Severity::Info)
                    .map(|d| d.rule)
                    .collect();
                let expected: &[Rule] = match s.mistake {
                    None => &[],
                    Some(Mistake::T3Cell) => &[Rule::T3HandledTotal, Rule::T3ApplicantTotal],
                    Some(Mistake::T4Total) => &[Rule::T4Total],
                    // Required from the 2021 reports on (国办函〔2020〕109号).
                    Some(Mistake::NoFeeStatement) if s.year <= 2020 => &[],
                    Some(Mistake::NoFeeStatement) => &[Rule::FeeStatementMissing],
                    Some(Mistake::BlankCell) => &[Rule::CellBlank],
                    Some(Mistake::TextMismatch) => &[Rule::TextTableMismatch],
                };
                let mut found_sorted = found.clone();
                found_sorted.sort();
                found_sorted.dedup();
                let mut expected = expected.to_vec();
                expected.sort();
                if found_sorted != expected {
                    problems.push(format!("{i} {layout:?} {:?}: found {found:?}", s.mistake));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn layouts_carry_the_official_labels() {
        let s = Synthetic::generate(3, 0);
        let text = s.render(Layout::Text);
        assert!(text.contains("三、本年度办理结果/（三）不予公开/1.属于国家秘密\t"));
        assert!(text.contains("六、其他需要报告的事项"));
        let md = s.render(Layout::Markdown);
        assert!(md.contains("## 三、收到和处理政府信息公开申请情况"));
        assert!(md.contains("| 四、结转下年度继续办理 |"));
        let html = s.render(Layout::Html);
        assert!(
            html.contains("<td rowspan=\"8\">（三）不予公开</td>"),
            "{html}"
        );
        assert!(html.contains("<td colspan=\"10\">行政诉讼</td>"));
        assert_eq!(html.matches("<table").count(), 3);
    }
}
