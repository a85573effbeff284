//! The emulator's integration tests, one binary: identity platform, Resource Manager and
//! Digital Twins data plane, each over HTTP against an emulator started on port 0.

mod adt_common;
mod common;

mod adt_access;
mod adt_azure_sdk;
mod adt_durability;
mod adt_openapi_examples;
mod adt_query;
mod adt_recorded_replies;
mod adt_twins;
mod arm_slice;
mod dtdl_conformance;
mod hostile_input;
mod identity_authorize;
mod identity_consent_logout;
mod identity_discovery;
mod identity_oidc_interop;
mod identity_token;
mod service;
