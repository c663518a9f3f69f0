// Live countdowns for deadlines and publication times. The server renders each starting value;
// this script keeps it ticking, corrected by the server's clock (`data-now`, Unix ms at rendering).
//
//   <span data-deadline="MS" data-now="MS" data-announce="#region">…</span>
//       time left; under 5 minutes it turns urgent and says so once in the ARIA live region.
//   … data-notify="SLUG" (one per page), with a #deadline-notify button
//       the student may opt in (per task, remembered in this browser) to browser notifications
//       at 5 and at 1 minute left.
//   <li data-opens="MS" data-now="MS" data-href="/solutions/editor/x/" data-title="X">…</li>
//       an unpublished task: at its time its title becomes a link, announced in #clock-status.
//   <span data-opens="MS" data-now="MS" data-reload>…</span>
//       reloads the page at that time.
"use strict";

(() => {
  const WARN_MS = 5 * 60 * 1000;
  const NOTIFY_MINUTES = [1, 5]; // smallest first
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
    if (element.dataset.notify) notify(element, left);
    return true;
  }

  // Deadline notifications, if the student opted in for this task.
  const notifyKey = (slug) => `inloop:deadline-notify:${slug}`;
  const notifying = (slug) =>
    "Notification" in window && Notification.permission === "granted"
    && localStorage.getItem(notifyKey(slug)) === "on";

  // One notification per threshold crossed, the nearest one only (a page opened with 30 s left
  // says "1 minute", not both).
  function notify(element, left) {
    if (!notifying(element.dataset.notify)) return;
    const minutes = NOTIFY_MINUTES.find((m) => left <= m * 60 * 1000);
    const sent = Number(element.dataset.notified || Infinity);
    if (minutes === undefined || minutes >= sent) return;
    element.dataset.notified = String(minutes);
    const title = document.querySelector("h1")?.textContent || "INLOOP";
    new Notification(`${title}: less than ${minutes} minute${minutes === 1 ? "" : "s"} left`, {
      body: "Submit your solution before the deadline.",
      tag: notifyKey(element.dataset.notify),
    });
  }

  function setUpNotifyButton() {
    const button = document.getElementById("deadline-notify");
    const element = document.querySelector("[data-notify]");
    if (!button || !element || !("Notification" in window)) return;
    const slug = element.dataset.notify;
    const render = () => {
      const on = notifying(slug);
      button.setAttribute("aria-pressed", String(on));
      button.textContent = on
        ? "Deadline notifications on (turn off)"
        : "Notify me 5 and 1 minute before the deadline";
    };
    button.addEventListener("click", async () => {
      if (notifying(slug)) {
        localStorage.removeItem(notifyKey(slug));
      } else if ((await Notification.requestPermission()) === "granted") {
        localStorage.setItem(notifyKey(slug), "on");
      } else {
        announce(element.dataset.announce, "This browser blocks notifications from INLOOP.");
      }
      render();
    });
    render();
    button.hidden = false;
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

  setUpNotifyButton();
  const timer = setInterval(tick, 1000);
  tick();
})();
