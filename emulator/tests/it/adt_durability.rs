//! Durability: acknowledged writes survive a restart and a `kill -9`; a damaged data directory
//! stops the emulator with a clear message.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use crate::adt_common::*;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use twinscope_emulator::{Options, start};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "twinscope-durability-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn an_in_process_restart_keeps_writes_and_does_not_reseed() {
    let dir = temp_dir("restart");
    let options = || Options {
        data_dir: Some(dir.clone()),
        ..Options::default()
    };
    let emulator = start(options()).await.unwrap();
    let seeded = emulator.adt().twin_count(CAMPUS).unwrap();
    let lab = AdtClient::new(
        &emulator,
        LAB,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    lab.post("/models", &test_models()).await.ok(201);
    lab.put("/digitaltwins/kept", &thermostat(19.5))
        .await
        .ok(200);
    let campus = AdtClient::new(
        &emulator,
        CAMPUS,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    // Remove one seeded sensor (its incoming relationship first).
    let incoming = campus
        .get("/digitaltwins/site-1-b1-f0-r01-e1-s1/incomingrelationships")
        .await;
    let link = incoming.ok(200)["value"][0]["$relationshipLink"]
        .as_str()
        .unwrap()
        .to_string();
    // The link is absolute on the instance, as the service writes it.
    let reply = campus
        .send_url(reqwest::Method::DELETE, &campus.local(&link), None, &[])
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(
        campus
            .delete("/digitaltwins/site-1-b1-f0-r01-e1-s1")
            .await
            .status,
        204
    );
    let before = lab.get("/digitaltwins/kept").await.json.clone();
    emulator.stop().await;

    let emulator = start(options()).await.unwrap();
    assert_eq!(emulator.adt().twin_count(CAMPUS), Some(seeded - 1));
    let lab = AdtClient::new(
        &emulator,
        LAB,
        Some(adt_token(&emulator, common::CONTOSO, ALEX).await),
    );
    assert_eq!(lab.get("/digitaltwins/kept").await.ok(200), &before);
    assert_eq!(
        lab.get("/models").await.ok(200)["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The emulator binary on a free port with `dir` as its data directory.
struct Process {
    child: Child,
    base: String,
}

async fn spawn(dir: &Path) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_twinscope-emulator"))
        .args(["--port", "0", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the emulator binary starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the banner before exit");
        if let Some(rest) = line.strip_prefix("twinscope development emulator on ") {
            break rest.trim().to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Process { child, base }
}

/// An ADT token from the child process's identity platform.
async fn child_token(base: &str) -> String {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = common::Browser {
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: base.to_string(),
        jar,
    };
    let auth = common::Auth::new(common::CONTOSO)
        .scope(&format!("openid offline_access {}", common::ADT_SCOPE));
    let code = browser.code(&auth, ALEX.0, ALEX.1).await;
    let reply = common::redeem(base, &auth, &code).await;
    reply.ok()["access_token"].as_str().unwrap().to_string()
}

fn client(token: String) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_acknowledged_write_survives_kill_9() {
    let dir = temp_dir("kill9");
    let mut process = spawn(&dir).await;
    let base = process.base.clone();
    let http = client(child_token(&base).await);
    let url = |path: &str| format!("{base}/adt/{LAB}{path}?{API}");
    let models = http
        .post(url("/models"))
        .json(&test_models())
        .send()
        .await
        .unwrap();
    assert_eq!(models.status(), 201);

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, acknowledged) = (http.clone(), acknowledged.clone());
        let urls: Vec<(String, String)> = (0..10_000)
            .map(|i| {
                let id = format!("w{w}-{i}");
                (url(&format!("/digitaltwins/{id}")), id)
            })
            .collect();
        writers.push(tokio::spawn(async move {
            for (url, id) in urls {
                match http.put(&url).json(&thermostat(i_temp(&id))).send().await {
                    Ok(r) if r.status().is_success() => acknowledged.lock().unwrap().push(id),
                    Ok(r) => panic!("{id}: {}", r.status()),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let the writers get going, then kill the process mid-stream.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if acknowledged.lock().unwrap().len() >= 40 {
            break;
        }
    }
    process.child.start_kill().unwrap(); // SIGKILL on Unix
    let _ = process.child.wait().await;
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 40);

    let process = spawn(&dir).await;
    let base = process.base.clone();
    let http = client(child_token(&base).await);
    for id in &acknowledged {
        let reply = http
            .get(format!("{base}/adt/{LAB}/digitaltwins/{id}?{API}"))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200, "acknowledged twin {id} is lost");
        let twin: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(twin["temp"], json!(i_temp(id)));
    }
    drop(process);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A temperature derived from the twin id, to check the stored value.
fn i_temp(id: &str) -> f64 {
    id.bytes().map(f64::from).sum::<f64>() / 10.0
}

#[tokio::test]
async fn a_corrupt_data_directory_stops_the_emulator_with_a_clear_error() {
    let dir = temp_dir("corrupt");
    let log = dir.join(format!("{LAB}.jsonl"));
    std::fs::write(&log, "{\"op\":\"seed\",\"kind\":\"empty\",\"time\":\"t\"}\nnot json at all\n{\"op\":\"deleteAll\"}\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_twinscope-emulator"))
        .args(["--port", "0", "--data-dir"])
        .arg(&dir)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("emulator data directory is corrupt"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("{LAB}.jsonl line 2")), "{stderr}");
    assert!(stderr.contains("--in-memory"), "{stderr}");

    // The same error in-process.
    let err = start(Options {
        data_dir: Some(dir.clone()),
        ..Options::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
