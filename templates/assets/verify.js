// The certificate lookup: opens the verification page of the number entered
// (or given as ?number=, which the form sends without this script), or says
// in place that the Guide issued no such certificate.
(function () {
  var form = document.getElementById("verify-form");
  var input = document.getElementById("verify-number");
  var status = document.getElementById("verify-status");

  function normalized(text) {
    // Full-width letters, digits and hyphens (typed with a Chinese input
    // method) as ASCII; spaces dropped; capitals, as printed.
    return text.replace(/[\uff01-\uff5e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).replace(/[\s\u3000]+/g, "").toUpperCase();
  }

  function open(text) {
    var number = normalized(text);
    // (the pattern and lengths the build checks explicit numbers against)
    if (!new RegExp(form.dataset.pattern).test(number) || number.length < Number(form.dataset.shortest)
        || number.length > Number(form.dataset.longest)) {
      status.textContent = form.dataset.invalid;
      return;
    }
    var target = new URL(number + "/", form.action);
    status.textContent = "";
    fetch(target, { method: "HEAD" }).then(function (response) {
      if (response.ok) {
        location.assign(target);
      } else {
        status.textContent = form.dataset.unknown.replace("%(number)s", number);
      }
    }, function () {
      location.assign(target);  // (offline or blocked: let the page itself answer)
    });
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
