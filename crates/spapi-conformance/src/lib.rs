//! Response conformance against the official SP-API models.
//!
//! Every response a test receives from the emulator can be checked against the response schema
//! that Amazon's official model (Swagger 2.0) documents for that operation and HTTP status.
//!
//! The models are never copied into the project: they are read at run time from the directory
//! named by the `SPAPI_MODELS_DIR` environment variable (a checkout of Amazon's
//! `selling-partner-api-models`, i.e. the directory holding `models/` and `schemas/`).
//!
//! ```no_run
//! # let body = serde_json::json!({});
//! if let Some(conformance) = spapi_conformance::Conformance::global() {
//!     conformance.assert_conforms(
//!         "models/orders-api-model/ordersV0.json",
//!         "getOrders",
//!         200,
//!         &body,
//!     );
//! }
//! ```
//!
//! # Swagger 2.0 to JSON Schema Draft 4
//!
//! A Swagger 2.0 schema object is a dialect of Draft 4. For each (model, operation, status) the
//! crate builds a self-contained Draft 4 document: the response schema itself, plus every part
//! of the model that its `$ref`s reach (transitively), placed at the same JSON pointer, so
//! `#/definitions/X` (or any other local pointer) resolves inside the document. Only the
//! reachable definitions are copied, which keeps the validators small and [`Conformance::schema_for`]
//! readable. Swagger-only keywords (`x-*`, `example`, `discriminator`, `readOnly`, ...) are
//! unknown to Draft 4 and ignored. `format` is not asserted, because Amazon's own examples break
//! `date-time`. A `"type": "file"` response is treated as having no JSON schema.

#![warn(missing_docs)]

pub mod patches;

use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Once, OnceLock, PoisonError};

use serde_json::{Map, Value};

/// Environment variable naming the checkout of Amazon's `selling-partner-api-models`.
pub const MODELS_DIR_ENV: &str = "SPAPI_MODELS_DIR";

/// The message printed (once) when conformance checks are skipped.
pub const SKIP_MESSAGE: &str = "skipping conformance: set SPAPI_MODELS_DIR to a checkout of Amazon's selling-partner-api-models (the directory holding models/ and schemas/)";

/// Maximum number of schema errors kept in one [`Violation`].
const MAX_ERRORS: usize = 25;
/// Maximum length (in bytes, rounded down to a char boundary) of one error message.
const MAX_MESSAGE: usize = 300;
/// Maximum length of the body excerpt in a [`Violation`].
const MAX_EXCERPT: usize = 400;

/// Returns the models directory named by `SPAPI_MODELS_DIR`, if it holds `models/`.
///
/// When the variable is unset, empty, or names a directory without `models/`:
/// - if the `CI` environment variable is set (non-empty), this panics: conformance checks are
///   required under CI;
/// - otherwise it prints [`SKIP_MESSAGE`] to stderr (once per process) and returns `None`, so
///   callers can skip their conformance checks.
///
/// A relative path is taken relative to the current directory (for `cargo test` that is the
/// directory of the crate under test), so prefer an absolute path.
pub fn models_dir() -> Option<PathBuf> {
    let raw = std::env::var_os(MODELS_DIR_ENV).filter(|v| !v.is_empty());
    if let Some(dir) = &raw {
        let dir = PathBuf::from(dir);
        if dir.join("models").is_dir() {
            return Some(dir);
        }
    }
    let detail = match &raw {
        None => format!("{MODELS_DIR_ENV} is not set"),
        Some(dir) => format!(
            "{MODELS_DIR_ENV}={} does not contain a models/ directory",
            Path::new(dir).display()
        ),
    };
    if under_ci() {
        panic!(
            "the SP-API models are required for conformance checks under CI (CI is set), but \
             {detail}. Check out https://github.com/amzn/selling-partner-api-models and set \
             {MODELS_DIR_ENV} to that checkout (the directory holding models/ and schemas/), \
             e.g. {MODELS_DIR_ENV}=/path/to/selling-partner-api-models"
        );
    }
    static SKIP_NOTICE: Once = Once::new();
    SKIP_NOTICE.call_once(|| {
        if raw.is_some() {
            eprintln!("{SKIP_MESSAGE}\n  ({detail})");
        } else {
            eprintln!("{SKIP_MESSAGE}");
        }
    });
    None
}

/// Whether the tests run under CI (the `CI` environment variable is set and not empty): there a
/// missing resource fails a test instead of skipping it.
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Called by a test that cannot run because a resource it needs is missing (`why` says which):
/// panics under CI ([`under_ci`]); otherwise prints `skipping <test>: <why>` to stderr, and the
/// test returns.
///
/// # Panics
///
/// Under CI, always.
#[track_caller]
pub fn skip(test: &str, why: &str) {
    if under_ci() {
        panic!("{test} is required under CI (CI is set), but {why}");
    }
    eprintln!("skipping {test}: {why}");
}

/// The list of operations in scope (`operations.tsv`, which sits beside the models directory:
/// `<models_dir>/../operations.tsv`), as text. When it is missing this calls [`skip`] for
/// `test` (a failure under CI) and returns `None`.
#[track_caller]
pub fn operations_tsv(models_dir: &Path, test: &str) -> Option<String> {
    let path = models_dir.join("..").join("operations.tsv");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            skip(test, &format!("cannot read {}: {e}", path.display()));
            None
        }
    }
}

/// Validates emulator responses against the official SP-API models.
///
/// Models are loaded lazily (each file once) and compiled validators are cached per
/// (model, operationId, status). The type is `Send + Sync`; share one instance, e.g. through
/// [`Conformance::global`].
pub struct Conformance {
    dir: PathBuf,
    /// spapi's model patches (`codegen/patches.json`), applied to each model as it loads.
    patches: Value,
    models: Mutex<HashMap<String, Arc<Model>>>,
    compiled: Mutex<HashMap<CacheKey, Arc<Compiled>>>,
}

impl fmt::Debug for Conformance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conformance")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

type CacheKey = (String, String, u16);

/// One loaded model file with an index from operationId to the operation's JSON pointer.
struct Model {
    doc: Value,
    operations: HashMap<String, String>,
}

/// A compiled response schema.
enum Compiled {
    /// The response documents no JSON body.
    NoSchema,
    /// The response schema, compiled.
    Schema(Box<jsonschema::Validator>),
    /// The response schema could not be turned into a validator.
    Broken(String),
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Conformance {
    /// Creates a validator over the models checkout at `dir` (the directory holding `models/`).
    ///
    /// Nothing is read yet: each model file is loaded on first use.
    ///
    /// # Errors
    ///
    /// Returns an error if `dir` has no `models/` directory.
    pub fn load(dir: &Path) -> Result<Self, String> {
        if !dir.join("models").is_dir() {
            return Err(format!(
                "{} does not contain a models/ directory (expected a checkout of Amazon's \
                 selling-partner-api-models)",
                dir.display()
            ));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            patches: patches::builtin(),
            models: Mutex::new(HashMap::new()),
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The process-wide instance over [`models_dir`], created on first call.
    ///
    /// Returns `None` (after printing the skip message) when the models are not available and
    /// `CI` is not set; panics under `CI` (see [`models_dir`]).
    pub fn global() -> Option<&'static Conformance> {
        static GLOBAL: OnceLock<Option<Conformance>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                models_dir().map(|dir| {
                    Conformance::load(&dir).unwrap_or_else(|e| panic!("conformance: {e}"))
                })
            })
            .as_ref()
    }

    /// The models directory this instance reads from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Validates a response `body` against the schema that `model` (a path relative to the
    /// models dir, e.g. `models/orders-api-model/ordersV0.json`) documents for `operation_id`
    /// answering `status`. `operation_id` may also be given as `METHOD /path/{template}`.
    ///
    /// The response for `status` is used, else the model's `default` response if it has one.
    /// When the response documents no schema, only an empty body (`Value::Null`) conforms. A
    /// `204` response conforms with an empty body whatever its schema says (HTTP forbids a
    /// body there).
    ///
    /// # Errors
    ///
    /// A [`Violation`] when the model or operation is unknown, the status is not documented,
    /// a body is given where none is documented, the schema cannot be compiled, or the body
    /// does not match the schema.
    pub fn validate(
        &self,
        model: &str,
        operation_id: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Violation> {
        let violation = |kind| Violation::new(model, operation_id, status, kind, body);
        let compiled = self
            .compiled(model, operation_id, status)
            .map_err(violation)?;
        match &*compiled {
            Compiled::NoSchema if body.is_null() => Ok(()),
            Compiled::NoSchema => Err(violation(ViolationKind::UnexpectedBody)),
            Compiled::Broken(reason) => Err(violation(ViolationKind::InvalidSchema {
                reason: reason.clone(),
            })),
            Compiled::Schema(_) if status == 204 && body.is_null() => Ok(()),
            Compiled::Schema(validator) => {
                let mut errors = Vec::new();
                let mut total = 0usize;
                for error in validator.iter_errors(body) {
                    total += 1;
                    if errors.len() < MAX_ERRORS {
                        errors.push(SchemaError {
                            instance_path: error.instance_path().as_str().to_owned(),
                            schema_path: error.schema_path().as_str().to_owned(),
                            message: truncate(&error.to_string(), MAX_MESSAGE),
                        });
                    }
                }
                if errors.is_empty() {
                    Ok(())
                } else {
                    Err(violation(ViolationKind::Schema { errors, total }))
                }
            }
        }
    }

    /// Like [`Conformance::validate`], but panics with the violation text.
    ///
    /// # Panics
    ///
    /// When `body` does not conform (see [`Conformance::validate`]).
    #[track_caller]
    pub fn assert_conforms(&self, model: &str, operation_id: &str, status: u16, body: &Value) {
        if let Err(violation) = self.validate(model, operation_id, status, body) {
            panic!("{violation}");
        }
    }

    /// Builds (or fetches from the cache) the validator for a response, without validating
    /// anything. Useful to check that a model's schemas compile.
    ///
    /// Returns `Ok(true)` when the response has a JSON schema, `Ok(false)` when it has none.
    ///
    /// # Errors
    ///
    /// A [`Violation`] (with a `Null` body excerpt) when the model, operation or status is
    /// unknown or the schema cannot be compiled.
    pub fn compile(&self, model: &str, operation_id: &str, status: u16) -> Result<bool, Violation> {
        let violation = |kind| Violation::new(model, operation_id, status, kind, &Value::Null);
        match &*self
            .compiled(model, operation_id, status)
            .map_err(violation)?
        {
            Compiled::NoSchema => Ok(false),
            Compiled::Schema(_) => Ok(true),
            Compiled::Broken(reason) => Err(violation(ViolationKind::InvalidSchema {
                reason: reason.clone(),
            })),
        }
    }

    /// The self-contained Draft 4 document that bodies for this response are validated
    /// against (the response schema plus the definitions it reaches), for debugging.
    ///
    /// `None` when the model, operation or status is unknown, or the response has no schema.
    pub fn schema_for(&self, model: &str, operation_id: &str, status: u16) -> Option<Value> {
        let model_doc = self.model(model).ok()?;
        let response = find_response(&model_doc, operation_id, status).ok()?;
        match response_schema(&model_doc.doc, response) {
            Ok(Some(schema)) => build_document(&model_doc.doc, schema).ok(),
            _ => None,
        }
    }

    /// The numeric statuses `operation_id` documents in `model`, ascending (a `default`
    /// response is not listed). Empty when the model or operation is unknown.
    pub fn documented_statuses(&self, model: &str, operation_id: &str) -> Vec<u16> {
        let Ok(model_doc) = self.model(model) else {
            return Vec::new();
        };
        let Ok(operation) = find_operation(&model_doc, operation_id) else {
            return Vec::new();
        };
        let mut statuses: Vec<u16> = operation
            .get("responses")
            .and_then(Value::as_object)
            .map(|responses| responses.keys().filter_map(|k| k.parse().ok()).collect())
            .unwrap_or_default();
        statuses.sort_unstable();
        statuses.dedup();
        statuses
    }

    /// The `examples["application/json"]` the model gives for this response (the `default`
    /// response is used when `status` is not documented), if any.
    pub fn example(&self, model: &str, operation_id: &str, status: u16) -> Option<Value> {
        let model_doc = self.model(model).ok()?;
        let response = find_response(&model_doc, operation_id, status).ok()?;
        response.get("examples")?.get("application/json").cloned()
    }

    /// Every example response the model gives for `operation_id`, in status order: each
    /// documented status's `examples` under a JSON media type (`application/json`, `...+json`),
    /// then the `response` of each of its static sandbox cases (`x-amzn-api-sandbox.static`;
    /// `Value::Null` for a case without one). Empty when the model or operation is unknown.
    ///
    /// An `examples` entry keyed by anything but a JSON media type is not read: some of
    /// Amazon's models key examples by a name (`payload`, `Successful Response`) where Swagger
    /// 2.0 wants a media type, and what the name stands for is a guess.
    pub fn examples(&self, model: &str, operation_id: &str) -> Vec<Example> {
        let Ok(model_doc) = self.model(model) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for status in self.documented_statuses(model, operation_id) {
            let Ok(response) = find_response(&model_doc, operation_id, status) else {
                continue;
            };
            let documented = response.get("examples").and_then(Value::as_object);
            for (media_type, body) in documented.into_iter().flatten() {
                if is_json_media_type(media_type) {
                    out.push(Example {
                        status,
                        source: ExampleSource::Examples {
                            media_type: media_type.clone(),
                        },
                        body: body.clone(),
                    });
                }
            }
            let cases = response
                .get("x-amzn-api-sandbox")
                .and_then(|sandbox| sandbox.get("static"))
                .and_then(Value::as_array);
            for (case, c) in cases.into_iter().flatten().enumerate() {
                out.push(Example {
                    status,
                    source: ExampleSource::SandboxCase { case },
                    body: c.get("response").cloned().unwrap_or(Value::Null),
                });
            }
        }
        out
    }

    /// Loads (once) and returns a model.
    fn model(&self, model: &str) -> Result<Arc<Model>, ViolationKind> {
        if let Some(found) = lock(&self.models).get(model) {
            return Ok(found.clone());
        }
        let unknown = |reason: String| ViolationKind::UnknownModel { reason };
        let relative = Path::new(model);
        if model.is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(unknown(
                "the model must be a path relative to the models dir, e.g. \
                 models/orders-api-model/ordersV0.json"
                    .to_owned(),
            ));
        }
        let path = self.dir.join(relative);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| unknown(format!("cannot read {}: {e}", path.display())))?;
        let mut doc: Value = serde_json::from_str(&text)
            .map_err(|e| unknown(format!("{} is not JSON: {e}", path.display())))?;
        // Validate against the contract spapi is generated from: the model with its patches.
        patches::apply(model, &mut doc, &self.patches).map_err(unknown)?;
        let loaded = Arc::new(Model::index(doc));
        // Another thread may have loaded it meanwhile; either copy is equivalent.
        Ok(lock(&self.models)
            .entry(model.to_owned())
            .or_insert(loaded)
            .clone())
    }

    /// Compiles (once) and returns the validator for a response.
    fn compiled(
        &self,
        model: &str,
        operation_id: &str,
        status: u16,
    ) -> Result<Arc<Compiled>, ViolationKind> {
        let key = (model.to_owned(), operation_id.to_owned(), status);
        if let Some(found) = lock(&self.compiled).get(&key) {
            return Ok(found.clone());
        }
        let model_doc = self.model(model)?;
        let response = find_response(&model_doc, operation_id, status)?;
        // Compile outside the lock so that concurrent tests do not wait on each other.
        let compiled = match response_schema(&model_doc.doc, response) {
            Ok(None) => Compiled::NoSchema,
            Ok(Some(schema)) => match build_document(&model_doc.doc, schema) {
                Ok(document) => match jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .should_validate_formats(false)
                    .build(&document)
                {
                    Ok(validator) => Compiled::Schema(Box::new(validator)),
                    Err(e) => Compiled::Broken(e.to_string()),
                },
                Err(reason) => Compiled::Broken(reason),
            },
            Err(reason) => Compiled::Broken(reason),
        };
        Ok(lock(&self.compiled)
            .entry(key)
            .or_insert_with(|| Arc::new(compiled))
            .clone())
    }
}

/// Where in a model an [`Example`] comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExampleSource {
    /// The response's `examples[media_type]`.
    Examples {
        /// A JSON media type (`application/json`, `...+json`).
        media_type: String,
    },
    /// The `response` of the response's `x-amzn-api-sandbox.static[case]`.
    SandboxCase {
        /// The case's index in the list.
        case: usize,
    },
}

/// One example response that a model gives for an operation (see [`Conformance::examples`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The documented status it is an example of.
    pub status: u16,
    /// Where it is in the model.
    pub source: ExampleSource,
    /// The response body (`Value::Null` for none).
    pub body: Value,
}

impl fmt::Display for Example {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            ExampleSource::Examples { media_type } => {
                write!(f, "{} examples[{media_type}]", self.status)
            }
            ExampleSource::SandboxCase { case } => {
                write!(f, "{} x-amzn-api-sandbox.static[{case}]", self.status)
            }
        }
    }
}

/// Whether an `examples` key names a JSON media type.
fn is_json_media_type(key: &str) -> bool {
    let essence = key.split(';').next().unwrap_or(key).trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.contains('/') && essence.to_ascii_lowercase().ends_with("+json"))
}

/// Locks a mutex, ignoring poisoning (a panicking test must not break the others: the maps
/// are only ever inserted into, so they stay consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Model {
    fn index(doc: Value) -> Self {
        let mut operations = HashMap::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (path, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for method in HTTP_METHODS {
                    let id = item
                        .get(method)
                        .and_then(|op| op.get("operationId"))
                        .and_then(Value::as_str);
                    // An operationId can occur twice (shippingV2.json has linkCarrierAccount on
                    // both PUT and POST, with identical responses): the first one found wins.
                    if let Some(id) = id {
                        let pointer = format!("/paths/{}/{method}", escape_token(path));
                        operations.entry(id.to_owned()).or_insert(pointer.clone());
                        // Also reachable as `METHOD /path`, which stays right when spapi's
                        // codegen renames an operationId through a model patch.
                        operations.insert(format!("{} {path}", method.to_uppercase()), pointer);
                    }
                }
            }
        }
        Self { doc, operations }
    }
}

fn find_operation<'m>(model: &'m Model, operation_id: &str) -> Result<&'m Value, ViolationKind> {
    model
        .operations
        .get(operation_id)
        .and_then(|pointer| model.doc.pointer(pointer))
        .ok_or(ViolationKind::UnknownOperation)
}

/// Finds the response object for `status` (else `default`), following a response-level `$ref`
/// (e.g. `#/responses/X`).
fn find_response<'m>(
    model: &'m Model,
    operation_id: &str,
    status: u16,
) -> Result<&'m Value, ViolationKind> {
    let operation = find_operation(model, operation_id)?;
    let responses = operation.get("responses").and_then(Value::as_object);
    let response = responses.and_then(|r| r.get(&status.to_string()).or_else(|| r.get("default")));
    let Some(mut response) = response else {
        let mut documented: Vec<String> = responses
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        documented.sort();
        return Err(ViolationKind::UndocumentedStatus { documented });
    };
    // Follow `$ref`s between response objects, guarding against cycles.
    for _ in 0..16 {
        let Some(reference) = response.get("$ref").and_then(Value::as_str) else {
            return Ok(response);
        };
        response = resolve_local(&model.doc, reference).map_err(|reason| {
            ViolationKind::InvalidSchema {
                reason: format!("response {status}: {reason}"),
            }
        })?;
    }
    Err(ViolationKind::InvalidSchema {
        reason: format!("response {status}: too many nested $ref"),
    })
}

/// The JSON schema of a response object, `None` when it documents no JSON body.
fn response_schema<'d>(doc: &'d Value, response: &'d Value) -> Result<Option<&'d Value>, String> {
    let Some(schema) = response.get("schema") else {
        return Ok(None);
    };
    // A schema that is only a `$ref` to a file type is still a file: follow plain refs to see.
    let mut probe = schema;
    for _ in 0..16 {
        if probe.get("type").and_then(Value::as_str) == Some("file") {
            return Ok(None);
        }
        match probe.get("$ref").and_then(Value::as_str) {
            Some(reference) => probe = resolve_local(doc, reference)?,
            None => break,
        }
    }
    if !schema.is_object() {
        return Err(format!("the response schema is not an object: {schema}"));
    }
    Ok(Some(schema))
}

/// Resolves a local reference (`#/a/b`) in the model document.
fn resolve_local<'d>(doc: &'d Value, reference: &str) -> Result<&'d Value, String> {
    let pointer = local_pointer(reference)?;
    doc.pointer(&pointer)
        .ok_or_else(|| format!("$ref {reference} points at nothing in the model"))
}

/// The JSON pointer of a local reference, percent-decoded.
fn local_pointer(reference: &str) -> Result<String, String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(format!(
            "$ref {reference} points outside the model file, which is not supported"
        ));
    };
    Ok(percent_decode(fragment))
}

/// Builds the self-contained Draft 4 document for `schema`: the schema itself plus every part
/// of the model its `$ref`s reach, each placed at its own pointer.
fn build_document(doc: &Value, schema: &Value) -> Result<Value, String> {
    let mut document = schema.clone();
    if !document.is_object() {
        return Err(format!("the response schema is not an object: {schema}"));
    }
    let mut pending = Vec::new();
    collect_refs(schema, &mut pending);
    let mut seen = std::collections::HashSet::new();
    while let Some(reference) = pending.pop() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        let pointer = local_pointer(&reference)?;
        if pointer.is_empty() {
            // `#` is the model root: not meaningful for a response schema.
            return Err(format!("$ref {reference} points at the whole model"));
        }
        let target = doc
            .pointer(&pointer)
            .ok_or_else(|| format!("$ref {reference} points at nothing in the model"))?;
        collect_refs(target, &mut pending);
        insert_at(&mut document, &pointer, target)?;
    }
    Ok(document)
}

/// Collects the `$ref` values under a schema, skipping keywords whose values are data, not
/// schemas (examples, enums, defaults, vendor extensions).
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(reference) = child.as_str() {
                        out.push(reference.to_owned());
                    }
                } else if !matches!(key.as_str(), "example" | "examples" | "enum" | "default")
                    && !key.starts_with("x-")
                {
                    collect_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}

/// Places `value` at `pointer` in `document`, creating intermediate objects. Does nothing when
/// something is already there (e.g. a reference into the response schema itself).
fn insert_at(document: &mut Value, pointer: &str, value: &Value) -> Result<(), String> {
    let tokens: Vec<String> = pointer
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer {pointer}"))?
        .split('/')
        .map(unescape_token)
        .collect();
    let mut current = document;
    for (i, token) in tokens.iter().enumerate() {
        let map = current.as_object_mut().ok_or_else(|| {
            format!("cannot place the target of #{pointer} in the schema document")
        })?;
        if i + 1 == tokens.len() {
            map.entry(token.clone()).or_insert_with(|| value.clone());
            return Ok(());
        }
        current = map
            .entry(token.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| hex(bytes[i + 1]).zip(hex(bytes[i + 2])))
            .flatten();
        if let Some((hi, lo)) = escaped {
            // Both digits are below 16, so this fits in a byte.
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Cuts `text` to at most `max` bytes (at a char boundary), marking the cut.
fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// One way a body fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer of the failing instance in the body (`""` is the body itself).
    pub instance_path: String,
    /// JSON pointer of the failing keyword in the schema document (see
    /// [`Conformance::schema_for`]).
    pub schema_path: String,
    /// The validator's message.
    pub message: String,
}

/// Why a response does not conform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationKind {
    /// The model file could not be found or read.
    UnknownModel {
        /// What went wrong.
        reason: String,
    },
    /// The model has no operation with this operationId.
    UnknownOperation,
    /// The operation documents neither this status nor a `default` response.
    UndocumentedStatus {
        /// The response keys the operation does document.
        documented: Vec<String>,
    },
    /// The response documents no body, but a (non-null) body was given.
    UnexpectedBody,
    /// The model's schema for this response could not be turned into a validator.
    InvalidSchema {
        /// What went wrong.
        reason: String,
    },
    /// The body does not match the schema.
    Schema {
        /// The first errors (at most 25).
        errors: Vec<SchemaError>,
        /// How many errors there were in all.
        total: usize,
    },
}

/// A response that does not conform to the model, with enough context to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The model file, relative to the models dir.
    pub model: String,
    /// The operationId.
    pub operation_id: String,
    /// The HTTP status of the response.
    pub status: u16,
    /// What is wrong.
    pub kind: ViolationKind,
    /// A short excerpt of the body (compact JSON).
    pub body_excerpt: String,
}

impl Violation {
    fn new(
        model: &str,
        operation_id: &str,
        status: u16,
        kind: ViolationKind,
        body: &Value,
    ) -> Self {
        Self {
            model: model.to_owned(),
            operation_id: operation_id.to_owned(),
            status,
            kind,
            body_excerpt: truncate(&body.to_string(), MAX_EXCERPT),
        }
    }

    /// The schema errors (empty unless the kind is [`ViolationKind::Schema`]).
    pub fn errors(&self) -> &[SchemaError] {
        match &self.kind {
            ViolationKind::Schema { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The JSON pointers of the failing instances (see [`Violation::errors`]).
    pub fn pointers(&self) -> Vec<&str> {
        self.errors()
            .iter()
            .map(|e| e.instance_path.as_str())
            .collect()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "response of {} ({}) with status {} does not conform: ",
            self.operation_id, self.model, self.status
        )?;
        match &self.kind {
            ViolationKind::UnknownModel { reason } => write!(f, "unknown model: {reason}")?,
            ViolationKind::UnknownOperation => {
                write!(f, "the model has no operation {:?}", self.operation_id)?;
            }
            ViolationKind::UndocumentedStatus { documented } => write!(
                f,
                "status {} is not documented (documented: {})",
                self.status,
                documented.join(", ")
            )?,
            ViolationKind::UnexpectedBody => {
                write!(f, "the response documents no body, but one was given")?;
            }
            ViolationKind::InvalidSchema { reason } => {
                write!(f, "the model's schema cannot be used: {reason}")?;
            }
            ViolationKind::Schema { errors, total } => {
                write!(f, "{total} schema error(s)")?;
                for error in errors {
                    let at = if error.instance_path.is_empty() {
                        "(root)"
                    } else {
                        &error.instance_path
                    };
                    write!(
                        f,
                        "\n  - at {at}: {} [schema {}]",
                        error.message, error.schema_path
                    )?;
                }
                if *total > errors.len() {
                    write!(f, "\n  - … and {} more", total - errors.len())?;
                }
            }
        }
        write!(f, "\n  body: {}", self.body_excerpt)
    }
}

impl std::error::Error for Violation {}

/// Validates `value` against a JSON schema file of the models checkout (e.g.
/// `schemas/notifications/OrderChangeNotification.json`), in the draft the file declares,
/// format checks off. Returns the error messages with their instance paths.
///
/// # Errors
///
/// The file is missing or not a schema, or `value` does not conform.
pub fn validate_schema_file(dir: &Path, relative: &str, value: &Value) -> Result<(), Vec<String>> {
    let path = dir.join(relative);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| vec![format!("cannot read {}: {e}", path.display())])?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|e| vec![format!("{} is not JSON: {e}", path.display())])?;
    let validator = jsonschema::options()
        .should_validate_formats(false)
        .build(&schema)
        .map_err(|e| vec![format!("{relative} does not compile: {e}")])?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn conformance_is_send_and_sync() {
        assert_send_sync::<Conformance>();
        assert_send_sync::<Violation>();
    }

    #[test]
    fn builds_document_with_reachable_definitions_only() {
        let doc = json!({
            "definitions": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/definitions/B"}}},
                "B": {"type": "string", "example": {"$ref": "#/definitions/C"}},
                "C": {"type": "integer"},
                "Unused": {"type": "integer"}
            },
            "x-components": {"D": {"type": "boolean"}}
        });
        let schema = json!({"type": "object", "properties": {
            "a": {"$ref": "#/definitions/A"},
            "d": {"$ref": "#/x-components/D"}
        }});
        let built = build_document(&doc, &schema).unwrap();
        let definitions = built["definitions"].as_object().unwrap();
        let mut names: Vec<&str> = definitions.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(built["x-components"]["D"], json!({"type": "boolean"}));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&built)
            .unwrap();
        assert!(validator.is_valid(&json!({"a": {"b": "x"}, "d": true})));
        assert!(!validator.is_valid(&json!({"a": {"b": 1}})));
        assert!(!validator.is_valid(&json!({"d": "no"})));
    }

    #[test]
    fn root_ref_with_definitions_resolves() {
        let doc = json!({"definitions": {"E": {"type": "object", "required": ["code"]}}});
        let built = build_document(&doc, &json!({"$ref": "#/definitions/E"})).unwrap();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&built)
            .unwrap();
        assert!(validator.is_valid(&json!({"code": "x"})));
        assert!(!validator.is_valid(&json!({})));
    }

    #[test]
    fn external_refs_are_reported() {
        let err =
            build_document(&json!({}), &json!({"$ref": "other.json#/definitions/X"})).unwrap_err();
        assert!(err.contains("outside the model"), "{err}");
    }

    #[test]
    fn file_responses_have_no_schema() {
        let doc = json!({"definitions": {"F": {"type": "file"}}});
        let direct = json!({"schema": {"type": "file"}});
        let via_ref = json!({"schema": {"$ref": "#/definitions/F"}});
        assert_eq!(response_schema(&doc, &direct), Ok(None));
        assert_eq!(response_schema(&doc, &via_ref), Ok(None));
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("application/hal+json"));
        assert!(!is_json_media_type("payload"));
        assert!(!is_json_media_type("Successful Response"));
        assert!(!is_json_media_type("text/plain"));
    }

    #[test]
    fn pointer_helpers() {
        assert_eq!(escape_token("/orders/v0/{id}"), "~1orders~1v0~1{id}");
        assert_eq!(unescape_token("a~1b~0c"), "a/b~c");
        assert_eq!(percent_decode("/definitions/A%20B"), "/definitions/A B");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%é%41"), "%éA");
        assert_eq!(truncate("héllo", 2), "h…");
    }
}
