/* Share your story: turns the answers on share/ into a story file (YAML front matter and Markdown)
   in the browser. Nothing is sent anywhere: the file is shown, copied, downloaded, or put into a
   link to the repository's "create new file" page on GitHub.

   Safety: the visitor's text never goes through innerHTML. The preview is built node by node with
   createElement and createTextNode, and only http(s) and mailto links become links.
   Plain ES2015, no modules and no fetch(), so the page also works opened from disk (file://). */
(function () {
  "use strict";

  var form = document.getElementById("share-form");
  if (!form || !window.Blob || !window.URL || !String.prototype.normalize) {
    return; // the page keeps its "needs JavaScript" guidance
  }

  var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  // Words YAML readers may take as something other than text: ids like these are quoted.
  var YAML_WORDS = /^(?:null|true|false|yes|no|on|off|y|n)$/i;
  var MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december"];
  var GITHUB_URL_LIMIT = 8000; // GitHub refuses longer links (a ~1,500-word story makes one of ~13,500): upload instead

  function byId(id) {
    return document.getElementById(id);
  }

  function groups() {
    return Array.prototype.slice.call(form.querySelectorAll("[data-field]"));
  }

  function group(name) {
    return form.querySelector('[data-field="' + name + '"]');
  }

  function controls(el) {
    return Array.prototype.slice.call(el.querySelectorAll("input, textarea, select"));
  }

  // ---- text clean-up ------------------------------------------------------------------------------

  /* Text as typed -> text every YAML and Markdown reader accepts: one kind of line break, no control
     characters, no half of a surrogate pair (which cannot be saved as UTF-8). */
  function clean(text) {
    return text
      .replace(/\r\n?|[\u0085\u2028\u2029]/g, "\n")
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/g, "")
      .replace(/[\ud800-\udfff]/gu, "\ufffd");
  }

  function oneLine(text) {
    return clean(text).replace(/\s+/g, " ").trim();
  }

  function lineList(text) {
    return clean(text).split("\n").map(function (line) {
      return line.replace(/^\s*(?:[-*\u2022]\s+)?/, "").replace(/\s+/g, " ").trim();
    }).filter(Boolean);
  }

  /* 'Co-designing respite in Thetford!' -> 'co-designing-respite-in-thetford', as scaffold.slugify does. */
  function slugify(text, limit) {
    limit = limit || 60;
    var slug = text.normalize("NFKD").replace(/[^\u0000-\u007f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    if (slug.length > limit) {
      slug = slug.slice(0, limit);
      var cut = slug.lastIndexOf("-");
      if (cut >= 0) {
        slug = slug.slice(0, cut);
      }
    }
    return slug;
  }

  // ---- YAML ---------------------------------------------------------------------------------------

  function hex4(code) {
    return ("000" + code.toString(16).toUpperCase()).slice(-4);
  }

  /* Any text -> a YAML double-quoted scalar. Quoting everything means colons, quotes, '#', a leading
     '-' or '[', and words like no, yes or 2025 all stay text exactly as typed. */
  function quote(text) {
    var out = '"';
    for (var ch of text) {
      var code = ch.codePointAt(0);
      if (ch === '"' || ch === "\\") {
        out += "\\" + ch;
      } else if (ch === "\n") {
        out += "\\n";
      } else if (ch === "\t") {
        out += "\\t";
      } else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff) {
        out += "\\u" + hex4(code);
      } else {
        out += ch;
      }
    }
    return out + '"';
  }

  function plainId(id) {
    return SLUG.test(id) && !YAML_WORDS.test(id) ? id : quote(id);
  }

  /* Text of several lines -> a literal block (easy to read and edit later); one line -> quoted. */
  function textValue(text) {
    var safe = text.indexOf("\n") >= 0 && !/[\t\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/.test(text.replace(/\n/g, ""));
    if (!safe) {
      return " " + quote(text);
    }
    return " |-\n" + text.split("\n").map(function (line) { return "  " + line; }).join("\n");
  }

  /* Today's date, YYYY-MM-DD, where the person filling in the form is. */
  function todayIso() {
    var now = new Date();
    return now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
  }

  /* One answer -> its front matter lines ('' when the answer is empty, so the field is left out). */
  function yamlField(name, shape, value) {
    if (value === null || value === "" || (Array.isArray(value) && !value.length) || (shape === "flag" && !value)) {
      return "";
    }
    switch (shape) {
      case "ids":
        return name + ": [" + value.map(plainId).join(", ") + "]\n";
      case "id":
      case "date":
        return name + ": " + plainId(value) + "\n";
      case "lines":
        return name + ":\n" + value.map(function (item) { return "  - " + quote(item) + "\n"; }).join("");
      case "ratings":
        return name + ":\n" + value.map(function (pair) { return "  " + plainId(pair[0]) + ": " + pair[1] + "\n"; }).join("");
      case "flag": // a box ticked: true, else left out
        return name + ": true\n";
      case "consent": // the box was ticked today, on this form: when and how the people agreed, as far as the site knows
        return name + ":\n  date: " + todayIso() + "\n  how: " + quote("confirmed by the person who sent it with the Share your story form") + "\n";
      default: // text, longtext, choice
        return name + ":" + textValue(value) + "\n";
    }
  }

  // ---- reading the answers ------------------------------------------------------------------------

  function readDate(el) {
    var parts = {};
    controls(el).forEach(function (input) {
      parts[input.getAttribute("data-part")] = input.value.trim();
    });
    return parts;
  }

  function readAnswer(el) {
    var shape = el.getAttribute("data-shape");
    var inputs = controls(el);
    switch (shape) {
      case "ids":
        return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
      case "id":
        return inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; })[0] || "";
      case "ratings":
        return inputs.filter(function (i) { return i.checked && i.value; }).map(function (i) {
          return [i.getAttribute("data-statement"), i.value];
        });
      case "date":
        return readDate(el);
      case "lines":
        return lineList(inputs[0].value);
      case "longtext":
        return lineList(inputs[0].value).join("\n");
      case "markdown":
        return clean(inputs[0].value).replace(/\s+$/, "").replace(/^(?:[ \t]*\n)+/, "");
      case "consent":
      case "flag":
        return inputs[0].checked;
      default: // text, choice
        return oneLine(inputs[0].value);
    }
  }

  function readAnswers() {
    var answers = {};
    groups().forEach(function (el) {
      answers[el.getAttribute("data-field")] = readAnswer(el);
    });
    return answers;
  }

  // ---- checks: the same rules as `cmi-site check` ------------------------------------------------

  function monthNumber(text) {
    var word = text.toLowerCase().replace(/\.$/, "");
    if (/^\d{1,2}$/.test(word)) {
      return Number(word);
    }
    for (var i = 0; i < MONTHS.length; i++) {
      if (word.length >= 3 && MONTHS[i].indexOf(word) === 0) {
        return i + 1;
      }
    }
    return NaN;
  }

  /* {day, month, year} -> {value: 'YYYY-MM-DD'}, or {message, parts: the boxes to correct}
     (the GOV.UK date input's wording). */
  function checkDate(parts, missing) {
    var names = ["day", "month", "year"];
    var empty = names.filter(function (n) { return !parts[n]; });
    if (empty.length === 3) {
      return missing ? { message: missing, parts: names } : { value: "" };
    }
    if (empty.length) {
      return { message: "The date must include a " + empty.join(" and a "), parts: empty };
    }
    if (!/^\d{4}$/.test(parts.year)) {
      return { message: "The year must have 4 numbers, like 2025", parts: ["year"] };
    }
    var day = /^\d{1,2}$/.test(parts.day) ? Number(parts.day) : NaN;
    var month = monthNumber(parts.month);
    var year = Number(parts.year);
    var date = new Date(Date.UTC(year, month - 1, day));
    if (isNaN(date.getTime()) || date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 || year < 1000) {
      return { message: "The date must be a real date", parts: names };
    }
    return { value: parts.year + "-" + ("0" + month).slice(-2) + "-" + ("0" + day).slice(-2) };
  }

  // ---- the story addresses already taken (src/cmi_site/taken.py) ---------------------------------
  /* The slugs are in shards, one small script each (named in form[data-taken], beside this page),
     loaded by a script tag (so it works from disk too) for the title as it stands when the visitor
     leaves the title box or sends the form: never as it is typed, which would fetch many shards and
     tell the host's log the title's first letters. The request names one shard of a few dozen, never
     an answer. A shard that cannot be loaded (or takes longer than TAKEN_WAIT) leaves this title
     unchecked here, and is asked for again next time; whoever adds the file then finds its name taken. */

  var takenFiles = (form.getAttribute("data-taken") || "").split(" ").filter(Boolean);
  var taken = {}; // shard -> a set of slugs, once loaded
  var waiting = {}; // shard -> what to call when it has loaded (or failed to)
  var TAKEN_WAIT = 5000; // ms

  window.CMI_TAKEN = function (shard, slugs) {
    var set = Object.create(null);
    slugs.split(" ").forEach(function (slug) { set[slug] = true; });
    taken[shard] = set;
  };

  /* 32-bit FNV-1a of the slug (ASCII), as taken.fnv1a: which shard holds it. */
  function shardOf(slug) {
    var hash = 0x811c9dc5;
    for (var i = 0; i < slug.length; i++) {
      hash = Math.imul(hash ^ slug.charCodeAt(i), 0x01000193) >>> 0;
    }
    return hash % takenFiles.length;
  }

  function takenKnown(slug) {
    return !slug || !takenFiles.length || Boolean(taken[shardOf(slug)]);
  }

  /* Call done once the shard of slug has loaded, or could not be: at once when it is known already. */
  function whenTakenKnown(slug, done) {
    if (takenKnown(slug)) {
      done();
      return;
    }
    var shard = shardOf(slug);
    if (waiting[shard]) {
      waiting[shard].push(done);
      return;
    }
    waiting[shard] = [done];
    var script = document.createElement("script");
    var timer = null;
    function finish() {
      window.clearTimeout(timer);
      script.onload = script.onerror = null;
      var calls = waiting[shard] || [];
      delete waiting[shard];
      calls.forEach(function (call) { call(); });
    }
    script.onload = script.onerror = finish;
    timer = window.setTimeout(finish, TAKEN_WAIT);
    script.src = takenFiles[shard];
    document.head.appendChild(script);
  }

  function isTaken(slug) {
    var set = takenFiles.length ? taken[shardOf(slug)] : null;
    return Boolean(set && set[slug]);
  }

  function isEmpty(value) {
    return value === "" || value === false || (Array.isArray(value) && !value.length);
  }

  /* The answers -> [{field, message, target, inputs}] in the order the questions are asked: target
     is where the error summary's link goes, inputs are the boxes to mark. */
  function findErrors(answers) {
    var errors = [];
    function add(name, message, inputs) {
      errors.push({ field: name, message: message, target: inputs[0], inputs: inputs });
    }
    groups().forEach(function (el) {
      var name = el.getAttribute("data-field");
      var missing = el.getAttribute("data-missing");
      var first = controls(el).slice(0, 1);
      var value = answers[name];
      if (el.getAttribute("data-shape") === "date") {
        var checked = checkDate(value, el.hasAttribute("data-required") ? missing : "");
        if (checked.message) {
          add(name, checked.message, checked.parts.map(function (part) { return byId("story-date-" + part); }));
        }
      } else if (el.hasAttribute("data-required") && isEmpty(value)) {
        add(name, missing, first);
      } else if (name === "title") {
        var slug = slugify(value);
        if (!slug) {
          add(name, "The title must include some letters or numbers", first);
        } else if (isTaken(slug)) {
          add(name, "There is already a story with a title like this on the website. Change the title so it is different", first);
        }
      } else if (name === "image_alt" && answers.image && !value && !answers.image_decorative) {
        add(name, missing, first);
      } else if (name === "image_alt" && answers.image && value && answers.image_decorative) {
        add(name, "Leave this empty when the picture only decorates the story, or untick “The picture only decorates the story”", first);
      }
    });
    return errors;
  }

  // ---- showing errors the GOV.UK way --------------------------------------------------------------

  var summary = byId("error-summary");
  var summaryList = byId("error-summary-list");
  var pageTitle = document.title;

  function describedBy(el, id, add) {
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (x) { return x && x !== id; });
    if (add) {
      ids.unshift(id);
    }
    if (ids.length) {
      el.setAttribute("aria-describedby", ids.join(" "));
    } else {
      el.removeAttribute("aria-describedby");
    }
  }

  function markGroup(el, error) {
    var name = el.getAttribute("data-field");
    var message = el.querySelector(".form-error");
    var described = el.querySelector("fieldset") || controls(el)[0];
    el.classList.toggle("form-group--error", Boolean(error));
    controls(el).forEach(function (input) {
      if (input.type !== "checkbox" && input.type !== "radio") {
        var bad = Boolean(error) && error.inputs.indexOf(input) >= 0;
        input.classList.toggle(input.tagName === "TEXTAREA" ? "form-textarea--error" : "form-input--error", bad);
      }
    });
    if (!message) {
      return;
    }
    message.textContent = "";
    message.hidden = !error;
    if (error) {
      make("span", message, "Error: ").className = "visually-hidden";
      message.appendChild(document.createTextNode(error.message));
    }
    describedBy(described, message.id, Boolean(error));
  }

  function showErrors(errors) {
    var byField = {};
    errors.forEach(function (error) { byField[error.field] = byField[error.field] || error; });
    groups().forEach(function (el) { markGroup(el, byField[el.getAttribute("data-field")]); });
    summaryList.textContent = "";
    errors.forEach(function (error) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + error.target.id;
      link.textContent = error.message;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        focusField(error.target);
      });
      item.appendChild(link);
      summaryList.appendChild(item);
    });
    summary.hidden = !errors.length;
    document.title = errors.length ? "Error: " + pageTitle : pageTitle;
    if (errors.length) {
      summary.focus();
    }
  }

  /* Focus a field and bring its question into view (the legend or label, not just the box). */
  function focusField(input) {
    var fieldset = input.closest("fieldset");
    var label = fieldset ? fieldset.querySelector("legend") : form.querySelector('label[for="' + input.id + '"]');
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  }

  // ---- the file -----------------------------------------------------------------------------------

  var PICTURE_FIELDS = ["image_alt", "image_decorative", "image_caption"]; // written only with a picture

  /* Answers (already checked) -> the story file's text. */
  function storyFile(answers, date) {
    var order = (form.getAttribute("data-fields") || "").split(" ").filter(Boolean);
    var text = "---\n";
    text += "# Made with the \"Share your story\" form. The person who filled it in confirmed that\n";
    text += "# everyone named, described or pictured has agreed to the story being shared.\n";
    order.forEach(function (name) {
      var el = group(name);
      if (el && !(PICTURE_FIELDS.indexOf(name) >= 0 && !answers.image)) { // without a picture, nothing about one
        text += yamlField(name, el.getAttribute("data-shape"), name === "date" ? date : answers[name]);
      }
    });
    text += "---\n";
    if (answers.body) {
      text += "\n" + answers.body + "\n";
    }
    return text;
  }

  var result = byId("share-result");
  var output = byId("share-output");
  var status = byId("share-status");
  var github = byId("share-github");
  var download = byId("share-download");
  var downloadUrl = null;

  function say(message) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function showFile(path, text) {
    byId("share-path").textContent = path;
    output.value = text;
    if (github) {
      var url = github.getAttribute("data-new-file-url") + "?filename=" + encodeURIComponent(path) +
        "&value=" + encodeURIComponent(text);
      var tooLong = url.length > GITHUB_URL_LIMIT;
      github.href = tooLong ? github.getAttribute("data-new-file-url") : url;
      byId("share-send-link").hidden = tooLong;
      byId("share-send-upload").hidden = !tooLong;
    }
    if (downloadUrl) {
      URL.revokeObjectURL(downloadUrl);
    }
    downloadUrl = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
    [download, byId("share-upload-download")].forEach(function (link) {
      if (link) {
        link.href = downloadUrl;
        link.setAttribute("download", path.split("/").pop());
      }
    });
    result.hidden = false;
    byId("share-result-title").focus();
  }

  function hideFile() {
    if (result.hidden) {
      return;
    }
    result.hidden = true;
    output.value = "";
    if (github) {
      github.href = github.getAttribute("data-new-file-url");
    }
    say("You changed your answers. Make the story file again to include the changes.");
  }

  function makeFile() {
    var answers = readAnswers();
    var errors = findErrors(answers);
    showErrors(errors);
    if (errors.length) {
      result.hidden = true;
      output.value = "";
      return;
    }
    var date = checkDate(answers.date, "").value;
    showFile("content/stories/" + slugify(answers.title) + ".md", storyFile(answers, date));
  }

  /* Check the answers and make the file, once the shard of the title's address is known (for the
     title as it is then: it may have been changed while a shard loaded). */
  function send() {
    var slug = slugify(oneLine(byId("story-title").value));
    if (takenKnown(slug)) {
      form.removeAttribute("aria-busy");
      makeFile();
      return;
    }
    if (!form.hasAttribute("aria-busy")) {
      form.setAttribute("aria-busy", "true");
      say("Checking that no other story has this title…");
    }
    whenTakenKnown(slug, function () {
      var now = slugify(oneLine(byId("story-title").value));
      if (now !== slug && !takenKnown(now)) {
        send(); // the title was changed meanwhile: its own shard first
        return;
      }
      form.removeAttribute("aria-busy");
      say(""); // no longer checking
      makeFile(); // with the shard loaded, or unchecked when it could not be
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });

  form.addEventListener("input", hideFile);
  form.addEventListener("change", hideFile);

  byId("share-copy").addEventListener("click", function () {
    function copied() { say("The story file is copied. You can paste it into an email or a new file."); }
    function fallback() {
      output.focus();
      output.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (err) {
        ok = false;
      }
      if (ok) {
        copied();
      } else {
        say("Your browser did not let the page copy the file. The file's text is selected: copy it yourself.");
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(output.value).then(copied, fallback);
    } else {
      fallback();
    }
  });

  // ---- live hints: the web address and the summary's length -------------------------------------

  var title = byId("story-title");
  var address = byId("story-title-address");
  var addressDefault = address.textContent;
  title.addEventListener("input", function () {
    var slug = slugify(oneLine(title.value));
    address.textContent = slug ? "Your story’s web address will end in stories/" + slug + "/" : addressDefault;
  });

  title.addEventListener("change", function () { // the title as left, ready before the form is sent
    whenTakenKnown(slugify(oneLine(title.value)), function () {});
  });

  var summaryGroup = group("summary");
  var summaryBox = byId("story-summary");
  var count = byId("story-summary-count");
  var countTimer = null;
  function updateCount() {
    var max = Number(summaryGroup.getAttribute("data-maxlength"));
    var left = max - Array.from(oneLine(summaryBox.value)).length;
    var over = left < 0;
    count.textContent = over ? "You have " + -left + (left === -1 ? " character" : " characters") + " too many. Shorter summaries are easier to read"
      : "You have " + left + (left === 1 ? " character" : " characters") + " left";
    count.classList.toggle("form-count--over", over);
  }
  summaryBox.addEventListener("input", function () {
    window.clearTimeout(countTimer);
    countTimer = window.setTimeout(updateCount, 150);
  });

  // ---- the Markdown preview: a small, safe subset of what the site's Markdown does ----------------

  var INLINE = /\\([\\`*_{}[\]()#+\-.!>])|(`+)([^`]|[^`][\s\S]*?[^`])\2(?!`)|!\[([^\]]*)\]\(([^()\s]*)(?:\s+"[^"]*")?\)|\[([^\]]+)\]\(\s*<?([^()\s<>]*)>?(?:\s+"[^"]*")?\s*\)|<((?:https?:\/\/|mailto:)[^\s<>]+)>|(\*\*|__)(?=\S)([\s\S]*?\S)\9|(\*|_)(?=\S)([\s\S]*?\S)\11/g;
  var SAFE_URL = /^(?:https?:\/\/[^\s]+|mailto:[^\s]+)$/i;

  function make(tag, parent, text) {
    var node = document.createElement(tag);
    if (text !== undefined) {
      node.appendChild(document.createTextNode(text));
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function textNode(parent, text) {
    parent.appendChild(document.createTextNode(text));
  }

  function link(parent, label, url) {
    if (!SAFE_URL.test(url)) {
      inline(parent, label); // like the site: a link to anything else keeps its words, not the link
      return;
    }
    var a = make("a", parent);
    a.href = url;
    a.target = "_blank"; // following it must not lose what has been typed
    a.rel = "noopener noreferrer";
    inline(a, label);
  }

  /* Inline Markdown (code, links, strong, emphasis, line breaks) -> nodes appended to parent. */
  function inline(parent, text) {
    var lines = text.split(/ {2,}\n/);
    if (lines.length > 1) {
      lines.forEach(function (part, i) {
        if (i) {
          make("br", parent);
        }
        inline(parent, part);
      });
      return;
    }
    var re = new RegExp(INLINE.source, "g");
    var at = 0;
    var match;
    while ((match = re.exec(text)) !== null) {
      var single = match[11];
      if (single === "_" && (/\w/.test(text.charAt(match.index - 1)) || /\w/.test(text.charAt(re.lastIndex)))) {
        re.lastIndex = match.index + 1; // snake_case_words are not emphasis
        continue;
      }
      textNode(parent, text.slice(at, match.index));
      at = re.lastIndex;
      if (match[1] !== undefined) {
        textNode(parent, match[1]);
      } else if (match[2] !== undefined) {
        make("code", parent, match[3].trim());
      } else if (match[5] !== undefined) {
        textNode(parent, "[Picture: " + (match[4] || "no description") + "]"); // never loaded: only the website's own pictures are allowed
      } else if (match[6] !== undefined) {
        link(parent, match[6], match[7]);
      } else if (match[8] !== undefined) {
        link(parent, match[8], match[8]);
      } else if (match[9] !== undefined) {
        inline(make("strong", parent), match[10]);
      } else {
        inline(make("em", parent), match[12]);
      }
    }
    textNode(parent, text.slice(at));
  }

  /* Markdown text -> blocks: {type: h|p|ul|ol|quote|pre|hr, text, level, items}. Like the site's
     Markdown, a list needs an empty line before it when it follows a paragraph. */
  function blocks(text) {
    var out = [];
    var current = null; // the open paragraph, list, quote or code block
    var lines = text.split("\n");
    function close() { current = null; }
    function open(block) { out.push(block); current = block; return block; }
    lines.forEach(function (line) {
      var m;
      if (current && current.type === "pre") {
        if (/^\s*(```|~~~)/.test(line)) {
          close();
        } else {
          current.text += (current.text ? "\n" : "") + line;
        }
        return;
      }
      if (!line.trim()) {
        close();
      } else if (/^\s*(```|~~~)/.test(line)) {
        open({ type: "pre", text: "" });
      } else if ((m = /^(#{1,6})[ \t]+(.*?)[ \t#]*$/.exec(line)) !== null) {
        out.push({ type: "h", level: m[1].length, text: m[2] });
        close();
      } else if (current && current.type === "p" && /^=+\s*$/.test(line)) {
        current.type = "h"; current.level = 1; close();
      } else if (current && current.type === "p" && /^-+\s*$/.test(line)) {
        current.type = "h"; current.level = 2; close();
      } else if (/^ {0,3}([-*_])(?:\s*\1){2,}\s*$/.test(line)) {
        out.push({ type: "hr" });
        close();
      } else if ((m = /^>\s?(.*)$/.exec(line)) !== null) {
        if (!current || current.type !== "quote") {
          open({ type: "quote", text: "" });
        }
        current.text += (current.text ? "\n" : "") + m[1];
      } else if ((m = /^ {0,3}([-*+]|\d+\.)\s+(.*)$/.exec(line)) !== null && !(current && current.type === "p")) {
        var type = /\d/.test(m[1]) ? "ol" : "ul";
        if (!current || current.type !== type) {
          open({ type: type, items: [] });
        }
        current.items.push(m[2]);
      } else if (current && (current.type === "ul" || current.type === "ol")) {
        current.items[current.items.length - 1] += "\n" + line.trim();
      } else if (current && (current.type === "p" || current.type === "quote")) {
        current.text += "\n" + line;
      } else {
        open({ type: "p", text: line });
      }
    });
    return out;
  }

  function renderPreview(markdown, target) {
    target.textContent = "";
    var list = blocks(markdown);
    if (!list.length) {
      make("p", target, "Your story will appear here as you type.").className = "share-preview__empty";
      return;
    }
    // Like the site, the highest heading becomes a level 2 heading: the page title is the only h1.
    var levels = list.filter(function (b) { return b.type === "h"; }).map(function (b) { return b.level; });
    var shift = levels.length && Math.min.apply(null, levels) < 2 ? 2 - Math.min.apply(null, levels) : 0;
    list.forEach(function (block) {
      if (block.type === "h") {
        inline(make("h" + Math.min(6, block.level + shift), target), block.text.trim());
      } else if (block.type === "p") {
        inline(make("p", target), block.text.replace(/^[ \t]+/gm, "").replace(/[ \t]+$/, ""));
      } else if (block.type === "quote") {
        inline(make("p", make("blockquote", target)), block.text);
      } else if (block.type === "pre") {
        make("code", make("pre", target), block.text);
      } else if (block.type === "hr") {
        make("hr", target);
      } else {
        var listEl = make(block.type, target);
        block.items.forEach(function (item) { inline(make("li", listEl), item); });
      }
    });
  }

  var body = byId("story-body");
  var preview = byId("story-preview");
  var previewTimer = null;
  body.addEventListener("input", function () {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(function () { renderPreview(clean(body.value), preview); }, 100);
  });

  // ---- start --------------------------------------------------------------------------------------

  byId("share-nojs").hidden = true;
  byId("share-app").hidden = false;
  renderPreview(clean(body.value), preview); // a reloaded page keeps what was typed
  updateCount();
  title.dispatchEvent(new Event("input"));
  result.hidden = true;

}());
