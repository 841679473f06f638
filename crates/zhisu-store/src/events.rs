//! EPCIS events as stored (G7, G10.1): an event to store, a capture's
//! pieces, the filters of a SimpleEventQuery, query subscriptions, and the
//! `EventStore` that keeps them.

use async_trait::async_trait;
use serde::Serialize;

use crate::StoreResult;

/// An EPCIS event to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: String,
    pub event_type: String,
    pub event_time: String,
    pub record_time: String,
    pub biz_step: Option<String>,
    pub action: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    pub epcs: Vec<String>,
    /// The event as exported (JSON).
    pub body: String,
}

/// One capture: how many events it stored and how many were already there.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaptureRow {
    pub capture_id: String,
    pub created_at: String,
    pub created_by: String,
    pub events: i64,
    pub duplicates: i64,
    /// The enterprise it was captured for.
    #[serde(skip)]
    pub owner: Option<i64>,
    /// The `kid` of the enterprise key whose detached signature over the
    /// document was verified (G9.2); None when it came unsigned.
    pub signed_with: Option<String>,
}

/// The filters of an EPCIS SimpleEventQuery this store answers; empty
/// lists match everything.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub event_types: Vec<String>,
    pub ge_event_time: Option<String>,
    pub lt_event_time: Option<String>,
    pub biz_steps: Vec<String>,
    pub actions: Vec<String>,
    pub dispositions: Vec<String>,
    pub read_points: Vec<String>,
    pub biz_locations: Vec<String>,
    pub epcs: Vec<String>,
    pub event_ids: Vec<String>,
    /// Recorded at or after / before these times (normalised RFC 3339).
    pub ge_record_time: Option<String>,
    pub lt_record_time: Option<String>,
    /// Only events captured for this enterprise (None: all).
    pub owner: Option<i64>,
    /// Only events captured for enterprises whose region code starts with
    /// one of these prefixes: a regulator's jurisdiction (issue 16.7; an
    /// empty list is nothing, None is no such limit).
    pub regions: Option<Vec<String>>,
    /// Rows after this one (paging).
    pub after: i64,
    pub limit: i64,
}

/// A query subscription (EPCIS 2.0 `/queries/{name}/subscriptions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRow {
    pub id: String,
    /// The namespace of its query: an enterprise, or None for the
    /// platform's (regulators and the operator).
    pub owner: Option<i64>,
    pub query_name: String,
    pub dest: String,
    /// The subscriber's secret, sealed at rest.
    pub signature_token: Option<String>,
    pub stream: bool,
    /// The schedule as sent (JSON), for scheduled subscriptions.
    pub schedule: Option<String>,
    pub report_if_empty: bool,
    pub initial_record_time: Option<String>,
    /// The last event row reported: later rows are what is new.
    pub cursor: i64,
    /// When the subscriber last answered a report with 2xx, and the record
    /// time that report ran at (EPCIS `minRecordTime`).
    pub last_notified_at: Option<String>,
    pub min_record_time: Option<String>,
    pub created_by: String,
    pub created_at: String,
    /// The server delivering it, and until when (RFC 3339 UTC).
    pub lease_holder: Option<String>,
    pub lease_until: Option<String>,
}

/// What a capture's events arrive as: pieces in document order, then
/// [`Piece::End`] once every event has been checked.
#[derive(Debug)]
pub enum Piece {
    Events(Vec<NewEvent>),
    End,
}

/// The receiving end of a capture's pieces.
pub type Pieces = tokio::sync::mpsc::Receiver<Piece>;

/// Pieces that are all there already: `events`, then the end.
pub fn pieces_of(events: Vec<NewEvent>) -> Pieces {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    // Room for both; the receiver is still here.
    let _ = tx.try_send(Piece::Events(events));
    let _ = tx.try_send(Piece::End);
    rx
}

/// EPCIS events (G7, G10.1).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores a capture's events in one transaction, storing each piece as
    /// it arrives (while later ones are still being checked). An event
    /// whose ID is already stored is counted as a duplicate and not stored
    /// again. When the pieces stop without [`Piece::End`] (a later event
    /// failed its check), nothing is stored and the answer is `None`.
    /// `signed_with`: the key whose signature over the document was verified.
    async fn capture_events(
        &self,
        capture_id: &str,
        by: &str,
        owner: Option<i64>,
        signed_with: Option<&str>,
        pieces: Pieces,
    ) -> StoreResult<Option<CaptureRow>>;
    async fn capture(&self, capture_id: &str) -> StoreResult<Option<CaptureRow>>;
    /// (row, body) of matching events, in capture order.
    async fn query_events(&self, query: &EventQuery) -> StoreResult<Vec<(i64, String)>>;
    /// Keeps a named query's definition (JSON) in `owner`'s namespace (None:
    /// the platform's); false when the name is taken there.
    async fn create_named_query(
        &self,
        owner: Option<i64>,
        name: &str,
        definition: &str,
        by: &str,
    ) -> StoreResult<bool>;
    /// (name, definition) of every named query in `owner`'s namespace, by name.
    async fn named_queries(&self, owner: Option<i64>) -> StoreResult<Vec<(String, String)>>;
    /// One named query's definition.
    async fn named_query(&self, owner: Option<i64>, name: &str) -> StoreResult<Option<String>>;
    /// Deletes a named query and its subscriptions; false when there was
    /// none.
    async fn delete_named_query(&self, owner: Option<i64>, name: &str) -> StoreResult<bool>;
    /// The row of the last event stored (0 when none).
    async fn last_event_row(&self) -> StoreResult<i64>;
    /// Keeps a subscription; false when its query is not (or no longer) there.
    async fn create_subscription(&self, row: &SubscriptionRow) -> StoreResult<bool>;
    /// The subscriptions of one named query (`Some`) or of every query
    /// (`None`: what the deliverer works through), oldest first.
    async fn subscriptions(
        &self,
        query: Option<(Option<i64>, &str)>,
    ) -> StoreResult<Vec<SubscriptionRow>>;
    /// Ends a subscription; false when there was none.
    async fn delete_subscription(
        &self,
        owner: Option<i64>,
        query_name: &str,
        id: &str,
    ) -> StoreResult<bool>;
    /// Leases to `holder`, until `until`, every subscription it holds
    /// already and every one nobody holds at `now` (unheld, or its lease
    /// ended): one server delivers each subscription at a time.
    async fn lease_subscriptions(&self, holder: &str, now: &str, until: &str) -> StoreResult<()>;
    /// Records a report the subscriber took: events up to row `cursor`,
    /// answered at `notified_at`, the query run at `min_record_time`.
    async fn subscription_reported(
        &self,
        id: &str,
        cursor: i64,
        notified_at: &str,
        min_record_time: &str,
    ) -> StoreResult<()>;
}
