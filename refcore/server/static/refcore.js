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
  // Upload with real progress: XMLHttpRequest's upload progress events drive the bar
  // and its words; the server answers JSON ({location}) and the page goes to the report.
  // An error is shown next to the form, which keeps the chosen file. Without script the
  // form posts as usual and the server redirects to the report.
  var uploadForm = document.getElementById("upload-form");
  if (uploadForm && window.XMLHttpRequest && window.FormData) {
    var bar = document.getElementById("upload-progress");
    var said = document.getElementById("upload-status");
    var problem = document.getElementById("upload-error");
    var mb = function (n) { return (n / 1048576).toFixed(n < 1048576 ? 2 : 1) + " MB"; };
    uploadForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = uploadForm.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", uploadForm.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "json";
      problem.hidden = true;
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        bar.max = e.total;
        bar.value = e.loaded;
        said.textContent = "Sent " + mb(e.loaded) + " of " + mb(e.total) +
          " (" + Math.floor(e.loaded * 100 / e.total) + "%)";
        uploadForm.dispatchEvent(new CustomEvent("refcore:upload-progress",
          {detail: {loaded: e.loaded, total: e.total}}));
      });
      xhr.upload.addEventListener("load", function () {
        said.textContent = "Sent; reading the run and storing it…";
      });
      xhr.addEventListener("load", function () {
        var body = xhr.response || {};
        if (xhr.status === 201 && body.location) {
          said.textContent = "Stored; opening its report…";
          window.location.assign(body.location);
          return;
        }
        button.disabled = false;
        bar.hidden = true;
        said.textContent = "";
        problem.hidden = false;
        problem.querySelector(".error-message").textContent =
          body.error || ("The upload failed (HTTP " + xhr.status + ").");
        var list = problem.querySelector("ul");
        list.textContent = "";
        (body.errors || []).forEach(function (e) {
          var li = document.createElement("li");
          li.textContent = e;
          list.appendChild(li);
        });
        problem.focus();
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        said.textContent = "";
        problem.hidden = false;
        problem.querySelector(".error-message").textContent =
          "The connection failed before the server answered: try again.";
        problem.focus();
      });
      xhr.send(new FormData(uploadForm));
    });
  }
  // Error pages: "Back" goes back in the browser's history when it came from this site,
  // so the form comes back with what was typed in it (a plain link would load it empty).
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var from = document.referrer;
      if (from && window.history.length > 1 && new URL(from).origin === window.location.origin) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
