//! Cross-model rules of one upload: references (`extends`, component schemas, reused schemas),
//! the `extends` hierarchy (cycles, depth, size), schema reference expansion (self-reference,
//! depth, element budget) and the flattened Interfaces (duplicate inherited names, components
//! without nested components, ValueAnnotation/Override targets).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use crate::dtmi::Dtmi;
use crate::error::{ModelError, ModelErrorKind};
use crate::model::{
    Command, Component, Field, Interface, Property, Relationship, Schema, Telemetry,
};
use crate::parse::{
    ContentAst, ContentBody, FieldAst, Loc, MAX_ELEMENTS, MAX_SCHEMA_DEPTH, ParsedModel,
    PropertyAst, SchemaAst, limits,
};

/// Maximum number of `extends` levels above an Interface.
pub(crate) const MAX_EXTENDS_DEPTH: usize = 10;
/// Maximum number of Interfaces an Interface extends, directly and indirectly (DTDL v3).
pub(crate) const MAX_EXTENDS_HIERARCHY: usize = 1024;

/// A content element after schema resolution, with the Interface that defines it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResolvedContent {
    pub(crate) name: String,
    pub(crate) origin: Dtmi,
    pub(crate) body: Content,
    pub(crate) annotates: Option<String>,
    pub(crate) overrides: Option<String>,
    pub(crate) extension_properties: Vec<String>,
    pub(crate) loc: Loc,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    Property(Property),
    Relationship(Relationship),
    Component(Component),
    Telemetry(Telemetry),
    Command(Command),
}

/// A model in the set: what was parsed, its own resolved contents and the models it references
/// directly. Invariant: every DTMI in `refs` is in the set. The flattened [`Interface`] (own
/// and inherited contents) is built from the set on first use: validating an upload needs
/// only references to the inherited contents, never copies of them.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) parsed: ParsedModel,
    pub(crate) own: Vec<ResolvedContent>,
    pub(crate) own_elements: usize,
    pub(crate) refs: BTreeSet<Dtmi>,
    /// The name of the first Component among the flattened contents (own and inherited).
    pub(crate) first_component: Option<String>,
    /// The flattened Interface, built by [`interface_of`] when first asked for.
    pub(crate) interface: OnceLock<Interface>,
}

/// Models visible while resolving one upload: the batch and the set.
struct Universe<'a> {
    batch: HashMap<&'a Dtmi, usize>,
    models: &'a [ParsedModel],
    set: &'a BTreeMap<Dtmi, Entry>,
    /// Reusable schema id → id of the model that defines it.
    schema_owners: BTreeMap<&'a Dtmi, &'a Dtmi>,
}

impl<'a> Universe<'a> {
    fn new(batch: &'a [ParsedModel], set: &'a BTreeMap<Dtmi, Entry>) -> Self {
        let mut schema_owners = BTreeMap::new();
        for entry in set.values() {
            for id in entry.parsed.defs.keys() {
                schema_owners.insert(id, &entry.parsed.id);
            }
        }
        for model in batch {
            for id in model.defs.keys() {
                schema_owners.insert(id, &model.id);
            }
        }
        Universe {
            batch: batch.iter().enumerate().map(|(i, m)| (&m.id, i)).collect(),
            models: batch,
            set,
            schema_owners,
        }
    }

    fn model(&self, id: &Dtmi) -> Option<&'a ParsedModel> {
        match self.batch.get(id) {
            Some(&i) => Some(&self.models[i]),
            None => self.set.get(id).map(|e| &e.parsed),
        }
    }

    fn parents(&self, id: &Dtmi) -> &'a [(Dtmi, Loc)] {
        self.model(id).map_or(&[], |m| m.extends.as_slice())
    }
}

/// Everything computed for a batch that passed every check, ready to be inserted.
pub(crate) type Accepted = Vec<Entry>;

/// Resolves a parsed batch against the set. Errors are in batch order.
pub(crate) fn resolve_batch(
    batch: Vec<ParsedModel>,
    set: &BTreeMap<Dtmi, Entry>,
) -> Result<Accepted, Vec<ModelError>> {
    let mut errors = Vec::new();
    let (owns, first_components) = {
        let universe = Universe::new(&batch, set);
        let mut owns: Vec<(Vec<ResolvedContent>, usize, BTreeSet<Dtmi>)> =
            Vec::with_capacity(batch.len());
        for model in &batch {
            let mut r = Resolver {
                universe: &universe,
                model,
                errors: &mut errors,
                budget: 0,
                refs: BTreeSet::new(),
                stack: Vec::new(),
            };
            r.check_references();
            let own = r.own_contents();
            let (budget, refs) = (r.budget, r.refs);
            owns.push((own, budget, refs));
        }
        for model in &batch {
            check_hierarchy(model, &universe, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let first_components = check_flattened(&batch, &universe, &owns, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        (owns, first_components)
    };
    Ok(batch
        .into_iter()
        .zip(owns)
        .zip(first_components)
        .map(
            |((parsed, (own, own_elements, refs)), first_component)| Entry {
                parsed,
                own,
                own_elements,
                refs,
                first_component,
                interface: OnceLock::new(),
            },
        )
        .collect())
}

/// The rules of the flattened Interfaces of a batch (inherited names, contents and element
/// limits, annotation targets, nested components). Returns, per model, the name of its first
/// Component (own or inherited).
fn check_flattened(
    batch: &[ParsedModel],
    universe: &Universe<'_>,
    owns: &[(Vec<ResolvedContent>, usize, BTreeSet<Dtmi>)],
    errors: &mut Vec<ModelError>,
) -> Vec<Option<String>> {
    let own_of = |id: &Dtmi| -> Option<(&[ResolvedContent], usize)> {
        match universe.batch.get(id) {
            Some(&i) => owns.get(i).map(|(o, n, _)| (o.as_slice(), *n)),
            None => universe
                .set
                .get(id)
                .map(|e| (e.own.as_slice(), e.own_elements)),
        }
    };
    let mut first_components: Vec<Option<&str>> = Vec::with_capacity(batch.len());
    let mut names: HashMap<&str, &ResolvedContent> = HashMap::new();
    let mut contents: Vec<&ResolvedContent> = Vec::new();
    for model in batch {
        let ancestors = linearize(&model.id, |id| universe.parents(id));
        contents.clear();
        names.clear();
        let mut total_elements = 0usize;
        for ancestor in ancestors.iter().copied().chain(std::iter::once(&model.id)) {
            let Some((own, n)) = own_of(ancestor) else {
                continue;
            };
            total_elements = total_elements.saturating_add(n);
            for c in own {
                if let Some(existing) = names.get(c.name.as_str()) {
                    let loc = if c.origin == model.id {
                        c.loc.clone()
                    } else {
                        Loc::default()
                    };
                    errors.push(err(
                        model,
                        ModelErrorKind::DuplicateName,
                        &loc,
                        Some("name"),
                        format!(
                            "content name '{}' from {} conflicts with '{}' from {}",
                            c.name, c.origin, existing.name, existing.origin
                        ),
                    ));
                    continue;
                }
                names.insert(&c.name, c);
                contents.push(c);
            }
        }
        if let Some(max) = limits(model.ctx.version).contents
            && contents.len() > max
        {
            errors.push(err(
                model,
                ModelErrorKind::LimitExceeded,
                &Loc::default(),
                Some("contents"),
                format!("the Interface has {} contents including inherited ones; DTDL v2 allows at most {max}", contents.len()),
            ));
        }
        if total_elements > MAX_ELEMENTS {
            errors.push(err(
                model,
                ModelErrorKind::LimitExceeded,
                &Loc::default(),
                None,
                format!("the Interface has more than {MAX_ELEMENTS} elements in its contents hierarchy, including inherited ones"),
            ));
        }
        check_annotations(model, &contents, &names, errors);
        first_components.push(
            contents
                .iter()
                .find(|t| matches!(t.body, Content::Component(_)))
                .map(|t| t.name.as_str()),
        );
    }
    for (model, (own, _, _)) in batch.iter().zip(owns) {
        for c in own {
            let Content::Component(component) = &c.body else {
                continue;
            };
            let nested = match universe.batch.get(&component.schema) {
                Some(&i) => first_components.get(i).copied().flatten(),
                None => universe
                    .set
                    .get(&component.schema)
                    .and_then(|e| e.first_component.as_deref()),
            };
            if let Some(nested) = nested {
                errors.push(err(
                    model,
                    ModelErrorKind::InvalidValue,
                    &c.loc,
                    Some("schema"),
                    format!(
                        "Component schema '{}' itself contains Component '{nested}'; a Component may not contain a nested Component",
                        component.schema
                    ),
                ));
            }
        }
    }
    first_components
        .into_iter()
        .map(|name| name.map(str::to_owned))
        .collect()
}

/// The flattened Interface of a model of the set: inherited contents first, in `extends`
/// order, then its own.
pub(crate) fn interface_of(entry: &Entry, set: &BTreeMap<Dtmi, Entry>) -> Interface {
    let model = &entry.parsed;
    let ancestors = linearize(&model.id, |id| {
        set.get(id).map_or(&[][..], |e| e.parsed.extends.as_slice())
    });
    let contents = ancestors
        .into_iter()
        .filter_map(|a| set.get(a))
        .chain(std::iter::once(entry))
        .flat_map(|e| e.own.iter());
    build_interface(model, contents)
}

fn err(
    model: &ParsedModel,
    kind: ModelErrorKind,
    loc: &Loc,
    key: Option<&str>,
    message: String,
) -> ModelError {
    let place = if loc.human.is_empty() {
        String::new()
    } else {
        format!("{}: ", loc.human)
    };
    ModelError {
        model_id: Some(model.id.to_string()),
        kind,
        path: loc.pointer_to(key),
        message: format!("{}: {place}{message}", model.id),
    }
}

fn build_interface<'c>(
    model: &ParsedModel,
    contents: impl Iterator<Item = &'c ResolvedContent>,
) -> Interface {
    let mut interface = Interface {
        id: model.id.clone(),
        dtdl_version: model.ctx.version,
        display_name: model.display_name.clone(),
        description: model.description.clone(),
        extends: model.extends.iter().map(|(d, _)| d.clone()).collect(),
        properties: Vec::new(),
        relationships: Vec::new(),
        components: Vec::new(),
        telemetry: Vec::new(),
        commands: Vec::new(),
        raw: model.raw.clone(),
    };
    for c in contents {
        match &c.body {
            Content::Property(p) => interface.properties.push(p.clone()),
            Content::Relationship(r) => interface.relationships.push(r.clone()),
            Content::Component(x) => interface.components.push(x.clone()),
            Content::Telemetry(t) => interface.telemetry.push(t.clone()),
            Content::Command(x) => interface.commands.push(x.clone()),
        }
    }
    interface
}

/// Ancestors of `id` (not itself), each once, every Interface after the ones it extends.
/// `parents` gives the direct supertypes of a model (empty when unknown).
fn linearize<'a>(id: &'a Dtmi, parents: impl Fn(&Dtmi) -> &'a [(Dtmi, Loc)]) -> Vec<&'a Dtmi> {
    fn visit<'a>(
        id: &Dtmi,
        parents: &impl Fn(&Dtmi) -> &'a [(Dtmi, Loc)],
        seen: &mut HashSet<&'a Dtmi>,
        out: &mut Vec<&'a Dtmi>,
    ) {
        for (parent, _) in parents(id) {
            if seen.insert(parent) {
                visit(parent, parents, seen, out);
                out.push(parent);
            }
        }
    }
    let mut seen = HashSet::from([id]);
    let mut out = Vec::new();
    visit(id, &parents, &mut seen, &mut out);
    out
}

/// `extends` cycles, depth and hierarchy size for one batch model.
fn check_hierarchy(model: &ParsedModel, universe: &Universe<'_>, errors: &mut Vec<ModelError>) {
    if let Some(cycle) = find_cycle(model, universe) {
        let chain: Vec<String> = cycle.iter().map(ToString::to_string).collect();
        errors.push(err(
            model,
            ModelErrorKind::ExtendsCycle,
            &Loc::default(),
            Some("extends"),
            format!("extends forms a cycle: {}", chain.join(" -> ")),
        ));
        return;
    }
    let mut memo = BTreeMap::new();
    let depth = extends_depth(&model.id, universe, &mut memo);
    if depth > MAX_EXTENDS_DEPTH {
        errors.push(err(
            model,
            ModelErrorKind::ExtendsTooDeep,
            &Loc::default(),
            Some("extends"),
            format!(
                "the extends hierarchy is {depth} levels deep; the limit is {MAX_EXTENDS_DEPTH}"
            ),
        ));
    }
    let size = linearize(&model.id, |id| universe.parents(id)).len();
    if model.ctx.version == 3 && size > MAX_EXTENDS_HIERARCHY {
        errors.push(err(
            model,
            ModelErrorKind::LimitExceeded,
            &Loc::default(),
            Some("extends"),
            format!(
                "extends names {size} Interfaces directly and indirectly; the limit is {MAX_EXTENDS_HIERARCHY}"
            ),
        ));
    }
}

/// A path `model -> … -> model` through `extends`, if one exists.
fn find_cycle(model: &ParsedModel, universe: &Universe<'_>) -> Option<Vec<Dtmi>> {
    fn dfs(
        id: &Dtmi,
        target: &Dtmi,
        universe: &Universe<'_>,
        done: &mut BTreeSet<Dtmi>,
        path: &mut Vec<Dtmi>,
    ) -> bool {
        let Some(model) = universe.model(id) else {
            return false;
        };
        for (parent, _) in &model.extends {
            path.push(parent.clone());
            if parent == target {
                return true;
            }
            if done.insert(parent.clone()) && dfs(parent, target, universe, done, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = vec![model.id.clone()];
    let mut done = BTreeSet::new();
    dfs(&model.id, &model.id, universe, &mut done, &mut path).then_some(path)
}

/// Number of `extends` edges on the longest chain above `id` (memoized; acyclic input).
fn extends_depth(id: &Dtmi, universe: &Universe<'_>, memo: &mut BTreeMap<Dtmi, usize>) -> usize {
    if let Some(d) = memo.get(id) {
        return *d;
    }
    memo.insert(id.clone(), 0);
    let depth = universe.model(id).map_or(0, |model| {
        model
            .extends
            .iter()
            .map(|(p, _)| 1 + extends_depth(p, universe, memo))
            .max()
            .unwrap_or(0)
    });
    memo.insert(id.clone(), depth);
    depth
}

/// ValueAnnotation `annotates` must name a Property or Telemetry of the flattened Interface;
/// Override `overrides` must name an extension property of that element.
fn check_annotations(
    model: &ParsedModel,
    contents: &[&ResolvedContent],
    names: &HashMap<&str, &ResolvedContent>,
    errors: &mut Vec<ModelError>,
) {
    for c in contents.iter().filter(|c| c.origin == model.id) {
        let Some(target_name) = &c.annotates else {
            continue;
        };
        let target = names
            .get(target_name.as_str())
            .filter(|t| matches!(t.body, Content::Property(_) | Content::Telemetry(_)));
        let Some(target) = target.filter(|t| t.name != c.name) else {
            errors.push(err(
                model,
                ModelErrorKind::InvalidValue,
                &c.loc,
                Some("annotates"),
                format!("annotates '{target_name}' does not name another Property or Telemetry of this Interface"),
            ));
            continue;
        };
        if let Some(overrides) = &c.overrides
            && !target.extension_properties.contains(overrides)
        {
            errors.push(err(
                model,
                ModelErrorKind::InvalidValue,
                &c.loc,
                Some("overrides"),
                format!(
                    "overrides '{overrides}' is not an extension property of '{}'",
                    target.name
                ),
            ));
        }
    }
}

struct Resolver<'u, 'e> {
    universe: &'u Universe<'u>,
    model: &'u ParsedModel,
    errors: &'e mut Vec<ModelError>,
    /// Elements produced so far for this model's own contents.
    budget: usize,
    /// Models referenced directly by this model.
    refs: BTreeSet<Dtmi>,
    /// Schema ids being expanded (self-reference detection).
    stack: Vec<Dtmi>,
}

impl Resolver<'_, '_> {
    fn error(&mut self, kind: ModelErrorKind, loc: &Loc, key: Option<&str>, message: String) {
        self.errors.push(err(self.model, kind, loc, key, message));
    }

    fn check_references(&mut self) {
        for (parent, loc) in &self.model.extends {
            match self.universe.model(parent) {
                Some(_) => {
                    self.refs.insert(parent.clone());
                }
                None if self.universe.schema_owners.contains_key(parent) => self.error(
                    ModelErrorKind::InvalidValue,
                    loc,
                    None,
                    format!("extends '{parent}' names a schema, not an Interface"),
                ),
                None => self.error(
                    ModelErrorKind::MissingReference,
                    loc,
                    None,
                    format!(
                        "extends '{parent}', which is neither in this upload nor an existing model"
                    ),
                ),
            }
        }
        for c in &self.model.contents {
            let ContentBody::Component { schema } = &c.body else {
                continue;
            };
            if schema == &self.model.id {
                self.error(
                    ModelErrorKind::InvalidValue,
                    &c.loc,
                    Some("schema"),
                    "a Component may not have its own Interface as schema".to_owned(),
                );
            } else if self.universe.model(schema).is_some() {
                self.refs.insert(schema.clone());
            } else {
                self.error(
                    ModelErrorKind::MissingReference,
                    &c.loc,
                    Some("schema"),
                    format!("Component schema '{schema}' is neither in this upload nor an existing model"),
                );
            }
        }
    }

    fn own_contents(&mut self) -> Vec<ResolvedContent> {
        let mut out = Vec::new();
        for c in &self.model.contents {
            if self.budget > MAX_ELEMENTS {
                break;
            }
            if let Some(body) = self.content(c) {
                out.push(ResolvedContent {
                    name: c.name.clone(),
                    origin: self.model.id.clone(),
                    body,
                    annotates: c.annotates.clone(),
                    overrides: c.overrides.clone(),
                    extension_properties: c.extension_properties.clone(),
                    loc: c.loc.clone(),
                });
            }
        }
        out
    }

    fn content(&mut self, c: &ContentAst) -> Option<Content> {
        self.budget += 1;
        let owner = self.model.id.clone();
        match &c.body {
            ContentBody::Property { schema, writable } => {
                let ast = PropertyAst {
                    name: c.name.clone(),
                    schema: schema.clone(),
                    writable: *writable,
                    quantity: c.quantity.clone(),
                    display_name: c.display_name.clone(),
                    description: c.description.clone(),
                    loc: c.loc.clone(),
                };
                self.property(&ast).map(Content::Property)
            }
            ContentBody::Telemetry { schema } => {
                let schema = self.schema(schema, &owner, 0, &c.loc.key("schema"))?;
                Some(Content::Telemetry(Telemetry {
                    name: c.name.clone(),
                    schema,
                    semantic_type: c.quantity.semantic_type.clone(),
                    unit: c.quantity.unit.clone(),
                    display_name: c.display_name.clone(),
                    description: c.description.clone(),
                }))
            }
            ContentBody::Command { payloads } => {
                let mut ok = true;
                for p in payloads {
                    ok &= self.schema(p, &owner, 0, &c.loc).is_some();
                }
                ok.then(|| {
                    Content::Command(Command {
                        name: c.name.clone(),
                    })
                })
            }
            ContentBody::Relationship {
                target,
                properties,
                min_multiplicity,
                max_multiplicity,
                writable,
            } => {
                let mut resolved = Vec::with_capacity(properties.len());
                for p in properties {
                    self.budget += 1;
                    resolved.push(self.property(p));
                }
                let properties: Option<Vec<Property>> = resolved.into_iter().collect();
                Some(Content::Relationship(Relationship {
                    name: c.name.clone(),
                    target: target.clone(),
                    properties: properties?,
                    min_multiplicity: *min_multiplicity,
                    max_multiplicity: *max_multiplicity,
                    writable: *writable,
                    display_name: c.display_name.clone(),
                    description: c.description.clone(),
                }))
            }
            ContentBody::Component { schema } => Some(Content::Component(Component {
                name: c.name.clone(),
                schema: schema.clone(),
                display_name: c.display_name.clone(),
                description: c.description.clone(),
            })),
        }
    }

    fn property(&mut self, p: &PropertyAst) -> Option<Property> {
        let owner = self.model.id.clone();
        let schema = self.schema(&p.schema, &owner, 0, &p.loc.key("schema"))?;
        if self.model.ctx.version == 2 && contains_array(&schema) {
            self.error(
                ModelErrorKind::InvalidValue,
                &p.loc,
                Some("schema"),
                "a DTDL v2 Property schema may not contain an Array (or a geospatial schema) in its hierarchy".to_owned(),
            );
            return None;
        }
        Some(Property {
            name: p.name.clone(),
            schema,
            writable: p.writable,
            semantic_type: p.quantity.semantic_type.clone(),
            unit: p.quantity.unit.clone(),
            display_name: p.display_name.clone(),
            description: p.description.clone(),
        })
    }

    /// Expands references; `owner` is the model whose `defs` are searched first; `depth` is the
    /// number of complex schemas enclosing this one.
    fn schema(&mut self, ast: &SchemaAst, owner: &Dtmi, depth: usize, loc: &Loc) -> Option<Schema> {
        let complex = !matches!(ast, SchemaAst::Ref { .. })
            && !matches!(ast, SchemaAst::Done(s) if !s.is_complex());
        let depth = if complex { depth + 1 } else { depth };
        if depth > MAX_SCHEMA_DEPTH {
            self.error(
                ModelErrorKind::LimitExceeded,
                loc,
                None,
                format!("complex schemas are nested more than {MAX_SCHEMA_DEPTH} levels deep (counting referenced schemas)"),
            );
            return None;
        }
        self.budget = self.budget.saturating_add(1 + enum_len(ast));
        if self.budget > MAX_ELEMENTS {
            self.error(
                ModelErrorKind::LimitExceeded,
                loc,
                None,
                format!("expanding schema references gives more than {MAX_ELEMENTS} elements"),
            );
            return None;
        }
        match ast {
            SchemaAst::Done(s) => Some(s.clone()),
            SchemaAst::Ref { id, loc: ref_loc } => self.reference(id, owner, depth, ref_loc),
            SchemaAst::Array { element } => {
                let element = self.schema(element, owner, depth, loc)?;
                Some(Schema::Array {
                    element: Box::new(element),
                })
            }
            SchemaAst::Object { fields } => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    out.push(self.field(f, owner, depth, loc)?);
                }
                Some(Schema::Object { fields: out })
            }
            SchemaAst::Map { key, value } => {
                let key = self.field(key, owner, depth, loc)?;
                let value = self.field(value, owner, depth, loc)?;
                Some(Schema::Map {
                    key: Box::new(key),
                    value: Box::new(value),
                })
            }
        }
    }

    fn field(&mut self, f: &FieldAst, owner: &Dtmi, depth: usize, loc: &Loc) -> Option<Field> {
        let schema = self.schema(&f.schema, owner, depth, loc)?;
        Some(Field {
            name: f.name.clone(),
            schema,
            display_name: f.display_name.clone(),
        })
    }

    fn reference(&mut self, id: &Dtmi, owner: &Dtmi, depth: usize, loc: &Loc) -> Option<Schema> {
        if self.stack.contains(id) {
            self.error(
                ModelErrorKind::InvalidValue,
                loc,
                None,
                format!(
                    "schema '{id}' refers to itself; complex schemas may not be self-referential"
                ),
            );
            return None;
        }
        let local = self.universe.model(owner).and_then(|m| m.defs.get(id));
        let (def_owner, def) = match local {
            Some(def) => (owner.clone(), def),
            None => match self.universe.schema_owners.get(id) {
                Some(other) => {
                    let def = self.universe.model(other).and_then(|m| m.defs.get(id))?;
                    if *other != &self.model.id {
                        self.refs.insert((*other).clone());
                    }
                    ((*other).clone(), def)
                }
                None if self.universe.model(id).is_some() => {
                    self.error(
                        ModelErrorKind::InvalidValue,
                        loc,
                        None,
                        format!("'{id}' is an Interface, not a schema; use a Component to embed an Interface"),
                    );
                    return None;
                }
                None => {
                    self.error(
                        ModelErrorKind::MissingReference,
                        loc,
                        None,
                        format!("schema '{id}' is not defined in this Interface, in this upload or in an existing model"),
                    );
                    return None;
                }
            },
        };
        self.stack.push(id.clone());
        // The reference itself is not an element: only the definition it names counts.
        self.budget = self.budget.saturating_sub(1);
        let resolved = self.schema(def, &def_owner, depth, loc);
        self.stack.pop();
        resolved
    }
}

fn enum_len(ast: &SchemaAst) -> usize {
    match ast {
        SchemaAst::Done(Schema::Enum { values, .. }) => values.len(),
        _ => 0,
    }
}

/// True when an Array or a geospatial schema (GeoJSON coordinates are arrays) occurs anywhere.
fn contains_array(schema: &Schema) -> bool {
    match schema {
        Schema::Array { .. }
        | Schema::Point
        | Schema::LineString
        | Schema::Polygon
        | Schema::MultiPoint
        | Schema::MultiLineString
        | Schema::MultiPolygon => true,
        Schema::Object { fields } => fields.iter().any(|f| contains_array(&f.schema)),
        Schema::Map { value, .. } => contains_array(&value.schema),
        _ => false,
    }
}
