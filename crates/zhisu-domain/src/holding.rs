//! Who holds a code now (G5.2-flow, issues 15.3 and 16.6): what reached an
//! enterprise and has not left it. Only the side the goods leave moves
//! them: a sale (or return) moves goods out of the seller; the buyer's
//! purchase of the same delivery confirms it and moves nothing, in
//! whichever order the two were recorded. A purchase no upstream sale
//! matches moves nothing either: claiming to have bought a code does not
//! make an enterprise its holder (it could then sell it, read its trade
//! chain and raise alerts against its producer).

/// One flow line as the holding rule reads it, in the order it was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    /// `true` when the seller recorded it (a sale), `false` for a purchase.
    pub recorded_by_seller: bool,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub quantity: u64,
}

/// How many items of one code `holder` holds after `movements` (every
/// stored line of that code with `holder` on either side, oldest first),
/// starting from `start` (what it made of the code: 1 for an item code
/// the producer holds, the batch quantity for its lot code, else 0).
///
/// Seller-recorded lines (sales and returns) move goods; purchases never
/// do, whether they confirm a sale or stand unmatched, so the order the
/// two sides record a delivery in does not matter.
pub fn held_quantity(holder: i64, start: u64, movements: &[Movement]) -> u64 {
    let mut held = start as i128;
    // Issue 16.6: only the upstream side's record moves goods.
    for m in movements.iter().filter(|m| m.recorded_by_seller) {
        if m.to == Some(holder) {
            held += m.quantity as i128;
        }
        if m.from == Some(holder) {
            held -= m.quantity as i128;
        }
    }
    held.clamp(0, u64::MAX as i128) as u64
}

/// Whether `holder` may record the sale `sale` of a code after
/// `movements`: it must hold the quantity, even when the buyer recorded
/// the delivery as its purchase first (the sale is what moves the goods).
/// `Err(held)` says how many it holds.
pub fn may_sell(
    holder: i64,
    start: u64,
    movements: &[Movement],
    sale: &Movement,
) -> Result<(), u64> {
    let held = held_quantity(holder, start, movements);
    if held >= sale.quantity {
        Ok(())
    } else {
        Err(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale(from: i64, to: Option<i64>, q: u64) -> Movement {
        Movement {
            recorded_by_seller: true,
            from: Some(from),
            to,
            quantity: q,
        }
    }
    fn purchase(from: Option<i64>, to: i64, q: u64) -> Movement {
        Movement {
            recorded_by_seller: false,
            from,
            to: Some(to),
            quantity: q,
        }
    }

    #[test]
    fn an_item_sold_once_is_no_longer_held() {
        // Producer 1 sells to seller 2, who sells to a consumer.
        let rows = [sale(1, Some(2), 1), sale(2, None, 1)];
        assert_eq!(held_quantity(1, 1, &rows[..1]), 0);
        assert_eq!(held_quantity(2, 0, &rows[..1]), 1);
        assert_eq!(held_quantity(2, 0, &rows), 0, "sold on: gone");
        assert_eq!(
            held_quantity(1, 1, &[]),
            1,
            "the producer holds what it made"
        );
    }

    #[test]
    fn a_delivery_recorded_by_both_sides_counts_once_in_either_order() {
        for rows in [
            vec![sale(1, Some(2), 1), purchase(Some(1), 2, 1)],
            vec![purchase(Some(1), 2, 1), sale(1, Some(2), 1)],
            // The buyer sells on before it records the purchase.
            vec![
                sale(1, Some(2), 1),
                sale(2, None, 1),
                purchase(Some(1), 2, 1),
            ],
        ] {
            let sold_on = rows.iter().any(|m| m.from == Some(2));
            assert_eq!(held_quantity(2, 0, &rows), u64::from(!sold_on), "{rows:?}");
            assert_eq!(held_quantity(1, 1, &rows), 0, "{rows:?}");
        }
    }

    #[test]
    fn a_return_brings_the_item_back_and_lots_count_quantities() {
        let rows = [sale(1, Some(2), 1), sale(2, Some(1), 1)];
        assert_eq!(held_quantity(1, 1, &rows), 1);
        assert_eq!(held_quantity(2, 0, &rows), 0);
        // A lot of 100: 60 to seller 2, who sells 50 of them.
        let rows = [sale(1, Some(2), 60), sale(2, None, 50)];
        assert_eq!(held_quantity(1, 100, &rows), 40);
        assert_eq!(held_quantity(2, 0, &rows), 10);
        // A purchase from off the platform moves nothing on the platform:
        // no on-platform upstream side recorded the delivery (issue 16.6).
        assert_eq!(held_quantity(3, 0, &[purchase(None, 3, 5)]), 0);
    }

    #[test]
    fn a_sale_the_buyer_recorded_first_still_needs_the_goods() {
        // Seller 2 bought from 1; retailer 3 recorded its purchase from 2
        // before 2 recorded the sale: 2 still holds the item and may sell
        // it, once.
        let rows = [sale(1, Some(2), 1), purchase(Some(2), 3, 1)];
        assert_eq!(held_quantity(2, 0, &rows), 1);
        assert_eq!(held_quantity(3, 0, &rows), 0, "not yet delivered");
        assert_eq!(may_sell(2, 0, &rows, &sale(2, Some(3), 1)), Ok(()));
        let confirmed = [rows[0], rows[1], sale(2, Some(3), 1)];
        assert_eq!(held_quantity(3, 0, &confirmed), 1);
        assert_eq!(
            may_sell(2, 0, &confirmed, &sale(2, Some(3), 1)),
            Err(0),
            "not twice"
        );
        assert_eq!(may_sell(1, 1, &[], &sale(1, None, 1)), Ok(()));
        assert_eq!(may_sell(1, 1, &rows[..1], &sale(1, None, 1)), Err(0));
    }

    #[test]
    fn an_unmatched_purchase_makes_no_holder() {
        // Issue 16.6: seller 4 claims it bought the producer's item; the
        // producer never sold it. 4 holds nothing and may not sell it,
        // and a sale it "confirms" by recording first does not help the
        // one who never held the goods.
        let rows = [purchase(Some(1), 4, 1)];
        assert_eq!(held_quantity(4, 0, &rows), 0);
        assert_eq!(may_sell(4, 0, &rows, &sale(4, None, 1)), Err(0));
        assert_eq!(held_quantity(1, 1, &rows), 1, "the producer still holds it");
        let colluding = [purchase(Some(5), 6, 1)];
        assert_eq!(may_sell(5, 0, &colluding, &sale(5, Some(6), 1)), Err(0));
    }
}
