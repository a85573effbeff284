//! The force-directed layout and the pan/zoom transform (native, pure).
#![cfg(not(target_arch = "wasm32"))]

use twinscope::graph::layout::{FIT_MARGIN, Layout, NATURAL_LENGTH, Transform};

/// A reproducible pseudo-random graph: a spanning tree (so it is connected) plus random
/// extra edges, `edges` in total.
fn random_graph(nodes: usize, edges: usize, seed: u64) -> Vec<(usize, usize)> {
    let mut state = seed;
    let mut next = move |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % bound
    };
    let mut list: Vec<(usize, usize)> = (1..nodes).map(|i| (next(i), i)).collect();
    while list.len() < edges {
        let (a, b) = (next(nodes), next(nodes));
        if a != b {
            list.push((a, b));
        }
    }
    list
}

fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn all_finite(layout: &Layout) -> bool {
    layout
        .positions()
        .iter()
        .all(|(x, y)| x.is_finite() && y.is_finite())
}

#[test]
fn the_same_seed_gives_the_same_layout_and_another_seed_another() {
    let edges = random_graph(60, 90, 1);
    let run = |seed: u64| {
        let mut layout = Layout::new(60, &edges, seed);
        layout.run(80);
        layout.positions().to_vec()
    };
    let first = run(42);
    let again = run(42);
    let bits = |v: &[(f32, f32)]| -> Vec<(u32, u32)> {
        v.iter().map(|(x, y)| (x.to_bits(), y.to_bits())).collect()
    };
    assert_eq!(bits(&first), bits(&again));
    assert_ne!(bits(&first), bits(&run(43)));
}

#[test]
fn energy_falls_as_the_layout_settles() {
    let edges = random_graph(120, 200, 2);
    let mut layout = Layout::new(120, &edges, 9);
    let first = layout.step();
    let mut energies = vec![first];
    for _ in 0..300 {
        energies.push(layout.step());
    }
    let last = *energies.last().expect("energies");
    assert!(first.is_finite() && first > 0.0, "first energy {first}");
    assert!(
        last < first / 10.0,
        "energy should fall by an order of magnitude: first {first}, last {last}"
    );
    // Not just the end point: the second half of the run is, on average, below the first half.
    let (early, late) = energies.split_at(energies.len() / 2);
    let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
    assert!(mean(late) < mean(early));
}

#[test]
fn positions_stay_finite_in_degenerate_cases() {
    // No nodes, one node, invalid and self-loop edges, and many nodes on one point.
    let mut empty = Layout::new(0, &[(0, 1)], 1);
    assert_eq!(empty.run(10), 0, "an empty layout is converged at once");
    assert!(empty.is_empty());

    let mut single = Layout::new(1, &[(0, 0), (0, 5)], 1);
    single.run(50);
    assert!(all_finite(&single));
    assert!(
        single.edges().is_empty(),
        "self-loops and dangling edges are ignored"
    );

    let mut stacked = Layout::new(30, &random_graph(30, 40, 3), 5);
    for i in 0..30 {
        stacked.set_position(i, (10.0, 10.0));
    }
    stacked.set_position(0, (f32::NAN, 1.0));
    assert_eq!(
        stacked.positions()[0],
        (10.0, 10.0),
        "NaN positions are refused"
    );
    for _ in 0..200 {
        let energy = stacked.step();
        assert!(energy.is_finite(), "energy {energy}");
    }
    assert!(all_finite(&stacked));
    let spread = stacked
        .positions()
        .iter()
        .map(|&p| distance(p, (10.0, 10.0)))
        .fold(0.0f32, f32::max);
    assert!(
        spread > NATURAL_LENGTH / 2.0,
        "coincident nodes pushed apart: {spread}"
    );
}

#[test]
fn a_thousand_nodes_converge_with_neighbours_closer_than_random_pairs() {
    let nodes = 1000;
    let edges = random_graph(nodes, 2000, 4);
    let mut layout = Layout::new(nodes, &edges, 11);
    assert_eq!(layout.edges().len(), {
        let mut unique: Vec<(usize, usize)> =
            edges.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
        unique.sort_unstable();
        unique.dedup();
        unique.len()
    });
    let iterations = layout.run(2000);
    assert!(layout.converged(), "not converged after {iterations} steps");
    assert!(all_finite(&layout));

    let positions = layout.positions();
    let edge_mean = layout
        .edges()
        .iter()
        .map(|&(a, b)| distance(positions[a], positions[b]))
        .sum::<f32>()
        / layout.edges().len() as f32;
    let pairs = random_graph(nodes, 5000, 77);
    let random_mean = pairs
        .iter()
        .map(|&(a, b)| distance(positions[a], positions[b]))
        .sum::<f32>()
        / pairs.len() as f32;
    assert!(
        edge_mean * 2.0 < random_mean,
        "connected pairs {edge_mean} vs random pairs {random_mean}"
    );
}

#[test]
fn adding_nodes_keeps_existing_positions() {
    let edges = random_graph(40, 60, 5);
    let mut layout = Layout::new(40, &edges, 3);
    layout.run(300);
    let before = layout.positions().to_vec();

    // Three new neighbours of node 7 and one of node 20; one edge between two new nodes.
    let added = layout.add_nodes(4, &[(7, 40), (7, 41), (42, 7), (20, 43), (40, 41)]);
    assert_eq!(added, 40..44);
    assert_eq!(layout.len(), 44);
    layout.run(300);
    assert_eq!(&layout.positions()[..40], &before[..]);
    assert!(all_finite(&layout));
    // New nodes settle near the node they hang from.
    let anchor = layout.positions()[7];
    for i in 40..43 {
        let d = distance(layout.positions()[i], anchor);
        assert!(
            d < 3.0 * NATURAL_LENGTH,
            "node {i} is {d} from its neighbour"
        );
    }

    // Unpinned, the old nodes move again.
    layout.unpin_all();
    layout.run(50);
    assert_ne!(&layout.positions()[..40], &before[..]);
}

fn close(a: (f32, f32), b: (f32, f32)) -> bool {
    distance(a, b) < 1e-3 * (1.0 + a.0.abs().max(a.1.abs()))
}

#[test]
fn screen_and_world_coordinates_round_trip() {
    let check = |t: Transform| {
        for world in [(0.0, 0.0), (12.5, -40.0), (-300.0, 999.0)] {
            let screen = t.to_screen(world);
            assert!(close(t.to_world(screen), world), "{t:?} {world:?}");
        }
    };
    check(Transform::IDENTITY);
    check(Transform {
        scale: 2.5,
        tx: -30.0,
        ty: 70.0,
    });
    check(
        Transform::IDENTITY
            .zoom_about((100.0, 50.0), 3.0)
            .pan(-20.0, 5.0),
    );
}

#[test]
fn zooming_keeps_the_point_under_the_cursor() {
    let t = Transform {
        scale: 0.8,
        tx: 15.0,
        ty: -25.0,
    };
    let cursor = (320.0, 180.0);
    let world = t.to_world(cursor);
    for factor in [1.25, 0.5, 4.0] {
        let zoomed = t.zoom_about(cursor, factor);
        assert!((zoomed.scale - 0.8 * factor).abs() < 1e-5);
        assert!(close(zoomed.to_screen(world), cursor));
    }
    // Clamped at the limits, still about the cursor.
    let far = t.zoom_about(cursor, 1e6);
    assert_eq!(far.scale, Transform::MAX_SCALE);
    assert!(close(far.to_screen(world), cursor));
    // Nonsense factors change nothing; zoom in then out returns to the start.
    assert_eq!(t.zoom_about(cursor, 0.0), t);
    assert_eq!(t.zoom_about(cursor, f32::NAN), t);
    let back = t.zoom_about(cursor, 2.0).zoom_about(cursor, 0.5);
    assert!((back.scale - t.scale).abs() < 1e-6 && (back.tx - t.tx).abs() < 1e-3);
    assert_eq!(t.pan(10.0, -4.0).to_screen((0.0, 0.0)), (25.0, -29.0));
}

#[test]
fn fit_shows_every_node_inside_the_margin() {
    let mut layout = Layout::new(50, &random_graph(50, 70, 6), 8);
    layout.run(300);
    let (width, height) = (800.0, 500.0);
    let t = layout.fit(width, height);
    let screen: Vec<(f32, f32)> = layout.positions().iter().map(|&p| t.to_screen(p)).collect();
    let slack = 0.01;
    for &(x, y) in &screen {
        assert!(
            x >= FIT_MARGIN - slack && x <= width - FIT_MARGIN + slack,
            "x {x}"
        );
        assert!(
            y >= FIT_MARGIN - slack && y <= height - FIT_MARGIN + slack,
            "y {y}"
        );
    }
    // The drawing touches the margin on at least one axis (it is as large as it can be).
    let min_x = screen.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
    let min_y = screen.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
    assert!((min_x - FIT_MARGIN).abs() < 0.5 || (min_y - FIT_MARGIN).abs() < 0.5);

    // No nodes or a single node: centred at scale 1.
    let empty = Transform::fit(&[], width, height);
    assert_eq!(empty.to_screen((0.0, 0.0)), (400.0, 250.0));
    let single = Transform::fit(&[(30.0, -10.0)], width, height);
    assert_eq!(single.scale, 1.0);
    assert_eq!(single.to_screen((30.0, -10.0)), (400.0, 250.0));
}

/// While the view moves, the drawing keeps the transform it was made with and the CSS
/// transform of `css_from` carries the difference: every twin must land where the moved
/// view would draw it, whatever mix of zooms and pans the gesture was.
#[test]
fn the_css_transform_puts_every_point_where_the_moved_view_draws_it() {
    let parse = |css: &str| -> (f32, f32, f32) {
        let rest = css.strip_prefix("translate(").expect(css);
        let (dx, rest) = rest.split_once("px, ").expect(css);
        let (dy, rest) = rest.split_once("px) scale(").expect(css);
        let k = rest.strip_suffix(')').expect(css);
        (k.parse().unwrap(), dx.parse().unwrap(), dy.parse().unwrap())
    };
    let check = |drawn: Transform, now: Transform| {
        let css = now.css_from(&drawn);
        let (k, dx, dy) = parse(&css);
        for world in [
            (0.0, 0.0),
            (120.0, -40.0),
            (-333.0, 512.5),
            (4000.0, 4000.0),
        ] {
            let (x, y) = drawn.to_screen(world);
            let moved = (x * k + dx, y * k + dy);
            let expected = now.to_screen(world);
            let tolerance = 0.02 * (1.0 + expected.0.abs().max(expected.1.abs()) / 100.0);
            assert!(
                (moved.0 - expected.0).abs() < tolerance
                    && (moved.1 - expected.1).abs() < tolerance,
                "{drawn:?} → {now:?} by {css}: {world:?} shows at {moved:?}, not {expected:?}"
            );
        }
    };
    let drawn = Transform {
        scale: 0.35,
        tx: 210.0,
        ty: -80.0,
    };
    check(drawn, drawn.pan(42.0, -17.5));
    check(drawn, drawn.zoom_about((300.0, 200.0), 1.25));
    check(drawn, drawn.zoom_about((10.0, 450.0), 0.5).pan(-90.0, 3.0));
    check(drawn, drawn.zoom_about((640.0, 360.0), 1e6));
    check(drawn, drawn.zoom_about((640.0, 360.0), 1e-6));
    // Nothing moved: no transform at all.
    assert_eq!(drawn.css_from(&drawn), "none");
}

/// A twin reached by the keyboard is brought inside the viewport with a margin, by the
/// smallest pan; one already there leaves the view alone.
#[test]
fn revealing_a_point_pans_only_as_far_as_needed() {
    let t = Transform {
        scale: 2.0,
        tx: -100.0,
        ty: 40.0,
    };
    let (w, h, margin) = (800.0, 500.0, 48.0);
    let check = |world: (f32, f32)| {
        let moved = t.reveal(world, w, h, margin);
        assert_eq!(moved.scale, t.scale, "revealing never zooms");
        let (x, y) = moved.to_screen(world);
        assert!(
            (margin - 0.01..=w - margin + 0.01).contains(&x)
                && (margin - 0.01..=h - margin + 0.01).contains(&y),
            "{world:?} shows at ({x}, {y}), not inside the margin"
        );
        // The smallest pan: on each axis, either none or onto the margin's edge.
        let (bx, by) = t.to_screen(world);
        for (before, after, size) in [(bx, x, w), (by, y, h)] {
            if (margin..=size - margin).contains(&before) {
                assert_eq!(before, after, "{world:?} was in view and moved");
            } else {
                let edge = if before < margin {
                    margin
                } else {
                    size - margin
                };
                assert!((after - edge).abs() < 0.01, "{world:?}: {before} → {after}");
            }
        }
    };
    for world in [
        (200.0, 100.0),
        (-300.0, 100.0),
        (1000.0, 100.0),
        (200.0, -500.0),
        (200.0, 900.0),
        (-999.0, 999.0),
    ] {
        check(world);
    }
    assert_eq!(t.reveal((200.0, 100.0), w, h, margin), t);
    // A viewport narrower than two margins: centred on that axis.
    let narrow = t.reveal((0.0, 0.0), 60.0, h, margin);
    assert!((narrow.to_screen((0.0, 0.0)).0 - 30.0).abs() < 0.01);
}
