//! From Swagger 2.0 schemas to a small type IR.

use crate::names;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A Rust type in the generated code.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Str,
    I64,
    F64,
    Bool,
    /// Any JSON value.
    Value,
    /// A JSON object with free-form keys.
    Object,
    Map(Box<Ty>),
    Vec(Box<Ty>),
    Named(String),
}

/// One struct field.
#[derive(Debug)]
pub struct Field {
    pub wire: String,
    pub ident: String,
    pub ty: Ty,
    pub required: bool,
    pub boxed: bool,
}

/// One generated type.
#[derive(Debug)]
pub enum Def {
    Struct(Vec<Field>),
    /// (variant, wire value)
    Enum(Vec<(String, String)>),
    Alias(Ty),
}

/// All types of one API module, in a stable order.
pub struct TypeSet<'a> {
    definitions: &'a serde_json::Map<String, Value>,
    pub defs: Vec<(String, Def)>,
    taken: HashSet<String>,
    /// Definition name (as in the model) -> Rust type name.
    def_names: HashMap<String, String>,
}

impl<'a> TypeSet<'a> {
    pub fn new(doc: &'a Value) -> Self {
        static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> =
            std::sync::OnceLock::new();
        let definitions = doc["definitions"]
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Default::default));
        let mut taken = HashSet::new();
        let mut def_names = HashMap::new();
        // Reserved: the module of operation parameters.
        taken.insert("Params".to_string());
        for name in definitions.keys() {
            let mut t = names::type_name(name);
            while taken.contains(&t) {
                t.push('_');
            }
            taken.insert(t.clone());
            def_names.insert(name.clone(), t);
        }
        let mut set = TypeSet {
            definitions,
            defs: Vec::new(),
            taken,
            def_names,
        };
        for (name, schema) in definitions {
            let tn = set.def_names[name].clone();
            let def = set.def_of(&tn, schema);
            set.defs.push((tn, def));
        }
        set.box_recursion();
        set
    }

    /// The Rust type for a `$ref`, if it points at a known definition.
    pub fn ref_type(&self, r: &str) -> Option<String> {
        let name = r.strip_prefix("#/definitions/")?;
        self.def_names.get(name).cloned()
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut t = names::type_name(base);
        while self.taken.contains(&t) {
            t.push('_');
        }
        self.taken.insert(t.clone());
        t
    }

    fn def_of(&mut self, name: &str, s: &Value) -> Def {
        if let Some(values) = string_enum(s) {
            return Def::Enum(variants(&values));
        }
        if s.get("properties").is_some() || s.get("allOf").is_some() {
            return Def::Struct(self.fields(name, s));
        }
        Def::Alias(self.ty_of(s, &format!("{name}Inner")))
    }

    /// The type of a schema used in place; inline objects and enums get a new named type
    /// called `ctx`.
    pub fn ty_of(&mut self, s: &Value, ctx: &str) -> Ty {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return self.ref_type(r).map(Ty::Named).unwrap_or(Ty::Value);
        }
        if let Some(values) = string_enum(s) {
            let name = self.fresh(ctx);
            self.defs.push((name.clone(), Def::Enum(variants(&values))));
            return Ty::Named(name);
        }
        if s.get("properties").is_some() || s.get("allOf").is_some() {
            let name = self.fresh(ctx);
            let fields = self.fields(&name, s);
            self.defs.push((name.clone(), Def::Struct(fields)));
            return Ty::Named(name);
        }
        match s.get("type").and_then(Value::as_str) {
            Some("string") => Ty::Str,
            Some("integer") => Ty::I64,
            Some("number") => Ty::F64,
            Some("boolean") => Ty::Bool,
            Some("array") => {
                let items = s.get("items").cloned().unwrap_or(Value::Null);
                Ty::Vec(Box::new(self.ty_of(&items, &format!("{ctx}Item"))))
            }
            Some("object") => match s.get("additionalProperties") {
                Some(ap @ Value::Object(m)) if !m.is_empty() => {
                    Ty::Map(Box::new(self.ty_of(ap, &format!("{ctx}Value"))))
                }
                _ => Ty::Object,
            },
            _ => Ty::Value,
        }
    }

    /// Properties of an object schema, `allOf` parts merged in order.
    fn fields(&mut self, owner: &str, s: &Value) -> Vec<Field> {
        let mut props: Vec<(String, Value)> = Vec::new();
        let mut required: BTreeSet<String> = BTreeSet::new();
        self.collect_props(s, &mut props, &mut required, 0);
        let mut fields = Vec::new();
        let mut idents = HashSet::new();
        for (wire, ps) in props {
            let ctx = format!("{owner}{}", names::pascal(&wire));
            let ty = self.ty_of(&ps, &ctx);
            let mut ident = names::field_ident(&wire);
            while idents.contains(&ident) {
                ident.push('_');
            }
            idents.insert(ident.clone());
            fields.push(Field {
                required: required.contains(&wire),
                wire,
                ident,
                ty,
                boxed: false,
            });
        }
        fields
    }

    fn collect_props(
        &self,
        s: &Value,
        props: &mut Vec<(String, Value)>,
        required: &mut BTreeSet<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match part.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    if let Some(d) = r
                        .strip_prefix("#/definitions/")
                        .and_then(|n| self.definitions.get(n))
                    {
                        self.collect_props(d, props, required, depth + 1);
                    }
                }
                None => self.collect_props(part, props, required, depth + 1),
            }
        }
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                if let Some(slot) = props.iter_mut().find(|(n, _)| n == k) {
                    slot.1 = v.clone();
                } else {
                    props.push((k.clone(), v.clone()));
                }
            }
        }
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = r.as_str() {
                required.insert(r.to_string());
            }
        }
    }

    /// Boxes the fields through which a struct contains itself (directly or through other
    /// structs), so that every type has a finite size.
    fn box_recursion(&mut self) {
        let index: HashMap<String, usize> = self
            .defs
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.clone(), i))
            .collect();
        let direct = |def: &Def| -> Vec<String> {
            match def {
                Def::Struct(fs) => fs
                    .iter()
                    .filter_map(|f| match &f.ty {
                        Ty::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                Def::Alias(Ty::Named(n)) => vec![n.clone()],
                _ => vec![],
            }
        };
        let edges: Vec<Vec<usize>> = self
            .defs
            .iter()
            .map(|(_, d)| {
                direct(d)
                    .iter()
                    .filter_map(|n| index.get(n).copied())
                    .collect()
            })
            .collect();
        let reaches = |from: usize, to: usize| -> bool {
            let mut seen = vec![false; edges.len()];
            let mut stack = vec![from];
            while let Some(x) = stack.pop() {
                if x == to {
                    return true;
                }
                if std::mem::replace(&mut seen[x], true) {
                    continue;
                }
                stack.extend(edges[x].iter().copied());
            }
            false
        };
        let mut to_box = Vec::new();
        for (i, (_, def)) in self.defs.iter().enumerate() {
            if let Def::Struct(fs) = def {
                for (j, f) in fs.iter().enumerate() {
                    if let Ty::Named(n) = &f.ty
                        && let Some(&t) = index.get(n)
                        && reaches(t, i)
                    {
                        to_box.push((i, j));
                    }
                }
            }
        }
        for (i, j) in to_box {
            if let Def::Struct(fs) = &mut self.defs[i].1 {
                fs[j].boxed = true;
            }
        }
    }
}

/// The values of a string enum schema.
fn string_enum(s: &Value) -> Option<Vec<String>> {
    let values = s.get("enum")?.as_array()?;
    if s.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t != "string")
    {
        return None;
    }
    let v: Vec<String> = values
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    (v.len() == values.len() && !v.is_empty()).then_some(v)
}

fn variants(values: &[String]) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for v in values {
        if out.iter().any(|(_, w)| w == v) {
            continue;
        }
        let mut name = names::pascal(v);
        if name == "Unknown" || name == "Self" {
            name.push('_');
        }
        while seen.contains(&name) {
            name.push('_');
        }
        seen.insert(name.clone());
        out.push((name, v.clone()));
    }
    out
}
