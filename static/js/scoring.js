// Autosave of the juror's score sheet (progressive enhancement: the form works without it).
// Each field is sent on change to the form's data-score-url as JSON, with the CSRF token of the
// data-csrf attribute in the X-CSRF-Token header; the result is announced in the aria-live region.
(function () {
  "use strict";
  var form = document.querySelector("form.scoring[data-score-url]");
  if (!form || !window.fetch) {
    return;
  }
  var status = document.getElementById("save-status");

  function announce(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function label(field) {
    var fieldset = field.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    if (legend) {
      return legend.firstChild.textContent.trim();
    }
    var own = form.querySelector('label[for="' + field.id + '"]');
    return own ? own.textContent.trim() : field.name;
  }

  function save(field) {
    var name = field.name;
    if (!(name.indexOf("criterion_") === 0 || name === "comment" || name === "private_note")) {
      return;
    }
    if (name.indexOf("criterion_") === 0 && field.value.trim() === "") {
      return;
    }
    fetch(form.dataset.scoreUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ field: name, value: field.value })
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (result.ok) {
          field.removeAttribute("aria-invalid");
          announce(label(field) + " : " + form.dataset.saved);
        } else {
          var errors = result.data.errors || {};
          var message = errors[name] || errors[""] || form.dataset.failed;
          field.setAttribute("aria-invalid", "true");
          announce(label(field) + " : " + message);
        }
      })
      .catch(function () {
        announce(form.dataset.offline);
      });
  }

  form.addEventListener("change", function (event) {
    if (event.target && event.target.name) {
      save(event.target);
    }
  });
})();
