//! The demo bureau's published items (`serve --demo`): three dozen realistic items of 2021 across
//! its thirteen columns, some with attachments, plus one draft and one withdrawn item whose text
//! must never reach the public site. Seeded once, through the normal review workflow (an
//! editor drafts and submits, a reviewer approves), so the audit log, the 索引号 and the
//! search index are exactly what real use produces.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gongkai_proactive::{ColumnKey, DocumentNumber};
use gongkai_store::attachments::NewAttachment;
use gongkai_store::proactive::{ItemInput, ProactiveError, Transition};
use gongkai_store::{Actor, Store};

/// (column, title, 文号, 成文日期 / 发布日期 (month, day of 2021), 主题分类, body paragraphs)
type Demo = (
    &'static str,
    &'static str,
    Option<&'static str>,
    (u32, u32),
    &'static str,
    &'static [&'static str],
);

const ITEMS: &[Demo] = &[
    (
        "annual_reports",
        "灵武市审批服务管理局2020年政府信息公开工作年度报告",
        None,
        (1, 28),
        "综合政务",
        &[
            "根据《中华人民共和国政府信息公开条例》和国务院办公厅政府信息公开办公室有关要求，现公布本局2020年政府信息公开工作年度报告。",
            "本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六部分组成。",
        ],
    ),
    (
        "annual_reports",
        "灵武市审批服务管理局2019年政府信息公开工作年度报告",
        None,
        (1, 30),
        "综合政务",
        &[
            "本报告所列数据的统计期限自2019年1月1日起至2019年12月31日止。",
            "如对本报告有疑问，请与灵武市审批服务管理局办公室联系。",
        ],
    ),
    (
        "guide",
        "灵武市审批服务管理局政府信息公开指南（2021年修订）",
        None,
        (3, 2),
        "综合政务",
        &[
            "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。需要获得本局政府信息公开服务的公民、法人或者其他组织，建议阅读本指南。",
            "本局主动公开的政府信息，通过灵武市人民政府门户网站、政务服务大厅电子显示屏等方式公开。依申请公开的，申请人可以通过当面、邮寄、互联网等方式提出申请。",
            "本局依申请提供政府信息，不收取费用。但是，申请人申请公开政府信息的数量、频次明显超过合理范围的，按照有关规定收取信息处理费。",
        ],
    ),
    (
        "guide",
        "灵武市审批服务管理局政府信息公开工作机构及联系方式",
        None,
        (3, 2),
        "综合政务",
        &[
            "政府信息公开工作机构：灵武市审批服务管理局办公室。",
            "办公时间：工作日上午8:30—12:00，下午14:30—18:00（法定节假日除外）。",
        ],
    ),
    (
        "rule_of_law_reports",
        "灵武市审批服务管理局2020年法治政府建设工作报告",
        None,
        (2, 20),
        "综合政务",
        &[
            "2020年，本局深入学习贯彻习近平法治思想，认真落实法治政府建设各项任务，推进行政审批制度改革，依法全面履行政府职能。",
            "全年未发生行政复议被纠错和行政诉讼败诉案件。",
        ],
    ),
    (
        "rule_of_law_reports",
        "灵武市审批服务管理局2021年普法责任清单",
        None,
        (3, 16),
        "公安、安全、司法",
        &[
            "按照“谁执法谁普法”的要求，结合行政审批工作实际，制定本局2021年普法责任清单。",
            "重点宣传《优化营商环境条例》《中华人民共和国行政许可法》和《中华人民共和国政府信息公开条例》。",
        ],
    ),
    (
        "overview",
        "灵武市审批服务管理局机构职能",
        None,
        (1, 8),
        "国务院组织机构",
        &[
            "灵武市审批服务管理局是市人民政府工作部门，负责全市行政审批制度改革、相对集中行政许可权改革和政务服务体系建设工作。",
            "内设办公室、审批协调股、商事审批股、建设项目审批股、社会事务审批股和政务服务股。",
        ],
    ),
    (
        "overview",
        "灵武市审批服务管理局领导班子成员及分工",
        None,
        (4, 6),
        "国务院组织机构",
        &["局长主持全面工作；副局长分管商事审批、建设项目审批和政务服务大厅运行管理工作。"],
    ),
    (
        "department_documents",
        "关于印发《灵武市政务服务“好差评”制度实施办法》的通知",
        Some("灵审管发〔2021〕12号"),
        (3, 10),
        "综合政务",
        &[
            "各股室、各进驻单位：现将《灵武市政务服务“好差评”制度实施办法》印发给你们，请认真贯彻执行。",
            "“好差评”实行一事一评、一次一评，差评件一律由专人回访核实，能够当场整改的当场整改，不能当场整改的在5个工作日内整改到位并反馈评价人。",
        ],
    ),
    (
        "department_documents",
        "关于进一步推行“一窗受理、集成服务”改革的通知",
        Some("灵审管发〔2021〕8号"),
        (2, 23),
        "综合政务",
        &[
            "为深化“放管服”改革，持续优化营商环境，决定在政务服务大厅全面推行“一窗受理、集成服务”。",
            "综合窗口统一收件、分类审批、统一出件，企业和群众办事只进一扇门、只跑一次。",
        ],
    ),
    (
        "department_documents",
        "关于公布灵武市行政许可事项清单（2021年版）的通知",
        Some("灵审管发〔2021〕21号"),
        (5, 12),
        "综合政务",
        &[
            "经市人民政府同意，现将《灵武市行政许可事项清单（2021年版）》予以公布，清单之外不得违法实施行政许可。",
            "清单实行动态调整，法律、法规、规章和国务院决定调整行政许可事项的，及时更新。",
        ],
    ),
    (
        "department_documents",
        "关于印发《灵武市容缺受理办法（试行）》的通知",
        Some("灵审管发〔2021〕33号"),
        (7, 19),
        "综合政务",
        &[
            "对基本条件具备、主要申请材料齐全且符合法定条件，但次要条件或者申请材料欠缺的审批事项，实行容缺受理。",
            "申请人书面承诺在规定期限内补齐容缺材料的，审批部门先行受理并进入审查程序。",
        ],
    ),
    (
        "plans",
        "灵武市审批服务管理局2021年工作要点",
        None,
        (2, 5),
        "综合政务",
        &[
            "2021年，本局将围绕“放管服”改革主线，重点抓好政务服务标准化、规范化、便利化建设。",
            "全面推行工程建设项目审批制度改革，实现一般社会投资项目从立项到竣工验收全流程审批时间压缩至60个工作日以内。",
        ],
    ),
    (
        "plans",
        "灵武市“十四五”政务服务发展规划（征求意见稿）起草说明",
        None,
        (6, 2),
        "国民经济管理、国有资产监管",
        &["规划期为2021年至2025年，提出到2025年政务服务事项全程网办率达到90%以上的目标。"],
    ),
    (
        "key_work",
        "灵武市审批服务管理局2021年上半年重点工作推进情况",
        None,
        (7, 8),
        "综合政务",
        &[
            "上半年共受理各类审批服务事项2.1万件，办结率99.6%，即办件占比63%。",
            "“跨省通办”“区内通办”事项分别达到74项和136项。",
        ],
    ),
    (
        "key_work",
        "关于开展政务服务“清单式”管理专项行动的工作方案",
        None,
        (4, 21),
        "综合政务",
        &["以事项清单、材料清单、时限清单为抓手，全面梳理政务服务事项办事指南，统一受理标准。"],
    ),
    (
        "fiscal_funds",
        "灵武市审批服务管理局2021年部门预算公开",
        None,
        (2, 9),
        "财政、金融、审计",
        &[
            "2021年本部门收入预算合计612.35万元，全部为一般公共预算财政拨款收入。",
            "“三公”经费预算合计3.2万元，较上年减少0.4万元，主要是压减公务接待费。",
        ],
    ),
    (
        "fiscal_funds",
        "灵武市审批服务管理局2020年部门决算公开",
        None,
        (8, 27),
        "财政、金融、审计",
        &["2020年度收入总计598.17万元，支出总计598.17万元。详细情况见附表。"],
    ),
    (
        "service_bulletins",
        "2021年第一季度政务服务“好差评”情况通报",
        None,
        (4, 12),
        "综合政务",
        &[
            "第一季度共收到评价信息18 236条，其中好评18 201条，好评率99.8%；差评35条，已全部回访整改，整改率100%。",
            "差评主要集中在窗口等候时间较长、个别材料要求解释不清等方面。",
        ],
    ),
    (
        "service_bulletins",
        "2021年第二季度政务服务“好差评”情况通报",
        None,
        (7, 9),
        "综合政务",
        &["第二季度共收到评价信息21 874条，好评率99.9%；差评21条，均已核实整改。"],
    ),
    (
        "service_bulletins",
        "关于政务服务大厅窗口工作人员作风纪律检查情况的通报",
        None,
        (9, 14),
        "劳动、人事、监察",
        &[
            "9月上旬，对政务服务大厅各窗口工作纪律开展不定期检查，发现脱岗、玩手机等问题3起，已责令整改并在全局通报。",
        ],
    ),
    (
        "business_environment",
        "灵武市优化营商环境“十二条”措施解读",
        None,
        (3, 24),
        "商贸、海关、旅游",
        &[
            "企业开办时间压缩至1个工作日以内，全面推行企业开办“一网通办”，免费刻制公章、免费邮寄证照。",
            "工程建设项目推行“容缺受理+承诺制”审批，实行“多图联审”“多测合一”“联合验收”。",
        ],
    ),
    (
        "business_environment",
        "企业开办“一网通办”操作指引",
        None,
        (5, 6),
        "商贸、海关、旅游",
        &[
            "申请人登录宁夏政务服务网，选择“企业开办一网通办”，一次填报设立登记、公章刻制、申领发票、社保登记和银行预约开户信息。",
        ],
    ),
    (
        "project_approvals",
        "关于灵武市某光伏发电项目环境影响报告表审批意见的公示",
        Some("灵审管环审〔2021〕17号"),
        (6, 18),
        "城乡建设、环境保护",
        &[
            "经审查，项目在落实报告表提出的各项生态保护和污染防治措施后，环境不利影响能够得到缓解和控制，同意该项目环境影响报告表。",
            "公示期为5个工作日，公示期间如有意见，请以书面形式反馈至本局建设项目审批股。",
        ],
    ),
    (
        "project_approvals",
        "关于灵武市某道路改扩建工程水土保持方案的批复",
        Some("灵审管水保〔2021〕9号"),
        (5, 27),
        "农业、林业、水利",
        &[
            "原则同意该工程水土保持方案报告书，水土流失防治责任范围为12.6公顷。",
            "建设单位应当按照批复的方案落实水土保持措施，并依法开展水土保持监测和设施验收。",
        ],
    ),
    (
        "project_approvals",
        "2021年8月建设项目环评、水保审批结果公示",
        None,
        (9, 3),
        "城乡建设、环境保护",
        &["2021年8月共审批建设项目环境影响报告表11件、水土保持方案7件，审批结果见附件。"],
    ),
    (
        "business_approvals",
        "2021年7月商事登记审批结果公示",
        None,
        (8, 4),
        "市场监管、安全生产监管",
        &["2021年7月共办理各类市场主体设立登记412户，变更登记238户，注销登记57户，详见附件。"],
    ),
    (
        "business_approvals",
        "2021年第三季度食品经营许可审批结果公示",
        None,
        (10, 11),
        "市场监管、安全生产监管",
        &["第三季度共核发食品经营许可证186件，准予变更41件，准予注销23件。"],
    ),
    (
        "business_approvals",
        "关于公布“证照分离”改革全覆盖事项清单的公告",
        None,
        (7, 1),
        "市场监管、安全生产监管",
        &[
            "按照直接取消审批、审批改为备案、实行告知承诺、优化审批服务四种方式，分类推进涉企经营许可事项改革。",
        ],
    ),
    (
        "other",
        "灵武市政务服务大厅2021年春节假期值班安排",
        None,
        (2, 8),
        "综合政务",
        &[
            "春节假期期间，政务服务大厅暂停对外办公，2月18日起恢复正常办公。紧急事项可拨打值班电话。",
        ],
    ),
    (
        "other",
        "关于政务服务大厅延时服务和预约服务的公告",
        None,
        (6, 25),
        "综合政务",
        &["为方便企业和群众办事，政务服务大厅自7月1日起实行工作日午间延时服务和周六预约服务。"],
    ),
    (
        "other",
        "灵武市审批服务管理局2021年度政府信息公开工作要点",
        None,
        (4, 2),
        "综合政务",
        &["坚持以公开为常态、不公开为例外，做好政策解读、回应关切和审批结果公示工作。"],
    ),
];

/// Items that get a workbook attached: (title, file name, rows).
const ATTACHED: &[(&str, &str, &[&[&str]])] = &[
    (
        "2021年8月建设项目环评、水保审批结果公示",
        "2021年8月环评水保审批结果.xlsx",
        &[
            &["序号", "项目名称", "建设单位", "审批文号", "审批日期"],
            &[
                "1",
                "某光伏发电项目",
                "宁夏某新能源有限公司",
                "灵审管环审〔2021〕17号",
                "2021-08-06",
            ],
            &[
                "2",
                "某道路改扩建工程",
                "灵武市某交通建设有限公司",
                "灵审管水保〔2021〕9号",
                "2021-08-12",
            ],
            &[
                "3",
                "某物流园区一期工程",
                "宁夏某物流有限公司",
                "灵审管环审〔2021〕19号",
                "2021-08-25",
            ],
        ],
    ),
    (
        "2021年7月商事登记审批结果公示",
        "2021年7月商事登记审批结果.xlsx",
        &[
            &["序号", "市场主体名称", "登记类型", "核准日期"],
            &["1", "灵武市某建材销售有限公司", "设立登记", "2021-07-02"],
            &["2", "宁夏某枸杞科技有限公司", "变更登记", "2021-07-09"],
            &["3", "灵武市某餐饮店", "注销登记", "2021-07-21"],
        ],
    ),
    (
        "灵武市审批服务管理局2020年部门决算公开",
        "2020年部门决算公开表.xlsx",
        &[
            &["项目", "金额（万元）"],
            &["一般公共预算财政拨款收入", "598.17"],
            &["基本支出", "455.62"],
            &["项目支出", "142.55"],
        ],
    ),
];

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    // 09:30 China time is 01:30 UTC.
    Utc.with_ymd_and_hms(2021, month, day, hour, 30, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

fn body_of(paragraphs: &[&str]) -> String {
    paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect()
}

fn workbook(rows: &[&[&str]]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(
                u32::try_from(r).unwrap_or(u32::MAX),
                u16::try_from(c).unwrap_or(u16::MAX),
                *cell,
            )?;
        }
    }
    book.save_to_buffer()
}

fn input(
    column: &str,
    title: &str,
    number: Option<&str>,
    written: NaiveDate,
    topic: &str,
    body: String,
) -> Result<ItemInput, ProactiveError> {
    Ok(ItemInput {
        column: ColumnKey::parse(column).map_err(|e| ProactiveError::Invalid(e.to_string()))?,
        title: title.to_owned(),
        document_number: number
            .map(DocumentNumber::parse)
            .transpose()
            .map_err(|e| ProactiveError::Invalid(e.to_string()))?,
        written_on: Some(written),
        topic: Some(topic.to_owned()),
        body_html: body,
    })
}

/// Seeds the demo bureau's items when it has none yet.
pub async fn seed_items(
    store: &Store,
    bureau: i64,
    editor: &Actor,
    reviewer: &Actor,
) -> Result<(), ProactiveError> {
    if !store.list_items(bureau).await?.is_empty() {
        return Ok(());
    }
    for (column, title, number, (month, day), topic, paragraphs) in ITEMS {
        let written = NaiveDate::from_ymd_opt(2021, *month, *day)
            .ok_or_else(|| ProactiveError::Invalid("demo date".into()))?;
        let drafted = at(*month, *day, 1);
        let item = store
            .create_item(
                bureau,
                &input(column, title, *number, written, topic, body_of(paragraphs))?,
                editor,
                drafted,
            )
            .await?;
        if let Some((_, file_name, rows)) = ATTACHED.iter().find(|(t, _, _)| t == title) {
            let bytes = workbook(rows).map_err(|e| ProactiveError::Invalid(e.to_string()))?;
            let text = gongkai_proactive::attachment::extract_text(
                gongkai_proactive::AttachmentKind::Xlsx,
                &bytes,
            );
            let stored = store
                .add_attachment(
                    bureau,
                    &NewAttachment {
                        file_name,
                        media_type: gongkai_proactive::AttachmentKind::Xlsx.media_type(),
                        content: &bytes,
                        text: &text.text,
                        text_status: text.status.key(),
                    },
                    editor,
                    drafted,
                )
                .await?;
            store
                .set_item_attachments(item.id, vec![stored.to_item_attachment()], editor, drafted)
                .await?;
        }
        store
            .transition_item(item.id, &Transition::Submit, editor, drafted)
            .await?;
        store
            .transition_item(
                item.id,
                &Transition::Approve { publish_at: None },
                reviewer,
                at(*month, *day, 2),
            )
            .await?;
    }

    // A withdrawn item: published once, then taken down.
    let written = NaiveDate::from_ymd_opt(2021, 5, 18).unwrap_or_default();
    let withdrawn = store
        .create_item(
            bureau,
            &input(
                "service_bulletins",
                "关于2021年5月窗口服务投诉处理情况的通报（已撤回）",
                None,
                written,
                "综合政务",
                body_of(&["本通报因含有未经核实的投诉人信息已撤回，撤回正文标记WITHDRAWN-DEMO。"]),
            )?,
            editor,
            at(5, 18, 1),
        )
        .await?;
    store
        .transition_item(withdrawn.id, &Transition::Submit, editor, at(5, 18, 1))
        .await?;
    store
        .transition_item(
            withdrawn.id,
            &Transition::Approve { publish_at: None },
            reviewer,
            at(5, 18, 2),
        )
        .await?;
    store
        .transition_item(
            withdrawn.id,
            &Transition::Withdraw {
                reason: "含有未经核实的投诉人信息".into(),
            },
            reviewer,
            at(5, 19, 2),
        )
        .await?;

    // A draft that is never submitted.
    let written = NaiveDate::from_ymd_opt(2021, 11, 30).unwrap_or_default();
    store
        .create_item(
            bureau,
            &input(
                "department_documents",
                "关于调整政务服务大厅窗口设置的通知（草稿）",
                None,
                written,
                "综合政务",
                body_of(&["草稿内容尚未审核，草稿正文标记DRAFT-DEMO。"]),
            )?,
            editor,
            at(11, 30, 1),
        )
        .await?;
    Ok(())
}
