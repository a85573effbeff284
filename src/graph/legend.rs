//! [`Legend`]: a distinct colour and shape for every model in the graph, so twins of different
//! models never look alike (colour alone is not enough for people who do not see it, nor for
//! more models than colours).

use std::collections::BTreeMap;

/// Colours (CSS classes `graph__node--c0` …), chosen to stay apart for common colour-vision
/// deficiencies and to contrast with both themes' backgrounds.
pub const COLOURS: usize = 10;

/// Node shapes, each drawn with about the same area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
    Hexagon,
}

pub const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::Diamond,
    Shape::Triangle,
    Shape::Hexagon,
];

impl Shape {
    /// The SVG path (`d`) of this shape centred on the origin, for a node of `radius`.
    pub fn path(self, radius: f32) -> String {
        let r = radius;
        match self {
            Shape::Circle => format!(
                "M{:.1} 0A{r:.1} {r:.1} 0 1 0 {:.1} 0A{r:.1} {r:.1} 0 1 0 {:.1} 0Z",
                -r, r, -r
            ),
            Shape::Square => {
                let s = r * 0.89;
                format!("M{:.1} {:.1}H{s:.1}V{s:.1}H{:.1}Z", -s, -s, -s)
            }
            Shape::Diamond => {
                let s = r * 1.25;
                format!("M0 {:.1}L{s:.1} 0L0 {s:.1}L{:.1} 0Z", -s, -s)
            }
            Shape::Triangle => {
                let s = r * 1.35;
                format!(
                    "M0 {:.1}L{:.1} {:.1}L{:.1} {:.1}Z",
                    -s,
                    s * 0.866,
                    s * 0.5,
                    -s * 0.866,
                    s * 0.5
                )
            }
            Shape::Hexagon => {
                let s = r * 1.1;
                let mut d = String::new();
                for k in 0..6 {
                    let a = std::f32::consts::PI / 3.0 * k as f32;
                    d.push(if k == 0 { 'M' } else { 'L' });
                    d.push_str(&format!("{:.1} {:.1}", s * a.cos(), s * a.sin()));
                }
                d.push('Z');
                d
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Circle => "circle",
            Shape::Square => "square",
            Shape::Diamond => "diamond",
            Shape::Triangle => "triangle",
            Shape::Hexagon => "hexagon",
        }
    }
}

/// How the twins of one model are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeStyle {
    pub colour: usize,
    pub shape: Shape,
}

impl NodeStyle {
    pub fn class(self) -> String {
        format!("graph__node graph__node--c{}", self.colour)
    }
}

/// One legend row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegendEntry {
    pub model: String,
    pub style: NodeStyle,
    /// Twins of this model in the graph.
    pub count: usize,
}

/// Models in the graph with their styles. Invariant: two different models have different
/// styles as long as there are at most `COLOURS × SHAPES` models; styles are given in model
/// id order, so the same set of models always gets the same styles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Legend {
    entries: Vec<LegendEntry>,
}

impl Legend {
    pub fn new<'a>(models: impl IntoIterator<Item = &'a str>) -> Legend {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for m in models {
            *counts.entry(m).or_default() += 1;
        }
        let entries = counts
            .into_iter()
            .enumerate()
            .map(|(i, (model, count))| LegendEntry {
                model: model.to_owned(),
                style: NodeStyle {
                    colour: i % COLOURS,
                    // Shapes change every COLOURS models, so neighbours in the list differ in
                    // colour and models COLOURS apart differ in shape.
                    shape: SHAPES[(i / COLOURS + i % COLOURS) % SHAPES.len()],
                },
                count,
            })
            .collect();
        Legend { entries }
    }

    pub fn entries(&self) -> &[LegendEntry] {
        &self.entries
    }

    /// The style of `model` (a model not in the legend gets the first style).
    pub fn style(&self, model: &str) -> NodeStyle {
        self.entries
            .binary_search_by(|e| e.model.as_str().cmp(model))
            .map(|i| self.entries[i].style)
            .unwrap_or(NodeStyle {
                colour: 0,
                shape: Shape::Circle,
            })
    }
}

/// The last segment of a DTMI's path, e.g. `Room;1` for `dtmi:com:contoso:Room;1`.
pub fn short_model(model: &str) -> &str {
    model.rsplit(':').next().unwrap_or(model)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_model_gets_its_own_style_and_keeps_it() {
        let models: Vec<String> = (0..COLOURS * SHAPES.len())
            .map(|i| format!("dtmi:x:M{i:02};1"))
            .collect();
        let legend = Legend::new(models.iter().map(String::as_str));
        let styles: BTreeSet<(usize, &str)> = legend
            .entries()
            .iter()
            .map(|e| (e.style.colour, e.style.shape.name()))
            .collect();
        assert_eq!(styles.len(), models.len(), "all distinct");
        // Adjacent models in the legend differ in colour.
        for pair in legend.entries().windows(2) {
            assert_ne!(pair[0].style.colour, pair[1].style.colour);
        }
        let again = Legend::new(models.iter().rev().map(String::as_str));
        assert_eq!(legend, again, "independent of twin order");
        assert_eq!(legend.style("dtmi:x:M03;1"), legend.entries()[3].style);
    }

    #[test]
    fn counts_are_per_model() {
        let legend = Legend::new(["dtmi:x:B;1", "dtmi:x:A;1", "dtmi:x:B;1"]);
        let rows: Vec<(&str, usize)> = legend
            .entries()
            .iter()
            .map(|e| (short_model(&e.model), e.count))
            .collect();
        assert_eq!(rows, [("A;1", 1), ("B;1", 2)]);
    }

    #[test]
    fn shapes_are_closed_paths_of_similar_size() {
        for shape in SHAPES {
            let d = shape.path(9.0);
            assert!(d.starts_with('M') && d.ends_with('Z'), "{d}");
        }
    }
}
