// In-page probes for the quality checks (browser.py). Added to every page as a Playwright init
// script, so it runs before the page's own scripts and is not subject to the page's CSP.
// Everything hangs off one global, window.__cmiQuality; each probe returns plain JSON.
(() => {
  "use strict";
  const cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) => {
    const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : "";
    cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "an inline script or style"}${where}`);
  });

  // Elements people can interact with. [tabindex] counts only when it is 0 or more.
  const INTERACTIVE = 'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, ' +
    'iframe, audio[controls], video[controls], [contenteditable]:not([contenteditable="false"]), [tabindex]';
  const NATIVE = 'a[href], area[href], button, input, select, textarea, summary, iframe, audio, video, [contenteditable]';

  const describe = (el) => {
    if (!el || !el.tagName) return String(el);
    const tag = el.tagName.toLowerCase();
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "";
    const href = el.getAttribute("href") ? ` href="${el.getAttribute("href")}"` : "";
    const text = (el.innerText || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 50);
    return `<${tag}${id}${cls}${href}>${text ? ` "${text}"` : ""}`;
  };
  // Shown on the page: not display:none, not hidden, not inside a closed <details> or an inert part.
  const rendered = (el) => (el.checkVisibility ? el.checkVisibility({ visibilityProperty: true })
    : el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden") && !el.closest("[inert]");
  const alpha = (colour) => {
    if (colour === "transparent") return 0;
    const m = /\(([^)]*)\)/.exec(colour);
    if (!m) return 1;
    const parts = m[1].split(/[\s,/]+/).filter(Boolean);
    return parts.length > 3 ? parseFloat(parts[3]) : 1;
  };
  const focusStyle = (el) => {
    const s = getComputedStyle(el);
    return {
      outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0, outlineColor: s.outlineColor,
      boxShadow: s.boxShadow, background: s.backgroundColor,
      border: ["Top", "Right", "Bottom", "Left"].map((side) => {
        const width = parseFloat(s[`border${side}Width`]) || 0;
        const visible = width > 0 && s[`border${side}Style`] !== "none" && alpha(s[`border${side}Color`]) > 0;
        return visible ? `${width} ${s[`border${side}Style`]} ${s[`border${side}Color`]}` : "-";  // colour alone is no border
      }).join(" "),
    };
  };
  const scrolls = (s) => s === "auto" || s === "scroll";
  const visuallyHidden = (el, r) => r.width <= 2 || r.height <= 2 || r.right <= 0 || r.bottom <= 0;

  // ---- keyboard -------------------------------------------------------------------------------
  let marked = [];
  let baseline = [];

  // Remember every interactive element and how it looks unfocused; returns their descriptions.
  function markInteractive() {
    marked = [...document.querySelectorAll(INTERACTIVE)].filter(
      (el) => !el.disabled && rendered(el) && (el.matches(NATIVE) || el.tabIndex >= 0));
    baseline = marked.map(focusStyle);
    // Tab stops at one radio button of a group; the arrow keys move between them.
    const group = (el) => (el.matches('input[type="radio"][name]') ? `${el.form ? [...document.forms].indexOf(el.form) : -1}:${el.name}` : null);
    return marked.map((el) => ({
      description: describe(el), tabIndex: el.tabIndex, radioGroup: group(el),
      operable: el.matches(NATIVE) || scrolls(getComputedStyle(el).overflowX) || scrolls(getComputedStyle(el).overflowY),
    }));
  }

  // What has focus now, whether its focus shows, and whether it is on screen and not covered.
  function focused() {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const index = marked.indexOf(el);
    const now = focusStyle(el);
    const before = index >= 0 ? baseline[index] : null;
    const reasons = [];
    if (now.outlineStyle !== "none" && now.outlineWidth >= 1 && alpha(now.outlineColor) > 0 &&
        (!before || before.outlineStyle === "none" || before.outlineColor !== now.outlineColor || before.outlineWidth !== now.outlineWidth)) {
      reasons.push("outline");
    }
    if (now.boxShadow !== "none" && (!before || before.boxShadow !== now.boxShadow)) reasons.push("box-shadow");
    if (before && before.background !== now.background) reasons.push("background");
    if (before && before.border !== now.border) reasons.push("border");
    const r = el.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    const hit = onScreen ? document.elementFromPoint(x, y) : null;
    const covered = onScreen && hit && !(el === hit || el.contains(hit) || hit.contains(el)) ? describe(hit) : null;
    return { index, description: describe(el), indicator: reasons, onScreen, coveredBy: covered };
  }

  // Record focused() each time focus moves, so Tab can be pressed many times and read once.
  let focusLog = null;
  document.addEventListener("focusin", () => { if (focusLog) focusLog.push(focused()); }, true);
  const startFocusLog = () => { focusLog = []; };
  const takeFocusLog = () => { const log = focusLog || []; focusLog = null; return log; };

  // The skip link, when the first Tab lands on one: where it points and whether it shows.
  function skipLink() {
    const el = document.activeElement;
    const href = el && el.getAttribute ? el.getAttribute("href") || "" : "";
    const main = document.querySelector('main, [role="main"]');
    const target = href.startsWith("#") ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
    const r = el ? el.getBoundingClientRect() : null;
    const onScreen = !!r && r.width > 1 && r.height > 1 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
    const firstInMain = main ? [...main.querySelectorAll(INTERACTIVE)].find((e) => rendered(e) && e.tabIndex >= 0) : null;
    return {
      description: describe(el), href, isLink: !!el && el.tagName === "A", hasMain: !!main,
      targetExists: !!target, targetIsMain: !!target && !!main && (target === main || main.contains(target)),
      onScreen, firstInMain: firstInMain ? describe(firstInMain) : null,
    };
  }

  // Focus the first link, in main if there is one, to another page of this site; returns its address.
  function focusInternalLink() {
    const other = (a) => a.protocol === location.protocol && a.host === location.host && a.pathname !== location.pathname;
    const main = document.querySelector('main, [role="main"]');
    const links = [...(main || document).querySelectorAll("a[href]"), ...document.querySelectorAll("a[href]")];
    const link = links.find((a) => other(a) && rendered(a));
    if (!link) return null;
    link.focus();
    return link.href;
  }

  function focusIsInMain() {
    const main = document.querySelector('main, [role="main"]');
    const el = document.activeElement;
    return { inMain: !!main && !!el && (el === main || main.contains(el)), description: describe(el) };
  }

  // ---- layout: reflow, text size, print --------------------------------------------------------
  // Elements that stick out of the window sideways (outside any scrolling box), outermost only.
  function overflowing() {
    const vw = document.documentElement.clientWidth;
    const se = document.scrollingElement;
    const out = { viewport: vw, scrollWidth: se.scrollWidth, clientWidth: se.clientWidth, elements: [] };
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (visuallyHidden(el, r) || (r.right <= vw + 1 && r.left >= -1)) continue;
      let p = el.parentElement;
      let inScroller = false;
      while (p && p !== document.body) {
        if (scrolls(getComputedStyle(p).overflowX)) { inScroller = true; break; }
        p = p.parentElement;
      }
      if (inScroller) continue;
      const parent = el.parentElement.getBoundingClientRect();
      if (el.parentElement !== document.body && (parent.right > vw + 1 || parent.left < -1)) continue;
      out.elements.push(`${describe(el)} (${Math.round(r.left)} to ${Math.round(r.right)}px)`);
    }
    return out;
  }

  // ---- tables on a phone ----------------------------------------------------------------------
  // The box that clips el sideways: its nearest ancestor whose overflow-x is not visible, or null.
  const sideClipper = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return p;
    }
    return null;
  };
  // A scroll box whose scrolling is announced: a focusable, named region that scrolls, described
  // (aria-describedby) by a cue that is visible on the page.
  const announcedScroller = (box) => {
    if (!box || !scrolls(getComputedStyle(box).overflowX) || box.scrollWidth <= box.clientWidth + 1) return false;
    const named = box.getAttribute("role") === "region" && (box.getAttribute("aria-label") || box.getAttribute("aria-labelledby"));
    const cues = (box.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean).map((id) => document.getElementById(id));
    return box.tabIndex >= 0 && Boolean(named) && cues.some((cue) => cue && rendered(cue) && cue.getBoundingClientRect().width > 2);
  };
  // Every rendered table's caption and cells whose text is not wholly in view sideways: beyond the
  // window, or cut off by a box around the table, unless that box is an announced scroller (above)
  // no wider than the window, in which case scrolling it shows the cell.
  function tablesOutOfView() {
    const vw = document.documentElement.clientWidth;
    const out = [];
    for (const table of document.querySelectorAll("table")) {
      if (!rendered(table)) continue;
      const box = sideClipper(table);
      const scrollOk = announcedScroller(box);
      const b = box ? box.getBoundingClientRect() : { left: 0, right: vw };
      const left = Math.max(0, b.left), right = Math.min(vw, b.right);
      const name = (table.caption ? table.caption.innerText : describe(table)).trim().replace(/\s+/g, " ").slice(0, 60);
      for (const cell of table.querySelectorAll("caption, th, td")) {
        if (!rendered(cell) || !cell.innerText.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(cell);
        const r = range.getBoundingClientRect();
        if (visuallyHidden(cell, cell.getBoundingClientRect())) continue;
        const inView = r.left >= left - 1 && r.right <= right + 1;
        const byScrolling = scrollOk && cell.tagName !== "CAPTION" && r.width <= right - left + 1 && b.left >= -1 && b.right <= vw + 1;
        const clippedText = cell.scrollWidth > cell.clientWidth + 2 && getComputedStyle(cell).overflowX !== "visible";
        if ((!inView && !byScrolling) || clippedText) {
          const what = cell.tagName === "CAPTION" ? "its caption" : `the cell "${cell.innerText.trim().replace(/\s+/g, " ").slice(0, 40)}"`;
          out.push(`in the table "${name}", ${what} is not in view (text from ${Math.round(r.left)} to ${Math.round(r.right)} px, visible ${Math.round(left)} to ${Math.round(right)} px)`);
        }
      }
    }
    return out;
  }

  // Boxes whose content is cut off: overflow hidden or clipped, and the content bigger than the box.
  function clipped() {
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      const s = getComputedStyle(el);
      const hides = (v) => v === "hidden" || v === "clip";
      if (!hides(s.overflowX) && !hides(s.overflowY)) continue;
      const r = el.getBoundingClientRect();
      if (visuallyHidden(el, r) || !rendered(el)) continue;
      if ((hides(s.overflowY) && el.scrollHeight > el.clientHeight + 2) || (hides(s.overflowX) && el.scrollWidth > el.clientWidth + 2)) {
        out.push(describe(el));
      }
    }
    return out;
  }

  // The font size of every element with text of its own, in page order. Text in an SVG drawing is
  // left out: it is sized in the drawing's own units and grows with the drawing when people zoom.
  function fontSizes() {
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("svg")) continue;
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      if (own && rendered(el)) out.push([describe(el), parseFloat(getComputedStyle(el).fontSize)]);
    }
    return { root: parseFloat(getComputedStyle(document.documentElement).fontSize), elements: out };
  }

  // What prints: navigation and skip links must not; links in the content show where they go.
  function printed() {
    const shows = (el) => rendered(el) && getComputedStyle(el).display !== "none";
    const main = document.querySelector('main, [role="main"]');
    const navs = [...document.querySelectorAll('nav, [role="navigation"], [role="search"], [role="contentinfo"], body > footer, a.skip-link, a[href^="#"][class*="skip"]')];
    const links = main ? [...main.querySelectorAll('a[href^="http"], a[href^="mailto:"]')].filter(shows) : [];
    const norm = (s) => s.replace(/^mailto:/, "").replace(/\/$/, "").toLowerCase();
    return {
      mainText: main && shows(main) ? main.innerText.trim().length : 0,
      navigation: navs.filter(shows).map(describe),
      unshownLinks: links.filter((a) => {
        const after = getComputedStyle(a, "::after").content;
        const href = norm(a.getAttribute("href"));
        return !norm(a.innerText).includes(href) && !(after && norm(after).includes(href));
      }).map(describe),
      cutOff: [...document.body.querySelectorAll("*")].filter((el) => {
        const s = getComputedStyle(el);
        return shows(el) && s.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 2;
      }).map(describe),
      pageScrollWidth: document.scrollingElement.scrollWidth, pageWidth: document.documentElement.clientWidth,
    };
  }

  // ---- motion --------------------------------------------------------------------------------
  function motion() {
    const seconds = (v) => Math.max(0, ...v.split(",").map((x) => (x.trim().endsWith("ms") ? parseFloat(x) / 1000 : parseFloat(x)) || 0));
    const out = [];
    for (const el of [document.documentElement, document.body, ...document.body.querySelectorAll("*")]) {
      for (const pseudo of [null, "::before", "::after"]) {
        const s = getComputedStyle(el, pseudo);
        const name = describe(el) + (pseudo || "");
        if (s.animationName !== "none" && seconds(s.animationDuration) > 0.01) out.push(`${name} is animated (${s.animationName}, ${s.animationDuration})`);
        if (s.transitionProperty !== "none" && seconds(s.transitionDuration) > 0.01) out.push(`${name} has a transition (${s.transitionProperty} ${s.transitionDuration})`);
      }
    }
    if (getComputedStyle(document.documentElement).scrollBehavior === "smooth") out.push("<html> scrolls smoothly (scroll-behavior: smooth)");
    for (const a of document.getAnimations()) {
      const t = a.effect && a.effect.getTiming ? a.effect.getTiming() : {};
      if (a.playState === "running" && (Number(t.duration) || 0) > 10) out.push(`${describe(a.effect.target)} runs an animation`);
    }
    for (const m of document.querySelectorAll("video[autoplay], audio[autoplay]")) out.push(`${describe(m)} plays by itself`);
    return [...new Set(out)];
  }

  // ---- links as the browser resolves them ------------------------------------------------------
  function links() {
    const sel = "a[href], area[href], link[href], img[src], script[src], source[src], iframe[src], video[src], audio[src], track[src], embed[src], object[data]";
    return [...document.querySelectorAll(sel)].map((el) => {
      const tag = el.tagName.toLowerCase();
      const attr = el.hasAttribute("href") ? "href" : el.hasAttribute("src") ? "src" : "data";
      const url = attr === "href" ? el.href : attr === "src" ? el.src : el.data;
      return [tag, el.getAttribute(attr), typeof url === "string" ? url : String(url)];
    });
  }

  window.__cmiQuality = {
    cspViolations: () => cspViolations.slice(), markInteractive, focused, startFocusLog, takeFocusLog, skipLink, focusIsInMain,
    focusInternalLink,
    overflowing, tablesOutOfView, clipped, fontSizes, printed, motion, links,
  };
})();
