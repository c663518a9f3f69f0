// INLOOP's own script: small progressive enhancements. The pages work without it.
"use strict";

// The running time of a check ticks every second (`data-started-ms`, optional `data-limit-secs`);
// the server's rendering is the starting value, and htmx swaps in fresh ones as events arrive.
setInterval(() => {
  for (const clock of document.querySelectorAll(".clock[data-started-ms]")) {
    const started = Number(clock.dataset.startedMs);
    const limit = Number(clock.dataset.limitSecs || 0);
    let elapsed = Math.max(0, Math.floor((Date.now() - started) / 1000));
    if (limit > 0) elapsed = Math.min(elapsed, limit);
    clock.textContent = `${elapsed} s`;
  }
}, 1000);

// Bulk forms (`data-bulk="solutions"`): a live count of the ticked rows beside the action, and a
// box in the `data-select-all` header that ticks or clears every row of the page. Without this
// script the rows are ticked one by one and the confirmation page shows the count.
for (const form of document.querySelectorAll("form[data-bulk]")) {
  const noun = form.dataset.bulk;
  const rows = () => [...form.querySelectorAll('tbody input[type="checkbox"][name="ids"]')];
  const count = form.querySelector("[data-bulk-count]");
  const header = form.querySelector("[data-select-all]");
  const all = document.createElement("input");
  all.type = "checkbox";
  all.setAttribute("aria-label", `Select all ${noun} on this page`);
  header?.replaceChildren(all);
  const show = () => {
    const boxes = rows();
    const ticked = boxes.filter((box) => box.checked).length;
    if (count) count.textContent = `${ticked} of ${boxes.length} ${noun} selected`;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  };
  all.addEventListener("change", () => {
    for (const box of rows()) box.checked = all.checked;
    show();
  });
  form.addEventListener("change", (event) => {
    if (event.target !== all) show();
  });
  show();
}
