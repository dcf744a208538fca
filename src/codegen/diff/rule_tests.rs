//! The checks added for Azure's openapi-diff rules (see [`super::checklist`]),
//! one test per rule or family, on small inline documents.

use serde_json::{Value, json};

use super::diff_documents;
use super::report::{ChangeKind::*, ModuleDiff, Side, SpecDiff};
use super::tests::{doc, get, id_param, object, one, post, summary};
use super::text;

/// `GET /things/{id}` with `parameters`, as operation `id`.
fn get_as(id: &str, path: &str, parameters: Value) -> Value {
    json!({path: {"get": {
        "operationId": id,
        "parameters": parameters,
        "responses": {"204": {"description": "none"}}
    }}})
}

fn query(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string"}})
}

fn report(old: &Value, new: &Value) -> SpecDiff {
    let side = |v: &str| Side {
        api_version: v.into(),
        entries: vec![],
    };
    SpecDiff::new(vec![ModuleDiff {
        name: "m".into(),
        old: side("1"),
        new: side("1"),
        changes: diff_documents(old, new),
    }])
}

// 1008 ModifiedOperationId; path parameter renames.

#[test]
fn a_rename_ignores_path_parameter_names_and_says_what_else_changed() {
    let old = doc(
        "v",
        get_as("Things_Get", "/things/{id}", json!([id_param()])),
        json!({}),
    );
    let new = doc(
        "v",
        get_as(
            "Things_Read",
            "/things/{thingId}",
            json!([{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}]),
        ),
        json!({}),
    );
    let changes = diff_documents(&old, &new);
    assert_eq!(
        summary(&changes),
        vec![
            (OperationRenamed, false, "".into(), "".into()),
            (
                ParameterRenamed,
                false,
                "parameter path thingId".into(),
                "".into()
            ),
        ]
    );
    assert!(
        changes[0].message.contains("1 other change below"),
        "{}",
        changes[0].message
    );
    assert_eq!(changes[1].old, Some(json!("id")));
    assert_eq!(changes[1].new, Some(json!("thingId")));
    let op = changes[0].operation.as_ref().unwrap();
    assert_eq!(
        (op.id.as_str(), op.path.as_str()),
        ("Things_Read", "/things/{thingId}")
    );

    // The same id with renamed path parameters is not a move.
    let mut same_id = new.clone();
    same_id["paths"]["/things/{thingId}"]["get"]["operationId"] = json!("Things_Get");
    assert_eq!(
        summary(&diff_documents(&old, &same_id)),
        one(ParameterRenamed, false, "parameter path thingId", "")
    );
}

#[test]
fn swapped_operation_ids_are_two_renames_not_moves() {
    let old = doc(
        "v",
        json!({"/a": {"get": {"operationId": "A", "responses": {"204": {"description": ""}}}},
               "/b": {"get": {"operationId": "B", "responses": {"204": {"description": ""}}}}}),
        json!({}),
    );
    let mut new = old.clone();
    new["paths"]["/a"]["get"]["operationId"] = json!("B");
    new["paths"]["/b"]["get"]["operationId"] = json!("A");
    let changes = diff_documents(&old, &new);
    assert_eq!(
        summary(&changes),
        vec![
            (OperationRenamed, false, "".into(), "".into()),
            (OperationRenamed, false, "".into(), "".into())
        ]
    );
    assert_eq!(
        changes[0].message.split(" (").next(),
        Some("operation id B → A")
    );
}

#[test]
fn a_rename_with_other_changes_is_one_group_in_the_text_report() {
    let old = doc(
        "v",
        get_as("Things_Get", "/things/{id}", json!([id_param()])),
        json!({}),
    );
    let renamed = doc(
        "v",
        get_as("Things_Read", "/things/{id}", json!([id_param()])),
        json!({}),
    );
    let changed = doc(
        "v",
        get_as(
            "Things_Read",
            "/things/{id}",
            json!([id_param(), query("x")]),
        ),
        json!({}),
    );
    assert_eq!(
        text::render(&report(&old, &renamed)),
        "module m (1): 1 changes, 0 breaking\n\
         \x20 ~ Things_Get → Things_Read  GET /things/{id}  (renamed only)\n\
         total: 1 changes, 0 breaking\n"
    );
    assert_eq!(
        text::render(&report(&old, &changed)),
        "module m (1): 2 changes, 0 breaking\n\
         \x20 Things_Read (was Things_Get)  GET /things/{id}\n\
         \x20   + parameter query x: optional parameter added\n\
         total: 2 changes, 0 breaking\n"
    );
}

// 1042 ChangedParameterOrder.

#[test]
fn a_new_parameter_order_is_reported_and_breaks_nothing() {
    let old = doc(
        "v",
        get(json!([id_param(), query("a"), query("b")])),
        json!({}),
    );
    let new = doc(
        "v",
        get(json!([query("b"), id_param(), query("a")])),
        json!({}),
    );
    let changes = diff_documents(&old, &new);
    assert_eq!(summary(&changes), one(ParameterOrderChanged, false, "", ""));
    assert_eq!(
        changes[0].old,
        Some(json!(["path id", "query a", "query b"]))
    );
    assert_eq!(
        changes[0].new,
        Some(json!(["query b", "path id", "query a"]))
    );
    // A parameter added in the middle moves no other one.
    let inserted = doc(
        "v",
        get(json!([id_param(), query("new"), query("a"), query("b")])),
        json!({}),
    );
    assert_eq!(
        summary(&diff_documents(&old, &inserted)),
        one(ParameterAdded, false, "parameter query new", "")
    );
}

// 1028 ArrayCollectionFormatChanged.

#[test]
fn an_array_parameter_serialized_another_way_breaks() {
    let param = |style: Value, ty: &str| {
        let mut p = json!({"name": "tags", "in": "query", "schema": {"type": ty, "items": {"type": "string"}}});
        if let Value::Object(extra) = style {
            p.as_object_mut().unwrap().extend(extra);
        }
        doc("v", get(json!([id_param(), p])), json!({}))
    };
    let csv = param(json!({"style": "form", "explode": false}), "array");
    let multi = param(json!({}), "array");
    let changes = diff_documents(&csv, &multi);
    assert_eq!(
        summary(&changes),
        one(ParameterStyleChanged, true, "parameter query tags", "")
    );
    assert_eq!(
        changes[0].old,
        Some(json!({"style": "form", "explode": false}))
    );
    assert_eq!(
        changes[0].new,
        Some(json!({"style": "form", "explode": true}))
    );
    // Written out or left to the default: the same.
    let explicit = param(json!({"style": "form", "explode": true}), "array");
    assert_eq!(diff_documents(&multi, &explicit), vec![]);
    // A scalar goes on the wire the same whatever the style.
    let scalar_csv = param(json!({"style": "form", "explode": false}), "string");
    let scalar = param(json!({}), "string");
    assert_eq!(diff_documents(&scalar_csv, &scalar), vec![]);
}

// 1044 XmsLongRunningOperationChanged.

#[test]
fn becoming_long_running_breaks_and_the_final_state_source_matters() {
    let op = |flag: Option<bool>, via: Option<&str>| {
        let mut d = doc("v", get(json!([id_param()])), json!({}));
        let get = &mut d["paths"]["/things/{id}"]["get"];
        if let Some(flag) = flag {
            get["x-ms-long-running-operation"] = json!(flag);
        }
        if let Some(via) = via {
            get["x-ms-long-running-operation-options"] = json!({"final-state-via": via});
        }
        d
    };
    assert_eq!(
        summary(&diff_documents(&op(None, None), &op(Some(true), None))),
        one(LongRunningChanged, true, "", "")
    );
    assert_eq!(
        summary(&diff_documents(
            &op(Some(true), None),
            &op(Some(false), None)
        )),
        one(LongRunningChanged, false, "", "")
    );
    // `false` written out is the default.
    assert_eq!(
        diff_documents(&op(None, None), &op(Some(false), None)),
        vec![]
    );
    let changes = diff_documents(
        &op(Some(true), Some("location")),
        &op(Some(true), Some("azure-async-operation")),
    );
    assert_eq!(
        summary(&changes),
        one(LongRunningOptionsChanged, true, "", "")
    );
    assert!(
        changes[0]
            .message
            .contains("location → azure-async-operation"),
        "{}",
        changes[0].message
    );
    // Options of an operation that is not long-running mean nothing.
    assert_eq!(
        diff_documents(&op(None, Some("location")), &op(None, Some("original-uri"))),
        vec![]
    );
}

// 1003 RequestBodyFormatNoLongerSupported, 1004 ResponseBodyFormatNowSupported.

#[test]
fn only_losing_the_media_type_the_client_uses_breaks() {
    let op = |consumes: &[&str], produces: &[&str]| {
        let content = |types: &[&str]| -> Value {
            types
                .iter()
                .map(|t| (t.to_string(), json!({"schema": {"type": "string"}})))
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        doc(
            "v",
            json!({"/things": {"post": {"operationId": "Things_Create",
                "requestBody": {"content": content(consumes)},
                "responses": {"200": {"description": "", "content": content(produces)}}}}}),
            json!({}),
        )
    };
    let json = "application/json";
    let old = op(&[json, "text/json"], &[json]);
    assert_eq!(
        summary(&diff_documents(&old, &op(&[json], &[json, "text/json"]))),
        vec![
            (MediaTypeRemoved, false, "request body".into(), "".into()),
            (MediaTypeAdded, false, "response 200 body".into(), "".into()),
        ]
    );
    let changes = diff_documents(&old, &op(&["text/json"], &["application/xml"]));
    assert_eq!(
        summary(&changes),
        vec![
            (MediaTypeRemoved, true, "request body".into(), "".into()),
            (
                MediaTypeRemoved,
                true,
                "response 200 body".into(),
                "".into()
            ),
            (MediaTypeAdded, false, "response 200 body".into(), "".into()),
        ]
    );
    assert_eq!(changes[0].old, Some(json!(json)));
}

// 1027 DefaultValueChanged.

#[test]
fn a_changed_request_default_breaks_and_a_new_one_documents() {
    let op = |default: Option<i64>| {
        let mut minutes = json!({"type": "integer"});
        if let Some(default) = default {
            minutes["default"] = json!(default);
        }
        let model = object(json!({"minutes": minutes}), &[]);
        doc("v", post(model.clone(), model), json!({}))
    };
    assert_eq!(
        summary(&diff_documents(&op(Some(1440)), &op(Some(60)))),
        vec![
            (
                DefaultChanged,
                true,
                "request body".into(),
                ".minutes".into()
            ),
            (
                DefaultChanged,
                false,
                "response 200 body".into(),
                ".minutes".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&op(None), &op(Some(60)))),
        vec![
            (
                DefaultChanged,
                false,
                "request body".into(),
                ".minutes".into()
            ),
            (
                DefaultChanged,
                false,
                "response 200 body".into(),
                ".minutes".into()
            ),
        ]
    );
    assert!(summary(&diff_documents(&op(Some(60)), &op(None)))[0].1);
}

// 1030 DifferentDiscriminator.

#[test]
fn another_discriminator_breaks() {
    let op = |property: &str| {
        let pet = json!({"type": "object", "discriminator": {"propertyName": property},
            "properties": {"kind": {"type": "string"}, "name": {"type": "string"}}});
        doc("v", post(pet.clone(), pet), json!({}))
    };
    let changes = diff_documents(&op("kind"), &op("name"));
    assert_eq!(
        summary(&changes),
        vec![
            (DiscriminatorChanged, true, "request body".into(), "".into()),
            (
                DiscriminatorChanged,
                true,
                "response 200 body".into(),
                "".into()
            ),
        ]
    );
    assert_eq!(changes[0].new, Some(json!("name")));
}

// 1021 AddedAdditionalProperties, 1022 RemovedAdditionalProperties.

#[test]
fn additional_properties_added_break_nothing_and_removed_ones_break() {
    let op = |additional: Option<Value>| {
        let mut model = object(json!({"a": {"type": "string"}}), &[]);
        if let Some(additional) = additional {
            model["additionalProperties"] = additional;
        }
        doc("v", post(model.clone(), model), json!({}))
    };
    let closed = op(None);
    let open = op(Some(json!({"type": "string"})));
    assert_eq!(
        summary(&diff_documents(&closed, &open)),
        vec![
            (
                AdditionalPropertiesAdded,
                false,
                "request body".into(),
                "{*}".into()
            ),
            (
                AdditionalPropertiesAdded,
                false,
                "response 200 body".into(),
                "{*}".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&open, &closed)),
        vec![
            (
                AdditionalPropertiesRemoved,
                true,
                "request body".into(),
                "{*}".into()
            ),
            (
                AdditionalPropertiesRemoved,
                true,
                "response 200 body".into(),
                "{*}".into()
            ),
        ]
    );
    // `false` is what no additionalProperties means; `true` is `{}`.
    assert_eq!(diff_documents(&closed, &op(Some(json!(false)))), vec![]);
    assert_eq!(
        diff_documents(&op(Some(json!(true))), &op(Some(json!({})))),
        vec![]
    );
    // Values of another type: compared as a schema.
    assert_eq!(
        summary(&diff_documents(
            &open,
            &op(Some(json!({"type": "integer"})))
        ))[0],
        (TypeChanged, true, "request body".into(), "{*}".into())
    );
}

// 1017 ReferenceRedirection.

#[test]
fn a_renamed_body_model_breaks_senders_only() {
    let op = |request: &str, response: &str| {
        let named = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
        let model = object(json!({"a": {"type": "string"}}), &[]);
        doc(
            "v",
            post(named(request), named(response)),
            json!({"Req": model, "Req2": model, "Res": model, "Res2": model}),
        )
    };
    let changes = diff_documents(&op("Req", "Res"), &op("Req2", "Res2"));
    assert_eq!(
        summary(&changes),
        vec![
            (ModelRenamed, true, "request body".into(), "".into()),
            (ModelRenamed, false, "response 200 body".into(), "".into()),
        ]
    );
    assert_eq!(
        (changes[0].old.clone(), changes[0].new.clone()),
        (Some(json!("Req")), Some(json!("Req2")))
    );
}

// 1029 ReadonlyPropertyChanged.

#[test]
fn a_property_that_becomes_read_only_leaves_the_request() {
    let op = |read_only: bool| {
        let model = object(json!({"a": {"type": "string", "readOnly": read_only}}), &[]);
        doc("v", post(model.clone(), model), json!({}))
    };
    let changes = diff_documents(&op(false), &op(true));
    assert_eq!(
        summary(&changes),
        one(PropertyRemoved, true, "request body", ".a")
    );
    assert!(
        changes[0].message.contains("became read-only"),
        "{}",
        changes[0].message
    );
    let changes = diff_documents(&op(true), &op(false));
    assert_eq!(
        summary(&changes),
        one(PropertyAdded, false, "request body", ".a")
    );
    assert!(
        changes[0].message.contains("no longer read-only"),
        "{}",
        changes[0].message
    );
}

// 1000 VersionsReversed.

#[test]
fn an_older_api_version_says_so() {
    let version = |v: &str| doc(v, json!({}), json!({}));
    let message = |old: &str, new: &str| {
        diff_documents(&version(old), &version(new))[0]
            .message
            .clone()
    };
    assert_eq!(
        message("2025-06-30", "2023-10-01"),
        "api-version 2025-06-30 → 2023-10-01 (older)"
    );
    assert_eq!(
        message("2023-10-01", "2025-06-30"),
        "api-version 2023-10-01 → 2025-06-30"
    );
    assert_eq!(
        message("2025-03-02", "2025-03-02-preview"),
        "api-version 2025-03-02 → 2025-03-02-preview (older)"
    );
    assert_eq!(
        message("2025-03-02-preview", "2025-03-02"),
        "api-version 2025-03-02-preview → 2025-03-02"
    );
}

// 1023 TypeFormatChanged.

#[test]
fn a_wider_integer_breaks_responses_not_requests() {
    let op = |format: &str| {
        let n = json!({"type": "integer", "format": format});
        doc("v", post(n.clone(), n), json!({}))
    };
    assert_eq!(
        summary(&diff_documents(&op("int32"), &op("int64"))),
        vec![
            (FormatChanged, false, "request body".into(), "".into()),
            (FormatChanged, true, "response 200 body".into(), "".into()),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&op("int64"), &op("int32"))),
        vec![
            (FormatChanged, true, "request body".into(), "".into()),
            (FormatChanged, false, "response 200 body".into(), "".into()),
        ]
    );
}

// 1047 XmsEnumChanged, 1048 AddedXmsEnum, 1049 RemovedXmsEnum.

#[test]
fn x_ms_enum_matters_through_model_as_string_only() {
    let op = |x_ms_enum: Option<Value>| {
        let mut kind = json!({"type": "string", "enum": ["a", "b"]});
        if let Some(x_ms_enum) = x_ms_enum {
            kind["x-ms-enum"] = x_ms_enum;
        }
        doc("v", post(kind.clone(), kind), json!({}))
    };
    let plain = op(None);
    let closed = op(Some(json!({"name": "Kind", "modelAsString": false})));
    let open = op(Some(json!({"name": "Kind", "modelAsString": true})));
    let renamed = op(Some(json!({"name": "Sort", "modelAsString": false})));
    // Added closed, or renamed: nothing progenitor generates changes.
    assert_eq!(diff_documents(&plain, &closed), vec![]);
    assert_eq!(diff_documents(&closed, &renamed), vec![]);
    // Opened (added as open, or modelAsString turned on): unlisted values may come back.
    let opened = vec![
        (
            EnumExtensibilityChanged,
            false,
            "request body".into(),
            "".into(),
        ),
        (
            EnumExtensibilityChanged,
            true,
            "response 200 body".into(),
            "".into(),
        ),
    ];
    assert_eq!(summary(&diff_documents(&plain, &open)), opened);
    assert_eq!(summary(&diff_documents(&closed, &open)), opened);
    // Closed (removed, or turned off): only listed values may be sent.
    let changes = diff_documents(&open, &plain);
    assert_eq!(
        summary(&changes),
        vec![
            (
                EnumExtensibilityChanged,
                true,
                "request body".into(),
                "".into()
            ),
            (
                EnumExtensibilityChanged,
                false,
                "response 200 body".into(),
                "".into()
            ),
        ]
    );
    assert!(
        changes[0]
            .message
            .contains("only the listed values may be sent")
    );
}
