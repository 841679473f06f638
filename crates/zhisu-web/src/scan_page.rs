//! The scan page, appended straight into a string: the one page a phone in
//! the field opens, on the hot path of every scan. The other pages use
//! templates; this one is written by code (several times faster than the
//! template engine with its context), with the same markup. Every value
//! from a record goes through [`esc`]; only literals are appended raw.

use std::sync::OnceLock;

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

/// The page's texts, by name; each is looked up and escaped once per language.
macro_rules! texts {
    ($($name:ident = $key:literal),* $(,)?) => {
        #[derive(Clone, Copy)]
        enum T { $($name),* }
        const KEYS: &[&str] = &[$($key),*];
    };
}

texts! {
    AppShort = "app_short",
    Reason = "reason",
    Sscc = "sscc",
    SPackageItems = "s_package_items",
    SScanCount = "s_scan_count",
    SFirstScan = "s_first_scan",
    ReportProblem = "report_problem",
    InLedger = "in_ledger",
    LeafIndex = "leaf_index",
    SCheckpoint = "s_checkpoint",
    View = "view",
    ContactPhone = "contact_phone",
    SGenuine = "s_genuine",
    SCopied = "s_copied",
    SUnverified = "s_unverified",
    SSuspect = "s_suspect",
    SUnknown = "s_unknown",
    SNotActive = "s_not-active",
    SFrozen = "s_frozen",
    SVoided = "s_voided",
    SRecalled = "s_recalled",
    SInvalid = "s_invalid",
    Model = "model",
    ProductType = "product_type",
    ProductionDate = "production_date",
    BatchNo = "batch_no",
    SSerial = "s_serial",
    WarrantyMonths = "warranty_months",
    MandatoryStandards = "mandatory_standards",
    ProductionLicenceNo = "production_licence_no",
    CccCertNo = "ccc_cert_no",
    Instructions = "instructions",
    InstructionsFile = "instructions_file",
    InspectionReport = "inspection_report",
    STraceCode = "s_trace_code",
    SProducer = "s_producer",
    SSeller = "s_seller",
    Name = "name",
    Uscc = "uscc",
    Address = "address",
    BusinessLicence = "business_licence",
    ChangedNotice = "changed_notice",
    CrApprovedOn = "cr_approved_on",
    SSupplements = "s_supplements",
    SSupplier = "s_supplier",
}

/// The texts of `lang`, escaped, in the order of [`T`].
fn texts(lang: Lang) -> &'static [String] {
    static ZH: OnceLock<Vec<String>> = OnceLock::new();
    static EN: OnceLock<Vec<String>> = OnceLock::new();
    let slot = if lang == Lang::En { &EN } else { &ZH };
    slot.get_or_init(|| {
        KEYS.iter()
            .map(|key| {
                let mut escaped = String::new();
                esc(&mut escaped, lang.text(key));
                escaped
            })
            .collect()
    })
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
        self.write(&mut out);
        out
    }

    fn t(&self, text: T) -> Part<'static> {
        Raw(&texts(self.lang)[text as usize])
    }

    fn write(&self, o: &mut String) {
        let (view, path) = (self.view, self.path);
        // A code copied onto many items is valid, but the headline must not
        // say "verified" above the warning (issue 15.6).
        let copied = view.warnings.iter().any(|w| {
            matches!(
                w.kind,
                zhisu_domain::scan::AlertKind::TooManyScans
                    | zhisu_domain::scan::AlertKind::ImpossibleTravel
            )
        });
        let verdict = match self.status {
            "genuine" if copied => T::SCopied,
            "genuine" => T::SGenuine,
            "unverified" => T::SUnverified,
            "suspect" => T::SSuspect,
            "unknown" => T::SUnknown,
            "not-active" => T::SNotActive,
            "frozen" => T::SFrozen,
            "voided" => T::SVoided,
            "recalled" => T::SRecalled,
            _ => T::SInvalid,
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
                self.t(T::AppShort),
                Raw("</title>\n<link rel=\"stylesheet\" href=\"/assets/app.css\">\n<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n<link rel=\"linkset\" type=\"application/linkset+json\" href=\""),
                Text(path),
                Raw("?linkType=all\">\n</head>\n<body class=\"scan\">\n<header class=\"scan-top\"><a class=\"brand\" href=\"/\"><img src=\"/assets/favicon.svg\" alt=\"\" width=\"24\" height=\"24\"> "),
                self.t(T::AppShort),
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
                    self.t(T::Reason),
                    Raw("："),
                    Text(reason),
                    Raw("</p>\n"),
                ],
            );
        }
        o.push_str("</section>\n");
        // The regulator's notice of an open case (V6-dispose): in both
        // languages already, so not through the page's text table.
        if let Some(notice) = &view.notice {
            put(
                o,
                &[
                    Raw("<p class=\"alert warning\" id=\"regulatory-notice\" role=\"alert\">⚠ "),
                    Text(notice),
                    Raw("</p>"),
                ],
            );
        }
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
                        self.t(T::Sscc),
                        Raw("</h1><p>"),
                        self.t(T::SPackageItems),
                        Raw("："),
                        Raw(&n.to_string()),
                        Raw("</p></section>"),
                    ],
                );
            }
            self.party(o, T::SProducer, &public.producer, true);
            for s in &public.sellers {
                self.party(o, T::SSeller, s, false);
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
                    self.t(T::SScanCount),
                    Raw("：<strong>"),
                    Raw(&view.scans.count.to_string()),
                    Raw("</strong>"),
                ],
            );
            if let Some(first) = &first {
                put(
                    o,
                    &[Raw(" · "), self.t(T::SFirstScan), Raw("："), Text(first)],
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
                    self.t(T::ReportProblem),
                    Raw("</a></p>\n"),
                ],
            );
        }
        if let Some(l) = &view.ledger {
            put(
                o,
                &[
                    Raw("<p class=\"ledger small\">✔ "),
                    self.t(T::InLedger),
                    Raw("："),
                    Text(&l.record),
                    Raw(" v"),
                    Raw(&l.version.to_string()),
                    Raw(", "),
                    self.t(T::LeafIndex),
                    Raw(" "),
                    Raw(&l.leaf_index.to_string()),
                    Raw(" · <a href=\""),
                    Text(&l.checkpoint),
                    Raw("\">"),
                    self.t(T::SCheckpoint),
                    Raw("</a></p>\n"),
                ],
            );
        }
        o.push_str("</main>\n</body>\n</html>\n");
    }

    fn row(&self, o: &mut String, key: T, value: &str, class: &str) {
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
        self.row(o, T::Model, &p.model, "");
        self.row(o, T::ProductType, &p.product_type, "");
        let optional = [
            (T::ProductionDate, &p.production_date, ""),
            (T::BatchNo, &p.batch_no, ""),
            (T::SSerial, &p.serial, " class=\"mono\""),
        ];
        for (key, value, class) in optional {
            if let Some(v) = value {
                self.row(o, key, v, class);
            }
        }
        if let Some(v) = p.warranty_months {
            self.row(o, T::WarrantyMonths, &v.to_string(), "");
        }
        self.row(
            o,
            T::MandatoryStandards,
            &p.mandatory_standards.join("、"),
            "",
        );
        let optional = [
            (T::ProductionLicenceNo, &p.production_licence_no),
            (T::CccCertNo, &p.ccc_cert_no),
            (T::Instructions, &p.instructions),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                self.row(o, key, v, "");
            }
        }
        if let Some(f) = &p.instructions_file {
            self.file_row(o, T::InstructionsFile, f);
        }
        if let Some(f) = &p.inspection_report {
            self.file_row(o, T::InspectionReport, f);
        }
        self.row(o, T::STraceCode, &p.trace_code, " class=\"mono\"");
        o.push_str("\n  </dl>\n");
        self.changes(o, p);
        self.supplements(o, p);
        o.push_str("</section>\n");
    }

    /// P5.3.4: the 补充信息 its owner made public, each with its files; a
    /// masked supplier as the view names it ('A 厂家').
    fn supplements(&self, o: &mut String, p: &PublicProduct) {
        if p.supplements.is_empty() {
            return;
        }
        put(
            o,
            &[
                Raw("  <div class=\"supplements\" id=\"supplements\"><h2>"),
                self.t(T::SSupplements),
                Raw("</h2><dl>"),
            ],
        );
        for item in &p.supplements {
            let kind = match self.lang.text(&format!("sk_{}", item.kind)) {
                "" => item.kind_zh.as_str(),
                text if self.lang == Lang::En => text,
                _ => item.kind_zh.as_str(),
            };
            put(
                o,
                &[
                    Raw("\n    <dt>"),
                    Text(kind),
                    Raw("</dt><dd>"),
                    Text(&item.name),
                ],
            );
            for v in [&item.value, &item.production_licence_no, &item.ccc_cert_no]
                .into_iter()
                .flatten()
            {
                put(o, &[Raw(" · "), Text(v)]);
            }
            if let Some(supplier) = &item.supplier {
                put(
                    o,
                    &[Raw(" · "), self.t(T::SSupplier), Raw("："), Text(supplier)],
                );
            }
            for f in &item.files {
                put(
                    o,
                    &[
                        Raw(" · <a href=\""),
                        Text(self.path),
                        Raw("?file="),
                        Text(&f.sha256),
                        Raw("\">"),
                        Text(&f.name),
                        Raw("</a>"),
                    ],
                );
            }
            o.push_str("</dd>");
        }
        o.push_str("\n  </dl></div>\n");
    }

    /// P4: which shown fields changed since filing and when, each by an
    /// approved change request.
    fn changes(&self, o: &mut String, p: &PublicProduct) {
        if p.changes.is_empty() {
            return;
        }
        put(
            o,
            &[
                Raw("  <div class=\"changes\" id=\"changes\"><p>"),
                self.t(T::ChangedNotice),
                Raw("</p><ul>"),
            ],
        );
        for change in &p.changes {
            let labels: Vec<&str> = change
                .fields
                .iter()
                .zip(&change.labels)
                .map(|(f, label)| match self.lang {
                    // The standard's own terms in Chinese; the page's in English.
                    Lang::Zh => label.as_str(),
                    Lang::En => match self.lang.text(f) {
                        "" => label.as_str(),
                        text => text,
                    },
                })
                .collect();
            let day = crate::view::local_time(change.at.clone());
            put(
                o,
                &[
                    Raw("<li>"),
                    Text(&labels.join("、")),
                    Raw(" · "),
                    Text(day.get(..10).unwrap_or(&day)),
                    Raw(" "),
                    self.t(T::CrApprovedOn),
                    Raw("</li>"),
                ],
            );
        }
        o.push_str("</ul></div>\n");
    }

    fn file_row(&self, o: &mut String, key: T, f: &PublicFile) {
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
                self.t(T::View),
                Raw("</a></dd>"),
            ],
        );
    }

    /// The producer's card (with the id the tests use, a phone link and the
    /// licence) or a seller's.
    fn party(&self, o: &mut String, title: T, m: &PublicParty, producer: bool) {
        put(
            o,
            &[
                Raw("<section class=\"scan-card\">\n  <h2>"),
                self.t(title),
                Raw("</h2>\n  <dl>"),
            ],
        );
        let id = if producer { " id=\"producer\"" } else { "" };
        self.row(o, T::Name, &m.name, id);
        self.row(o, T::Uscc, &m.uscc, " class=\"mono\"");
        self.row(o, T::Address, &m.address, "");
        if producer {
            put(
                o,
                &[
                    Raw("\n    <dt>"),
                    self.t(T::ContactPhone),
                    Raw("</dt><dd><a href=\"tel:"),
                    Text(&m.contact_phone),
                    Raw("\">"),
                    Text(&m.contact_phone),
                    Raw("</a></dd>"),
                ],
            );
            self.file_row(o, T::BusinessLicence, &m.business_licence);
        } else {
            self.row(o, T::ContactPhone, &m.contact_phone, "");
        }
        o.push_str("\n  </dl>\n</section>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::{esc, texts, KEYS};
    use crate::Lang;

    #[test]
    fn every_page_text_is_written_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for (key, text) in KEYS.iter().zip(texts(lang)) {
                assert!(!text.is_empty(), "{key} has no {} text", lang.code());
            }
        }
        assert_eq!(
            texts(Lang::En)[super::T::SScanCount as usize],
            Lang::En.text("s_scan_count")
        );
    }

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
