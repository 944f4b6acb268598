// Workflow screens: show only the selected trigger's settings.
(function () {
  "use strict";
  function showTrigger(select) {
    document.querySelectorAll("[data-trigger-fields]").forEach(function (group) {
      var shown = group.getAttribute("data-trigger-fields") === select.value;
      group.hidden = !shown;
      group.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !shown; });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-trigger-select]")) showTrigger(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("[data-trigger-select]");
    if (select) showTrigger(select);
  });
})();
