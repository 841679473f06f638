//! EPCIS 2.0 query subscriptions (G10.1): what a subscription request must
//! say, and when a scheduled one fires.
//!
//! A schedule is the EPCIS query schedule: six optional fields (`second`,
//! `minute`, `hour`, `dayOfMonth`, `month`, `dayOfWeek`), each a
//! comma-separated list of elements, an element a number, a range
//! `[low-high]` (either end may be left out) or, as in the standard's own
//! examples, `start/step`. Times are read in UTC. A field left out matches
//! any value when it is coarser than the finest field given and only its
//! lowest value when it is finer, so `{"hour": "1", "minute": "5"}` fires
//! once a day at 01:05:00, as the REST binding's example says.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use serde_json::Value;

use crate::{FieldError, Invalid};

/// The schedule's fields, finest first, with their ranges and names.
const FIELDS: [(&str, u32, u32); 6] = [
    ("second", 0, 59),
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("dayOfMonth", 1, 31),
    ("month", 1, 12),
    ("dayOfWeek", 1, 7),
];

/// When a scheduled subscription fires: for each field, the values that
/// match (bit `v` set when `v` matches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    allowed: [u64; 6],
}

fn schedule_error(field: &str, message: String) -> FieldError {
    FieldError::new(&format!("schedule.{field}"), "schedule", message).clause("G10.1")
}

/// One field's elements as a bit set of matching values.
fn parse_field(name: &str, text: &str, low: u32, high: u32) -> Result<u64, FieldError> {
    let bad = |why: &str| {
        schedule_error(
            name,
            format!(
                "{name} 应为以逗号分隔的数字 ({low}–{high})、范围 [a-b] 或 起点/步长 ({name} is a comma-separated list of numbers {low}–{high}, ranges [a-b] or start/step): {why}"
            ),
        )
    };
    let number = |s: &str, default: u32| -> Result<u32, FieldError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(default);
        }
        let n: u32 = s
            .parse()
            .map_err(|_| bad(&format!("{s:?} 不是数字 (not a number)")))?;
        if n < low || n > high {
            return Err(bad(&format!("{n} 超出范围 (out of range)")));
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for element in text.split(',') {
        let element = element.trim();
        let (from, to, step) =
            if let Some(range) = element.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                let (a, b) = range
                    .split_once('-')
                    .ok_or_else(|| bad(&format!("{element:?} 缺少 - (no -)")))?;
                (number(a, low)?, number(b, high)?, 1)
            } else if let Some((start, step)) = element.split_once('/') {
                let step: u32 = step
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| bad(&format!("{element:?} 的步长无效 (bad step)")))?;
                let start = if start.trim() == "*" {
                    low
                } else {
                    number(start, low)?
                };
                (start, high, step)
            } else if element.is_empty() {
                return Err(bad("空元素 (an empty element)"));
            } else {
                let n = number(element, low)?;
                (n, n, 1)
            };
        if from > to {
            return Err(bad(&format!(
                "{element:?} 起点大于终点 (starts after it ends)"
            )));
        }
        let mut v = from;
        while v <= to {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok(bits)
}

impl Schedule {
    /// Reads a schedule object; each field a string (or a number).
    pub fn parse(value: &Value) -> Result<Schedule, Invalid> {
        let Some(fields) = value.as_object() else {
            return Err(Invalid(vec![schedule_error(
                "",
                "schedule 应为对象 (schedule must be an object)".into(),
            )]));
        };
        let mut errors = Vec::new();
        for key in fields.keys() {
            if !FIELDS.iter().any(|(name, ..)| name == key) {
                errors.push(schedule_error(
                    key,
                    format!("没有这个时间字段 {key} (no schedule field {key}; fields are second, minute, hour, dayOfMonth, month, dayOfWeek)"),
                ));
            }
        }
        let finest = FIELDS
            .iter()
            .position(|(name, ..)| fields.contains_key(*name));
        let Some(finest) = finest else {
            errors.push(schedule_error(
                "",
                "schedule 至少要有一个字段 (a schedule names at least one field)".into(),
            ));
            return Err(Invalid(errors));
        };
        let mut allowed = [0u64; 6];
        for (i, (name, low, high)) in FIELDS.into_iter().enumerate() {
            let all = ((1u64 << (high + 1)) - 1) & !((1u64 << low) - 1);
            allowed[i] = match fields.get(name) {
                None if i < finest => 1 << low,
                None => all,
                Some(v) => {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => {
                            errors.push(schedule_error(
                                name,
                                format!("{name} 应为字符串 ({name} must be a string)"),
                            ));
                            continue;
                        }
                    };
                    match parse_field(name, &text, low, high) {
                        Ok(bits) => bits,
                        Err(e) => {
                            errors.push(e);
                            continue;
                        }
                    }
                }
            };
        }
        if errors.is_empty() {
            Ok(Schedule { allowed })
        } else {
            Err(Invalid(errors))
        }
    }

    fn has(&self, field: usize, value: u32) -> bool {
        self.allowed[field] & (1 << value) != 0
    }

    fn day_matches(&self, day: NaiveDate) -> bool {
        self.has(3, day.day())
            && self.has(4, day.month())
            && self.has(5, day.weekday().number_from_monday())
    }

    /// Whether the schedule fires at this second.
    pub fn matches(&self, t: DateTime<Utc>) -> bool {
        self.day_matches(t.date_naive())
            && self.has(2, t.hour())
            && self.has(1, t.minute())
            && self.has(0, t.second())
    }

    /// The first second after `t` at which the schedule fires; None when
    /// it never fires in the next eight years (`dayOfMonth: 31` with
    /// `month: 2`, say).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = t + Duration::seconds(1);
        let mut day = start.date_naive();
        let first_day = day;
        for _ in 0..366 * 8 {
            if self.day_matches(day) {
                let from = if day == first_day {
                    start.num_seconds_from_midnight()
                } else {
                    0
                };
                for hour in (from / 3600)..24 {
                    if !self.has(2, hour) {
                        continue;
                    }
                    for minute in 0..60 {
                        if !self.has(1, minute) || (hour * 3600 + minute * 60 + 59) < from {
                            continue;
                        }
                        for second in 0..60 {
                            let at = hour * 3600 + minute * 60 + second;
                            if at >= from && self.has(0, second) {
                                return day.and_hms_opt(hour, minute, second).map(|n| n.and_utc());
                            }
                        }
                    }
                }
            }
            day = day.succ_opt()?;
        }
        None
    }
}

/// When a subscription reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// Whenever a captured event matches (`"stream": true`).
    Stream,
    /// At the schedule's times; `report_if_empty` also when nothing new
    /// matched.
    Scheduled {
        schedule: Schedule,
        report_if_empty: bool,
    },
}

/// A subscription request, checked.
#[derive(Debug, Clone)]
pub struct SubscriptionRequest {
    /// The webhook the results are posted to.
    pub dest: String,
    /// The subscriber's secret for `GS1-Signature`.
    pub signature_token: Option<String>,
    /// Events recorded from this time on are reported (normalised RFC
    /// 3339 in UTC); None: from the moment of subscribing.
    pub initial_record_time: Option<DateTime<Utc>>,
    pub trigger: Trigger,
}

/// The longest webhook URL taken.
pub const MAX_DEST_LEN: usize = 2048;

/// Checks a webhook URL: absolute `http` or `https`, with a host and no
/// credentials, white space or fragment.
pub fn check_dest(dest: &str) -> Result<(), FieldError> {
    let bad = |why: &str| {
        FieldError::new(
            "dest",
            "url",
            format!("dest 应为 http(s) 网址：{why} (dest must be an http or https URL: {why})"),
        )
        .clause("G10.1")
    };
    if dest.len() > MAX_DEST_LEN {
        return Err(bad("太长 (too long)"));
    }
    let rest = dest
        .strip_prefix("https://")
        .or_else(|| dest.strip_prefix("http://"))
        .ok_or_else(|| {
            bad("须以 http:// 或 https:// 开头 (must start with http:// or https://)")
        })?;
    if dest.chars().any(|c| c.is_whitespace() || c.is_control()) || dest.contains('#') {
        return Err(bad(
            "含空白、控制字符或 # (has white space, control characters or #)",
        ));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("不能带用户名或密码 (must not carry credentials)"));
    }
    if authority.is_empty() || authority.starts_with(':') {
        return Err(bad("缺少主机名 (no host)"));
    }
    Ok(())
}

/// Reads `POST …/subscriptions`: `dest`, optional `signatureToken` and
/// `initialRecordTime`, and either `"stream": true` or a `schedule` (with
/// optional `reportIfEmpty`).
pub fn subscription_request(body: &Value) -> Result<SubscriptionRequest, Invalid> {
    let mut errors = Vec::new();
    if let Some(fields) = body.as_object() {
        const KNOWN: [&str; 6] = [
            "dest",
            "signatureToken",
            "initialRecordTime",
            "stream",
            "schedule",
            "reportIfEmpty",
        ];
        for key in fields.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
            errors.push(
                FieldError::new(
                    key,
                    "unknown",
                    format!("未知字段 {key} (unknown field {key})"),
                )
                .clause("G10.1"),
            );
        }
    } else {
        return Err(Invalid(vec![FieldError::new(
            "",
            "format",
            "订阅应为 JSON 对象 (a subscription is a JSON object)",
        )
        .clause("G10.1")]));
    }
    let dest = match &body["dest"] {
        Value::String(d) => {
            if let Err(e) = check_dest(d) {
                errors.push(e);
            }
            d.clone()
        }
        Value::Null => {
            errors.push(FieldError::required("dest", "回调网址", "G10.1"));
            String::new()
        }
        _ => {
            errors.push(
                FieldError::new("dest", "format", "dest 应为字符串 (dest must be a string)")
                    .clause("G10.1"),
            );
            String::new()
        }
    };
    let signature_token = match &body["signatureToken"] {
        Value::Null => None,
        Value::String(t) if (1..=256).contains(&t.len()) => Some(t.clone()),
        _ => {
            errors.push(
                FieldError::new(
                    "signatureToken",
                    "format",
                    "signatureToken 应为 1–256 字节的字符串 (signatureToken must be a string of 1–256 bytes)",
                )
                .clause("G10.1"),
            );
            None
        }
    };
    let (initial_record_time, trigger) = when(body, &mut errors);
    match trigger {
        Some(trigger) if errors.is_empty() => Ok(SubscriptionRequest {
            dest,
            signature_token,
            initial_record_time,
            trigger,
        }),
        _ => Err(Invalid(errors)),
    }
}

/// When a subscription reports, from a request's `initialRecordTime`,
/// `stream`, `schedule` and `reportIfEmpty`; findings go to `errors`.
fn when(body: &Value, errors: &mut Vec<FieldError>) -> (Option<DateTime<Utc>>, Option<Trigger>) {
    let initial_record_time = match &body["initialRecordTime"] {
        Value::Null => None,
        v => match v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        {
            Some(t) => Some(t.with_timezone(&Utc)),
            None => {
                errors.push(
                    FieldError::new(
                        "initialRecordTime",
                        "format",
                        "initialRecordTime 应为 RFC 3339 时间 (initialRecordTime must be an RFC 3339 time)",
                    )
                    .clause("G10.1"),
                );
                None
            }
        },
    };
    let stream = match &body["stream"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => {
            errors.push(
                FieldError::new(
                    "stream",
                    "format",
                    "stream 应为 true 或 false (stream is a boolean)",
                )
                .clause("G10.1"),
            );
            false
        }
    };
    let report_if_empty = match &body["reportIfEmpty"] {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        _ => {
            errors.push(
                FieldError::new(
                    "reportIfEmpty",
                    "format",
                    "reportIfEmpty 应为 true 或 false (reportIfEmpty is a boolean)",
                )
                .clause("G10.1"),
            );
            None
        }
    };
    let schedule = &body["schedule"];
    let trigger = match (stream, schedule.is_null()) {
        (true, true) => {
            if report_if_empty.is_some() {
                errors.push(
                    FieldError::new(
                        "reportIfEmpty",
                        "stream",
                        "reportIfEmpty 只用于定时订阅 (reportIfEmpty applies to scheduled subscriptions; a stream reports only what arrives)",
                    )
                    .clause("G10.1"),
                );
            }
            Some(Trigger::Stream)
        }
        (false, false) => match Schedule::parse(schedule) {
            Ok(schedule) => Some(Trigger::Scheduled {
                schedule,
                report_if_empty: report_if_empty.unwrap_or(false),
            }),
            Err(Invalid(e)) => {
                errors.extend(e);
                None
            }
        },
        (true, false) => {
            errors.push(
                FieldError::new(
                    "schedule",
                    "exclusive",
                    "stream 与 schedule 只能选一个 (stream and schedule are mutually exclusive)",
                )
                .clause("G10.1"),
            );
            None
        }
        (false, true) => {
            errors.push(
                FieldError::new(
                    "stream",
                    "trigger",
                    "须设 \"stream\": true，或给出 schedule (set \"stream\": true, or give a schedule: otherwise the subscription never reports)",
                )
                .clause("G10.1"),
            );
            None
        }
    };
    (initial_record_time, trigger)
}

/// The schedule and stream parameters a WebSocket subscription takes in
/// its URL (`?stream=true`, `?minute=5&hour=1`, `reportIfEmpty`,
/// `initialRecordTime`), as [`when`] reads them.
pub fn socket_request(
    params: &[(String, String)],
) -> Result<(Option<DateTime<Utc>>, Trigger), Invalid> {
    let mut body = serde_json::Map::new();
    let mut schedule = serde_json::Map::new();
    let mut errors = Vec::new();
    for (k, v) in params {
        let flag = || match v.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            other => Value::String(other.to_string()),
        };
        match k.as_str() {
            "stream" | "reportIfEmpty" => {
                body.insert(k.clone(), flag());
            }
            "initialRecordTime" => {
                body.insert(k.clone(), Value::String(v.clone()));
            }
            field if FIELDS.iter().any(|(name, ..)| *name == field) => {
                schedule.insert(k.clone(), Value::String(v.clone()));
            }
            other => errors.push(
                FieldError::new(
                    other,
                    "unknown",
                    format!("未知参数 {other} (unknown parameter {other})"),
                )
                .clause("G10.1"),
            ),
        }
    }
    if !schedule.is_empty() {
        body.insert("schedule".into(), Value::Object(schedule));
    }
    let (initial_record_time, trigger) = when(&Value::Object(body), &mut errors);
    match trigger {
        Some(trigger) if errors.is_empty() => Ok((initial_record_time, trigger)),
        _ => Err(Invalid(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn next(schedule: Value, after: &str) -> Option<String> {
        Schedule::parse(&schedule)
            .unwrap()
            .next_after(at(after))
            .map(|t| t.to_rfc3339())
    }

    #[test]
    fn the_binding_example_fires_once_a_day_at_one_oh_five() {
        let daily = json!({"hour": "1", "minute": "5"});
        assert_eq!(
            next(daily.clone(), "2026-11-23T00:00:00Z").as_deref(),
            Some("2026-11-23T01:05:00+00:00")
        );
        assert_eq!(
            next(daily.clone(), "2026-11-23T01:05:00Z").as_deref(),
            Some("2026-11-24T01:05:00+00:00")
        );
        let s = Schedule::parse(&daily).unwrap();
        assert!(s.matches(at("2026-11-23T01:05:00Z")));
        assert!(
            !s.matches(at("2026-11-23T01:05:01Z")),
            "seconds default to 0"
        );
    }

    #[test]
    fn ranges_lists_steps_and_weekdays() {
        // Every 30 seconds (the binding's "0/30").
        assert_eq!(
            next(json!({"second": "0/30"}), "2026-11-23T10:00:10Z").as_deref(),
            Some("2026-11-23T10:00:30+00:00")
        );
        // Weekdays 1 (Monday) to 5 at 09:00 and 17:30; 2026-11-28 is a Saturday.
        let office = json!({"dayOfWeek": "[1-5]", "hour": "9,17", "minute": "0,30"});
        assert_eq!(
            next(office.clone(), "2026-11-27T17:30:00Z").as_deref(),
            Some("2026-11-30T09:00:00+00:00")
        );
        // Open-ended ranges and numbers as JSON numbers.
        assert_eq!(
            next(
                json!({"month": "[11-]", "dayOfMonth": 1}),
                "2026-11-23T00:00:00Z"
            )
            .as_deref(),
            Some("2026-12-01T00:00:00+00:00")
        );
        // A date that never comes.
        assert_eq!(
            next(
                json!({"month": "2", "dayOfMonth": "30"}),
                "2026-01-01T00:00:00Z"
            ),
            None
        );
    }

    #[test]
    fn bad_schedules_name_their_field() {
        for (bad, field) in [
            (json!({"minute": "60"}), "schedule.minute"),
            (json!({"hour": "[5-2]"}), "schedule.hour"),
            (json!({"hour": "x"}), "schedule.hour"),
            (json!({"second": "0/0"}), "schedule.second"),
            (json!({"dayOfWeek": "0"}), "schedule.dayOfWeek"),
            (json!({"minute": "1,,2"}), "schedule.minute"),
            (json!({"minutes": "5"}), "schedule.minutes"),
            (json!({"hour": true}), "schedule.hour"),
            (json!({}), "schedule."),
        ] {
            let Invalid(errors) = Schedule::parse(&bad).unwrap_err();
            assert_eq!(errors[0].field, field, "{bad}");
        }
    }

    #[test]
    fn a_request_says_where_and_when() {
        let ok = subscription_request(&json!({
            "dest": "https://client.example.com/cb", "signatureToken": "s3cret",
            "schedule": {"hour": "1", "minute": "5"}, "reportIfEmpty": true,
            "initialRecordTime": "2026-11-23T08:00:00+08:00"
        }))
        .unwrap();
        assert!(matches!(
            ok.trigger,
            Trigger::Scheduled {
                report_if_empty: true,
                ..
            }
        ));
        assert_eq!(ok.initial_record_time, Some(at("2026-11-23T00:00:00Z")));
        assert_eq!(
            subscription_request(&json!({"dest": "http://10.0.0.1:8080/x", "stream": true}))
                .unwrap()
                .trigger,
            Trigger::Stream
        );
        for (bad, field) in [
            (json!({"stream": true}), "dest"),
            (json!({"dest": "ftp://x/y", "stream": true}), "dest"),
            (json!({"dest": "https://u:p@x/y", "stream": true}), "dest"),
            (json!({"dest": "https:///y", "stream": true}), "dest"),
            (json!({"dest": "https://x/ y", "stream": true}), "dest"),
            (json!({"dest": "https://x/y"}), "stream"),
            (json!({"dest": "https://x/y", "stream": false}), "stream"),
            (
                json!({"dest": "https://x/y", "stream": true, "schedule": {"hour": "1"}}),
                "schedule",
            ),
            (
                json!({"dest": "https://x/y", "stream": true, "reportIfEmpty": true}),
                "reportIfEmpty",
            ),
            (
                json!({"dest": "https://x/y", "stream": true, "signatureToken": ""}),
                "signatureToken",
            ),
            (
                json!({"dest": "https://x/y", "stream": true, "initialRecordTime": "yesterday"}),
                "initialRecordTime",
            ),
            (
                json!({"dest": "https://x/y", "stream": true, "query": {}}),
                "query",
            ),
            (
                json!({"dest": "https://x/y", "schedule": {"hour": "25"}}),
                "schedule.hour",
            ),
        ] {
            let Invalid(errors) = subscription_request(&bad).unwrap_err();
            assert!(errors.iter().any(|e| e.field == field), "{bad}: {errors:?}");
        }
    }

    #[test]
    fn a_socket_takes_its_trigger_from_the_url() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (_, stream) = socket_request(&pairs(&[("stream", "true")])).unwrap();
        assert_eq!(stream, Trigger::Stream);
        let (from, daily) = socket_request(&pairs(&[
            ("minute", "5"),
            ("hour", "1"),
            ("reportIfEmpty", "true"),
            ("initialRecordTime", "2026-11-23T00:00:00Z"),
        ]))
        .unwrap();
        assert_eq!(from, Some(at("2026-11-23T00:00:00Z")));
        assert_eq!(
            daily,
            Trigger::Scheduled {
                schedule: Schedule::parse(&json!({"hour": "1", "minute": "5"})).unwrap(),
                report_if_empty: true
            }
        );
        for (bad, field) in [
            (pairs(&[]), "stream"),
            (pairs(&[("stream", "yes")]), "stream"),
            (pairs(&[("stream", "true"), ("hour", "1")]), "schedule"),
            (pairs(&[("hour", "24")]), "schedule.hour"),
            (
                pairs(&[("stream", "true"), ("EQ_bizStep", "shipping")]),
                "EQ_bizStep",
            ),
        ] {
            let Invalid(errors) = socket_request(&bad).unwrap_err();
            assert!(
                errors.iter().any(|e| e.field == field),
                "{bad:?}: {errors:?}"
            );
        }
    }
}
