// The saved versions of the files: listed when opened, each to preview or restore.

import { request } from "./server.js";

export function setUpHistory(url, editor) {
  const details = document.getElementById("editor-history");
  const list = document.getElementById("editor-history-list");
  const preview = document.getElementById("editor-history-preview");
  const refresh = async () => {
    const { status, body } = await request("GET", `${url}/checkpoint/history`).catch(() => ({}));
    if (status !== 200) {
      list.textContent = "The saved versions cannot be loaded now.";
      return;
    }
    list.replaceChildren(...body.entries.map((entry) => item(entry)));
  };
  const item = ({ version, saved_at: savedAt, summary }) => {
    const li = document.createElement("li");
    li.textContent = `Version ${version}, ${new Date(savedAt).toLocaleString()}: ${summary} `;
    const show = button("Preview", async () => {
      const { status, body } = await request("GET", `${url}/checkpoint/history/${version}`);
      if (status !== 200) return;
      preview.textContent = body.files.map((file) => `// ${file.name}\n${file.content}`).join("\n\n");
      preview.hidden = false;
    });
    const restore = button("Restore", async () => {
      await editor.save();
      const { status, body } = await request("POST", `${url}/checkpoint/history/${version}/restore`);
      if (status !== 200) return;
      editor.replace(body.files, body.version, `saved: restored version ${version}`);
      refresh();
    });
    li.append(show, " ", restore);
    return li;
  };
  details.addEventListener("toggle", () => { if (details.open) refresh(); });
}

function button(text, action) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "small secondary";
  element.textContent = text;
  element.addEventListener("click", action);
  return element;
}
