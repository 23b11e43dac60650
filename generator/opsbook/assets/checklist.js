/* opsbook checklists: tick items in the browser. The ticks of a release's record (built
 * into the page) are shown as recorded; ticks made here are kept in this browser's storage
 * per checklist and per release, marked as local, with the `opsbook checklist tick`
 * command that records them. No network, no dependencies: works from file:// and HTTP. */
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

  // A word for a POSIX shell, quoted only when it needs to be.
  function shell(word) {
    return /^[A-Za-z0-9_.\/:@%+=-]+$/.test(word) ? word : "'" + word.replace(/'/g, "'\\''") + "'";
  }

  // Every task-list box is named by its item's text, also the read-only lists of other
  // pages (a screen reader would otherwise say only "checkbox").
  function nameBoxes() {
    document.querySelectorAll("li.task-list-item input[type=checkbox]").forEach(function (box) {
      if (box.getAttribute("aria-label")) return;
      var text = (box.closest("li").textContent || "").replace(/\s+/g, " ").trim();
      box.setAttribute("aria-label", text.slice(0, 200));
    });
  }

  // A page title wraps between words; one word too long for the column (an alert name on
  // a phone) makes the title smaller rather than broken in two.
  function fitTitle() {
    var title = document.querySelector("article.md-content__inner h1");
    if (!title) return;
    title.style.fontSize = "";
    title.style.overflowWrap = "normal";
    var size = parseFloat(window.getComputedStyle(title).fontSize);
    var smallest = size * 0.4;
    while (title.scrollWidth > title.clientWidth + 1 && size > smallest) {
      size -= 1;
      title.style.fontSize = size + "px";
    }
    if (title.scrollWidth > title.clientWidth + 1) title.style.overflowWrap = "anywhere";
  }

  // Opened from disk (file://) the theme cannot search, and a link to a folder shows the
  // folder: links get their index.html, and the page says how to get search back.
  function fromDisk() {
    if (window.location.protocol !== "file:") return;
    document.querySelectorAll("a[href]").forEach(function (link) {
      var href = link.getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:|^\/\/|^#/i.test(href)) return;
      var parts = href.split("#");
      if (parts[0] === "" || parts[0].slice(-1) === "/") {
        parts[0] = parts[0] + "index.html";
        link.setAttribute("href", parts.join("#"));
      } else if (parts[0] === "." || parts[0] === "..") {
        parts[0] = parts[0] + "/index.html";
        link.setAttribute("href", parts.join("#"));
      }
    });
    var article = document.querySelector("article.md-content__inner");
    if (!article || article.querySelector(".opsbook-from-disk")) return;
    var note = element("p", { class: "opsbook-from-disk", role: "note" },
      "Opened from disk: links work, but search needs a web server. Run `opsbook serve`, " +
      "or serve the site folder with any static server (python3 -m http.server -d site).");
    article.insertBefore(note, article.firstChild);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(fitTitle, 100);
  });

  // A keyboard reader's first stop on the page: the first item still open (the theme's
  // navigation holds dozens of links before it).
  function skipLink(items) {
    var article = document.querySelector("article");
    if (!article || document.querySelector(".opsbook-skip")) return;
    var link = element("a", { class: "opsbook-skip", href: "#" }, "Skip to the first open item");
    link.addEventListener("click", function (event) {
      // Ours alone: the theme's handling of a same-page link would scroll back to the top
      // and take the focus with it.
      event.preventDefault();
      event.stopPropagation();
      var open = items.filter(function (item) { return !item.box.checked && !item.box.disabled; });
      var first = open.length ? open[0] : items[0];
      if (!first) return;
      first.li.scrollIntoView({ block: "center" });
      first.box.focus({ preventScroll: true });
    });
    var theirs = document.querySelector(".md-skip"); // the theme's "Skip to content"
    if (theirs) theirs.parentNode.insertBefore(link, theirs.nextSibling);
    else article.insertBefore(link, article.firstChild);
  }

  // A jump to a heading (a link to it, the table of contents) stops below the sticky bar.
  function keepHeadingsClear(bar) {
    function clear() {
      var header = document.querySelector(".md-header");
      var above = header ? header.getBoundingClientRect().height : 0;
      var height = bar.getBoundingClientRect().height;
      document.documentElement.style.scrollPaddingTop = Math.ceil(above + height + 8) + "px";
    }
    clear();
    window.addEventListener("resize", clear);
    // A deep link was followed before the bar was there: go to its heading again.
    var target = null;
    try {
      target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    } catch (e) {
      target = null; // a malformed escape names no heading
    }
    if (window.location.hash.length > 1 && target) target.scrollIntoView();
  }

  function setup() {
    var bar = document.querySelector("div.opsbook-checklist[data-checklist]");
    nameBoxes();
    fromDisk();
    fitTitle();
    if (!bar || bar.getAttribute("data-ready")) return;
    bar.setAttribute("data-ready", "true");
    var id = bar.getAttribute("data-checklist");
    var title = bar.getAttribute("data-title") || id;
    var deployment = bar.getAttribute("data-kind") === "deployment";
    var sections = JSON.parse(bar.getAttribute("data-sections") || "[]");
    var records = JSON.parse(bar.getAttribute("data-records") || "[]");
    var recorded = {};
    records.forEach(function (r) { recorded[r.release] = r; });
    var items = [];
    document.querySelectorAll("span.opsbook-check[data-check]").forEach(function (mark) {
      var li = mark.closest("li");
      var box = li && li.querySelector("input[type=checkbox]");
      if (!box) return;
      box.disabled = false;
      box.removeAttribute("disabled");
      var label = mark.getAttribute("data-label");
      var optional = mark.hasAttribute("data-optional");
      box.setAttribute("aria-label", label + (optional ? " (optional)" : ""));
      var note = element("span", { class: "opsbook-tick-note" });
      mark.parentNode.appendChild(note);
      li.classList.add("opsbook-item");
      items.push({
        key: mark.getAttribute("data-check"),
        label: label,
        optional: optional,
        box: box,
        li: li,
        note: note,
        initial: box.defaultChecked,
        heading: headingBefore(li),
      });
    });

    var releaseKey = PREFIX + id + "#release";
    var release = null;
    if (deployment) {
      var s = storage();
      var last = s ? s.getItem(releaseKey) : memory[releaseKey];
      var open = records.filter(function (r) { return r.open > 0; });
      var newest = open.length ? open[open.length - 1] : records[records.length - 1];
      release = element("input", {
        type: "text", class: "opsbook-release", list: "opsbook-releases-" + id,
        placeholder: "e.g. 2.5.0", spellcheck: "false", id: "opsbook-release-" + id,
      });
      release.value = last !== null && last !== undefined ? last : (newest ? newest.release : "");
      var list = element("datalist", { id: "opsbook-releases-" + id });
      records.slice().reverse().forEach(function (r) {
        list.appendChild(element("option", { value: r.release }));
      });
      var label = element("label", { class: "opsbook-release-label", for: release.id }, "Release");
      bar.appendChild(label);
      bar.appendChild(release);
      bar.appendChild(list);
    }
    var total = element("span", { class: "opsbook-total", role: "status" });
    var copy = element("button", { type: "button", class: "md-button opsbook-copy" }, "Copy");
    copy.appendChild(element("span", { class: "opsbook-wide" }, " as Markdown"));
    var reset = element("button", { type: "button", class: "md-button opsbook-reset" }, "Reset");
    var note = element("span", { class: "opsbook-note", "aria-live": "polite" });
    var kept = element("p", { class: "opsbook-kept" });
    var totalMore = element("span", { class: "opsbook-wide" });
    [total, copy, reset, note].forEach(function (node) { bar.appendChild(node); });
    // Whose ticks these are, under the bar: the bar stays one line on a phone.
    bar.parentNode.insertBefore(kept, bar.nextSibling);
    skipLink(items);
    keepHeadingsClear(bar);
    // On paper the bar is left out; this line says whose ticks the printed boxes show.
    var printedFor = element("p", { class: "opsbook-printed-for" });
    bar.parentNode.insertBefore(printedFor, bar);
    // Below the bar: what records the ticks made here for everyone.
    var record = element("div", { class: "opsbook-record", hidden: "" });
    var recordText = element("p", { class: "opsbook-record-text" });
    var command = element("code", { class: "opsbook-command" });
    var pre = element("pre", { class: "opsbook-command-block" });
    pre.appendChild(command);
    var copyCommand = element("button", { type: "button", class: "md-button opsbook-copy-command" }, "Copy command");
    [recordText, pre, copyCommand].forEach(function (node) { record.appendChild(node); });
    bar.parentNode.insertBefore(record, bar.nextSibling);

    function name() {
      return release ? release.value.trim() : "";
    }

    function key() {
      return PREFIX + id + "@" + name();
    }

    function current() {
      return recorded[name()] || null;
    }

    // A tick in the record is fixed here: `opsbook checklist untick` removes it.
    function base(item) {
      var r = current();
      if (r) return item.key in r.ticks;
      return item.initial;
    }

    function load() {
      var ticks = read(key());
      var r = current();
      items.forEach(function (item) {
        var fixed = !!(r && item.key in r.ticks);
        item.box.disabled = fixed;
        item.box.checked = fixed || (item.key in ticks ? !!ticks[item.key] : base(item));
      });
      update();
    }

    function save() {
      var ticks = {};
      items.forEach(function (item) {
        if (!item.box.disabled && item.box.checked !== base(item)) ticks[item.key] = item.box.checked;
      });
      write(key(), ticks);
    }

    // Ticked here and not in the record (nor ticked by the definitions themselves).
    function isLocal(item) {
      return deployment && !item.box.disabled && item.box.checked && (!!current() || !item.initial);
    }

    function update() {
      var done = 0, open = 0;
      var r = current();
      items.forEach(function (item) {
        if (item.box.checked) done += 1;
        else if (!item.optional) open += 1;
        var mine = isLocal(item);
        item.li.classList.toggle("opsbook-recorded", item.box.disabled);
        item.li.classList.toggle("opsbook-local", mine);
        item.note.textContent = item.box.disabled ? " — " + r.ticks[item.key]
          : (mine ? " — ticked in this browser only" : "");
      });
      total.textContent = done + " of " + items.length + " done";
      totalMore.textContent = open ? ", " + open + " required open" : ", nothing required open";
      total.appendChild(totalMore);
      var whose = !deployment ? "Ticks as kept in this browser"
        : r ? "Release " + name() + ", as recorded (started " + r.started + ")"
        : name() ? "Release " + name() + ", not recorded: ticks kept in this browser"
        : "No release named: ticks kept in this browser";
      printedFor.textContent = whose + ": " + done + " of " + items.length + " items ticked.";
      bar.classList.toggle("opsbook-complete", open === 0);
      if (!deployment) {
        kept.textContent = "Ticks are kept in this browser only.";
      } else if (r) {
        kept.textContent = "Release " + name() + " is recorded (started " + r.started +
          "): its ticks are shown as recorded. Ticks you add here stay in this browser until recorded.";
      } else {
        kept.textContent = "Ticks are kept in this browser only" +
          (name() ? ", for release " + name() + ", which has no record yet." : "; name the release to keep them per release.");
      }
      var added = items.filter(isLocal);
      record.hidden = !added.length;
      if (!record.hidden) {
        var keys = added.map(function (item) { return item.key; });
        if (!name()) {
          recordText.textContent = keys.length + " tick(s) in this browser only. Name the release to get the command that records them for everyone.";
          pre.hidden = true;
          copyCommand.hidden = true;
        } else {
          var who = '--by "$USER"';
          var tick = "opsbook checklist tick " + shell(id) + " " + shell(name()) + " " + keys.join(" ") + " " + who;
          command.textContent = (r ? "" : "opsbook checklist start " + shell(id) + " " + shell(name()) + " " + who + " && ") + tick;
          recordText.textContent = keys.length + " tick(s) in this browser only. To record them for everyone, run this in the handbook's repository and commit the release file:";
          pre.hidden = false;
          copyCommand.hidden = false;
        }
      }
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

    // The text `opsbook checklist status --format markdown` prints, with the link back.
    function markdown() {
      var r = current();
      var here = window.location.href.split("#")[0];
      var lines = ["## " + title + (name() ? " — release " + name() : ""), "", "From <" + here + ">", ""];
      sections.forEach(function (section) {
        lines.push("### " + section[1], "");
        items.forEach(function (item) {
          if (item.key.split("/")[0] !== section[0]) return;
          var extra = "";
          if (item.box.disabled) extra = " — " + r.ticks[item.key];
          else if (isLocal(item)) extra = " — ticked in a browser, not recorded";
          lines.push("- [" + (item.box.checked ? "x" : " ") + "] " + item.label +
                     (item.optional ? " (optional)" : "") + extra);
        });
        lines.push("");
      });
      return lines.join("\n");
    }

    function copied(ok, what) {
      note.textContent = ok ? "Copied." : "Copy failed: select the " + what + " and copy it by hand.";
    }

    function copyByHand(text, what) {
      var area = element("textarea", { class: "opsbook-copy-area", readonly: "" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      copied(ok, what);
    }

    function put(text, what) {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(true, what); },
                                                 function () { copyByHand(text, what); });
      } else {
        copyByHand(text, what);
      }
    }

    items.forEach(function (item) {
      item.box.addEventListener("change", function () { save(); update(); });
      // The item's text toggles it too, not only the drawn box.
      item.li.addEventListener("click", function (event) {
        if (event.target.closest("a, button, input, label, pre, textarea, select")) return;
        if (event.target.closest("li") !== item.li || item.box.disabled) return;
        if (window.getSelection && String(window.getSelection())) return; // selecting text
        item.box.click();
      });
    });
    if (release) {
      release.addEventListener("change", function () {
        var s = storage();
        if (s) s.setItem(releaseKey, name());
        else memory[releaseKey] = name();
        note.textContent = "";
        load();
      });
    }
    copy.addEventListener("click", function () { put(markdown(), "list"); });
    copyCommand.addEventListener("click", function () { put(command.textContent, "command"); });
    reset.addEventListener("click", function () {
      var which = name() ? ", release " + name() : "";
      if (!window.confirm("Clear the ticks of " + title + which + " made in this browser?")) return;
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
