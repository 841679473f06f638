//! The OpenAPI document's errors, said once for every operation: every
//! error the API answers is an RFC 9457 problem (issue 16.14), served as
//! `application/problem+json` (RFC 9457 §3), so each operation gets a
//! `default` response naming it, and each problem body the handlers
//! declare is given that media type. The resolver's answers are pages for
//! browsers too. Checked by schemathesis against a running server
//! (it `openapi::schemathesis_finds_the_server_keeps_its_document`).

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};

const PROBLEM: &str = "#/components/schemas/Problem";

/// The document with its errors completed.
pub(crate) fn complete(mut api: OpenApi) -> OpenApi {
    for item in api.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(operation);
        }
    }
    api
}

fn page() -> Content {
    Content::new(Some(ObjectBuilder::new().schema_type(Type::String)))
}

fn complete_operation(operation: &mut Operation) {
    let pages = operation
        .tags
        .as_ref()
        .is_some_and(|tags| tags.iter().any(|t| t == "resolver"));
    let responses = &mut operation.responses.responses;
    for response in responses.values_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let problem_as_json = response
            .content
            .get("application/json")
            .is_some_and(|c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == PROBLEM));
        if problem_as_json {
            let body = response
                .content
                .shift_remove("application/json")
                .expect("present");
            response
                .content
                .insert("application/problem+json".into(), body);
        }
        if pages {
            response.content.insert("text/html".into(), page());
        }
    }
    let mut default = ResponseBuilder::new()
        .description(
            "any other answer is an RFC 9457 problem: 400 a malformed query, path or body; \
             401 no key or a wrong one; 403 not allowed; 404 not found or not yours; \
             405, 406, 413, 415; 422 a field refused; 429 too many attempts; \
             503 busy (Retry-After)",
        )
        .content(
            "application/problem+json",
            Content::new(Some(Ref::new(PROBLEM))),
        );
    if pages {
        default = default.content("text/html", page());
    }
    responses
        .entry("default".into())
        .or_insert_with(|| RefOr::T(default.build()));
}
