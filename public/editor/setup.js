// The CodeMirror configuration: languages by extension, the editing aids, the two themes.

import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, drawSelection,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  indentUnit, bracketMatching, indentOnInput, syntaxHighlighting, defaultHighlightStyle,
} from "@codemirror/language";
import { search, searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { autocompletion, completionKeymap, completeAnyWord } from "@codemirror/autocomplete";
import { java } from "@codemirror/lang-java";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { cpp } from "@codemirror/lang-cpp";
import { oneDark } from "@codemirror/theme-one-dark";

const LANGUAGES = {
  java: () => java(),
  py: () => python(),
  js: () => javascript(),
  mjs: () => javascript(),
  ts: () => javascript({ typescript: true }),
  c: () => cpp(),
  h: () => cpp(),
  cc: () => cpp(),
  cpp: () => cpp(),
  hpp: () => cpp(),
};

function language(name) {
  const extension = name.includes(".") ? name.split(".").pop().toLowerCase() : "";
  return LANGUAGES[extension] ? LANGUAGES[extension]() : [];
}

const dark = window.matchMedia("(prefers-color-scheme: dark)");
const theme = new Compartment();
const themeFor = () => (dark.matches ? oneDark : syntaxHighlighting(defaultHighlightStyle));

/** Switches every editor's theme when the system's preference changes. */
export function followColorScheme(view) {
  dark.addEventListener("change", () => view.dispatch({ effects: theme.reconfigure(themeFor()) }));
}

const layout = EditorView.theme({
  "&": { height: "28rem", maxHeight: "70vh", fontSize: "0.95rem" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
});

/** A fresh editor state for one file. */
export function fileState(name, content, { autocomplete, onChange, onSave }) {
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    layout,
    theme.of(themeFor()),
    language(name),
    EditorView.contentAttributes.of({ "aria-label": `Contents of ${name}` }),
    keymap.of([
      { key: "Mod-s", preventDefault: true, run: () => { onSave(); return true; } },
      ...defaultKeymap, ...searchKeymap, ...historyKeymap,
      ...(autocomplete ? completionKeymap : []),
      indentWithTab,
    ]),
    EditorView.updateListener.of((update) => { if (update.docChanged) onChange(); }),
  ];
  if (autocomplete) {
    extensions.push(
      autocompletion(),
      EditorState.languageData.of(() => [{ autocomplete: completeAnyWord }]),
    );
  }
  return EditorState.create({ doc: content, extensions });
}

export { EditorView };
