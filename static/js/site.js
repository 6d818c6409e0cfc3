// backcare: the little JavaScript the site has. Everything works without it.
"use strict";

// After htmx swaps in new content, tell screen readers what changed, through the
// polite live region that stays outside every swap target.
// Several parts may ask to be read (a warning sign, then the number of results): in order.
document.addEventListener("htmx:afterSettle", function (event) {
  var source = event.detail.elt;
  var nodes = source && source.querySelectorAll ? Array.from(source.querySelectorAll("[data-announce]")) : [];
  if (!nodes.length && source && source.matches && source.matches("[data-announce]")) nodes = [source];
  var region = document.getElementById("announcer");
  if (nodes.length && region) {
    var text = nodes
      .map(function (node) {
        return node.textContent.trim().replace(/\s+/g, " ");
      })
      .join(" ");
    region.textContent = "";
    // A fresh text node after a tick, so the same words twice are still read out.
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }
});

// The plan's "Print" and "Copy" buttons only work with JavaScript, so they start hidden.
function setUpPlanButtons(root) {
  root.querySelectorAll(".print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  root.querySelectorAll(".copy-button").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copy).value;
      navigator.clipboard.writeText(text).then(function () {
        var region = document.getElementById("announcer");
        button.textContent = "Copied";
        if (region) region.textContent = "Your plan has been copied.";
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  setUpPlanButtons(document);
});

// htmx swaps only successful answers (and 422, a form to correct). Any other error would
// otherwise leave the page as it was, with nothing happening: load the address as a whole
// page instead, so the person sees the server's own page (503 with the emergency number,
// 404 with a way back, an expired form...).
// A failed form (an expired CSRF token, say) reloads the page it was on instead, with a
// fresh token: some of the addresses forms post to answer nothing to a plain GET.
document.addEventListener("htmx:responseError", function (event) {
  var config = event.detail.requestConfig;
  var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
  if (config && config.verb !== "get") path = window.location.href;
  window.location.assign(path || window.location.href);
});
