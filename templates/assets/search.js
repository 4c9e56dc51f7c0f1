/* Count Me In site search. Plain JavaScript: no framework, no build step, no eval, no modules.
   The index (written by src/cmi_site/outputs/search.py) is a set of classic scripts that each call
   CMI_SEARCH.add(key, data), so it loads from file://, at a domain root, under a sub-path and under
   a strict Content-Security-Policy. A query loads only what it needs: the dictionary for its first
   letters, the postings for its words, the filters in use and the chunks holding the results shown.
   normalise, indexWords and stem mirror outputs/searchtext.py exactly (tests compare the two). */
(() => {
  "use strict";

  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  var SUFFIXES = ["ing", "ed", "er", "ers", "es", "s", "e"];
  var WORD = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;
  var BREAK = /[^\p{L}\p{N}_\s'\u2019-]+/u; // punctuation, as _BREAK in searchtext.py
  var SHOWN = 10; // results drawn at a time
  var EXPANSIONS = 10; // at most this many index words for a word being typed
  var TYPO = 5; // a word this long or longer may have a typo (the dictionary groups of its first letter load)
  var FIRST_TYPO = 7; // a word this long or longer may have a typo in its first letter (all dictionary groups load)
  var WAIT = 150; // ms: while typing, wait this long for the next key before loading anything new
  var SOME = "No results with all of your words. Showing results with some of them. ";
  // What a document's lead and body are (doc_text in outputs/search.py), said when no shown word matched.
  var WHERE_LEAD = { story: "its summary, headings, area, sector, theme or approach", signatory: "its role, organisation, commitments, area or sector",
    event: "its summary, headings or place", page: "its summary or headings" };
  var WHERE_BODY = { story: "words in the story", signatory: "words in the signatory's page", event: "words in the event's description",
    page: "words in the page" };
  var SOME_PHRASE = "No results with all of your words and the quoted ones next to each other. Showing results with some of them. ";
  var FAILED = "Sorry, the search index did not load. Try again, or browse stories by area, theme or sector.";
  var PAUSE = 500; // ms: while typing, put the search in the address once typing pauses this long
  var SAY = 700; // ms: while typing, say how many results (in the live status line) once typing pauses this long
  var NUMBER = new Intl.NumberFormat("en-GB");
  var DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

  var DIGIT = new Int8Array(128);
  for (var i = 0; i < 64; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
  // A posting's weight character: 8 = in the title, 4 = in the summary, 1 to 3 = how often in the body.
  var WEIGHT = [];
  for (i = 0; i < 16; i++) WEIGHT.push((i & 8 ? 8 : 0) + (i & 4 ? 3 : 0) + [0, 1, 1.5, 2][i & 3]);

  // ---- text: the same as searchtext.py -------------------------------------------------------------

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/['\u2019]s(?![\p{L}\p{N}])/gu, "").replace(/['\u2019]/g, "");
  }

  function isTerm(word) {
    return word.length > 1 && !STOP.has(word);
  }

  function indexWords(text) {
    var out = [];
    (normalise(text).match(WORD) || []).forEach((word) => {
      if (word.indexOf("-") >= 0) {
        out.push.apply(out, word.split("-"));
        word = word.replace(/-/g, "");
      }
      out.push(word);
    });
    return out.filter(isTerm);
  }

  function stem(w) {
    if (w.length <= 3 || !/^[a-z]+$/.test(w)) return w;
    if (w.length > 4 && /ie[sd]$/.test(w)) w = w.slice(0, -3) + "y";
    else if (/(sses|ches|shes|xes)$/.test(w)) w = w.slice(0, -2);
    else if (/s$/.test(w) && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
    var m = /(ing|ed|er)$/.exec(w);
    if (m) {
      var rest = w.slice(0, -m[1].length), last = rest.charAt(rest.length - 1);
      if (rest.length >= 3 && /[aeiouy]/.test(rest)) {
        w = last === rest.charAt(rest.length - 2) && "aeiouylsz".indexOf(last) < 0 ? rest.slice(0, -1) : rest;
      }
    }
    return w.length >= 5 && w.charAt(w.length - 1) === "e" ? w.slice(0, -1) : w;
  }

  /* The words of a query. The last one, when nothing follows it, may be a word still being typed.
     tokens.pairs: the pairs of words (stems joined by "_", as pair_counts in searchtext.py makes them)
     that a quoted phrase needs, next to each other in a title or lead (the body's pairs are not indexed); tokens.near: those of the other words, which rank a
     document holding them first; tokens.whole: the query as a whole title or heading (whole_term in
     searchtext.py), which ranks such a document first, and is all a query of stop words looks for. */
  function queryTokens(q) {
    var text = normalise(q), open = /[\p{L}\p{N}]$/u.test(text), pieces = text.split(/["\u201c\u201d]/);
    var tokens = [], pairs = [], near = [];
    pieces.forEach((piece, p) => {
      var words = piece.match(WORD) || [], runs = piece.split(BREAK);
      words.forEach((word, i) => {
        word = word.replace(/-/g, "");
        var t = { w: word, s: stem(word), prefix: open && p === pieces.length - 1 && i === words.length - 1 };
        if (t.prefix ? t.w.length > 1 : isTerm(t.w)) tokens.push(t);
      });
      runs.forEach((run, r) => { // as in the index, no pair across punctuation
        var stems = (run.match(WORD) || []).map((w) => w.replace(/-/g, "")).filter(isTerm).map(stem);
        if (p % 2 && open && p === pieces.length - 1 && r === runs.length - 1) stems.pop(); // a phrase's word being typed
        for (var i = 1; i < stems.length; i++) (p % 2 ? pairs : near).push(stems[i - 1] + "_" + stems[i]);
      });
    });
    tokens.pairs = unique(pairs);
    tokens.near = unique(near);
    var all = (text.match(WORD) || []).map((w) => w.replace(/-/g, ""));
    tokens.whole = all.length > 1 || (all.length && !tokens.length) ? "_" + all.join("_") : ""; // as whole_term
    return tokens;
  }

  // ---- loading the index -------------------------------------------------------------------------

  var parts = {}, files = {}, M = null, STOP = null, VALUES = {}, STALE = {};

  function loadFile(name) {
    if (!files[name]) {
      files[name] = new Promise((resolve, reject) => {
        var script = document.createElement("script");
        script.src = name; // relative to the search page, where the index lives
        script.onload = resolve;
        script.onerror = function () {
          delete files[name];
          reject(new Error("could not load " + name));
        };
        document.head.appendChild(script);
      });
    }
    return files[name];
  }

  /* Load the parts named by keys. A typing run first waits a moment, and gives up if another key came. */
  async function need(keys, run) {
    var missing = unique(keys).filter((key) => !parts[key]);
    if (!missing.length) return;
    if (run.typing && !run.waited) {
      run.waited = true;
      await new Promise((resolve) => { setTimeout(resolve, WAIT); });
    }
    if (run.id !== latest) throw STALE;
    await Promise.all(missing.map((key) => {
      return loadFile(fileOf(key)).then(() => { if (!parts[key]) throw new Error("missing " + key); });
    }));
    if (run.id !== latest) throw STALE;
  }

  /* A part's file: key.hash.js, with the hash of its kind from main (c0, c1 ... are kind "c"): one
     for the kind, or a list with one for each block of M.block parts (c0-c31, c32-c63 ...). */
  function fileOf(key) {
    var numbered = /^[a-z][0-9]+$/.test(key);
    var hash = M.files[numbered ? key.charAt(0) : key];
    if (typeof hash !== "string") hash = hash[Math.floor(Number(key.slice(1)) / M.block)];
    return key + "." + hash + ".js";
  }

  function unique(list) {
    return Array.from(new Set(list));
  }

  /* The last position whose start is at or before text: which dictionary group or postings shard. */
  function partOf(starts, text) {
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= text) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function seek(list, text) {
    var lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid] < text) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  var dicts = {}, decoded = new Map();

  /* The dictionary groups holding the terms from lo to hi: groups are runs of sorted terms. */
  function dictKeys(lo, hi) {
    var keys = [];
    for (var i = partOf(M.starts.d, lo), last = partOf(M.starts.d, hi); i <= last; i++) keys.push("d" + i);
    return keys;
  }

  /* The groups a word needs, as expand looks it up: its stem, itself, and, for a word being typed,
     the words it begins and the shorter words it may be a form of (mayStemTo). */
  function wordKeys(t) {
    var lo = t.s < t.w ? t.s : t.w, hi = t.s < t.w ? t.w : t.s;
    if (t.prefix) {
      var short = t.w.slice(0, Math.max(3, t.w.length - 4));
      return dictKeys(short < lo ? short : lo, t.w + "\uffff");
    }
    return dictKeys(lo, hi);
  }

  /* The groups a typo needs. Mode 2, a typo in the first letter (i = 0); mode 1, one after it (i = 1).
     With x the word or its stem and cut = x without letter i, a word one typo away at i is in the
     typo group (g for i = 1, e for i = 0) of cut (a letter changed) or of x (one added), or in the
     dictionary as cut (one too many) or as x with letters i and i + 1 swapped; a typo after the
     second letter keeps the first two (mode 1). A single-file index has no typo groups: it looks at
     the groups of the first letter (mode 1) or at every group (mode 2). */
  function typoKeys(t, mode) {
    var i = 2 - mode, kind = mode === 1 ? "g" : "e", keys = [];
    if (!M.starts[kind]) return mode === 1 ? dictKeys(t.w.charAt(0), t.w.charAt(0) + "\uffff") : M.starts.d.map((_, j) => "d" + j);
    unique([t.s, t.w]).forEach((x) => {
      var cut = x.slice(0, i) + x.slice(i + 1), swap = x.slice(0, i) + x.charAt(i + 1) + x.charAt(i) + x.slice(i + 2);
      keys.push(kind + partOf(M.starts[kind], cut), kind + partOf(M.starts[kind], x));
      keys.push.apply(keys, dictKeys(cut, cut).concat(dictKeys(swap, swap), mode === 1 ? dictKeys(x.slice(0, 2), x.slice(0, 2) + "\uffff") : []));
    });
    return unique(keys);
  }

  /* Dictionary groups, loaded, as one sorted list of terms (t) and their frequency characters (f). */
  function dictionary(keys) {
    var id = keys.join(" ");
    if (!dicts[id]) {
      var t = [], f = "";
      keys.forEach((key) => {
        if (parts[key].w) t = t.concat(parts[key].w.split(" "));
        f += parts[key].f || ""; // a tail group (e) has no frequencies: only typos look at it
      });
      dicts[id] = { t: t, f: f };
    }
    return dicts[id];
  }

  function shardKey(term) {
    var pair = term.indexOf("_") >= 0;
    return (pair ? "p" : "t") + partOf(pair ? M.starts.p : M.starts.t, term);
  }

  /* A term's postings: document numbers (ascending) and a weight character for each. */
  function postings(term) {
    if (decoded.has(term)) return decoded.get(term);
    var raw = parts[shardKey(term)][term], result = null;
    if (raw) {
      var ids = [], value = 0, last = -1, gaps = raw[0];
      for (var k = 0; k < gaps.length; k++) {
        var digit = DIGIT[gaps.charCodeAt(k)];
        value = value * 32 + (digit & 31);
        if (digit < 32) {
          last += value;
          ids.push(last);
          value = 0;
        }
      }
      result = { ids: ids, w: raw[1] };
    }
    decoded.set(term, result);
    return result;
  }

  /* Whether a and b differ by at most one letter added, dropped, changed, or two swapped. */
  function within1(a, b) {
    var i = 0;
    if (Math.abs(a.length - b.length) > 1) return false;
    while (i < a.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    }
    return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  /* Whether a word being typed, start + rest, may still become a word that stems to start (cari -> caring). */
  function mayStemTo(start, rest) {
    if (rest.charAt(0) === start.charAt(start.length - 1)) rest = rest.slice(1); // planni -> plan
    return SUFFIXES.some((s) => s.indexOf(rest) === 0);
  }

  /* A query word -> Map(term -> weight). Mode 0: the word itself and the words it begins (while
     typing); mode 1, when mode 0 found nothing: words one typo away that start with its first letter
     (words of TYPO letters or more); mode 2, when that found nothing: words one typo away in every
     dictionary group, so that a typo in the first letter is forgiven too (sdvocacy). */
  function expand(token, mode) {
    var D = dictionary(mode ? typoKeys(token, mode) : wordKeys(token)), found = new Map(), w = token.w;
    function has(t) { return D.t[seek(D.t, t)] === t; }
    function put(t, weight) { if (!(found.get(t) >= weight)) found.set(t, weight); }
    if (!mode && has(token.s)) put(token.s, 1);
    if (!mode && token.prefix && w.length > 2) {
      var matches = [];
      for (var i = seek(D.t, w); i < D.t.length && D.t[i].indexOf(w) === 0; i++) matches.push(i);
      matches.sort((a, b) => DIGIT[D.f.charCodeAt(b)] - DIGIT[D.f.charCodeAt(a)] || a - b);
      matches.slice(0, EXPANSIONS).forEach((j) => { put(D.t[j], 0.7); });
      for (var k = w.length - 1; k >= 3 && k >= w.length - 4; k--) {
        if (has(w.slice(0, k)) && mayStemTo(w.slice(0, k), w.slice(k))) put(w.slice(0, k), 0.6);
      }
    }
    if (mode) D.t.forEach((t) => { if (within1(t, token.s) || within1(t, w)) put(t, 0.5); });
    return found;
  }

  // ---- filters -----------------------------------------------------------------------------------

  /* Filter id -> { values: ids, has: per value a byte per document (1 = has it) }, once loaded. */
  var facets = {};

  function decodeFacet(id, column) {
    var values = VALUES[id], n = M.docs, width = Math.ceil(values.length / 6) || 1;
    var has = values.map(() => new Uint8Array(n)), index = {};
    values.forEach((v, j) => { index[v] = j; });
    for (var d = 0; d < n; d++) {
      for (var c = 0; c < width; c++) {
        for (var b = 0, bits = DIGIT[column.charCodeAt(d * width + c)]; bits; b++, bits >>= 1) {
          if (bits & 1) has[c * 6 + b][d] = 1;
        }
      }
    }
    facets[id] = { id: id, values: values, has: has, index: index };
  }

  function facetIds() {
    return M.facets.map((f) => f[0]);
  }

  // ---- searching ---------------------------------------------------------------------------------

  /* Documents holding every word of the query (or all, with no words), with a score for each, and
     where each matched (the OR of its postings' weights: title, lead, body). When no document has
     every word, those with the most of them, ranked first by how many they have (partial). */
  async function match(tokens, run) {
    var n = M.docs, score = new Float32Array(n), hits = new Uint8Array(n), where = new Uint8Array(n), terms = new Set();
    var whole = tokens.whole ? (await need([shardKey(tokens.whole)], run), postings(tokens.whole)) : null;
    if (!tokens.length && !whole) return { all: true, score: score, terms: terms, where: where, words: [] };
    if (whole) for (var k = 0; k < whole.ids.length; k++) where[whole.ids[k]] |= DIGIT[whole.w.charCodeAt(k)];
    if (!tokens.length) { // stop words only: the documents with them as a whole title or heading
      whole.ids.forEach((d, j) => { score[d] = WEIGHT[DIGIT[whole.w.charCodeAt(j)]]; });
      return { all: false, score: score, terms: terms, where: where, words: tokens.whole.slice(1).split("_"), partial: false };
    }
    await need(tokens.flatMap(wordKeys), run);
    var expanded = tokens.map((t) => expand(t, 0)), keys = [];
    for (var mode = 1; mode <= 2; mode++) { // a typo: in the groups of the word's first letter, then in all (long words only)
      var shortest = mode === 1 ? TYPO : FIRST_TYPO, lost = tokens.filter((t, i) => !expanded[i].size && t.w.length >= shortest);
      if (!lost.length) break;
      await need(lost.flatMap((t) => typoKeys(t, mode)), run);
      expanded = tokens.map((t, i) => expanded[i].size || t.w.length < shortest ? expanded[i] : expand(t, mode));
    }
    tokens.pairs.forEach((pair) => { expanded.push(new Map([[pair, 1]])); }); // a phrase: each pair is needed
    var needed = expanded.length, bonus = new Map(tokens.near.map((pair) => [pair, 1]));
    expanded.push(bonus); // pairs of the other words: they add to the score, and are not needed
    expanded.forEach((e) => { e.forEach((_, t) => { keys.push(shardKey(t)); }); });
    await need(keys, run);
    expanded.forEach((e) => {
      var best = new Float32Array(n);
      e.forEach((weight, term) => {
        var p = postings(term);
        if (!p) return;
        if (e !== bonus && term.indexOf("_") < 0) terms.add(term);
        var idf = Math.log(1 + n / p.ids.length) * weight;
        for (var k = 0; k < p.ids.length; k++) {
          var d = p.ids[k], bits = DIGIT[p.w.charCodeAt(k)], s = WEIGHT[bits] * idf;
          where[d] |= bits;
          if (s > best[d]) best[d] = s;
        }
      });
      for (var d = 0; d < n; d++) if (best[d] > 0) { hits[d] += e !== bonus; score[d] += best[d]; }
    });
    var most = 0;
    for (var d = 0; d < n; d++) if (hits[d] > most) most = hits[d];
    var partial = most > 0 && most < needed && !whole; // a whole title or heading has every word
    // Partial: more words first (a word is worth more than any score), then by score.
    for (d = 0; d < n; d++) score[d] = partial ? (hits[d] ? hits[d] * 1000 + score[d] : 0) : hits[d] < needed ? 0 : score[d];
    if (whole) whole.ids.forEach((d) => { score[d] += 500; }); // the whole title or a whole heading: first (it has every word)
    var small = whole && tokens.every((t) => STOP.has(t.w)) ? tokens.whole.slice(1).split("_") : []; // marked as they are
    return { all: false, score: score, terms: terms, where: where, words: small, partial: partial };
  }

  /* Filter the matches, and count each loaded filter's values as if that filter alone were not applied. */
  function filter(found, state) {
    var ids = [], fs = facetIds().map((id) => facets[id]).filter(Boolean);
    var chosen = fs.map((f) => {
      return (state.f[f.id] || []).map((v) => f.index[v]).filter((j) => j >= 0);
    });
    var counts = fs.map((f) => new Int32Array(f.values.length));
    for (var d = 0; d < M.docs; d++) {
      if (!found.all && !(found.score[d] > 0)) continue;
      var failed = -1, failures = 0;
      for (var i = 0; i < fs.length; i++) {
        var ok = !chosen[i].length;
        for (var c = 0; c < chosen[i].length && !ok; c++) ok = fs[i].has[chosen[i][c]][d] === 1;
        if (!ok) { failures++; failed = i; }
      }
      if (failures > 1) continue;
      for (i = 0; i < fs.length; i++) {
        if (failures && i !== failed) continue;
        for (var j = 0; j < fs[i].has.length; j++) counts[i][j] += fs[i].has[j][d];
      }
      if (!failures) ids.push(d);
    }
    if (!found.all && state.sort !== "newest") ids = rank(ids, found.score);
    var byId = {};
    fs.forEach((f, i) => { byId[f.id] = { counts: counts[i], chosen: chosen[i] }; });
    return { ids: ids, facets: byId, filtered: chosen.some((c) => c.length) };
  }

  /* Documents by score, best first, equal scores newest first. A typed array sorts far faster than a
     comparator: each key is the score (to 1/1024) above the document number, reversed. */
  function rank(ids, score) {
    var B = 2097152, keys = new Float64Array(ids.length), out = [];
    ids.forEach((d, i) => { keys[i] = Math.round(score[d] * 1024) * B + (B - 1 - d); });
    keys.sort();
    for (var i = keys.length - 1; i >= 0; i--) out.push(B - 1 - keys[i] % B);
    return out;
  }

  // ---- the page ----------------------------------------------------------------------------------

  var root, form, input, sortBy, status, help, list, more, current = null, latest = 0, shown = 0, address = null, recording = false, saying = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function boxes(id) {
    return Array.from(form.querySelectorAll("input[name='" + id + "']"));
  }

  function details(id) {
    return form.querySelector("details[data-facet='" + id + "']");
  }

  function readForm() {
    var data = new FormData(form), state = { q: data.get("q"), f: {}, sort: data.get("sort") };
    facetIds().forEach((id) => { state.f[id] = data.getAll(id); });
    return state;
  }

  function readURL() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    sortBy.value = params.get("sort") === "newest" ? "newest" : "";
    facetIds().forEach((id) => {
      var values = params.getAll(id);
      boxes(id).forEach((box) => { box.checked = values.indexOf(box.value) >= 0; });
      if (values.length) details(id).open = true;
    });
  }

  /* The form as an address: ?q=carers&sort=newest&area=essex (empty fields left out). */
  function queryString() {
    var params = new URLSearchParams(new FormData(form));
    ["q", "sort"].forEach((k) => { if (!params.get(k).trim()) params.delete(k); });
    var text = params.toString();
    return text ? "?" + text : "";
  }

  /* Put a search in the address: typing replaces the entry it started, anything else adds one. */
  function remember(search, typing) {
    if (search === location.search) return;
    var url = search || location.pathname, state = { typing: typing };
    try {
      if (typing && history.state && history.state.typing) history.replaceState(state, "", url);
      else history.pushState(state, "", url);
    } catch (e) { /* a browser may refuse history on file:// pages; the search still works */ }
  }

  function plural(n, one, many) {
    return NUMBER.format(n) + " " + (n === 1 ? one : many);
  }

  function drawCounts(result, state) {
    facetIds().forEach((id) => {
      var f = result.facets[id], chosen = state.f[id].length;
      details(id).querySelector(".search-facet__chosen").textContent = chosen ? " (" + chosen + " chosen)" : "";
      boxes(id).forEach((box, j) => {
        var count = f ? f.counts[j] : null;
        box.nextElementSibling.lastChild.textContent = count === null ? "" : " (" + NUMBER.format(count) + ")";
      });
    });
  }

  function describe(result, state) {
    var filters = [];
    facetIds().forEach((id) => {
      var chosen = boxes(id).filter((b) => b.checked);
      if (chosen.length) filters.push(details(id).querySelector("summary").firstChild.textContent + ": " + chosen.map((b) => b.nextElementSibling.firstChild.textContent).join(" or "));
    });
    var text = plural(result.ids.length, "result", "results");
    if (state.q.trim()) text += " for \u201c" + state.q.trim() + "\u201d";
    if (filters.length) text += ", filtered by " + filters.join("; ");
    return text + ".";
  }

  function formatDate(iso) {
    return iso && DATE.format(new Date(iso));
  }

  function marks(word, result) {
    var whole = normalise(word).replace(/-/g, "");
    if (result.plain.has(whole) || indexWords(word).some((w) => result.terms.has(stem(w)))) return true;
    return result.tokens.some((t) => t.prefix && t.w.length > 2 && whole.indexOf(t.w) === 0);
  }

  /* Text into node, with the words the query found in <mark>. */
  function highlight(node, text, result) {
    var re = /[\p{L}\p{N}]+(?:['\u2019-][\p{L}\p{N}]+)*/gu, last = 0, m;
    while ((result.terms.size || result.plain.size) && (m = re.exec(text))) {
      if (!marks(m[0], result)) continue;
      node.append(text.slice(last, m.index), el("mark", "", m[0]));
      last = re.lastIndex;
    }
    node.append(text.slice(last));
  }

  function kindOf(d) {
    var bits = DIGIT[M.type.charCodeAt(d)];
    return VALUES.type.filter((_, j) => bits & (1 << j))[0];
  }

  /* Where a result matched, when the words shown have none of the query's: from its postings' weights. */
  function whereMatched(d, result) {
    var bits = result.where[d], kind = kindOf(d);
    if (bits & 8) return "Matched the title.";
    if (bits & 4) return "Matched " + WHERE_LEAD[kind] + ".";
    return "Matched " + WHERE_BODY[kind] + ".";
  }

  function resultItem(d, result) {
    var row = parts["c" + Math.floor(d / M.chunk)][d % M.chunk], item = el("li", "search-result");
    var heading = el("h3", "search-result__title"), link = el("a"), summary = el("p", "search-result__summary");
    var meta = [formatDate(row[3]), row[4]].filter(Boolean).join(" \u00b7 ");
    link.href = root.dataset.root + row[2] + "index.html";
    highlight(link, row[0], result);
    highlight(summary, row[1], result);
    heading.append(link);
    item.append(el("p", "search-result__kind", M.kinds[kindOf(d)]), heading);
    if (meta) item.append(el("p", "search-result__meta", meta));
    item.append(summary);
    if ((result.terms.size || result.plain.size) && !item.querySelector("mark")) item.append(el("p", "search-result__where", whereMatched(d, result)));
    return item;
  }

  /* Draw results [from, to) once their chunks are loaded; returns the first new item. */
  async function drawResults(result, from, to, run) {
    var ids = result.ids.slice(from, to);
    await need(ids.map((d) => "c" + Math.floor(d / M.chunk)), run);
    var items = ids.map((d) => resultItem(d, result));
    if (!from) list.replaceChildren(...items);
    else list.append(...items);
    shown = Math.min(to, result.ids.length);
    more.hidden = shown >= result.ids.length;
    return items[0] || null;
  }

  /* Put text in the status line, which screen readers read out: at once, or, while typing, once typing
     pauses (so the count is not read out at every key). The search is "done" once its text is there. */
  function say(text, typing) {
    clearTimeout(saying);
    saying = 0;
    if (!typing) {
      status.textContent = text;
      root.dataset.state = "done";
      return;
    }
    saying = setTimeout(() => {
      saying = 0;
      if (status.textContent !== text) status.textContent = text; // the same words are not said again
      root.dataset.state = "done";
    }, SAY);
  }

  /* Say on the page when a search was drawn and how long it took (tests and bench/search.py read it),
     then put it in the address: soon after, or once typing pauses (the history API is slow). */
  function finish(started, run) {
    var now = performance.now();
    root.dataset.ms = (now - started).toFixed(1);
    root.dataset.at = now.toFixed(1);
    if (run.record) {
      recording = false;
      if (address) { // a search not yet in the address gets its entry now, unless typing goes on
        clearTimeout(address.timer);
        if (!(address.typing && run.typing)) remember(address.search, address.typing);
      }
      var next = address = { search: queryString(), typing: run.typing };
      next.timer = setTimeout(() => { address = null; remember(next.search, next.typing); }, run.typing ? PAUSE : 0);
    }
  }

  /* The filters whose data a search needs: those in use, and those open on the page. */
  function facetsNeeded(state) {
    return facetIds().filter((id) => {
      return !facets[id] && (state.f[id].length || details(id).open);
    }).map((id) => "f" + id);
  }

  async function search(started, typing, record) {
    recording = record = record || recording; // a change not yet in the address stays to be recorded
    var run = { id: ++latest, typing: typing, record: record }, state = readForm(), tokens = queryTokens(state.q);
    clearTimeout(saying); // what an earlier search was about to say is out of date
    saying = 0;
    root.dataset.state = "busy";
    try {
      await need(facetsNeeded(state), run);
      facetIds().forEach((id) => { if (!facets[id] && parts["f" + id]) decodeFacet(id, parts["f" + id]); });
      var found = await match(tokens, run), result = filter(found, state);
      result.tokens = tokens;
      result.terms = found.terms;
      result.plain = new Set(found.words); // a query of stop words: its words, marked as they are
      result.where = found.where;
      current = result;
      drawCounts(result, state);
      if (found.all && !result.filtered) {
        help.hidden = true;
        list.replaceChildren();
        more.hidden = true;
        finish(started, run);
        return say((state.q.trim() ? "\u201c" + state.q.trim() + "\u201d is too short or too common to search for. " : "") +
          "Type a word, or choose a filter, to search " +
          plural(M.docs, "story, signatory, event and page", "stories, signatories, events and pages") + ".", typing);
      }
      help.hidden = result.ids.length > 0;
      await drawResults(result, 0, SHOWN, run);
      finish(started, run);
      say((found.partial && result.ids.length ? (tokens.pairs.length ? SOME_PHRASE : SOME) : "") + describe(result, state) +
        (result.ids.length > SHOWN ? " Showing the first " + SHOWN + "." : "") + (result.ids.length ? "" : " " + help.dataset.say), typing);
    } catch (error) {
      if (error === STALE) return;
      finish(started, run);
      say(FAILED, false);
    }
  }

  async function showMore() {
    var run = { id: latest }, first = null;
    try {
      first = await drawResults(current, shown, shown + SHOWN, run);
    } catch (error) {
      if (error !== STALE) say(FAILED, false);
    }
    if (first) {
      say(describe(current, readForm()) + " Showing " + shown + ".", false);
      first.querySelector("a").focus();
    }
  }

  function start() {
    root = document.getElementById("search");
    if (!root) return;
    form = document.getElementById("search-form");
    input = document.getElementById("search-q");
    sortBy = document.getElementById("search-sort");
    status = document.getElementById("search-status");
    list = document.getElementById("search-results");
    more = document.getElementById("search-more");
    help = document.getElementById("search-help");
    document.getElementById("search-nojs").hidden = true;
    document.getElementById("search-output").hidden = false;
    form.hidden = false;
    status.textContent = "Loading the search index\u2026";
    loadFile(root.dataset.index).then(() => {
      M = parts.main;
      STOP = new Set(M.stop.split(" "));
      M.facets.forEach((f) => { VALUES[f[0]] = f[1]; });
      decodeFacet("type", M.type);
      readURL();
      input.addEventListener("input", () => search(performance.now(), true, true));
      form.addEventListener("change", (e) => {
        if (e.target !== input) search(performance.now(), false, true);
      });
      form.addEventListener("submit", (e) => { e.preventDefault(); search(performance.now(), false, true); });
      form.addEventListener("toggle", (e) => { if (e.target.open) search(performance.now(), false); }, true);
      more.addEventListener("click", showMore);
      window.addEventListener("popstate", () => {
        if (address) clearTimeout(address.timer);
        address = null;
        recording = false;
        readURL();
        search(performance.now(), false);
      });
      search(performance.now(), false);
    }, () => {
      status.textContent = FAILED;
    });
  }

  window.CMI_SEARCH = {
    add: function (key, data) { parts[key] = data; },
    stem: stem, indexWords: indexWords, normalise: normalise
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
