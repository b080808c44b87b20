// The certificate lookup: opens the verification page of the number entered
// (or given as ?number=, which the form sends without this script), or says
// in place that the Guide issued no such certificate.
(function () {
  var form = document.getElementById("verify-form");
  var input = document.getElementById("verify-number");
  var status = document.getElementById("verify-status");

  function normalized(text) {
    // Full-width letters, digits and hyphens (typed with a Chinese input
    // method) as ASCII; dashes (a PDF viewer or a word processor may turn
    // the hyphens into them) and spaces between groups as one hyphen;
    // capitals, as printed.
    return text.replace(/[\uff01-\uff5e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).trim().replace(/[\s\u3000\u2010-\u2015\u2212\ufe58\ufe63-]+/g, "-")
      .replace(/^-+|-+$/g, "").toUpperCase();
  }

  // A number the build derived (YYYY-XXXX-XXXX) typed without its hyphens.
  function derivedShape(number) {
    var m = /^(\d{4})([0-9A-Z]{4})([0-9A-Z]{4})$/.exec(number);
    return m ? m[1] + "-" + m[2] + "-" + m[3] : null;
  }

  function open(text) {
    var number = normalized(text);
    // (the pattern and lengths the build checks explicit numbers against)
    if (!new RegExp(form.dataset.pattern).test(number) || number.length < Number(form.dataset.shortest)
        || number.length > Number(form.dataset.longest)) {
      status.textContent = form.dataset.invalid;
      return;
    }
    status.textContent = "";
    // As typed; typed in groups (spaces), also without them (a number
    // printed without hyphens); then a derived number's shape.
    var bare = /[\s\u3000]/.test(text.trim()) ? number.replace(/-/g, "") : number;
    var tries = [number];
    [bare, derivedShape(bare)].forEach(function (n) {
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
        location.assign(target);  // (offline or blocked: let the page itself answer)
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
    open(given);
  }
})();
