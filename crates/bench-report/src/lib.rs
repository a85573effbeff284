//! The benchmark figure contract, one module for every bench of twinscope: the emulator's
//! throughput bench, the gateway's added-latency bench, the in-browser silent-acquisition
//! bench (wasm) and the browser half of `cargo xtask bench` (`twinscope-e2e --bin bench`),
//! which merges every part into `target/bench/report.md` and `report.json`.
//!
//! A part is one [`Section`]: a title and its [`Figure`]s, each the median of several runs
//! with min/max, an optional [`Target`] and whether the median meets it. On disk a part is
//! `{"section": …, "figures": [{"name", "unit", "median", "min", "max", "runs", "target",
//! "met", "note"}]}`; a bench that runs outside the report writes its part to the file
//! named by [`BENCH_JSON_ENV`] ([`Section::write_env_part`]) and prints [`Section::table`].
//!
//! [`dtdl_models`] generates the input of the DTDL validation benches (browser, emulator,
//! native), so that all three measure the same model set.

pub mod dtdl_models;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// A bench writes its part file here when set (the directory is created).
pub const BENCH_JSON_ENV: &str = "TWINSCOPE_BENCH_JSON";

/// Why a part file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PartError {
    #[error(
        "part file {path}: {reason} (a part is {{\"section\": …, \"figures\": [{{\"name\", \"unit\", \"median\", \"min\", \"max\", \"runs\", \"target\", \"met\", \"note\"}}]}})"
    )]
    Part { path: PathBuf, reason: String },
    #[error("cannot read the parts directory {path}: {source}")]
    PartsDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the part file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Median and spread of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
}

/// The median of `samples` (mean of the middle two for an even count); 0 when empty.
pub fn median(samples: &[f64]) -> f64 {
    stats(samples).map_or(0.0, |s| s.median)
}

/// `None` for an empty sample.
pub fn stats(samples: &[f64]) -> Option<Stats> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(Stats {
        median,
        min: sorted[0],
        max: sorted[n - 1],
        runs: n,
    })
}

/// A target a figure's median is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Target {
    pub fn met_by(self, value: f64) -> bool {
        match self {
            Self::AtMost(t) => value <= t,
            Self::AtLeast(t) => value >= t,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::AtMost(t) => write!(f, "<= {t}"),
            Self::AtLeast(t) => write!(f, ">= {t}"),
        }
    }
}

/// One figure of the contract. `target`/`met` are `None` when no target is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub name: String,
    pub unit: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub runs: usize,
    pub target: Option<String>,
    pub met: Option<bool>,
    pub note: String,
}

impl Figure {
    /// The figure for `samples` (at least one), its target judged on the median.
    pub fn from_samples(
        name: &str,
        unit: &str,
        samples: &[f64],
        target: Option<Target>,
        note: &str,
    ) -> Result<Figure, String> {
        let s = stats(samples).ok_or_else(|| format!("no samples for {name}"))?;
        Ok(Figure {
            name: name.to_owned(),
            unit: unit.to_owned(),
            median: s.median,
            min: s.min,
            max: s.max,
            runs: s.runs,
            target: target.map(|t| t.to_string()),
            met: target.map(|t| t.met_by(s.median)),
            note: note.to_owned(),
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name, "unit": self.unit, "median": self.median, "min": self.min,
            "max": self.max, "runs": self.runs, "target": self.target, "met": self.met,
            "note": self.note,
        })
    }

    /// Reads a figure, refusing missing or mistyped fields (`target`, `met` and `note` may
    /// be null or absent).
    pub fn from_json(value: &Value) -> Result<Figure, String> {
        let text = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("figure field `{k}` must be a string"))
        };
        let number = |k: &str| {
            value
                .get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("figure field `{k}` must be a number"))
        };
        let name = text("name")?;
        let in_figure = |e: String| format!("{e} (in figure {name:?})");
        Ok(Figure {
            unit: text("unit").map_err(in_figure)?,
            median: number("median").map_err(in_figure)?,
            min: number("min").map_err(in_figure)?,
            max: number("max").map_err(in_figure)?,
            runs: value
                .get("runs")
                .and_then(Value::as_u64)
                .ok_or_else(|| in_figure("figure field `runs` must be a whole number".into()))?
                as usize,
            target: value
                .get("target")
                .and_then(Value::as_str)
                .map(str::to_owned),
            met: value.get("met").and_then(Value::as_bool),
            note: value
                .get("note")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            name,
        })
    }
}

/// A titled group of figures: one table in `report.md`, one part file.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub section: String,
    pub figures: Vec<Figure>,
}

impl Section {
    pub fn new(section: &str) -> Self {
        Self {
            section: section.to_owned(),
            figures: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "section": self.section,
            "figures": self.figures.iter().map(Figure::to_json).collect::<Vec<_>>(),
        })
    }

    pub fn from_json(value: &Value) -> Result<Section, String> {
        let section = value
            .get("section")
            .and_then(Value::as_str)
            .ok_or("`section` must be a string")?
            .to_owned();
        let figures = value
            .get("figures")
            .and_then(Value::as_array)
            .ok_or("`figures` must be an array")?
            .iter()
            .map(Figure::from_json)
            .collect::<Result<_, _>>()?;
        Ok(Section { section, figures })
    }

    /// `## {section}` and a table: figure, median, min–max, runs, target, met; then the
    /// notes, one line each.
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "## {}\n\n| figure | median | min–max | runs | target | met |\n|---|---:|---:|---:|---|---|\n",
            self.section
        );
        for f in &self.figures {
            md.push_str(&format!(
                "| {} | {} | {} – {} | {} | {} | {} |\n",
                f.name,
                with_unit(f.median, &f.unit),
                number(f.min),
                number(f.max),
                f.runs,
                f.target
                    .as_deref()
                    .map_or("—".to_owned(), |t| format!("{t} {}", f.unit)),
                match f.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "—",
                }
            ));
        }
        let notes: Vec<_> = self.figures.iter().filter(|f| !f.note.is_empty()).collect();
        if !notes.is_empty() {
            md.push('\n');
            for f in notes {
                md.push_str(&format!("- *{}*: {}\n", f.name, f.note));
            }
        }
        md
    }
}

impl Section {
    /// The part as a console table (what a bench prints): figure, median, min, max, runs,
    /// target, met, unit; then the notes, one line each.
    pub fn table(&self) -> String {
        let width = self
            .figures
            .iter()
            .map(|f| f.name.chars().count())
            .chain([6])
            .max()
            .unwrap_or(6);
        let mut out = format!(
            "{}\n{:<width$} {:>12} {:>12} {:>12} {:>5} {:>10} {:>4}  unit\n",
            self.section, "figure", "median", "min", "max", "runs", "target", "met"
        );
        for f in &self.figures {
            let met = match f.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            };
            out.push_str(&format!(
                "{:<width$} {:>12} {:>12} {:>12} {:>5} {:>10} {:>4}  {}\n",
                f.name,
                number(f.median),
                number(f.min),
                number(f.max),
                f.runs,
                f.target.as_deref().unwrap_or_default(),
                met,
                f.unit
            ));
        }
        for f in self.figures.iter().filter(|f| !f.note.is_empty()) {
            out.push_str(&format!("- {}: {}\n", f.name, f.note));
        }
        out
    }

    /// Writes the part file at `path`, creating its directory.
    pub fn write_part(&self, path: &Path) -> Result<(), PartError> {
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let text =
                serde_json::to_string_pretty(&self.to_json()).map_err(std::io::Error::other)?;
            std::fs::write(path, text + "\n")
        };
        write().map_err(|source| PartError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes the part file where [`BENCH_JSON_ENV`] says, if it is set; returns that path.
    pub fn write_env_part(&self) -> Result<Option<PathBuf>, PartError> {
        let Some(path) = std::env::var_os(BENCH_JSON_ENV).map(PathBuf::from) else {
            return Ok(None);
        };
        self.write_part(&path)?;
        Ok(Some(path))
    }
}

/// A number as the report shows it: three significant decimals below 10, one below 1,000,
/// none above, with thousands separated.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let text = if v.abs() >= 1_000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    };
    let (sign, rest) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn with_unit(v: f64, unit: &str) -> String {
    match unit {
        "" => number(v),
        "%" => format!("{}%", number(v)),
        u => format!("{} {u}", number(v)),
    }
}

/// Every `*.json` in `dir`, in name order, as sections. A missing directory has no parts.
pub fn read_parts(dir: &Path) -> Result<Vec<Section>, PartError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(PartError::PartsDir {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let part = |reason: String| PartError::Part {
                path: path.clone(),
                reason,
            };
            let text = std::fs::read_to_string(path).map_err(|e| part(e.to_string()))?;
            let value: Value = serde_json::from_str(&text).map_err(|e| part(e.to_string()))?;
            Section::from_json(&value).map_err(part)
        })
        .collect()
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Today, `YYYY-MM-DD HH:MM UTC`.
pub fn date() -> String {
    command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

/// CPU, cores, memory, OS, rustc and Chromium versions.
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map(|kb| (kb / 1024.0 / 1024.0 * 10.0).round() / 10.0);
    let chromium = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gib": memory_gib,
        "os": command_line("uname", &["-srm"]),
        "rustc": command_line("rustc", &["--version"]),
        "chromium": command_line(&chromium, &["--version"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_middle_and_the_ends() {
        let check = |samples: &[f64], median: f64, min: f64, max: f64| {
            let s = stats(samples).unwrap();
            assert_eq!(
                (s.median, s.min, s.max, s.runs),
                (median, min, max, samples.len())
            );
        };
        check(&[3.0, 1.0, 2.0], 2.0, 1.0, 3.0);
        check(&[4.0, 1.0, 2.0, 3.0], 2.5, 1.0, 4.0);
        check(&[7.0], 7.0, 7.0, 7.0);
        assert!(stats(&[]).is_none());
    }

    #[test]
    fn targets_are_judged_on_the_median() {
        let f = Figure::from_samples(
            "x",
            "kB",
            &[240.0, 260.0, 255.0],
            Some(Target::AtMost(250.0)),
            "",
        )
        .unwrap();
        assert_eq!((f.target.as_deref(), f.met), (Some("<= 250"), Some(false)));
        let f = Figure::from_samples("y", "req/s", &[6000.0], Some(Target::AtLeast(5000.0)), "")
            .unwrap();
        assert_eq!((f.target.as_deref(), f.met), (Some(">= 5000"), Some(true)));
        let f = Figure::from_samples("z", "ms", &[1.0], None, "").unwrap();
        assert_eq!((f.target, f.met), (None, None));
    }

    #[test]
    fn numbers_read_well() {
        let check = |v: f64, shown: &str| assert_eq!(number(v), shown);
        check(1234567.4, "1,234,567");
        check(999.94, "999.9");
        check(12.345, "12.3");
        check(0.01234, "0.012");
        check(-2500.0, "-2,500");
    }

    fn part_json() -> Value {
        json!({ "section": "Emulator (ADT data plane)",
            "figures": [
                { "name": "twin GETs per second, 64 concurrent clients", "unit": "req/s",
                  "median": 12345.0, "min": 12000.0, "max": 12600.0, "runs": 5,
                  "target": ">= 5000", "met": true, "note": "how it was measured" },
                { "name": "no target", "unit": "ms", "median": 1.5, "min": 1.0, "max": 2.0,
                  "runs": 3, "target": null, "met": null, "note": "n" } ] })
    }

    #[test]
    fn parts_are_read_in_name_order_and_rendered_as_tables() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.json"), part_json().to_string()).unwrap();
        let mut other = part_json();
        other["section"] = json!("Gateway");
        std::fs::write(dir.path().join("a.json"), other.to_string()).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a part").unwrap();
        let parts = read_parts(dir.path()).unwrap();
        assert_eq!(
            parts.iter().map(|s| s.section.as_str()).collect::<Vec<_>>(),
            ["Gateway", "Emulator (ADT data plane)"]
        );
        assert_eq!(parts[1].to_json(), part_json(), "a part round-trips");
        let md = parts[1].markdown();
        assert!(md.starts_with("## Emulator (ADT data plane)\n"), "{md}");
        assert!(
            md.contains("| twin GETs per second, 64 concurrent clients | 12,345 req/s | 12,000 – 12,600 | 5 | >= 5000 req/s | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| no target | 1.500 ms | 1.000 – 2.000 | 3 | — | — |"),
            "{md}"
        );
        assert!(md.contains("- *no target*: n"), "{md}");
    }

    #[test]
    fn a_bad_part_names_its_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = part_json();
        bad["figures"][0]["median"] = json!("fast");
        std::fs::write(dir.path().join("emulator.json"), bad.to_string()).unwrap();
        let error = read_parts(dir.path()).unwrap_err().to_string();
        assert!(error.contains("emulator.json"), "{error}");
        assert!(error.contains("`median` must be a number"), "{error}");
        assert!(read_parts(&dir.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn a_part_is_written_read_back_and_printed_as_a_table() {
        let dir = tempfile::tempdir().unwrap();
        let section = Section::from_json(&part_json()).unwrap();
        let path = dir.path().join("deeper").join("emulator.json");
        section.write_part(&path).unwrap();
        let back = read_parts(&dir.path().join("deeper")).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0], section);
        let table = section.table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "Emulator (ADT data plane)");
        assert!(
            lines[2].starts_with("twin GETs per second, 64 concurrent clients "),
            "{table}"
        );
        assert!(
            lines[2].contains(" 12,345 ") && lines[2].ends_with(" yes  req/s"),
            "{table}"
        );
        assert!(
            lines[3].contains(" 1.500 ") && lines[3].ends_with(" -  ms"),
            "{table}"
        );
        assert_eq!(
            lines[4],
            "- twin GETs per second, 64 concurrent clients: how it was measured"
        );
        let error = section
            .write_part(
                &dir.path()
                    .join("deeper")
                    .join("emulator.json")
                    .join("x.json"),
            )
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("cannot write the part file "), "{error}");
    }
}
