// Reports: draws each chart from the json_script data beside its canvas; the table under each
// chart holds the same numbers for screen readers and keyboard users.
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316", "#64748b", "#ec4899"];

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart !== "function") return;
    var spec = JSON.parse(source.textContent);
    var round = spec.type === "doughnut";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: round ? spec.labels.map(function (_, i) { return PALETTE[i % PALETTE.length]; }) : colour,
        borderColor: colour,
        borderWidth: spec.type === "line" ? 2 : 0,
        pointRadius: spec.type === "line" ? 0 : undefined,
        tension: 0.25,
        borderRadius: spec.type === "bar" ? 4 : 0,
        maxBarThickness: 36
      };
    });
    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: round || datasets.length > 1, position: "bottom" } },
        scales: round ? {} : {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true }
        }
      }
    });
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  onReady(function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
