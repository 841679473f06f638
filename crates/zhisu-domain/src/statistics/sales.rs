//! A sale as the rollups see it (P6.7): its lines' quantities on the
//! day of sale by the buyer's province and by buyer, in the seller's place.

use chrono::NaiveDate;

use super::rollup::{Measure, Place, StatDelta};

/// One line of a sale as the rollups see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleLine {
    /// The day of the sale (its `at`, Asia/Shanghai).
    pub day: NaiveDate,
    /// The category of the line's product.
    pub category: String,
    pub quantity: i64,
}

/// The rollup changes of a sale recorded by the seller at `seller` (its
/// enterprise and region) to a buyer: each line's quantity on the sale's
/// day, in its product's category, once by the buyer's province (two
/// digits, "" off the platform: few rows, which every figure of sales
/// reads) and once by the buyer (for the seller's own market view only,
/// kept per enterprise and not per region: a province's sellers have
/// thousands of buyers). Returns and purchases are not sales (a purchase
/// mirrors a supplier's sale; counting both would count the goods twice).
pub fn sale_deltas(
    seller: &Place,
    buyer_region: &str,
    buyer: Option<i64>,
    lines: &[SaleLine],
) -> Vec<StatDelta> {
    let province = buyer_region.get(..2).unwrap_or_default().to_string();
    let buyer = buyer.map(|b| b.to_string()).unwrap_or_default();
    let mut out = Vec::with_capacity(lines.len() * 2);
    for l in lines {
        let place = Place {
            category: l.category.clone(),
            ..seller.clone()
        };
        for (measure, detail) in [(Measure::Sales, &province), (Measure::SalesByBuyer, &buyer)] {
            out.push(StatDelta {
                measure,
                day: l.day,
                place: place.clone(),
                detail: detail.clone(),
                value: l.quantity,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::rollup::per_table;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn place(enterprise: i64) -> Place {
        Place {
            enterprise_id: enterprise,
            region_code: "440305".into(),
            category: "wire".into(),
        }
    }

    #[test]
    fn a_sale_counts_its_quantities_by_the_buyers_province_and_by_buyer() {
        let lines = [
            SaleLine {
                day: d("2026-11-02"),
                category: "wire".into(),
                quantity: 40,
            },
            SaleLine {
                day: d("2026-11-02"),
                category: "stove".into(),
                quantity: 1,
            },
        ];
        let out = sale_deltas(&place(7), "440106", Some(17), &lines);
        let of = |m: Measure| out.iter().filter(|x| x.measure == m).collect::<Vec<_>>();
        assert_eq!(of(Measure::Sales).len(), 2);
        assert_eq!(of(Measure::Sales)[0].value, 40);
        assert_eq!(of(Measure::Sales)[0].detail, "44", "the buyer's province");
        assert_eq!(of(Measure::Sales)[1].place.category, "stove");
        assert_eq!(
            of(Measure::Sales)[0].place.region_code,
            "440305",
            "the seller's region"
        );
        assert_eq!(of(Measure::SalesByBuyer)[0].detail, "17");
        // A buyer off the platform: no province, no ID.
        let off = sale_deltas(&place(7), "", None, &lines[..1]);
        assert!(off.iter().all(|x| x.detail.is_empty()));
        // By buyer only per enterprise: a region's rows stay few.
        let (enterprises, regions) = per_table(&out);
        assert_eq!(enterprises.len(), 4);
        assert!(
            regions.iter().all(|((m, ..), _)| *m == Measure::Sales),
            "{regions:?}"
        );
    }
}
