// backcare: the little JavaScript the site has. Everything works without it.
"use strict";

// After htmx swaps in new content, tell screen readers what changed, through the
// polite live region that stays outside every swap target.
document.addEventListener("htmx:afterSettle", function (event) {
  var source = event.detail.elt;
  var node = source && source.querySelector ? source.querySelector("[data-announce]") : null;
  if (!node && source && source.matches && source.matches("[data-announce]")) node = source;
  var region = document.getElementById("announcer");
  // htmx moved focus into the new content (the question's heading, an error summary):
  // a screen reader reads that already, and once is enough.
  var focused = document.activeElement;
  if (focused && focused !== document.body && node && node.closest("#check") && focused.closest("#check")) return;
  if (node && region) {
    region.textContent = "";
    // A fresh text node after a tick, so the same words twice are still read out.
    window.setTimeout(function () {
      region.textContent = node.textContent.trim();
    }, 50);
  }
});

// The plan's "Share", "Print" and "Copy" buttons only work with JavaScript, so they start
// hidden. Share uses the phone's own share sheet where there is one, else copies the text.
function copied(button, words) {
  var region = document.getElementById("announcer");
  button.textContent = words;
  if (region) region.textContent = "Your plan has been copied.";
}

function setUpPlanButtons(root) {
  root.querySelectorAll(".share-button").forEach(function (button) {
    var text = function () {
      return document.getElementById(button.dataset.share).value;
    };
    if (navigator.share) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.dataset.title, text: text() }).catch(function () {});
      });
    } else if (navigator.clipboard) {
      button.hidden = false;
      button.textContent = "Copy this plan";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(text()).then(function () {
          copied(button, "Copied: paste it into a message or note");
        });
      });
    }
  });
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
        copied(button, "Copied");
      });
    });
  });
}

// "None of these" and the other boxes cannot both be ticked: ticking one clears the
// other kind. (Without JavaScript the form says so, and what to do, if both are sent.)
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches('input[type="checkbox"][name="answer"]') || !box.checked) return;
  var form = box.form;
  if (!form) return;
  form.querySelectorAll('input[type="checkbox"][name="answer"]').forEach(function (other) {
    if (other === box) return;
    if (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) other.checked = false;
  });
});

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
