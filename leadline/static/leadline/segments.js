// The segment builder: edits the JSON tree in #segment-definition as rows of field / operator /
// value inside AND / OR groups, and asks the server for a live count after every change.
(function () {
  "use strict";

  var OP_LABELS = {
    equals: "is", not_equals: "is not", contains: "contains", starts_with: "starts with",
    in: "is any of", is_empty: "is empty", is_not_empty: "is not empty",
    eq: "=", neq: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤", between: "is between",
    before: "is before", after: "is after", within_last_days: "is within the last",
    is_true: "is yes", is_false: "is no", any: "any", not_in: "is not a member of",
    contains_any: "contains any of", contains_all: "contains all of", contains_none: "contains none of"
  };
  var BEHAVIOUR_LABELS = { contains: "URL contains", equals: "URL is", starts_with: "URL starts with", any: "any" };
  var TYPE_LABELS = {
    deal: { in_stage: "in stage", any_open: "that is open", any_won: "that was won", any_lost: "that was lost", any: "of any kind" },
    order: { any: "of anything", of_product: "of product" }
  };
  var NO_VALUE = ["is_empty", "is_not_empty", "is_true", "is_false", "any", "any_open", "any_won", "any_lost"];
  var LIST_OPS = ["in", "between", "contains_any", "contains_all", "contains_none", "in_stage", "of_product"];
  var SPLIT_OPS = ["in", "contains_any", "contains_all", "contains_none"];
  var MATCHES = [
    ["and", false, "All of"], ["or", false, "Any of"], ["or", true, "None of"], ["and", true, "Not all of"]
  ];
  var MAX_DEPTH = 4;

  var form, textarea, root, catalogue, fieldsByName = {}, tree;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") node.textContent = attributes[key];
      else if (key === "hidden") node.hidden = attributes[key];
      else node.setAttribute(key, attributes[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function option(value, label, selected) {
    var node = el("option", { value: value, text: label });
    if (selected) node.selected = true;
    return node;
  }

  // --- model <-> JSON ---------------------------------------------------------------------------

  function group(match, negate, children) { return { kind: "group", match: match, negate: negate, children: children }; }

  function parse(node) {
    if (!node || typeof node !== "object" || Array.isArray(node)) throw new Error("not a node");
    if ("field" in node) {
      var condition = { kind: "condition", field: node.field, op: node.op, value: node.value };
      if (node.min_count != null) condition.min_count = node.min_count;
      if (node.within_days != null) condition.within_days = node.within_days;
      if (node.currency != null) condition.currency = node.currency;
      return condition;
    }
    var keys = Object.keys(node);
    if (keys.length !== 1) throw new Error("not a node");
    if (keys[0] === "not") {
      var inner = parse(node.not);
      if (inner.kind === "group") { inner.negate = !inner.negate; return inner; }
      return group("and", true, [inner]);
    }
    if (keys[0] !== "and" && keys[0] !== "or") throw new Error("not a node");
    return group(keys[0], false, node[keys[0]].map(parse));
  }

  function numberOr(value) {
    if (value === "" || value == null) return value;
    var number = Number(value);
    return isNaN(number) ? value : number;
  }

  function serializeValue(condition, spec) {
    var op = condition.op, value = condition.value;
    if (NO_VALUE.indexOf(op) !== -1) return undefined;
    if (!spec) return value;
    if (op === "between") return (value || []).map(spec.type === "number" ? numberOr : function (v) { return v; });
    if (op === "within_last_days") return numberOr(value);
    if (SPLIT_OPS.indexOf(op) !== -1 && typeof value === "string") {
      return value.split(",").map(function (part) { return part.trim(); }).filter(Boolean);
    }
    if (spec.type === "number" || spec.type === "total") return numberOr(value);
    return value;
  }

  function serialize(node) {
    if (node.kind === "condition") {
      var spec = fieldsByName[node.field];
      var out = { field: node.field, op: node.op };
      var value = serializeValue(node, spec);
      if (value !== undefined) out.value = value;
      var extras = spec ? spec.extras || [] : [];
      if (extras.indexOf("min_count") !== -1 && node.min_count !== "" && node.min_count != null) out.min_count = numberOr(node.min_count);
      if (extras.indexOf("within_days") !== -1 && node.within_days !== "" && node.within_days != null) out.within_days = numberOr(node.within_days);
      if (extras.indexOf("currency") !== -1 && node.currency) out.currency = node.currency;
      return out;
    }
    var result = {};
    result[node.match] = node.children.map(serialize);
    return node.negate ? { not: result } : result;
  }

  function save() {
    textarea.value = tree.children.length ? JSON.stringify(serialize(tree)) : "";
    form.dispatchEvent(new CustomEvent("segment-changed", { bubbles: true }));
  }

  // --- rendering --------------------------------------------------------------------------------

  function newCondition() {
    var first = catalogue.fields[0];
    return { kind: "condition", field: first.field, op: first.operators[0], value: "" };
  }

  function fieldSelect(condition) {
    var select = el("select", { "aria-label": "Field" });
    var groups = {};
    catalogue.fields.forEach(function (spec) {
      if (!groups[spec.group]) {
        groups[spec.group] = el("optgroup", { label: spec.group });
        select.appendChild(groups[spec.group]);
      }
      groups[spec.group].appendChild(option(spec.field, spec.label, spec.field === condition.field));
    });
    if (!fieldsByName[condition.field]) select.appendChild(option(condition.field, condition.field + " (unknown)", true));
    select.addEventListener("change", function () {
      var before = fieldsByName[condition.field], spec = fieldsByName[select.value];
      condition.field = select.value;
      if (spec && (!before || before.type !== spec.type || spec.operators.indexOf(condition.op) === -1)) {
        condition.op = spec.operators[0];
      }
      condition.value = "";
      delete condition.min_count;
      delete condition.within_days;
      delete condition.currency;
      render(); save();
    });
    return select;
  }

  function opSelect(condition, spec) {
    var select = el("select", { "aria-label": "Operator" });
    var labels = spec && spec.type === "behaviour" ? BEHAVIOUR_LABELS : (spec && TYPE_LABELS[spec.type]) || OP_LABELS;
    var operators = spec ? spec.operators : [condition.op];
    operators.forEach(function (op) { select.appendChild(option(op, labels[op] || op, op === condition.op)); });
    if (spec && spec.type === "segment") {
      select.options[0].textContent = "is a member of";
    }
    select.addEventListener("change", function () {
      var wasList = LIST_OPS.indexOf(condition.op) !== -1;
      condition.op = select.value;
      if (wasList !== (LIST_OPS.indexOf(condition.op) !== -1)) condition.value = "";
      render(); save();
    });
    return select;
  }

  function input(type, value, label, onChange) {
    var node = el("input", { type: type, "aria-label": label });
    node.value = value == null ? "" : value;
    node.addEventListener("input", function () { onChange(node.value); save(); });
    return node;
  }

  function choiceSelect(choices, condition, multiple, label) {
    var select = el("select", { "aria-label": label });
    var current = Array.isArray(condition.value) ? condition.value : [condition.value];
    if (multiple) { select.multiple = true; select.size = Math.min(choices.length + groupCount(choices), 5); }
    else if (!condition.value && choices.length) condition.value = choices[0].value;
    var groups = {};
    choices.forEach(function (choice) {
      var parent = select;
      if (choice.group) {
        if (!groups[choice.group]) {
          groups[choice.group] = el("optgroup", { label: choice.group });
          select.appendChild(groups[choice.group]);
        }
        parent = groups[choice.group];
      }
      parent.appendChild(option(choice.value, choice.label, current.indexOf(choice.value) !== -1));
    });
    select.addEventListener("change", function () {
      condition.value = multiple
        ? Array.prototype.filter.call(select.options, function (o) { return o.selected; }).map(function (o) { return o.value; })
        : select.value;
      save();
    });
    return select;
  }

  function groupCount(choices) {
    var seen = {};
    choices.forEach(function (choice) { if (choice.group) seen[choice.group] = true; });
    return Object.keys(seen).length;
  }

  function valueEditor(condition, spec) {
    var op = condition.op;
    if (NO_VALUE.indexOf(op) !== -1 || !spec) return null;
    var set = function (value) { condition.value = value; };
    var type = spec.type;
    if (op === "between") {
      var pair = Array.isArray(condition.value) ? condition.value.slice() : ["", ""];
      condition.value = pair;
      var kind = type === "date" ? "date" : "number";
      return el("span", { class: "segment-between" }, [
        input(kind, pair[0], "From", function (v) { pair[0] = v; }),
        el("span", { class: "muted", text: "and" }),
        input(kind, pair[1], "To", function (v) { pair[1] = v; })
      ]);
    }
    if (op === "within_last_days") {
      return el("span", { class: "segment-between" }, [
        input("number", condition.value, "Days", set), el("span", { class: "muted", text: "days" })
      ]);
    }
    if (type === "choice" || type === "multi_choice") {
      var choices = spec.choices.map(function (c) { return { value: c, label: c.replace(/_/g, " ") }; });
      var several = op === "in" || type === "multi_choice";
      if (!choices.length) {
        var typed = input("text", Array.isArray(condition.value) ? condition.value.join(", ") : condition.value, "Value", set);
        if (several) typed.placeholder = "comma, separated, values";
        return typed;
      }
      return choiceSelect(choices, condition, several, "Value");
    }
    if (type === "deal") {
      if (!catalogue.stages.length) return el("span", { class: "muted", text: "No pipelines yet" });
      return choiceSelect(catalogue.stages, condition, true, "Deal stages");
    }
    if (type === "order") {
      if (!catalogue.products.length) return el("span", { class: "muted", text: "No products yet" });
      return choiceSelect(catalogue.products, condition, true, "Products");
    }
    if (type === "owner") {
      var owners = [{ value: "none", label: "Nobody (unassigned)" }].concat(catalogue.owners);
      return choiceSelect(owners, condition, op === "in", "Owner");
    }
    if (type === "segment") {
      if (!catalogue.segments.length) return el("span", { class: "muted", text: "No other segments yet" });
      return choiceSelect(catalogue.segments, condition, false, "Segment");
    }
    if (type === "number" || type === "total") return input("number", condition.value, "Value", set);
    if (type === "date") return input("date", condition.value, "Date", set);
    var text = Array.isArray(condition.value) ? condition.value.join(", ") : condition.value;
    var placeholder = op === "in" ? "comma, separated, values" : (type === "behaviour" ? (condition.field === "submitted_form" ? "form id" : "/pricing") : "");
    var box = input("text", text, "Value", set);
    if (placeholder) box.placeholder = placeholder;
    return box;
  }

  function behaviourExtras(condition) {
    return el("span", { class: "segment-extras" }, [
      el("span", { class: "muted", text: "at least" }),
      input("number", condition.min_count, "At least this many times", function (v) { condition.min_count = v; }),
      el("span", { class: "muted", text: "times in the last" }),
      input("number", condition.within_days, "Within this many days", function (v) { condition.within_days = v; }),
      el("span", { class: "muted", text: "days" })
    ]);
  }

  function withPlaceholder(node, text) { node.placeholder = text; return node; }

  function orderExtras(condition) {
    return el("span", { class: "segment-extras" }, [
      el("span", { class: "muted", text: "in the last" }),
      withPlaceholder(input("number", condition.within_days, "Within this many days (empty: ever)", function (v) { condition.within_days = v; }), "any"),
      el("span", { class: "muted", text: "days" })
    ]);
  }

  function currencyExtras(condition) {
    var select = el("select", { "aria-label": "Currency" });
    select.appendChild(option("", "in any currency", !condition.currency));
    catalogue.currencies.forEach(function (code) { select.appendChild(option(code, "in " + code, condition.currency === code)); });
    select.addEventListener("change", function () { condition.currency = select.value; save(); });
    return select;
  }

  function extrasFor(condition, spec) {
    var extras = spec ? spec.extras || [] : [];
    if (extras.indexOf("min_count") !== -1) return behaviourExtras(condition);
    if (extras.indexOf("within_days") !== -1) return orderExtras(condition);
    if (extras.indexOf("currency") !== -1) return currencyExtras(condition);
    return null;
  }

  function removeButton(label, onClick) {
    var button = el("button", { type: "button", class: "btn btn-ghost btn-sm segment-remove", "aria-label": label, title: label, text: "✕" });
    button.addEventListener("click", onClick);
    return button;
  }

  function renderCondition(condition, parent, index) {
    var spec = fieldsByName[condition.field];
    var row = el("div", { class: "segment-row", role: "group", "aria-label": "Condition " + (index + 1) }, [
      fieldSelect(condition), opSelect(condition, spec), valueEditor(condition, spec), extrasFor(condition, spec),
      removeButton("Remove condition " + (index + 1), function () {
        parent.children.splice(index, 1); render(); save();
      })
    ]);
    return row;
  }

  function renderGroup(node, parent, index, depth) {
    var matchSelect = el("select", { "aria-label": "How the conditions combine" });
    MATCHES.forEach(function (match, position) {
      matchSelect.appendChild(option(String(position), match[2], match[0] === node.match && match[1] === node.negate));
    });
    matchSelect.addEventListener("change", function () {
      var match = MATCHES[Number(matchSelect.value)];
      node.match = match[0]; node.negate = match[1];
      save();
    });
    var addCondition = el("button", { type: "button", class: "btn btn-sm", text: "+ Condition" });
    addCondition.addEventListener("click", function () {
      node.children.push(newCondition()); render(); save();
      var rows = root.querySelectorAll(".segment-row select");
      if (rows.length) rows[rows.length - 1].focus();
    });
    var header = el("div", { class: "segment-group-header" }, [
      matchSelect, el("span", { class: "muted", text: "these conditions" }), addCondition
    ]);
    if (depth < MAX_DEPTH) {
      var addGroup = el("button", { type: "button", class: "btn btn-sm", text: "+ Group" });
      addGroup.addEventListener("click", function () {
        node.children.push(group("or", false, [newCondition()])); render(); save();
      });
      header.appendChild(addGroup);
    }
    if (parent) {
      header.appendChild(removeButton("Remove this group", function () {
        parent.children.splice(index, 1); render(); save();
      }));
    }
    var body = el("div", { class: "segment-group-body" });
    node.children.forEach(function (child, position) {
      body.appendChild(child.kind === "group" ? renderGroup(child, node, position, depth + 1) : renderCondition(child, node, position));
    });
    if (!node.children.length) body.appendChild(el("p", { class: "muted small", text: "No conditions yet: add one to start." }));
    return el("div", { class: "segment-group" + (parent ? " segment-subgroup" : ""), role: "group" }, [header, body]);
  }

  function render() {
    root.textContent = "";
    root.appendChild(renderGroup(tree, null, 0, 1));
  }

  function toggleKind() {
    var checked = form.querySelector("[data-segment-kind]:checked");
    var conditions = form.querySelector("[data-segment-conditions]");
    if (checked && conditions) conditions.hidden = checked.value === "static";
  }

  function start() {
    form = document.getElementById("segment-form");
    textarea = document.getElementById("segment-definition");
    root = document.getElementById("segment-builder");
    if (!form || !textarea || !root) return;
    form.querySelectorAll("[data-segment-kind]").forEach(function (radio) { radio.addEventListener("change", toggleKind); });
    var data = document.getElementById(root.getAttribute("data-catalogue-id"));
    catalogue = JSON.parse(data.textContent);
    catalogue.fields.forEach(function (spec) { fieldsByName[spec.field] = spec; });
    try {
      var raw = textarea.value.trim();
      tree = raw ? parse(JSON.parse(raw)) : group("and", false, [newCondition()]);
      if (tree.kind !== "group") tree = group("and", false, [tree]);
    } catch (error) {
      return; // leave the JSON editor for trees the rows cannot show
    }
    textarea.closest(".segment-raw").hidden = true;
    render();
    // htmx wires the form's trigger once the page has loaded; ask for the first count after that.
    if (document.readyState === "complete") save();
    else window.addEventListener("load", save);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
