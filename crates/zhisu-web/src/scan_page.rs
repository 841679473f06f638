//! The scan page, appended straight into a string: the one page a phone in
//! the field opens, on the hot path of every scan. The other pages use
//! templates; this one is written by code (several times faster than the
//! template engine with its context), with the same markup. Every value
//! from a record goes through [`esc`]; only literals are appended raw.

use zhisu_domain::public::{PublicFile, PublicParty, PublicProduct};
use zhisu_service::ScanView;

use crate::Lang;

/// Appends `text` escaped for HTML element content and quoted attributes.
fn esc(o: &mut String, text: &str) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        o.push_str(&text[start..i]);
        o.push_str(entity);
        start = i + 1;
    }
    o.push_str(&text[start..]);
}

/// One piece of the page: a literal (raw) or a value (escaped).
enum Part<'a> {
    Raw(&'a str),
    Text(&'a str),
}

/// Appends the parts in order.
fn put(o: &mut String, parts: &[Part<'_>]) {
    for part in parts {
        match part {
            Part::Raw(s) => o.push_str(s),
            Part::Text(s) => esc(o, s),
        }
    }
}

use Part::{Raw, Text};

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
        self.write(&mut out);
        out
    }

    fn t(&self, key: &str) -> Part<'static> {
        Text(self.lang.text(key))
    }

    fn write(&self, o: &mut String) {
        let (view, path) = (self.view, self.path);
        let verdict = match self.status {
            "genuine" => "s_genuine",
            "unknown" => "s_unknown",
            "not-active" => "s_not-active",
            "frozen" => "s_frozen",
            "voided" => "s_voided",
            "recalled" => "s_recalled",
            _ => "s_invalid",
        };
        let (other_lang, other_name) = if self.lang == Lang::En {
            ("zh", "中文")
        } else {
            ("en", "English")
        };
        put(
            o,
            &[
                Raw("<!doctype html>\n<html lang=\""),
                Raw(self.lang.code()),
                Raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"),
                self.t(verdict),
                Raw(" · "),
                self.t("app_short"),
                Raw("</title>\n<link rel=\"stylesheet\" href=\"/assets/app.css\">\n<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"linkset\" type=\"application/linkset+json\" href=\""),
                Text(path),
                Raw("?linkType=all\">\n</head>\n<body class=\"scan\">\n<header class=\"scan-top\"><a class=\"brand\" href=\"/\"><img src=\"/assets/favicon.svg\" alt=\"\" width=\"24\" height=\"24\"> "),
                self.t("app_short"),
                Raw("</a>\n<a href=\""),
                Text(path),
                Raw("?lang="),
                Raw(other_lang),
                Raw("\" class=\"lang\" id=\"lang\">"),
                Raw(other_name),
                Raw("</a></header>\n<main class=\"scan-main\">\n<section id=\"verdict\" class=\"verdict "),
                Text(self.tone),
                Raw("\" data-status=\""),
                Text(self.status),
                Raw("\" role=\"status\">\n  <strong>"),
                self.t(verdict),
                Raw("</strong>\n  <p>"),
                Text(&view.message),
                Raw("</p>\n"),
            ],
        );
        if let Some(reason) = &view.reason {
            put(
                o,
                &[
                    Raw("  <p>"),
                    self.t("reason"),
                    Raw("："),
                    Text(reason),
                    Raw("</p>\n"),
                ],
            );
        }
        o.push_str("</section>\n");
        for w in &view.warnings {
            put(
                o,
                &[
                    Raw("<p class=\"alert warning\" data-alert=\""),
                    Raw(w.kind.as_str()),
                    Raw("\" role=\"alert\">⚠ "),
                    Text(&w.message),
                    Raw("</p>"),
                ],
            );
        }
        if let Some(public) = &view.public {
            if let Some(p) = &public.product {
                self.product(o, p);
            }
            if let Some(n) = view.package_items {
                put(
                    o,
                    &[
                        Raw("<section class=\"scan-card\"><h1>"),
                        self.t("sscc"),
                        Raw("</h1><p>"),
                        self.t("s_package_items"),
                        Raw("："),
                        Raw(&n.to_string()),
                        Raw("</p></section>"),
                    ],
                );
            }
            self.party(o, "s_producer", &public.producer, true);
            for s in &public.sellers {
                self.party(o, "s_seller", s, false);
            }
        }
        if view.scans.count > 0 {
            let first = view
                .scans
                .first_at
                .as_ref()
                .map(|f| crate::view::local_time(f.clone()));
            put(
                o,
                &[
                    Raw("<section class=\"scan-card\" id=\"scans\"><p>"),
                    self.t("s_scan_count"),
                    Raw("：<strong>"),
                    Raw(&view.scans.count.to_string()),
                    Raw("</strong>"),
                ],
            );
            if let Some(first) = &first {
                put(
                    o,
                    &[Raw(" · "), self.t("s_first_scan"), Raw("："), Text(first)],
                );
            }
            o.push_str("</p></section>\n");
        }
        if view.public.is_some() {
            put(
                o,
                &[
                    Raw(
                        "<p><a class=\"button secondary\" id=\"report\" href=\"/feedback/new?code=",
                    ),
                    Raw(&urlencoding::encode(&view.code)),
                    Raw("\">"),
                    self.t("report_problem"),
                    Raw("</a></p>\n"),
                ],
            );
        }
        if let Some(l) = &view.ledger {
            put(
                o,
                &[
                    Raw("<p class=\"ledger small\">✔ "),
                    self.t("in_ledger"),
                    Raw("："),
                    Text(&l.record),
                    Raw(" v"),
                    Raw(&l.version.to_string()),
                    Raw(", "),
                    self.t("leaf_index"),
                    Raw(" "),
                    Raw(&l.leaf_index.to_string()),
                    Raw(" · <a href=\""),
                    Text(&l.checkpoint),
                    Raw("\">"),
                    self.t("s_checkpoint"),
                    Raw("</a></p>\n"),
                ],
            );
        }
        o.push_str("</main>\n</body>\n</html>\n");
    }

    fn row(&self, o: &mut String, key: &str, value: &str, class: &str) {
        put(
            o,
            &[
                Raw("\n    <dt>"),
                self.t(key),
                Raw("</dt><dd"),
                Raw(class),
                Raw(">"),
                Text(value),
                Raw("</dd>"),
            ],
        );
    }

    fn product(&self, o: &mut String, p: &PublicProduct) {
        put(
            o,
            &[
                Raw("<section class=\"scan-card\">\n  <h1>"),
                Text(&p.product_name),
                Raw("</h1>\n  <dl>"),
            ],
        );
        self.row(o, "model", &p.model, "");
        self.row(o, "product_type", &p.product_type, "");
        let optional = [
            ("production_date", &p.production_date, ""),
            ("batch_no", &p.batch_no, ""),
            ("s_serial", &p.serial, " class=\"mono\""),
        ];
        for (key, value, class) in optional {
            if let Some(v) = value {
                self.row(o, key, v, class);
            }
        }
        if let Some(v) = p.warranty_months {
            self.row(o, "warranty_months", &v.to_string(), "");
        }
        self.row(
            o,
            "mandatory_standards",
            &p.mandatory_standards.join("、"),
            "",
        );
        let optional = [
            ("production_licence_no", &p.production_licence_no),
            ("ccc_cert_no", &p.ccc_cert_no),
            ("instructions", &p.instructions),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                self.row(o, key, v, "");
            }
        }
        if let Some(f) = &p.instructions_file {
            self.file_row(o, "instructions_file", f);
        }
        if let Some(f) = &p.inspection_report {
            self.file_row(o, "inspection_report", f);
        }
        self.row(o, "s_trace_code", &p.trace_code, " class=\"mono\"");
        o.push_str("\n  </dl>\n</section>\n");
    }

    fn file_row(&self, o: &mut String, key: &str, f: &PublicFile) {
        put(
            o,
            &[
                Raw("\n    <dt>"),
                self.t(key),
                Raw("</dt><dd><a href=\""),
                Text(self.path),
                Raw("?file="),
                Text(&f.sha256),
                Raw("\">"),
                self.t("view"),
                Raw("</a></dd>"),
            ],
        );
    }

    /// The producer's card (with the id the tests use, a phone link and the
    /// licence) or a seller's.
    fn party(&self, o: &mut String, title: &str, m: &PublicParty, producer: bool) {
        put(
            o,
            &[
                Raw("<section class=\"scan-card\">\n  <h2>"),
                self.t(title),
                Raw("</h2>\n  <dl>"),
            ],
        );
        let id = if producer { " id=\"producer\"" } else { "" };
        self.row(o, "name", &m.name, id);
        self.row(o, "uscc", &m.uscc, " class=\"mono\"");
        self.row(o, "address", &m.address, "");
        if producer {
            put(
                o,
                &[
                    Raw("\n    <dt>"),
                    self.t("contact_phone"),
                    Raw("</dt><dd><a href=\"tel:"),
                    Text(&m.contact_phone),
                    Raw("\">"),
                    Text(&m.contact_phone),
                    Raw("</a></dd>"),
                ],
            );
            self.file_row(o, "business_licence", &m.business_licence);
        } else {
            self.row(o, "contact_phone", &m.contact_phone, "");
        }
        o.push_str("\n  </dl>\n</section>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        let escaped = |s: &str| {
            let mut o = String::new();
            esc(&mut o, s);
            o
        };
        assert_eq!(
            escaped(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;"
        );
        assert_eq!(escaped("纯文本<中>"), "纯文本&lt;中&gt;");
        assert_eq!(escaped(""), "");
    }
}
