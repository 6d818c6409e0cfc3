// backcare: the little JavaScript the site has. Everything works without it.
"use strict";

// After htmx swaps in new content, tell screen readers what changed, through the
// polite live region that stays outside every swap target.
document.addEventListener("htmx:afterSettle", function (event) {
  var source = event.detail.elt;
  var node = source && source.querySelector ? source.querySelector("[data-announce]") : null;
  if (!node && source && source.matches && source.matches("[data-announce]")) node = source;
  var region = document.getElementById("announcer");
  if (node && region) {
    region.textContent = "";
    // A fresh text node after a tick, so the same words twice are still read out.
    window.setTimeout(function () {
      region.textContent = node.textContent.trim();
    }, 50);
  }
});
