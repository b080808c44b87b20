// A verification address typed from paper (small letters, an O for a zero, a
// space) is not a page: rather than "not found", which would read as "never
// issued", the certificate lookup is asked for the number, as it reads
// numbers typed by hand; it opens the page, or says no such certificate was
// issued. (The lookup's own address exists: no loop.)
(function () {
  var m = /^(.*\/)(zh|en)\/verify\/([^\/]+)\/?(?:index\.html)?$/.exec(location.pathname);
  if (m) {
    var number;
    try {
      number = decodeURIComponent(m[3]);
    } catch (e) {
      number = m[3];
    }
    location.replace(m[1] + m[2] + "/verify/?number=" + encodeURIComponent(number));
  }
})();
