/* labelqc intake pages: draw the plotly figures (plotly.js served by this app, no CDN), call
   the intake API for every button (keep / drop / release, screen, release, inspect, decide),
   poll a screening job's progress (GET /api/jobs/{id}/), then reload. */
"use strict";

(() => {
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function call(method, url, body) {
    const options = {
      method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    const type = response.headers.get("Content-Type") || "";
    const data = response.status !== 204 && type.includes("json") ? await response.json() : null;
    return { ok: response.ok, status: response.status, data };
  }

  function errorText(result) {
    const data = result.data;
    if (!data) return `HTTP ${result.status}`;
    if (data.detail) return data.detail;
    return Object.entries(data)
      .map(([field, messages]) => `${field}: ${[].concat(messages).join("; ")}`)
      .join(" | ");
  }

  function say(text) {
    document.querySelectorAll("[data-message]").forEach((element) => {
      element.textContent = text;
    });
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function follow(jobId) {
    const bar = document.querySelector("[data-progress]");
    if (bar) bar.hidden = false;
    for (;;) {
      const result = await call("GET", `/api/jobs/${jobId}/`);
      if (!result.ok) return say(errorText(result));
      const job = result.data;
      const total = job.progress_total || 1;
      if (bar) bar.firstElementChild.style.width = `${(100 * job.progress_done) / total}%`;
      say(`Job ${job.id}: ${job.status} (${job.progress_done} / ${job.progress_total})`);
      if (["succeeded", "failed", "cancelled"].includes(job.status)) return;
      await sleep(1000);
    }
  }

  async function onClick(button) {
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
    button.disabled = true;
    try {
      const result = await call(button.dataset.api, button.dataset.url, body);
      if (!result.ok) {
        say(errorText(result));
        return;
      }
      if (button.hasAttribute("data-job") && result.data && result.data.id) {
        await follow(result.data.id);
      }
      window.location.reload();
    } finally {
      button.disabled = false;
    }
  }

  async function onCreate(form) {
    const values = Object.fromEntries(new FormData(form).entries());
    const result = await call("POST", form.dataset.createBatch, values);
    if (!result.ok) return say(errorText(result));
    window.location.href = `/batches/${result.data.id}/`;
  }

  function drawFigures() {
    const source = document.getElementById("intake-figures");
    if (!source || !window.Plotly) return;
    const figures = JSON.parse(source.textContent);
    document.querySelectorAll("[data-figure]").forEach((element) => {
      const figure = figures[element.dataset.figure];
      if (!figure) return;
      window.Plotly.newPlot(element, figure.data, Object.assign({ autosize: true }, figure.layout), {
        responsive: true,
        displaylogo: false,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("button[data-api]").forEach((button) => {
      button.addEventListener("click", () => onClick(button));
    });
    document.querySelectorAll("form[data-create-batch]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        onCreate(form);
      });
    });
    drawFigures();
  });
})();
