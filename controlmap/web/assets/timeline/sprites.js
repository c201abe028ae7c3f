/* Marker sprites: each symbol style pre-rendered once per scale and copied pixel by pixel into one
   ImageData (without a GPU the canvas rasteriser spends ~10 µs on each anti-aliased shape; copying its
   ~100 pixels in JS is far cheaper). Blending and blitting are pure (tests/js); making a sprite needs
   a canvas factory. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory(require("./styles.js"));
  else root.controlmapParts.sprites = factory(root.controlmapParts.styles);
})(typeof globalThis !== "undefined" ? globalThis : this, function (styles) {
  "use strict";

  // Sprite edge pixels: drop the faintest, treat the nearly opaque as opaque (far fewer blends).
  const MIN_SPRITE_ALPHA = 40;
  const OPAQUE_SPRITE_ALPHA = 210;

  // The sprite of `style` at `symbolScale`, for a canvas of `pixelRatio`; `makeCanvas()` gives a canvas.
  function makeSprite(style, pixelRatio, symbolScale, makeCanvas) {
    const half = Math.ceil(((style.radius + (style.disputed ? styles.RING_GAP : 0)) * symbolScale + 2) * pixelRatio) + 1;
    const size = 2 * half;
    const canvas = makeCanvas();
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.scale(pixelRatio, pixelRatio);
    styles.drawSymbols(ctx, style, [{ x: half / pixelRatio, y: half / pixelRatio }], symbolScale);
    return spriteOf(new Uint32Array(ctx.getImageData(0, 0, size, size).data.buffer), size);
  }

  // A sprite from `size` × `size` little-endian RGBA pixels: its visible pixels as offsets from the
  // centre and colours, the opaque apart from the translucent.
  function spriteOf(rgba, size) {
    const half = size / 2;
    const parts = { opaque: { dx: [], dy: [], color: [] }, translucent: { dx: [], dy: [], color: [] } };
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const value = rgba[y * size + x];
        const alpha = value >>> 24;
        if (alpha < MIN_SPRITE_ALPHA) continue;
        const opaque = alpha >= OPAQUE_SPRITE_ALPHA;
        const part = opaque ? parts.opaque : parts.translucent;
        part.dx.push(x - half);
        part.dy.push(y - half);
        part.color.push(opaque ? (value | 0xff000000) >>> 0 : value);
      }
    }
    const typed = (part) => ({
      dx: Int16Array.from(part.dx),
      dy: Int16Array.from(part.dy),
      color: Uint32Array.from(part.color),
      offsets: null,
      width: 0,
    });
    return { half: half, opaque: typed(parts.opaque), translucent: typed(parts.translucent) };
  }

  function offsetsFor(part, width) {
    if (part.width !== width) {
      part.offsets = Int32Array.from(part.dx, (x, k) => part.dy[k] * width + x);
      part.width = width;
    }
    return part.offsets;
  }

  // Source-over of one pixel onto another (32-bit little-endian RGBA, not premultiplied).
  function blendTranslucent(src, dst) {
    const sa = src >>> 24;
    const da = dst >>> 24;
    if (da === 0) return src;
    if (da === 255) {
      // Over an opaque pixel: two integer multiplies per pixel (alpha stays 255).
      const keep = 255 - sa;
      const rb = (((src & 0xff00ff) * sa + (dst & 0xff00ff) * keep) >>> 8) & 0xff00ff;
      const g = (((src & 0xff00) * sa + (dst & 0xff00) * keep) >>> 8) & 0xff00;
      return (0xff000000 | rb | g) >>> 0;
    }
    const rest = (da * (255 - sa)) / 255;
    const oa = sa + rest;
    const r = ((src & 255) * sa + (dst & 255) * rest) / oa;
    const g = (((src >>> 8) & 255) * sa + ((dst >>> 8) & 255) * rest) / oa;
    const b = (((src >>> 16) & 255) * sa + ((dst >>> 16) & 255) * rest) / oa;
    return ((Math.round(oa) << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
  }

  // Source-over of one sprite centred on (cx, cy) into `buffer` ({px32, width, height}).
  function blit(buffer, sprite, cx, cy) {
    const px32 = buffer.px32;
    const width = buffer.width;
    const height = buffer.height;
    const half = sprite.half;
    if (cx < half || cy < half || cx >= width - half || cy >= height - half) {
      blitClipped(buffer, sprite, cx, cy);
      return;
    }
    const base = cy * width + cx;
    const opaque = sprite.opaque;
    const opaqueAt = offsetsFor(opaque, width);
    const opaqueColor = opaque.color;
    for (let k = 0; k < opaqueColor.length; k++) px32[base + opaqueAt[k]] = opaqueColor[k];
    const translucent = sprite.translucent;
    const translucentAt = offsetsFor(translucent, width);
    const translucentColor = translucent.color;
    for (let k = 0; k < translucentColor.length; k++) {
      const at = base + translucentAt[k];
      px32[at] = blendTranslucent(translucentColor[k], px32[at]);
    }
  }

  function blitClipped(buffer, sprite, cx, cy) {
    for (const part of [sprite.opaque, sprite.translucent]) {
      for (let k = 0; k < part.color.length; k++) {
        const x = cx + part.dx[k];
        const y = cy + part.dy[k];
        if (x < 0 || y < 0 || x >= buffer.width || y >= buffer.height) continue;
        const at = y * buffer.width + x;
        buffer.px32[at] = blendTranslucent(part.color[k], buffer.px32[at]);
      }
    }
  }

  return { makeSprite: makeSprite, spriteOf: spriteOf, blendTranslucent: blendTranslucent, blit: blit };
});
