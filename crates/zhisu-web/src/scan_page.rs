//! The scan page, written straight into a string: the one page a phone in
//! the field opens, on the hot path of every scan. The other pages use
//! templates; this one is rendered by code (about 10× faster than the
//! general template engine with its context), with the same markup.

use std::fmt::Write;

use zhisu_domain::public::{PublicFile, PublicParty, PublicProduct};
use zhisu_service::ScanView;

use crate::Lang;

/// Text escaped for HTML element content and quoted attributes.
struct Esc<'a>(&'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#x27;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// What the page shows besides the view.
pub struct ScanPage<'a> {
    pub lang: Lang,
    pub view: &'a ScanView,
    /// `genuine`, `unknown`, `not-active`, …
    pub status: &'a str,
    /// `ok`, `warn`, `unknown`, `bad`: the verdict's colour.
    pub tone: &'a str,
    /// The code's path on this host (`/01/…`).
    pub path: &'a str,
}

impl ScanPage<'_> {
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.write(&mut out).expect("writing to a String");
        out
    }

    fn write(&self, o: &mut String) -> std::fmt::Result {
        let (lang, view, path) = (self.lang, self.view, Esc(self.path));
        let t = |key: &str| Esc(lang.text(key));
        let verdict = t(&format!("s_{}", self.status));
        write!(
            o,
            r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{verdict} · {app}</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="linkset" type="application/linkset+json" href="{path}?linkType=all">
</head>
<body class="scan">
<header class="scan-top"><a class="brand" href="/"><img src="/assets/favicon.svg" alt="" width="24" height="24"> {app}</a>
"#,
            lang = lang.code(),
            app = t("app_short"),
        )?;
        if lang.code() == "en" {
            writeln!(
                o,
                r#"<a href="{path}?lang=zh" class="lang" id="lang">中文</a></header>"#
            )?;
        } else {
            writeln!(
                o,
                r#"<a href="{path}?lang=en" class="lang" id="lang">English</a></header>"#
            )?;
        }
        write!(
            o,
            r#"<main class="scan-main">
<section id="verdict" class="verdict {tone}" data-status="{status}" role="status">
  <strong>{verdict}</strong>
  <p>{message}</p>
"#,
            tone = Esc(self.tone),
            status = Esc(self.status),
            message = Esc(&view.message),
        )?;
        if let Some(reason) = &view.reason {
            writeln!(o, "  <p>{}：{}</p>", t("reason"), Esc(reason))?;
        }
        o.push_str("</section>\n");
        for w in &view.warnings {
            write!(
                o,
                r#"<p class="alert warning" data-alert="{}" role="alert">⚠ {}</p>"#,
                w.kind.as_str(),
                Esc(&w.message)
            )?;
        }
        if let Some(public) = &view.public {
            if let Some(p) = &public.product {
                self.product(o, p)?;
            }
            if let Some(n) = view.package_items {
                write!(
                    o,
                    r#"<section class="scan-card"><h1>{}</h1><p>{}：{n}</p></section>"#,
                    t("sscc"),
                    t("s_package_items")
                )?;
            }
            self.party(o, "s_producer", &public.producer, true)?;
            for s in &public.sellers {
                self.party(o, "s_seller", s, false)?;
            }
        }
        if view.scans.count > 0 {
            write!(
                o,
                r#"<section class="scan-card" id="scans"><p>{}：<strong>{}</strong>"#,
                t("s_scan_count"),
                view.scans.count
            )?;
            if let Some(first) = &view.scans.first_at {
                write!(
                    o,
                    " · {}：{}",
                    t("s_first_scan"),
                    Esc(&crate::view::local_time(first.clone()))
                )?;
            }
            o.push_str("</p></section>\n");
        }
        if view.public.is_some() {
            writeln!(
                o,
                r#"<p><a class="button secondary" id="report" href="/feedback/new?code={}">{}</a></p>"#,
                urlencoding::encode(&view.code),
                t("report_problem")
            )?;
        }
        if let Some(l) = &view.ledger {
            writeln!(
                o,
                r#"<p class="ledger small">✔ {}：{} v{}, {} {} · <a href="{}">{}</a></p>"#,
                t("in_ledger"),
                Esc(&l.record),
                l.version,
                t("leaf_index"),
                l.leaf_index,
                Esc(&l.checkpoint),
                t("s_checkpoint")
            )?;
        }
        o.push_str("</main>\n</body>\n</html>\n");
        Ok(())
    }

    fn product(&self, o: &mut String, p: &PublicProduct) -> std::fmt::Result {
        let row = |o: &mut String, key: &str, value: &str| {
            write!(
                o,
                "\n    <dt>{}</dt><dd>{}</dd>",
                Esc(self.lang.text(key)),
                Esc(value)
            )
        };
        write!(
            o,
            "<section class=\"scan-card\">\n  <h1>{}</h1>\n  <dl>",
            Esc(&p.product_name)
        )?;
        row(o, "model", &p.model)?;
        row(o, "product_type", &p.product_type)?;
        if let Some(v) = &p.production_date {
            row(o, "production_date", v)?;
        }
        if let Some(v) = &p.batch_no {
            row(o, "batch_no", v)?;
        }
        if let Some(v) = &p.serial {
            write!(
                o,
                "\n    <dt>{}</dt><dd class=\"mono\">{}</dd>",
                Esc(self.lang.text("s_serial")),
                Esc(v)
            )?;
        }
        if let Some(v) = p.warranty_months {
            row(o, "warranty_months", &v.to_string())?;
        }
        row(o, "mandatory_standards", &p.mandatory_standards.join("、"))?;
        if let Some(v) = &p.production_licence_no {
            row(o, "production_licence_no", v)?;
        }
        if let Some(v) = &p.ccc_cert_no {
            row(o, "ccc_cert_no", v)?;
        }
        if let Some(v) = &p.instructions {
            row(o, "instructions", v)?;
        }
        if let Some(f) = &p.instructions_file {
            self.file_row(o, "instructions_file", f)?;
        }
        if let Some(f) = &p.inspection_report {
            self.file_row(o, "inspection_report", f)?;
        }
        write!(
            o,
            "\n    <dt>{}</dt><dd class=\"mono\">{}</dd>\n  </dl>\n</section>\n",
            Esc(self.lang.text("s_trace_code")),
            Esc(&p.trace_code)
        )
    }

    fn file_row(&self, o: &mut String, key: &str, f: &PublicFile) -> std::fmt::Result {
        write!(
            o,
            "\n    <dt>{}</dt><dd><a href=\"{}?file={}\">{}</a></dd>",
            Esc(self.lang.text(key)),
            Esc(self.path),
            Esc(&f.sha256),
            Esc(self.lang.text("view"))
        )
    }

    /// The producer's card (with ids the tests and the licence link) or a
    /// seller's.
    fn party(
        &self,
        o: &mut String,
        title: &str,
        m: &PublicParty,
        producer: bool,
    ) -> std::fmt::Result {
        let t = |key: &str| Esc(self.lang.text(key));
        write!(
            o,
            "<section class=\"scan-card\">\n  <h2>{}</h2>\n  <dl>\n    <dt>{}</dt><dd{}>{}</dd>\n    <dt>{}</dt><dd class=\"mono\">{}</dd>\n    <dt>{}</dt><dd>{}</dd>\n",
            t(title),
            t("name"),
            if producer { " id=\"producer\"" } else { "" },
            Esc(&m.name),
            t("uscc"),
            Esc(&m.uscc),
            t("address"),
            Esc(&m.address),
        )?;
        if producer {
            write!(
                o,
                "    <dt>{}</dt><dd><a href=\"tel:{phone}\">{phone}</a></dd>\n    <dt>{}</dt><dd><a href=\"{}?file={}\">{}</a></dd>\n",
                t("contact_phone"),
                t("business_licence"),
                Esc(self.path),
                Esc(&m.business_licence.sha256),
                t("view"),
                phone = Esc(&m.contact_phone),
            )?;
        } else {
            writeln!(
                o,
                "    <dt>{}</dt><dd>{}</dd>",
                t("contact_phone"),
                Esc(&m.contact_phone)
            )?;
        }
        o.push_str("  </dl>\n</section>\n");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Esc;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            Esc(r#"<a href="x">Tom & 'Jerry'</a>"#).to_string(),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;"
        );
        assert_eq!(Esc("纯文本").to_string(), "纯文本");
        assert_eq!(Esc("").to_string(), "");
    }
}
