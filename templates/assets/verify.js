// The certificate lookup: opens the verification page of the number entered
// (or given as ?number=, which the form sends without this script), or says
// in place that the Guide issued no such certificate.
(function () {
  var form = document.getElementById("verify-form");
  var input = document.getElementById("verify-number");
  var status = document.getElementById("verify-status");

  // The label a number is printed or quoted with ("No. 2023-…", "证书编号：2023-…",
  // "Number:2023-…"), copied along with it; read once full-width is ASCII.
  var LABEL = /^\s*(?:certificate\s+)?(?:no\.|no:|no\s|number\s*:|number\s|\u2116|#|(?:\u8bc1\u4e66)?\u7f16\u53f7:?)\s*/i;

  function normalized(text) {
    // Full-width letters, digits and hyphens (typed with a Chinese input
    // method) as ASCII; dashes (a PDF viewer or a word processor may turn
    // the hyphens into them) and spaces between groups as one hyphen;
    // punctuation around it (a number copied from a sentence) dropped;
    // capitals, as printed.
    return text.replace(/[\uff01-\uff5e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(LABEL, "").replace(/[\s\u3000\u2010-\u2015\u2212\ufe58\ufe63-]+/g, "-")
      .replace(/^[^0-9A-Za-z]+|[^0-9A-Za-z]+$/g, "").toUpperCase();
  }

  // A number the build derived (YYYY-XXXX-XXXX) typed without its hyphens,
  // or without one of them.
  function derivedShape(number) {
    var m = /^(\d{4})([0-9A-Z]{4})([0-9A-Z]{4})$/.exec(number.replace(/-/g, ""));
    return m ? m[1] + "-" + m[2] + "-" + m[3] : null;
  }

  // Derived numbers are in Crockford's base 32, which has no I, L or O: read
  // from paper, an O is a zero and an I or L a one. (A number given in a
  // record may have any letters: this is tried after the number as typed.)
  function crockford(number) {
    return number && number.slice(0, 5) + number.slice(5).replace(/O/g, "0").replace(/[IL]/g, "1");
  }

  var fromMissing = new URLSearchParams(location.search).get("from") === "404";

  function open(text, auto) {
    var number = normalized(text);
    // (the pattern and lengths the build checks explicit numbers against)
    if (!new RegExp(form.dataset.pattern).test(number) || number.length > Number(form.dataset.longest)) {
      status.textContent = form.dataset.invalid;
      return;
    }
    if (number.length < Number(form.dataset.shortest)) {
      status.textContent = form.dataset.short;
      return;
    }
    status.textContent = "";
    // As typed; typed in groups (spaces), also without them (a number
    // printed without hyphens); then a derived number's shape, and its
    // letters read as Crockford's digits.
    var bare = /[\s\u3000]/.test(text.trim()) ? number.replace(/-/g, "") : number;
    var tries = [number];
    [bare, derivedShape(number), crockford(derivedShape(number))].forEach(function (n) {
      if (n && tries.indexOf(n) < 0) tries.push(n);
    });
    (function next(i) {
      var target = new URL(tries[i] + "/", form.action);
      fetch(target, { method: "HEAD" }).then(function (response) {
        if (response.ok) {
          location.assign(target);
        } else if (i + 1 < tries.length) {
          next(i + 1);
        } else {
          status.textContent = form.dataset.unknown.replace("%(number)s", number);
        }
      }, function () {
        // (offline or blocked: let the page itself answer; unless the number
        // came from a 404 page, which would send it back here)
        if (!(auto && fromMissing)) location.assign(target);
      });
    })(0);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    open(input.value);
  });
  var given = new URLSearchParams(location.search).get("number");
  if (given) {
    input.value = given;
    open(given, true);
  }
})();
