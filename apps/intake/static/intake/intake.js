/* labelqc intake pages: draw the plotly figures (plotly.js served by this app, no CDN), call
   the intake API for every button (keep / drop / release, screen, release, inspect, decide),
   poll a screening job's progress (GET /api/jobs/{id}/), then reload. */
"use strict";

(() => {
  // The request wrapper ({ok, status, data}), DRF error text and job polling are dash.js's,
  // which the intake pages load first (window.labelqc).
  const { api, errorText, pollJob } = window.labelqc;

  function say(text) {
    document.querySelectorAll("[data-message]").forEach((element) => {
      element.textContent = text;
    });
  }

  async function follow(jobId) {
    const bar = document.querySelector("[data-progress]");
    if (bar) bar.hidden = false;
    await pollJob(
      jobId,
      (job, error) => {
        if (error) return say(error);
        const total = job.progress_total || 1;
        if (bar) bar.firstElementChild.style.width = `${(100 * job.progress_done) / total}%`;
        say(`Job ${job.id}: ${job.status} (${job.progress_done} / ${job.progress_total})`);
      },
      1000,
    );
  }

  async function onClick(button) {
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
    button.disabled = true;
    try {
      const result = await api(button.dataset.api, button.dataset.url, body);
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
    const result = await api("POST", form.dataset.createBatch, values);
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
