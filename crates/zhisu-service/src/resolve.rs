//! From a scanned URI to its product, batch and producer (G6.1.3): GS1
//! Digital Links, the `/c/` schemes and SSCCs, through the scan cache.

use zhisu_codes::gs1::digital_link::canonical_item;
use zhisu_codes::gs1::{DigitalLink, DlOptions};
use zhisu_codes::scheme::SchemeLink;
use zhisu_domain::{BatchStatus, RecordKind};

use crate::codes::{Verification, VerifyStatus};
use crate::scan::{unfiled, Resolved};
use crate::{Service, ServiceResult};

impl Service {
    /// Resolves a code (a Digital Link URI of any domain, or a `/c/` link
    /// of the other schemes) to what it is.
    pub(crate) async fn resolve_code(&self, code: &str) -> ServiceResult<Resolved> {
        let base = &self.settings.public_url;
        // A key or an element string is read as the link it stands for.
        let link = match zhisu_codes::code_input::as_link(code, base) {
            Ok(link) => link,
            Err(e) => return Ok(Resolved::invalid(e.to_string(), code.trim())),
        };
        let code: &str = &link;
        let (gtin, serial, lot) = match canonical_item(code, base) {
            Some((gtin, serial)) => (gtin.to_string(), Some(serial.to_string()), None),
            None => match SchemeLink::parse(code) {
                Err(e) => return Ok(Resolved::invalid(e.to_string(), code)),
                Ok(Some(link)) => return self.resolve_scheme_link(link).await,
                Ok(None) => {
                    let options = DlOptions {
                        permit_zero_suppressed_gtin: true,
                        ..Default::default()
                    };
                    let link = match DigitalLink::parse(code, options) {
                        Ok(l) => l,
                        Err(e) => return Ok(Resolved::invalid(e.to_string(), code)),
                    };
                    let find = |wanted: &str| {
                        link.path()
                            .iter()
                            .find(|(ai, _)| ai == wanted)
                            .map(|(_, v)| v.clone())
                    };
                    if let Some(sscc) = find("00") {
                        return self.resolve_package(&sscc).await;
                    }
                    let Some(gtin) = find("01") else {
                        let mut r = Resolved::invalid(String::new(), code);
                        r.verification = Verification::of(
                            VerifyStatus::Unknown,
                            "不是本平台的商品码 (not a product code of this platform)",
                        );
                        return Ok(r);
                    };
                    (gtin, find("21"), find("10"))
                }
            },
        };
        let (key, uri) = match (&serial, &lot) {
            (Some(s), _) => (
                format!("(01){gtin}(21){s}"),
                format!("{base}/01/{gtin}/21/{s}"),
            ),
            (None, Some(l)) => (
                format!("(01){gtin}(10){l}"),
                format!(
                    "{base}/01/{gtin}/10/{}",
                    zhisu_codes::gs1::digital_link::percent_encode(l)
                ),
            ),
            (None, None) => (format!("(01){gtin}"), format!("{base}/01/{gtin}")),
        };
        self.resolve_item(gtin, serial, lot, key, uri).await
    }

    /// A `/c/` link: an Ecode, digital identity or CCC code filed here, with
    /// the same qualifiers as a GTIN.
    pub(crate) async fn resolve_scheme_link(&self, link: SchemeLink) -> ServiceResult<Resolved> {
        let uri = format!("{}{}", self.settings.public_url, link.path());
        let key = link.key();
        let code_key = format!("c/{}", link.code);
        self.resolve_item(code_key, link.serial, link.lot, key, uri)
            .await
    }

    /// The product filed under `code_key` (a GTIN, or `c/{code}`), then the
    /// batch a serial or a lot names, and the batch's state.
    pub(crate) async fn resolve_item(
        &self,
        code_key: String,
        serial: Option<String>,
        lot: Option<String>,
        key: String,
        uri: String,
    ) -> ServiceResult<Resolved> {
        let mut resolved = Resolved {
            verification: Verification::of(VerifyStatus::Unknown, ""),
            key,
            uri,
            product: None,
            batch: None,
            package: None,
            serial: serial.clone(),
        };
        let store = self.store.clone();
        let cache_key = format!("code:{code_key}");
        let wanted = code_key.clone();
        let product = self
            .scan_cache
            .record(RecordKind::Product, cache_key, || async move {
                store.find_by_code_key(RecordKind::Product, &wanted).await
            })
            .await?;
        let Some(product) = product else {
            resolved.verification.message = unfiled(&code_key);
            return Ok(resolved);
        };
        resolved.verification.product_id = Some(product.id);
        resolved.product = Some(product.clone());
        let batch = if let Some(serial) = &serial {
            let Some((batch_id, index)) = self.serials.decode(serial) else {
                resolved.verification.status = VerifyStatus::Suspect;
                resolved.verification.message = crate::suspect::SERIAL_NOT_ISSUED.into();
                return Ok(resolved);
            };
            let batch = self.cached(RecordKind::Batch, batch_id as i64).await?;
            let quantity = batch
                .as_ref()
                .and_then(|b| b.body.get("quantity"))
                .and_then(|q| q.as_u64())
                .unwrap_or(0);
            if batch
                .as_ref()
                .is_none_or(|b| b.parent_id != Some(product.id))
                || index >= quantity
            {
                resolved.verification.status = VerifyStatus::Suspect;
                resolved.verification.message = crate::suspect::SERIAL_NOT_ISSUED.into();
                return Ok(resolved);
            }
            resolved.verification.index = Some(index);
            batch
        } else if let Some(lot) = &lot {
            let store = self.store.clone();
            let unique = format!("{}/{lot}", product.id);
            self.scan_cache
                .record(RecordKind::Batch, format!("lot:{unique}"), || async move {
                    store.find_by_unique_key(RecordKind::Batch, &unique).await
                })
                .await?
        } else {
            resolved.verification.status = VerifyStatus::Genuine;
            resolved.verification.message = "产品已在本平台备案 (the product is filed here)".into();
            return Ok(resolved);
        };
        let Some(batch) = batch else {
            resolved.verification.status = VerifyStatus::Suspect;
            resolved.verification.message = crate::suspect::LOT_NOT_FILED.into();
            return Ok(resolved);
        };
        resolved.verification.batch_id = Some(batch.id);
        let status = batch
            .body
            .get("status")
            .and_then(|s| serde_json::from_value::<BatchStatus>(s.clone()).ok());
        let (status, message) = match status {
            Some(BatchStatus::Active) => (
                VerifyStatus::Genuine,
                "正品：本平台签发的有效追溯码 (genuine: a valid code issued by this platform)",
            ),
            Some(BatchStatus::Frozen) => (
                VerifyStatus::Frozen,
                "此码已被监管部门冻结，暂不可用 (this code is frozen by the regulator)",
            ),
            Some(BatchStatus::Voided) => (
                VerifyStatus::Voided,
                "此码已作废 (this code has been voided)",
            ),
            _ => (
                VerifyStatus::NotActive,
                "批次尚未激活，此码无效 (the batch is not active; this code is not valid)",
            ),
        };
        resolved.verification.status = status;
        resolved.verification.message = message.into();
        resolved.batch = Some(batch);
        Ok(resolved)
    }

    pub(crate) async fn resolve_package(&self, sscc: &str) -> ServiceResult<Resolved> {
        let base = &self.settings.public_url;
        let key = format!("(00){sscc}");
        let store = self.store.clone();
        let unique = key.clone();
        let package = self
            .scan_cache
            .record(RecordKind::Package, format!("key:{key}"), || async move {
                store.find_by_unique_key(RecordKind::Package, &unique).await
            })
            .await?;
        let mut resolved = Resolved {
            verification: Verification::of(
                VerifyStatus::Unknown,
                format!("SSCC {sscc} 未在本平台登记 (SSCC {sscc} is not registered here)"),
            ),
            key,
            uri: format!("{base}/00/{sscc}"),
            product: None,
            batch: None,
            package: None,
            serial: None,
        };
        if let Some(p) = package {
            resolved.verification.status = VerifyStatus::Genuine;
            resolved.verification.message =
                "本平台登记的物流包装 (a transport package registered here)".into();
            resolved.package = Some(p);
        }
        Ok(resolved)
    }
}
