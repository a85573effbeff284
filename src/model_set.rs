//! The one place the SPA reads DTDL: an instance's model documents become a
//! [`dtdl::ModelSet`], and every page (twin editor, create-twin form, relationship form, models
//! page, import) reads models through the set's resolved interfaces (inherited contents
//! flattened, component interfaces and schemas resolved). Documents are ordered with
//! [`dtdl::dependency_order`]; the service's language maps become [`LangString`]s, whose
//! [`LangString::best`] is the one rule for "which language to show".

use dtdl::{LangString, ModelSet};
use serde_json::Value;

/// Why a model of the instance is not in the set (the rest of the set is still usable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("{id}: the service did not send its definition")]
    NoDefinition { id: String },
    #[error("{id}: {reason}")]
    Invalid { id: String, reason: String },
}

impl Unreadable {
    /// The model this is about.
    pub fn id(&self) -> &str {
        match self {
            Unreadable::NoDefinition { id } | Unreadable::Invalid { id, .. } => id,
        }
    }
}

/// An instance's models as one set, and the models it could not take.
#[derive(Debug, Clone, Default)]
pub struct InstanceModels {
    pub set: ModelSet,
    pub unreadable: Vec<Unreadable>,
}

/// Builds the set from `(id, definition)` pairs as the service lists them: definitions in
/// dependency order, in batches the set accepts. A batch the set refuses is added model by
/// model, so one bad model (or one this validator does not understand) costs only itself and
/// the models that need it; each is reported with the set's reason.
pub fn instance_set<'a>(
    models: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>,
) -> InstanceModels {
    let mut unreadable = Vec::new();
    let mut documents = Vec::new();
    for (id, definition) in models {
        match definition {
            Some(document) => documents.push(document.clone()),
            None => unreadable.push(Unreadable::NoDefinition { id: id.to_owned() }),
        }
    }
    let mut set = ModelSet::new();
    for batch in in_dependency_order(&documents).chunks(dtdl::MAX_MODELS_PER_BATCH) {
        if set.add_models(batch).is_ok() {
            continue;
        }
        for document in batch {
            if let Err(e) = set.add_models(std::slice::from_ref(document)) {
                unreadable.push(Unreadable::Invalid {
                    id: document
                        .get("@id")
                        .and_then(Value::as_str)
                        .unwrap_or("(no @id)")
                        .to_owned(),
                    reason: e.to_string(),
                });
            }
        }
    }
    InstanceModels { set, unreadable }
}

/// `documents` reordered with [`dtdl::dependency_order`]: each after the documents that define
/// what it references.
pub fn in_dependency_order(documents: &[Value]) -> Vec<Value> {
    dtdl::dependency_order(documents)
        .into_iter()
        .map(|i| documents[i].clone())
        .collect()
}

/// A localizable text as the service sends it (`displayName`, `description` of a model
/// listing): a language map, or a plain string, which is English as in DTDL. Members that are
/// not text are left out.
pub fn lang_string(value: Option<&Value>) -> LangString {
    let mut texts = std::collections::BTreeMap::new();
    match value {
        Some(Value::String(text)) => {
            texts.insert("en".to_owned(), text.clone());
        }
        Some(Value::Object(map)) => {
            for (language, text) in map {
                if let Value::String(text) = text {
                    texts.insert(language.clone(), text.clone());
                }
            }
        }
        _ => {}
    }
    LangString(texts)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn interface(id: &str, extra: Value) -> Value {
        let mut doc = json!({"@id": id, "@type": "Interface", "@context": "dtmi:dtdl:context;3"});
        if let (Some(doc), Value::Object(extra)) = (doc.as_object_mut(), extra) {
            doc.extend(extra);
        }
        doc
    }

    #[test]
    fn the_set_takes_models_in_any_order_and_names_each_it_cannot_read() {
        let panel = interface(
            "dtmi:x:Panel;1",
            json!({"contents": [{"@type": "Property", "name": "serial", "schema": "string"}]}),
        );
        let device = interface(
            "dtmi:x:Device;1",
            json!({"extends": "dtmi:x:Base;1",
                   "contents": [{"@type": "Component", "name": "panel", "schema": "dtmi:x:Panel;1"}]}),
        );
        let base = interface(
            "dtmi:x:Base;1",
            json!({"contents": [{"@type": "Property", "name": "name", "schema": "string"}]}),
        );
        let broken = interface(
            "dtmi:x:Broken;1",
            json!({"contents": [{"@type": "Property", "name": "p", "schema": "flaot"}]}),
        );
        let needs_broken = interface(
            "dtmi:x:NeedsBroken;1",
            json!({"extends": "dtmi:x:Broken;1"}),
        );
        let listed = [
            ("dtmi:x:Device;1", Some(&device)),
            ("dtmi:x:NeedsBroken;1", Some(&needs_broken)),
            ("dtmi:x:NoDef;1", None),
            ("dtmi:x:Broken;1", Some(&broken)),
            ("dtmi:x:Panel;1", Some(&panel)),
            ("dtmi:x:Base;1", Some(&base)),
        ];
        let built = instance_set(listed);
        let device = built.set.interface("dtmi:x:Device;1").expect("device read");
        let names: Vec<&str> = device.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["name"], "inherited contents are flattened");
        assert!(built.set.contains("dtmi:x:Panel;1"));
        let ids: Vec<&str> = built.unreadable.iter().map(Unreadable::id).collect();
        assert_eq!(
            ids,
            ["dtmi:x:NoDef;1", "dtmi:x:Broken;1", "dtmi:x:NeedsBroken;1"]
        );
        assert!(
            matches!(&built.unreadable[1], Unreadable::Invalid { reason, .. } if reason.contains("flaot")),
            "{:?}",
            built.unreadable[1]
        );
        assert_eq!(
            built.unreadable[0].to_string(),
            "dtmi:x:NoDef;1: the service did not send its definition"
        );
    }

    #[test]
    fn more_models_than_one_batch_are_all_read() {
        // Every model extends the base, which is listed last: it must go into the first batch.
        let n = dtdl::MAX_MODELS_PER_BATCH + 10;
        let mut docs: Vec<Value> = (0..n)
            .map(|i| {
                interface(
                    &format!("dtmi:x:M{i};1"),
                    json!({"extends": "dtmi:x:Base;1"}),
                )
            })
            .collect();
        docs.push(interface("dtmi:x:Base;1", json!({})));
        let ids: Vec<String> = docs
            .iter()
            .map(|d| d["@id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let built = instance_set(ids.iter().map(String::as_str).zip(docs.iter().map(Some)));
        assert_eq!(built.unreadable.len(), 0, "{:?}", built.unreadable.first());
        assert_eq!(built.set.ids().len(), n + 1);
    }

    #[test]
    fn service_language_maps_become_lang_strings() {
        let room = lang_string(Some(&json!({"de": "Raum", "en": "Room", "x": 1})));
        assert_eq!(room.best(), Some("Room"));
        assert_eq!(room.0.len(), 2, "non-text members are left out");
        assert_eq!(
            lang_string(Some(&json!({"fr": "Pièce", "de": "Raum"}))).best(),
            Some("Raum")
        );
        assert_eq!(lang_string(Some(&json!("Room"))).best(), Some("Room"));
        assert_eq!(lang_string(Some(&json!(3))).best(), None);
        assert_eq!(lang_string(None).best(), None);
    }
}
