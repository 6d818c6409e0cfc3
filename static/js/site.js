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
  // htmx moved focus into the new content (the question's heading, an error summary):
  // a screen reader reads that already, and once is enough.
  var focused = document.activeElement;
  if (focused && focused !== document.body && nodes.length && nodes[0].closest("#check") && focused.closest("#check")) return;
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

// Offline use and a plan kept on this phone (docs/offline.md) ------------------------------

// The service worker is registered only once the page has loaded, so a first visit is no
// heavier: it then stores the pages kept for offline use in the background.
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js").catch(function () {
      // No worker (a private window, say): the site works as before, online only.
    });
  });
}

// A kept plan is its text only, under one key, in this browser's own storage. It is
// never sent anywhere, and is deleted from "My plan" or after "Clear my answers".
var KEPT_PLAN_KEY = "backcare-plan";

function planStorage() {
  try {
    return window.localStorage; // may throw where storage is blocked
  } catch (error) {
    return null;
  }
}

function keptPlan() {
  var storage = planStorage();
  try {
    return storage ? storage.getItem(KEPT_PLAN_KEY) : null;
  } catch (error) {
    return null;
  }
}

function deleteKeptPlan() {
  var storage = planStorage();
  if (storage) storage.removeItem(KEPT_PLAN_KEY);
}

function announce(text) {
  var region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(function () {
    region.textContent = text;
  }, 50);
}

// The outcome page: "Keep this plan on this phone".
function setUpKeepPlan(root) {
  root.querySelectorAll(".keep-plan-button").forEach(function (button) {
    var source = document.getElementById(button.dataset.plan);
    var done = document.getElementById(button.dataset.done);
    if (!planStorage() || !source || !done) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      try {
        planStorage().setItem(KEPT_PLAN_KEY, JSON.parse(source.textContent));
      } catch (error) {
        done.textContent = "Sorry, this phone would not keep the plan. You can download it instead.";
        done.hidden = false;
        announce(done.textContent);
        return;
      }
      done.hidden = false;
      announce(done.textContent);
    });
  });
}

// Shows the kept text as headings, lists and paragraphs (as text, never as markup).
function showPlan(container, text) {
  var list = null;
  // The opening lines (site name, its address, the date) end at the first blank line; the
  // line after them is the outcome's title.
  var part = 0;
  container.textContent = "";
  text.split("\n").forEach(function (line, index) {
    line = line.trim();
    if (!line) {
      if (part === 0) part = 1;
      list = null;
      return;
    }
    // The first line names the site and the second is its address: this page has both.
    if (index === 0 || (part === 0 && /^https?:\/\//.test(line))) return;
    var node;
    if (line.indexOf("- ") === 0) {
      if (!list) list = container.appendChild(document.createElement("ul"));
      node = list.appendChild(document.createElement("li"));
      node.textContent = line.slice(2);
      return;
    }
    list = null;
    var heading = /:$/.test(line) || part === 1;
    if (part === 1) part = 2;
    node = document.createElement(heading ? "h2" : "p");
    node.textContent = heading ? line.replace(/:$/, "") : line;
    container.appendChild(node);
  });
}

// "My plan": the kept plan, or a note that there is none; and deleting it.
function setUpMyPlan() {
  var view = document.getElementById("kept-plan");
  if (!view) return;
  var none = document.getElementById("kept-plan-none");
  var text = keptPlan();
  document.getElementById("kept-plan-no-script").hidden = true;
  if (!text) {
    none.hidden = false;
    return;
  }
  showPlan(document.getElementById("kept-plan-text"), text);
  view.hidden = false;
  document.getElementById("delete-kept-plan").addEventListener("click", function () {
    deleteKeptPlan();
    view.hidden = true;
    var deleted = document.getElementById("kept-plan-deleted");
    deleted.hidden = false;
    deleted.focus(); // read out as it takes focus
  });
}

// After "Clear my answers": offer to delete a kept plan too.
function setUpKeptPlanOffer(root) {
  root.querySelectorAll("[data-kept-plan-offer]").forEach(function (offer) {
    if (!keptPlan()) return;
    offer.hidden = false;
    offer.querySelector("[data-delete-kept-plan]").addEventListener("click", function () {
      deleteKeptPlan();
      offer.textContent = "";
      var done = offer.appendChild(document.createElement("p"));
      done.textContent = "The plan kept on this phone has been deleted.";
      announce(done.textContent);
    });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  setUpKeepPlan(document);
  setUpMyPlan();
  setUpKeptPlanOffer(document);
});
// With no signal, a request htmx sends gets no answer at all. Load the address as a page
// instead (or the page it was on, for a form), so the service worker can show its kept
// copy, or the offline page with the emergency number, rather than nothing happening.
document.addEventListener("htmx:sendError", function (event) {
  var config = event.detail.requestConfig;
  var path = event.detail.pathInfo && event.detail.pathInfo.finalRequestPath;
  if (config && config.verb !== "get") path = window.location.href;
  window.location.assign(path || window.location.href);
});

// "Clear my answers" is a boosted form: the page it leads to is swapped in by htmx.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.detail.elt && event.detail.elt.querySelectorAll) setUpKeptPlanOffer(event.detail.elt);
});
