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
// Booking form: solve the proof-of-work challenge (ALTCHA v2, SHA-256) while the guest types;
// a press of "Book" before it is done waits for it. Without Web Crypto the form is sent as is
// and the server takes the no-JavaScript path.
(function () {
  var form = document.querySelector("form[data-altcha]");
  var subtle = window.crypto && window.crypto.subtle;
  if (!form || !subtle || !window.Promise) return;
  var out = form.querySelector("[name=altcha]");
  var challenge;
  try { challenge = JSON.parse(atob(form.querySelector("[name=altcha_challenge]").value)); } catch (e) { return; }
  var p = challenge.parameters;
  function bytes(hex) {
    var b = new Uint8Array(hex.length / 2);
    for (var i = 0; i < b.length; i++) b[i] = parseInt(hex.substr(i * 2, 2), 16);
    return b;
  }
  function hex(b) {
    for (var s = "", i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }
  var salt = bytes(p.salt), nonce = bytes(p.nonce), prefix = bytes(p.keyPrefix.toLowerCase());
  var started = Date.now();
  function derive(counter) {
    var data = new Uint8Array(salt.length + nonce.length + 4);
    data.set(salt);
    data.set(nonce, salt.length);
    new DataView(data.buffer).setUint32(salt.length + nonce.length, counter);
    var rounds = Math.max(p.cost || 1, 1), next = Promise.resolve(data);
    for (var r = 0; r < rounds; r++) next = next.then(function (d) { return subtle.digest("SHA-256", d); });
    return next.then(function (d) { return new Uint8Array(d).subarray(0, p.keyLength); });
  }
  function matches(key) {
    for (var i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
    return true;
  }
  function batch(from) {
    var tries = [];
    for (var c = from; c < from + 500; c++) tries.push(derive(c));
    return Promise.all(tries).then(function (keys) {
      for (var i = 0; i < keys.length; i++) {
        if (matches(keys[i])) {
          var solution = { counter: from + i, derivedKey: hex(keys[i]), time: Date.now() - started };
          out.value = btoa(JSON.stringify({ challenge: challenge, solution: solution }));
          return;
        }
      }
      if (from < 5000000) return batch(from + 500);
    });
  }
  var solved = batch(0).catch(function () { /* the server's no-JavaScript path */ });
  var sending = false;
  form.addEventListener("submit", function (event) {
    if (out.value || sending) return;
    event.preventDefault();
    sending = true;
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    solved.then(function () { form.submit(); });
  });
})();
