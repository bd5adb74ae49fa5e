// Casebook's own script. No inline scripts anywhere: this file is the only place for behaviour.
// A button marked data-once is disabled after its form is submitted, so a double-click sends once.
// (The server also refuses a repeated submission: this only spares the wait.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  form.querySelectorAll("button[data-once]").forEach(function (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
  });
});
