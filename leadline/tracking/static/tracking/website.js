// Website screens: the page-view chart (data from a json_script tag) and filters that apply on change.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-change-submit]") && event.target.form) event.target.form.requestSubmit();
  });

  onReady(function () {
    var canvas = document.getElementById("pageviews-chart");
    var source = document.getElementById("pageviews-data");
    if (!canvas || !source || typeof window.Chart !== "function") return;
    var data = JSON.parse(source.textContent);
    var styles = getComputedStyle(document.documentElement);
    var brand = styles.getPropertyValue("--brand").trim() || "#4f46e5";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: "Page views", data: data.values, backgroundColor: brand, borderRadius: 4, maxBarThickness: 28 }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          y: { beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  });
})();
