/* Count Me In: the RAG self-assessment page.
   Without this script the page is a printable form. With it, a summary updates as people choose,
   and the answers can be copied or downloaded as a story's `self_assessment:` block.
   Nothing is sent anywhere. Answers are stored only when the person presses "Save on this device"
   (localStorage, this browser only), and "Forget" removes them. No innerHTML: text goes in as text. */
(function () {
  "use strict";

  var STORE = "cmi-self-assessment";
  var VALUES = ["red", "amber", "green"];
  // YAML (as PyYAML reads it) breaks lines at these, so a note must not carry them into a comment.
  var BREAKS = /\r\n|[\r\n\u0085\u2028\u2029]/;
  // Characters YAML does not accept at all, and lone halves of surrogate pairs.
  var UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]|\p{Cs}/gu;

  var form = document.getElementById("rag-form");
  if (!form) {
    return;
  }
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-statement]"));
  var about = document.getElementById("rag-about");
  var yaml = document.getElementById("rag-yaml");
  var includeNotes = document.getElementById("rag-include-notes");
  var statusLine = document.getElementById("rag-status");
  var saveStatus = document.getElementById("rag-save-status");
  var copyStatus = document.getElementById("rag-copy-status");
  var savedJson = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(element, text) {
    // Only change what is different, so screen readers do not repeat an unchanged status.
    if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function choice(question) {
    var checked = question.querySelector("input[type=radio]:checked");
    return checked && checked.value ? checked.value : "";
  }

  function notesOf(question) {
    return question.querySelector("textarea").value;
  }

  function state() {
    var ratings = {};
    var notes = {};
    questions.forEach(function (question) {
      var id = question.getAttribute("data-statement");
      if (choice(question)) {
        ratings[id] = choice(question);
      }
      if (notesOf(question).trim()) {
        notes[id] = notesOf(question);
      }
    });
    return { about: about.value, ratings: ratings, notes: notes };
  }

  function commentLines(text, indent) {
    return text.replace(UNPRINTABLE, " ").split(BREAKS).map(function (line) {
      line = line.replace(/\s+$/, "");
      return indent + "#" + (line ? " " + line : "");
    });
  }

  function yamlBlock(current, withNotes) {
    var lines = [];
    if (current.about.trim()) {
      lines = lines.concat(commentLines("Self-assessment of: " + current.about.trim(), ""));
    }
    var rated = questions.filter(function (question) {
      return current.ratings[question.getAttribute("data-statement")];
    });
    if (!rated.length) {
      return lines.concat(["# Choose red, amber or green for at least one statement first."]).join("\n") + "\n";
    }
    lines.push("self_assessment:");
    rated.forEach(function (question) {
      var id = question.getAttribute("data-statement");
      if (withNotes && current.notes[id] && current.notes[id].trim()) {
        lines = lines.concat(commentLines(current.notes[id].trim(), "  "));
      }
      lines.push("  " + id + ": " + current.ratings[id]);
    });
    return lines.join("\n") + "\n";
  }

  function ratingBadge(question, value) {
    var input = question.querySelector("input[value=" + value + "]");
    return form.querySelector("label[for='" + input.id + "'] .rag").cloneNode(true);
  }

  function meaningOf(question, value) {
    var input = question.querySelector("input[value=" + value + "]");
    return form.querySelector("label[for='" + input.id + "'] .rag-option__meaning").textContent;
  }

  function summaryItem(question, current) {
    var id = question.getAttribute("data-statement");
    var value = current.ratings[id];
    var item = document.createElement("li");
    item.className = "rag-summary__item";
    var statement = document.createElement("p");
    statement.className = "rag-summary__statement";
    statement.textContent = question.querySelector(".rag-question__legend").textContent.replace(/^\s*\d+\.\s*/, "");
    item.appendChild(statement);
    var rating = document.createElement("p");
    if (value) {
      rating.appendChild(ratingBadge(question, value));
      rating.appendChild(document.createTextNode(": " + meaningOf(question, value)));
    } else {
      rating.textContent = "Not rated.";
    }
    item.appendChild(rating);
    if (current.notes[id] && current.notes[id].trim()) {
      var note = document.createElement("p");
      note.className = "rag-summary__notes";
      note.textContent = "Notes: " + current.notes[id].trim();
      item.appendChild(note);
    }
    return item;
  }

  function countWords(counts) {
    var parts = VALUES.filter(function (value) {
      return counts[value];
    }).map(function (value) {
      return counts[value] + " " + value;
    });
    return parts.length > 1 ? parts.slice(0, -1).join(", ") + " and " + parts[parts.length - 1] : parts.join("");
  }

  function updateSummary(current) {
    var counts = { red: 0, amber: 0, green: 0 };
    Object.keys(current.ratings).forEach(function (id) {
      counts[current.ratings[id]] += 1;
    });
    var rated = counts.red + counts.amber + counts.green;
    VALUES.forEach(function (value) {
      setText(document.querySelector("[data-count=" + value + "]"), String(counts[value]));
    });
    setText(document.querySelector("[data-count=none]"), String(questions.length - rated));
    setText(statusLine, rated
      ? "You have rated " + rated + " of " + questions.length + " statements: " + countWords(counts) + "."
      : "You have not rated any statements yet.");
    var list = byId("rag-summary-list");
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    questions.forEach(function (question) {
      list.appendChild(summaryItem(question, current));
    });
  }

  function update() {
    var current = state();
    updateSummary(current);
    yaml.value = yamlBlock(current, includeNotes.checked);
    if (savedJson !== null && savedJson !== JSON.stringify(current)) {
      setText(saveStatus, "You have changed your answers since you saved them. Save again to keep the changes.");
    }
  }

  function setCopyStatus(text) {
    setText(copyStatus, text);
  }

  function copyBySelecting() {
    yaml.focus();
    yaml.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    setCopyStatus(copied ? "Copied. Paste it into your story's front matter."
      : "The block is selected: copy it with your keyboard (Ctrl and C, or Command and C on a Mac).");
  }

  function copyBlock() {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(yaml.value).then(function () {
        setCopyStatus("Copied. Paste it into your story's front matter.");
      }, copyBySelecting);
    } else {
      copyBySelecting();
    }
  }

  function downloadBlock() {
    var link = document.createElement("a");
    var url = URL.createObjectURL(new Blob([yaml.value], { type: "text/yaml;charset=utf-8" }));
    link.href = url;
    link.download = "self-assessment.yml";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    window.setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
    setCopyStatus("Downloaded as self-assessment.yml.");
  }

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage switched off: saving is simply not offered
    }
  }

  function save() {
    var store = storage();
    var current = state();
    try {
      store.setItem(STORE, JSON.stringify(current));
      savedJson = JSON.stringify(current);
      setText(saveStatus, "Saved on this device. Your answers will be here when you come back, until you choose Forget.");
    } catch (error) {
      setText(saveStatus, "Your answers could not be saved: this browser does not allow it. Print them or copy the block instead.");
    }
  }

  function forget() {
    var store = storage();
    if (store) {
      store.removeItem(STORE);
    }
    savedJson = null;
    setText(saveStatus, "Forgotten. Nothing from this page is stored on this device.");
  }

  function fill(saved) {
    about.value = typeof saved.about === "string" ? saved.about : "";
    questions.forEach(function (question) {
      var id = question.getAttribute("data-statement");
      var value = saved.ratings && saved.ratings[id];
      question.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.checked = VALUES.indexOf(value) >= 0 && input.value === value;
      });
      var note = saved.notes && saved.notes[id];
      question.querySelector("textarea").value = typeof note === "string" ? note : "";
    });
  }

  function clearAll() {
    fill({});
    update();
    setText(saveStatus, savedJson === null ? "All answers on this page are cleared."
      : "All answers on this page are cleared. Your saved answers are still on this device until you choose Forget.");
  }

  function restore() {
    var store = storage();
    var text = store ? store.getItem(STORE) : null;
    if (!text) {
      return;
    }
    try {
      fill(JSON.parse(text));
      savedJson = JSON.stringify(state());
      setText(saveStatus, "We filled in the answers you saved on this device. Choose Forget to remove them.");
    } catch (error) {
      store.removeItem(STORE);
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  includeNotes.addEventListener("change", update);
  byId("rag-copy").addEventListener("click", copyBlock);
  byId("rag-download").addEventListener("click", downloadBlock);
  byId("rag-print").addEventListener("click", function () {
    window.print();
  });
  byId("rag-clear").addEventListener("click", clearAll);
  if (storage()) {
    byId("rag-save").addEventListener("click", save);
    byId("rag-forget").addEventListener("click", forget);
  } else {
    byId("rag-save").hidden = true;
    byId("rag-forget").hidden = true;
  }
  restore();
  update();
  ["rag-summary", "rag-result", "rag-keep"].forEach(function (id) {
    byId(id).hidden = false;
  });
  document.documentElement.classList.add("rag-js");
}());
