// refcore: a little progressive JavaScript. Every page works without it.
(function () {
  "use strict";
  // RefStack's links are hash URLs (#/results/<id>, what uploads return): serve them here.
  function followHash() {
    var hash = location.pathname === "/" && location.hash.match(/^#\/(results|guidelines|community_results|user_results|profile)(?:\/([^?]*))?/);
    if (!hash) { return false; }
    var where = {community_results: "/results", user_results: "/results/mine"}[hash[1]] || "/" + hash[1];
    location.replace(where + (hash[2] ? "/" + hash[2] : ""));
    return true;
  }
  window.addEventListener("hashchange", followHash);
  if (followHash()) { return; }
  // Filter forms submit as soon as a control changes (the button stays for no-JS).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function () { form.submit(); });
  });
  // Copy buttons: data-copy="#selector" copies that element's text.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var el = document.querySelector(button.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.value !== undefined ? el.value : el.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      var fallback = function () {
        if (el.select) { el.select(); }
        try { document.execCommand("copy"); } catch (e) { /* selected: the user can copy */ }
        done();
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
  // Expand/collapse every <details> matching data-toggle-all.
  document.querySelectorAll("[data-toggle-all]").forEach(function (button) {
    button.addEventListener("click", function () {
      var all = document.querySelectorAll(button.getAttribute("data-toggle-all"));
      var open = !Array.prototype.every.call(all, function (d) { return d.open; });
      all.forEach(function (d) { d.open = open; });
      button.textContent = open ? "Collapse all" : "Expand all";
    });
  });
  // Open the <details> a link points to (#cap-...).
  function openTarget() {
    if (!location.hash) { return; }
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  // Report filter: show all / passed / not passed / flagged tests.
  document.querySelectorAll("[data-test-filter]").forEach(function (select) {
    var apply = function () {
      var v = select.value;
      document.querySelectorAll("[data-state]").forEach(function (li) {
        var state = li.getAttribute("data-state");
        var flagged = li.hasAttribute("data-flagged");
        var show = v === "all" || (v === "passed" && state === "passed") ||
          (v === "not-passed" && state !== "passed") || (v === "flagged" && flagged);
        li.hidden = !show;
      });
      // a capability with no test left to show goes too (and opens when it has some)
      document.querySelectorAll("details.cap").forEach(function (d) {
        var rows = d.querySelectorAll("[data-state]");
        var left = Array.prototype.some.call(rows, function (li) { return !li.hidden; });
        d.hidden = rows.length > 0 && !left;
        if (v !== "all") { d.open = left; }
      });
      var shown = document.querySelectorAll("details.cap:not([hidden])").length;
      var count = document.getElementById("filter-count");
      if (count) { count.textContent = shown + " capabilities shown"; }
    };
    select.addEventListener("change", apply);
  });
  // Upload: show that the file is on its way (the page then lands on the report).
  var uploadForm = document.getElementById("upload-form");
  if (uploadForm) {
    uploadForm.addEventListener("submit", function () {
      var bar = document.getElementById("upload-progress");
      if (bar) { bar.hidden = false; bar.removeAttribute("value"); }
    });
  }
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
