//! Reminders by email and SMS (issue 19.5) against real receivers on
//! loopback: an SMTP server (Python's aiosmtpd) and an HTTP SMS gateway.
//! While the mail server is down each email is logged failed and the text
//! messages still go; started, the next run sends the emails it owed and
//! nothing twice.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zhisu::notify::{SmsGateway, SmtpNotifier};
use zhisu_domain::Role;
use zhisu_service::today_in_shanghai;

use crate::support::{gas_stove_json, EngineKind, TestApp};

/// An SMTP server printing each message it takes as a JSON line.
const SMTP_SERVER: &str = r#"
import json, sys, time
from email import message_from_bytes
from email.header import decode_header, make_header
from aiosmtpd.controller import Controller

class Printer:
    async def handle_DATA(self, server, session, envelope):
        m = message_from_bytes(envelope.original_content or envelope.content)
        subject = str(make_header(decode_header(m.get("Subject", ""))))
        body = m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                          "subject": subject, "body": body}, ensure_ascii=False), flush=True)
        return "250 OK"

controller = Controller(Printer(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

struct MailServer {
    child: Child,
    mail: Arc<Mutex<Vec<Value>>>,
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SMTP server on `port`; None where aiosmtpd is not installed (CI
/// installs it and must have it).
fn mail_server(port: u16) -> Option<MailServer> {
    let has = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var("CI").is_err(),
            "CI is set but Python's aiosmtpd is not installed: the SMTP test would be skipped"
        );
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", SMTP_SERVER, &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let mail = Arc::new(Mutex::new(Vec::new()));
    let kept = mail.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock()
                .unwrap()
                .push(serde_json::from_str(&line).unwrap());
        }
    });
    Some(MailServer { child, mail })
}

/// An SMS gateway on loopback keeping each request's body and
/// authorization.
async fn sms_gateway() -> (String, Arc<Mutex<Vec<(String, Value)>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let kept = kept.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    kept.lock().unwrap().push((auth, body));
                    axum::Json(json!({"code": 0}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_owed_while_the_mail_server_is_down_is_sent_once_it_is_up() {
    let port = crate::support::port_for_a_child();
    // Checked before anything else: skipped where aiosmtpd is missing.
    let Some(probe) = mail_server(port) else {
        return;
    };
    drop(probe);
    let app = TestApp::spawn(EngineKind::Sqlite).await;
    let admin = app.key(Role::PlatformAdmin, None, &[]).await;
    let (maker, key) = app.enterprise(&admin, "manufacturer", "440305").await;
    let (status, patched) = app
        .patch(
            &key,
            &format!("/api/v1/enterprises/{maker}"),
            &json!({"contact_email": "zhang@factory.example", "contact_phone": "138 0013 8000"}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    let (status, refused) = app
        .patch(
            &key,
            &format!("/api/v1/enterprises/{maker}"),
            &json!({"contact_email": "zhang at factory"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "contact_email");
    let (_, product) = app
        .post(&key, "/api/v1/products", &gas_stove_json("MAIL-1"))
        .await;
    let product = product["id"].as_i64().unwrap();
    let long_ago = format!(
        "{}T00:00:00Z",
        today_in_shanghai() - chrono::Duration::days(30)
    );
    app.execute_raw(&format!(
        "update records set created_at = '{long_ago}' where id = {product}"
    ))
    .await
    .unwrap();

    let (sms_url, texts) = sms_gateway().await;
    let service = app
        .service
        .clone()
        .with_notifier(Arc::new(
            SmtpNotifier::new(
                &format!("smtp://127.0.0.1:{port}"),
                "质溯平台 <noreply@zhisu.example>",
            )
            .unwrap(),
        ))
        .with_notifier(Arc::new(
            SmsGateway::new(
                &sms_url,
                Some("sms-token".into()),
                json!({"phone": "{to}", "content": "【质溯】{text}"}),
            )
            .unwrap(),
        ));

    // The mail server is down: the emails fail and are kept to retry.
    let first = service
        .send_reporting_reminders(today_in_shanghai())
        .await
        .unwrap();
    assert!(first.reminded > 0);
    assert_eq!(first.failed, first.reminded, "{first:?}");
    assert_eq!(first.delivered, first.reminded, "the texts went: {first:?}");
    let failed = app
        .scalar("select count(*) from reminders where channel = 'email' and status = 'failed' and last_error is not null")
        .await;
    assert_eq!(failed, first.reminded as i64);
    {
        let texts = texts.lock().unwrap();
        assert_eq!(texts.len(), first.reminded);
        let (auth, body) = &texts[0];
        assert_eq!(auth, "Bearer sms-token");
        assert_eq!(body["phone"], "13800138000");
        assert!(
            body["content"]
                .as_str()
                .unwrap()
                .starts_with("【质溯】请填报产量：家用燃气灶（MAIL-1）"),
            "{body}"
        );
    }

    // Up again: the next run sends what it owed, no reminder twice.
    let Some(server) = mail_server(port) else {
        return;
    };
    let second = service
        .send_reporting_reminders(today_in_shanghai())
        .await
        .unwrap();
    assert_eq!(second.reminded, 0, "{second:?}");
    assert_eq!(second.delivered, first.reminded, "{second:?}");
    assert_eq!(second.failed, 0, "{second:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.mail.lock().unwrap().len() < first.reminded {
        assert!(Instant::now() < deadline, "the mail never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mail = server.mail.lock().unwrap().clone();
    assert_eq!(mail.len(), first.reminded);
    for m in &mail {
        assert_eq!(m["from"], "noreply@zhisu.example");
        assert_eq!(m["to"], json!(["zhang@factory.example"]));
        assert!(
            m["subject"]
                .as_str()
                .unwrap()
                .starts_with("请填报产量：家用燃气灶（MAIL-1）"),
            "{m}"
        );
        assert!(
            m["body"]
                .as_str()
                .unwrap()
                .contains(&format!("/products/{product}#reporting")),
            "{m}"
        );
    }
    assert_eq!(texts.lock().unwrap().len(), first.reminded, "no text twice");
    let third = service
        .send_reporting_reminders(today_in_shanghai())
        .await
        .unwrap();
    assert_eq!((third.reminded, third.delivered, third.failed), (0, 0, 0));
    assert_eq!(
        app.scalar(
            "select count(*) from reminders where status = 'sent' and audience = 'enterprise'"
        )
        .await,
        3 * first.reminded as i64,
        "inbox, email and SMS each once"
    );
}
