//! Bundles entry files and everything their `$ref`s reach into one self-contained
//! Swagger 2.0 document.
//!
//! Only what the entry files' paths reach is pulled in. Components keep their
//! names; a name already used by another file's component gets the file's tag
//! appended (`ErrorResponse` from `v5/types.json` next to a local `ErrorResponse`
//! becomes `ErrorResponseTypesV5`). Names defined in an entry file are theirs.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::SpecError;
use super::loader::{SpecFiles, resolve_relative};
use super::pointer;

/// The component sections a `$ref` can name in Swagger 2.0.
const KINDS: [&str; 3] = ["definitions", "parameters", "responses"];

/// Top-level keys carried from the first entry file into the bundle.
const CARRIED: [&str; 12] = [
    "swagger",
    "info",
    "host",
    "basePath",
    "schemes",
    "consumes",
    "produces",
    "securityDefinitions",
    "security",
    "tags",
    "x-ms-parameterized-host",
    "externalDocs",
];

/// How deep refs to non-component targets may nest before we call it a cycle.
const MAX_INLINE_DEPTH: usize = 32;

/// A component in some file: (file, kind, name).
type ComponentKey = (PathBuf, &'static str, String);

/// One self-contained Swagger 2.0 document and the files it was made from.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundled document; every `$ref` in it is local (`#/definitions/…`).
    pub document: Value,
    /// Every file read, for `cargo:rerun-if-changed`.
    pub files: Vec<PathBuf>,
}

/// Bundles `entries` (paths already joined to the specs root).
pub fn bundle(entries: &[PathBuf]) -> Result<Bundle, SpecError> {
    let mut files = SpecFiles::new();
    let mut bundler = Bundler::default();
    let entries: Vec<PathBuf> = entries
        .iter()
        .map(|p| super::loader::normalize(p))
        .collect();

    for entry in &entries {
        bundler.reserve_names(entry, files.get(entry)?);
    }

    let first = entries
        .first()
        .ok_or_else(|| SpecError::new(Path::new(""), "", "no entry files"))?;
    let mut document = Map::new();
    for key in CARRIED {
        if let Some(value) = files.get(first)?.get(key) {
            let mut value = value.clone();
            bundler.rewrite(&mut value, first, &format!("/{key}"), &mut files, 0)?;
            document.insert(key.to_string(), value);
        }
    }

    let mut paths = Map::new();
    for entry in &entries {
        let source = files.get(entry)?.clone();
        for section in ["paths", "x-ms-paths"] {
            let Some(section_value) = source.get(section) else {
                continue;
            };
            let Some(items) = section_value.as_object() else {
                return Err(SpecError::new(
                    entry,
                    format!("/{section}"),
                    "must be an object",
                ));
            };
            for (path, item) in items {
                let at = pointer::push(&format!("/{section}"), path);
                let mut item = item.clone();
                bundler.rewrite(&mut item, entry, &at, &mut files, 0)?;
                merge_path_item(&mut paths, section, path, item, entry, &at)?;
            }
        }
    }
    document.insert("paths".into(), Value::Object(paths));

    bundler.drain(&mut files)?;
    for (kind, components) in std::mem::take(&mut bundler.components) {
        if !components.is_empty() {
            document.insert(kind.to_string(), Value::Object(components));
        }
    }

    Ok(Bundle {
        document: Value::Object(document),
        files: files.paths().map(Path::to_path_buf).collect(),
    })
}

/// Adds one path item; `x-ms-paths` keys carry a query (`/x?op=y`) that OpenAPI
/// path keys cannot, so it is cut off and the methods merged.
fn merge_path_item(
    paths: &mut Map<String, Value>,
    section: &str,
    path: &str,
    item: Value,
    file: &Path,
    at: &str,
) -> Result<(), SpecError> {
    let key = if section == "x-ms-paths" {
        path.split('?').next().unwrap_or(path).to_string()
    } else {
        path.to_string()
    };
    let Value::Object(item) = item else {
        return Err(SpecError::new(file, at, "a path item must be an object"));
    };
    let Some(target) = paths
        .entry(key.clone())
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
    else {
        return Err(SpecError::new(file, at, "a path item must be an object"));
    };
    for (method, operation) in item {
        if method == "parameters" {
            // Path-level parameters of merged items must agree; keep the first.
            target.entry(method).or_insert(operation);
            continue;
        }
        if target.contains_key(&method) {
            return Err(SpecError::new(
                file,
                at,
                format!(
                    "{method} {key} is defined twice (paths and x-ms-paths, or two entry files)"
                ),
            ));
        }
        target.insert(method, operation);
    }
    Ok(())
}

#[derive(Default)]
struct Bundler {
    /// Names each entry file defines, per kind: those names are the entry file's.
    reserved: BTreeMap<&'static str, BTreeMap<String, PathBuf>>,
    /// Names handed out, per kind.
    used: BTreeMap<&'static str, BTreeSet<String>>,
    /// The bundle name of each component reached.
    names: BTreeMap<ComponentKey, String>,
    /// Components named but not yet copied, with where they were referenced from.
    queue: VecDeque<(ComponentKey, PathBuf, String)>,
    /// The bundled components, per kind.
    components: BTreeMap<&'static str, Map<String, Value>>,
}

impl Bundler {
    fn reserve_names(&mut self, entry: &Path, document: &Value) {
        for kind in KINDS {
            if let Some(section) = document.get(kind).and_then(Value::as_object) {
                let reserved = self.reserved.entry(kind).or_default();
                for name in section.keys() {
                    reserved
                        .entry(name.clone())
                        .or_insert_with(|| entry.to_path_buf());
                }
            }
        }
    }

    /// The bundle name for a component, queuing it for copying when first seen.
    fn name_for(&mut self, key: ComponentKey, referrer: &Path, at: &str) -> String {
        if let Some(name) = self.names.get(&key) {
            return name.clone();
        }
        let (file, kind, key_name) = &key;
        // A whole-file reference is keyed by the file alone and named after it.
        let name = &if key_name.is_empty() {
            whole_file_name(file)
        } else {
            key_name.clone()
        };
        let used = self.used.entry(kind).or_default();
        let reserved = self.reserved.entry(kind).or_default();
        let taken = |candidate: &str| {
            used.contains(candidate) || reserved.get(candidate).is_some_and(|owner| owner != file)
        };
        let mut candidate = name.clone();
        if taken(&candidate) {
            let tagged = format!("{name}{}", file_tag(file));
            candidate = tagged.clone();
            let mut n = 2;
            while taken(&candidate) {
                candidate = format!("{tagged}{n}");
                n += 1;
            }
        }
        used.insert(candidate.clone());
        self.names.insert(key.clone(), candidate.clone());
        self.queue
            .push_back((key, referrer.to_path_buf(), at.to_string()));
        candidate
    }

    /// Copies queued components until none are left (they may queue more).
    fn drain(&mut self, files: &mut SpecFiles) -> Result<(), SpecError> {
        while let Some(((file, kind, name), referrer, at)) = self.queue.pop_front() {
            let target = if name.is_empty() {
                // A whole-file reference (`"$ref": "./Foo.json"`).
                Some(files.get(&file)?.clone())
            } else {
                files
                    .get(&file)?
                    .get(kind)
                    .and_then(|s| s.get(&name))
                    .cloned()
            };
            let Some(mut value) = target else {
                return Err(SpecError::new(
                    &referrer,
                    at,
                    format!(
                        "$ref target #/{kind}/{name} does not exist in {}",
                        file.display()
                    ),
                ));
            };
            let component_pointer = pointer::push(&format!("/{kind}"), &name);
            self.rewrite(&mut value, &file, &component_pointer, files, 0)?;
            let bundle_name = self.names[&(file.clone(), kind, name.clone())].clone();
            self.components
                .entry(kind)
                .or_default()
                .insert(bundle_name, value);
        }
        Ok(())
    }

    /// Rewrites every `$ref` under `value` (found in `file` at `at`) to a local one.
    fn rewrite(
        &mut self,
        value: &mut Value,
        file: &Path,
        at: &str,
        files: &mut SpecFiles,
        depth: usize,
    ) -> Result<(), SpecError> {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref") {
                    let Some(reference) = reference.as_str() else {
                        return Err(SpecError::new(file, at, "$ref must be a string"));
                    };
                    let reference = reference.to_string();
                    if let Some(inlined) =
                        self.rewrite_ref(map, &reference, file, at, files, depth)?
                    {
                        *value = inlined;
                        return Ok(());
                    }
                }
                for (key, child) in map.iter_mut() {
                    // Example files are documentation; some are missing upstream.
                    if key == "x-ms-examples" || key == "$ref" {
                        continue;
                    }
                    let child_at = pointer::push(at, key);
                    self.rewrite(child, file, &child_at, files, depth)?;
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let child_at = format!("{at}/{i}");
                    self.rewrite(child, file, &child_at, files, depth)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Points one `$ref` at the bundle. Returns a replacement value when the
    /// target is not a component and had to be inlined.
    fn rewrite_ref(
        &mut self,
        map: &mut Map<String, Value>,
        reference: &str,
        file: &Path,
        at: &str,
        files: &mut SpecFiles,
        depth: usize,
    ) -> Result<Option<Value>, SpecError> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        if file_part.contains("://") {
            return Err(SpecError::new(
                file,
                at,
                format!("remote $ref {reference:?} is not supported: vendor the file"),
            ));
        }
        let target_file = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            resolve_relative(file, file_part)
        };
        let tokens: Vec<String> = fragment.split('/').skip(1).map(pointer::unescape).collect();

        let component = match tokens.as_slice() {
            // A whole-file reference: keyed by the file alone, named after it.
            [] => Some(("definitions", String::new())),
            [kind, name] => KINDS
                .iter()
                .find(|k| *k == kind)
                .map(|k| (*k, name.clone())),
            _ => None,
        };
        if let Some((kind, name)) = component {
            files.get(&target_file).map_err(|e| {
                SpecError::new(file, at, format!("$ref {reference:?}: {}", e.message))
            })?;
            let bundle_name = self.name_for((target_file, kind, name), file, at);
            map.insert(
                "$ref".into(),
                Value::String(format!("#/{kind}/{}", pointer::escape(&bundle_name))),
            );
            return Ok(None);
        }

        // A ref into the middle of something: copy the target in place.
        if depth >= MAX_INLINE_DEPTH {
            return Err(SpecError::new(
                file,
                at,
                format!("$ref {reference:?} nests too deeply (a reference cycle?)"),
            ));
        }
        let document = files
            .get(&target_file)
            .map_err(|e| SpecError::new(file, at, format!("$ref {reference:?}: {}", e.message)))?;
        let Some(target) = document.pointer(&escape_tokens(&tokens)).cloned() else {
            return Err(SpecError::new(
                file,
                at,
                format!("$ref target {reference:?} does not exist"),
            ));
        };
        let mut inlined = target;
        if let Value::Object(target_map) = &mut inlined {
            for (key, value) in map.iter() {
                if key != "$ref" {
                    target_map.insert(key.clone(), value.clone());
                }
            }
        }
        self.rewrite(&mut inlined, &target_file, fragment, files, depth + 1)?;
        Ok(Some(inlined))
    }
}

fn escape_tokens(tokens: &[String]) -> String {
    tokens
        .iter()
        .fold(String::new(), |acc, t| pointer::push(&acc, t))
}

/// The component name for a whole-file `$ref`: its file stem.
fn whole_file_name(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Document".into())
}

/// `common-types/resource-management/v5/types.json` → `TypesV5`.
fn file_tag(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = file
        .parent()
        .and_then(Path::file_name)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    [stem, parent]
        .iter()
        .map(|part| pascal(part))
        .collect::<String>()
}

fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Writes `files` (relative path → JSON) under a fresh temporary folder.
    fn tree(name: &str, files: &[(&str, Value)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("aut-bundle-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (path, value) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        }
        root
    }

    fn op_with_default(schema_ref: &str) -> Value {
        json!({"get": {"operationId": "Thing_Get", "responses": {
            "200": {"description": "ok", "schema": {"$ref": "#/definitions/Thing"}},
            "default": {"description": "error", "schema": {"$ref": schema_ref}}
        }}})
    }

    #[test]
    fn cross_file_refs_are_bundled_and_made_local() {
        let root = tree(
            "cross",
            &[
                (
                    "svc/stable/v1/api.json",
                    json!({
                        "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                        "paths": {"/things": op_with_default("../../../common/types.json#/definitions/ErrorResponse")},
                        "definitions": {"Thing": {"type": "object"}, "Unused": {"type": "string"}}
                    }),
                ),
                (
                    "common/types.json",
                    json!({"definitions": {
                        "ErrorResponse": {"properties": {"error": {"$ref": "#/definitions/ErrorDetail"}}},
                        "ErrorDetail": {"properties": {"code": {"type": "string"}}},
                        "NotReached": {"type": "string"}
                    }}),
                ),
            ],
        );
        let bundle = bundle(&[root.join("svc/stable/v1/api.json")]).unwrap();
        let defs = bundle.document["definitions"].as_object().unwrap();
        let names: Vec<&str> = defs.keys().map(String::as_str).collect();
        assert_eq!(names, ["ErrorDetail", "ErrorResponse", "Thing"]);
        assert_eq!(
            defs["ErrorResponse"]["properties"]["error"]["$ref"],
            "#/definitions/ErrorDetail"
        );
        assert_eq!(
            bundle.document["paths"]["/things"]["get"]["responses"]["default"]["schema"]["$ref"],
            "#/definitions/ErrorResponse"
        );
        assert_eq!(bundle.files.len(), 2);
    }

    #[test]
    fn colliding_names_from_other_files_get_the_file_tag() {
        let root = tree(
            "collide",
            &[
                (
                    "svc/api.json",
                    json!({
                        "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                        "paths": {
                            "/a": op_with_default("../common/v5/types.json#/definitions/Thing"),
                        },
                        "definitions": {"Thing": {"type": "object", "properties": {"local": {"type": "string"}}}}
                    }),
                ),
                (
                    "common/v5/types.json",
                    json!({"definitions": {"Thing": {"properties": {"remote": {"type": "string"}}}}}),
                ),
            ],
        );
        let bundle = bundle(&[root.join("svc/api.json")]).unwrap();
        let defs = &bundle.document["definitions"];
        assert!(defs["Thing"]["properties"].get("local").is_some());
        assert!(defs["ThingTypesV5"]["properties"].get("remote").is_some());
        assert_eq!(
            bundle.document["paths"]["/a"]["get"]["responses"]["default"]["schema"]["$ref"],
            "#/definitions/ThingTypesV5"
        );
    }

    #[test]
    fn one_file_reached_by_two_spellings_is_loaded_once() {
        let root = tree(
            "spellings",
            &[
                (
                    "a/b/api.json",
                    json!({
                        "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                        "paths": {"/x": {"get": {"operationId": "X", "responses": {
                            "200": {"description": "", "schema": {"$ref": "./../../c/defs.json#/definitions/A"}},
                            "default": {"description": "", "schema": {"$ref": "../../c/defs.json#/definitions/A"}}
                        }}}}
                    }),
                ),
                (
                    "c/defs.json",
                    json!({"definitions": {"A": {"type": "string"}}}),
                ),
            ],
        );
        let bundle = bundle(&[root.join("a/b/api.json")]).unwrap();
        assert_eq!(bundle.document["definitions"].as_object().unwrap().len(), 1);
        assert_eq!(bundle.files.len(), 2);
    }

    #[test]
    fn examples_are_never_followed() {
        let root = tree(
            "examples",
            &[(
                "api.json",
                json!({
                    "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                    "paths": {"/x": {"get": {"operationId": "X",
                        "x-ms-examples": {"Get": {"$ref": "./examples/Missing.json"}},
                        "responses": {"204": {"description": ""}}}}}
                }),
            )],
        );
        assert!(bundle(&[root.join("api.json")]).is_ok());
    }

    #[test]
    fn a_missing_target_names_the_referring_file_and_pointer() {
        let root = tree(
            "missing",
            &[(
                "api.json",
                json!({
                    "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                    "paths": {"/x": {"get": {"operationId": "X", "responses": {
                        "200": {"description": "", "schema": {"$ref": "#/definitions/Nope"}}}}}}
                }),
            )],
        );
        let err = bundle(&[root.join("api.json")]).unwrap_err();
        assert!(err.file.ends_with("api.json"), "{err}");
        assert_eq!(err.pointer, "/paths/~1x/get/responses/200/schema");
        assert!(err.message.contains("Nope"), "{err}");
    }

    #[test]
    fn x_ms_paths_lose_their_query_and_merge() {
        let root = tree(
            "xmspaths",
            &[(
                "api.json",
                json!({
                    "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                    "paths": {"/x": {"get": {"operationId": "X", "responses": {"204": {"description": ""}}}}},
                    "x-ms-paths": {"/x?op=y": {"post": {"operationId": "Y", "responses": {"204": {"description": ""}}}}}
                }),
            )],
        );
        let bundle = bundle(&[root.join("api.json")]).unwrap();
        let x = bundle.document["paths"]["/x"].as_object().unwrap();
        assert!(x.contains_key("get") && x.contains_key("post"));
    }

    #[test]
    fn refs_into_the_middle_of_a_definition_are_inlined() {
        let root = tree(
            "inline",
            &[(
                "api.json",
                json!({
                    "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                    "paths": {"/x": {"get": {"operationId": "X", "responses": {
                        "200": {"description": "", "schema": {"$ref": "#/definitions/A/properties/b"}}}}}},
                    "definitions": {"A": {"properties": {"b": {"type": "integer"}}}}
                }),
            )],
        );
        let bundle = bundle(&[root.join("api.json")]).unwrap();
        assert_eq!(
            bundle.document["paths"]["/x"]["get"]["responses"]["200"]["schema"],
            json!({"type": "integer"})
        );
    }

    #[test]
    fn whole_file_refs_become_a_definition_named_after_the_file() {
        let root = tree(
            "wholefile",
            &[
                (
                    "api.json",
                    json!({
                        "swagger": "2.0", "info": {"title": "t", "version": "v1"},
                        "paths": {"/x": {"get": {"operationId": "X", "responses": {
                            "200": {"description": "", "schema": {"$ref": "./models/Widget.json"}}}}}}
                    }),
                ),
                (
                    "models/Widget.json",
                    json!({"type": "object", "properties": {"n": {"type": "string"}}}),
                ),
            ],
        );
        let bundle = bundle(&[root.join("api.json")]).unwrap();
        assert_eq!(
            bundle.document["paths"]["/x"]["get"]["responses"]["200"]["schema"]["$ref"],
            "#/definitions/Widget"
        );
        assert_eq!(
            bundle.document["definitions"]["Widget"]["properties"]["n"]["type"],
            "string"
        );
    }
}
