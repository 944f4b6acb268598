// Rule form: show only the part (fit or engagement) that matches the chosen category.
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name=category]");
    if (!select) return;
    form.querySelectorAll(".scoring-part").forEach(function (part) {
      part.hidden = part.getAttribute("data-category") !== select.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scoring-rule-form]").forEach(function (form) {
      sync(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "category") sync(form);
      });
    });
  });
})();
