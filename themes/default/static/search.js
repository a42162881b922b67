// Full-text search over a small index made at build time; no external service.
(function () {
  "use strict";
  var form = document.getElementById("search");
  if (!form) return;
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var index = null;

  // Lower case without accents, so "coordinator" finds "coördinator".
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function load() {
    if (!index) {
      index = fetch(form.dataset.index).then(function (r) { return r.json(); }).then(function (entries) {
        return entries.map(function (e) {
          return { title: e.title, url: e.url, text: e.text, haystack: fold(e.title + " " + e.text), head: fold(e.title) };
        });
      });
    }
    return index;
  }
  function snippet(text, word) {
    var at = fold(text).indexOf(word);
    if (at < 0) return text.slice(0, 160);
    var start = Math.max(0, at - 60);
    return (start > 0 ? "…" : "") + text.slice(start, start + 180) + "…";
  }
  function search(query) {
    var words = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    load().then(function (entries) {
      var hits = entries.filter(function (e) {
        return words.every(function (w) { return e.haystack.indexOf(w) >= 0; });
      });
      hits.sort(function (a, b) {
        var at = words.some(function (w) { return a.head.indexOf(w) >= 0; }) ? 0 : 1;
        var bt = words.some(function (w) { return b.head.indexOf(w) >= 0; }) ? 0 : 1;
        return at - bt;
      });
      hits.slice(0, 50).forEach(function (hit) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = hit.url;
        a.textContent = hit.title;
        var p = document.createElement("p");
        p.textContent = snippet(hit.text, words[0]);
        li.appendChild(a);
        li.appendChild(p);
        list.appendChild(li);
      });
      status.textContent = hits.length ? hits.length + " " + form.dataset.found : form.dataset.none;
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    search(input.value);
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    search(initial);
  }
})();
