// Injected by `oproep serve` only: reloads the page when the site was rebuilt.
(function () {
  "use strict";
  var source = new EventSource("/__oproep/events");
  source.addEventListener("reload", function () {
    window.location.reload();
  });
})();
