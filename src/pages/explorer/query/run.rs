//! Running a query: pages arrive into the rows until the last page or Stop. One run at a
//! time: a new run (or the address losing its query) stops the one before, and that run's
//! late pages and its ending land nowhere (each run has its own [`CancelFlag`]; a run whose
//! flag is no longer the current one leaves the state alone).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::adt::{AdtClient, AdtError, CancelFlag, QueryCharge, QueryPage};
use crate::format::grouped;

/// Rows, pages and query units so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    pub rows: usize,
    pub pages: usize,
    pub charge: Option<f64>,
}

impl Progress {
    pub fn add(&mut self, page: &QueryPage) {
        self.rows += page.items.len();
        self.pages += 1;
        if let Some(c) = page.charge.as_ref().and_then(QueryCharge::units) {
            self.charge = Some(self.charge.unwrap_or(0.0) + c);
        }
    }
}

/// `1,000 rows · page 1 · charge 12.5` (the charge only when the service reported one).
pub fn format_progress(p: &Progress) -> String {
    let rows = match p.rows {
        1 => "1 row".to_owned(),
        n => format!("{} rows", grouped(n)),
    };
    let mut text = format!("{rows} · page {}", grouped(p.pages));
    if let Some(charge) = p.charge {
        let shown = format!("{charge:.2}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        text.push_str(&format!(" · charge {shown}"));
    }
    text
}

/// The UTF-16 offset of 1-based `line` and character `position` in `text`, clamped to the
/// text (for placing the caret at a query error).
pub fn caret_offset(text: &str, line: u32, position: u32) -> u32 {
    let mut offset = 0usize;
    for (i, content) in text.split('\n').enumerate() {
        if i + 1 == line.max(1) as usize {
            let column = position.max(1) as usize - 1;
            let within: usize = content.chars().take(column).map(char::len_utf16).sum();
            return (offset + within) as u32;
        }
        offset += content.chars().map(char::len_utf16).sum::<usize>() + 1;
    }
    text.encode_utf16().count() as u32
}

/// An error as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub message: String,
    pub line: Option<u32>,
    pub position: Option<u32>,
}

impl From<&AdtError> for Shown {
    fn from(e: &AdtError) -> Self {
        match e {
            AdtError::Query {
                line,
                position,
                message,
            } => Self {
                message: message.clone(),
                line: *line,
                position: *position,
            },
            other => Self {
                message: other.to_string(),
                line: None,
                position: None,
            },
        }
    }
}

impl Shown {
    /// `Line 3, position 7`, where the service said where.
    pub fn place(&self) -> Option<String> {
        match (self.line, self.position) {
            (Some(l), Some(p)) => Some(format!("Line {l}, position {p}")),
            (Some(l), None) => Some(format!("Line {l}")),
            _ => None,
        }
    }
}

/// Where the run is.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    Idle,
    Running(Progress),
    Done { progress: Progress, stopped: bool },
    Failed { progress: Progress, error: Shown },
}

impl Run {
    /// The status line: `Running… 1,000 rows · page 1`, `Stopped: …`, `Done: …`, `Failed …`.
    pub fn status(&self) -> String {
        match self {
            Run::Idle => String::new(),
            Run::Running(p) => format!("Running… {}", format_progress(p)),
            Run::Done {
                progress,
                stopped: true,
            } => format!("Stopped: {}", format_progress(progress)),
            Run::Done { progress, .. } => format!("Done: {}", format_progress(progress)),
            Run::Failed { progress, .. } if progress.pages > 0 => {
                format!("Failed after {}", format_progress(progress))
            }
            Run::Failed { .. } => "Failed".to_owned(),
        }
    }
}

/// The results on screen and the run that fills them. `Copy`: signals and local stored
/// values only.
#[derive(Debug, Clone, Copy)]
pub struct QueryRun {
    /// The rows so far (of the run on screen).
    pub rows: RwSignal<Vec<Value>>,
    pub state: RwSignal<Run>,
    /// The query of the results on screen (what the sidebar marks, what the address is
    /// compared with); empty when none is shown.
    pub shown: RwSignal<String>,
    /// Counts runs, so the graph is drawn once per finished run.
    number: RwSignal<u64>,
    cancel: StoredValue<Option<CancelFlag>, LocalStorage>,
    client: StoredValue<AdtClient, LocalStorage>,
}

impl QueryRun {
    pub fn new(client: AdtClient) -> Self {
        Self {
            rows: RwSignal::new(Vec::new()),
            state: RwSignal::new(Run::Idle),
            shown: RwSignal::new(String::new()),
            number: RwSignal::new(0),
            cancel: StoredValue::new_local(None),
            client: StoredValue::new_local(client),
        }
    }

    /// Runs `query` (stopping the run before): the rows start empty and fill page by page.
    /// `on_failed` is told the error when it fails (the editor puts its caret there).
    pub fn start(self, query: String, on_failed: impl FnOnce(&Shown) + 'static) {
        crate::perf::mark(crate::perf::QUERY_RUN);
        self.stop();
        let flag = CancelFlag::new();
        self.cancel.set_value(Some(flag.clone()));
        self.shown.set(query.clone());
        self.rows.set(Vec::new());
        self.number.update(|n| *n += 1);
        self.state.set(Run::Running(Progress::default()));
        let client = self.client.get_value();
        spawn_local(async move {
            let mut progress = Progress::default();
            let result = client
                .query_all(
                    &query,
                    |page| {
                        progress.add(page);
                        self.rows.update(|r| r.extend(page.items.iter().cloned()));
                        self.state.set(Run::Running(progress));
                        if progress.pages == 1 {
                            crate::perf::mark_after_paint(crate::perf::QUERY_FIRST_ROWS);
                        }
                    },
                    flag.clone(),
                )
                .await;
            if !self.is_current(&flag) {
                return;
            }
            if result.as_ref().is_ok_and(|s| !s.cancelled) {
                crate::perf::mark_after_paint(crate::perf::QUERY_ALL_ROWS);
            }
            self.state.set(match result {
                Ok(summary) => Run::Done {
                    progress,
                    stopped: summary.cancelled,
                },
                Err(error) => {
                    let error = Shown::from(&error);
                    on_failed(&error);
                    Run::Failed { progress, error }
                }
            });
        });
    }

    /// Whether `flag` is the run on screen (a newer run replaces it; clearing ends it). The
    /// stored value is gone with the screen, and then no run is.
    fn is_current(self, flag: &CancelFlag) -> bool {
        self.cancel
            .try_with_value(|c| c.as_ref().is_some_and(|c| c.same(flag)))
            .unwrap_or(false)
    }

    /// Stop: the pages so far stay, the run ends as stopped.
    pub fn stop(self) {
        self.cancel.with_value(|c| {
            if let Some(c) = c {
                c.cancel();
            }
        });
    }

    /// No query on screen (the address without one): the run stops and its rows go.
    pub fn clear(self) {
        self.stop();
        // A run still answering is no longer the one on screen.
        self.cancel.set_value(Some(CancelFlag::new()));
        self.shown.set(String::new());
        self.rows.set(Vec::new());
        self.state.set(Run::Idle);
    }

    /// Whether a run is going (tracked).
    pub fn running(self) -> bool {
        self.state.with(|s| matches!(s, Run::Running(_)))
    }

    /// The number of the run whose results are complete on screen, if the last one finished
    /// (tracked by the state).
    pub fn finished(self) -> Option<u64> {
        self.state
            .with(|s| matches!(s, Run::Done { .. }))
            .then(|| self.number.get_untracked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_like_a_sentence() {
        let check = |rows, pages, charge, expected: &str| {
            assert_eq!(
                format_progress(&Progress {
                    rows,
                    pages,
                    charge
                }),
                expected
            );
        };
        check(1000, 1, Some(12.5), "1,000 rows · page 1 · charge 12.5");
        check(1, 1, None, "1 row · page 1");
        check(0, 1, Some(1.0), "0 rows · page 1 · charge 1");
        check(
            1_234_567,
            1_200,
            Some(3.456),
            "1,234,567 rows · page 1,200 · charge 3.46",
        );
    }

    #[test]
    fn the_status_line_says_how_the_run_ended() {
        let p = Progress {
            rows: 2,
            pages: 1,
            charge: None,
        };
        let error = Shown {
            message: "no".into(),
            line: None,
            position: None,
        };
        let check = |run: Run, expected: &str| assert_eq!(run.status(), expected);
        check(Run::Idle, "");
        check(Run::Running(p), "Running… 2 rows · page 1");
        check(
            Run::Done {
                progress: p,
                stopped: true,
            },
            "Stopped: 2 rows · page 1",
        );
        check(
            Run::Done {
                progress: p,
                stopped: false,
            },
            "Done: 2 rows · page 1",
        );
        check(
            Run::Failed {
                progress: p,
                error: error.clone(),
            },
            "Failed after 2 rows · page 1",
        );
        check(
            Run::Failed {
                progress: Progress::default(),
                error,
            },
            "Failed",
        );
    }

    #[test]
    fn progress_adds_pages() {
        let mut p = Progress::default();
        p.add(&QueryPage {
            items: vec![Value::Null; 3],
            continuation_token: None,
            charge: Some(QueryCharge::new("2.0")),
        });
        p.add(&QueryPage {
            items: vec![Value::Null; 2],
            continuation_token: None,
            charge: None,
        });
        assert_eq!(
            p,
            Progress {
                rows: 5,
                pages: 2,
                charge: Some(2.0)
            }
        );
    }

    #[test]
    fn the_caret_goes_to_the_error_position() {
        let text = "SELECT *\nFROM digitaltwins\nWHERE tmp = 1";
        assert_eq!(caret_offset(text, 1, 1), 0);
        assert_eq!(caret_offset(text, 2, 6), 14);
        assert_eq!(caret_offset(text, 3, 7), 33);
        // Past the end of a line stays on that line; past the last line goes to the end.
        assert_eq!(caret_offset(text, 1, 99), 8);
        assert_eq!(caret_offset(text, 9, 1), text.len() as u32);
        // UTF-16 units, as the browser counts them.
        assert_eq!(caret_offset("é😀x", 1, 3), 3);
    }

    #[test]
    fn an_error_says_where_when_the_service_said() {
        let at = |line, position| Shown {
            message: String::new(),
            line,
            position,
        };
        assert_eq!(
            at(Some(2), Some(6)).place().as_deref(),
            Some("Line 2, position 6")
        );
        assert_eq!(at(Some(2), None).place().as_deref(), Some("Line 2"));
        assert_eq!(at(None, None).place(), None);
    }
}
