//! Microsoft's Azure Digital Twins SDK for Python (`azure-digitaltwins-core`, from PyPI,
//! pinned in `tests/azure_sdk/requirements.txt`), unmodified, against the emulator's data
//! plane with a real token from the emulator's sign-in page: material no one here wrote
//! deciding whether the emulator answers like the service. The scenario is
//! `tests/azure_sdk/scenario.py`; this test prepares a virtual environment (once; again only
//! when the requirements change), runs it and checks that every step ran and paged.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use twinscope_emulator::{Options, start};

use crate::adt_common::{ALEX, LAB, adt_token};
use crate::common;

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/azure_sdk")
}

/// A virtual environment with the pinned SDK: `python3 -m venv`, then `pip install` unless
/// the stamp says these requirements are already installed (so later runs work offline).
fn sdk_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("azure-sdk-venv");
    let python = venv.join("bin/python");
    let requirements = sdk_dir().join("requirements.txt");
    let wanted = std::fs::read(&requirements).expect("requirements.txt");
    let stamp = venv.join("twinscope-installed.txt");
    if python.exists() && std::fs::read(&stamp).ok().as_deref() == Some(wanted.as_slice()) {
        return python;
    }
    run(Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv));
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements));
    std::fs::write(&stamp, &wanted).expect("write the install stamp");
    python
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| {
        panic!("cannot run {command:?}: {e} (this test needs Python 3 with venv and pip on PATH)")
    });
    assert!(
        output.status.success(),
        "{command:?} failed ({}); the first run installs the SDK from PyPI:\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The scenario's steps, in order: a step missing from the output did not run.
const STEPS: &[&str] = &[
    "create_models",
    "create_models again",
    "get_model",
    "list_models",
    "list_models dependencies_for",
    "upsert_digital_twin",
    "get_digital_twin",
    "upsert_digital_twin if missing",
    "update_digital_twin if not modified",
    "update_digital_twin with a stale etag",
    "update_digital_twin against the model",
    "get_digital_twin missing",
    "get_component and update_component",
    "upsert_relationship and get_relationship",
    "update_relationship",
    "list_relationships and list_incoming_relationships",
    "delete_digital_twin with relationships",
    "query_twins",
    "query_twins projection",
    "query_twins join",
    "query_twins invalid",
    "publish_telemetry",
    "event routes",
    "delete_relationship",
    "delete_digital_twin",
    "decommission_model",
    "delete_model",
    "done",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn microsofts_python_sdk_runs_a_whole_session_unmodified() {
    let python = tokio::task::spawn_blocking(sdk_python).await.unwrap();
    let emulator = start(Options::default()).await.unwrap();
    let token = adt_token(&emulator, common::CONTOSO, ALEX).await;
    let base = format!("{}/adt/{LAB}", emulator.base_url());
    let output = tokio::process::Command::new(&python)
        .arg(sdk_dir().join("scenario.py"))
        .env("ADT_HOST", LAB)
        .env("ADT_BASE", &base)
        .env("ADT_TOKEN", &token)
        .output()
        .await
        .expect("run the scenario");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK's scenario failed ({}):\n{stdout}{stderr}",
        output.status
    );
    let steps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
    assert_eq!(names, STEPS, "{stdout}");
    let fact = |step: &str, key: &str| -> Value {
        steps.iter().find(|s| s["step"] == step).unwrap()[key].clone()
    };
    // One model on the first page: the SDK followed the service's nextLink (on the
    // instance's https host; the transport refuses anything else). It sends
    // `max-items-per-page` with the first request only, so the rest come in one more page.
    assert!(
        fact("list_models", "requests").as_u64() >= Some(2),
        "{stdout}"
    );
    // 205 rows at 100 per page: two continuation tokens.
    assert_eq!(fact("query_twins", "requests"), 3, "{stdout}");
    assert!(!stderr.contains("Traceback"), "{stderr}");
}
