// Campaign screens: filters that apply on change, the editor's dependent fields, and the report's
// chart of opens and clicks (its data comes from a json_script tag).
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-campaign-autosubmit]") && target.form) target.form.requestSubmit();
    if (target.name === "when" || target.name === "ab_test") syncEditor();
  });

  function toggle(selector, shown) {
    var box = document.querySelector(selector);
    if (!box) return;
    box.hidden = !shown;
  }

  function syncEditor() {
    var later = document.querySelector('input[name="when"][value="later"]');
    var test = document.querySelector('input[name="ab_test"]');
    if (later) toggle("[data-campaign-schedule]", later.checked);
    if (test) toggle("[data-campaign-ab]", test.checked);
  }

  function drawChart() {
    var canvas = document.getElementById("campaign-chart");
    var source = document.getElementById("campaign-chart-data");
    if (!canvas || !source || typeof window.Chart !== "function") return;
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var brand = styles.getPropertyValue("--brand").trim() || "#4f46e5";
    var ok = styles.getPropertyValue("--ok").trim() || "#0f9d6b";
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Opens", data: data.opens, borderColor: brand, backgroundColor: brand, tension: 0.25, pointRadius: 2 },
          { label: "Clicks", data: data.clicks, borderColor: ok, backgroundColor: ok, tension: 0.25, pointRadius: 2 }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  onReady(function () {
    syncEditor();
    drawChart();
  });
})();
