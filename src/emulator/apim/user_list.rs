//! `User_ListByService`: pages of users (`$top`, `$skip`) with an absolute
//! `nextLink` on the origin the client used.

use axum::Json;
use axum::response::{IntoResponse, Response};

use super::ApimCall;
use super::error::ArmError;
use super::wire::{UserCollection, UserContract};
use crate::emulator::http::query_param;
use crate::emulator::store::ApimUser;

/// The page size when `$top` is not given.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 100;

/// `GET …/users` → a page of users (`$top`, `$skip`) with an absolute
/// `nextLink` on the same origin while more remain.
pub(crate) fn list(call: &ApimCall<'_>) -> Result<Response, ArmError> {
    if query_param(call.uri, "$filter").is_some() {
        return Err(ArmError::validation(
            "$filter",
            "The emulator does not support $filter on users.",
        ));
    }
    let top = count_param(call, "$top", 1)?.unwrap_or(DEFAULT_PAGE_SIZE);
    let skip = count_param(call, "$skip", 0)?.unwrap_or(0);
    let (page, total) = call.app.store.read(|state| {
        let page: Vec<ApimUser> = state
            .apim_users
            .values()
            .skip(skip)
            .take(top)
            .cloned()
            .collect();
        (page, state.apim_users.len())
    });
    let next_skip = skip.saturating_add(top);
    let next_link = (next_skip < total).then(|| next_link(call, next_skip));
    let collection = UserCollection {
        value: page
            .iter()
            .map(|user| UserContract::of(user, &call.service_id))
            .collect(),
        count: total,
        next_link,
    };
    Ok(Json(collection).into_response())
}

fn next_link(call: &ApimCall<'_>, skip: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(call.uri.query().unwrap_or("").as_bytes()) {
        if key != "$skip" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("$skip", &skip.to_string());
    format!("{}{}?{}", call.origin, call.uri.path(), query.finish())
}

fn count_param(call: &ApimCall<'_>, name: &str, min: usize) -> Result<Option<usize>, ArmError> {
    let Some(text) = query_param(call.uri, name) else {
        return Ok(None);
    };
    match text.trim().parse::<usize>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => Err(ArmError::validation(
            name,
            format!("{name} must be an integer of at least {min}."),
        )),
    }
}
