/* opsbook checklists: tick items in the browser; the ticks are kept in this browser's
 * storage per checklist and per release, and survive reloads and instant navigation.
 * No network, no dependencies: works from file:// and over HTTP. */
(function () {
  "use strict";

  var PREFIX = "opsbook.checklist.";
  var memory = {};

  function storage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null; // storage switched off: ticks last as long as the page
    }
  }

  function read(key) {
    var s = storage();
    var text = s ? s.getItem(key) : memory[key];
    if (!text) return {};
    try {
      var value = JSON.parse(text);
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return {};
    }
  }

  function write(key, value) {
    var s = storage();
    var text = JSON.stringify(value);
    if (s) s.setItem(key, text);
    else memory[key] = text;
  }

  function forget(key) {
    var s = storage();
    if (s) s.removeItem(key);
    delete memory[key];
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function headingBefore(node) {
    var block = node;
    while (block.parentElement && !block.parentElement.classList.contains("md-content__inner")
           && block.parentElement.tagName !== "ARTICLE" && block.parentElement !== document.body) {
      block = block.parentElement;
    }
    for (var at = block; at; at = at.previousElementSibling) {
      if (at.tagName === "H2") return at;
    }
    return null;
  }

  function setup() {
    var bar = document.querySelector("div.opsbook-checklist[data-checklist]");
    if (!bar || bar.getAttribute("data-ready")) return;
    bar.setAttribute("data-ready", "true");
    var id = bar.getAttribute("data-checklist");
    var title = bar.getAttribute("data-title") || id;
    var sections = JSON.parse(bar.getAttribute("data-sections") || "[]");
    var known = (bar.getAttribute("data-releases") || "").split(" ").filter(Boolean);
    var items = [];
    document.querySelectorAll("span.opsbook-check[data-check]").forEach(function (mark) {
      var li = mark.closest("li");
      var box = li && li.querySelector("input[type=checkbox]");
      if (!box) return;
      box.disabled = false;
      box.removeAttribute("disabled");
      items.push({
        key: mark.getAttribute("data-check"),
        label: mark.getAttribute("data-label"),
        optional: mark.hasAttribute("data-optional"),
        box: box,
        initial: box.defaultChecked,
        heading: headingBefore(li),
      });
    });

    var releaseKey = PREFIX + id + "#release";
    var last = storage() ? storage().getItem(releaseKey) : memory[releaseKey];
    var release = element("input", {
      type: "text", class: "opsbook-release", list: "opsbook-releases-" + id,
      placeholder: "e.g. 2.4.0", "aria-label": "Release", spellcheck: "false",
    });
    release.value = last || "";
    var list = element("datalist", { id: "opsbook-releases-" + id });
    known.forEach(function (name) { list.appendChild(element("option", { value: name })); });
    var label = element("label", { class: "opsbook-release-label" }, "Release ");
    label.appendChild(release);
    var total = element("span", { class: "opsbook-total", role: "status" });
    var copy = element("button", { type: "button", class: "md-button opsbook-copy" }, "Copy as Markdown");
    var reset = element("button", { type: "button", class: "md-button opsbook-reset" }, "Reset");
    var note = element("span", { class: "opsbook-note", "aria-live": "polite" });
    [label, list, total, copy, reset, note].forEach(function (node) { bar.appendChild(node); });

    function key() {
      return PREFIX + id + "@" + release.value.trim();
    }

    function load() {
      var ticks = read(key());
      items.forEach(function (item) {
        item.box.checked = item.key in ticks ? !!ticks[item.key] : item.initial;
      });
      update();
    }

    function save() {
      var ticks = {};
      items.forEach(function (item) {
        if (item.box.checked !== item.initial) ticks[item.key] = item.box.checked;
      });
      write(key(), ticks);
    }

    function update() {
      var done = 0, open = 0;
      items.forEach(function (item) {
        if (item.box.checked) done += 1;
        else if (!item.optional) open += 1;
      });
      total.textContent = done + " of " + items.length + " done" +
        (open ? ", " + open + " required open" : ", nothing required open");
      bar.classList.toggle("opsbook-complete", open === 0);
      sections.forEach(function (section) {
        var mine = items.filter(function (item) { return item.key.split("/")[0] === section[0]; });
        if (!mine.length || !mine[0].heading) return;
        var heading = mine[0].heading;
        var badge = heading.querySelector(".opsbook-progress");
        if (!badge) {
          badge = element("span", { class: "opsbook-progress", "data-section": section[0] });
          var anchor = heading.querySelector("a.headerlink");
          heading.insertBefore(badge, anchor);
        }
        var ticked = mine.filter(function (item) { return item.box.checked; }).length;
        badge.textContent = ticked + "/" + mine.length;
        badge.classList.toggle("opsbook-done", ticked === mine.length);
      });
    }

    function markdown() {
      var name = release.value.trim();
      var lines = ["## " + title + (name ? " — release " + name : ""), ""];
      sections.forEach(function (section) {
        lines.push("### " + section[1], "");
        items.forEach(function (item) {
          if (item.key.split("/")[0] !== section[0]) return;
          lines.push("- [" + (item.box.checked ? "x" : " ") + "] " + item.label +
                     (item.optional ? " (optional)" : ""));
        });
        lines.push("");
      });
      return lines.join("\n");
    }

    function copied(ok) {
      note.textContent = ok ? "Copied." : "Copy failed: select the list and copy it by hand.";
    }

    function copyByHand(text) {
      var area = element("textarea", { class: "opsbook-copy-area", readonly: "" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      copied(ok);
    }

    items.forEach(function (item) {
      item.box.addEventListener("change", function () { save(); update(); });
    });
    release.addEventListener("change", function () {
      var s = storage();
      if (s) s.setItem(releaseKey, release.value.trim());
      else memory[releaseKey] = release.value.trim();
      load();
    });
    copy.addEventListener("click", function () {
      var text = markdown();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(true); },
                                                 function () { copyByHand(text); });
      } else {
        copyByHand(text);
      }
    });
    reset.addEventListener("click", function () {
      var name = release.value.trim() || "(no release named)";
      if (!window.confirm("Clear the ticks of " + title + ", release " + name + ", in this browser?")) return;
      forget(key());
      load();
    });
    window.addEventListener("storage", function (event) {
      if (event.key === key()) load(); // ticked in another tab
    });
    load();
  }

  // Set up now (or once the page is parsed), and again whenever material's instant
  // navigation swaps a new page in; setting up a page twice does nothing.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  }
})();
