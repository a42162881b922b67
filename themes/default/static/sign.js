// Signing by e-mail. The plain mailto: links work without this script; it adds two things:
// the signing form fills in the mail body, and a hidden address is put back into the links.
(function () {
  "use strict";

  // RFC 6068: every part percent-encoded, line breaks as CRLF.
  function encode(text) {
    return encodeURIComponent(text).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }
  function mailto(address, subject, body) {
    var parts = [];
    if (subject) parts.push("subject=" + encode(subject));
    if (body) parts.push("body=" + encode(body.replace(/\r\n/g, "\n").replace(/\n/g, "\r\n")));
    return "mailto:" + encode(address).replace(/%40/g, "@") + (parts.length ? "?" + parts.join("&") : "");
  }

  var data = document.body.dataset;
  var address = "";
  if (data.address) {
    // The address is stored as reversed character codes, so harvesters do not see it.
    address = data.address.split(",").reverse().map(function (c) {
      return String.fromCharCode(Number(c));
    }).join("");
    document.querySelectorAll("a[data-sign]").forEach(function (a) {
      a.href = mailto(address, data.subject, data.body);
    });
    document.querySelectorAll("a[data-withdraw]").forEach(function (a) {
      a.href = mailto(address, data.withdrawSubject, data.withdrawBody);
    });
  } else {
    var plain = document.querySelector("a[data-sign][href^='mailto:']");
    if (plain) address = decodeURIComponent(plain.getAttribute("href").slice(7).split("?")[0]);
  }

  var form = document.getElementById("sign-form");
  var link = document.getElementById("sign-link");
  if (!form || !link || !address) return;

  // Each field completes its own line of the template, e.g. "Naam:" -> "Naam: Jan".
  function filledBody() {
    // Trailing spaces in the template do not count: the fields name the trimmed lines.
    var lines = form.dataset.body.split("\n").map(function (l) { return l.replace(/\s+$/, ""); });
    form.querySelectorAll("[data-line]").forEach(function (input) {
      if (input.type === "radio" && !input.checked) return;
      var value = input.value.replace(/[\r\n]+/g, " ").trim();
      if (!value) return;
      var at = lines.indexOf(input.dataset.line);
      if (at >= 0) lines[at] = input.dataset.line + " " + value;
    });
    return lines.join("\n");
  }
  function update() {
    link.href = mailto(address, form.dataset.subject, filledBody());
  }
  form.hidden = false;
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    update();
    window.location.href = link.href;
  });
})();
