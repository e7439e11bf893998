// kb: what JavaScript adds to pages that work without it. No inline script anywhere:
// the Content-Security-Policy allows only this file.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // http:// on another host than localhost: the older way, through a selection
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function setUpCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(button.getAttribute("data-copy")).then(
          function () { button.textContent = "Copied"; },
          function () { button.textContent = "Select the citation below to copy it"; }
        );
        window.setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  }

  function isTyping(target) {
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function setUpShortcuts() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
        return;
      }
      var box = document.querySelector("[data-search-box]");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    });
  }

  setUpCopyButtons();
  setUpShortcuts();
})();

// The brief: passages pinned on any page, kept in this browser (localStorage), gathered at
// /brief?ids=... which the server renders; without JavaScript that page works from its URL.
(function () {
  "use strict";
  var KEY = "kb.brief";

  function load() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return typeof id === "string"; }) : [];
    } catch (error) {
      return [];
    }
  }

  function save(ids) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids));
    } catch (error) { /* storage refused (private mode): pins last for this page only */ }
    refresh(ids);
  }

  function briefUrl(ids) {
    return "/brief" + (ids.length ? "?ids=" + ids.map(encodeURIComponent).join(",") : "");
  }

  function refresh(ids) {
    document.querySelectorAll("[data-brief-link]").forEach(function (link) {
      link.href = briefUrl(ids);
      link.textContent = ids.length ? "Brief (" + ids.length + ")" : "Brief";
    });
    document.querySelectorAll("button[data-pin]").forEach(function (button) {
      var pinned = ids.indexOf(button.getAttribute("data-pin")) >= 0;
      button.setAttribute("aria-pressed", pinned ? "true" : "false");
      button.textContent = pinned ? "In the brief ✓" : "Add to brief";
    });
  }

  function setUpPins() {
    document.querySelectorAll("button[data-pin]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var id = button.getAttribute("data-pin");
        var ids = load();
        var at = ids.indexOf(id);
        if (at >= 0) { ids.splice(at, 1); } else { ids.push(id); }
        save(ids);
      });
    });
  }

  function setUpBriefPage() {
    var brief = document.querySelector("[data-brief]");
    if (!brief) { return; }
    var shown = brief.getAttribute("data-brief");
    // how many ids the URL named, as the server read it: "/brief?ids=" (or "ids=,") names
    // none, and is /brief without ids, not a brief to replace the pins with
    var asked = Number(brief.getAttribute("data-asked")) > 0;
    var stored = load();
    if (!asked && stored.length) {  // /brief without ids: the pins kept in this browser
      window.location.replace(briefUrl(stored));
      return;
    }
    if (asked) { save(shown ? shown.split(",") : []); }  // the brief on screen is the brief
    document.querySelectorAll("a[data-remove]").forEach(function (link) {
      link.addEventListener("click", function () {
        save(load().filter(function (id) { return id !== link.getAttribute("data-remove"); }));
      });
    });
    var print = brief.querySelector("button.print");
    if (print) {
      print.hidden = false;
      print.addEventListener("click", function () { window.print(); });
    }
    var clear = brief.querySelector("button.clear-brief");
    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", function () {
        save([]);
        window.location.assign("/brief");
      });
    }
  }

  setUpPins();
  setUpBriefPage();
  refresh(load());
})();
