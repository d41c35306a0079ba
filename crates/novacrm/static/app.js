// Progressive enhancement only: every step works without this file.
// Time zone: remember the browser's zone in a cookie, so every page after the first renders
// in it at once. A page that only guessed the zone (first visit) keeps its times hidden and,
// if the browser's zone differs, fetches itself in that zone and swaps the picker in place.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { /* none */ }
  if (zone && !/(^|;\s*)tz=/.test(document.cookie)) rememberZone(zone);
  var picker = document.querySelector("[data-tz-guess]");
  function show() { if (picker) picker.removeAttribute("data-tz-guess"); }
  if (picker && zone && zone !== picker.getAttribute("data-tz-guess") && window.fetch) {
    var url = new URL(location.href);
    url.searchParams.set("tz", zone);
    fetch(url.toString(), { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw r;
      return r.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-picker]");
      if (!fresh) throw html;
      picker.replaceWith(document.importNode(fresh, true));
      picker = null;
      history.replaceState(null, "", url.toString());
      enhanceZones();
    }).catch(show);
  } else {
    show();
  }
  enhanceZones();
})();
function rememberZone(name) {
  document.cookie = "tz=" + name + "; path=/; max-age=31536000; samesite=lax";
}
// Zone selects: a search box that filters by city, country, zone name, abbreviation and the
// zone's long name ("Berlin", "Germany", "CET", "Central European Time"); on the booking page
// a choice applies at once and is remembered.
function enhanceZones() {
  var selects = document.querySelectorAll("select[data-zone-select]:not([data-enhanced])");
  Array.prototype.forEach.call(selects, function (select) {
    select.setAttribute("data-enhanced", "");
    // Sign-up: start from the browser's zone.
    try {
      var own = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (select.hasAttribute("data-prefill") && own && select.querySelector('option[value="' + own + '"]')) select.value = own;
    } catch (e) { /* keep the server's guess */ }
    var search = document.createElement("input");
    search.type = "search";
    search.className = "zone-search";
    // The page's words when it gives them (guest pages, in the guest's language).
    var words = select.closest("[data-search]");
    search.placeholder = words ? words.getAttribute("data-search") : "Search a city, country or zone";
    search.setAttribute("aria-label", words ? words.getAttribute("data-search-label") : "Search time zones");
    search.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(search, select);
    var all = Array.prototype.map.call(select.options, function (o) {
      return { option: o, group: o.parentNode, text: null };
    });
    function names(o) {
      var words = [o.value.replace(/_/g, " "), o.text];
      [document.documentElement.lang || "en", "en-US", "en-GB"].forEach(function (locale) {
        ["short", "long", "longGeneric", "shortGeneric"].forEach(function (style) {
          try {
            var parts = new Intl.DateTimeFormat(locale, { timeZone: o.value, timeZoneName: style }).formatToParts(new Date());
            parts.forEach(function (p) { if (p.type === "timeZoneName") words.push(p.value); });
          } catch (e) { /* an engine without this style */ }
        });
      });
      return words.join(" ").toLowerCase();
    }
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var shown = 0;
      all.forEach(function (z) {
        if (q && z.text === null) z.text = names(z.option);
        var hit = !q || z.text.indexOf(q) !== -1;
        if (hit) { z.group.appendChild(z.option); shown++; } else if (z.option.parentNode) { z.option.remove(); }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) { g.hidden = !g.children.length; });
      select.size = q ? Math.max(2, Math.min(8, shown)) : 0;
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && select.options.length) { event.preventDefault(); select.focus(); }
      if (event.key === "Enter" && select.options.length) { event.preventDefault(); select.selectedIndex = 0; choose(); }
    });
    var form = select.form;
    function choose() {
      if (!form || !form.hasAttribute("data-zone-form") || !select.value) return;
      rememberZone(select.value);
      form.submit();
    }
    select.addEventListener("change", function () { if (select.size) choose(); });
    select.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); choose(); } });
    select.addEventListener("click", function (event) { if (select.size && event.target.tagName === "OPTION") choose(); });
    if (form && form.hasAttribute("data-zone-form")) form.addEventListener("submit", function () { rememberZone(select.value); });
  });
}
// Dashboard: the menu is open in the page (so it works without this file); on a phone it
// starts folded behind its "Menu" button.
(function () {
  var menu = document.querySelector("details.menu");
  if (menu && window.matchMedia && window.matchMedia("(max-width: 47.99rem)").matches) menu.open = false;
})();
// Profile: picking a colour means not using the default one.
document.addEventListener("input", function (event) {
  if (event.target.type !== "color" || !event.target.form) return;
  var fallback = event.target.form.querySelector("[name=defaultBrand]");
  if (fallback) fallback.checked = false;
});
// Dashboard: copy buttons.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) navigator.clipboard.writeText(field.value);
  button.textContent = "Copied";
  // In a form (the home page's link), copying also tells the server, without leaving.
  var form = button.form;
  if (form && window.fetch) {
    event.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    body.set("copied", "1");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" });
  }
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
// Embedded in a site (`?embed=1`, see /embed.js): tell the parent page how tall this page is,
// and that a booking was made. The parent is one of the sites the host allows (the page's
// frame-ancestors), so the booking's id and times may go to it.
(function () {
  if (!document.documentElement.hasAttribute("data-embedded") || window.parent === window) return;
  function send(message) { window.parent.postMessage(message, "*"); }
  var last = 0;
  function height() {
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== last) { last = h; send({ type: "novacrm:height", height: h }); }
  }
  if (window.ResizeObserver) new ResizeObserver(height).observe(document.documentElement);
  window.addEventListener("load", height);
  height();
  var booked = document.querySelector("[data-novacrm-booked]");
  if (booked) {
    try {
      var detail = JSON.parse(booked.getAttribute("data-novacrm-booked"));
      detail.type = "novacrm:booked";
      send(detail);
    } catch (e) { /* nothing to tell */ }
  }
})();
