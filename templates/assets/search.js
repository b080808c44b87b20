// The search page: Pagefind's JavaScript API behind our own interface. Every
// string comes from the page (translated with gettext at build time); results
// show a conference's name, dates and city. Pagefind picks the index of the
// page's <html lang>, so each language searches its own pages.
const config = JSON.parse(document.getElementById("search-config").textContent);
const S = config.strings;
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const options = document.getElementById("search-options");
const refine = document.getElementById("search-refine");
const sortSelect = document.getElementById("search-sort");
const filterSelects = [...form.querySelectorAll("select[data-filter]")];
const statusLine = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const elsewhere = document.getElementById("search-elsewhere");
const PAGE = 20;
const plural = new Intl.PluralRules(config.lang);
const number = new Intl.NumberFormat(config.lang);
const ZH = config.lang.startsWith("zh");   // (the Chinese pages: their characters are indexed one by one)

let pagefind = null;
let ticket = 0;       // the newest search; older ones drop their results
let results = [];
let shown = 0;

const fill = (template, vars) => template.replace(/%\((\w+)\)s/g, (_, k) => vars[k] ?? "");

function say(text) {
  statusLine.textContent = text;
}

function readUrl() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  sortSelect.value = params.get("sort") === "date" ? "date" : "";
  for (const select of filterSelects) {
    const wanted = params.get(select.name);
    if (wanted && [...select.options].some((o) => o.value === wanted)) select.value = wanted;
  }
  keepInLanguageLinks(input.value.trim());
}

// A reader who switches language keeps the query, the filters and the order,
// from the start (even before the index loads, or if it cannot). Filter values
// are names in this page's language: each option carries its name on the
// other page (data-other). English pages have no Chinese characters: such a
// query would find nothing there, and the English search starts empty instead.
function keptInOtherLanguage(q, hreflang) {
  return q && !(hreflang.startsWith("en") && HAS_HAN.test(q)) ? q : "";
}

function keepInLanguageLinks(q) {
  for (const link of document.querySelectorAll("a[hreflang]")) {
    const kept = new URLSearchParams();
    if (keptInOtherLanguage(q, link.hreflang)) kept.set("q", q);
    for (const select of filterSelects) {
      const other = select.value && select.selectedOptions[0].dataset.other;
      if (other) kept.set(select.name, other);
    }
    if (sortSelect.value) kept.set("sort", sortSelect.value);
    link.search = kept.toString();
  }
}

function writeUrl(q) {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  for (const select of filterSelects) if (select.value) params.set(select.name, select.value);
  if (sortSelect.value) params.set("sort", sortSelect.value);
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  keepInLanguageLinks(q);
}

function chosenFilters() {
  const filters = {};
  for (const select of filterSelects) if (select.value) filters[select.dataset.filter] = select.value;
  return filters;
}

// Counts next to each filter value: what the current query would find with it.
// Pagefind's filter indexes hold them, and at 10,000 conferences they weigh
// as much as the rest of a first search (about 130 kB): they are loaded once
// the reader turns to the filters (loadCounts), and until then the values
// show no count. (null: not loaded yet)
function showCounts(counts) {
  for (const select of filterSelects) {
    const group = (counts && counts[select.dataset.filter]) || {};
    for (const option of select.options) {
      if (!option.value) continue;
      option.dataset.label ??= option.textContent;
      const n = group[option.value] || 0;
      option.textContent = counts ? fill(S.filterCount, { label: option.dataset.label, num: number.format(n) }) : option.dataset.label;
      option.disabled = counts !== null && n === 0 && option.value !== select.value;
    }
  }
}

let countsAsked = false;
let countsReady = false;  // the filter indexes are loaded

// The fold's label says how many filters are set: folded, they are not seen.
const refineLabel = refine.querySelector("summary");
const REFINE = refineLabel.textContent;

function countFilters() {
  const set = filterSelects.filter((select) => select.value).length;
  refineLabel.textContent = set ? fill(S.filterCount, { label: REFINE, num: number.format(set) }) : REFINE;
}

function loadCounts() {
  if (countsAsked) return;
  countsAsked = true;
  pagefind.filters().then(() => {
    countsReady = true;
    return showCountsNow();
  }).catch((error) => {
    countsAsked = false;  // (asked again when the reader turns to the filters again)
    console.error(error);
  });
}

// The counts of what the form asks now, without touching the results shown
// (a reader who pressed "Show more" keeps them).
async function showCountsNow() {
  const mine = ticket;
  const { q, filters, options } = asked();
  const counts = q || Object.keys(filters).length
    ? (await searchFor(q, options, false))?.filters
    : await pagefind.filters();
  if (mine === ticket && counts) showCounts(counts);
}

// What the form asks: the query, the filters chosen, and Pagefind's options for them.
// (typed in full-width letters or digits, ＣＮＣＣ, as a Chinese keyboard may:
// read as the pages write them; a query of filters only lists by date, as the
// listings do, not in the index's order)
function asked() {
  const filters = chosenFilters();
  const q = input.value.normalize("NFKC").trim();
  const sort = sortSelect.value === "date" || !q ? { sort: { date: "asc" } } : {};
  return { q, filters, options: { filters, ...sort } };
}

// A Chinese query of one run (no spaces) is asked as the phrase of its
// characters, which the pages index one by one beside their text (see
// rendering.search_characters): Pagefind's two word-cutters, jieba when it
// indexes and the browser's when it searches, disagree, and 中关村 found no
// conference named 2023中关村论坛. Letters and digits stay whole words.
// (the ranges of rendering._HAN: the two must cut a name alike)
const HAN_RANGES = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
// (a character, or a run of letters and digits: a word of the phrase)
const TOKEN_SOURCE = `[${HAN_RANGES}]|(?:(?![${HAN_RANGES}])[\\p{L}\\p{N}])+`;
const TOKEN = new RegExp(TOKEN_SOURCE, "gu");
const HAS_HAN = new RegExp(`[${HAN_RANGES}]`, "u");

// On the Chinese pages an excerpt often quotes the characters indexed one by
// one: joined again, as in the name. (Pagefind marks each with the space after
// it, <mark>中 </mark>; and parts the page's blocks with ". ", a full stop in
// Chinese.) No lookbehind: Safari before 16.4 refuses the whole script.
// Only runs of lone characters (and the letters and digits between them,
// 2023 中 关 村) are joined: the spaces Pagefind puts between the page's own
// words (机制性会议 管理科学) stay.
const MARKS = "(?:</?mark>)*";
const ITEM = `${MARKS}(?:${TOKEN_SOURCE})${MARKS}`;
const LONE_CHARACTERS = new RegExp(`(^|[^\\p{L}\\p{N}>])((?:${ITEM}\\s+)+${ITEM})(?![\\p{L}\\p{N}])`, "gu");
const BLOCK_END = new RegExp(`([${HAN_RANGES}）]${MARKS})\\.(?: |$)`, "gu");

// (within such a run, only a space beside a character goes: ACM SIGGRAPH 2023学术会议)
const BESIDE_HAN = new RegExp(`([${HAN_RANGES}]${MARKS})\\s+|\\s+(?=${MARKS}[${HAN_RANGES}])`, "gu");

function joinedCharacters(html) {
  if (!ZH) return html;
  return html.replace(LONE_CHARACTERS, (run, before, items) =>
    HAS_HAN.test(items) ? before + items.replace(BESIDE_HAN, "$1") : run).replace(BLOCK_END, "$1。");
}

// An excerpt is a window of words around the matches: it may begin and end
// inside a value (学会 · 中国计算机学会, "of Automation. Chinese Association...",
// "Certificate No. 2023-92XR-WKRN, issued"). A first part without a match, up
// to where the page parts its values, goes; so does a last part after the
// last match, unless the window ends a sentence. (". " parts values when a
// capital follows: not "No. 2023"; "; " parts a value's names.) Pagefind marks a word with the stop
// after it (<mark>Society.</mark>): the stop is moved out of the mark first.
const PARTING_SOURCE = "\\s·\\s|。|;\\s|；|\\.\\s(?=(?:<mark>)?\\p{Lu})";
const PARTING = new RegExp(PARTING_SOURCE, "u");
const PARTINGS = new RegExp(PARTING_SOURCE, "gu");

function trimmed(html) {
  html = html.replace(/([.,;:。，；：]+)<\/mark>/gu, "</mark>$1");
  const first = PARTING.exec(html);
  if (first && !html.slice(0, first.index).includes("<mark>")
      && html.slice(first.index + first[0].length).includes("<mark>")) {
    html = html.slice(first.index + first[0].length);
  }
  const after = html.lastIndexOf("</mark>");
  if (after >= 0 && !/[.。!?！？]$/u.test(html)) {
    const partings = [...html.slice(after).matchAll(PARTINGS)];
    const last = partings[partings.length - 1];
    // (the sentence's own stop stays)
    if (last) html = html.slice(0, after + last.index) + (last[0] === "。" ? "。" : last[0][0] === "." ? "." : "");
  }
  // (a window may also begin on a parting, or end on one)
  return html.replace(/^\s*[·.。，,;；]\s*/u, "").replace(/[\s·;；,，:：]+$/u, "");
}

// Pagefind's excerpt is HTML with <mark> around matches: keep text and marks only.
function excerpt(html) {
  html = trimmed(joinedCharacters(html));
  const p = document.createElement("p");
  p.className = "excerpt";
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  for (const node of doc.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      p.append(mark);
    } else {
      p.append(node.textContent);
    }
  }
  return p;
}

function item(data) {
  const li = document.createElement("li");
  li.className = "conf";
  const a = document.createElement("a");
  a.className = "conf-name";
  a.href = data.url;
  a.textContent = data.meta.title || data.url;
  // (an English page whose name has no translation yet shows it in Chinese)
  if (data.meta.title_lang) a.lang = data.meta.title_lang;
  li.append(a);
  const meta = data.meta;
  if (meta.dates || meta.city || meta.status || meta.edition) {
    const line = document.createElement("span");
    line.className = "conf-meta";
    const parts = [];
    if (meta.dates) {
      const time = document.createElement("time");
      time.dateTime = meta.datetime || "";
      time.textContent = meta.dates;
      parts.push(time);
    }
    if (meta.city) parts.push(meta.city);
    if (meta.edition) parts.push(meta.edition);
    if (meta.status) {
      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = meta.status;
      parts.push(tag);
    }
    parts.forEach((part, i) => {
      if (i) {
        const sep = document.createElement("span");
        sep.className = "sep";
        sep.setAttribute("aria-hidden", "true");
        sep.textContent = " · ";
        line.append(sep);
      }
      line.append(part);
    });
    li.append(line);
  }
  if (data.excerpt) li.append(excerpt(data.excerpt));
  return li;
}

async function showMore(mine, byReader = false) {
  const next = results.slice(shown, shown + PAGE);
  const datas = await Promise.all(next.map((r) => r.data()));
  if (mine !== ticket) return;
  const items = datas.map(item);
  list.append(...items);
  shown += next.length;
  more.hidden = shown >= results.length;
  // The button the reader pressed may now be hidden, which would drop focus
  // to the page's start: go on from the first result it added (WCAG 2.4.3).
  if (byReader && items.length) items[0].querySelector("a").focus();
}

function characterPhrase(q) {
  // (Chinese pages only; and a query of several parts is a search for each:
  // one phrase of all of them would find only the pages holding them side by side)
  if (!ZH || !HAS_HAN.test(q) || /\s/u.test(q)) return null;
  // (a character of the query is a token: the match is never empty)
  return `"${q.match(TOKEN).join(" ")}"`;
}

// ``rank``: order the results by best match (two searches); the counts alone need not.
async function searchFor(q, options, rank = true) {
  rank = rank && !options.sort;
  const phrase = q && characterPhrase(q);
  if (phrase) {
    // Pagefind scores every page holding a phrase alike: ranked by the words as
    // it cuts them instead, where a name or a heading weighs more (物理 found
    // the physics society's meeting sixth of seven, in the index's order).
    // (quotes out: a quoted query is an exact search, scored alike too)
    const [found, words] = await Promise.all([pagefind.search(phrase, options),
                                              rank ? pagefind.search(q.replace(/"/g, " "), options) : null]);
    if (found === null || found.results.length === 0) return words ?? pagefind.search(q, options);
    if (words) {
      const score = new Map(words.results.map((r) => [r.id, r.score]));
      const ranked = found.results.map((r, i) => [score.get(r.id) ?? 0, i, r]);
      ranked.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      return { ...found, results: ranked.map((x) => x[2]) };
    }
    return found;
  }
  if (rank && q && /\s/u.test(q) && !q.includes('"')) {
    // Words asked together: the pages holding them as written come first
    // ("China Association for Science and Technology" listed the five that
    // name it sixth to twelfth, after pages holding its words apart).
    const [exact, words] = await Promise.all([pagefind.search(`"${q}"`, options), pagefind.search(q, options)]);
    if (exact === null || words === null || exact.results.length === 0) return words;
    const first = new Set(exact.results.map((r) => r.id));
    return { ...words, results: [...words.results.filter((r) => first.has(r.id)),
                                 ...words.results.filter((r) => !first.has(r.id))] };
  }
  return pagefind.search(q || null, options);
}

async function run() {
  const mine = ++ticket;
  const { q, filters, options } = asked();
  const filtered = Object.keys(filters).length > 0;
  writeUrl(q);
  // (the last query's offer goes now: its link already leads to this query)
  elsewhere.hidden = true;
  if (!q && !filtered) {
    setResults([]);
    const counts = countsReady ? await pagefind.filters() : null;
    if (mine === ticket) {
      showCounts(counts);
      say(S.prompt);
    }
    return;
  }
  if (q && !q.match(TOKEN) && !filtered) {
    // (punctuation only: no word to search for)
    setResults([]);
    say(fill(S.none, { query: q }));
    return;
  }
  say(S.searching);
  const ready = countsReady;
  let search;
  try {
    search = await searchFor(q, options);
  } catch (error) {
    console.error(error);
    if (mine === ticket) say(S.error);
    return;
  }
  if (mine !== ticket || search === null) return;
  // Before the filter indexes load, Pagefind counts only a filter chosen.
  // (When they loaded during this search, showCountsNow shows the counts.)
  if (ready || !countsReady) showCounts(ready ? search.filters : null);
  setResults(search.results);
  const n = results.length;
  if (n === 0) {
    offerElsewhere(q);
    say(q ? fill(filtered ? S.noneWithFilters : S.none, { query: q }) : S.noneFiltered);
    return;
  }
  const forms = q ? (filtered ? S.countWithFilters : S.count) : S.countFiltered;
  say(fill(forms[plural.select(n)] || forms.other, { num: number.format(n), query: q }));
  await showMore(mine);
  // All shown and none a conference (the About page, the other page indexed,
  // found by a word of its own): the other language's pages may hold them.
  if (mine === ticket && !filtered && shown >= n && !list.querySelector("time")) offerElsewhere(q);
}

// The results of a search, none shown yet (showMore shows them a page at a time).
function setResults(found) {
  results = found;
  shown = 0;
  list.replaceChildren();
  more.hidden = true;
}

// (a query of the other language's words: its pages may hold them)
function offerElsewhere(q) {
  elsewhere.hidden = !keptInOtherLanguage(q, elsewhere.firstElementChild.hreflang);
  elsewhere.firstElementChild.textContent = fill(S.elsewhere, { query: q });
}

async function start() {
  readUrl();
  try {
    pagefind = await import(config.bundle + "pagefind.js");
    await pagefind.options({ baseUrl: config.baseUrl, excerptLength: 24 });
    await pagefind.init();
  } catch (error) {
    console.error(error);
    say(S.error);
    return;
  }
  options.hidden = false;
  let timer = 0;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearTimeout(timer);
    await run();
    // On a phone the filters fill the screen: a reader who asked (Enter, the
    // keyboard's search key, the button) is shown the answer. (Not while
    // typing, which would scroll the field away.)
    if (statusLine.getBoundingClientRect().bottom > window.innerHeight) statusLine.scrollIntoView();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  for (const select of [...filterSelects, sortSelect]) select.addEventListener("change", run);
  for (const select of filterSelects) select.addEventListener("change", countFilters);
  // A reader who turns to the filters (a tap or Tab: focus; a mouse over
  // them) gets their counts: loading starts before a list opens. (Not any
  // pointer: on a phone a scroll that starts on the filters is a touch over them.)
  const filterBox = form.querySelector(".search-filters");
  filterBox.addEventListener("focusin", loadCounts);
  refine.addEventListener("toggle", () => {
    if (refine.open) loadCounts();
  });
  filterBox.addEventListener("pointerover", (event) => {
    if (event.pointerType === "mouse") loadCounts();
  });
  more.addEventListener("click", () => showMore(ticket, true));
  // (a filter chosen in the address, kept from the other language's page:
  // the reader uses the filters already; they are shown, not folded away,
  // and "toggle" loads their counts. Not for an order alone: the results
  // show it, and the fold keeps them on a phone's first screen.)
  if (filterSelects.some((select) => select.value)) refine.open = true;
  countFilters();
  await run();
}

start();
