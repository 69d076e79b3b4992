/* The doctor and location finders, as an enhancement of lists that are complete without it:
   filters kept in the URL query (so a list can be shared, reloaded and stepped back through),
   ten doctors at a time, and a sort by distance from a ZIP code or the browser's location.
   The ZIP code table is one of the site's own files, fetched only when a ZIP code is used.
   Everything it says comes from the page, in the page's language (components/ui_text.html). */
(() => {
  "use strict";

  const root = document.querySelector("[data-finder]");
  if (!root || !window.URLSearchParams || !window.fetch || !("pushState" in window.history)) {
    return;
  }

  const PAGE_SIZE = 10;
  const LOCATE_TIMEOUT_MS = 10000; // how long the browser may take to find where we are
  const EARTH_RADIUS_MILES = 3958.8; // as in sitegen/geo.py
  const FILTERS = ["condition", "specialty", "language", "location", "accepting", "q"];

  const uiText = JSON.parse(document.getElementById("ui-text").textContent);
  const places = JSON.parse(root.querySelector("[data-finder-places]").textContent);
  const list = root.querySelector("[data-finder-list]");
  const items = Array.from(list.children); // in the page's own order: by family name, or hospitals first
  const filters = root.querySelector("[data-finder-filters]");
  const distance = root.querySelector("[data-finder-distance]");
  const message = root.querySelector("[data-finder-message]");
  const status = root.querySelector("[data-finder-status]");
  const empty = root.querySelector("[data-finder-empty]");
  const more = root.querySelector("[data-finder-more]");
  const zipInput = distance.elements.zip;
  const byNameButton = distance.querySelector("[data-action=by-name]");

  let query = {}; // the filters and zip, exactly as in the URL
  let origin = null; // {lat, lng, zip} or {lat, lng, here: true}: what the list is sorted by distance from
  let shown = PAGE_SIZE;
  let typing = false; // the last history entry is a name still being typed: replace it, do not add one
  let typingTimer = 0;
  let zipTable = null; // the promise of the ZIP code table, once one is asked for
  let generation = 0; // bumped by each move of the distance origin, so a late answer cannot undo a newer one
  let locating = 0; // the number of the location request in flight, or 0

  // --- distance -----------------------------------------------------------------------------

  function distanceMiles(lat1, lng1, lat2, lng2) {
    const rad = Math.PI / 180;
    const dLat = (lat2 - lat1) * rad;
    const dLng = (lng2 - lng1) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
    return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  /** The page's message for key, its {name}s filled in from values; forms for one and other counts chosen by count. */
  function phrase(key, values = {}, count = 0) {
    const forms = uiText[key];
    const chosen = typeof forms === "string" ? forms : forms[count === 1 ? "one" : "other"];
    return chosen.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  function distanceText(found) {
    const values = { miles: found.miles.toFixed(1), place: found.place.name };
    return found.miles < 0.05 ? phrase("distanceUnderTenth", values) : phrase("distance", values);
  }

  function nearestPlace(item) {
    let best = null;
    for (const id of item.dataset.locations.split(" ")) {
      const place = places[id];
      if (place) {
        const miles = distanceMiles(origin.lat, origin.lng, place.lat, place.lng);
        if (!best || miles < best.miles) {
          best = { miles, place };
        }
      }
    }
    return best || { miles: Infinity, place: null };
  }

  function loadZipTable() {
    if (!zipTable) {
      zipTable = fetch(distance.dataset.zipTable).then((response) => {
        if (!response.ok) {
          throw new Error(`ZIP code table: HTTP ${response.status}`);
        }
        return response.json();
      });
      zipTable.catch(() => {
        zipTable = null; // let the next try fetch it again
      });
    }
    return zipTable;
  }

  // --- the URL --------------------------------------------------------------------------------

  function isKnown(name, value) {
    if (name === "q") {
      return true;
    }
    if (name === "accepting") {
      return value === "yes";
    }
    return Array.from(filters.elements[name].options).some((option) => option.value && option.value === value);
  }

  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    const read = {};
    if (filters) {
      for (const name of FILTERS) {
        const value = (params.get(name) || "").trim();
        if (value && isKnown(name, value)) {
          read[name] = value;
        }
      }
    }
    const zip = (params.get("zip") || "").trim();
    if (/^\d{5}$/.test(zip)) {
      read.zip = zip;
    }
    return read;
  }

  function urlFor(state) {
    const params = new URLSearchParams();
    for (const name of [...FILTERS, "zip"]) {
      if (state[name]) {
        params.set(name, state[name]);
      }
    }
    const search = params.toString();
    return window.location.pathname + (search ? `?${search}` : "");
  }

  function historyState() {
    // The browser's own location is kept with the history entry, never in the URL.
    return origin && origin.here ? { here: { lat: origin.lat, lng: origin.lng } } : null;
  }

  /** Record the state in the history: a new entry, unless replace or nothing changed. */
  function remember(replace) {
    const url = urlFor(query);
    const unchanged =
      url === window.location.pathname + window.location.search &&
      JSON.stringify(historyState()) === JSON.stringify(window.history.state);
    if (replace || unchanged) {
      window.history.replaceState(historyState(), "", url);
    } else {
      window.history.pushState(historyState(), "", url);
    }
  }

  // --- showing the list ---------------------------------------------------------------------

  function words(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .split(/[^a-z0-9']+/)
      .filter((word) => word && !/^(dr|doctor)$/.test(word));
  }

  function matches(item) {
    const data = item.dataset;
    const among = (values, value) => values.split(" ").includes(value);
    return (
      (!query.condition || among(data.conditions, query.condition)) &&
      (!query.specialty || among(data.specialties, query.specialty)) &&
      (!query.language || among(data.languages, query.language)) &&
      (!query.location || among(data.locations, query.location)) &&
      (!query.accepting || data.accepting === "yes") &&
      (!query.q || words(query.q).every((word) => words(data.name).some((part) => part.startsWith(word))))
    );
  }

  /** Show the list for the current query and origin; returns the matching items in order. */
  function render() {
    let matching = items.filter(matches);
    const nearest = new Map();
    if (origin) {
      for (const item of matching) {
        nearest.set(item, nearestPlace(item));
      }
      // Array sort is stable: equal distances keep the page's own order.
      matching = matching.slice().sort((a, b) => nearest.get(a).miles - nearest.get(b).miles);
    }
    // The page reads in the order it shows: matches first, in sorted order, the rest after them.
    const position = new Map(matching.map((item, index) => [item, index]));
    const order = matching.concat(items.filter((item) => !position.has(item)));
    order.forEach((item, index) => {
      if (list.children[index] !== item) {
        list.insertBefore(item, list.children[index] || null);
      }
    });
    const limit = more ? shown : Infinity;
    for (const item of items) {
      const index = position.has(item) ? position.get(item) : -1;
      item.hidden = index < 0 || index >= limit;
      const note = item.querySelector("[data-distance]");
      const found = nearest.get(item);
      if (found && found.place) {
        note.textContent = distanceText(found);
        note.hidden = false;
      } else {
        note.textContent = "";
        note.hidden = true;
      }
    }
    const count = Math.min(limit, matching.length);
    list.hidden = matching.length === 0;
    if (status) {
      status.textContent = matching.length
        ? phrase("showing", { count, total: matching.length }, matching.length)
        : phrase("noMatch");
    }
    if (empty) {
      empty.hidden = matching.length > 0;
    }
    if (more) {
      more.hidden = count >= matching.length;
    }
    byNameButton.hidden = !origin;
    return matching;
  }

  /** Set the controls to the state; a field being typed in is left alone unless the URL moved (Back). */
  function showControls(fromUrl) {
    if (filters) {
      for (const name of FILTERS) {
        const field = filters.elements[name];
        if (field.type === "checkbox") {
          field.checked = query[name] === field.value;
        } else if (fromUrl || field !== document.activeElement) {
          field.value = query[name] || "";
        }
      }
      filters.querySelector("[data-action=reset]").hidden = !FILTERS.some((name) => query[name]);
    }
    if (fromUrl || !origin || origin.here) {
      zipInput.value = query.zip || "";
    }
  }

  function say(text, problem) {
    message.textContent = text;
    message.classList.toggle("is-problem", Boolean(problem));
    if (problem === "zip") {
      zipInput.setAttribute("aria-invalid", "true");
    } else {
      zipInput.removeAttribute("aria-invalid");
    }
  }

  // --- changes ------------------------------------------------------------------------------

  function filterChanged(name, value, fromTyping) {
    if ((query[name] || "") === value) {
      return;
    }
    if (value) {
      query[name] = value;
    } else {
      delete query[name];
    }
    shown = PAGE_SIZE;
    remember(fromTyping && typing);
    typing = fromTyping;
    render();
    showControls();
  }

  /** Take every filter from the form at once (a change the browser has not yet reported included). */
  function applyForm() {
    window.clearTimeout(typingTimer);
    let changed = false;
    for (const name of FILTERS) {
      const field = filters.elements[name];
      const value = field.type === "checkbox" ? (field.checked ? field.value : "") : field.value.trim();
      if ((query[name] || "") !== value) {
        changed = true;
        if (value) {
          query[name] = value;
        } else {
          delete query[name];
        }
      }
    }
    if (changed) {
      shown = PAGE_SIZE;
      remember(typing);
      render();
      showControls();
    }
    typing = false;
  }

  function resetFilters() {
    for (const name of FILTERS) {
      delete query[name];
    }
    shown = PAGE_SIZE;
    typing = false;
    remember(false);
    render();
    showControls();
    filters.elements.q.focus(); // the control that held focus may just have been hidden
  }

  function sortFrom(point, message) {
    origin = point;
    if (point && point.zip) {
      query.zip = point.zip;
    } else {
      delete query.zip;
    }
    shown = PAGE_SIZE;
    typing = false;
    generation += 1;
    remember(false);
    render();
    showControls();
    say(message);
  }

  /** The ZIP code's point; null when there is no such ZIP code, undefined when the table did not load. */
  async function zipPoint(zip) {
    let table;
    try {
      table = await loadZipTable();
    } catch {
      return undefined;
    }
    const point = Object.prototype.hasOwnProperty.call(table, zip) ? table[zip] : null;
    return point && { lat: point[0], lng: point[1], zip };
  }

  function zipProblem(zip, point) {
    return point === null ? phrase("zipUnknown", { zip }) : phrase("zipTableFailed");
  }

  function sortedFromZip(zip) {
    return phrase("sortedFromZip", { zip });
  }

  async function useZip() {
    const zip = zipInput.value.trim();
    if (!/^\d{5}$/.test(zip)) {
      say(phrase("zipInvalid"), "zip");
      return;
    }
    const asked = ++generation;
    say(phrase("zipLooking", { zip }));
    const point = await zipPoint(zip);
    if (asked !== generation) {
      return; // the visitor has moved on
    }
    if (point) {
      sortFrom(point, sortedFromZip(zip));
    } else {
      say(zipProblem(zip, point), "zip");
    }
  }

  function locate() {
    if (locating) {
      return;
    }
    if (!navigator.geolocation) {
      say(phrase("noGeolocation"), "location");
      return;
    }
    const request = ++generation;
    locating = request;
    say(phrase("locating"));
    const stop = (text) => {
      if (locating === request) {
        locating = 0;
        window.clearTimeout(timer);
        if (text) {
          say(text, "location");
        }
      }
    };
    // Our own limit too: a browser may never answer at all (a prompt left open, a stubbed API).
    const timer = window.setTimeout(() => stop(phrase("locateTimeout")), LOCATE_TIMEOUT_MS + 2000);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        stop("");
        if (request !== generation) {
          return; // the visitor has moved on
        }
        const round = (value) => Math.round(value * 100) / 100; // about half a mile: enough to sort by
        sortFrom(
          { lat: round(position.coords.latitude), lng: round(position.coords.longitude), here: true },
          phrase("sortedFromHere"),
        );
      },
      (error) => {
        const denied = error.code === 1; // PERMISSION_DENIED; 3 is TIMEOUT
        stop(denied ? phrase("locateDenied") : error.code === 3 ? phrase("locateSlow") : phrase("locateUnavailable"));
      },
      { timeout: LOCATE_TIMEOUT_MS, maximumAge: 600000 },
    );
  }

  /** Take the state of the URL (and its history entry) as it now is: on load and on Back. */
  async function restore(entry) {
    const asked = ++generation;
    window.clearTimeout(typingTimer);
    query = readUrl();
    origin = entry && entry.here && !query.zip ? { lat: entry.here.lat, lng: entry.here.lng, here: true } : null;
    shown = PAGE_SIZE;
    typing = false;
    if (urlFor(query) !== window.location.pathname + window.location.search) {
      window.history.replaceState(entry, "", urlFor(query)); // drop what the page does not know
    }
    render();
    showControls(true);
    say(origin ? phrase("sortedFromHere") : "");
    if (!query.zip) {
      return;
    }
    say(phrase("zipLooking", { zip: query.zip }));
    const point = await zipPoint(query.zip);
    if (asked !== generation) {
      return;
    }
    if (point) {
      origin = point;
      render();
      say(sortedFromZip(point.zip));
      return;
    }
    say(zipProblem(query.zip, point), "zip");
    if (point === null) {
      delete query.zip; // the list is not sorted by it, so the URL should not say so; the field keeps it to fix
      window.history.replaceState(entry, "", urlFor(query));
    }
  }

  // --- wiring -------------------------------------------------------------------------------

  /** Leaving the name field or pressing Enter ends this name: the next one is a new history entry. */
  function nameDone() {
    window.clearTimeout(typingTimer);
    filterChanged("q", filters.elements.q.value.trim(), typing);
    typing = false;
  }

  if (filters) {
    filters.addEventListener("change", (event) => {
      const field = event.target;
      if (field.name === "q") {
        nameDone();
      } else if (FILTERS.includes(field.name)) {
        filterChanged(field.name, field.type === "checkbox" ? (field.checked ? field.value : "") : field.value, false);
      }
    });
    filters.elements.q.addEventListener("input", (event) => {
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(() => filterChanged("q", event.target.value.trim(), true), 250);
    });
    // "Show doctors" (or Enter in a field): every control as it stands now, as one step back,
    // then the count, so keyboard and screen reader users hear what the filters found.
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      applyForm();
      status.focus();
    });
  }
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) {
      return;
    }
    const action = button.dataset.action;
    if (action === "reset") {
      resetFilters();
    } else if (action === "more" || action === "all") {
      const first = shown;
      shown = action === "all" ? Infinity : shown + PAGE_SIZE;
      const matching = render();
      // Focus the first card just shown, so keyboard and screen reader users read on from there.
      const next = matching[first];
      if (next) {
        next.querySelector("a").focus();
      }
    } else if (action === "locate") {
      locate();
    } else if (action === "by-name") {
      zipInput.focus(); // this button is about to be hidden
      sortFrom(null, phrase("sortedByName"));
    }
  });
  distance.addEventListener("submit", (event) => {
    event.preventDefault();
    useZip();
  });
  window.addEventListener("popstate", (event) => restore(event.state));

  restore(window.history.state);
  if (filters) {
    filters.hidden = false;
  }
  distance.hidden = false;
})();
