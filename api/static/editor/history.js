// A unit's history: its revisions, one revision's source, and diffs between revisions.
import { $, h, say } from "./dom.js";
import { formatDate, t } from "./i18n.js";
import { api, problemText, unitPath } from "./api.js";
import { editor } from "./state.js";

export async function showRevisions() {
  if (editor.isNew) return;
  const result = await api("GET", unitPath("/revisions"));
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }));
    return;
  }
  const list = $("#revisions");
  list.replaceChildren(
    ...[...result.data].reverse().map((r) =>
      h(
        "li",
        {},
        h(
          "span",
          { class: "rev-line" },
          t("revisionLine", { n: r.revision, author: r.author, date: formatDate(r.created_at) })
        ),
        r.message ? h("span", { class: "rev-message" }, ` — ${r.message}`) : null,
        " ",
        h(
          "button",
          {
            type: "button",
            class: "link-like",
            "aria-label": t("viewRevision", { n: r.revision }),
            onclick: () => showRevision(r.revision),
          },
          t("view")
        ),
        r.revision > 1
          ? h(
              "button",
              {
                type: "button",
                class: "link-like",
                "aria-label": t("diffPreviousLabel", { n: r.revision }),
                onclick: () => showDiff(r.revision - 1, r.revision),
              },
              t("diffPrevious")
            )
          : null
      )
    )
  );
  list.hidden = false;
}

async function showRevision(number) {
  const result = await api("GET", unitPath(`/revisions/${number}`));
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }));
    return;
  }
  const box = $("#revision-view");
  $("#revision-view-h").textContent = t("revisionSource", { n: number });
  $("pre", box).textContent = result.data.source;
  box.hidden = false;
}

/** A unified diff; without `from` the server compares with the published revision. */
export async function showDiff(from = null, to = null) {
  const params = {};
  if (from) params.from = String(from);
  if (to) params.to = String(to);
  const result = await api("GET", unitPath("/diff", params));
  if (!result.ok) {
    say(t("failed", { detail: problemText(result) }));
    return;
  }
  const diff = result.data.diff || "";
  const fromMatch = /^--- .*@(\d+)\s*$/m.exec(diff);
  let fromLabel;
  if (from) fromLabel = t("diffFromRevision", { n: from });
  else if (result.data.from_revision) fromLabel = t("diffFromPublished", { n: result.data.from_revision });
  else if (fromMatch) fromLabel = t("diffFromPublished", { n: fromMatch[1] });
  else fromLabel = diff ? t("diffFromNothing") : t("diffFromPublished", { n: result.data.to_revision });
  $("#diff-view-h").textContent = t("diffTitle", { from: fromLabel, to: result.data.to_revision });
  const pre = $("#diff-text");
  if (!diff) {
    pre.replaceChildren(h("span", { class: "diff-none" }, t("diffNone")));
  } else {
    pre.replaceChildren(
      ...diff.split("\n").map((line) => {
        let kind = "ctx";
        if (line.startsWith("+++") || line.startsWith("---")) kind = "file";
        else if (line.startsWith("@@")) kind = "hunk";
        else if (line.startsWith("+")) kind = "add";
        else if (line.startsWith("-")) kind = "del";
        return h("span", { class: `diff-line diff-${kind}` }, `${line}\n`);
      })
    );
  }
  $("#diff-view").hidden = false;
}
