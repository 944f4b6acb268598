/*! Leadline form embed. Install with:
 *   <div data-leadline-form="SLUG"></div>
 *   <script src="https://YOUR-LEADLINE/f/SLUG/embed.js" async></script>
 */
(function (config, window, document) {
{% verbatim %}
  "use strict";
  var HONEYPOT = "ll_hp";
  var TOKEN = "ll_token";
  var UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];
  var STYLE_ID = "ll-embed-style";
  var CSS = [
    ".ll-embed{font:inherit;max-width:560px}",
    ".ll-embed .ll-e-field{margin:0 0 14px}",
    ".ll-embed label,.ll-embed legend{display:block;font-weight:600;margin:0 0 4px}",
    ".ll-embed input[type=text],.ll-embed input[type=email],.ll-embed input[type=tel],.ll-embed input[type=number],.ll-embed input[type=date],.ll-embed select{box-sizing:border-box;width:100%;padding:9px 11px;border:1px solid #b8bfd3;border-radius:8px;font:inherit;background:#fff;color:inherit}",
    ".ll-embed input:focus,.ll-embed select:focus{outline:2px solid #4f46e5;outline-offset:1px}",
    ".ll-embed .ll-e-check{display:flex;gap:8px;align-items:flex-start;font-weight:400}",
    ".ll-embed fieldset{border:0;padding:0;margin:0}",
    ".ll-embed .ll-e-help{font-size:.85em;opacity:.75;margin-top:3px}",
    ".ll-embed .ll-e-error{color:#b42318;font-size:.88em;margin-top:4px}",
    ".ll-embed .ll-e-invalid input,.ll-embed .ll-e-invalid select{border-color:#b42318}",
    ".ll-embed .ll-e-alert{border:1px solid #f3b7b1;background:#fdeeec;color:#8c1d13;border-radius:8px;padding:10px 12px;margin:0 0 14px}",
    ".ll-embed .ll-e-alert p{margin:0}",
    ".ll-embed .ll-e-submit{background:#4f46e5;color:#fff;border:0;border-radius:8px;padding:10px 18px;font:inherit;font-weight:600;cursor:pointer}",
    ".ll-embed .ll-e-submit[disabled]{opacity:.6;cursor:progress}",
    ".ll-embed .ll-e-thanks{border:1px solid #b7e4cf;background:#ecf8f2;color:#0b5d3b;border-radius:8px;padding:14px 16px;white-space:pre-line}"
  ].join("\n");
  var counter = 0;

  function make(tag, attributes, text) {
    var element = document.createElement(tag);
    if (attributes) {
      for (var name in attributes) {
        if (Object.prototype.hasOwnProperty.call(attributes, name) && attributes[name] !== null && attributes[name] !== undefined && attributes[name] !== false) {
          element.setAttribute(name, attributes[name] === true ? "" : String(attributes[name]));
        }
      }
    }
    if (text) element.textContent = text;
    return element;
  }

  function addStyle() {
    if (document.getElementById(STYLE_ID)) return;
    var style = make("style", { id: STYLE_ID });
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function visitorId() {
    try {
      var tracker = window.leadline;
      if (tracker && typeof tracker.visitorId === "function") {
        var id = tracker.visitorId();
        if (id) return String(id);
      }
    } catch (error) { /* the tracking snippet is optional */ }
    var match = document.cookie.match(/(?:^|;\s*)_ll_vid=([0-9a-fA-F-]{36})(?:;|$)/);
    return match ? match[1] : "";
  }

  function pageParameter(name) {
    try { return new URL(window.location.href).searchParams.get(name) || ""; } catch (error) { return ""; }
  }

  function hideOffscreen(element) {
    // Set through the style object, which a strict Content-Security-Policy on the host page allows.
    element.style.position = "absolute";
    element.style.left = "-10000px";
    element.style.width = "1px";
    element.style.height = "1px";
    element.style.overflow = "hidden";
  }

  function render(container) {
    counter += 1;
    var prefix = "ll-" + config.slug + "-" + counter + "-";
    var state = { token: config.token, inputs: {} };
    var root = make("div", { "class": "ll-embed" });
    var form = make("form", { "class": "ll-e-form", novalidate: true });
    var alertBox = make("div", { "class": "ll-e-alert", role: "alert", tabindex: "-1" });
    alertBox.hidden = true;
    if (config.introduction) form.appendChild(make("p", { "class": "ll-e-intro" }, config.introduction));
    form.appendChild(alertBox);

    config.fields.forEach(function (field) {
      var id = prefix + field.name;
      var wrapper = make("div", { "class": "ll-e-field" });
      var error = make("div", { "class": "ll-e-error", id: id + "-error" });
      error.hidden = true;
      var help = field.help_text ? make("div", { "class": "ll-e-help", id: id + "-help" }, field.help_text) : null;
      var describedBy = help ? id + "-help" : null;
      var labelText = field.label + (field.required ? " *" : "");
      var controls = [];
      if (field.widget === "checkbox") {
        var box = make("input", { type: "checkbox", id: id, name: field.name, value: "yes", "aria-describedby": describedBy });
        var checkLabel = make("label", { "class": "ll-e-check", "for": id });
        checkLabel.appendChild(box);
        checkLabel.appendChild(make("span", null, labelText));
        wrapper.appendChild(checkLabel);
        controls.push(box);
      } else if (field.widget === "checkboxes") {
        var group = make("fieldset", { id: id, "aria-describedby": describedBy });
        group.appendChild(make("legend", null, labelText));
        field.choices.forEach(function (choice, index) {
          var option = make("input", { type: "checkbox", id: id + "-" + index, name: field.name, value: choice[0] });
          var optionLabel = make("label", { "class": "ll-e-check", "for": id + "-" + index });
          optionLabel.appendChild(option);
          optionLabel.appendChild(make("span", null, choice[1]));
          group.appendChild(optionLabel);
          controls.push(option);
        });
        wrapper.appendChild(group);
      } else if (field.widget === "select") {
        wrapper.appendChild(make("label", { "for": id }, labelText));
        var select = make("select", { id: id, name: field.name, required: field.required, "aria-describedby": describedBy });
        select.appendChild(make("option", { value: "" }, "Choose…"));
        field.choices.forEach(function (choice) { select.appendChild(make("option", { value: choice[0] }, choice[1])); });
        wrapper.appendChild(select);
        controls.push(select);
      } else {
        wrapper.appendChild(make("label", { "for": id }, labelText));
        var input = make("input", {
          id: id, name: field.name, type: field.widget, placeholder: field.placeholder || null,
          autocomplete: field.autocomplete || null, required: field.required, maxlength: "5000",
          "aria-describedby": describedBy
        });
        wrapper.appendChild(input);
        controls.push(input);
      }
      if (help) wrapper.appendChild(help);
      wrapper.appendChild(error);
      form.appendChild(wrapper);
      state.inputs[field.name] = { field: field, controls: controls, wrapper: wrapper, error: error, label: field.label };
    });

    if (config.consent) {
      var consentId = prefix + "consent";
      var consentWrapper = make("div", { "class": "ll-e-field ll-e-consent" });
      var consentBox = make("input", { type: "checkbox", id: consentId, name: "consent", value: "yes", required: config.consent.required });
      var consentLabel = make("label", { "class": "ll-e-check", "for": consentId });
      consentLabel.appendChild(consentBox);
      consentLabel.appendChild(make("span", null, config.consent.text));
      var consentError = make("div", { "class": "ll-e-error", id: consentId + "-error" });
      consentError.hidden = true;
      consentWrapper.appendChild(consentLabel);
      consentWrapper.appendChild(consentError);
      form.appendChild(consentWrapper);
      state.inputs.consent = { field: { widget: "checkbox" }, controls: [consentBox], wrapper: consentWrapper, error: consentError, label: "Consent" };
    }

    var trap = make("div", { "aria-hidden": "true" });
    hideOffscreen(trap);
    trap.appendChild(make("label", { "for": prefix + "hp" }, "Leave this field empty"));
    var trapInput = make("input", { type: "text", id: prefix + "hp", name: HONEYPOT, tabindex: "-1", autocomplete: "off" });
    trap.appendChild(trapInput);
    form.appendChild(trap);

    var button = make("button", { type: "submit", "class": "ll-e-submit" }, config.submitLabel || "Send");
    form.appendChild(button);
    root.appendChild(form);
    container.appendChild(root);

    function showErrors(message, errors) {
      alertBox.textContent = "";
      alertBox.appendChild(make("p", null, message || "Please check the highlighted answers."));
      var firstInvalid = null;
      Object.keys(errors || {}).forEach(function (name) {
        var entry = state.inputs[name];
        var text = (errors[name] || []).join(" ");
        if (!entry) {
          alertBox.appendChild(make("p", null, text));
          return;
        }
        entry.error.textContent = text;
        entry.error.hidden = false;
        entry.wrapper.className += " ll-e-invalid";
        entry.controls.forEach(function (control) {
          control.setAttribute("aria-invalid", "true");
          var existing = control.getAttribute("aria-describedby");
          control.setAttribute("aria-describedby", (existing ? existing + " " : "") + entry.error.id);
        });
        if (!firstInvalid) firstInvalid = entry.controls[0];
      });
      alertBox.hidden = false;
      alertBox.focus();
      return firstInvalid;
    }

    function clearErrors() {
      alertBox.hidden = true;
      Object.keys(state.inputs).forEach(function (name) {
        var entry = state.inputs[name];
        entry.error.hidden = true;
        entry.error.textContent = "";
        entry.wrapper.className = entry.wrapper.className.replace(/\s*ll-e-invalid/g, "");
        entry.controls.forEach(function (control) {
          control.removeAttribute("aria-invalid");
          var describedBy = (control.getAttribute("aria-describedby") || "").replace(entry.error.id, "").trim();
          if (describedBy) control.setAttribute("aria-describedby", describedBy); else control.removeAttribute("aria-describedby");
        });
      });
    }

    function body() {
      var data = new URLSearchParams();
      Object.keys(state.inputs).forEach(function (name) {
        var entry = state.inputs[name];
        entry.controls.forEach(function (control) {
          if (control.type === "checkbox") {
            if (control.checked) data.append(name, control.value);
          } else {
            data.append(name, control.value);
          }
        });
      });
      data.append(HONEYPOT, trapInput.value);
      data.append(TOKEN, state.token);
      data.append("ll_page", window.location.href);
      data.append("ll_referrer", document.referrer || "");
      data.append("ll_visitor", visitorId());
      UTM.forEach(function (name) { data.append(name, pageParameter(name)); });
      return data;
    }

    function thank(message) {
      root.textContent = "";
      var thanks = make("div", { "class": "ll-e-thanks", role: "status", tabindex: "-1" }, message);
      root.appendChild(thanks);
      thanks.focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      window.fetch(config.endpoint, { method: "POST", body: body(), mode: "cors", credentials: "omit" })
        .then(function (response) {
          return response.json().then(function (data) { return data; }, function () {
            return { ok: false, message: "Something went wrong (" + response.status + "). Please try again." };
          });
        })
        .then(function (data) {
          if (data.ok) {
            if (data.redirect) window.location.assign(data.redirect);
            else thank(data.message || "Thank you!");
            return;
          }
          if (data.token) state.token = data.token;
          var first = showErrors(data.message, data.errors);
          if (first && first.focus) first.focus();
        }, function () {
          showErrors("We could not send the form. Check your connection and try again.", {});
        })
        .then(function () {
          button.disabled = false;
          button.removeAttribute("aria-busy");
        });
    });
  }

  function start() {
    addStyle();
    var containers = document.querySelectorAll("[data-leadline-form]");
    var drawn = 0;
    for (var i = 0; i < containers.length; i++) {
      var container = containers[i];
      if (container.getAttribute("data-leadline-form") !== config.slug || container.getAttribute("data-leadline-ready")) continue;
      container.setAttribute("data-leadline-ready", "true");
      render(container);
      drawn += 1;
    }
    if (!drawn && script && script.parentNode) {
      var fallback = make("div", { "data-leadline-form": config.slug, "data-leadline-ready": "true" });
      script.parentNode.insertBefore(fallback, script.nextSibling);
      render(fallback);
    }
  }

  var script = document.currentScript;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
{% endverbatim %}
})({{ config|safe }}, window, document);
