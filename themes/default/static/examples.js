// Instant filtering of the examples. Without this script the facet links lead to a page per
// filter; with it, the selects narrow the cards on the page itself.
(function () {
  "use strict";
  var form = document.getElementById("example-filter");
  if (!form) return;
  var selects = form.querySelectorAll("select");
  var cards = document.querySelectorAll("#example-cards .card");
  var count = document.getElementById("example-count");
  var links = document.getElementById("facet-links");

  function apply() {
    var wanted = [];
    selects.forEach(function (s) { if (s.value) wanted.push(s.value); });
    var shown = 0;
    cards.forEach(function (card) {
      var keys = card.dataset.filter.split(" ");
      var match = wanted.every(function (w) { return keys.indexOf(w) >= 0; });
      card.hidden = !match;
      if (match) shown++;
    });
    count.textContent = shown + " " + count.dataset.label;
  }
  // Each select's options are its facet's links, the current page's one selected.
  selects.forEach(function (select) {
    var prefix = select.dataset.key + ":";
    links.querySelectorAll("a[data-filter]").forEach(function (a) {
      if (a.dataset.filter.indexOf(prefix) !== 0) return;
      var current = a.getAttribute("aria-current") === "page";
      select.add(new Option(a.textContent, a.dataset.filter, current, current));
    });
  });
  form.hidden = false;
  if (links) links.hidden = true;
  // On a filter page the script shows every example and pre-selects the page's filter.
  if (selects.length && document.querySelectorAll("#example-cards .card").length) {
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    apply();
  }
})();
