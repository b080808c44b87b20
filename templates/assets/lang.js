// Sends a reader from the root page to their language; the page itself links
// both, so readers without JavaScript choose by hand.
(function () {
  var langs = navigator.languages || [navigator.language || ""];
  var target = "en/";
  for (var i = 0; i < langs.length; i++) {
    var l = String(langs[i]).toLowerCase();
    if (l.indexOf("zh") === 0) { target = "zh/"; break; }
    if (l.indexOf("en") === 0) { target = "en/"; break; }
  }
  var base = document.querySelector('link[hreflang="x-default"]');
  var root = base ? new URL(base.href).pathname : "/";
  if (location.pathname === root || location.pathname === root + "index.html") {
    location.replace(root + target);
  }
})();
