// Small things for every page: the "copy link" share button.
(function () {
  "use strict";
  document.querySelectorAll("a.copy-link").forEach(function (link) {
    if (!navigator.clipboard) return; // without it the link still leads to the page
    link.addEventListener("click", function (event) {
      event.preventDefault();
      navigator.clipboard.writeText(link.href).then(function () {
        link.textContent = link.dataset.copied;
      });
    });
  });
})();
