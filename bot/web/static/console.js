// The web console's only script: while an announcement is being sent, its progress bar and
// counts refresh every few seconds. Everything works without it.
(function () {
  "use strict";
  const rows = document.querySelectorAll("[data-progress-of]");
  if (!rows.length) return;
  const source = document.querySelector("[data-progress-url]");
  if (!source) return;
  async function refresh() {
    let data;
    try {
      const response = await fetch(source.dataset.progressUrl, { credentials: "same-origin" });
      if (!response.ok) return;
      data = await response.json();
    } catch (error) {
      return;
    }
    let running = false;
    rows.forEach(function (row) {
      const item = data[row.dataset.progressOf];
      if (!item) return;
      const bar = row.querySelector("progress");
      if (bar) bar.value = item.percent;
      const text = row.querySelector("[data-progress-text]");
      if (text) text.textContent = item.text;
      const status = row.querySelector("[data-status-text]");
      if (status) status.textContent = item.status;
      running = running || item.running;
    });
    if (running) window.setTimeout(refresh, 3000);
  }
  window.setTimeout(refresh, 3000);
})();
