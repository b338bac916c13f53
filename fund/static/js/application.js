// Progressive enhancement for the application form: live totals, a character
// counter, autosave every few seconds, and one click per submit button.
// Everything here also works without JavaScript, through the server.
(function () {
  "use strict";

  var nf = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-GB" : "nb-NO");

  function number(input) {
    var value = (input && input.value || "").replace(/[\s\u00a0.]/g, "");
    return /^\d+$/.test(value) ? parseInt(value, 10) : 0;
  }

  function kroner(amount) { return "kr\u00a0" + nf.format(amount); }

  function recalc() {
    var cost = 0, financing = 0;
    document.querySelectorAll('[data-sum="cost"]').forEach(function (el) { cost += number(el); });
    document.querySelectorAll("#financing tbody tr").forEach(function (row) {
      var kind = row.querySelector("select"), cells = row.querySelectorAll("input");
      var hours = number(cells[1]), rate = number(cells[2]), amount = number(cells[3]);
      if (kind && kind.value === "own_work" && hours && rate) {
        amount = hours * rate;
        if (cells[3] && !cells[3].value) { cells[3].placeholder = nf.format(amount); }
      }
      financing += amount;
    });
    var applied = number(document.getElementById("amount_applied"));
    financing += applied;
    var set = function (id, text) { var el = document.getElementById(id); if (el) el.textContent = text; };
    set("total-cost", kroner(cost));
    set("total-financing", kroner(financing));
    set("share-applied", cost && applied ? nf.format(Math.round(applied * 1000 / cost) / 10) + "\u00a0%" : "–");
  }

  function counter() {
    var summary = document.getElementById("summary"), out = document.getElementById("summary-counter");
    if (!summary || !out) return;
    var max = parseInt(out.getAttribute("data-max"), 10), used = summary.value.length;
    var text = out.getAttribute("data-template").replace("{n}", used).replace("{max}", max);
    if (used > max) text += " – " + out.getAttribute("data-over").replace("{over}", used - max);
    out.textContent = text;
    out.classList.toggle("over", used > max);
  }

  function autosave(form) {
    var url = form.getAttribute("data-autosave-url"), status = document.getElementById("autosave-status");
    // What was typed before this script ran (a slow connection) counts as a change too.
    var dirty = Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return "defaultValue" in el && el.type !== "file" && el.value !== el.defaultValue;
    });
    var busy = null, stopped = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function (event) {
      stopped = true;
      // An autosave on its way changes the version: send the form once it is back, or the
      // server takes this save for someone else's and refuses it.
      if (busy) {
        event.preventDefault();
        var submitter = event.submitter;
        busy.then(function () { form.requestSubmit(submitter); });
      }
    });
    setInterval(function () {
      if (!dirty || busy || stopped) return;
      dirty = false;
      var data = new FormData(form);
      data.delete("files");
      busy = fetch(url, { method: "POST", body: data, credentials: "same-origin",
                   headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
        .then(function (pair) {
          var response = pair[0], body = pair[1];
          if (response.ok && body.ok) {
            form.querySelector('input[name="version"]').value = body.version;
            status.textContent = body.message;
          } else {
            stopped = response.status === 409;
            status.textContent = body.message || form.getAttribute("data-msg-failed");
          }
        })
        .catch(function () { dirty = true; status.textContent = form.getAttribute("data-msg-offline"); })
        .then(function () { busy = null; });
    }, 5000);
  }

  document.querySelectorAll("button[data-once]").forEach(function (button) {
    button.form && button.form.addEventListener("submit", function () {
      setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
    });
  });

  // Show the "how" sentence only for chosen measures (all are shown without JavaScript).
  function toggleHow(checkbox) {
    var item = checkbox.closest("li"), how = item && item.querySelector(".how");
    if (how) how.hidden = !checkbox.checked && !how.querySelector("input").value;
  }

  // Ask for the partners' names only once the applicant says there are partners.
  function togglePartners(part) {
    var box = document.getElementById(part.getAttribute("data-shown-by"));
    var text = part.querySelector("textarea");
    if (box) part.hidden = !box.checked && !(text && text.value);
  }

  var form = document.getElementById("application-form");
  if (form) {
    form.querySelectorAll("[data-shown-by]").forEach(function (part) {
      var box = document.getElementById(part.getAttribute("data-shown-by"));
      togglePartners(part);
      if (box) box.addEventListener("change", function () { togglePartners(part); });
    });
    form.querySelectorAll('input[name="measure"]').forEach(function (box) {
      toggleHow(box);
      box.addEventListener("change", function () { toggleHow(box); });
    });
    form.addEventListener("input", function (event) {
      if (event.target.id === "summary") counter(); else recalc();
    });
    form.addEventListener("change", recalc);
    counter();
    recalc();
    if (form.getAttribute("data-autosave-url")) autosave(form);
  }
})();
