//! The platform as the toolkit talks to it (issue 19.4): its import API
//! over HTTP with an API key — a chunk of rows sent as NDJSON to `POST
//! /api/v1/imports?commit=valid`, the job followed at `GET
//! /api/v1/imports/{id}` until it is done, and its rows' outcomes read from
//! `/rows`. A network failure or an overloaded platform (429, 502–504) is
//! tried again after a pause; any other refusal is told as the platform's
//! problem JSON (RFC 9457) words.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// An import job as the platform reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    pub id: i64,
    /// `checked`, `running`, `done` or `failed`.
    pub status: String,
    pub failure: Option<String>,
}

/// One row's outcome in a job.
#[derive(Debug, Clone, Deserialize)]
pub struct JobRow {
    pub row: i64,
    pub status: String,
    pub id: Option<i64>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// Why the platform could not be used: in words, and the HTTP status
/// when it answered.
#[derive(Debug)]
pub struct PlatformError(pub String, pub Option<u16>);

impl std::fmt::Display for PlatformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn failure(words: String) -> PlatformError {
    PlatformError(words, None)
}

/// The platform at a base URL, as one API key.
pub struct Platform {
    http: reqwest::Client,
    base: String,
    key: String,
    retries: u32,
}

/// An error and what caused it (reqwest's own words stop at "error
/// sending request"; the cause says "connection refused").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut words = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        words.push_str(": ");
        words.push_str(&c.to_string());
        cause = c.source();
    }
    words
}

/// A problem JSON's words: its title, detail and each field's message.
fn problem_words(status: reqwest::StatusCode, body: &str) -> String {
    let Ok(problem) = serde_json::from_str::<Value>(body) else {
        return format!("平台拒绝了请求 (the platform refused: HTTP {status})");
    };
    let mut words = format!(
        "平台拒绝了请求 (the platform refused: HTTP {status}): {}",
        problem["detail"]
            .as_str()
            .or(problem["title"].as_str())
            .unwrap_or_default()
    );
    for e in problem["errors"].as_array().into_iter().flatten().take(20) {
        words.push_str(&format!(
            "\n  {}: {}",
            e["field"].as_str().unwrap_or_default(),
            e["message"].as_str().unwrap_or_default()
        ));
    }
    words
}

impl Platform {
    pub fn new(base: &str, key: &str, retries: u32) -> Result<Platform, PlatformError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(300))
            .user_agent(concat!("zhisu-toolkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| failure(e.to_string()))?;
        Ok(Platform {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            retries,
        })
    }

    /// Sends one request (built afresh for each try), tried again while
    /// the network or an overloaded platform fails; the body of a success.
    async fn send(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<String, PlatformError> {
        let mut pause = Duration::from_secs(1);
        let mut tries = 0;
        loop {
            let outcome = request().bearer_auth(&self.key).send().await;
            let passing = match &outcome {
                Err(e) => Some(format!(
                    "无法连接平台 (cannot reach the platform at {}): {}",
                    self.base,
                    with_causes(e)
                )),
                Ok(r) if matches!(r.status().as_u16(), 429 | 502 | 503 | 504) => Some(format!(
                    "平台暂时不可用 (the platform is unavailable: HTTP {})",
                    r.status()
                )),
                Ok(_) => None,
            };
            if let Some(words) = passing {
                if tries >= self.retries {
                    return Err(failure(words));
                }
                tries += 1;
                eprintln!(
                    "{words}；{} 秒后重试 (trying again in {pause:?})",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(60));
                continue;
            }
            let response = outcome.expect("a response");
            let status = response.status();
            let body = response.text().await.map_err(|e| {
                failure(format!(
                    "读取平台的回复失败 (reading the reply failed): {e}"
                ))
            })?;
            if !status.is_success() {
                return Err(PlatformError(
                    problem_words(status, &body),
                    Some(status.as_u16()),
                ));
            }
            return Ok(body);
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, PlatformError> {
        serde_json::from_str(body).map_err(|e| {
            failure(format!(
                "平台的回复不是导入接口的格式：地址是否为质溯平台？ (the reply is not the import API's: is the address a zhisu platform?) {e}"
            ))
        })
    }

    /// Sends `ndjson` (one row a line) as an import of `kind`, its valid
    /// rows committed; the job.
    pub async fn push(
        &self,
        kind: &str,
        enterprise: Option<i64>,
        name: &str,
        ndjson: &str,
    ) -> Result<Job, PlatformError> {
        let mut query = vec![
            ("kind", kind.to_string()),
            ("commit", "valid".into()),
            ("name", name.to_string()),
        ];
        if let Some(id) = enterprise {
            query.push(("enterprise_id", id.to_string()));
        }
        let url = format!("{}/api/v1/imports", self.base);
        let body = self
            .send(|| {
                self.http
                    .post(&url)
                    .query(&query)
                    .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
                    .body(ndjson.to_string())
            })
            .await?;
        Self::parse(&body)
    }

    pub async fn job(&self, id: i64) -> Result<Job, PlatformError> {
        let url = format!("{}/api/v1/imports/{id}", self.base);
        Self::parse(&self.send(|| self.http.get(&url)).await?)
    }

    /// The job once its rows are all filed (or it stopped).
    pub async fn finished(&self, id: i64) -> Result<Job, PlatformError> {
        let mut pause = Duration::from_millis(50);
        loop {
            let job = self.job(id).await?;
            match job.status.as_str() {
                "done" => return Ok(job),
                "failed" => {
                    return Err(failure(format!(
                        "平台上的导入 {id} 中止 (import {id} stopped on the platform): {}",
                        job.failure.unwrap_or_default()
                    )))
                }
                _ => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Every row's outcome in the job, in order.
    pub async fn rows(&self, id: i64) -> Result<Vec<JobRow>, PlatformError> {
        let url = format!("{}/api/v1/imports/{id}/rows", self.base);
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page: Vec<JobRow> = Self::parse(
                &self
                    .send(|| {
                        self.http
                            .get(&url)
                            .query(&[("after", after), ("limit", 1000)])
                    })
                    .await?,
            )?;
            let Some(last) = page.last() else { break };
            after = last.row;
            all.extend(page);
        }
        Ok(all)
    }
}
