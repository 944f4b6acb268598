// Attribution and lifetime-value charts: data from json_script tags, drawn with the vendored Chart.js.
(function () {
  "use strict";

  var PALETTE = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6"];

  function onReady(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function readData(id) {
    var source = document.getElementById(id);
    if (!source) return null;
    try { return JSON.parse(source.textContent); } catch (error) { return null; }
  }

  function baseOptions(yTitle) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, title: { display: Boolean(yTitle), text: yTitle || "" } }
      }
    };
  }

  function attributionChart() {
    var canvas = document.getElementById("attribution-chart");
    var data = readData("attribution-data");
    if (!canvas || !data) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: PALETTE[index % PALETTE.length], borderRadius: 3, maxBarThickness: 22 };
        })
      },
      options: baseOptions(data.unit === "conversions" ? "Conversions" : "Revenue (" + data.unit + ")")
    });
  }

  function holdoutCharts() {
    var data = readData("holdout-data");
    if (!data) return;
    var cumulative = document.getElementById("holdout-chart");
    if (cumulative) {
      new window.Chart(cumulative, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Actual", data: data.actual, borderColor: PALETTE[0], backgroundColor: PALETTE[0], pointRadius: 0, tension: 0.2 },
            { label: "Predicted", data: data.predicted, borderColor: PALETTE[3], backgroundColor: PALETTE[3], borderDash: [6, 4], pointRadius: 0, tension: 0.2 }
          ]
        },
        options: baseOptions("Cumulative repeat purchases")
      });
    }
    var byFrequency = document.getElementById("frequency-chart");
    if (byFrequency && data.frequency_labels.length) {
      new window.Chart(byFrequency, {
        type: "bar",
        data: {
          labels: data.frequency_labels,
          datasets: [
            { label: "Actual", data: data.frequency_actual, backgroundColor: PALETTE[0], borderRadius: 3, maxBarThickness: 26 },
            { label: "Predicted", data: data.frequency_predicted, backgroundColor: PALETTE[3], borderRadius: 3, maxBarThickness: 26 }
          ]
        },
        options: baseOptions("Average purchases after, by purchases before")
      });
    }
  }

  onReady(function () {
    if (typeof window.Chart !== "function") return;
    attributionChart();
    holdoutCharts();
  });
})();
