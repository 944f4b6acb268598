// The order form: a product fills in its line's description and price, and empty lines beyond the
// first stay folded away until "Add a line" is pressed (without this script every line shows).
(function () {
  "use strict";

  function lineIsEmpty(row) {
    return Array.prototype.every.call(row.querySelectorAll("input, select"), function (field) {
      return !field.value;
    });
  }

  function setUp(form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-line-row]"));
    var addButton = form.querySelector("[data-add-line]");
    var lastFilled = 0;
    rows.forEach(function (row, index) {
      if (!lineIsEmpty(row) || row.querySelector(".errorlist")) lastFilled = index;
    });
    rows.forEach(function (row, index) {
      if (index > lastFilled) row.hidden = true;
    });
    function refreshButton() {
      var hidden = rows.filter(function (row) { return row.hidden; });
      if (addButton) addButton.hidden = hidden.length === 0;
    }
    if (addButton) {
      addButton.addEventListener("click", function () {
        var next = rows.find(function (row) { return row.hidden; });
        if (next) {
          next.hidden = false;
          var first = next.querySelector("select, input");
          if (first) first.focus();
        }
        refreshButton();
      });
    }
    refreshButton();

    var currency = form.querySelector("select[name=currency]");
    form.addEventListener("change", function (event) {
      var select = event.target.closest("[data-line-product]");
      if (!select) return;
      var option = select.options[select.selectedIndex];
      var row = select.closest("[data-line-row]");
      var name = row.querySelector("input[name$='-name']");
      var price = row.querySelector("input[name$='-unit_price']");
      if (!option || !option.value) return;
      if (name && !name.value) name.value = option.getAttribute("data-name") || "";
      var sameCurrency = !currency || currency.value === option.getAttribute("data-currency");
      if (price && !price.value && sameCurrency) price.value = option.getAttribute("data-price") || "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-order-form]").forEach(setUp);
  });
})();
