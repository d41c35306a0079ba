// NovaCRM booking page embed (docs/DESIGN.md §13). On your site:
//   <div data-novacrm-url="https://…/book/jane"></div>            an inline frame that sizes itself
//   <button data-novacrm-popup="https://…/book/jane">Book</button> opens the page in a dialog
//   <script src="https://…/embed.js" async></script>
// When a guest books, the element dispatches a bubbling `novacrm:booked` event whose `detail`
// is {bookingId, start, end, meetingTypeId}. Only sites the host allows may show the page.
(function () {
  "use strict";
  if (window.__novacrmEmbed) return;
  window.__novacrmEmbed = true;
  var frames = [];
  function frame(address) {
    var url;
    try { url = new URL(address, location.href); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    url.searchParams.set("embed", "1");
    var f = document.createElement("iframe");
    f.src = url.href;
    f.title = "Book a meeting";
    f.setAttribute("loading", "lazy");
    f.style.cssText = "display:block;width:100%;min-width:280px;height:720px;border:0;background:transparent";
    return { element: f, origin: url.origin };
  }
  function inline(host) {
    if (host.hasAttribute("data-novacrm-ready")) return;
    var made = frame(host.getAttribute("data-novacrm-url"));
    if (!made) return;
    host.setAttribute("data-novacrm-ready", "");
    host.appendChild(made.element);
    frames.push({ frame: made.element, origin: made.origin, host: host, sizes: true });
  }
  function popup(button) {
    if (button.hasAttribute("data-novacrm-ready")) return;
    button.setAttribute("data-novacrm-ready", "");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var made = frame(button.getAttribute("data-novacrm-popup"));
      if (!made) return;
      var dialog = document.createElement("dialog");
      dialog.setAttribute("aria-label", "Book a meeting");
      dialog.style.cssText = "width:min(960px,96vw);height:min(900px,92vh);padding:0;border:0;border-radius:12px;overflow:hidden";
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "\u00d7";
      close.setAttribute("aria-label", "Close");
      close.style.cssText = "font-size:28px;line-height:1;background:none;border:0;width:44px;height:44px;cursor:pointer";
      close.addEventListener("click", function () { dialog.close(); });
      var bar = document.createElement("div");
      bar.style.cssText = "display:flex;justify-content:flex-end;height:44px";
      bar.appendChild(close);
      made.element.style.height = "calc(100% - 44px)";
      dialog.appendChild(bar);
      dialog.appendChild(made.element);
      dialog.addEventListener("close", function () {
        frames = frames.filter(function (f) { return f.frame !== made.element; });
        dialog.remove();
        button.focus();
      });
      document.body.appendChild(dialog);
      frames.push({ frame: made.element, origin: made.origin, host: button, sizes: false });
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    });
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data.type !== "string") return;
    frames.forEach(function (f) {
      if (f.frame.contentWindow !== event.source || f.origin !== event.origin) return;
      if (data.type === "novacrm:height" && f.sizes && data.height > 0) {
        f.frame.style.height = Math.ceil(Math.min(data.height, 20000)) + "px";
      } else if (data.type === "novacrm:booked") {
        var detail = { bookingId: data.bookingId, start: data.start, end: data.end, meetingTypeId: data.meetingTypeId };
        f.host.dispatchEvent(new CustomEvent("novacrm:booked", { bubbles: true, detail: detail }));
      }
    });
  });
  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-novacrm-url]"), inline);
    Array.prototype.forEach.call(document.querySelectorAll("[data-novacrm-popup]"), popup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan); else scan();
})();
