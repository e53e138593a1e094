/* trekgen search: "/" focuses the search box on every page; the search page ranks a prebuilt index. */
(function () {
  "use strict";

  const WORD = /[\p{L}\p{N}]+/gu;
  const PREFIX_FACTOR = 0.6;   // a word that only starts with the query word counts a bit less
  const MAX_RESULTS = 50;
  const MAX_SECTIONS = 3;      // extra "Also in" links under a result
  const SNIPPET_CHARS = 200;
  const SNIPPET_LEAD = 50;     // characters of context before the first matched word
  const DEBOUNCE_MS = 120;
  const TYPING = "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])" +
    ":not([type=reset]), textarea, select, [contenteditable]:not([contenteditable=false])";

  /* Text and words */

  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
  }

  function words(text) {
    return fold(text).match(WORD) || [];
  }

  function stem(word) {
    // Plurals meet their singular through prefix matching: "models" -> "model", "strategies" -> "strateg".
    if (word.length > 4 && word.endsWith("ies")) return word.slice(0, -3);
    if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
    return word;
  }

  function parseQuery(query, stopwords) {
    const all = [...new Set(words(query))].filter((w) => w.length > 1 || /\d/.test(w));
    const kept = all.filter((w) => !stopwords.has(w));
    return (kept.length ? kept : all).map((word) => ({ word, stem: stem(word) }));
  }

  function termOf(word, terms) {
    const folded = fold(word);
    return terms.findIndex((t) => folded.startsWith(t.stem));
  }

  /* The engine: postings built once from the index, then ranked per query */

  function countInto(counts, folded) {
    for (const word of folded) counts.set(word, (counts.get(word) || 0) + 1);
  }

  function fieldWords(page, sections) {
    // Each field's words, as arrays of folded words; headings and body come from the sections.
    return {
      title: [words(page.title)],
      topics: (page.topics || []).map(words),
      headings: sections.map((s) => s.heading),
      tags: (page.tags || []).map(words),
      summary: [words(page.summary)],
      body: sections.map((s) => s.text),
    };
  }

  function buildEngine(index) {
    const postings = new Map();  // word -> [page number, weighted score, page number, ...]
    // Each section's words, folded once here rather than on every keystroke.
    const sectionWords = index.pages.map((page) =>
      page.sections.map((s) => ({ heading: words(s[1]), text: words(s[2]) })));
    index.pages.forEach((page, n) => {
      const fields = fieldWords(page, sectionWords[n]), scores = new Map();
      for (const [name, weight] of Object.entries(index.weights)) {
        const counts = new Map();
        for (const folded of fields[name]) countInto(counts, folded);
        for (const [word, count] of counts) {
          scores.set(word, (scores.get(word) || 0) + weight * (1 + Math.log(count)));
        }
      }
      for (const [word, score] of scores) {
        if (postings.has(word)) postings.get(word).push(n, score); else postings.set(word, [n, score]);
      }
    });
    return {
      index, postings, sectionWords,
      vocabulary: [...postings.keys()].sort(),
      stopwords: new Set(index.stopwords || []),
    };
  }

  function wordsWithPrefix(vocabulary, prefix) {
    let lo = 0, hi = vocabulary.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vocabulary[mid] < prefix) lo = mid + 1; else hi = mid;
    }
    const found = [];
    for (let i = lo; i < vocabulary.length && vocabulary[i].startsWith(prefix); i++) found.push(vocabulary[i]);
    return found;
  }

  function termScores(engine, term) {
    const scores = new Map();
    for (const word of wordsWithPrefix(engine.vocabulary, term.stem)) {
      const factor = word === term.word || word === term.stem ? 1 : PREFIX_FACTOR;
      const list = engine.postings.get(word);
      for (let i = 0; i < list.length; i += 2) {
        scores.set(list[i], Math.max(scores.get(list[i]) || 0, list[i + 1] * factor));
      }
    }
    return scores;
  }

  function search(engine, query) {
    const terms = parseQuery(query, engine.stopwords);
    const pages = engine.index.pages;
    const scores = new Map(), hits = new Map();
    const perTerm = terms.map((t) => termScores(engine, t));
    for (const matches of perTerm) {
      const rarity = Math.log(1 + pages.length / Math.max(1, matches.size));
      for (const [n, score] of matches) {
        scores.set(n, (scores.get(n) || 0) + score * rarity);
        hits.set(n, (hits.get(n) || 0) + 1);
      }
    }
    // Pages with every word; when there are none, the pages with the most of them.
    const most = Math.max(0, ...hits.values());
    const ranked = [...scores.keys()].filter((n) => hits.get(n) === most)
      .sort((a, b) => scores.get(b) - scores.get(a) || a - b);
    return {
      terms,
      partial: most > 0 && most < terms.length,
      count: ranked.length,
      results: ranked.slice(0, MAX_RESULTS).map((n) => {
        const found = terms.filter((_, t) => perTerm[t].has(n));
        return describe(pages[n], engine.sectionWords[n], found, engine.index.weights);
      }),
    };
  }

  /* One result: where to link, which sections, which snippet */

  function counts(folded, terms) {
    const found = terms.map(() => 0);
    for (const word of folded) {
      for (let t = 0; t < terms.length; t++) {
        if (word.startsWith(terms[t].stem)) { found[t] += 1; break; }
      }
    }
    return found;
  }

  function sectionScore(section, terms, weights) {
    const inHeading = counts(section.heading, terms), inText = counts(section.text, terms);
    let covered = 0, score = 0;
    terms.forEach((_, t) => {
      if (inHeading[t] || inText[t]) covered += 1;
      if (inHeading[t]) score += weights.headings;
      if (inText[t]) score += weights.body * (1 + Math.log(inText[t]));
    });
    return covered * 1000 + score;  // sections that hold more of the words come first
  }

  function describe(page, folded, terms, weights) {
    // `terms` are the words this page holds: with some words missing, the rest still decide.
    const sections = page.sections
      .map((s, i) => ({ id: s[0], heading: s[1], text: s[2], score: sectionScore(folded[i], terms, weights), i }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.i - b.i);
    const best = sections[0];
    const titleHasAll = counts(words(page.title), terms).every((c) => c > 0);
    const target = best && best.id && !titleHasAll ? best : null;
    const source = best ? best.text : sentences([page.summary, ...(page.topics || [])]);
    return {
      url: page.url, title: page.title, kind: page.kind, roadmap: page.roadmap,
      anchor: target ? target.id : "", section: target ? target.heading : "",
      snippet: snippet(source, terms) || snippet(page.summary, terms),
      also: sections.filter((s) => s.id && s.heading && s !== target).slice(0, MAX_SECTIONS),
    };
  }

  function sentences(parts) {
    return parts.map((p) => p.replace(/[.\s]+$/, "")).filter(Boolean).join(". ") + ".";
  }

  function marksIn(text, terms) {
    const marks = [];
    for (const m of text.matchAll(WORD)) {
      const t = termOf(m[0], terms);
      if (t >= 0) marks.push({ start: m.index, end: m.index + m[0].length, term: t });
    }
    return marks;
  }

  function snippetStart(text, marks) {
    let best = null, coverage = 0;
    for (const mark of marks) {  // the window that shows the most different words wins
      const start = Math.max(0, mark.start - SNIPPET_LEAD);
      const seen = new Set(marks.filter((o) => o.start >= start && o.end <= start + SNIPPET_CHARS).map((o) => o.term));
      if (seen.size > coverage) { best = mark; coverage = seen.size; }
    }
    if (!best || best.start <= SNIPPET_LEAD) return 0;
    const sentence = text.lastIndexOf(". ", best.start);  // start with the sentence when it is near
    if (sentence >= 0 && best.start - sentence <= 2 * SNIPPET_LEAD) return sentence + 2;
    const from = best.start - SNIPPET_LEAD;
    return text.indexOf(" ", from) + 1 || from;
  }

  function snippet(text, terms) {
    if (!text) return null;
    const marks = marksIn(text, terms);
    const from = snippetStart(text, marks);
    let to = Math.min(text.length, from + SNIPPET_CHARS);
    if (to < text.length) to = text.lastIndexOf(" ", to) > from ? text.lastIndexOf(" ", to) : to;
    const inside = marks.filter((m) => m.start >= from && m.end <= to)
      .map((m) => ({ start: m.start - from, end: m.end - from }));
    return { text: text.slice(from, to), marks: inside, before: from > 0, after: to < text.length };
  }

  /* The page */

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function appendMarked(parent, text, marks) {
    let at = 0;
    for (const m of marks) {
      parent.append(text.slice(at, m.start), el("mark", "", text.slice(m.start, m.end)));
      at = m.end;
    }
    parent.append(text.slice(at));
  }

  function resultItem(result, terms, root) {
    const item = el("li", "search-result");
    const heading = el("h2", "search-title");
    const link = el("a");
    link.href = root + result.url + (result.anchor ? "#" + result.anchor : "");
    appendMarked(link, result.title, marksIn(result.title, terms));
    heading.append(link);
    const where = [result.roadmap, result.kind, result.section].filter(Boolean).join(" · ");
    item.append(heading, el("p", "search-where", where));
    if (result.snippet) {
      const text = el("p", "search-snippet");
      const s = result.snippet;
      appendMarked(text, (s.before ? "… " : "") + s.text + (s.after ? " …" : ""),
        s.marks.map((m) => ({ start: m.start + (s.before ? 2 : 0), end: m.end + (s.before ? 2 : 0) })));
      item.append(text);
    }
    if (result.also.length) item.append(alsoIn(result, root));
    return item;
  }

  function alsoIn(result, root) {
    const line = el("p", "search-also", "Also in: ");
    result.also.forEach((s, i) => {
      const a = el("a", "", s.heading);
      a.href = root + result.url + "#" + s.id;
      line.append(i ? " · " : "", a);
    });
    return line;
  }

  function statusText(query, found) {
    const n = found.count, quoted = "“" + query.trim() + "”";
    if (!found.terms.length) return query.trim() ? "Type at least two letters." : "";
    if (!n) return "No results for " + quoted + ". Try fewer words, or the start of a word.";
    const shown = n > MAX_RESULTS ? "; showing the first " + MAX_RESULTS : "";
    const count = n === 1 ? "1 result" : n + " results";
    if (found.partial) return "No page has every word of " + quoted + "; " + count + " with some of them" + shown + ".";
    return count + " for " + quoted + shown + ".";
  }

  function show(engine, query, list, status, root) {
    const found = search(engine, query);
    list.replaceChildren(...found.results.map((r) => resultItem(r, found.terms, root)));
    status.textContent = statusText(query, found);
  }

  function keepInAddress(query) {
    const url = new URL(location.href);
    if (query.trim()) url.searchParams.set("q", query); else url.searchParams.delete("q");
    history.replaceState(history.state, "", url);
  }

  function startSearchPage(list) {
    const form = document.querySelector(".search-form");
    const input = form.querySelector("input[type=search]");
    const status = document.getElementById("search-status");
    let engine = null, loading = null, timer = 0;
    const run = () => {
      clearTimeout(timer);
      keepInAddress(input.value);
      if (engine) show(engine, input.value, list, status, list.dataset.root);
      else if (input.value.trim()) status.textContent = "Loading the search index…";
    };
    // The index is fetched only once someone means to search, so the page itself stays light.
    const load = () => loading || (loading = fetch(list.dataset.index)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
      .then((index) => { engine = buildEngine(index); list.dataset.ready = "true"; run(); })
      .catch(() => { status.textContent = "The search index could not be loaded. Reload the page to try again."; }));
    for (const note of document.querySelectorAll("[data-search-nojs]")) note.hidden = true;
    input.value = new URLSearchParams(location.search).get("q") || "";
    input.addEventListener("focus", load);
    input.addEventListener("input", () => { load(); clearTimeout(timer); timer = setTimeout(run, DEBOUNCE_MS); });
    form.addEventListener("submit", (event) => { event.preventDefault(); load(); run(); });
    if (input.value) { load(); run(); }
  }

  function focusSearchOnSlash(event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof Element && target.closest(TYPING)) return;
    const box = document.querySelector("[data-search-box]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  }

  document.addEventListener("keydown", focusSearchOnSlash);
  const list = document.getElementById("search-results");
  if (list && list.dataset.index) startSearchPage(list);
})();
