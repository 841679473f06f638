//! `zhisu demo`: a realistic province in a fresh data folder, so a
//! newcomer sees every feature at once: manufacturers of cable, gas
//! appliances, e-bikes and children's products in three provinces,
//! sellers, regulators, products of every trace level, batches in every
//! state, and an amended product with history.

mod cases;
mod history;
mod reviews;

use anyhow::Context;
use zhisu_codes::Uscc;
use zhisu_domain::enterprise::{BlobInput, EnterpriseInput};
use zhisu_domain::{
    BatchInput, BatchStatus, CodeScheme, EnterpriseKind, ProductInput, Role, TraceLevel,
};
use zhisu_service::{principal_of_user, Registration, Service};

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "zhisu-demo-2026";

/// (login, role, what it shows)
pub const DEMO_LOGINS: &[(&str, &str, &str)] = &[
    ("admin", "platform-admin", "系统管理员 system administrator"),
    (
        "security",
        "security-admin",
        "安全管理员 security administrator: accounts and keys",
    ),
    (
        "auditor",
        "audit-admin",
        "安全审计员 audit administrator: the audit log",
    ),
    ("gd-regulator", "regulator", "广东省市场监管局 (440000)"),
    ("zj-regulator", "regulator", "浙江省市场监管局 (330000)"),
    ("cable-admin", "manufacturer-admin", "粤海电线电缆 (深圳)"),
    (
        "cable-operator",
        "manufacturer-operator",
        "粤海电线电缆 操作员",
    ),
    ("gas-admin", "manufacturer-admin", "安燃燃气具 (宁波)"),
    ("ebike-admin", "manufacturer-admin", "捷行电动车 (天津)"),
    ("toys-admin", "manufacturer-admin", "童乐儿童用品 (佛山)"),
    (
        reviews::UNCHECKED_LOGIN,
        "manufacturer-admin",
        "美厨厨具 (佛山，自行注册，待核验)",
    ),
    ("gz-seller", "seller", "广州五金机电商行"),
    ("hz-seller", "seller", "杭州惠民电器商城"),
];

/// A small, valid one-page PDF whose page shows `title` (ASCII only).
pub fn demo_pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !"()\\".contains(*c))
        .collect();
    let content = format!("BT /F1 18 Tf 60 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

struct DemoEnterprise {
    login: &'static str,
    kind: EnterpriseKind,
    name: &'static str,
    uscc_prefix: &'static str,
    address: &'static str,
    region: &'static str,
    contact: &'static str,
    phone: &'static str,
    certifications: &'static [&'static str],
}

const ENTERPRISES: &[DemoEnterprise] = &[
    DemoEnterprise {
        login: "cable-admin",
        kind: EnterpriseKind::Manufacturer,
        name: "粤海电线电缆有限公司",
        uscc_prefix: "91440300MA5G2K7C",
        address: "广东省深圳市宝安区福海街道电缆产业园8号",
        region: "440306",
        contact: "陈工",
        phone: "0755-2788 6612",
        certifications: &["ISO 9001:2015", "ISO 14001:2015"],
    },
    DemoEnterprise {
        login: "gas-admin",
        kind: EnterpriseKind::Manufacturer,
        name: "浙江安燃燃气具有限公司",
        uscc_prefix: "91330200MA2H8N3D",
        address: "浙江省宁波市慈溪市周巷镇环城北路166号",
        region: "330282",
        contact: "王经理",
        phone: "0574-6359 1180",
        certifications: &["ISO 9001:2015"],
    },
    DemoEnterprise {
        login: "ebike-admin",
        kind: EnterpriseKind::Manufacturer,
        name: "天津捷行电动车有限公司",
        uscc_prefix: "91120116MA07K5L8",
        address: "天津市滨海新区中塘镇工业园区捷行路1号",
        region: "120116",
        contact: "刘主任",
        phone: "022-6326 7788",
        certifications: &["ISO 9001:2015", "IATF 16949"],
    },
    DemoEnterprise {
        login: "toys-admin",
        kind: EnterpriseKind::Manufacturer,
        name: "广东童乐儿童用品有限公司",
        uscc_prefix: "91440606MA4W9E2R",
        address: "广东省佛山市顺德区乐从镇童乐工业区3号",
        region: "440606",
        contact: "黄小姐",
        phone: "0757-2831 5520",
        certifications: &[],
    },
    DemoEnterprise {
        login: "gz-seller",
        kind: EnterpriseKind::Seller,
        name: "广州五金机电商行",
        uscc_prefix: "92440104MA59X3P2",
        address: "广东省广州市越秀区大沙头路机电城A区12号",
        region: "440104",
        contact: "李老板",
        phone: "020-8333 4455",
        certifications: &[],
    },
    DemoEnterprise {
        login: "hz-seller",
        kind: EnterpriseKind::Seller,
        name: "杭州惠民电器商城有限公司",
        uscc_prefix: "91330105MA27Y4T6",
        address: "浙江省杭州市拱墅区莫干山路88号",
        region: "330105",
        contact: "赵店长",
        phone: "0571-8822 0099",
        certifications: &[],
    },
];

struct DemoProduct {
    owner: &'static str,
    name: &'static str,
    product_type: &'static str,
    model: &'static str,
    category: &'static str,
    brand: &'static str,
    standards: &'static [&'static str],
    licence: Option<&'static str>,
    ccc: Option<&'static str>,
    warranty: Option<u32>,
    instructions: Option<&'static str>,
    scheme: CodeScheme,
    level: TraceLevel,
    quantity: u64,
}

const PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        owner: "cable-admin",
        name: "聚氯乙烯绝缘电线",
        product_type: "建筑用电线",
        model: "BV 450/750V 1×2.5mm²",
        category: "low-voltage-wire",
        brand: "粤海",
        standards: &["GB 31247-2014"],
        licence: None,
        ccc: Some("2022010105123456"),
        warranty: None,
        instructions: Some("敷设时环境温度不低于0℃；不得超负荷使用。"),
        scheme: CodeScheme::Gs1,
        level: TraceLevel::PerBatch,
        quantity: 5000,
    },
    DemoProduct {
        owner: "cable-admin",
        name: "交联聚乙烯绝缘电力电缆",
        product_type: "电力电缆",
        model: "YJV 0.6/1kV 3×95+1×50",
        category: "wire-cable",
        brand: "粤海",
        standards: &["GB 31247-2014"],
        licence: Some("(粤)XK06-001-00234"),
        ccc: None,
        warranty: None,
        instructions: None,
        scheme: CodeScheme::Gs1,
        level: TraceLevel::MultiCode,
        quantity: 40,
    },
    DemoProduct {
        owner: "gas-admin",
        name: "家用燃气灶",
        product_type: "嵌入式燃气灶",
        model: "JZT-2B01",
        category: "gas-appliance",
        brand: "安燃",
        standards: &["GB 16410-2020"],
        licence: None,
        ccc: Some("2021010101123456"),
        warranty: Some(36),
        instructions: Some("使用前检查燃气软管是否老化；离家或睡前关闭总阀。"),
        scheme: CodeScheme::Gs1,
        level: TraceLevel::PerItem,
        quantity: 1200,
    },
    DemoProduct {
        owner: "gas-admin",
        name: "家用燃气快速热水器",
        product_type: "强排式热水器",
        model: "JSQ25-13A1",
        category: "gas-appliance",
        brand: "安燃",
        standards: &["GB 6932-2015", "GB 20665-2015"],
        licence: None,
        ccc: Some("2021010101123789"),
        warranty: Some(24),
        instructions: Some("必须安装烟道并通向室外；禁止安装在浴室内。"),
        scheme: CodeScheme::Ecode,
        level: TraceLevel::PerItem,
        quantity: 800,
    },
    DemoProduct {
        owner: "ebike-admin",
        name: "电动自行车",
        product_type: "两轮电动自行车",
        model: "TDT-1208Z",
        category: "e-bike",
        brand: "捷行",
        standards: &["GB 17761-2024"],
        licence: None,
        ccc: Some("2024011119654321"),
        warranty: Some(12),
        instructions: Some("最高车速25km/h；请勿私自改装；充电时远离易燃物。"),
        scheme: CodeScheme::DigitalId,
        level: TraceLevel::PerItem,
        quantity: 600,
    },
    DemoProduct {
        owner: "ebike-admin",
        name: "电动自行车用锂离子蓄电池",
        product_type: "锂离子电池组",
        model: "48V20Ah-LFP",
        category: "e-bike-battery",
        brand: "捷行",
        standards: &["GB 43854-2024"],
        licence: None,
        ccc: Some("2024011119655555"),
        warranty: Some(24),
        instructions: Some("使用原装充电器；电池鼓包、漏液时立即停用。"),
        scheme: CodeScheme::Gs1,
        level: TraceLevel::MultiCode,
        quantity: 600,
    },
    DemoProduct {
        owner: "toys-admin",
        name: "儿童推车",
        product_type: "四轮婴儿推车",
        model: "BB-220",
        category: "children-product",
        brand: "童乐",
        standards: &["GB 14748-2006"],
        licence: None,
        ccc: Some("2023012201000888"),
        warranty: None,
        instructions: Some("警告：请勿让儿童无人看管；折叠时儿童远离。"),
        scheme: CodeScheme::Ccc,
        level: TraceLevel::PerBatch,
        quantity: 300,
    },
];

/// A valid GTIN-13 under the China GS1 prefix range (69x), one per product.
fn demo_gtin(n: usize) -> String {
    let body = format!("697000{:06}", 100 + n);
    let check = zhisu_codes::gs1::lint::mod10_check_digit(&body).expect("digits");
    format!("{body}{check}")
}

/// Batch states the demo spreads across each product's batches.
const STATES: &[BatchStatus] = &[
    BatchStatus::Active,
    BatchStatus::Approved,
    BatchStatus::Submitted,
    BatchStatus::Draft,
    BatchStatus::Rejected,
];

/// Fills an empty store with the demo province, and (given the store) its
/// past eight weeks of scans. Returns false (and does nothing) when the
/// store already has accounts.
pub async fn seed(
    service: &Service,
    store: Option<std::sync::Arc<dyn zhisu_store::Store>>,
) -> anyhow::Result<bool> {
    if service.count_users().await? > 0 {
        return Ok(false);
    }
    let admin = service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "admin",
                DEMO_PASSWORD,
                "平台管理员",
                Role::PlatformAdmin,
            ),
        )
        .await?;
    let admin = principal_of_user(&admin);
    // 三员分立 (issue 16.16): accounts and the audit log have their own
    // administrators.
    for (login, name, role) in [
        ("security", "安全管理员", Role::SecurityAdmin),
        ("auditor", "安全审计员", Role::AuditAdmin),
    ] {
        service
            .create_user(
                None,
                zhisu_service::NewAccount::new(login, DEMO_PASSWORD, name, role),
            )
            .await?;
    }
    let gd_regulator = service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "gd-regulator",
                DEMO_PASSWORD,
                "广东省市场监督管理局",
                Role::Regulator,
            )
            .jurisdiction(&["440000".into()]),
        )
        .await?;
    let gd_regulator = principal_of_user(&gd_regulator);
    let zj_regulator = service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "zj-regulator",
                DEMO_PASSWORD,
                "浙江省市场监督管理局",
                Role::Regulator,
            )
            .jurisdiction(&["330000".into()]),
        )
        .await?;
    let zj_regulator = principal_of_user(&zj_regulator);

    let mut owners = std::collections::HashMap::new();
    for e in ENTERPRISES {
        let licence = service
            .upload_blob(
                None,
                &format!("{}-business-licence.pdf", e.login),
                &demo_pdf(&format!("Business licence {}", e.uscc_prefix)),
            )
            .await?;
        let uscc = Uscc::from_prefix16(e.uscc_prefix)
            .map_err(|err| anyhow::anyhow!("demo USCC {}: {err}", e.uscc_prefix))?;
        let registration = Registration {
            login: e.login.into(),
            password: DEMO_PASSWORD.into(),
            display_name: format!("{} {}", e.name, e.contact),
            enterprise: EnterpriseInput {
                kind: Some(e.kind),
                name: e.name.into(),
                uscc: uscc.to_string(),
                address: e.address.into(),
                region_code: e.region.into(),
                contact_name: Some(e.contact.into()),
                contact_phone: e.phone.into(),
                contact_email: None,
                business_licence: Some(BlobInput::Sha256(licence.sha256)),
                management_certifications: e.certifications.iter().map(|c| c.to_string()).collect(),
                product_certifications: vec![],
                website: None,
                channels: vec![],
                signing_keys: vec![],
            },
        };
        let (user, enterprise) = service
            .register(registration, None)
            .await
            .with_context(|| format!("registering {}", e.name))?;
        owners.insert(e.login, (principal_of_user(&user), enterprise.id));
        // Its province's regulator checks who it is (issue 16.11), so its
        // codes scan as genuine.
        // (Tianjin has no regulator in the demo: the platform admin checks.)
        let regulator = match &e.region[..2] {
            "33" => &zj_regulator,
            "44" => &gd_regulator,
            _ => &admin,
        };
        let checked = zhisu_domain::identity_check::IdentityDecision {
            verified: Some(true),
            note: "营业执照与国家企业信用信息公示系统登记一致".into(),
        };
        service
            .check_identity(regulator, enterprise.id, &checked, None)
            .await
            .with_context(|| format!("checking {}", e.name))?;
    }
    let (_, cable_id) = &owners["cable-admin"];
    service
        .create_user(
            None,
            zhisu_service::NewAccount::new(
                "cable-operator",
                DEMO_PASSWORD,
                "粤海电线电缆 操作员",
                Role::ManufacturerOperator,
            )
            .enterprise(Some(*cable_id)),
        )
        .await?;

    let today = chrono::Utc::now().date_naive();
    // Active batches by producer login, for the flow story below.
    let mut active: Vec<(&str, i64, i64)> = Vec::new();
    for (p_idx, p) in PRODUCTS.iter().enumerate() {
        let (owner, _) = &owners[p.owner];
        let input = ProductInput {
            product_name: p.name.into(),
            product_type: p.product_type.into(),
            model: p.model.into(),
            category: p.category.into(),
            brand: Some(p.brand.into()),
            mandatory_standards: p.standards.iter().map(|s| s.to_string()).collect(),
            production_licence_no: p.licence.map(str::to_string),
            ccc_cert_no: p.ccc.map(str::to_string),
            warranty_months: p.warranty,
            instructions: p.instructions.map(str::to_string),
            code_scheme: Some(p.scheme),
            trace_level: Some(p.level),
            gtin: (p.scheme == CodeScheme::Gs1).then(|| demo_gtin(p_idx)),
            // Made-up codes of the schemes whose registries allocate them;
            // the `/` in the identity code shows the escaping (`%2F`).
            scheme_code: match p.scheme {
                CodeScheme::Ecode => Some(format!("DEMO-ECODE-{}", p.model)),
                CodeScheme::DigitalId => Some(format!("DEMO-ID/{}", p.model)),
                _ => None,
            },
            ..Default::default()
        };
        let product = service
            .create_product(owner, input, None)
            .await
            .with_context(|| format!("filing {}", p.name))?;
        let n_batches = 2 + p_idx % 3;
        // Each batch after the first is copied from the one before
        // (一键同步录入, P5.3.2), as a clerk files a run of batches.
        let mut previous = None;
        for b in 0..n_batches {
            // Every scheme has codes to scan: a product under a scheme other
            // than GS1 has its first batch active.
            let status = if b == 0 && p.scheme != CodeScheme::Gs1 {
                BatchStatus::Active
            } else {
                STATES[(p_idx + b) % STATES.len()]
            };
            // Batches made over a year ago get a review note, so they wait
            // for a reviewer instead of being approved at once.
            let needs_review = matches!(status, BatchStatus::Submitted | BatchStatus::Rejected);
            let age_days = if needs_review {
                400 + b
            } else {
                30 * (n_batches - b) + p_idx
            };
            let date = today - chrono::Duration::days(age_days as i64);
            let report = service
                .upload_blob(
                    Some(owner),
                    &format!("report-{}-{b}.pdf", product.id),
                    &demo_pdf(&format!("Inspection report {} batch {b}", p.model)),
                )
                .await?;
            let batch = service
                .create_batch(
                    owner,
                    BatchInput {
                        product_id: Some(product.id),
                        batch_no: format!("{}{:02}", date.format("%Y%m%d"), b + 1),
                        production_date: date.format("%Y-%m-%d").to_string(),
                        quantity: Some(p.quantity),
                        inspection_report: Some(BlobInput::Sha256(report.sha256)),
                        inspection_report_public: b % 2 == 0,
                        note: None,
                        // What it was made from, for a recall's backward trace.
                        inputs: vec![zhisu_domain::batch::MaterialLot {
                            name: format!("{} 主要原料", p.name),
                            supplier: Some("上游供应商有限公司".into()),
                            lot: Some(format!("S{}-{b}", date.format("%Y%m%d"))),
                            code: None,
                        }],
                        copied_from: previous,
                    },
                    None,
                )
                .await
                .with_context(|| format!("filing a batch of {}", p.name))?;
            previous = Some(batch.id);
            if status == BatchStatus::Draft {
                continue;
            }
            service.submit_batch(owner, batch.id, None).await?;
            match status {
                BatchStatus::Rejected => {
                    let reason = Some("检验报告日期与生产日期不符，请补充型式检验报告".to_string());
                    service
                        .review_batch(&admin, batch.id, false, reason, None)
                        .await?;
                }
                BatchStatus::Active => {
                    service.activate_batch(owner, batch.id, None).await?;
                    active.push((p.owner, product.id, batch.id));
                }
                _ => {}
            }
        }
        if p_idx == 2 {
            // An amendment, so the history page has something to show
            // (fields the codes do not show: those change by request).
            let patch = serde_json::json!({ "honours": ["浙江制造认证"], "materials": "铜芯导体、聚氯乙烯绝缘" });
            service
                .update_product(owner, product.id, &patch, None, None)
                .await?;
            // A change request of what the codes show, pending for the
            // region's regulator (P4).
            if active.iter().any(|(_, pid, _)| *pid == product.id) {
                let input = zhisu_domain::change_request::ChangeRequestInput {
                    changes: serde_json::json!({ "warranty_months": 48 }),
                    reason: "延长质保期至 48 个月，已更新质保承诺书".into(),
                };
                service
                    .request_change(owner, product.id, input, None)
                    .await?;
            }
        }
    }
    goods_move(service, &gd_regulator, &owners, &active).await?;
    defects(service, &owners).await?;
    let toys_refiled = cases::refile(
        service,
        &owners,
        "toys-admin",
        "儿童推车（旧款）",
        "2024011119655555",
        51,
    )
    .await?;
    cases::refile(
        service,
        &owners,
        "cable-admin",
        "电线（重复备案）",
        "2021010101123789",
        52,
    )
    .await?;
    cases::import_ccc_register(service, &owners, &gd_regulator).await?;
    // 数据核查 (issue 17): the findings page has something to show.
    service
        .run_verification(None, |_| {})
        .await
        .context("the demo's verification sweep")?;
    cases::open_cases(service, &owners, &gd_regulator, &zj_regulator, toys_refiled).await?;
    reviews::seed_queue(service, &gd_regulator).await?;
    // 统计概览 (issue 18): weeks of scans, so the trend has a shape.
    if let Some(store) = store {
        history::scan_history(store, service, &admin)
            .await
            .context("the demo's weeks of scans")?;
    }
    Ok(true)
}

/// What a regulator's verification sweep should find (issue 17): the
/// e-bike maker files its model again under another name, with the
/// gas-appliance maker's CCC number.
async fn defects(
    service: &Service,
    owners: &std::collections::HashMap<&str, (zhisu_domain::Principal, i64)>,
) -> anyhow::Result<()> {
    let (ebike, _) = &owners["ebike-admin"];
    let original = PRODUCTS
        .iter()
        .find(|p| p.owner == "ebike-admin")
        .expect("an e-bike product");
    let copied_ccc = PRODUCTS
        .iter()
        .find(|p| p.owner == "gas-admin")
        .and_then(|p| p.ccc)
        .expect("a gas appliance with a CCC number");
    let input = ProductInput {
        product_name: "电动车（旧款）".into(),
        product_type: original.product_type.into(),
        model: original.model.to_lowercase(),
        category: original.category.into(),
        brand: Some(original.brand.into()),
        mandatory_standards: original.standards.iter().map(|s| s.to_string()).collect(),
        ccc_cert_no: Some(copied_ccc.into()),
        warranty_months: original.warranty,
        instructions: original.instructions.map(str::to_string),
        code_scheme: Some(CodeScheme::Gs1),
        trace_level: Some(TraceLevel::PerBatch),
        gtin: Some(demo_gtin(50)),
        ..Default::default()
    };
    service
        .create_product(ebike, input, None)
        .await
        .context("filing the e-bike again")?;
    Ok(())
}

/// The goods move: channels, sales down the chain, a matched purchase, a
/// consumer's feedback and a recall, so every page has something to show.
async fn goods_move(
    service: &Service,
    gd_regulator: &zhisu_domain::Principal,
    owners: &std::collections::HashMap<&str, (zhisu_domain::Principal, i64)>,
    active: &[(&str, i64, i64)],
) -> anyhow::Result<()> {
    use zhisu_domain::flow::{FlowInput, FlowKind, FlowLineInput};
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .format("%Y-%m-%d")
        .to_string();
    let (gas, gas_id) = &owners["gas-admin"];
    let (hz, hz_id) = &owners["hz-seller"];
    let (gz, gz_id) = &owners["gz-seller"];
    let lines = |codes: &[String]| {
        codes
            .iter()
            .map(|c| FlowLineInput {
                code: c.clone(),
                quantity: None,
            })
            .collect::<Vec<_>>()
    };
    // 防窜: the gas-appliance maker sells in Zhejiang through 惠民.
    service
        .update_enterprise(
            gas,
            *gas_id,
            &serde_json::json!({"channels": [{"distributor_id": hz_id, "regions": ["330000"]}]}),
            None,
            None,
        )
        .await?;
    if let Some((_, _, batch)) = active.iter().find(|(o, _, _)| *o == "gas-admin") {
        let plan = service.code_plan(gas, *batch).await?;
        let codes: Vec<String> = (0..20.min(plan.count)).map(|i| plan.code(i)).collect();
        let sale = |by_kind: FlowKind, counterparty: Option<i64>, codes: &[String]| FlowInput {
            enterprise_id: None,
            kind: by_kind,
            at: today.clone(),
            counterparty_id: counterparty,
            counterparty_name: None,
            counterparty_address: None,
            counterparty_contact: None,
            lines: lines(codes),
        };
        service
            .record_flow(gas, sale(FlowKind::Sale, Some(*hz_id), &codes), None)
            .await?;
        service
            .record_flow(hz, sale(FlowKind::Purchase, Some(*gas_id), &codes), None)
            .await?;
        let consumer = FlowInput {
            counterparty_name: Some("消费者 陈女士".into()),
            counterparty_address: Some("浙江省杭州市西湖区文三路 1 号".into()),
            counterparty_contact: Some("138 0571 0000".into()),
            ..sale(FlowKind::Sale, None, &codes[..2])
        };
        service.record_flow(hz, consumer, None).await?;
        // Two codes turn up in Guangdong: a diversion alert for the maker.
        service
            .record_flow(hz, sale(FlowKind::Sale, Some(*gz_id), &codes[2..4]), None)
            .await?;
        // Sold ten days before its codes were activated today: filed late
        // (P4), which the verification sweep finds.
        let earlier = (chrono::Utc::now() - chrono::Duration::days(10))
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
            .format("%Y-%m-%d")
            .to_string();
        let late = FlowInput {
            at: earlier,
            counterparty_name: Some("慈溪市周巷五金店".into()),
            counterparty_address: Some("浙江省宁波市慈溪市周巷镇北街 12 号".into()),
            counterparty_contact: Some("0574-6300 1234".into()),
            ..sale(FlowKind::Sale, None, &[plan.code(20)])
        };
        service.record_flow(gas, late, None).await?;
        service
            .send_feedback(
                None,
                zhisu_domain::feedback::FeedbackInput {
                    code: codes[0].clone(),
                    message: "点火时偶尔有爆燃声，是否正常？".into(),
                    contact: Some("138 0571 0000".into()),
                },
                None,
            )
            .await?;
    }
    // A recall by Guangdong's regulator of a Guangdong maker's batch, ten
    // of whose items went to a Guangzhou shop that sends three back: the
    // recall's holders reached and share returned on 统计概览.
    let guangdong = |o: &&str| *o == "toys-admin" || *o == "cable-admin";
    if let Some((owner, product, batch)) = active.iter().rev().find(|(o, _, _)| guangdong(o)) {
        let (maker, maker_id) = &owners[owner];
        let plan = service.code_plan(maker, *batch).await?;
        // Ten items: ten codes of their own, or one batch code of ten.
        let codes: Vec<String> = (0..10.min(plan.count)).map(|i| plan.code(i)).collect();
        let each = if codes.len() == 1 { 10 } else { 1 };
        let flow = |kind: FlowKind, counterparty: i64, codes: &[String], n: u64| FlowInput {
            enterprise_id: None,
            kind,
            at: today.clone(),
            counterparty_id: Some(counterparty),
            counterparty_name: None,
            counterparty_address: None,
            counterparty_contact: None,
            lines: codes
                .iter()
                .map(|c| FlowLineInput {
                    code: c.clone(),
                    quantity: Some(n),
                })
                .collect(),
        };
        service
            .record_flow(maker, flow(FlowKind::Sale, *gz_id, &codes, each), None)
            .await?;
        service
            .open_recall(
                gd_regulator,
                zhisu_domain::recall::RecallInput {
                    product_id: *product,
                    batch_ids: vec![*batch],
                    reason: "抽检不合格，存在安全隐患，请停止使用并联系生产企业 (failed a spot check: stop using it and contact the producer)".into(),
                    ..Default::default()
                },
                None,
            )
            .await?;
        let (back, n) = if each == 1 {
            (&codes[..codes.len().min(3)], 1)
        } else {
            (&codes[..1], 3)
        };
        service
            .record_flow(gz, flow(FlowKind::Return, *maker_id, back, n), None)
            .await?;
    }
    Ok(())
}
