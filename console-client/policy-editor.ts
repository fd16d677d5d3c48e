/**
 * The console's advanced policy editor: CodeMirror 6 over the policy's JSON with its JSON Schema
 * (completion, hover, problems marked at their line as you type) and the server's own verdict on
 * the last save shown at the same lines. Progressive: without this script the page is a textarea
 * and works the same; with it the textarea is kept in step and submitted as before.
 * Bundled by scripts/build-console-assets.ts into console-assets/policy-editor.js.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, foldGutter, foldKeymap, indentOnInput } from "@codemirror/language";
import { type Diagnostic, lintGutter, lintKeymap, linter } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { jsonSchema } from "codemirror-json-schema";

interface ServerProblem {
  line: number;
  message: string;
}

async function start(): Promise<void> {
  const textarea = document.getElementById("policy-text") as HTMLTextAreaElement | null;
  if (!textarea) return;
  const schema = await fetch("/console/policy/schema.json", { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : undefined))
    .catch(() => undefined);
  if (schema && typeof schema === "object") delete (schema as Record<string, unknown>).$schema;
  const problems = JSON.parse(document.getElementById("policy-diagnostics")?.textContent || "[]") as ServerProblem[];
  const submitted = textarea.value;

  // What the server said about the text it was given, at its lines, until the text changes.
  const serverLinter = linter((view): Diagnostic[] => {
    if (view.state.doc.toString() !== submitted) return [];
    return problems
      .filter((p) => p.line >= 1 && p.line <= view.state.doc.lines)
      .map((p) => {
        const line = view.state.doc.line(p.line);
        return { from: line.from, to: line.to, severity: "error", message: p.message, source: "the server" };
      });
  });

  const view = new EditorView({
    state: EditorState.create({
      doc: submitted,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        foldGutter(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        closeBrackets(),
        autocompletion(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        lintGutter(),
        // Tab is not taken: keyboard users move on with it (Escape then Tab leaves the editor in any case).
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, ...lintKeymap]),
        jsonSchema(schema as never),
        serverLinter,
        // tabindex: the editable content is what the keyboard reaches (and scrolls the editor with).
        EditorView.contentAttributes.of({ "aria-label": "The policy as JSON", "aria-describedby": "policy-editor-help", tabindex: "0" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) textarea.value = update.state.doc.toString();
        }),
        EditorView.theme({
          "&": { maxHeight: "70vh", border: "1px solid #98a2b3", borderRadius: "4px", fontSize: "12px" },
          ".cm-scroller": { overflow: "auto" },
        }),
      ],
    }),
  });
  textarea.style.display = "none";
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  textarea.insertAdjacentElement("afterend", view.dom);
  const help = document.createElement("p");
  help.id = "policy-editor-help";
  help.className = "muted";
  help.textContent = "Ctrl+Space completes; problems are underlined and listed with Ctrl+Shift+M; Escape then Tab leaves the editor.";
  view.dom.insertAdjacentElement("afterend", help);
  view.dom.classList.add("policy-editor");
  const first = problems[0];
  if (first && first.line <= view.state.doc.lines)
    view.dispatch({ selection: { anchor: view.state.doc.line(first.line).from }, scrollIntoView: true });
}

void start();
