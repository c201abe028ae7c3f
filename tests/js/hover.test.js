// Hit-testing, tooltips, styles and sprites (hover.js, styles.js, sprites.js in controlmap/web/assets/timeline).
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const decode = require("../../controlmap/web/assets/timeline/decode.js");
const hover = require("../../controlmap/web/assets/timeline/hover.js");
const styles = require("../../controlmap/web/assets/timeline/styles.js");
const sprites = require("../../controlmap/web/assets/timeline/sprites.js");
const { wirePayload } = require("./fixtures.js");

const d = decode.decodePayload(wirePayload(), 0);
const statuses = ["unknown", "ua", "ru", "contested"];
const vocab = styles.vocabulary(wirePayload().legend);

test("symbolStyles orders approximate first, then by status, disputed last; ranks follow the order", () => {
  const table = styles.symbolStyles(statuses, vocab);
  assert.equal(table.styles.length, 16);
  assert.ok(table.drawOrder[0].approximate && table.drawOrder.at(-1).status === "contested");
  assert.ok(!table.drawOrder.at(-1).approximate && table.drawOrder.at(-1).disputed);
  table.drawOrder.forEach((style, k) => assert.equal(table.rank[style.index], k));
  const ru = table.styles[(2 * 2 + 1) * 2];
  assert.deepEqual([ru.status, ru.disputed, ru.approximate, ru.shape], ["ru", true, false, "square"]);
});

test("the payload's legend gives the words, colours and order", () => {
  assert.equal(vocab.labels.ua, "Ukrainian-held");
  assert.equal(styles.symbolStyle("ru", false, false, 0, vocab).line, "#5E2900");
  assert.equal(styles.cellStyle("ua", false, vocab).fillColor, "#0072B2");
  assert.deepEqual(vocab.order, ["ua", "ru", "contested", "unknown"]);
  const stranger = styles.symbolStyle("no such status", false, false, 0, vocab);
  assert.deepEqual([stranger.shape, stranger.fill], ["circle", "#999999"]);
});

test("symbolScaleFor shrinks symbols as settlements crowd", () => {
  assert.equal(styles.symbolScaleFor(1000, 1000, 100), 1);
  assert.equal(styles.symbolScaleFor(100, 100, 1000), 0.3);
  assert.equal(styles.symbolScaleFor(-1000, -1000, 100), 1);
});

function pointsAt(coords, symbols, drawn) {
  return {
    n: coords.length,
    x: coords.map((c) => c[0]),
    y: coords.map((c) => c[1]),
    symbol: symbols,
    isDrawn: (i) => drawn === undefined || drawn[i],
  };
}

test("hitTest picks the symbol drawn on top, then the nearest, within radius and tolerance", () => {
  const table = styles.symbolStyles(statuses, vocab);
  const uaKey = (1 * 2) * 2;
  const contestedKey = (3 * 2) * 2;
  const pts = pointsAt([[100, 100], [104, 100], [300, 300]], [uaKey, contestedKey, uaKey]);
  assert.equal(hover.hitTest(pts, table, 1, 0, { x: 101, y: 100 }), 1); // contested is on top
  assert.equal(hover.hitTest(pts, table, 1, 0, { x: 300, y: 304 }), 2);
  assert.equal(hover.hitTest(pts, table, 1, 0, { x: 300, y: 306 }), -1);
  assert.equal(hover.hitTest(pts, table, 1, 2, { x: 300, y: 306 }), 2);
  assert.equal(hover.hitTest(pts, table, 0.3, 0, { x: 300, y: 303 }), -1);
  const same = pointsAt([[100, 100], [103, 100]], [uaKey, uaKey]);
  assert.equal(hover.hitTest(same, table, 1, 0, { x: 102.5, y: 100 }), 1);
  const hidden = pointsAt([[100, 100], [104, 100]], [uaKey, contestedKey], [true, false]);
  assert.equal(hover.hitTest(hidden, table, 1, 0, { x: 101, y: 100 }), 0);
});

test("tooltipRows: status in words, since, disputed, the latest source and its date", () => {
  const labels = vocab.labels;
  assert.deepEqual(hover.tooltipRows(d, 0, 1, labels), {
    name: "Alpha",
    nameUk: "Альфа",
    rows: [["Status", "Russian-held"], ["Since", "2022-03-04"], ["Disputed", "disputed"],
      ["Latest source", "S2 (2022-03-05)"]],
    note: null,
  });
  const beta = hover.tooltipRows(d, 1, 2, labels);
  assert.equal(beta.name, "UA6300000000000000002");
  assert.deepEqual(beta.rows.at(-1), ["Latest source", "baseline (2022-02-28)"]);
  assert.equal(beta.note, styles.APPROXIMATE_NOTE);
  assert.deepEqual(hover.tooltipRows(d, 2, -1, labels).rows, [["Status", "unknown"], ["Since", "no record yet"],
    ["Disputed", "not disputed"]]);
});

test("blendTranslucent: source-over onto transparent, opaque and translucent pixels", () => {
  const rgba = (r, g, b, a) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  assert.equal(sprites.blendTranslucent(rgba(10, 20, 30, 100), 0), rgba(10, 20, 30, 100));
  // Over an opaque pixel the fast path divides by 256, not 255: at most one step off.
  const over = sprites.blendTranslucent(rgba(255, 0, 0, 255), rgba(0, 0, 255, 255));
  assert.deepEqual([over >>> 24, (over >>> 16) & 255, (over >>> 8) & 255], [255, 0, 0]);
  assert.ok((over & 255) >= 254);
  const half = sprites.blendTranslucent(rgba(255, 0, 0, 128), rgba(0, 0, 255, 255));
  assert.equal(half >>> 24, 255);
  assert.ok(Math.abs((half & 255) - 128) <= 1 && Math.abs(((half >>> 16) & 255) - 127) <= 1);
  const both = sprites.blendTranslucent(rgba(255, 255, 255, 128), rgba(0, 0, 0, 128));
  assert.equal(both >>> 24, 192);
});

test("a sprite keeps its visible pixels around its centre and blits them, clipped at the edges", () => {
  const size = 4;
  const pixels = new Uint32Array(size * size);
  pixels[1 * size + 1] = 0xff0000ff; // opaque red left of and above the centre
  pixels[2 * size + 2] = 0x800000ff; // translucent red at the centre
  pixels[3 * size + 3] = 0x100000ff; // too faint to keep
  const sprite = sprites.spriteOf(pixels, size);
  assert.deepEqual([sprite.half, sprite.opaque.color.length, sprite.translucent.color.length], [2, 1, 1]);
  const buffer = { px32: new Uint32Array(36), width: 6, height: 6 };
  sprites.blit(buffer, sprite, 3, 3);
  assert.equal(buffer.px32[2 * 6 + 2], 0xff0000ff);
  assert.equal(buffer.px32[3 * 6 + 3], 0x800000ff);
  const edge = { px32: new Uint32Array(36), width: 6, height: 6 };
  sprites.blit(edge, sprite, 0, 0);
  assert.equal(edge.px32[0], 0x800000ff);
  assert.equal(edge.px32.filter((v) => v !== 0).length, 1);
});
