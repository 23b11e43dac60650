/* opsbook: Mermaid is loaded only by a page that draws a diagram. The theme (Material for
 * MkDocs, Zensical) draws each `mermaid` block with the global `mermaid` (its `initialize`
 * once, then `render` per diagram) and, when there is none, fetches it from a CDN, which a
 * site behind a firewall cannot reach. This script stands in for that global: the theme's
 * first `render` loads the vendored mermaid.min.js beside this script, hands it the
 * theme's settings, and draws with it; a page without a diagram never loads its 3.5 MB. */
(function () {
  "use strict";

  if (typeof window.mermaid !== "undefined" || !document.currentScript) return;
  var source = new URL("mermaid.min.js", document.currentScript.src).href;
  var settings = null;
  var loading = null;

  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = source;
      script.onload = function () {
        var real = window.mermaid; // the vendored build sets the global when it runs
        if (!real || real === stand_in) {
          reject(new Error("mermaid.min.js set no `mermaid`"));
          return;
        }
        if (settings) real.initialize(settings);
        resolve(real);
      };
      script.onerror = function () {
        loading = null; // a later diagram tries again
        reject(new Error("could not load " + source));
      };
      document.head.appendChild(script);
    });
    return loading;
  }

  var stand_in = {
    initialize: function (options) {
      settings = options;
    },
    render: function (id, text) {
      return load().then(function (real) {
        return real.render(id, text);
      });
    },
    run: function (options) {
      return load().then(function (real) {
        return real.run(options);
      });
    },
  };
  window.mermaid = stand_in;
})();
