//! Layouts other than the force-directed one: hierarchical (layers along the relationships'
//! direction) and concentric (rings by number of relationships). Pure and deterministic: the
//! same nodes and edges always give the same positions, in the world units of
//! [`super::layout`] (about [`NATURAL_LENGTH`] between neighbours).

use std::collections::VecDeque;

use super::layout::NATURAL_LENGTH;

/// The layouts a user can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutKind {
    /// Spring–electrical forces ([`super::layout::Layout`]).
    #[default]
    Force,
    /// Layers: every relationship points down, from its source's layer to a lower one.
    Hierarchical,
    /// Rings: the most connected twins in the middle.
    Concentric,
}

impl LayoutKind {
    pub const ALL: [LayoutKind; 3] = [
        LayoutKind::Force,
        LayoutKind::Hierarchical,
        LayoutKind::Concentric,
    ];

    /// The value of the layout's `<option>`.
    pub fn key(self) -> &'static str {
        match self {
            LayoutKind::Force => "force",
            LayoutKind::Hierarchical => "hierarchical",
            LayoutKind::Concentric => "concentric",
        }
    }

    /// What the user reads.
    pub fn label(self) -> &'static str {
        match self {
            LayoutKind::Force => "Force-directed",
            LayoutKind::Hierarchical => "Hierarchical (by relationship)",
            LayoutKind::Concentric => "Concentric (by connections)",
        }
    }

    pub fn from_key(key: &str) -> Option<LayoutKind> {
        LayoutKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Horizontal distance between neighbours in a layer.
const LAYER_SPACING_X: f32 = NATURAL_LENGTH * 1.2;
/// Vertical distance between layers.
const LAYER_SPACING_Y: f32 = NATURAL_LENGTH * 1.6;
/// A layer wider than this many twins is folded into rows of at most this many (so a layer of
/// 100 sensors does not shrink the whole drawing to fit one long line).
const MAX_ROW: usize = 16;
/// Vertical distance between the rows of one folded layer.
const ROW_SPACING_Y: f32 = NATURAL_LENGTH * 0.7;
/// Distance between rings.
const RING_SPACING: f32 = NATURAL_LENGTH * 1.5;

/// Hierarchical positions for `n` nodes and directed `edges` (source, target): each node's
/// layer is its longest distance from a node nothing points to (cycles are broken by ignoring
/// edges that close them, found by a depth-first search in index order); within a layer,
/// nodes are ordered by the mean position of their parents (one barycentre pass), and layers
/// are centred on x = 0.
pub fn hierarchical(n: usize, edges: &[(usize, usize)]) -> Vec<(f32, f32)> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(s, t) in edges {
        if s < n && t < n && s != t {
            children[s].push(t);
        }
    }
    children.iter_mut().for_each(|c| {
        c.sort_unstable();
        c.dedup();
    });
    let acyclic = drop_back_edges(&children);
    // Longest-path layering in topological order (Kahn).
    let mut indegree = vec![0usize; n];
    for c in &acyclic {
        for &t in c {
            indegree[t] += 1;
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut layer = vec![0usize; n];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    while let Some(i) = queue.pop_front() {
        for &t in &acyclic[i] {
            layer[t] = layer[t].max(layer[i] + 1);
            parents[t].push(i);
            indegree[t] -= 1;
            if indegree[t] == 0 {
                queue.push_back(t);
            }
        }
    }
    let depth = layer.iter().copied().max().map_or(0, |d| d + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for i in 0..n {
        layers[layer[i]].push(i);
    }
    let mut x = vec![0.0f32; n];
    let mut positions = vec![(0.0, 0.0); n];
    let mut y = 0.0f32;
    for (depth, members) in layers.iter_mut().enumerate() {
        if depth > 0 {
            let key = |i: usize| -> f32 {
                let p = &parents[i];
                if p.is_empty() {
                    f32::MAX
                } else {
                    p.iter().map(|&q| x[q]).sum::<f32>() / p.len() as f32
                }
            };
            members.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        }
        let rows = members.chunks(MAX_ROW).count();
        for (r, row) in members.chunks(MAX_ROW).enumerate() {
            let width = (row.len().saturating_sub(1)) as f32 * LAYER_SPACING_X;
            // Folded rows are staggered by half a place so edges from above stay apart.
            let stagger = if r % 2 == 1 {
                LAYER_SPACING_X / 2.0
            } else {
                0.0
            };
            for (k, &i) in row.iter().enumerate() {
                x[i] = k as f32 * LAYER_SPACING_X - width / 2.0 + stagger;
                positions[i] = (x[i], y + r as f32 * ROW_SPACING_Y);
            }
        }
        y += (rows.saturating_sub(1)) as f32 * ROW_SPACING_Y + LAYER_SPACING_Y;
    }
    positions
}

/// `children` without the edges that close a cycle (back edges of a depth-first search that
/// starts from each node in index order).
fn drop_back_edges(children: &[Vec<usize>]) -> Vec<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let n = children.len();
    let mut mark = vec![Mark::New; n];
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, next child position).
        let mut stack = vec![(root, 0usize)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&child) = children[node].get(*next) {
                *next += 1;
                match mark[child] {
                    Mark::Open => {} // back edge: dropped
                    Mark::Done => kept[node].push(child),
                    Mark::New => {
                        kept[node].push(child);
                        mark[child] = Mark::Open;
                        stack.push((child, 0));
                    }
                }
            } else {
                mark[node] = Mark::Done;
                stack.pop();
            }
        }
    }
    kept
}

/// Concentric positions: nodes sorted by degree (most connected first, ties by index) fill
/// rings from the centre outwards; ring `r` holds as many nodes as fit at [`RING_SPACING`]
/// apart on its circumference (the centre holds one).
pub fn concentric(n: usize, edges: &[(usize, usize)]) -> Vec<(f32, f32)> {
    let mut degree = vec![0usize; n];
    for &(s, t) in edges {
        if s < n && t < n && s != t {
            degree[s] += 1;
            degree[t] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| degree[b].cmp(&degree[a]).then(a.cmp(&b)));
    let mut positions = vec![(0.0, 0.0); n];
    let mut placed = 0;
    let mut ring = 0usize;
    while placed < n {
        let capacity = if ring == 0 {
            1
        } else {
            let circumference = std::f32::consts::TAU * ring as f32 * RING_SPACING;
            ((circumference / (NATURAL_LENGTH * 0.9)).floor() as usize).max(6)
        };
        let members = &order[placed..(placed + capacity).min(n)];
        let radius = ring as f32 * RING_SPACING;
        for (k, &i) in members.iter().enumerate() {
            let angle = std::f32::consts::TAU * k as f32 / members.len() as f32
                - std::f32::consts::FRAC_PI_2;
            positions[i] = (radius * angle.cos(), radius * angle.sin());
        }
        placed += members.len();
        ring += 1;
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(positions: &[(f32, f32)]) -> bool {
        positions.iter().enumerate().all(|(i, a)| {
            positions[i + 1..]
                .iter()
                .all(|b| (a.0 - b.0).hypot(a.1 - b.1) > NATURAL_LENGTH * 0.5)
        })
    }

    #[test]
    fn hierarchical_puts_every_target_below_its_source() {
        // 0 → 1 → 3, 0 → 2 → 3, 4 alone, and a cycle 5 → 6 → 5.
        let edges = [(0, 1), (1, 3), (0, 2), (2, 3), (5, 6), (6, 5)];
        let p = hierarchical(7, &edges);
        for &(s, t) in &edges[..4] {
            assert!(p[t].1 > p[s].1, "{s} → {t}: {p:?}");
        }
        // Longest path: 3 is two layers below 0.
        assert_eq!(p[3].1 - p[0].1, 2.0 * LAYER_SPACING_Y);
        // The cycle is broken once: one of 5, 6 is above the other.
        assert_ne!(p[5].1, p[6].1);
        assert!(distinct(&p), "{p:?}");
        assert_eq!(p, hierarchical(7, &edges), "deterministic");
    }

    #[test]
    fn a_wide_layer_is_folded_into_rows() {
        // A wide layer is folded into rows, every row below the layer above.
        let star: Vec<(usize, usize)> = (1..=40).map(|t| (0, t)).collect();
        let p = hierarchical(41, &star);
        let width = p.iter().map(|q| q.0).fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(
            width <= LAYER_SPACING_X * (MAX_ROW as f32 / 2.0 + 1.0),
            "{width}"
        );
        assert!(p[1..].iter().all(|q| q.1 > p[0].1));
        assert!(distinct(&p), "{p:?}");
    }

    #[test]
    fn concentric_puts_the_most_connected_twin_in_the_middle() {
        // A star around 3 plus a pair.
        let edges = [(3, 0), (3, 1), (3, 2), (3, 4), (5, 6)];
        let p = concentric(7, &edges);
        assert_eq!(p[3], (0.0, 0.0));
        let r = |i: usize| p[i].0.hypot(p[i].1);
        for i in [0, 1, 2, 4, 5, 6] {
            assert!(r(i) > 0.0, "{i}");
        }
        assert!(distinct(&p), "{p:?}");
        let big = concentric(1000, &[]);
        assert!(distinct(&big));
    }

    #[test]
    fn layouts_round_trip_through_their_keys() {
        for kind in LayoutKind::ALL {
            assert_eq!(LayoutKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(LayoutKind::from_key("spiral"), None);
    }
}
