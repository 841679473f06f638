//! The authorities' registers (issue 17.3) on both engines: a regulator
//! imports a CCC register as a GBK CSV (what Excel saves in China) and
//! again as XLSX, each a new version; a product whose certificate is
//! expired in it, or not in it, is found by the next sweep (ZV-A-005).
//! Files with missing columns, duplicate rows or an unknown kind are
//! refused whole, naming the problem, and change nothing.

use serde_json::{json, Value};
use zhisu_domain::Role;
use zhisu_print::xlsx::{workbook, Cell, Sheet};

use crate::support::{gas_stove_json, TestApp};

async fn import(app: &TestApp, key: &str, kind: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    let r = app
        .client
        .post(app.url("/api/v1/verification/registers"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    crate::support::decode(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_import_finds_certificates_it_does_not_hold() {
    for app in TestApp::each_engine().await {
        let engine = format!("{:?}", app.engine_kind);
        let admin = app.key(Role::PlatformAdmin, None, &[]).await;
        let (maker_id, maker) = app.enterprise(&admin, "manufacturer", "440305").await;
        let gd = app.key(Role::Regulator, None, &["440000"]).await;
        let (_, me) = app
            .get(&admin, &format!("/api/v1/enterprises/{maker_id}"))
            .await;
        let uscc = me["uscc"].as_str().unwrap().to_string();
        // Two products: one certificate expired in the register, one valid.
        let (_, expired) = app
            .post(&maker, "/api/v1/products", &gas_stove_json("REG-1"))
            .await;
        let mut valid = gas_stove_json("REG-2");
        valid["ccc_cert_no"] = json!("2021010101777777");
        let (_, valid) = app.post(&maker, "/api/v1/products", &valid).await;

        let csv = format!(
            "证书编号,持证人,统一社会信用代码,产品范围,发证日期,有效期至,证书状态\r\n\
             2021010101123456,测试制造有限公司,{uscc},家用燃气灶,2021/1/1,2026/6/30,过期\r\n\
             2021010101777777,测试制造有限公司,{uscc},燃气热水器,2022-01-01,2030-12-31,有效\r\n"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
        let (status, summary) = import(&app, &gd, "ccc", "CCC证书.csv", gbk.into_owned()).await;
        assert_eq!(status, 201, "{engine}: {summary}");
        assert_eq!(
            (summary["entries"].as_u64(), summary["version"].as_i64()),
            (Some(2), Some(1))
        );

        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        let (_, found) = app
            .get(&gd, "/api/v1/verification/findings?rule=ZV-A-005")
            .await;
        let ids: Vec<&Value> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| &f["record_id"])
            .collect();
        assert_eq!(ids, [&expired["id"]], "{engine}: {found}");
        assert!(
            found["items"][0]["evidence"]
                .as_str()
                .unwrap()
                .contains("过期"),
            "{engine}: {found}"
        );

        // The same register as XLSX, now without the valid certificate:
        // a new version; that product is not in it any more.
        let row = |cells: [&str; 7]| {
            cells
                .iter()
                .map(|c| Cell::Text(c.to_string()))
                .collect::<Vec<_>>()
        };
        let xlsx = workbook(&[Sheet::new(
            "CCC",
            &[
                "number",
                "holder_name",
                "uscc",
                "scope",
                "valid_from",
                "valid_to",
                "status",
            ],
            vec![row([
                "2021010101123456",
                "测试制造有限公司",
                &uscc,
                "",
                "2021-01-01",
                "2026-06-30",
                "expired",
            ])],
        )])
        .unwrap();
        let (status, summary) = import(&app, &gd, "ccc", "ccc.xlsx", xlsx).await;
        assert_eq!(status, 201, "{engine}: {summary}");
        assert_eq!(summary["version"], 2);
        app.post(&gd, "/api/v1/verification/sweeps", &json!({}))
            .await;
        let (_, found) = app
            .get(&gd, "/api/v1/verification/findings?rule=ZV-A-005")
            .await;
        assert_eq!(found["total"], 2, "{engine}: {found}");
        assert!(
            found
                .to_string()
                .contains("登记中没有编号 2021010101777777"),
            "{engine}: {found}"
        );
        let _ = valid;

        // Bad files: refused whole, nothing changes.
        for (kind, name, bytes, words) in [
            ("ccc", "a.csv", "number,holder_name\r\nX,Y\r\n".as_bytes().to_vec(), "缺少列"),
            ("ccc", "a.csv", format!("number,holder_name,uscc,valid_from,valid_to,status\r\nA,甲,{uscc},2020-01-01,2030-01-01,valid\r\nA,乙,{uscc},2020-01-01,2030-01-01,valid\r\n").into_bytes(), "与第 2 行重复"),
            ("ccc", "a.csv", vec![0xff, 0xfe, 0x00, 0x81, 0x30], "这不是表格文件"),
            ("ccc", "a.csv", vec![0xff, 0xfe, 0xfd, 0x81, 0x30], "既不是 UTF-8 也不是 GBK"),
            ("cca", "a.csv", csv.clone().into_bytes(), "登记类别"),
        ] {
            let (status, problem) = import(&app, &gd, kind, name, bytes).await;
            assert_eq!(status, 422, "{engine}: {name} → {problem}");
            assert!(problem.to_string().contains(words), "{engine}: {words} not in {problem}");
        }
        let (_, seller) = app.enterprise(&admin, "seller", "440106").await;
        for key in [&maker, &seller] {
            let (status, _) = import(&app, key, "ccc", "a.csv", csv.clone().into_bytes()).await;
            assert_eq!(status, 403, "{engine}");
        }
        let (_, registers) = app.get(&gd, "/api/v1/verification/registers").await;
        assert_eq!(registers[0]["version"], 2, "{engine}: {registers}");
        assert_eq!(registers[0]["entries"], 1);
        let verify = app.ledger_verify().await;
        assert!(
            verify.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
}
