//! DTDL v2 and v3: models parsed, validated and resolved; twins and relationships validated
//! against them. Pure and `wasm32`-compatible (used by the emulator and the SPA).
//!
//! Entry point: [`ModelSet`]. Upload with [`ModelSet::add_models`] (atomic, like ADT's
//! `POST /models`), then validate instance data with [`ModelSet::validate_twin`],
//! [`ModelSet::validate_property_value`] and [`ModelSet::validate_relationship`].

mod context;
mod dtmi;
mod error;
mod instance;
mod jsonld;
mod model;
mod order;
mod parse;
mod resolve;
mod set;
mod suggest;
mod temporal;
mod units;

pub use dtmi::{Dtmi, DtmiError, MAX_DTMI_LEN, MAX_INTERFACE_DTMI_LEN, MAX_USER_DTMI_LEN};
pub use error::{InstanceError, ModelBatchError, ModelError, ModelErrorKind, RemoveModelError};
pub use model::{
    Command, Component, EnumValue, EnumValueSchema, Field, Interface, LangString, Property,
    Relationship, Schema, Telemetry,
};
pub use order::dependency_order;
pub use set::{MAX_MODELS_PER_BATCH, ModelSet, ParseOptions, Service, UndefinedExtensions};
