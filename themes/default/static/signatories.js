// Search and filters for the signatories list. Without this script the list is paged; with it,
// the published names are loaded in chunks the first time someone searches or filters.
(function () {
  "use strict";
  var form = document.getElementById("filter");
  if (!form) return;
  var search = document.getElementById("filter-search");
  var category = document.getElementById("filter-category");
  var place = document.getElementById("filter-place");
  var status = document.getElementById("filter-status");
  var results = document.getElementById("filter-results");
  var staticList = document.getElementById("static-list");
  var LIMIT = 500;
  var rows = null;
  var loading = null;

  function load() {
    if (!loading) {
      var urls = [];
      for (var i = 0; i < Number(form.dataset.chunks); i++) urls.push(form.dataset.url + i + ".json");
      loading = Promise.all(urls.map(function (u) {
        return fetch(u).then(function (r) { return r.json(); });
      })).then(function (chunks) {
        rows = [].concat.apply([], chunks);
        return rows;
      });
    }
    return loading;
  }

  function norm(text) {
    return text.trim().toLowerCase();
  }

  function item(row) {
    // Rows are [name, function, organisation, place, category]; text only, never markup.
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = row[0];
    li.appendChild(name);
    var role = [row[1], row[2]].filter(Boolean).join(", ");
    if (role) {
      var r = document.createElement("span");
      r.className = "role";
      r.textContent = role;
      li.appendChild(r);
    }
    if (row[3]) {
      var p = document.createElement("span");
      p.className = "place";
      p.textContent = row[3];
      li.appendChild(p);
    }
    return li;
  }

  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    // The page counts "Den Haag" and "den haag " as one place; so does the filter.
    var cat = category ? norm(category.value) : "";
    var plc = place ? norm(place.value) : "";
    if (!words.length && !cat && !plc) {
      results.hidden = true;
      staticList.hidden = false;
      status.textContent = "";
      return;
    }
    status.textContent = status.dataset.loading;
    load().then(function (all) {
      var found = all.filter(function (row) {
        if (cat && norm(row[4]) !== cat) return false;
        if (plc && norm(row[3]) !== plc) return false;
        var text = row.slice(0, 4).join(" ").toLowerCase();
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      results.textContent = "";
      found.slice(0, LIMIT).forEach(function (row) { results.appendChild(item(row)); });
      results.hidden = false;
      staticList.hidden = true;
      var message = found.length + " " + status.dataset.results;
      if (found.length > LIMIT) message += ". " + status.dataset.more.replace("{n}", LIMIT);
      status.textContent = message;
    });
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  }
  form.hidden = false;
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  search.addEventListener("input", later);
  if (category) category.addEventListener("change", apply);
  if (place) place.addEventListener("change", apply);
})();
