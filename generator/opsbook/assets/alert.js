/* opsbook alert pages: the level that fired, first. A runbook_url that opsbook writes names
 * the level (`…/redisdown/#level-warning`); its facts (how bad, who is paged, where it
 * notifies) move before the other levels' and are marked, so the reader sees first what
 * holds for the alert that fired. The address only selects an element by its id: nothing
 * from it is ever written into the page. Without script, the anchor still leads there. */
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
  window.addEventListener("hashchange", setup);
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  }
})();
