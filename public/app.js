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
