//! A twin's model: what `GET /models?dependenciesFor={model}` lists, read through the `dtdl`
//! crate into a `ModelSet`, and the form the twin's properties and components are edited in
//! (or why the model could not be read; the values are then edited as JSON).

use std::sync::Arc;

use dtdl::ModelSet;

use crate::adt::{AdtClient, ModelData};
use crate::components::property_editor::{FormError, TwinForm};
use crate::model_set::{Unreadable, instance_set};

/// A twin's model, read through the `dtdl` crate.
#[derive(Debug, Clone)]
pub struct TwinModel {
    /// The model and everything it depends on.
    pub set: Arc<ModelSet>,
    pub model: String,
    pub form: TwinForm,
}

/// Why the twin's model could not be read (its values are then edited as JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelLoadError {
    #[error("the service did not list it: {0}")]
    Service(String),
    #[error("{0}")]
    Unreadable(Unreadable),
    #[error("{0}")]
    Form(FormError),
}

/// The twin's model from what `GET /models?dependenciesFor={model}` listed.
pub fn twin_model(listed: &[ModelData], model: &str) -> Result<TwinModel, ModelLoadError> {
    let built = instance_set(listed.iter().map(|m| (m.id.as_str(), m.model.as_ref())));
    match TwinForm::of(&built.set, model) {
        Ok(form) => Ok(TwinModel {
            set: Arc::new(built.set),
            model: model.to_owned(),
            form,
        }),
        Err(e) => Err(built
            .unreadable
            .into_iter()
            .find(|u| u.id() == model)
            .map_or(ModelLoadError::Form(e), ModelLoadError::Unreadable)),
    }
}

/// Reads model `id` with what it depends on.
pub(super) async fn load_model(client: &AdtClient, id: &str) -> Result<TwinModel, ModelLoadError> {
    let listed = client
        .list_model_dependencies(id)
        .await
        .map_err(|e| ModelLoadError::Service(e.to_string()))?;
    twin_model(&listed, id)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn data(model: Value) -> ModelData {
        ModelData::from_json(&json!({"id": model["@id"].clone(), "model": model})).expect("an id")
    }

    fn equipment() -> Value {
        json!({"@id": "dtmi:x:Equipment;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
        "extends": "dtmi:x:Asset;1",
        "contents": [
            {"@type": "Component", "name": "nameplate", "schema": "dtmi:x:Nameplate;1"},
            {"@type": "Relationship", "name": "hasSensor",
             "properties": [{"@type": "Property", "name": "installedAt", "schema": "dateTime"}]},
        ]})
    }

    fn asset() -> Value {
        json!({"@id": "dtmi:x:Asset;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
               "contents": [{"@type": "Property", "name": "name", "schema": "string", "writable": true}]})
    }

    fn nameplate() -> Value {
        json!({"@id": "dtmi:x:Nameplate;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3",
               "contents": [{"@type": "Property", "name": "serial", "schema": "string"}]})
    }

    #[test]
    fn the_twin_model_is_read_from_its_listed_dependencies() {
        let listed = [data(equipment()), data(nameplate()), data(asset())];
        let m = twin_model(&listed, "dtmi:x:Equipment;1").expect("readable");
        let names: Vec<&str> = m.form.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["name"]);
        assert_eq!(m.form.component_names(), ["nameplate"]);
        assert_eq!(m.form.components[0].properties[0].name, "serial");
        let relationship = m
            .set
            .interface(&m.model)
            .and_then(|i| i.relationship("hasSensor"))
            .expect("declared");
        assert_eq!(relationship.properties[0].name, "installedAt");
        let twin = json!({"$dtId": "a", "$metadata": {}, "name": "x", "extra": 2, "nameplate": {"$metadata": {}}});
        assert_eq!(m.form.unmodelled(&twin), ["extra"]);

        // A dependency the listing lacks: the model cannot be read, and the reason says why.
        let missing = twin_model(&[data(equipment()), data(asset())], "dtmi:x:Equipment;1")
            .expect_err("the component's model is missing");
        assert!(
            matches!(&missing, ModelLoadError::Unreadable(Unreadable::Invalid { reason, .. }) if reason.contains("dtmi:x:Nameplate;1")),
            "{missing}"
        );
        assert_eq!(
            twin_model(&[], "dtmi:x:Equipment;1").unwrap_err(),
            ModelLoadError::Form(FormError::UnknownModel("dtmi:x:Equipment;1".into()))
        );
    }
}
