/* opsbook alert pages: the level that fired, first, with the alert's own label values.
 *
 * A runbook_url that opsbook writes names the level (`…/redisdown/#level-warning`); its
 * facts (how bad, who is paged, where it notifies) move before the other levels' and are
 * marked, so the reader sees first what holds for the alert that fired. The fragment only
 * selects an element by its id. Without script, the anchor still leads there.
 *
 * It may also carry the firing alert's labels (`?namespace=shop-prod`): each placeholder
 * the page shows for a label (‹namespace›, in commands, text and links) shows the value,
 * and a note says which values were used. A value only ever becomes text (or an escaped
 * part of a link that keeps its scheme): it cannot add an element or run as script. */
(function () {
  "use strict";

  var MARK = "opsbook-fired";

  function levelOf(hash) {
    if (hash.indexOf("#level-") !== 0) return null;
    try {
      return decodeURIComponent(hash.slice(1));
    } catch (e) {
      return null; // a malformed escape: no level
    }
  }

  function setup() {
    var id = levelOf(window.location.hash);
    var anchor = id ? document.getElementById(id) : null;
    var facts = anchor && anchor.tagName === "SPAN" ? anchor.parentElement : null;
    if (facts && facts.classList.contains(MARK)) return; // set up already
    var marked = document.querySelectorAll("." + MARK);
    for (var i = 0; i < marked.length; i++) { // another level was named before
      marked[i].classList.remove(MARK);
      var old = marked[i].querySelector(".opsbook-fired-note");
      if (old) old.remove();
    }
    if (!facts) return;
    var levels = document.querySelectorAll("span[id^='level-']");
    var first = levels.length ? levels[0].parentElement : null;
    if (first && first !== facts && first.parentElement === facts.parentElement) {
      facts.parentElement.insertBefore(facts, first);
    }
    var note = document.createElement("strong");
    note.className = "opsbook-fired-note";
    note.textContent = "This level fired. ";
    facts.insertBefore(note, anchor.nextSibling);
    facts.classList.add(MARK);
    window.scrollTo(0, 0); // the title, what fires, then this level: the first screen
  }

  var LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;
  var PLACEHOLDER = /‹([A-Za-z_][A-Za-z0-9_]*)›/g;
  var ENCODED = /%E2%80%B9([A-Za-z_][A-Za-z0-9_]*)%E2%80%BA/gi;
  var LONGEST = 256; // longer is no label value a command should hold

  function labelValues() {
    var values = {};
    var params = new URLSearchParams(window.location.search);
    params.forEach(function (value, name) {
      if (!LABEL.test(name) || !value || value.length > LONGEST) return;
      if (/[\u0000-\u001f\u007f]/.test(value)) return; // a line break would split a command
      values[name] = value;
    });
    return values;
  }

  function fillLabels() {
    var article = document.querySelector("article");
    if (!article || article.querySelector(".opsbook-labels-note")) return;
    var values = labelValues();
    var used = {};
    function value(match, name) {
      if (!Object.prototype.hasOwnProperty.call(values, name)) return match;
      used[name] = true;
      return values[name];
    }
    var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
    var texts = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.indexOf("‹") >= 0) texts.push(node);
    }
    texts.forEach(function (text) {
      text.nodeValue = text.nodeValue.replace(PLACEHOLDER, value);
    });
    var links = article.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var before = links[i].getAttribute("href");
      var after = before.replace(PLACEHOLDER, encoded).replace(ENCODED, encoded);
      if (after !== before && sameScheme(before, after)) links[i].setAttribute("href", after);
    }
    function encoded(match, name) {
      return Object.prototype.hasOwnProperty.call(values, name)
        ? encodeURIComponent(value(match, name)) : match;
    }
    var names = Object.keys(used).sort();
    if (!names.length) return;
    var note = document.createElement("p");
    note.className = "opsbook-labels-note";
    note.textContent = "Filled in from the labels of the alert that fired: " +
      names.map(function (n) { return n + " = " + values[n]; }).join(", ") + ".";
    var title = article.querySelector("h1");
    if (title) title.parentNode.insertBefore(note, title.nextSibling);
    else article.insertBefore(note, article.firstChild);
  }

  function sameScheme(before, after) {
    try {
      return new URL(before, window.location.href).protocol ===
        new URL(after, window.location.href).protocol;
    } catch (e) {
      return false;
    }
  }

  function ready() {
    fillLabels();
    setup();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  window.addEventListener("hashchange", setup);
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(ready);
  }
})();
