// Search as you type on the help center: the form works without JavaScript (it submits to the
// results page); with it, answers appear under the box as the reader types, from the JSON
// search route the panel uses (GET /api/v1/search: prefix search and the same typo tolerance),
// in the web channel, so only public answers. Keyboard: Down/Up move, Enter opens, Escape closes.
var DEBOUNCE_MS = 180;
var MAX_QUERY = 500;
var LIMIT = 8;

function enhance(form) {
  var input = form.querySelector('input[type="search"]');
  if (!input) return;
  var list = document.createElement("ul");
  list.className = "kb-suggestions";
  list.id = input.id + "-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", form.querySelector("label").textContent);
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  var timer = 0;
  var seq = 0;
  var controller = null;
  var active = -1;

  function close() {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function mark(index) {
    var options = list.querySelectorAll('[role="option"]');
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function show(hits) {
    if (!hits.length) {
      close();
      return;
    }
    var base = input.dataset.general.replace(/\/$/, "") + "/";
    list.replaceChildren.apply(
      list,
      hits.map(function (hit, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        // Under "general" the help center redirects to the answer's own category.
        link.href = base + encodeURIComponent(hit.unit_id);
        link.tabIndex = -1;
        link.textContent = hit.title;
        option.appendChild(link);
        return option;
      })
    );
    list.hidden = false;
    active = -1;
    input.setAttribute("aria-expanded", "true");
  }

  function run() {
    var query = input.value.trim().slice(0, MAX_QUERY);
    seq += 1;
    var mine = seq;
    if (controller) controller.abort();
    if (!query) {
      close();
      return;
    }
    controller = new AbortController();
    var params = new URLSearchParams({
      q: query,
      channel: "web",
      locale: input.dataset.locale,
      limit: String(LIMIT),
      via: "help",
    });
    fetch(input.dataset.api + "?" + params.toString(), {
      credentials: "omit",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        if (mine === seq) show(body.hits || []);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (mine === seq) close(); // the plain form still works: Enter shows the results page
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  input.addEventListener("keydown", function (event) {
    var count = list.querySelectorAll('[role="option"]').length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      mark((active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      mark(active <= 0 ? count - 1 : active - 1);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(list.querySelectorAll("a")[active].href);
    }
  });
  input.addEventListener("blur", function () {
    // Let a click on a suggestion land before the list goes.
    setTimeout(function () {
      if (!form.contains(document.activeElement)) close();
    }, 150);
  });
  list.addEventListener("mousedown", function (event) {
    event.preventDefault(); // keep focus in the box; the link's click navigates
  });
}

document.querySelectorAll("form.kb-search").forEach(enhance);
