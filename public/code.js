// Syntax highlighting of code blocks (task texts, solution files), also after htmx swaps.
"use strict";
(() => {
  const highlight = (root) => {
    if (!window.hljs) return;
    root.querySelectorAll("pre code[class*='language-']").forEach((block) => {
      if (!block.dataset.highlighted) window.hljs.highlightElement(block);
    });
  };
  document.addEventListener("DOMContentLoaded", () => highlight(document));
  document.addEventListener("htmx:afterSwap", (event) => highlight(event.target));
})();
