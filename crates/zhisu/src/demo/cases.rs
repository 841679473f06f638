//! The demo's cases (V6-dispose, issue 17): a Guangdong children's-products
//! maker that corrected a duplicate filing (closed), a Guangdong cable
//! maker that never answered a serious case (overdue, its codes frozen, on
//! the abnormal list), and a Zhejiang gas-appliance maker
//! whose answer awaits the regulator's re-check, so the case list, the
//! 整改 inbox and each state's page have something to show.

use anyhow::Context;
use zhisu_domain::cases::{CaseAnswer, OpenCaseInput};
use zhisu_domain::{Principal, ProductInput};
use zhisu_service::{FindingFilter, Service};

use super::{demo_gtin, PRODUCTS};

type Owners<'a> = std::collections::HashMap<&'a str, (Principal, i64)>;

/// Files `owner`'s first product again under another name and with another
/// enterprise's CCC number (defects the sweep reports as ZV-R-003 and
/// ZV-A-002); the new product's ID.
pub(super) async fn refile(
    service: &Service,
    owners: &Owners<'_>,
    owner: &str,
    name: &str,
    borrowed_ccc: &str,
    gtin: usize,
) -> anyhow::Result<i64> {
    let (by, _) = &owners[owner];
    let original = PRODUCTS
        .iter()
        .find(|p| p.owner == owner)
        .context("a product of the owner")?;
    let input = ProductInput {
        product_name: name.into(),
        product_type: original.product_type.into(),
        model: original.model.to_lowercase(),
        category: original.category.into(),
        brand: Some(original.brand.into()),
        mandatory_standards: original.standards.iter().map(|s| s.to_string()).collect(),
        // A certificate number belongs to one product of an enterprise:
        // the duplicate borrows another enterprise's.
        ccc_cert_no: Some(borrowed_ccc.into()),
        warranty_months: original.warranty,
        instructions: original.instructions.map(str::to_string),
        code_scheme: Some(original.scheme),
        trace_level: Some(original.level),
        gtin: Some(demo_gtin(gtin)),
        ..Default::default()
    };
    Ok(service
        .create_product(by, input, None)
        .await
        .with_context(|| format!("filing {owner}'s product again"))?
        .id)
}

async fn open_findings(
    service: &Service,
    regulator: &Principal,
    enterprise_id: i64,
    rule: &str,
) -> anyhow::Result<Vec<i64>> {
    let page = service
        .list_findings(
            regulator,
            FindingFilter {
                enterprise_id: Some(enterprise_id),
                rule: Some(rule.into()),
                status: Some("open".into()),
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
    anyhow::ensure!(
        !page.items.is_empty(),
        "no open {rule} finding to open a case on"
    );
    Ok(page.items.iter().map(|f| f.id).collect())
}

/// Opens the three cases, after the sweep that found their defects.
/// `toys_refiled`: the children's-products maker's duplicate product.
pub(super) async fn open_cases(
    service: &Service,
    owners: &Owners<'_>,
    gd: &Principal,
    zj: &Principal,
    toys_refiled: i64,
) -> anyhow::Result<()> {
    // Closed after correction: the duplicate gets its own model, the maker
    // answers, the rules pass, the regulator closes.
    let (toys, toys_id) = &owners["toys-admin"];
    let findings = open_findings(service, gd, *toys_id, "ZV-R-003").await?;
    let case = service
        .open_case(
            gd,
            OpenCaseInput {
                findings,
                note: "同一型号以两个产品名称备案，请合并或更正后答复。".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .context("the toys case")?;
    service
        .update_product(
            toys,
            toys_refiled,
            &serde_json::json!({"model": "BB-220S 旧款"}),
            None,
            None,
        )
        .await?;
    let answer = CaseAnswer {
        note: "重复备案的产品已改为旧款型号 BB-220S 旧款，两者不再重复。".into(),
        files: vec![],
    };
    service.answer_case(toys, case.id, answer, None).await?;
    service
        .close_case(
            gd,
            case.id,
            zhisu_domain::cases::CloseCase {
                note: "复核通过，整改到位。".into(),
                accept_standing: false,
            },
            None,
        )
        .await
        .context("closing the toys case")?;

    // Overdue and serious: opened forty days ago as 严重不合格 (a copied
    // CCC number on a duplicate filing), fifteen days to answer; the cable
    // maker has not. Its active batches are frozen, their scans carry the
    // regulator's notice, and it is on the abnormal list.
    let (_, cable_id) = &owners["cable-admin"];
    let findings = open_findings(service, gd, *cable_id, "ZV-R-003").await?;
    let forty_days_ago = zhisu_service::today_in_shanghai() - chrono::Days::new(40);
    service
        .open_case_as_of(
            gd,
            OpenCaseInput {
                findings,
                class: Some("serious".into()),
                class_reason: Some("重复备案并冒用他人 CCC 证书编号，涉嫌违法".into()),
                note: "同一型号以两个产品名称备案，且重复备案使用了他人的 CCC 证书编号，请于期限内更正并说明。".into(),
                ..Default::default()
            },
            forty_days_ago,
            None,
        )
        .await
        .context("the cable case")?;

    // Answered, awaiting the re-check: the gas maker explains its sale
    // recorded before activation.
    let (gas, gas_id) = &owners["gas-admin"];
    let findings = open_findings(service, zj, *gas_id, "ZV-T-001").await?;
    let case = service
        .open_case(
            zj,
            OpenCaseInput {
                findings,
                note: "该批次在激活追溯码之前已有销售记录，请说明原因。".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .context("the gas case")?;
    let answer = CaseAnswer {
        note: "该批货物为展会样品，先行交付，追溯码补激活；已完善出厂前赋码流程。".into(),
        files: vec![],
    };
    service.answer_case(gas, case.id, answer, None).await?;
    Ok(())
}

/// The CCC register as the certification body exported it last month:
/// every demo certificate, valid, except the children's-products maker's,
/// which expired in June (the sweep then finds its product, ZV-A-005).
pub(super) async fn import_ccc_register(
    service: &Service,
    owners: &Owners<'_>,
    regulator: &Principal,
) -> anyhow::Result<()> {
    let mut csv =
        String::from("证书编号,持证人,统一社会信用代码,产品范围,发证日期,有效期至,证书状态\r\n");
    for p in PRODUCTS {
        let Some(number) = p.ccc else { continue };
        let (by, id) = &owners[p.owner];
        let enterprise = service
            .read_record(by, zhisu_domain::RecordKind::Enterprise, *id)
            .await?;
        let (valid_to, status) = if p.owner == "toys-admin" {
            ("2026-06-30", "过期")
        } else {
            ("2028-12-31", "有效")
        };
        csv.push_str(&format!(
            "{number},{},{},{},2023-07-01,{valid_to},{status}\r\n",
            enterprise.text("name"),
            enterprise.text("uscc"),
            p.name
        ));
    }
    // As Excel in China saves a CSV: GBK.
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    service
        .import_register(regulator, "ccc", "CCC证书登记-2026年11月.csv", &gbk, None)
        .await
        .context("importing the demo's CCC register")?;
    Ok(())
}
