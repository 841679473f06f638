//! What pages call people and records by (issue 15.8): an actor stored as
//! `user:5` or `key:3` is shown as the person's name or the API key's
//! label with its enterprise; `system` as the platform's automatic check;
//! `register:LOGIN` as the person who registered.
//! Records keep the stable IDs; only what people read is named.

use zhisu_domain::RecordKind;

use crate::{Service, ServiceResult};

impl Service {
    /// A person's or a key's name for `actor` (`user:N`, `key:N`, `system`,
    /// `register:LOGIN`);
    /// one that no longer resolves is shown as stored.
    pub async fn actor_name(&self, actor: &str) -> ServiceResult<String> {
        if actor == "system" {
            return Ok("系统自动审核 (automatic check)".into());
        }
        // A self-registration is written before its account exists.
        if let Some(login) = actor.strip_prefix("register:") {
            return Ok(match self.store.user_by_login(login).await? {
                Some(u) => format!("{}（自助注册）", u.display_name),
                None => format!("自助注册（{login}）"),
            });
        }
        let Some((kind, id)) = actor
            .split_once(':')
            .and_then(|(k, id)| id.parse::<i64>().ok().map(|id| (k, id)))
        else {
            return Ok(actor.to_string());
        };
        let (name, enterprise) = match kind {
            "user" => match self.store.user_by_id(id).await? {
                Some(u) => (u.display_name, u.enterprise_id),
                None => return Ok(actor.to_string()),
            },
            "key" => match self.store.api_key(id).await? {
                Some(k) if !k.label.trim().is_empty() => {
                    (format!("API 密钥「{}」", k.label), k.enterprise_id)
                }
                Some(k) => (format!("API 密钥 {}…", k.prefix), k.enterprise_id),
                None => return Ok(actor.to_string()),
            },
            _ => return Ok(actor.to_string()),
        };
        Ok(match enterprise {
            Some(e) => format!("{name}（{}）", self.enterprise_name(e).await?),
            None => name,
        })
    }

    /// A batch's product ("家用燃气灶 JZT-2B01") and number, for the lines
    /// of a flow: both are on every scan of its codes, so whoever may read
    /// the flow may read them.
    pub async fn batch_names(&self, batch_id: i64) -> ServiceResult<Option<(String, String)>> {
        let Some(batch) = self.cached(RecordKind::Batch, batch_id).await? else {
            return Ok(None);
        };
        let batch_no = batch.body["batch_no"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let product = match batch.body["product_id"].as_i64() {
            Some(id) => self
                .cached(RecordKind::Product, id)
                .await?
                .map(|p| crate::life::product_label(&p))
                .unwrap_or_default(),
            None => String::new(),
        };
        Ok(Some((product, batch_no)))
    }

    /// A record's name for people: a product's name and model, a batch's
    /// number, an enterprise's name; `None` when there is no such record.
    pub async fn record_name(&self, kind: RecordKind, id: i64) -> ServiceResult<Option<String>> {
        let Some(r) = self.cached(kind, id).await? else {
            return Ok(None);
        };
        Ok(Some(match kind {
            RecordKind::Product => crate::life::product_label(&r),
            RecordKind::Batch => {
                format!("批次 {}", r.body["batch_no"].as_str().unwrap_or_default())
            }
            _ => r.body["name"].as_str().unwrap_or_default().to_string(),
        }))
    }
}
