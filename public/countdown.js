// Live countdowns for deadlines and publication times. The server renders each starting value;
// this script keeps it ticking, corrected by the server's clock (`data-now`, Unix ms at rendering).
//
//   <span data-deadline="MS" data-now="MS" data-announce="#region">…</span>
//       time left; under 5 minutes it turns urgent and says so once in the ARIA live region.
//   <li data-opens="MS" data-now="MS" data-href="/solutions/editor/x/" data-title="X">…</li>
//       an unpublished task: at its time its title becomes a link, announced in #clock-status.
//   <span data-opens="MS" data-now="MS" data-reload>…</span>
//       reloads the page at that time.
"use strict";

(() => {
  const WARN_MS = 5 * 60 * 1000;
  const loaded = Date.now();

  // "3 days", "5 h 07 min", "4 min 09 s", "12 s".
  function words(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const two = (n) => String(n).padStart(2, "0");
    if (days >= 2) return `${days} days`;
    if (days === 1 || hours > 0) return `${days * 24 + hours} h ${two(minutes)} min`;
    if (minutes > 0) return `${minutes} min ${two(seconds)} s`;
    return `${seconds} s`;
  }

  function announce(selector, text) {
    const region = selector && document.querySelector(selector);
    if (region && region.textContent !== text) region.textContent = text;
  }

  // Milliseconds until `target` on the server's clock.
  function remaining(element, target) {
    const skew = Number(element.dataset.now || loaded) - loaded;
    return target - (Date.now() + skew);
  }

  function deadline(element) {
    const left = remaining(element, Number(element.dataset.deadline));
    if (left <= 0) {
      element.textContent = "the deadline has passed";
      element.classList.remove("urgent");
      element.classList.add("passed");
      announce(element.dataset.announce, "The deadline has passed.");
      return false;
    }
    element.textContent = `${words(left)} left`;
    if (left < WARN_MS) {
      element.classList.add("urgent");
      announce(element.dataset.announce, "Less than 5 minutes left until the deadline.");
    }
    return true;
  }

  function opens(element) {
    const left = remaining(element, Number(element.dataset.opens));
    const label = element.querySelector(".opens") || (element.dataset.href ? null : element);
    if (left > 0) {
      if (label) label.textContent = `opens in ${words(left)}`;
      return true;
    }
    if ("reload" in element.dataset) {
      window.location.reload();
      return false;
    }
    const title = element.querySelector(".title");
    if (title && element.dataset.href) {
      const link = document.createElement("a");
      link.href = element.dataset.href;
      link.textContent = title.textContent;
      title.replaceWith(link);
      element.classList.remove("unpublished");
      announce("#clock-status", `${element.dataset.title || link.textContent} is open now.`);
    }
    if (label) label.textContent = "published now";
    return false;
  }

  function tick() {
    let running = false;
    for (const element of document.querySelectorAll("[data-deadline]:not(.passed)")) {
      running = deadline(element) || running;
    }
    for (const element of document.querySelectorAll("[data-opens]:not(.opened)")) {
      const waiting = opens(element);
      if (!waiting) element.classList.add("opened");
      running = waiting || running;
    }
    if (!running) clearInterval(timer);
  }

  const timer = setInterval(tick, 1000);
  tick();
})();
