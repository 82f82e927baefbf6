//! Synthetic published items for `gongkai bench portal`: titles and bodies composed from a
//! vocabulary of phrases of real government documents, spread over the demo bureau's thirteen
//! columns and the years 2015–2026. Deterministic: item `i` depends only on the seed and `i`.
//!
//! Terms are drawn with a skewed distribution (the first terms of a list are common, the last
//! ones rare), so that searches meet both very frequent and seldom-seen words.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use gongkai_proactive::{ColumnKey, DocumentNumber};
use gongkai_store::bulk::BulkItem;

/// The corpus seed.
pub const SEED: u64 = 2015;

/// The demo bureau's columns with their weights (how often an item is filed there).
pub const COLUMNS: &[(&str, u32)] = &[
    ("annual_reports", 1),
    ("guide", 1),
    ("rule_of_law_reports", 1),
    ("overview", 3),
    ("department_documents", 20),
    ("plans", 6),
    ("key_work", 12),
    ("fiscal_funds", 8),
    ("service_bulletins", 12),
    ("business_environment", 10),
    ("project_approvals", 12),
    ("business_approvals", 10),
    ("other", 4),
];

/// Subjects of documents, most common first.
pub const SUBJECTS: &[&str] = &[
    "政务服务",
    "行政审批",
    "企业开办",
    "营商环境",
    "建设项目",
    "好差评",
    "行政许可",
    "环评",
    "水土保持",
    "财政资金",
    "一网通办",
    "政府信息公开",
    "证照分离",
    "告知承诺制",
    "工程建设项目审批",
    "投资项目",
    "市场主体",
    "双随机一公开",
    "事中事后监管",
    "跨省通办",
    "一件事一次办",
    "帮办代办",
    "政务服务中心",
    "便民服务",
    "12345热线",
    "电子证照",
    "承诺制审批",
    "施工许可",
    "竣工验收",
    "规划许可",
    "用地预审",
    "安全生产",
    "消防设计审查",
    "排污许可",
    "取水许可",
    "食品经营许可",
    "药品零售",
    "医疗机构执业",
    "民办学校",
    "道路运输",
    "建筑业企业资质",
    "招标投标",
    "政府采购",
    "预算公开",
    "决算公开",
    "三公经费",
    "专项资金",
    "转移支付",
    "绩效评价",
    "减税降费",
    "惠企政策",
    "稳岗补贴",
    "创业担保贷款",
    "就业创业",
    "乡村振兴",
    "农村人居环境",
    "高标准农田",
    "农业产业化",
    "特色产业",
    "文化旅游",
    "生态保护",
    "黄河流域",
    "大气污染防治",
    "水污染防治",
    "土壤污染防治",
    "节能审查",
    "能评",
    "社会稳定风险评估",
    "重大行政决策",
    "规范性文件",
    "法治政府建设",
    "行政执法三项制度",
    "权责清单",
    "负面清单",
    "公平竞争审查",
    "信用体系建设",
    "信用修复",
    "失信惩戒",
    "数字政府",
    "数据共享",
    "政务公开",
    "基层政务公开",
    "依申请公开",
    "政策解读",
    "新闻发布",
    "舆情回应",
    "人大代表建议",
    "政协委员提案",
    "安全生产月",
    "防汛抗旱",
    "森林防火",
    "疫情防控",
    "应急管理",
    "营业执照",
    "名称自主申报",
    "简易注销",
    "个体工商户",
    "小微企业",
    "专精特新",
    "招商引资",
    "园区建设",
    "宁东能源化工基地",
    "灵武羊绒产业园",
    "长枣产业",
    "光伏发电",
    "风电项目",
    "煤化工",
    "新能源",
    "储能项目",
    "输变电工程",
    "城市更新",
    "老旧小区改造",
    "保障性住房",
    "物业管理",
    "市政道路",
    "供热管网",
    "污水处理厂",
    "垃圾分类",
    "海绵城市",
    "河湖长制",
    "林长制",
    "水资源论证",
    "节水型社会",
    "地质灾害",
    "矿产资源",
    "不动产登记",
    "耕地保护",
    "土地征收",
    "拆迁安置",
    "移民安置",
    "社会保险",
    "医疗保障",
    "养老服务",
    "残疾人补贴",
    "低保",
    "特困供养",
    "临时救助",
    "退役军人",
    "义务教育",
    "学前教育",
    "职业教育",
    "校外培训",
    "公共卫生",
    "计划生育",
    "人口普查",
    "经济普查",
    "统计调查",
    "价格监测",
    "审计整改",
    "巡察整改",
    "作风建设",
    "营商环境评价",
    "办不成事反映窗口",
    "首问负责制",
    "容缺受理",
    "并联审批",
    "区域评估",
    "多规合一",
    "多测合一",
    "联合验收",
    "中介服务",
    "模拟审批",
    "拿地即开工",
    "标准地",
];

/// Verbs and actions of titles.
const ACTIONS: &[&str] = &[
    "印发",
    "公布",
    "开展",
    "做好",
    "进一步加强",
    "深化",
    "推进",
    "规范",
    "优化",
    "调整",
    "启动",
    "组织实施",
    "落实",
    "完善",
    "部署",
    "推行",
    "试行",
    "废止",
    "修订",
    "公开征求意见",
];

/// Kinds of documents, and the words their titles end with.
const KINDS: &[&str] = &[
    "通知",
    "公告",
    "通报",
    "公示",
    "实施方案",
    "工作方案",
    "实施意见",
    "管理办法",
    "实施细则",
    "工作要点",
    "工作总结",
    "情况报告",
    "批复",
    "决定",
    "意见",
    "规划",
    "计划",
    "函",
];

/// Topics (主题分类).
const TOPICS: &[&str] = &[
    "综合政务",
    "国民经济管理",
    "财政、金融、审计",
    "国土资源、能源",
    "农业、林业、水利",
    "工业、交通",
    "商贸、海关、旅游",
    "市场监管、安全生产监管",
    "城乡建设、环境保护",
    "科技、教育",
    "文化、广电、新闻出版",
    "卫生、体育",
    "人口与计划生育、妇女儿童工作",
    "劳动、人事、监察",
    "民政、扶贫、救灾",
    "公安、安全、司法",
];

/// Places and bodies named in texts.
const PLACES: &[&str] = &[
    "灵武市",
    "城区街道",
    "东塔镇",
    "郝家桥镇",
    "崇兴镇",
    "宁东镇",
    "马家滩镇",
    "临河镇",
    "梧桐树乡",
    "白土岗乡",
    "市政务服务中心",
    "各乡镇人民政府",
    "市直各部门",
    "各有关单位",
];

/// Sentence patterns of bodies; `{s}` a subject, `{p}` a place, `{n}` a number, `{y}` a year.
const SENTENCES: &[&str] = &[
    "为深入贯彻落实党中央、国务院关于{s}的决策部署，进一步提升{s}水平，结合{p}实际，制定本方案。",
    "各单位要高度重视{s}工作，明确责任分工，细化工作措施，确保各项任务落到实处。",
    "{y}年，{p}共受理{s}事项{n}件，办结率达到百分之百，群众满意度持续提升。",
    "按照《中华人民共和国政府信息公开条例》的规定，现将{s}有关情况予以公开。",
    "申请人可通过政务服务网、政务服务中心窗口或者邮寄方式提交{s}申请材料。",
    "对符合条件的申请，审批部门应当自受理之日起{n}个工作日内作出{s}决定。",
    "全面推行{s}，压缩审批时限，减少申报材料，实现企业和群众办事“最多跑一次”。",
    "{p}将以{s}为抓手，持续优化营商环境，激发市场主体活力。",
    "本公告自发布之日起施行，有效期{n}年。此前规定与本公告不一致的，以本公告为准。",
    "公示期间，如对{s}事项有异议，请以书面形式向{p}反映，联系电话0951-40{n}。",
    "建设单位应当依法开展{s}，落实生态环境保护措施，接受社会监督。",
    "经审查，该项目符合{s}有关要求，同意按照申报的内容实施。",
    "{y}年全市安排{s}资金{n}万元，主要用于项目建设、设备购置和人员培训。",
    "加强{s}事中事后监管，对发现的问题依法依规处理，并将处理结果向社会公开。",
    "各乡镇、各部门要于{y}年{n}月底前将{s}工作开展情况报送市审批服务管理局。",
    "通过“好差评”系统收集评价{n}条，其中差评已全部整改回访，整改率百分之百。",
    "推动{s}与{s}深度融合，打通数据壁垒，实现信息共享、业务协同。",
    "对逾期未完成{s}整改任务的单位，将予以通报并纳入年度绩效考核。",
    "本办法由{p}负责解释，自{y}年{n}月1日起施行。",
    "欢迎社会各界对{s}工作提出意见建议，来信请寄{p}综合科。",
];

/// SplitMix64: a tiny, good-enough generator for reproducible content.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }

    /// Skewed towards the start of the list: the first terms are common, the last rare.
    pub fn pick_skewed<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let u = self.unit();
        let i = ((u * u * u) * list.len() as f64) as usize;
        list[i.min(list.len() - 1)]
    }
}

/// The keys of [`COLUMNS`], parsed once.
pub fn column_keys() -> Result<Vec<ColumnKey>, String> {
    COLUMNS
        .iter()
        .map(|(k, _)| ColumnKey::parse(k).map_err(|e| format!("{k}: {e}")))
        .collect()
}

/// An index into [`COLUMNS`], by weight.
fn column_of(rng: &mut Rng) -> usize {
    let total: u32 = COLUMNS.iter().map(|(_, w)| w).sum();
    let mut x = (rng.next_u64() % u64::from(total)) as u32;
    for (i, (_, w)) in COLUMNS.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    COLUMNS.len() - 1
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 1, 1, 1, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Days from 2015-01-01 to 2026-11-01 over which publications are spread.
const SPAN_DAYS: i64 = 4322;

fn sentence(rng: &mut Rng, pattern: &str, subject: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let key = &rest[i..(i + 3).min(rest.len())];
        match key {
            "{s}" => out.push_str(if rng.below(3) == 0 {
                rng.pick_skewed(SUBJECTS)
            } else {
                subject
            }),
            "{p}" => out.push_str(rng.pick(PLACES)),
            "{n}" => out.push_str(&(1 + rng.below(98)).to_string()),
            "{y}" => out.push_str(&(2015 + rng.below(12)).to_string()),
            _ => out.push_str(key),
        }
        rest = &rest[(i + 3).min(rest.len())..];
    }
    out.push_str(rest);
    out
}

/// Item `i` of the corpus; `columns` from [`column_keys`].
pub fn item(seed: u64, i: u64, columns: &[ColumnKey]) -> BulkItem {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let column = column_of(&mut rng);
    let subject = rng.pick_skewed(SUBJECTS);
    let kind = rng.pick(KINDS);
    let published_at = start()
        + Duration::days(rng.below(SPAN_DAYS as usize) as i64)
        + Duration::minutes(rng.below(9 * 60) as i64);
    // 09:00–18:00 China time: the UTC date is the China date
    let year = published_at.year();
    let title = match rng.below(4) {
        0 => format!(
            "关于{}{}的{kind}",
            rng.pick(ACTIONS),
            format_args!("{subject}工作")
        ),
        1 => format!("{}关于{subject}有关事项的{kind}", rng.pick(PLACES)),
        2 => format!("{year}年{subject}{}情况{kind}", rng.pick_skewed(SUBJECTS)),
        _ => format!(
            "关于{}{}{subject}{kind}",
            rng.pick(ACTIONS),
            rng.pick(PLACES)
        ),
    };
    // 200–2,000 characters, most of them short
    let u = rng.unit();
    let target = 200 + (1800.0 * u * u) as usize;
    let mut body = String::new();
    let mut chars = 0;
    while chars < target {
        let mut para = String::new();
        for _ in 0..(1 + rng.below(3)) {
            let pattern = rng.pick(SENTENCES);
            para.push_str(&sentence(&mut rng, pattern, subject));
        }
        chars += para.chars().count();
        body.push_str("<p>");
        body.push_str(&para);
        body.push_str("</p>");
    }
    let document_number = (rng.below(5) < 2)
        .then(|| DocumentNumber::parse(&format!("灵审批发〔{year}〕{}号", 1 + rng.below(200))).ok())
        .flatten();
    let written_on = NaiveDate::from_ymd_opt(year, 1, 1)
        .map(|d| d + Duration::days(rng.below(300) as i64))
        .filter(|_| document_number.is_some());
    BulkItem {
        column: columns[column % columns.len().max(1)].clone(),
        title,
        document_number,
        written_on,
        topic: Some(rng.pick(TOPICS).to_owned()),
        body_html: body,
        published_at,
    }
}

/// `n` search queries of 1–3 words, common and rare terms mixed, deterministic.
pub fn queries(n: usize) -> Vec<String> {
    let mut rng = Rng::new(SEED ^ 0x5EED);
    let common = &SUBJECTS[..20];
    let rare = &SUBJECTS[SUBJECTS.len() - 60..];
    let words = [
        "通知",
        "公告",
        "审批",
        "公示",
        "实施方案",
        "办法",
        "资金",
        "整改",
        "灵武市",
        "项目",
    ];
    (0..n)
        .map(|_| {
            let k = 1 + rng.below(3);
            let mut q: Vec<&str> = Vec::with_capacity(k);
            for _ in 0..k {
                q.push(match rng.below(3) {
                    0 => rng.pick(common),
                    1 => rng.pick(rare),
                    _ => rng.pick(&words),
                });
            }
            q.join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_deterministic_varied_and_in_range() {
        let cols = column_keys().unwrap();
        assert_eq!(item(SEED, 7, &cols).title, item(SEED, 7, &cols).title);
        assert_eq!(
            item(SEED, 7, &cols).body_html,
            item(SEED, 7, &cols).body_html
        );
        let items: Vec<BulkItem> = (0..2000).map(|i| item(SEED, i, &cols)).collect();
        let titles: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.title.as_str()).collect();
        assert!(titles.len() > 1500, "titles vary: {}", titles.len());
        let columns: std::collections::BTreeSet<&str> =
            items.iter().map(|i| i.column.as_str()).collect();
        assert_eq!(columns.len(), 13);
        for it in &items {
            let chars = gongkai_proactive::html::plain_text(&it.body_html)
                .chars()
                .count();
            assert!((200..=2400).contains(&chars), "{chars}");
            let y = it.published_at.year();
            assert!((2015..=2026).contains(&y));
        }
        let catalogue = gongkai_proactive::Catalogue::demo_bureau();
        assert!(items.iter().all(|i| catalogue.get(&i.column).is_some()));
        let q = queries(600);
        assert_eq!(q.len(), 600);
        assert!(q.iter().collect::<std::collections::BTreeSet<_>>().len() > 400);
    }
}
