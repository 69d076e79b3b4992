/* Site search on /search/: results as you type from the Pagefind index, filters by kind with
   counts, the query kept in the URL, and a spelling fallback from a small word list built with
   the site. Loaded only on /search/; without JavaScript the page says so and links to A to Z.
   Everything it says comes from the page, in the page's language (components/ui_text.html). */
(function () {
  "use strict";

  var app = document.getElementById("search-app");
  if (!app) return;
  var form = app.querySelector("form");
  var input = document.getElementById("search-page-q");
  var status = document.getElementById("search-status");
  var filters = document.getElementById("search-filters");
  var results = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var instead = document.getElementById("search-instead");
  var base = app.getAttribute("data-base");
  var uiText = JSON.parse(document.getElementById("ui-text").textContent);
  var PAGE = 10;
  var pagefind = null;
  var words = null;
  var shown = [];
  var current = 0;
  var timer = null;

  /* The page's message for key, its {name}s filled in from values; forms for one and other counts chosen by count. */
  function phrase(key, values, count) {
    var forms = uiText[key];
    var chosen = typeof forms === "string" ? forms : forms[count === 1 ? "one" : "other"];
    return chosen.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  function params() {
    var query = new URLSearchParams(window.location.search);
    return { q: (query.get("q") || "").trim(), kind: query.get("kind") || "", spell: query.get("spell") || "" };
  }

  function setUrl(q, kind, spell) {
    var query = new URLSearchParams();
    if (q) query.set("q", q);
    if (kind) query.set("kind", kind);
    if (spell) query.set("spell", spell);
    var next = window.location.pathname + (query.toString() ? "?" + query.toString() : "");
    if (next !== window.location.pathname + window.location.search) window.history.replaceState(null, "", next);
  }

  function load() {
    if (!pagefind) {
      pagefind = import(app.getAttribute("data-bundle")).then(function (module) {
        // Filter counts come back with results only once the filter index is loaded.
        return Promise.resolve(module.options({ baseUrl: base }))
          .then(function () { return module.filters(); })
          .then(function () { return module; });
      });
    }
    return pagefind;
  }

  function loadWords() {
    if (!words) {
      words = fetch(app.getAttribute("data-words"))
        .then(function (response) { return response.ok ? response.json() : []; })
        .catch(function () { return []; })
        .then(function (list) {
          var known = Array.isArray(list) ? list : [];
          return { known: known, plain: known.map(unaccented) };
        });
    }
    return words;
  }

  /* Damerau-Levenshtein distance, stopping early past the limit. */
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var rows = [];
    for (var i = 0; i <= a.length; i++) {
      rows.push([i]);
      for (var j = 1; j <= b.length; j++) {
        if (i === 0) { rows[0].push(j); continue; }
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var value = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2][j - 2] + cost);
        rows[i].push(value);
      }
    }
    return rows[a.length][b.length];
  }

  /* A word without its accents (raquídeo: raquideo), as the word list's words are compared. */
  function unaccented(word) {
    return word.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  /* The query with each unknown word replaced by the nearest known one, or "" if none changed.
     Accents are optional: a word known but for its accents is left as typed (the index finds it). */
  function corrected(q, words) {
    var known = words.known, plain = words.plain;
    var changed = false;
    var out = q.toLowerCase().split(/\s+/).map(function (word) {
      var bare = unaccented(word);
      if (word.length < 4 || plain.indexOf(bare) >= 0) return word;
      var limit = word.length > 7 ? 2 : 1;
      var best = null, bestDistance = limit + 1;
      for (var i = 0; i < plain.length; i++) {
        var d = distance(bare, plain[i], limit);
        if (d < bestDistance) { best = known[i]; bestDistance = d; }
      }
      if (best) { changed = true; return best; }
      return word;
    });
    return changed ? out.join(" ") : "";
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) node.className = className;
    return node;
  }

  /* The summary with the query's words marked. */
  function highlighted(summary, q) {
    var node = document.createElement("p");
    node.className = "result-summary";
    var terms = q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 1; });
    if (!terms.length) { node.textContent = summary; return node; }
    var pattern = new RegExp("(" + terms.map(function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("|") + ")", "gi");
    summary.split(pattern).forEach(function (part, index) {
      node.appendChild(index % 2 ? text("mark", part) : document.createTextNode(part));
    });
    return node;
  }

  function renderFilters(search, kind) {
    filters.textContent = "";
    var counts = (search.totalFilters && search.totalFilters.kind) || {};
    var names = Object.keys(counts).filter(function (name) { return counts[name] > 0; }).sort();
    if (!names.length) { filters.hidden = true; return; }
    var fieldset = document.createElement("fieldset");
    fieldset.appendChild(text("legend", phrase("show")));
    var options = [["", phrase("all"), search.unfilteredResultCount]].concat(names.map(function (name) { return [name, name, counts[name]]; }));
    options.forEach(function (option) {
      var label = document.createElement("label");
      var radio = document.createElement("input");
      radio.type = "radio";
      radio.name = "kind";
      radio.value = option[0];
      radio.checked = option[0] === kind;
      label.appendChild(radio);
      label.appendChild(document.createTextNode(" " + option[1] + " (" + option[2] + ")"));
      fieldset.appendChild(label);
    });
    filters.appendChild(fieldset);
    filters.hidden = false;
  }

  function showMore(q, focusFirst) {
    var batch = shown.slice(current, current + PAGE);
    current += batch.length;
    more.hidden = current >= shown.length;
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (pages) {
      var first = null;
      pages.forEach(function (page) {
        var item = document.createElement("li");
        item.className = "result";
        item.appendChild(text("p", (page.meta && page.meta.kind) || phrase("page"), "result-kind"));
        var heading = document.createElement("h3");
        heading.className = "result-title";
        var link = text("a", (page.meta && page.meta.title) || page.url);
        link.href = page.url;
        heading.appendChild(link);
        item.appendChild(heading);
        item.appendChild(highlighted((page.meta && page.meta.summary) || "", q));
        results.appendChild(item);
        first = first || link;
      });
      if (focusFirst && first) first.focus();
    });
  }

  function announce(count, q, correction) {
    var message;
    instead.hidden = !correction;
    if (correction) {
      var query = new URLSearchParams({ q: q, spell: "off" });
      if (params().kind) query.set("kind", params().kind);
      instead.querySelector("a").href = "?" + query.toString();
      instead.querySelector("a").textContent = q;
    }
    if (!q) message = "";
    else if (correction) message = phrase("corrected", { count: count, words: correction }, count);
    else if (!count) message = phrase("none", { words: q });
    else message = phrase("found", { count: count, words: q }, count);
    status.textContent = message;
  }

  function run() {
    var state = params();
    var q = input.value.trim();
    var kind = state.kind;
    // "Search instead for" the words as typed lasts until the words change.
    if (q !== state.q) state.spell = "";
    setUrl(q, kind, state.spell);
    var ticket = {};
    run.ticket = ticket;
    if (!q) {
      results.textContent = "";
      filters.hidden = true;
      more.hidden = true;
      announce(0, "");
      return Promise.resolve();
    }
    var options = { filters: kind ? { kind: kind } : {} };
    var exact = state.spell === "off";
    return Promise.all([load(), exact ? null : loadWords()]).then(function (loaded) {
      var engine = loaded[0];
      var fixed = exact ? "" : corrected(q, loaded[1]);
      var first = engine.search(fixed || q, options);
      if (!fixed) return first.then(function (search) { return [search, ""]; });
      return first.then(function (search) {
        if (search.unfilteredResultCount) return [search, fixed];
        return engine.search(q, options).then(function (plain) { return [plain, ""]; });
      });
    }).then(function (found) {
      if (run.ticket !== ticket) return;
      var search = found[0], correction = found[1];
      results.textContent = "";
      shown = search.results;
      current = 0;
      renderFilters(search, kind);
      announce(shown.length, q, correction);
      return showMore(correction || q, false);
    }).catch(function () {
      status.textContent = phrase("failed");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 200);
  });
  filters.addEventListener("change", function (event) {
    if (event.target.name !== "kind") return;
    setUrl(input.value.trim(), event.target.value, params().spell);
    run();
  });
  more.addEventListener("click", function () {
    showMore(input.value.trim(), true);
  });

  var initial = params();
  input.value = initial.q;
  app.classList.add("search-ready");
  if (initial.q) run();
})();
