/* The queue page's drawing stage: shapes drawn over the item as SVG (boxes, polygons) and
   masks on a canvas, selection, drawing, dragging a box or its corner handles, typed-in
   coordinates, and shift/alt clicks collected as SAM 2 prompt points. No network here:
   queue.js loads the work and calls `onPrompt` after each new point. */
"use strict";

const labelqcStage = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const AUTHOR_COLORS = ["#17becf", "#e377c2", "#bcbd22", "#ff7f0e", "#9467bd", "#8c564b"];
  const $ = (id) => document.getElementById(id);

  function create({ state, classes, onPrompt, onError }) {
    const rle = window.labelqcRle;
    const classColor = Object.fromEntries(classes.map((c) => [c.id, c.color]));
    const className = Object.fromEntries(classes.map((c) => [c.id, c.name]));

    /* ---- shapes ---------------------------------------------------------------------- */

    function shapeFromAnnotation(a, kind, editable) {
      const geometry = a.geometry || {};
      let box = a.x != null ? [a.x, a.y, a.w, a.h] : null;
      if (!box && a.geometry_type === "box") box = [geometry.x, geometry.y, geometry.w, geometry.h];
      if (!box && a.geometry_type === "mask" && geometry.rle) box = rle.bbox(geometry.rle);
      if (!box && a.geometry_type === "polygon" && geometry.points) {
        const xs = geometry.points.filter((_, i) => i % 2 === 0);
        const ys = geometry.points.filter((_, i) => i % 2 === 1);
        box = [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs),
          Math.max(...ys) - Math.min(...ys)];
      }
      return {
        id: a.id ?? null,
        version: a.version ?? null,
        label_class: a.label_class,
        type: a.geometry_type,
        geometry,
        box,
        kind,
        author: a.author ?? (a.model_id ? `model ${a.model_id}` : null),
        editable: editable && a.geometry_type === "box",
        dirty: false,
      };
    }

    function authorColor(author) {
      const authors = [...new Set(state.shapes.filter((s) => s.kind === "other").map((s) => s.author))];
      return AUTHOR_COLORS[Math.max(authors.indexOf(author), 0) % AUTHOR_COLORS.length];
    }

    function strokeOf(shape) {
      if (shape.kind === "prelabel") return "#f5f5f5";
      if (shape.kind === "consensus") return "#2ca02c";
      if (shape.kind === "other") return authorColor(shape.author);
      return classColor[shape.label_class] || "#1f77b4";
    }

    function svgElement(name, attributes) {
      const element = document.createElementNS(SVG, name);
      Object.entries(attributes).forEach(([k, v]) => element.setAttribute(k, v));
      return element;
    }

    function render() {
      const svg = $("q-overlay");
      svg.replaceChildren();
      // Read-only shapes first and big before small, so what can be edited stays clickable.
      const layer = (s) => (s.editable ? 1 : 0);
      const area = (s) => (s.box ? s.box[2] * s.box[3] : 0);
      const order = state.shapes.map((_, i) => i).sort((a, b) => {
        const [sa, sb] = [state.shapes[a], state.shapes[b]];
        return layer(sa) - layer(sb) || area(sb) - area(sa);
      });
      order.forEach((index) => {
        const shape = state.shapes[index];
        if (!shape.box) return;
        const [x, y, w, h] = shape.box;
        const classes = ["shape", shape.kind, index === state.selected ? "selected" : ""];
        let element;
        if (shape.type === "polygon" && shape.geometry.points) {
          const pts = [];
          for (let i = 0; i < shape.geometry.points.length; i += 2) {
            pts.push(`${shape.geometry.points[i]},${shape.geometry.points[i + 1]}`);
          }
          element = svgElement("polygon", { points: pts.join(" ") });
        } else {
          element = svgElement("rect", { x, y, width: w, height: h });
        }
        element.setAttribute("class", classes.join(" "));
        element.setAttribute("stroke", strokeOf(shape));
        element.dataset.index = index;
        const title = svgElement("title", {});
        title.textContent = `${className[shape.label_class] || shape.label_class}` +
          (shape.author ? ` · ${shape.author}` : "") + (shape.kind === "prelabel" ? " (pre-label)" : "");
        element.appendChild(title);
        svg.appendChild(element);
      });
      const shape = state.shapes[state.selected];
      if (shape && shape.editable && shape.box) {
        const [x, y, w, h] = shape.box;
        const r = Math.min(Math.max(3, Math.min(state.item.width, state.item.height) / 120),
          Math.max(1.5, Math.min(w, h) / 4));
        [[x, y], [x + w, y], [x, y + h], [x + w, y + h]].forEach(([cx, cy], corner) => {
          const handle = svgElement("circle", { cx, cy, r, class: "handle" });
          handle.dataset.corner = corner;
          svg.appendChild(handle);
        });
      }
      state.points.forEach(([px, py], i) => {
        const r = Math.max(3, Math.min(state.item.width, state.item.height) / 110);
        svg.appendChild(svgElement("circle", {
          cx: px, cy: py, r, class: `point ${state.labels[i] ? "pos" : "neg"}`,
        }));
      });
      renderLegend();
      renderEditor();
      renderMasks();
      const edited = state.shapes.some((s) => s.kind === "submission" && s.dirty);
      $("btn-approve").firstChild.textContent = edited ? "Approve with edits " : "Approve ";
    }

    function renderLegend() {
      const legend = $("q-legend");
      legend.replaceChildren();
      const entries = new Map();
      state.shapes.forEach((s) => {
        const name = className[s.label_class] || s.label_class;
        const label = s.kind === "other" ? `annotator ${s.author}` : s.kind === "prelabel" ?
          "pre-label" : s.kind === "consensus" ? s.author || "consensus" :
            s.kind === "submission" ? `${s.author || "submission"}: ${name}` : name;
        entries.set(label, strokeOf(s));
      });
      entries.forEach((color, label) => {
        const span = document.createElement("span");
        const swatch = document.createElement("i");
        swatch.style.background = color;
        span.append(swatch, label);
        legend.appendChild(span);
      });
    }

    function renderEditor() {
      const shape = state.shapes[state.selected];
      $("shape-none").classList.toggle("hidden", Boolean(shape));
      $("shape-fields").classList.toggle("hidden", !shape);
      if (!shape) return;
      const [x, y, w, h] = shape.box || [0, 0, 0, 0];
      [["f-x", x], ["f-y", y], ["f-w", w], ["f-h", h]].forEach(([id, value]) => {
        if (document.activeElement !== $(id)) $(id).value = Math.round(value * 10) / 10;
        $(id).disabled = !shape.editable;
      });
      $("f-class").value = String(shape.label_class);
      $("f-class").disabled = !(shape.editable && state.mode === "annotate");
      $("btn-apply").disabled = !shape.editable;
      $("shape-info").textContent = `${shape.type}${shape.author ? ` by ${shape.author}` : ""}` +
        (shape.dirty ? " · edited" : "") + (shape.editable ? "" : " · read only");
    }

    function renderMasks() {
      const canvas = $("q-mask");
      if (state.item && (canvas.width !== state.item.width || canvas.height !== state.item.height)) {
        canvas.width = state.item.width;
        canvas.height = state.item.height;
      }
      rle.clear(canvas);
      state.shapes.forEach((s) => {
        if (s.type === "mask" && s.geometry.rle) rle.paint(canvas, s.geometry.rle, [255, 191, 0, 90]);
      });
      if (state.mask) rle.paint(canvas, state.mask.rle, [44, 160, 44, 120]);
    }

    /* ---- pointer: select, draw, drag, prompt ----------------------------------------- */

    function toImage(event) {
      const svg = $("q-overlay");
      const point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      const p = point.matrixTransform(svg.getScreenCTM().inverse());
      return [Math.min(Math.max(p.x, 0), state.item.width), Math.min(Math.max(p.y, 0), state.item.height)];
    }

    let drag = null;

    function onPointerDown(event) {
      if (!state.item || state.done) return;
      const [px, py] = toImage(event);
      if (event.shiftKey || event.altKey) {
        event.preventDefault();
        state.points.push([Math.round(px), Math.round(py)]);
        state.labels.push(event.shiftKey ? 1 : 0);
        render();
        onPrompt();
        return;
      }
      const target = event.target;
      if (target.dataset.corner !== undefined) {
        drag = { kind: "corner", corner: Number(target.dataset.corner), index: state.selected };
      } else if (target.dataset.index !== undefined) {
        state.selected = Number(target.dataset.index);
        const shape = state.shapes[state.selected];
        drag = shape.editable ? { kind: "move", index: state.selected, from: [px, py],
          box: [...shape.box] } : null;
      } else if (state.mode === "annotate") {
        const shape = { id: null, version: null, label_class: Number($("new-class").value),
          type: "box", geometry: {}, box: [px, py, 0, 0], kind: "draft", author: null,
          editable: true, dirty: true };
        state.shapes.push(shape);
        state.selected = state.shapes.length - 1;
        drag = { kind: "draw", index: state.selected, from: [px, py] };
      } else {
        state.selected = -1;
      }
      $("q-overlay").setPointerCapture(event.pointerId);
      render();
    }

    function onPointerMove(event) {
      if (!drag) return;
      const [px, py] = toImage(event);
      const shape = state.shapes[drag.index];
      let [x, y, w, h] = shape.box;
      if (drag.kind === "draw") {
        const [fx, fy] = drag.from;
        [x, y, w, h] = [Math.min(fx, px), Math.min(fy, py), Math.abs(px - fx), Math.abs(py - fy)];
      } else if (drag.kind === "move") {
        const [bx, by, bw, bh] = drag.box;
        x = Math.min(Math.max(bx + px - drag.from[0], 0), state.item.width - bw);
        y = Math.min(Math.max(by + py - drag.from[1], 0), state.item.height - bh);
        [w, h] = [bw, bh];
      } else {
        const right = x + w;
        const bottom = y + h;
        const left = drag.corner % 2 === 0;
        const top = drag.corner < 2;
        const nx = left ? Math.min(px, right - 1) : x;
        const ny = top ? Math.min(py, bottom - 1) : y;
        const nr = left ? right : Math.max(px, x + 1);
        const nb = top ? bottom : Math.max(py, y + 1);
        [x, y, w, h] = [nx, ny, nr - nx, nb - ny];
      }
      shape.box = [x, y, w, h];
      shape.dirty = true;
      render();
    }

    function onPointerUp() {
      if (drag && drag.kind === "draw") {
        const shape = state.shapes[drag.index];
        if (shape.box[2] < 3 || shape.box[3] < 3) {
          state.shapes.splice(drag.index, 1);
          state.selected = -1;
        }
      }
      drag = null;
      render();
    }

    function applyFields() {
      const shape = state.shapes[state.selected];
      if (!shape || !shape.editable) return;
      const values = ["f-x", "f-y", "f-w", "f-h"].map((id) => Number($(id).value));
      if (values.some((v) => !Number.isFinite(v)) || values[2] <= 0 || values[3] <= 0) {
        onError("x, y, w and h must be numbers; w and h above 0");
        return;
      }
      shape.box = values;
      if (state.mode === "annotate") shape.label_class = Number($("f-class").value);
      shape.dirty = true;
      render();
    }

    const overlay = $("q-overlay");
    overlay.addEventListener("pointerdown", onPointerDown);
    overlay.addEventListener("pointermove", onPointerMove);
    overlay.addEventListener("pointerup", onPointerUp);
    $("btn-apply").addEventListener("click", applyFields);
    ["f-x", "f-y", "f-w", "f-h"].forEach((id) => $(id).addEventListener("keydown", (event) => {
      if (event.key === "Enter") applyFields();
    }));
    return { shapeFromAnnotation, render };
  }

  return { create };
})();
window.labelqcStage = labelqcStage;
