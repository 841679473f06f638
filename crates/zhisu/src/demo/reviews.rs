//! The demo's review queue (V5-manual, issue 17.4): a Foshan kitchenware
//! maker that registered itself and waits for Guangdong's check (claimed
//! by the Guangdong regulator), every product filed waiting for its
//! review, one of them already decided, so the queue's tabs, its overdue
//! rule and a decided item each have something to show.

use anyhow::Context;
use zhisu_codes::uscc::Uscc;
use zhisu_domain::enterprise::{BlobInput, EnterpriseInput};
use zhisu_domain::review::DecisionInput;
use zhisu_domain::{EnterpriseKind, Principal};
use zhisu_service::{QueueFilter, Registration, Service};

use super::{demo_pdf, DEMO_PASSWORD};

/// The self-registered maker's log-in (in the README's accounts table).
pub(super) const UNCHECKED_LOGIN: &str = "kitchen-admin";

pub(super) async fn seed_queue(service: &Service, gd: &Principal) -> anyhow::Result<()> {
    let licence = service
        .upload_blob(
            None,
            "kitchen-admin-business-licence.pdf",
            &demo_pdf("Business licence 91440606MA4W8K2P"),
        )
        .await?;
    let uscc =
        Uscc::from_prefix16("91440606MA4W8K2P").map_err(|e| anyhow::anyhow!("demo USCC: {e}"))?;
    let registration = Registration {
        login: UNCHECKED_LOGIN.into(),
        password: DEMO_PASSWORD.into(),
        display_name: "顺德美厨厨具 黄经理".into(),
        enterprise: EnterpriseInput {
            kind: Some(EnterpriseKind::Manufacturer),
            name: "佛山市顺德区美厨厨具有限公司".into(),
            uscc: uscc.to_string(),
            address: "广东省佛山市顺德区容桂街道华口工业区12号".into(),
            region_code: "440606".into(),
            contact_name: Some("黄经理".into()),
            contact_phone: "0757-2836 5521".into(),
            contact_email: None,
            business_licence: Some(BlobInput::Sha256(licence.sha256)),
            management_certifications: vec![],
            product_certifications: vec![],
            website: None,
            channels: vec![],
            signing_keys: vec![],
        },
    };
    let (_, kitchen) = service
        .register(registration, None)
        .await
        .context("registering the kitchenware maker")?;
    let items = |rule: &str| QueueFilter {
        rule: Some(rule.into()),
        limit: 50,
        ..Default::default()
    };
    // Guangdong's regulator has the new maker's check in hand.
    let waiting = service.review_queue(gd, items("ZV-A-006")).await?;
    let identity = waiting
        .items
        .iter()
        .find(|f| f.record_id == kitchen.id)
        .context("the kitchenware maker waits for its check")?;
    service.claim_finding(gd, identity.id, None).await?;
    // And has reviewed one product filing already.
    let products = service.review_queue(gd, items("ZV-R-006")).await?;
    if let Some(first) = products.items.first() {
        service
            .decide_finding(
                gd,
                first.id,
                DecisionInput {
                    class: "compliant".into(),
                    reason: "备案信息与检验报告、CCC 证书一致".into(),
                    deadline: None,
                },
                None,
            )
            .await
            .context("deciding a product's review")?;
    }
    Ok(())
}
