//! What a store's conflict on filing a product or batch means to the one
//! filing it: the model, the code or the batch number already taken, or a
//! stale version.

use zhisu_domain::{CodeScheme, Product};
use zhisu_store::StoreError;

use crate::{Service, ServiceError};

impl Service {
    pub(crate) fn product_conflict(product: &Product) -> impl Fn(StoreError) -> ServiceError + '_ {
        move |e| match e {
            StoreError::Conflict(c) if c.contains("stale") => ServiceError::Conflict(c),
            StoreError::Conflict(c) if c.contains("code_key") => {
                let code = product.scheme_code().unwrap_or("");
                let what = match product.code_scheme {
                    CodeScheme::Gs1 => "GTIN",
                    CodeScheme::Ecode => "Ecode",
                    CodeScheme::DigitalId => "数字身份码 digital identity code",
                    CodeScheme::Ccc => "CCC 证书码 CCC certificate code",
                };
                ServiceError::Conflict(format!(
                    "{what} {code} 已被其他产品使用 ({what} {code} is already used by another product)"
                ))
            }
            StoreError::Conflict(_) => ServiceError::Conflict(format!(
                "规格型号“{}”已备案 (a product with model '{}' is already filed)",
                product.model, product.model
            )),
            other => other.into(),
        }
    }

    pub(crate) fn batch_conflict(batch_no: &str) -> impl Fn(StoreError) -> ServiceError + '_ {
        move |e| match e {
            StoreError::Conflict(c) if c.contains("stale") => ServiceError::Conflict(c),
            StoreError::Conflict(_) => ServiceError::Conflict(format!(
                "批次号“{batch_no}”已存在 (batch '{batch_no}' already exists for this product)"
            )),
            other => other.into(),
        }
    }
}
