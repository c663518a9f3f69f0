// The switch between the task with the editor, with the upload form, or alone; remembered per user.

export function setUpViews(user, layout, hasEditor) {
  const box = document.getElementById("view-switch");
  if (!box || !layout) return;
  const key = `inloop.editor.view.${user}`;
  const apply = (view) => {
    layout.dataset.view = view;
    for (const radio of box.querySelectorAll("input[name=view]")) radio.checked = radio.value === view;
  };
  let view = localStorage.getItem(key) || (hasEditor ? "editor" : "upload");
  if (!hasEditor && view === "editor") view = "upload";
  apply(view);
  box.hidden = false;
  box.addEventListener("change", (event) => {
    if (event.target.name !== "view") return;
    localStorage.setItem(key, event.target.value);
    apply(event.target.value);
  });
}
