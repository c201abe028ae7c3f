"""The cells' borders the front line is drawn along (controlmap.geo.frontline), on hand-made cells."""

from itertools import pairwise

from controlmap.geo import frontline


def square(code: str, x0: float, y0: float, size: float = 0.1, extra: list | None = None) -> dict:
    ring = [[x0, y0], [x0 + size, y0], *(extra or [[x0 + size, y0 + size]]), [x0, y0 + size], [x0, y0]]
    return {"type": "Feature", "properties": {"katottg": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def cells(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_side_by_side_cells_share_one_border_and_corners_count_for_nothing():
    # A B
    # C D   (A and D, B and C only touch at the centre)
    grid = cells(square("A", 0, 0.1), square("B", 0.1, 0.1), square("C", 0, 0), square("D", 0.1, 0))
    borders = frontline.cell_borders(grid)
    assert [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")] == [(b.a, b.b) for b in borders]
    a_b = borders[0]
    assert 1 == len(a_b.lines)
    assert {(0.1, 0.1), (0.1, 0.2)} == {tuple(round(v, 6) for v in p) for p in (a_b.lines[0][0], a_b.lines[0][-1])}


def test_neighbours_whose_rings_do_not_share_points_still_share_their_border():
    """Across a hromada line one cell's ring may hold a point the other's lacks, or be off by a metre."""
    left = square("L", 0, 0, extra=[[0.1, 0.05], [0.1, 0.1]])
    right = {"type": "Feature", "properties": {"katottg": "R"}, "geometry": {"type": "Polygon", "coordinates": [
        [[0.100005, 0], [0.2, 0], [0.2, 0.1], [0.100005, 0.1], [0.100005, 0]]]}}
    (border,) = frontline.cell_borders(cells(right, left))
    assert ("L", "R") == (border.a, border.b)
    assert abs(sum(abs(p[1] - q[1]) for line in border.lines for p, q in pairwise(line)) - 0.1) < 1e-6


def test_wire_borders_send_rows_and_points_as_steps():
    grid = cells(square("A", 0, 0), square("B", 0.1, 0), square("C", 0.2, 0))
    wire = frontline.wire_borders(frontline.cell_borders(grid), {"C": 0, "A": 1, "B": 2, "X": 3}, 20)
    assert 20 == wire["scale"]
    rows_a = [sum(wire["a"][: k + 1]) for k in range(len(wire["a"]))]
    assert [(0, 2), (1, 2)] == [(a, a + b) for a, b in zip(rows_a, wire["b"], strict=True)]  # C|B, then A|B
    assert [2, 2] == wire["n"]
    x = y = 0
    points = []
    for k in range(0, len(wire["c"]), 2):
        x, y = x + wire["c"][k], y + wire["c"][k + 1]
        points.append((x, y))
    assert [{(4, 0), (4, 2)}, {(2, 0), (2, 2)}] == [set(points[0:2]), set(points[2:4])]
    assert points[2] == (2, 2), "a line starts at its end nearer to the last point sent"


def test_borders_of_settlements_the_payload_lacks_are_left_out():
    grid = cells(square("A", 0, 0), square("B", 0.1, 0))
    assert {"scale": 10, "a": [], "b": [], "n": [], "c": []} == frontline.wire_borders(
        frontline.cell_borders(grid), {"A": 0}, 10)
    assert [] == frontline.cell_borders(cells())
