// A verification address typed from paper (small letters, an O for a zero, a
// space) is not a page: rather than "not found", which would read as "never
// issued", the certificate lookup is asked for the number, as it reads
// numbers typed by hand; it opens the page, or says no such certificate was
// issued. Only below the site's own address (data-base), and to this origin:
// a path such as //other.example/en/verify/X leads nowhere else. ("from=404":
// the lookup does not come back here when it cannot ask the server.)
(function () {
  var script = document.currentScript;
  var base = script && script.dataset.base;
  var path = location.pathname;
  if (!base || path.indexOf(base) !== 0) return;
  var m = /^(zh|en)\/verify\/([^\/]+)\/?(?:index\.html)?$/.exec(path.slice(base.length));
  if (!m) return;
  var number;
  try {
    number = decodeURIComponent(m[2]);
  } catch (e) {
    number = m[2];
  }
  location.replace(location.origin + base + m[1] + "/verify/?number=" + encodeURIComponent(number) + "&from=404");
})();
