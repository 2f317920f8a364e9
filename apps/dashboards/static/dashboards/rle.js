/* COCO run-length masks in the browser: decode (compressed string or counts list), bounding
   box, and paint onto a canvas. COCO RLE is column-major and starts with a run of zeros. */
"use strict";

const labelqcRle = (() => {
  function decodeCounts(counts) {
    if (Array.isArray(counts)) return counts.map(Number);
    const out = [];
    let p = 0;
    while (p < counts.length) {
      let x = 0;
      let k = 0;
      let more = 1;
      while (more) {
        const c = counts.charCodeAt(p) - 48;
        x |= (c & 0x1f) << (5 * k);
        more = c & 0x20;
        p += 1;
        k += 1;
        if (!more && c & 0x10) x |= -1 << (5 * k);
      }
      if (out.length > 2) x += out[out.length - 2];
      out.push(x);
    }
    return out;
  }

  /* Visit every run of ones: fn(start, length) over column-major pixel indices. */
  function forEachRun(rle, fn) {
    const counts = decodeCounts(rle.counts);
    let index = 0;
    counts.forEach((length, i) => {
      if (i % 2 === 1 && length > 0) fn(index, length);
      index += length;
    });
  }

  function bbox(rle) {
    const [h] = rle.size;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    forEachRun(rle, (start, length) => {
      const end = start + length - 1;
      const c0 = Math.floor(start / h);
      const c1 = Math.floor(end / h);
      x0 = Math.min(x0, c0);
      x1 = Math.max(x1, c1);
      if (c0 === c1) {
        y0 = Math.min(y0, start % h);
        y1 = Math.max(y1, end % h);
      } else {
        // A run over a column boundary touches the bottom of one column and the top of the next.
        y0 = 0;
        y1 = h - 1;
      }
    });
    if (x1 < 0) return null;
    return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
  }

  /* Paint the mask's ones in `rgba` over the canvas, scaled to it (the mask is drawn at its own
     size off screen, then composited, so several masks blend). */
  function paint(canvas, rle, rgba) {
    const [h, w] = rle.size;
    const mask = document.createElement("canvas");
    mask.width = w;
    mask.height = h;
    const maskContext = mask.getContext("2d");
    const image = maskContext.createImageData(w, h);
    const data = image.data;
    forEachRun(rle, (start, length) => {
      for (let i = start; i < start + length; i += 1) {
        const offset = 4 * ((i % h) * w + Math.floor(i / h));
        data[offset] = rgba[0];
        data[offset + 1] = rgba[1];
        data[offset + 2] = rgba[2];
        data[offset + 3] = rgba[3];
      }
    });
    maskContext.putImageData(image, 0, 0);
    const context = canvas.getContext("2d");
    context.imageSmoothingEnabled = false;
    context.drawImage(mask, 0, 0, canvas.width, canvas.height);
  }

  function clear(canvas) {
    canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
  }

  return { decodeCounts, bbox, paint, clear };
})();
window.labelqcRle = labelqcRle;
