// The live result of a new solution under the editor: the result page's own event stream.

/** Shows solution `number` in the panel, following its events until the check is final. */
export function showResult(slug, number, url, events) {
  const panel = document.getElementById("editor-result");
  const live = document.getElementById("editor-result-live");
  const link = document.getElementById("editor-result-link");
  link.href = url;
  link.textContent = `Open the full result page of solution #${number}`;
  const stream = document.createElement("div");
  stream.setAttribute("hx-ext", "sse");
  stream.setAttribute("sse-connect", `/solutions/detail/${slug}/${number}/events`);
  stream.setAttribute("sse-close", events.done);
  const status = document.createElement("div");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("sse-swap", events.status);
  status.textContent = `Solution #${number} handed in; waiting for its check…`;
  const results = document.createElement("div");
  results.setAttribute("sse-swap", events.results);
  stream.append(status, results);
  // A previous stream ends with its element.
  live.replaceChildren(stream);
  panel.hidden = false;
  if (window.htmx) window.htmx.process(stream);
}
