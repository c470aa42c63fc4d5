/* "Was this helpful?" on a public unit page (/units/ID): the page holds the box hidden, with the
 * receipt of the response that served it; this script shows it and posts the reader's vote to
 * POST /api/v1/feedback {receipt, unit_id, helpful, comment?}. Without JavaScript the page shows
 * no buttons at all. Yes is sent at once; No first offers an optional comment, sent with it.
 * The words are the page's own (in the language of the content), in the box's markup. */
(() => {
  "use strict";
  const box = document.querySelector(".kb-feedback[data-receipt]");
  if (!box || !window.fetch) return;
  const D = box.dataset;
  const vote = box.querySelector(".kb-feedback-vote");
  const more = box.querySelector(".kb-feedback-more");
  const comment = more.querySelector("textarea");
  const status = box.querySelector(".kb-feedback-status");
  const buttons = [...box.querySelectorAll("button")];

  // Anonymous on purpose, like every public reader: no cookies, never a key.
  const post = (helpful) => {
    const body = { receipt: D.receipt, unit_id: D.unit, helpful };
    const text = helpful ? "" : comment.value.trim().slice(0, comment.maxLength);
    if (text) body.comment = text;
    buttons.forEach((b) => (b.disabled = true));
    return fetch(D.action, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    })
      .then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        vote.hidden = more.hidden = true;
        status.textContent = status.dataset.thanks;
        status.focus(); // the buttons are gone: keep a keyboard reader's place here
      })
      .catch(() => {
        status.textContent = status.dataset.unsent;
      })
      .finally(() => buttons.forEach((b) => (b.disabled = false)));
  };

  vote.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.value === "true") return void post(true);
    vote.hidden = true;
    more.hidden = false;
    comment.focus();
  });
  more.addEventListener("submit", (e) => {
    e.preventDefault();
    post(false);
  });
  box.hidden = false;
})();
