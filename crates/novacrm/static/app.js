// Progressive enhancement only: every step works without this file.
// On the calendar, show times in the browser's own zone unless the guest already chose one.
(function () {
  var form = document.querySelector("[data-zone-form]");
  if (!form || /[?&]tz=/.test(location.search)) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var input = form.querySelector("[name=tz]");
    if (zone && input && input.value !== zone) {
      var url = new URL(location.href);
      url.searchParams.set("tz", zone);
      location.replace(url.toString());
    }
  } catch (e) { /* keep the host's zone */ }
})();
// Dashboard: copy buttons.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) navigator.clipboard.writeText(field.value);
  button.textContent = "Copied";
});
