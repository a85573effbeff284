//! Force-directed graph layout: pure, deterministic for a seed, no browser APIs.
//!
//! The model is Yifan Hu's spring–electrical model with adaptive step length:
//! - every pair of nodes repels with force `C·K²/d` (approximated with a Barnes–Hut quadtree,
//!   so one step is `O(n log n)`),
//! - every edge pulls its ends together with force `d²/K`,
//! - a weak pull towards the origin (`G·d`) keeps disconnected pieces on screen,
//!
//! where `K` is [`NATURAL_LENGTH`], the preferred edge length in world units. Each step moves
//! every free node by the current step length along its net force; the step grows while the
//! energy (sum of squared force magnitudes) keeps falling and shrinks when it rises.
//!
//! Invariants: positions are always finite; the same nodes, edges, seed and sequence of calls
//! give bit-identical positions.

use std::ops::Range;

/// The preferred edge length, in world units.
pub const NATURAL_LENGTH: f32 = 60.0;
/// Relative strength of repulsion against attraction (Hu's `C`).
const REPULSION: f32 = 0.2;
/// Strength of the pull towards the origin, per unit of distance.
const GRAVITY: f32 = 0.02;
/// Barnes–Hut opening criterion: a cell of side `s` at distance `d` is approximated by its
/// centre of mass when `s / d < THETA`.
const THETA: f32 = 1.2;
/// Cells hold at most this many bodies before they are split.
const LEAF_CAPACITY: usize = 4;
/// Cells are not split below this depth (many coincident nodes end up in one leaf).
const MAX_DEPTH: u32 = 20;
/// Factor by which the step length changes (Hu's `t`).
const STEP_FACTOR: f32 = 0.9;
/// Consecutive improving steps before the step length grows.
const PROGRESS_TO_GROW: u32 = 5;
/// The layout has converged once the step length falls below this fraction of `K`.
const CONVERGED_STEP: f32 = 0.01;
/// The step length after [`Layout::unpin_all`].
const RELAX_STEP: f32 = NATURAL_LENGTH / 4.0;
/// Below this distance two nodes are treated as coincident and pushed apart along a
/// deterministic direction.
const MIN_DISTANCE: f32 = 0.01;

/// A layout in progress. Node `i` of the caller's graph is `positions()[i]`.
#[derive(Debug, Clone)]
pub struct Layout {
    positions: Vec<(f32, f32)>,
    /// Undirected, deduplicated, no self-loops, both ends `< positions.len()`.
    edges: Vec<(usize, usize)>,
    /// Pinned nodes feel forces but never move.
    pinned: Vec<bool>,
    step: f32,
    progress: u32,
    last_energy: f32,
    rng: SplitMix64,
}

impl Layout {
    /// A layout of `nodes` nodes placed at seeded random positions in a square whose area grows
    /// with the node count. Edges naming a node `>= nodes`, self-loops and repeated edges are
    /// ignored (they carry no layout information).
    pub fn new(nodes: usize, edges: &[(usize, usize)], seed: u64) -> Self {
        let mut layout = Layout {
            positions: Vec::with_capacity(nodes),
            edges: Vec::new(),
            pinned: Vec::with_capacity(nodes),
            step: initial_step(nodes),
            progress: 0,
            last_energy: f32::INFINITY,
            rng: SplitMix64::new(seed),
        };
        let half = spread(nodes) / 2.0;
        for _ in 0..nodes {
            let x = layout.rng.range(-half, half);
            let y = layout.rng.range(-half, half);
            layout.positions.push((x, y));
            layout.pinned.push(false);
        }
        layout.extend_edges(edges);
        layout
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when the layout has no nodes.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Current positions in world units, indexed by node.
    pub fn positions(&self) -> &[(f32, f32)] {
        &self.positions
    }

    /// The edges taken into account (normalised: `a < b`, sorted, no duplicates).
    pub fn edges(&self) -> &[(usize, usize)] {
        &self.edges
    }

    /// True when the current step length is small enough that nodes barely move any more, or
    /// when no node is free to move.
    pub fn converged(&self) -> bool {
        self.step < CONVERGED_STEP * NATURAL_LENGTH || self.pinned.iter().all(|&p| p)
    }

    /// Pins or frees node `i` (out of range: no effect). Pinned nodes never move.
    pub fn set_pinned(&mut self, i: usize, pinned: bool) {
        if let Some(p) = self.pinned.get_mut(i) {
            *p = pinned;
        }
    }

    /// Frees every node and lets the layout move again with a modest step (enough to settle
    /// newly added nodes into the whole, not so much that the picture is reshuffled).
    pub fn unpin_all(&mut self) {
        self.pinned.iter_mut().for_each(|p| *p = false);
        self.step = RELAX_STEP;
        self.progress = 0;
        self.last_energy = f32::INFINITY;
    }

    /// Places every node at `positions` (one per node; extra or missing entries are ignored)
    /// and pins them all, so the force steps leave a chosen arrangement alone.
    pub fn place(&mut self, positions: &[(f32, f32)]) {
        for (i, &p) in positions.iter().enumerate().take(self.positions.len()) {
            self.set_position(i, p);
        }
        self.pinned.iter_mut().for_each(|p| *p = true);
    }

    /// Moves node `i` to `position` (e.g. dragged by the user). Non-finite positions and
    /// out-of-range indices are ignored.
    pub fn set_position(&mut self, i: usize, position: (f32, f32)) {
        if position.0.is_finite()
            && position.1.is_finite()
            && let Some(p) = self.positions.get_mut(i)
        {
            *p = position;
        }
    }

    /// "Expand neighbours": appends `count` nodes and `edges` (indices may name old or new
    /// nodes). Every node that existed before is pinned, so later steps move only the new ones
    /// and the picture the user already knows stays put; call [`Layout::unpin_all`] to relax
    /// the whole graph. Each new node starts near the centre of its already-placed neighbours
    /// (or near the origin when it has none). Returns the new nodes' indices.
    pub fn add_nodes(&mut self, count: usize, edges: &[(usize, usize)]) -> Range<usize> {
        let start = self.positions.len();
        let end = start + count;
        self.pinned.iter_mut().for_each(|p| *p = true);
        let jitter = NATURAL_LENGTH;
        for i in start..end {
            let (mut sx, mut sy, mut n) = (0.0f32, 0.0f32, 0u32);
            for &(a, b) in edges {
                let other = if a == i {
                    b
                } else if b == i {
                    a
                } else {
                    continue;
                };
                if let Some(&(x, y)) = self.positions.get(other) {
                    sx += x;
                    sy += y;
                    n += 1;
                }
            }
            let (cx, cy) = if n == 0 {
                (0.0, 0.0)
            } else {
                (sx / n as f32, sy / n as f32)
            };
            let angle = self.rng.range(0.0, std::f32::consts::TAU);
            let radius = self.rng.range(0.5 * jitter, jitter);
            self.positions
                .push((cx + radius * angle.cos(), cy + radius * angle.sin()));
            self.pinned.push(false);
        }
        self.extend_edges(edges);
        self.step = initial_step(count.max(1));
        self.progress = 0;
        self.last_energy = f32::INFINITY;
        start..end
    }

    /// One iteration: computes every force, moves each free node by the step length along its
    /// force, adapts the step length. Returns the energy: the sum of squared force magnitudes
    /// on the free nodes before the move (zero at equilibrium).
    pub fn step(&mut self) -> f32 {
        let forces = self.forces();
        let mut energy = 0.0f32;
        for (i, &(fx, fy)) in forces.iter().enumerate() {
            if self.pinned[i] {
                continue;
            }
            let magnitude_sq = fx * fx + fy * fy;
            energy += magnitude_sq;
            let magnitude = magnitude_sq.sqrt();
            if magnitude > f32::EPSILON && magnitude.is_finite() {
                let scale = self.step / magnitude;
                let p = &mut self.positions[i];
                p.0 += fx * scale;
                p.1 += fy * scale;
            }
        }
        self.adapt_step(energy);
        energy
    }

    /// Steps until converged or `max_iterations` steps have run. Returns the number of steps.
    pub fn run(&mut self, max_iterations: usize) -> usize {
        for done in 0..max_iterations {
            if self.converged() {
                return done;
            }
            self.step();
        }
        max_iterations
    }

    /// The transform that shows every node inside a `width` × `height` viewport with a margin
    /// of [`FIT_MARGIN`] pixels (never zooming in beyond [`Transform::MAX_SCALE`]).
    pub fn fit(&self, width: f32, height: f32) -> Transform {
        Transform::fit(&self.positions, width, height)
    }

    fn extend_edges(&mut self, edges: &[(usize, usize)]) {
        let n = self.positions.len();
        self.edges.extend(
            edges
                .iter()
                .filter(|&&(a, b)| a != b && a < n && b < n)
                .map(|&(a, b)| (a.min(b), a.max(b))),
        );
        self.edges.sort_unstable();
        self.edges.dedup();
    }

    /// Hu's adaptive cooling.
    fn adapt_step(&mut self, energy: f32) {
        if energy < self.last_energy {
            self.progress += 1;
            if self.progress >= PROGRESS_TO_GROW {
                self.progress = 0;
                self.step /= STEP_FACTOR;
            }
        } else {
            self.progress = 0;
            self.step *= STEP_FACTOR;
        }
        // Never grow beyond the initial scale of the drawing.
        self.step = self.step.min(initial_step(self.positions.len()));
        self.last_energy = energy;
    }

    /// Net force on every node.
    fn forces(&self) -> Vec<(f32, f32)> {
        let k = NATURAL_LENGTH;
        let tree = QuadTree::build(&self.positions);
        let mut stack = Vec::with_capacity(64);
        let mut forces: Vec<(f32, f32)> = self
            .positions
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (rx, ry) = tree.repulsion(i, p, &self.positions, &mut stack);
                (
                    REPULSION * k * k * rx - GRAVITY * p.0,
                    REPULSION * k * k * ry - GRAVITY * p.1,
                )
            })
            .collect();
        for &(a, b) in &self.edges {
            let (pa, pb) = (self.positions[a], self.positions[b]);
            let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
            // |f| = d²/K along the unit vector (dx, dy)/d: the vector is (dx, dy)·d/K.
            let d = (dx * dx + dy * dy).sqrt();
            let scale = d / k;
            forces[a].0 += dx * scale;
            forces[a].1 += dy * scale;
            forces[b].0 -= dx * scale;
            forces[b].1 -= dy * scale;
        }
        forces
    }
}

/// The side of the initial square for `n` nodes: about `K²` of area per node.
fn spread(n: usize) -> f32 {
    NATURAL_LENGTH * (n.max(1) as f32).sqrt()
}

/// The initial step length: a fraction of the drawing's size, so big graphs untangle quickly.
fn initial_step(n: usize) -> f32 {
    (spread(n) / 10.0).max(NATURAL_LENGTH / 2.0)
}

/// A Barnes–Hut quadtree over a snapshot of the positions. Cells are stored in one vector;
/// children of a cell are contiguous; leaves hold a range of `order`.
#[derive(Debug)]
struct QuadTree {
    cells: Vec<Cell>,
    /// Node indices, grouped so that each leaf's bodies are contiguous.
    order: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Centre of mass.
    x: f32,
    y: f32,
    /// Number of bodies.
    mass: f32,
    /// Side length of the (square) cell.
    size: f32,
    /// Children `first_child..first_child + child_count` in `cells` (empty for a leaf).
    first_child: u32,
    child_count: u8,
    /// For a leaf: its bodies, `order[start..end]`.
    start: u32,
    end: u32,
}

impl QuadTree {
    fn build(positions: &[(f32, f32)]) -> Self {
        let mut order: Vec<usize> = (0..positions.len()).collect();
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        if let Some(&(x, y)) = positions.first() {
            (min_x, min_y, max_x, max_y) = (x, y, x, y);
        }
        for &(x, y) in positions {
            min_x = min_x.min(x);
            min_y = min_y.min(y);
            max_x = max_x.max(x);
            max_y = max_y.max(y);
        }
        let size = (max_x - min_x).max(max_y - min_y).max(MIN_DISTANCE) * 1.0001;
        let mut tree = QuadTree {
            cells: Vec::with_capacity(positions.len() * 2 + 1),
            order: Vec::new(),
        };
        tree.cells.push(Cell::empty(size));
        tree.split(0, positions, &mut order, 0, (min_x, min_y), size, 0);
        tree.order = order;
        tree
    }

    /// Fills cell `cell` with the bodies `order[start..]` (a sub-slice of the whole `order`
    /// starting at `offset`), lying in the square at `origin` with side `size`.
    #[allow(clippy::too_many_arguments)]
    fn split(
        &mut self,
        cell: usize,
        positions: &[(f32, f32)],
        bodies: &mut [usize],
        offset: usize,
        origin: (f32, f32),
        size: f32,
        depth: u32,
    ) {
        let mass = bodies.len() as f32;
        let (sx, sy) = bodies.iter().fold((0.0f32, 0.0f32), |(sx, sy), &i| {
            (sx + positions[i].0, sy + positions[i].1)
        });
        {
            let c = &mut self.cells[cell];
            c.mass = mass;
            c.size = size;
            if mass > 0.0 {
                c.x = sx / mass;
                c.y = sy / mass;
            }
            c.start = offset as u32;
            c.end = (offset + bodies.len()) as u32;
        }
        if bodies.len() <= LEAF_CAPACITY || depth >= MAX_DEPTH {
            return;
        }
        let half = size / 2.0;
        let (mid_x, mid_y) = (origin.0 + half, origin.1 + half);
        let quadrant = |i: usize| -> usize {
            let (x, y) = positions[i];
            usize::from(x >= mid_x) | (usize::from(y >= mid_y) << 1)
        };
        // Counting sort of the bodies by quadrant.
        let mut counts = [0usize; 4];
        for &i in bodies.iter() {
            counts[quadrant(i)] += 1;
        }
        let mut sorted = Vec::with_capacity(bodies.len());
        for q in 0..4 {
            sorted.extend(bodies.iter().copied().filter(|&i| quadrant(i) == q));
        }
        bodies.copy_from_slice(&sorted);

        let occupied = counts.iter().filter(|&&c| c > 0).count();
        let first_child = self.cells.len();
        self.cells[cell].first_child = first_child as u32;
        self.cells[cell].child_count = occupied as u8;
        for _ in 0..occupied {
            self.cells.push(Cell::empty(half));
        }
        let mut begin = 0usize;
        let mut child = first_child;
        for (q, &len) in counts.iter().enumerate() {
            if len == 0 {
                continue;
            }
            let child_origin = (
                origin.0 + if q & 1 == 1 { half } else { 0.0 },
                origin.1 + if q & 2 == 2 { half } else { 0.0 },
            );
            let slice = &mut bodies[begin..begin + len];
            self.split(
                child,
                positions,
                slice,
                offset + begin,
                child_origin,
                half,
                depth + 1,
            );
            begin += len;
            child += 1;
        }
    }

    /// Sum over other bodies `j` of `mass·(p − p_j)/d²` (the repulsion direction scaled by
    /// `1/d`), approximating far cells by their centre of mass.
    /// `stack` is scratch space, reused between calls.
    fn repulsion(
        &self,
        i: usize,
        p: (f32, f32),
        positions: &[(f32, f32)],
        stack: &mut Vec<usize>,
    ) -> (f32, f32) {
        let mut fx = 0.0f32;
        let mut fy = 0.0f32;
        stack.clear();
        stack.push(0);
        while let Some(index) = stack.pop() {
            let cell = self.cells[index];
            if cell.mass == 0.0 {
                continue;
            }
            if cell.child_count == 0 {
                for &j in &self.order[cell.start as usize..cell.end as usize] {
                    if j != i {
                        let (x, y) = push(i, j, p, positions[j], 1.0);
                        fx += x;
                        fy += y;
                    }
                }
                continue;
            }
            let (dx, dy) = (p.0 - cell.x, p.1 - cell.y);
            let d = (dx * dx + dy * dy).sqrt();
            if d > 0.0 && cell.size / d < THETA {
                let (x, y) = push(i, usize::MAX, p, (cell.x, cell.y), cell.mass);
                fx += x;
                fy += y;
            } else {
                let first = cell.first_child as usize;
                stack.extend(first..first + cell.child_count as usize);
            }
        }
        (fx, fy)
    }
}

impl Cell {
    fn empty(size: f32) -> Self {
        Cell {
            x: 0.0,
            y: 0.0,
            mass: 0.0,
            size,
            first_child: 0,
            child_count: 0,
            start: 0,
            end: 0,
        }
    }
}

/// Repulsion on body `i` at `p` from `mass` at `q`: `mass·(p − q)/d²`. Coincident points are
/// separated along a direction derived from both indices, so the result stays deterministic
/// and finite.
fn push(i: usize, j: usize, p: (f32, f32), q: (f32, f32), mass: f32) -> (f32, f32) {
    let (mut dx, mut dy) = (p.0 - q.0, p.1 - q.1);
    let mut d2 = dx * dx + dy * dy;
    if d2 < MIN_DISTANCE * MIN_DISTANCE {
        let angle = (i.wrapping_mul(7919) ^ j.wrapping_mul(104_729)) as f32 * 0.618_034;
        dx = MIN_DISTANCE * angle.cos();
        dy = MIN_DISTANCE * angle.sin();
        d2 = MIN_DISTANCE * MIN_DISTANCE;
    }
    (mass * dx / d2, mass * dy / d2)
}

/// Margin kept around the drawing by [`Layout::fit`], in screen pixels.
pub const FIT_MARGIN: f32 = 40.0;

/// The pan/zoom transform from world to screen: `screen = world · scale + (tx, ty)`.
/// Invariant: `scale` is within `MIN_SCALE..=MAX_SCALE` and every field is finite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transform {
    pub scale: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Default for Transform {
    fn default() -> Self {
        Transform::IDENTITY
    }
}

impl Transform {
    pub const IDENTITY: Transform = Transform {
        scale: 1.0,
        tx: 0.0,
        ty: 0.0,
    };
    /// Most zoomed out: 1 pixel shows 50 world units.
    pub const MIN_SCALE: f32 = 0.02;
    /// Most zoomed in.
    pub const MAX_SCALE: f32 = 8.0;

    /// World → screen.
    pub fn to_screen(&self, world: (f32, f32)) -> (f32, f32) {
        (
            world.0 * self.scale + self.tx,
            world.1 * self.scale + self.ty,
        )
    }

    /// Screen → world (the inverse of [`Transform::to_screen`]).
    pub fn to_world(&self, screen: (f32, f32)) -> (f32, f32) {
        (
            (screen.0 - self.tx) / self.scale,
            (screen.1 - self.ty) / self.scale,
        )
    }

    /// Multiplies the scale by `factor` (clamped to the scale limits) keeping the world point
    /// under the screen point `anchor` where it is (zoom about the cursor). A non-finite or
    /// non-positive factor leaves the transform unchanged.
    pub fn zoom_about(&self, anchor: (f32, f32), factor: f32) -> Transform {
        if !(factor.is_finite() && factor > 0.0) {
            return *self;
        }
        let scale = (self.scale * factor).clamp(Self::MIN_SCALE, Self::MAX_SCALE);
        let world = self.to_world(anchor);
        Transform {
            scale,
            tx: anchor.0 - world.0 * scale,
            ty: anchor.1 - world.1 * scale,
        }
    }

    /// Moves the drawing by `(dx, dy)` screen pixels. Non-finite offsets are ignored.
    pub fn pan(&self, dx: f32, dy: f32) -> Transform {
        if !(dx.is_finite() && dy.is_finite()) {
            return *self;
        }
        Transform {
            tx: self.tx + dx,
            ty: self.ty + dy,
            ..*self
        }
    }

    /// The SVG `transform` attribute value for this transform.
    pub fn svg(&self) -> String {
        format!(
            "translate({:.2} {:.2}) scale({:.4})",
            self.tx, self.ty, self.scale
        )
    }

    /// The same view panned as little as needed to bring the world point `world` at least
    /// `margin` pixels inside a `width` × `height` viewport (centred on an axis too small
    /// for two margins); unchanged if it is there already.
    pub fn reveal(&self, world: (f32, f32), width: f32, height: f32, margin: f32) -> Transform {
        let (x, y) = self.to_screen(world);
        let shift = |at: f32, size: f32| -> f32 {
            if size < 2.0 * margin {
                size / 2.0 - at
            } else if at < margin {
                margin - at
            } else if at > size - margin {
                size - margin - at
            } else {
                0.0
            }
        };
        self.pan(shift(x, width), shift(y, height))
    }

    /// The CSS `transform` (origin at the drawing's top-left) that moves a drawing made with
    /// `drawn` to where `self` would draw it: a point `p = w · drawn.scale + drawn.t` goes to
    /// `p · k + (t − drawn.t · k)` with `k = scale / drawn.scale`. `none` when they are the
    /// same.
    pub fn css_from(&self, drawn: &Transform) -> String {
        if self == drawn {
            return "none".into();
        }
        let (k, dx, dy) = self.relative_to(drawn);
        format!("translate({dx:.2}px, {dy:.2}px) scale({k:.5})")
    }

    /// `(k, dx, dy)`: the scale and offset of [`Transform::css_from`] (not a `Transform`: the
    /// ratio of two scales need not be within the scale limits).
    fn relative_to(&self, drawn: &Transform) -> (f32, f32, f32) {
        let k = self.scale / drawn.scale;
        (k, self.tx - drawn.tx * k, self.ty - drawn.ty * k)
    }

    /// Shows every point of `points` inside `width` × `height` with [`FIT_MARGIN`], centred.
    /// No points: the origin at the centre at scale 1.
    pub fn fit(points: &[(f32, f32)], width: f32, height: f32) -> Transform {
        let (width, height) = (width.max(1.0), height.max(1.0));
        let finite = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite());
        let mut bounds: Option<(f32, f32, f32, f32)> = None;
        for &(x, y) in finite {
            bounds = Some(match bounds {
                None => (x, y, x, y),
                Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x), d.max(y)),
            });
        }
        let Some((min_x, min_y, max_x, max_y)) = bounds else {
            return Transform {
                scale: 1.0,
                tx: width / 2.0,
                ty: height / 2.0,
            };
        };
        let usable_w = (width - 2.0 * FIT_MARGIN).max(1.0);
        let usable_h = (height - 2.0 * FIT_MARGIN).max(1.0);
        let (span_x, span_y) = (max_x - min_x, max_y - min_y);
        let scale = if span_x <= f32::EPSILON && span_y <= f32::EPSILON {
            1.0
        } else {
            (usable_w / span_x.max(f32::EPSILON)).min(usable_h / span_y.max(f32::EPSILON))
        }
        .clamp(Self::MIN_SCALE, Self::MAX_SCALE);
        let (cx, cy) = ((min_x + max_x) / 2.0, (min_y + max_y) / 2.0);
        Transform {
            scale,
            tx: width / 2.0 - cx * scale,
            ty: height / 2.0 - cy * scale,
        }
    }
}

/// SplitMix64: tiny, fast, and the same on every platform.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[low, high)`.
    fn range(&mut self, low: f32, high: f32) -> f32 {
        // 24 random bits: exactly representable in f32.
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        low + unit * (high - low)
    }
}
