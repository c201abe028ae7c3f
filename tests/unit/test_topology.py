"""The shapes as one topology (controlmap.web.topology), on hand-made squares: shared stretches sent once, the points
where rings part, noding of neighbours that do not quite agree, and what is too small to send."""

from controlmap.web import topology
from controlmap.web.topology import Layer, topology_wire


def polygon(ring: list, holes: list | None = None, **properties) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]], *([*h, h[0]] for h in holes or [])]}}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def arcs_of(wire: dict) -> list[list[tuple[int, int]]]:
    """The arcs' points, summed back from the steps the wire sends."""
    points, x, y = [], 0, 0
    for k in range(0, len(wire["arcs"]), 2):
        x, y = x + wire["arcs"][k], y + wire["arcs"][k + 1]
        points.append((x, y))
    arcs, at = [], 0
    for count in wire["arc_points"]:
        arcs.append(points[at:at + count])
        at += count
    return arcs


def ring_points(arcs: list, refs: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for ref in refs:
        arc = arcs[ref] if ref >= 0 else arcs[~ref][::-1]
        out += arc[1:] if out else arc
    return out


# Two unit squares side by side, in steps of 1/10 degree: A from x 0 to 1, B from 1 to 2.
A = polygon([[0, 0], [1, 0], [1, 1], [0, 1]], name="A")
B = polygon([[1, 0], [2, 0], [2, 1], [1, 1]], name="B")


def test_a_stretch_two_squares_share_is_one_arc_that_each_names_its_own_way():
    wire = topology_wire({"cells": Layer(collection(A, B), keep=("name",))}, 10)
    arcs = arcs_of(wire)
    (ring_a,), (ring_b,) = (f["c"][0] for f in wire["layers"]["cells"]["features"])
    shared = {r if r >= 0 else ~r for r in ring_a} & {r if r >= 0 else ~r for r in ring_b}
    assert 1 == len(shared)
    (arc,) = shared
    assert {(10, 0), (10, 10)} == set(arcs[arc]) and 2 == len(arcs[arc])
    assert (arc in ring_a) != (arc in ring_b), "one square runs it forwards, the other backwards"
    assert 3 == len(arcs), "the shared stretch, and the rest of each square"
    assert [2, 4, 4] == sorted(wire["arc_points"]), "the shared arc's two points, and each square's other four"
    points = ring_points(arcs, ring_a)
    assert 5 == len(points) and points[0] == points[-1], "closed"
    assert {(0, 0), (10, 0), (10, 10), (0, 10)} == set(points)
    assert [{"name": "A"}, {"name": "B"}] == [f["p"] for f in wire["layers"]["cells"]["features"]]


def test_a_boundary_along_the_cells_sends_no_point_of_its_own():
    outline = polygon([[0, 0], [2, 0], [2, 1], [0, 1]])
    cells_only = topology_wire({"cells": Layer(collection(A, B))}, 10)
    both = topology_wire({"cells": Layer(collection(A, B)), "outline": Layer(outline, lines=True)}, 10)
    assert cells_only["arc_points"] == both["arc_points"] and cells_only["arcs"] == both["arcs"]
    arcs = arcs_of(both)
    (ring,) = both["layers"]["outline"]["features"][0]["c"]
    assert {(0, 0), (10, 0), (20, 0), (20, 10), (10, 10), (0, 10)} == set(ring_points(arcs, ring))
    cell_arcs = {r if r >= 0 else ~r for f in both["layers"]["cells"]["features"] for rings in f["c"] for r in rings[0]}
    assert {r if r >= 0 else ~r for r in ring} <= cell_arcs, "the outline runs along the cells' own arcs"


def test_neighbours_that_do_not_quite_agree_are_noded_onto_one_border():
    """Across a hromada line one cell's ring holds a point its neighbour's lacks, and is off by a metre."""
    left = polygon([[0, 0], [0.1, 0], [0.1, 0.05], [0.1, 0.1], [0, 0.1]])
    right = polygon([[0.100005, 0], [0.2, 0], [0.2, 0.1], [0.100005, 0.1]])
    wire = topology_wire({"cells": Layer(collection(left, right))}, 1000)
    arcs = arcs_of(wire)
    (ring_l,), (ring_r,) = (f["c"][0] for f in wire["layers"]["cells"]["features"])
    shared = {r if r >= 0 else ~r for r in ring_l} & {r if r >= 0 else ~r for r in ring_r}
    assert [[(100, 0), (100, 50), (100, 100)]] == [sorted(arcs[k]) for k in shared]


def test_a_ring_with_no_junction_is_one_closed_arc_shared_with_the_hole_it_fills():
    frame = polygon([[0, 0], [3, 0], [3, 3], [0, 3]], holes=[[[1, 1], [1, 2], [2, 2], [2, 1]]])
    island = polygon([[2, 2], [1, 2], [1, 1], [2, 1]])
    wire = topology_wire({"cells": Layer(collection(frame, island))}, 1)
    (outer, hole), (island_ring,) = (f["c"][0] for f in wire["layers"]["cells"]["features"])
    assert [2] == [len(wire["arc_points"])] and 1 == len(hole) == len(island_ring) == len(outer)
    assert {hole[0], ~hole[0]} >= {island_ring[0]}
    arcs = arcs_of(wire)
    assert 5 == len(arcs[1]) and arcs[1][0] == arcs[1][-1] == (1, 1), "closed, from its least point"


def test_a_corner_where_two_squares_only_touch_is_a_junction_not_a_border():
    c = polygon([[1, 1], [2, 1], [2, 2], [1, 2]])
    wire = topology_wire({"cells": Layer(collection(A, c))}, 10)
    (ring_a,), (ring_c,) = (f["c"][0] for f in wire["layers"]["cells"]["features"])
    assert set() == {r if r >= 0 else ~r for r in ring_a} & {r if r >= 0 else ~r for r in ring_c}
    assert (10, 10) in topology.junctions([[(0, 0), (10, 0), (10, 10), (0, 10)], [(10, 10), (20, 10), (20, 20)]])


def test_what_is_too_small_for_the_scale_is_left_out():
    tiny = polygon([[5, 5], [5.01, 5], [5.01, 5.01], [5, 5.01]], name="tiny")
    wire = topology_wire({"cells": Layer(collection(A, tiny), keep=("name",))}, 10)
    assert [{"name": "A"}] == [f["p"] for f in wire["layers"]["cells"]["features"]]
    assert [] == topology.quantized_ring([(5, 5), (5.01, 5), (5.01, 5.01), (5, 5)], 10)
    assert [(0, 0), (10, 0), (10, 10)] == topology.quantized_ring([(0, 0), (1, 0), (1.01, 0), (1, 1), (0, 0)], 10)


def test_no_layer_gives_no_arcs():
    assert {"scale": 10, "arc_points": [], "arcs": [], "layers": {}} == topology_wire({"cells": None}, 10)
