//! Market research for whoever asks (P6.7, issue 18.2): where the goods
//! sold by the reader's enterprises went — quantities by the buyer's
//! province and by buyer — and, for a manufacturer with distribution
//! channels (防窜, P6.5), what went to each distributor and the diversion
//! alerts raised on its goods; over a period and the one before, read from
//! the rollups of sales and diversion alerts and scoped like every
//! statistic (`statistics.rs`).

use serde::Serialize;
use utoipa::ToSchema;
use zhisu_domain::auth::ListScope;
use zhisu_domain::enterprise::Enterprise;
use zhisu_domain::statistics::market::{self, Pair};
use zhisu_domain::statistics::period::Period;
use zhisu_domain::validation::Invalid;
use zhisu_domain::{Principal, RecordKind};

use crate::statistics::StatRequest;
use crate::{today_in_shanghai, Service, ServiceResult};

/// The name of the buyers off the platform, in a province's row and a
/// buyer's (pages put their own language's in its place).
pub(crate) const OFF_PLATFORM_ZH: &str = "平台外购货方";

/// The name of the scans whose client named no region.
pub(crate) const UNPLACED_ZH: &str = "未提供地域";

/// How many buyers a view lists by name; the rest are summed in one row.
pub const MARKET_BUYERS: usize = 20;

/// A quantity in the period and the one before.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct MarketFigure {
    pub value: i64,
    pub previous: i64,
}

impl From<Pair> for MarketFigure {
    fn from(p: Pair) -> Self {
        MarketFigure {
            value: p.now,
            previous: p.before,
        }
    }
}

/// Quantities sold to buyers in one province.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceSales {
    /// The province's GB/T 2260 code (`440000`); "" for buyers off the
    /// platform, whose region is not known.
    pub province_code: String,
    /// 广东省, or 平台外购货方.
    pub name_zh: String,
    #[serde(flatten)]
    pub sold: MarketFigure,
}

/// Public scans made in one province.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvinceScans {
    /// The province's GB/T 2260 code (`440000`), as the scan's client
    /// named it (a scan page in WeChat, a distributor's app); "" for scans
    /// that named none.
    pub province_code: String,
    /// 广东省, or 未提供地域.
    pub name_zh: String,
    #[serde(flatten)]
    pub scans: MarketFigure,
}

/// What one buyer bought, and for a distributor of the reader's channels
/// the diversion alerts on goods shipped to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuyerSales {
    /// The buyer on the platform; None for buyers off it (summed), or for
    /// the row summing the buyers beyond the first [`MARKET_BUYERS`].
    pub enterprise_id: Option<i64>,
    pub name: String,
    /// The buyers off the platform, summed (named only by the sale
    /// records); false for the row summing the buyers beyond the first.
    pub off_platform: bool,
    #[serde(flatten)]
    pub sold: MarketFigure,
    /// A distributor of the reader's channels: the regions it may sell in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_regions: Option<Vec<String>>,
    /// Diversion alerts on goods shipped to it (distributors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diversion_alerts: Option<MarketFigure>,
}

/// `GET /api/v1/statistics/market`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarketView {
    pub period: Period,
    pub previous_period: Period,
    /// Everything sold (the `sales` indicator).
    pub sold: MarketFigure,
    /// By the buyer's province, largest first.
    pub by_province: Vec<ProvinceSales>,
    /// One enterprise's buyers (an enterprise reading its own figures, or
    /// a regulator drilled to one): its distributors first, then the
    /// other buyers, largest first. Empty for a jurisdiction or the
    /// platform, whose sellers have thousands of buyers.
    pub buyers: Vec<BuyerSales>,
    /// The reader's products' public scans by the province they were made
    /// in, largest first (P6.7: where the goods are used).
    pub scans_by_province: Vec<ProvinceScans>,
}

impl MarketView {
    /// The quantities by province as a tile map takes them: (the
    /// province's two-digit prefix, the value, the value as shown); buyers
    /// off the platform have no tile.
    pub fn province_tiles(&self) -> Vec<(String, f64, String)> {
        tiles(
            self.by_province
                .iter()
                .map(|p| (p.province_code.as_str(), p.sold.value)),
        )
    }

    /// The scans by province as a tile map takes them; scans that named
    /// no region have no tile.
    pub fn scan_tiles(&self) -> Vec<(String, f64, String)> {
        tiles(
            self.scans_by_province
                .iter()
                .map(|p| (p.province_code.as_str(), p.scans.value)),
        )
    }
}

/// (province code, value) as a tile map takes them; a row of no province
/// has no tile.
fn tiles<'a>(rows: impl Iterator<Item = (&'a str, i64)>) -> Vec<(String, f64, String)> {
    rows.filter_map(|(code, v)| Some((code.get(..2)?.to_string(), v as f64, v.to_string())))
        .collect()
}

/// Rows largest first this period, then the period before, then by code.
fn largest_first(
    (a, a_code): (&MarketFigure, &str),
    (b, b_code): (&MarketFigure, &str),
) -> std::cmp::Ordering {
    (b.value, b.previous, a_code).cmp(&(a.value, a.previous, b_code))
}

/// A province's code and name from its two digits ("" for none).
fn province(two: &str, none_zh: &str) -> (String, String) {
    if two.is_empty() {
        return (String::new(), none_zh.to_string());
    }
    let name = zhisu_codes::province_name(two).unwrap_or(two);
    (format!("{two}0000"), name.to_string())
}

impl Service {
    /// Where the goods the reader's enterprises sold went (P6.7).
    pub async fn statistics_market(
        &self,
        by: &Principal,
        req: &StatRequest,
    ) -> ServiceResult<MarketView> {
        let period = Period::parse(req.from.as_deref(), req.to.as_deref(), today_in_shanghai())
            .map_err(Invalid)?;
        let filter = self.stat_filter(by, req).await?;
        let previous_period = period.previous();
        let rows = self
            .store
            .stat_rows(&filter, &market::MEASURES, previous_period.from, period.to)
            .await?;
        let m = market::market(&rows, &period, &previous_period);

        let mut by_province: Vec<ProvinceSales> = m
            .by_province
            .iter()
            .map(|(two, pair)| {
                let (province_code, name_zh) = province(two, OFF_PLATFORM_ZH);
                ProvinceSales {
                    province_code,
                    name_zh,
                    sold: (*pair).into(),
                }
            })
            .collect();
        let mut scans_by_province: Vec<ProvinceScans> = m
            .scans_by_province
            .iter()
            .filter(|(_, pair)| pair.now != 0 || pair.before != 0)
            .map(|(two, pair)| {
                let (province_code, name_zh) = province(two, UNPLACED_ZH);
                ProvinceScans {
                    province_code,
                    name_zh,
                    scans: (*pair).into(),
                }
            })
            .collect();
        scans_by_province.sort_by(|a, b| {
            largest_first((&a.scans, &a.province_code), (&b.scans, &b.province_code))
        });
        by_province.sort_by(|a, b| {
            largest_first((&a.sold, &a.province_code), (&b.sold, &b.province_code))
        });

        // A manufacturer's own channels: its distributors come first,
        // whether or not they bought in the period.
        let channels = match &filter.places {
            ListScope::Enterprise(e) => {
                match self.store.get_record(RecordKind::Enterprise, *e).await? {
                    Some(record) => serde_json::from_value::<Enterprise>(record.body.clone())
                        .map(|e| e.channels)
                        .unwrap_or_default(),
                    None => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        let mut buyers = Vec::new();
        for channel in &channels {
            let id = channel.distributor_id;
            buyers.push(BuyerSales {
                enterprise_id: Some(id),
                name: self.enterprise_name(id).await?,
                off_platform: false,
                sold: m
                    .by_buyer
                    .get(&Some(id))
                    .copied()
                    .unwrap_or_default()
                    .into(),
                channel_regions: Some(channel.regions.clone()),
                diversion_alerts: Some(
                    m.diversion_by_distributor
                        .get(&id)
                        .copied()
                        .unwrap_or_default()
                        .into(),
                ),
            });
        }
        let mut others: Vec<(Option<i64>, Pair)> = m
            .by_buyer
            .iter()
            .filter(|(id, _)| !id.is_some_and(|id| channels.iter().any(|c| c.distributor_id == id)))
            .map(|(id, pair)| (*id, *pair))
            .collect();
        others
            .sort_by(|(a_id, a), (b_id, b)| (b.now, b.before, a_id).cmp(&(a.now, a.before, b_id)));
        let rest = others.split_off(others.len().min(MARKET_BUYERS));
        for (id, pair) in others {
            let name = match id {
                Some(id) => self.enterprise_name(id).await?,
                None => OFF_PLATFORM_ZH.to_string(),
            };
            buyers.push(BuyerSales {
                enterprise_id: id,
                name,
                off_platform: id.is_none(),
                sold: pair.into(),
                channel_regions: None,
                diversion_alerts: None,
            });
        }
        if !rest.is_empty() {
            let sum = rest.iter().fold(Pair::default(), |acc, (_, p)| Pair {
                now: acc.now + p.now,
                before: acc.before + p.before,
            });
            buyers.push(BuyerSales {
                enterprise_id: None,
                name: format!("其余 {} 家购货方", rest.len()),
                off_platform: false,
                sold: sum.into(),
                channel_regions: None,
                diversion_alerts: None,
            });
        }
        Ok(MarketView {
            period,
            previous_period,
            sold: m.sold.into(),
            by_province,
            buyers,
            scans_by_province,
        })
    }
}
