/* The home page's search box: filters the dataset cards by their titles, descriptions and keywords in both
   languages, ignoring case and Vietnamese accents ("dinh danh" finds "định danh"). Without script every
   dataset stays listed; nothing is fetched. */
(function () {
  "use strict";

  /** Lower case, without diacritics, đ as d, single spaces. */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  function setUp(form) {
    var input = form.querySelector("input[type=search]");
    var status = document.getElementById("search-status");
    var empty = document.getElementById("no-results");
    var cards = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
    var haystacks = cards.map(function (card) { return fold(card.getAttribute("data-search")); });
    var groups = Array.prototype.slice.call(document.querySelectorAll(".topic"));

    function apply() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var shown = 0;
      cards.forEach(function (card, i) {
        var match = words.every(function (word) { return haystacks[i].indexOf(word) !== -1; });
        card.hidden = !match;
        if (match) { shown += 1; }
      });
      groups.forEach(function (group) {
        group.hidden = group.querySelectorAll("[data-search]:not([hidden])").length === 0;
      });
      empty.hidden = shown !== 0;
      status.textContent = words.length === 0 ? "" :
        shown + " / " + cards.length + " tập dữ liệu khớp (datasets match)";
    }

    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    input.addEventListener("input", apply);
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; }
    form.hidden = false;
    apply();
  }

  var form = document.getElementById("search");
  if (form) { setUp(form); }
}());
