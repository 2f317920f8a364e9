/* The queue page: works the JSON API.
   Review mode: POST /api/projects/{p}/reviews/next/?queue=Q, POST /api/reviews/{id}/decision/
   and /release/ (Next), image from /api/items/{id}/image/. Annotate mode: POST
   /api/projects/{p}/queue/next/, POST /api/assignments/{id}/submit/ and /release/ (Next), image
   from /api/assignments/{id}/image/.
   Re-segmentation: POST /api/items/{id}/prompt/ (404: unavailable). Drawing: stage.js. */
"use strict";

(() => {
  const { errorText } = window.labelqc;
  // One request at a time: a decision never overlaps the next pull or a stats read, and a
  // double press cannot send two decisions in flight.
  let inFlight = Promise.resolve();
  function api(method, url, body) {
    const run = () => window.labelqc.api(method, url, body);
    const result = inFlight.then(run, run);
    inFlight = result.catch(() => null);
    return result;
  }
  const rle = window.labelqcRle;
  const config = JSON.parse(document.getElementById("queue-config").textContent);
  const $ = (id) => document.getElementById(id);

  const state = {
    mode: config.modes[0],
    current: null, // review or assignment payload
    done: false, // the current one has been decided / submitted
    item: null, // {id, width, height, image_url}
    shapes: [],
    selected: -1,
    points: [],
    labels: [],
    mask: null,
    startedAt: 0,
    reasonFor: null, // "reject" | "escalate"
  };

  function setStatus(text, error = false) {
    const line = $("q-status");
    line.textContent = text;
    line.classList.toggle("error", error);
  }

  function samStatus(text, error = false) {
    $("sam-status").textContent = text;
    $("sam-status").classList.toggle("error", error);
  }

  // `prompt` is a function declaration below, so the stage can call it once it is wired.
  const stage = window.labelqcStage.create({
    state,
    classes: config.classes,
    onPrompt: () => prompt(),
    onError: (message) => setStatus(message, true),
  });
  const { render, shapeFromAnnotation } = stage;

  /* ---- SAM 2 prompt ---------------------------------------------------------------- */

  async function prompt() {
    const selected = state.shapes[state.selected];
    const body = {
      points: state.points,
      labels: state.labels,
      box: selected && selected.box ? selected.box.map((v) => Math.round(v * 10) / 10) : null,
    };
    samStatus("segmenting…");
    const result = await api("POST", `/api/items/${state.item.id}/prompt/`, body);
    if (result.status === 404) {
      state.mask = null;
      samStatus("re-segmentation unavailable", true);
    } else if (!result.ok) {
      samStatus(`re-segmentation failed: ${errorText(result)}`, true);
    } else {
      state.mask = result.data;
      const score = result.data.score != null ? ` · score ${Number(result.data.score).toFixed(2)}` : "";
      samStatus(`mask from ${result.data.backend || "model"}${score}`);
    }
    $("btn-use-mask").disabled = !state.mask;
    render();
  }

  function useMask() {
    if (!state.mask) return;
    const box = state.mask.bbox || rle.bbox(state.mask.rle);
    if (!box) return;
    let shape = state.shapes[state.selected];
    if (!shape || !shape.editable) {
      if (state.mode !== "annotate") {
        setStatus("select an editable box to replace it with the mask's box", true);
        return;
      }
      shape = { id: null, version: null, label_class: Number($("new-class").value), type: "box",
        geometry: {}, box: null, kind: "draft", author: null, editable: true, dirty: true };
      state.shapes.push(shape);
      state.selected = state.shapes.length - 1;
    }
    shape.box = box.map(Number);
    shape.dirty = true;
    clearPrompt();
  }

  function clearPrompt() {
    state.points = [];
    state.labels = [];
    state.mask = null;
    $("btn-use-mask").disabled = true;
    samStatus("");
    render();
  }

  /* ---- loading work ---------------------------------------------------------------- */

  function showItem(item, imageUrl) {
    state.item = item;
    const overlay = $("q-overlay");
    overlay.setAttribute("viewBox", `0 0 ${item.width} ${item.height}`);
    $("q-stage").classList.remove("hidden");
    const image = $("q-image");
    if (imageUrl) {
      image.src = imageUrl;
    } else {
      image.removeAttribute("src");
    }
    image.width = item.width;
    image.height = item.height;
  }

  function reset() {
    Object.assign(state, { current: null, done: false, item: null, shapes: [], selected: -1,
      points: [], labels: [], mask: null, reasonFor: null });
    $("reason-box").classList.add("hidden");
    $("q-stage").classList.add("hidden");
    $("q-legend").replaceChildren();
    $("q-title").textContent = "Work queue";
    $("q-meta").textContent = "";
    samStatus("");
  }

  async function loadNext() {
    reset();
    setStatus("loading the next item…");
    if (!config.member) {
      setStatus("You are not a member of this project, so you have no queue here.", true);
      return;
    }
    if (state.mode === "review") await loadReview();
    else await loadAssignment();
  }

  async function loadReview() {
    const queue = $("q-queue") ? $("q-queue").value : "review";
    const result = await api("POST",
      `/api/projects/${config.project}/reviews/next/?queue=${encodeURIComponent(queue)}`);
    if (result.status === 204) {
      setStatus(`Queue "${queue}" is empty.`);
      return;
    }
    if (!result.ok) {
      setStatus(`could not load a review: ${errorText(result)}`, true);
      return;
    }
    const review = result.data;
    state.current = review;
    // The stage's kinds: the submission (editable), other annotators' work, drafts and
    // consensus; a draft or a consensus has no author but is no annotator either.
    const kindOf = (a) => (a.is_submission ? "submission" : {
      annotator: "other", prelabel: "prelabel", consensus: "consensus",
    }[a.kind || (a.source === "human" ? "annotator" : a.source)] || "other");
    state.shapes = review.annotations.map((a) => {
      const shape = shapeFromAnnotation(a, kindOf(a), a.is_submission);
      if (shape.kind === "consensus") {
        const method = (a.model_id || "").replace(/^consensus:/, "");
        shape.author = method ? `consensus (${method})` : "consensus";
      }
      return shape;
    });
    showItem(review.item_detail, review.item_detail.image_url);
    const others = new Set(state.shapes.filter((s) => s.kind === "other").map((s) => s.author));
    $("q-title").textContent = `Review #${review.id} · item ${review.item}`;
    $("q-meta").textContent = `queue ${review.queue} · by ${review.annotator || "?"}` +
      ` · cycle ${review.cycle}` + (others.size ? ` · ${others.size} other annotator(s)` : "") +
      (review.reason ? ` · ${review.reason}` : "");
    setStatus("Approve (a), reject (r) or escalate (e). Drag a handle to edit the submission.");
    render();
  }

  async function loadAssignment() {
    const result = await api("POST", `/api/projects/${config.project}/queue/next/`);
    if (result.status === 204) {
      setStatus("Your queue is empty.");
      return;
    }
    if (!result.ok) {
      setStatus(`could not load work: ${errorText(result)}`, true);
      return;
    }
    const assignment = result.data;
    state.current = assignment;
    state.startedAt = Date.now();
    // Work sent back starts from the annotator's own submitted shapes (submitting replaces
    // them), not from the drafts they already worked over.
    const rework = assignment.rework;
    const start = rework ? rework.shapes : assignment.prelabels;
    state.shapes = start.map((a) => {
      const shape = shapeFromAnnotation(a, "draft", true);
      shape.id = null;
      shape.author = rework ? "your submission" : `model ${a.model_id}`;
      // Own attributes go back with the redo; a draft's (its uncertainty, say) are the model's.
      if (rework && a.attributes && Object.keys(a.attributes).length) {
        shape.attributes = a.attributes;
      }
      return shape;
    });
    showItem(assignment.item, assignment.item.image_url);
    $("q-title").textContent = `Assignment #${assignment.id} · item ${assignment.item.id}` +
      (rework ? " · rework" : "");
    $("q-meta").textContent = (rework
      ? `sent back (${rework.decision || "for rework"}): starting from your ` +
        `${rework.shapes.length} submitted shape(s)`
      : `${assignment.prelabels.length} pre-label(s)`) +
      (assignment.rework_cycles ? ` · rework cycle ${assignment.rework_cycles}` : "") +
      (assignment.rework_reason ? ` · reason: ${assignment.rework_reason}` : "");
    setStatus(rework ? "Fix what the reviewer sent back, then submit (a)."
      : "Fix the boxes, then submit (a).");
    render();
  }

  /* ---- decisions ------------------------------------------------------------------- */

  async function decide(decision, extra = {}) {
    if (!state.current || state.done) return;
    const body = { decision, ...extra };
    const edits = state.shapes.filter((s) => s.kind === "submission" && s.dirty && s.id);
    if (decision === "approve" && edits.length) {
      body.decision = "edit";
      body.edits = edits.map((s) => ({
        annotation: s.id, version: s.version, geometry_type: "box",
        geometry: { x: s.box[0], y: s.box[1], w: s.box[2], h: s.box[3] },
      }));
    }
    const result = await api("POST", `/api/reviews/${state.current.id}/decision/`, body);
    if (!result.ok) {
      setStatus(`${body.decision} failed: ${errorText(result)}`, true);
      return;
    }
    state.done = true;
    $("reason-box").classList.add("hidden");
    setStatus(`Review #${state.current.id}: ${result.data.status}. Press n for the next one.`);
    loadStats();
  }

  function askReason(kind) {
    if (!state.current || state.done) return;
    state.reasonFor = kind;
    $("reason-text").value = "";
    $("reason-preset").selectedIndex = 0;
    $("reason-box").classList.remove("hidden");
    $("queue-field").classList.toggle("hidden", kind !== "escalate");
    $("btn-confirm").textContent = kind === "reject" ? "Confirm reject" : "Confirm escalation";
    $("reason-preset").focus();
  }

  function confirmReason() {
    const preset = $("reason-preset").value;
    const details = $("reason-text").value.trim();
    const reason = [preset, details].filter(Boolean).join(": ");
    if (!reason) {
      setStatus("a reason is required", true);
      return;
    }
    if (state.reasonFor === "reject") decide("reject", { reason });
    else decide("escalate", { reason, queue: $("escalate-queue").value.trim() });
  }

  async function submit() {
    if (!state.current || state.done) return;
    // Tags have no box to draw, but they are part of the work (a rework's own tags included).
    const annotations = state.shapes.filter((s) => s.box || s.type === "tag").map((s) => {
      const shape = { label_class: s.label_class };
      if (s.attributes) shape.attributes = s.attributes;
      if (s.type === "mask" || s.type === "polygon" || s.type === "tag") {
        return { ...shape, geometry_type: s.type, geometry: s.geometry };
      }
      const [x, y, w, h] = s.box;
      return { ...shape, geometry_type: "box", geometry: { x, y, w, h } };
    });
    const body = { annotations, client_seconds: (Date.now() - state.startedAt) / 1000 };
    const result = await api("POST", `/api/assignments/${state.current.id}/submit/`, body);
    if (!result.ok) {
      setStatus(`submit failed: ${errorText(result)}`, true);
      return;
    }
    state.done = true;
    setStatus(`Submitted ${annotations.length} shape(s). Press n for the next item.`);
    loadStats();
  }

  // Next: give the undecided work back first, so the following pull serves something else
  // (the server serves a skipped item or review again only when nothing else is left).
  async function skip() {
    if (state.current && !state.done) {
      if (state.mode === "annotate" && state.current.status === "rework") {
        // Work sent back is not released: it stays first in the queue until resubmitted.
        setStatus("Work sent back for rework comes first: fix it and submit (a).", true);
        return;
      }
      const url = state.mode === "review" ? `/api/reviews/${state.current.id}/release/`
        : `/api/assignments/${state.current.id}/release/`;
      const result = await api("POST", url);
      if (!result.ok) {
        setStatus(`could not skip: ${errorText(result)}`, true);
        return;
      }
    }
    loadNext();
  }

  function removeSelected() {
    const shape = state.shapes[state.selected];
    if (!shape || state.mode !== "annotate" || state.done) return;
    state.shapes.splice(state.selected, 1);
    state.selected = -1;
    render();
  }

  /* ---- stats ----------------------------------------------------------------------- */

  async function loadStats() {
    const box = $("my-stats");
    const result = await api("GET", `/api/projects/${config.project}/me/stats/`);
    if (!result.ok) {
      box.innerHTML = "";
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = result.status === 404 ? "no stats: not a member" : errorText(result);
      box.appendChild(note);
      return;
    }
    const s = result.data;
    const pct = (v) => (v == null ? "–" : `${(100 * v).toFixed(1)}%`);
    const rows = [
      ["submitted", s.submitted], ["in rework", s.in_rework],
      ["median seconds / item", s.median_seconds_per_item == null ? "–" : Math.round(s.median_seconds_per_item)],
      ["gold accuracy (to yesterday)", pct(s.gold_accuracy)], ["reviews of my work", s.reviews_decided],
      ["rejection rate", pct(s.rejection_rate)],
      ...Object.entries(s.correction_effort || {}).map(([k, v]) => [k.replaceAll("_", " "), v]),
    ];
    const list = document.createElement("dl");
    rows.forEach(([label, value]) => {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value ?? "–";
      list.append(dt, dd);
    });
    box.replaceChildren(list);
  }

  /* ---- wiring ---------------------------------------------------------------------- */

  function setMode(mode) {
    state.mode = mode;
    document.querySelectorAll("[data-mode]").forEach((b) => {
      b.classList.toggle("primary", b.dataset.mode === mode);
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    });
    $("review-actions").classList.toggle("hidden", mode !== "review");
    $("annotate-actions").classList.toggle("hidden", mode !== "annotate");
    if ($("q-queue")) $("q-queue").closest("label").classList.toggle("hidden", mode !== "review");
    loadNext();
  }

  function onKey(event) {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "Escape") {
      $("reason-box").classList.add("hidden");
      clearPrompt();
      return;
    }
    if (typing) {
      if (event.key === "Enter" && !$("reason-box").classList.contains("hidden")) confirmReason();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    const review = state.mode === "review";
    const actions = {
      a: () => (review ? decide("approve") : submit()),
      r: () => (review ? askReason("reject") : removeSelected()),
      e: () => (review ? askReason("escalate") : null),
      n: () => skip(),
      delete: () => removeSelected(),
    };
    if (actions[key]) {
      event.preventDefault();
      actions[key]();
    }
  }

  $("btn-approve").addEventListener("click", () => decide("approve"));
  $("btn-reject").addEventListener("click", () => askReason("reject"));
  $("btn-escalate").addEventListener("click", () => askReason("escalate"));
  $("btn-next").addEventListener("click", skip);
  $("btn-confirm").addEventListener("click", confirmReason);
  $("btn-cancel").addEventListener("click", () => $("reason-box").classList.add("hidden"));
  $("btn-submit").addEventListener("click", submit);
  $("btn-remove").addEventListener("click", removeSelected);
  $("btn-skip").addEventListener("click", skip);
  $("btn-clear-prompt").addEventListener("click", clearPrompt);
  $("btn-use-mask").addEventListener("click", useMask);
  if ($("q-queue")) $("q-queue").addEventListener("change", () => loadNext());
  document.querySelectorAll("[data-mode]").forEach((b) => {
    b.addEventListener("click", () => setMode(b.dataset.mode));
  });
  document.addEventListener("keydown", onKey);
  setMode(state.mode);
  loadStats();
})();
