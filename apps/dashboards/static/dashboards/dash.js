/* labelqc pages: draw the plotly figures, sort and filter tables, switch project, start and
   poll long jobs (GET /api/jobs/{id}/). No external resources: plotly.js is served locally. */
"use strict";

const labelqc = (() => {
  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  async function api(method, url, body) {
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
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (response.status !== 204 && type.includes("json")) data = await response.json();
    return { status: response.status, ok: response.ok, data };
  }

  function errorText(result) {
    const data = result.data;
    if (!data) return `HTTP ${result.status}`;
    if (data.detail) return data.detail;
    return Object.entries(data)
      .map(([field, messages]) => `${field}: ${[].concat(messages).join("; ")}`)
      .join(" | ");
  }

  function drawFigures() {
    const source = document.getElementById("figures");
    if (!source || !window.Plotly) return;
    const figures = JSON.parse(source.textContent);
    document.querySelectorAll("[data-figure]").forEach((element) => {
      const figure = figures[element.dataset.figure];
      if (!figure) return;
      const layout = Object.assign({ autosize: true }, figure.layout);
      window.Plotly.newPlot(element, figure.data, layout, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["sendDataToCloud"],
      });
    });
  }

  function sortTable(table, index, th) {
    const body = table.tBodies[0];
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const numeric = ["int", "number", "percent", "bool"].includes(th.dataset.kind);
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = a.cells[index].dataset.sort ?? a.cells[index].textContent;
      const y = b.cells[index].dataset.sort ?? b.cells[index].textContent;
      if (x === "" && y !== "") return 1;
      if (y === "" && x !== "") return -1;
      const order = numeric ? Number(x) - Number(y) : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
  }

  function wireTables() {
    document.querySelectorAll("table.sortable").forEach((table) => {
      table.querySelectorAll("thead th").forEach((th, index) => {
        if ("nosort" in th.dataset) return; // e.g. the row-action column
        const sort = () => sortTable(table, index, th);
        th.addEventListener("click", sort);
        th.addEventListener("keydown", (event) => {
          if (event.key === "Enter") sort();
        });
      });
    });
    document.querySelectorAll(".table-filter").forEach((input) => {
      const table = input.closest(".card").querySelector("table");
      input.addEventListener("input", () => {
        const needle = input.value.trim().toLowerCase();
        Array.from(table.tBodies[0].rows).forEach((row) => {
          row.classList.toggle("hidden", needle && !row.textContent.toLowerCase().includes(needle));
        });
      });
    });
  }

  function wireFilters() {
    document.querySelectorAll("[data-project-switch]").forEach((select) => {
      select.addEventListener("change", () => {
        window.location.href = `/projects/${select.value}/${select.dataset.projectSwitch}/`;
      });
    });
    document.querySelectorAll("[data-autosubmit]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
    });
  }

  const FINISHED = ["succeeded", "failed", "cancelled"];

  async function pollJob(jobId, onUpdate, intervalMs = 1500) {
    for (;;) {
      const result = await api("GET", `/api/jobs/${jobId}/`);
      if (!result.ok) {
        onUpdate(null, errorText(result));
        return null;
      }
      onUpdate(result.data, null);
      if (FINISHED.includes(result.data.status)) return result.data;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  function progressText(job) {
    const total = job.progress_total || 0;
    return `${job.status}${total ? ` ${job.progress_done}/${total}` : ""}`;
  }

  // A job starter inside a form sends the form's fields too (numbers as numbers).
  function formBody(form) {
    if (!form) return {};
    const body = {};
    for (const field of form.elements) {
      if (!field.name) continue;
      body[field.name] = field.type === "number" ? Number(field.value) : field.value;
    }
    return body;
  }

  function wireJobStarters() {
    document.querySelectorAll("[data-start-job]").forEach((button) => {
      const status = button.parentElement.querySelector(".job-status");
      button.addEventListener("click", async () => {
        button.disabled = true;
        status.textContent = "starting…";
        const body = { ...JSON.parse(button.dataset.jobBody || "{}"), ...formBody(button.form) };
        const started = await api("POST", button.dataset.startJob, body);
        // Reports and rounds answer {job: id, ...}; a job itself answers {id, ...}.
        const jobId = started.data && started.data[button.dataset.jobIdField || "job"];
        if (!started.ok || !jobId) {
          status.textContent = `could not start: ${errorText(started)}`;
          button.disabled = false;
          return;
        }
        const job = await pollJob(jobId, (current, error) => {
          status.textContent = error ? `error: ${error}` : progressText(current);
        });
        if (job && job.status === "succeeded") {
          status.textContent = "done; reloading";
          window.location.reload();
        } else {
          if (job && job.errors && job.errors.length) {
            const first = job.errors[0];
            const text = first.message || (first.messages || []).join("; ") || JSON.stringify(first);
            status.textContent = `${job.status}: ${first.field ? `${first.field}: ` : ""}${text}`;
          }
          button.disabled = false;
        }
      });
    });
  }

  function wireJobRows() {
    document.querySelectorAll("tr[data-running]").forEach((row) => {
      pollJob(row.dataset.jobId, (job, error) => {
        if (error) {
          row.querySelector(".job-state").textContent = `unknown (${error})`;
          return;
        }
        const total = job.progress_total || 0;
        row.querySelector(".job-state").textContent = job.status;
        row.querySelector(".job-count").textContent = `${job.progress_done} / ${total}`;
        row.querySelector(".progress > span").style.width =
          `${total ? Math.round((100 * job.progress_done) / total) : 0}%`;
        if (job.finished_at) row.querySelector(".job-finished").textContent = job.finished_at;
      }, 3000);
    });
  }

  function wireRowActions() {
    document.querySelectorAll("[data-row-action]").forEach((button) => {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const body = JSON.parse(button.dataset.body || "{}");
        const result = await api("POST", button.dataset.rowAction, body);
        if (result.ok) {
          button.closest("tr").classList.add("done");
          button.closest("td").replaceChildren(document.createTextNode(button.dataset.done));
        } else {
          button.disabled = false;
          button.title = errorText(result);
          button.textContent = `${button.textContent.split(" (")[0]} (failed: ${errorText(result)})`;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawFigures();
    wireTables();
    wireFilters();
    wireJobStarters();
    wireJobRows();
    wireRowActions();
  });

  // Shared with the intake pages, which load this file before intake.js.
  return { api, errorText, pollJob };
})();
window.labelqc = labelqc;
