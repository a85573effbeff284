//! One instance's data (models, twins, relationships, event routes, delete jobs) and its
//! durability.
//!
//! Every change is a [`Record`]. A handler validates a request against the current [`State`],
//! builds the records, and [`Store::commit`]s them: with a data directory they are appended to
//! the instance's write-ahead log (`{data_dir}/{host}.jsonl`, JSON lines) and `fsync`ed
//! *before* they are applied in memory and before the response is sent, so every acknowledged
//! write survives a crash. At start the log is replayed. A torn last line (the process killed
//! mid-write, never acknowledged) is cut off; any other damage is a start error naming the file
//! and line.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ontology::{ModelsRefused, Ontology};
use crate::instances::SeedKind;

/// One acknowledged change. Replaying the records of a log in order rebuilds the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Record {
    /// The instance's first content, generated deterministically (see `seed_graph`).
    Seed {
        kind: SeedKind,
        time: String,
    },
    #[serde(rename_all = "camelCase")]
    AddModels {
        models: Vec<Value>,
        upload_time: String,
    },
    DecommissionModel {
        id: String,
    },
    DeleteModel {
        id: String,
    },
    /// A twin in wire form (`$dtId`, `$etag`, `$metadata`, properties, components).
    PutTwin {
        twin: Value,
    },
    DeleteTwin {
        id: String,
    },
    /// A relationship in wire form (`$relationshipId`, `$sourceId`, `$targetId`, …).
    PutRelationship {
        relationship: Value,
    },
    DeleteRelationship {
        source: String,
        id: String,
    },
    PutEventRoute {
        route: Value,
    },
    DeleteEventRoute {
        id: String,
    },
    /// A delete job's effect: every relationship, twin and model is gone.
    DeleteAll,
    PutDeleteJob {
        job: Value,
    },
}

/// A model as stored: its definition and metadata.
#[derive(Debug, Clone)]
pub struct ModelEntry {
    pub model: Value,
    pub upload_time: String,
    pub decommissioned: bool,
    /// Upload order, for listing models as the service does.
    pub seq: u64,
}

/// An instance's data in memory.
#[derive(Debug)]
pub struct State {
    pub models: BTreeMap<String, ModelEntry>,
    pub ontology: Box<dyn Ontology>,
    pub twins: BTreeMap<String, Value>,
    /// By (source twin id, relationship id).
    pub relationships: BTreeMap<(String, String), Value>,
    /// Target twin id to the (source, relationship id) keys pointing at it.
    pub incoming: HashMap<String, BTreeSet<(String, String)>>,
    pub event_routes: BTreeMap<String, Value>,
    pub delete_jobs: BTreeMap<String, Value>,
    next_seq: u64,
}

/// Why a record could not be applied (only possible when replaying a damaged log).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApplyError {
    #[error("its models were refused: {0:?}")]
    Models(ModelsRefused),
    #[error("it is malformed: {0}")]
    Malformed(&'static str),
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The models an accepted upload stores, in upload order, each with its document: every
/// top-level Interface (the elements of a document that is itself an array), by its `@id`.
/// Interfaces defined inline (a component's or a parent's definition written in place) are
/// in the model set, which `accepted` (the ids it returned) also lists, but are not models
/// of their own.
fn uploaded_models<'a>(docs: &'a [Value], accepted: &[String]) -> Vec<(&'a str, &'a Value)> {
    let accepted: BTreeSet<&str> = accepted.iter().map(String::as_str).collect();
    docs.iter()
        .flat_map(|doc| match doc {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .filter_map(|doc| str_of(doc, "@id").map(|id| (id, doc)))
        .filter(|(id, _)| accepted.contains(id))
        .collect()
}

impl State {
    pub fn new(ontology: Box<dyn Ontology>) -> Self {
        Self {
            models: BTreeMap::new(),
            ontology,
            twins: BTreeMap::new(),
            relationships: BTreeMap::new(),
            incoming: HashMap::new(),
            event_routes: BTreeMap::new(),
            delete_jobs: BTreeMap::new(),
            next_seq: 0,
        }
    }

    /// The relationships leaving `source`, in id order.
    pub fn outgoing<'a>(&'a self, source: &str) -> impl Iterator<Item = &'a Value> + 'a {
        let start = (source.to_string(), String::new());
        let source = source.to_string();
        self.relationships
            .range(start..)
            .take_while(move |((s, _), _)| *s == source)
            .map(|(_, v)| v)
    }

    /// The relationships arriving at `target`.
    pub fn incoming_of<'a>(&'a self, target: &str) -> impl Iterator<Item = &'a Value> + 'a {
        self.incoming
            .get(target)
            .into_iter()
            .flatten()
            .filter_map(|key| self.relationships.get(key))
    }

    /// Whether any relationship leaves or arrives at `id`.
    pub fn has_relationships(&self, id: &str) -> bool {
        self.outgoing(id).next().is_some() || self.incoming.get(id).is_some_and(|s| !s.is_empty())
    }

    /// The model of a twin (`$metadata.$model`).
    pub fn model_of(twin: &Value) -> Option<&str> {
        twin.get("$metadata").and_then(|m| str_of(m, "$model"))
    }

    /// Applies one record. Handlers only commit records they have validated.
    pub fn apply(&mut self, record: &Record) -> Result<(), ApplyError> {
        match record {
            Record::Seed { kind, time } => {
                for r in super::seed_graph::generate(*kind, time) {
                    self.apply(&r)?;
                }
            }
            Record::AddModels {
                models,
                upload_time,
            } => {
                let ids = self
                    .ontology
                    .add_models(models)
                    .map_err(ApplyError::Models)?;
                self.record_models(models, &ids, upload_time);
            }
            Record::DecommissionModel { id } => {
                if let Some(m) = self.models.get_mut(id) {
                    m.decommissioned = true;
                }
            }
            Record::DeleteModel { id } => {
                // Replay never refuses: the handler checked references before committing.
                let _ = self.ontology.remove_model(id);
                self.models.remove(id);
            }
            Record::PutTwin { twin } => {
                let id =
                    str_of(twin, "$dtId").ok_or(ApplyError::Malformed("twin without $dtId"))?;
                self.twins.insert(id.to_string(), twin.clone());
            }
            Record::DeleteTwin { id } => {
                self.twins.remove(id);
            }
            Record::PutRelationship { relationship } => {
                let (Some(source), Some(id), Some(target)) = (
                    str_of(relationship, "$sourceId"),
                    str_of(relationship, "$relationshipId"),
                    str_of(relationship, "$targetId"),
                ) else {
                    return Err(ApplyError::Malformed("relationship without ids"));
                };
                let key = (source.to_string(), id.to_string());
                self.unlink(&key);
                self.incoming
                    .entry(target.to_string())
                    .or_default()
                    .insert(key.clone());
                self.relationships.insert(key, relationship.clone());
            }
            Record::DeleteRelationship { source, id } => {
                let key = (source.clone(), id.clone());
                self.unlink(&key);
                self.relationships.remove(&key);
            }
            Record::PutEventRoute { route } => {
                let id = str_of(route, "id").ok_or(ApplyError::Malformed("route without id"))?;
                self.event_routes.insert(id.to_string(), route.clone());
            }
            Record::DeleteEventRoute { id } => {
                self.event_routes.remove(id);
            }
            Record::DeleteAll => {
                self.relationships.clear();
                self.incoming.clear();
                self.twins.clear();
                self.models.clear();
                self.ontology = self.ontology.empty();
            }
            Record::PutDeleteJob { job } => {
                let id = str_of(job, "id").ok_or(ApplyError::Malformed("job without id"))?;
                self.delete_jobs.insert(id.to_string(), job.clone());
            }
        }
        Ok(())
    }

    /// The models of an upload the ontology has accepted (as `ids`), with their metadata.
    fn record_models(&mut self, models: &[Value], ids: &[String], upload_time: &str) {
        for (id, model) in uploaded_models(models, ids) {
            self.next_seq += 1;
            self.models.insert(
                id.to_string(),
                ModelEntry {
                    model: model.clone(),
                    upload_time: upload_time.to_string(),
                    decommissioned: false,
                    seq: self.next_seq,
                },
            );
        }
    }

    /// Takes the models `ids` out of the ontology again (an accepted upload that could not be
    /// logged), each after the models of the upload that reference it.
    fn forget_models(&mut self, ids: &[String]) {
        let mut left: Vec<&String> = ids.iter().collect();
        while !left.is_empty() {
            let before = left.len();
            left.retain(|id| self.ontology.remove_model(id).is_err());
            if left.len() == before {
                tracing::warn!("models {left:?} could not be taken out of the ontology");
                return;
            }
        }
    }

    /// Drops `key` from the incoming index of its current target.
    fn unlink(&mut self, key: &(String, String)) {
        let Some(target) = self
            .relationships
            .get(key)
            .and_then(|r| str_of(r, "$targetId"))
        else {
            return;
        };
        let target = target.to_string();
        if let Some(set) = self.incoming.get_mut(&target) {
            set.remove(key);
            if set.is_empty() {
                self.incoming.remove(&target);
            }
        }
    }
}

/// Why the data directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "emulator data directory is corrupt: {path} line {line}: {problem}; delete it or start with --in-memory"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error(
        "cannot use the emulator data directory ({path}): {source}; fix it or start with --in-memory"
    )]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// An append-only log file.
#[derive(Debug)]
struct Wal {
    path: PathBuf,
    file: File,
}

impl Wal {
    fn append(&mut self, records: &[Record]) -> std::io::Result<()> {
        let mut bytes = Vec::new();
        for r in records {
            serde_json::to_writer(&mut bytes, r).map_err(std::io::Error::other)?;
            bytes.push(b'\n');
        }
        self.file.write_all(&bytes)?;
        self.file.sync_data()
    }
}

/// An instance's state and, when durable, its log. Guarded by the instance's lock.
#[derive(Debug)]
pub struct Store {
    pub state: State,
    wal: Option<Wal>,
}

impl Store {
    /// An in-memory store seeded with `seed`.
    pub fn in_memory(
        ontology: Box<dyn Ontology>,
        seed: SeedKind,
        time: &str,
    ) -> Result<Self, ApplyError> {
        let mut state = State::new(ontology);
        state.apply(&Record::Seed {
            kind: seed,
            time: time.to_string(),
        })?;
        Ok(Self { state, wal: None })
    }

    /// Opens (replaying) or creates `{dir}/{host}.jsonl`; a new log starts with the seed.
    pub fn open(
        dir: &Path,
        host: &str,
        ontology: Box<dyn Ontology>,
        seed: SeedKind,
        time: &str,
    ) -> Result<Self, StoreError> {
        let path = dir.join(format!("{host}.jsonl"));
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let exists = path.exists();
        let mut state = State::new(ontology);
        if exists {
            let good_len = replay(&path, &mut state)?;
            let file = OpenOptions::new().write(true).open(&path).map_err(io)?;
            if file.metadata().map_err(io)?.len() != good_len {
                tracing::warn!("{}: dropping a torn last line", path.display());
                file.set_len(good_len).map_err(io)?;
                file.sync_data().map_err(io)?;
            }
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        let mut store = Self {
            state,
            wal: Some(Wal {
                path: path.clone(),
                file,
            }),
        };
        if !exists {
            let seed = Record::Seed {
                kind: seed,
                time: time.to_string(),
            };
            store
                .commit(vec![seed])
                .map_err(|problem| StoreError::Corrupt {
                    path: path.clone(),
                    line: 1,
                    problem,
                })?;
        }
        Ok(store)
    }

    /// An upload already added to (and so validated by) `self.state.ontology`, which accepted
    /// it as `ids`: made durable (when there is a log), then its models are recorded. The batch
    /// is validated once, not again as the record is applied; if it cannot be logged, the
    /// ontology is given its models back out.
    pub fn commit_added_models(
        &mut self,
        models: Vec<Value>,
        upload_time: String,
        ids: &[String],
    ) -> Result<(), String> {
        let record = Record::AddModels {
            models,
            upload_time,
        };
        if let Some(wal) = &mut self.wal
            && let Err(e) = wal.append(std::slice::from_ref(&record))
        {
            self.state.forget_models(ids);
            return Err(format!("{}: {e}", wal.path.display()));
        }
        if let Record::AddModels {
            models,
            upload_time,
        } = &record
        {
            self.state.record_models(models, ids, upload_time);
        }
        Ok(())
    }

    /// Makes `records` durable (when there is a log), then applies them.
    pub fn commit(&mut self, records: Vec<Record>) -> Result<(), String> {
        if let Some(wal) = &mut self.wal {
            wal.append(&records)
                .map_err(|e| format!("{}: {e}", wal.path.display()))?;
        }
        for r in &records {
            self.state.apply(r).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Replays a log into `state`; returns the length of its intact prefix.
fn replay(path: &Path, state: &mut State) -> Result<u64, StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut reader = std::io::BufReader::new(file);
    let mut good: u64 = 0;
    let mut line_no = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            return Ok(good);
        }
        line_no += 1;
        if buf.last() != Some(&b'\n') {
            // A torn last line: never acknowledged, so dropping it loses nothing.
            return Ok(good);
        }
        let corrupt = |problem: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            line: line_no,
            problem,
        };
        let record: Record = serde_json::from_slice(&buf[..buf.len() - 1])
            .map_err(|e| corrupt(format!("not a change record ({e})")))?;
        state
            .apply(&record)
            .map_err(|e| corrupt(format!("the change cannot be replayed: {e}")))?;
        good += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adt::ontology::DtdlOntology;
    use serde_json::json;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "twinscope-store-{name}-{}",
            crate::identity::jwt::random_guid()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn twin(id: &str) -> Record {
        Record::PutTwin {
            twin: json!({"$dtId": id, "$etag": "W/\"x\"", "$metadata": {"$model": "dtmi:a:B;1"}}),
        }
    }

    fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open(
            dir,
            "h.api.weu.digitaltwins.azure.net",
            Box::new(DtdlOntology::default()),
            SeedKind::Empty,
            "2024-01-01T00:00:00.0000000Z",
        )
    }

    #[test]
    fn committed_records_survive_reopening() {
        let dir = temp_dir("reopen");
        let mut store = open(&dir).unwrap();
        store.commit(vec![twin("a"), twin("b")]).unwrap();
        store
            .commit(vec![Record::PutRelationship {
                relationship: json!({"$sourceId":"a","$relationshipId":"r","$targetId":"b","$relationshipName":"n"}),
            }])
            .unwrap();
        store
            .commit(vec![Record::DeleteTwin { id: "zzz".into() }])
            .unwrap();
        drop(store);
        let store = open(&dir).unwrap();
        assert_eq!(store.state.twins.len(), 2);
        assert_eq!(store.state.incoming_of("b").count(), 1);
        assert!(store.state.has_relationships("a"));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_later_writes_append_cleanly() {
        let dir = temp_dir("torn");
        let mut store = open(&dir).unwrap();
        store.commit(vec![twin("a")]).unwrap();
        drop(store);
        let path = dir.join("h.api.weu.digitaltwins.azure.net.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"op":"putTwin","twin":{"$dtId":"#).unwrap();
        drop(f);
        let mut store = open(&dir).unwrap();
        assert_eq!(store.state.twins.len(), 1);
        store.commit(vec![twin("c")]).unwrap();
        drop(store);
        let store = open(&dir).unwrap();
        assert_eq!(
            store.state.twins.keys().cloned().collect::<Vec<_>>(),
            vec!["a".to_string(), "c".to_string()]
        );
    }

    #[test]
    fn damage_before_the_last_line_names_the_file_and_line() {
        let dir = temp_dir("corrupt");
        let mut store = open(&dir).unwrap();
        store.commit(vec![twin("a")]).unwrap();
        drop(store);
        let path = dir.join("h.api.weu.digitaltwins.azure.net.jsonl");
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"garbage\n").unwrap();
        f.write_all(b"{\"op\":\"deleteAll\"}\n").unwrap();
        drop(f);
        let err = open(&dir).unwrap_err().to_string();
        assert!(err.contains("emulator data directory is corrupt"), "{err}");
        assert!(err.contains("jsonl line 3"), "{err}");
        assert!(err.contains("--in-memory"), "{err}");
    }

    #[test]
    fn delete_all_clears_everything_but_routes_and_jobs() {
        let mut store =
            Store::in_memory(Box::new(DtdlOntology::default()), SeedKind::Empty, "t").unwrap();
        store
            .commit(vec![
                Record::AddModels {
                    models: vec![json!({"@id": "dtmi:a:B;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"})],
                    upload_time: "t".into(),
                },
                twin("a"),
                Record::PutEventRoute {
                    route: json!({"id": "r", "endpointName": "e", "filter": "true"}),
                },
                Record::DeleteAll,
            ])
            .unwrap();
        assert!(store.state.models.is_empty() && store.state.twins.is_empty());
        assert_eq!(store.state.event_routes.len(), 1);
    }

    #[test]
    fn each_uploaded_interface_is_stored_under_its_own_id_also_from_an_array_document() {
        let mut store =
            Store::in_memory(Box::new(DtdlOntology::default()), SeedKind::Empty, "t").unwrap();
        // Azure Digital Twins takes no Interface defined inline: the component's Interface is
        // a model of its own in the same upload.
        let panel = json!({"@id": "dtmi:a:Panel;1", "@type": "Interface",
            "@context": "dtmi:dtdl:context;3"});
        let room = json!({"@id": "dtmi:a:Room;1", "@type": "Interface",
            "@context": "dtmi:dtdl:context;3",
            "contents": [{"@type": "Component", "name": "panel", "schema": "dtmi:a:Panel;1"}]});
        let hall = json!({"@id": "dtmi:a:Hall;1", "@type": "Interface",
            "@context": "dtmi:dtdl:context;3"});
        let pair = json!([
            {"@id": "dtmi:a:Door;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"},
            {"@id": "dtmi:a:Gate;1", "@type": "Interface", "@context": "dtmi:dtdl:context;3"}
        ]);
        store
            .commit(vec![Record::AddModels {
                models: vec![panel.clone(), room.clone(), hall.clone(), pair.clone()],
                upload_time: "t".into(),
            }])
            .unwrap();
        let models = &store.state.models;
        assert_eq!(
            models.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                "dtmi:a:Door;1",
                "dtmi:a:Gate;1",
                "dtmi:a:Hall;1",
                "dtmi:a:Panel;1",
                "dtmi:a:Room;1"
            ]
        );
        assert_eq!(models["dtmi:a:Room;1"].model, room);
        assert_eq!(models["dtmi:a:Hall;1"].model, hall);
        assert_eq!(models["dtmi:a:Gate;1"].model, pair[1]);
    }
}
