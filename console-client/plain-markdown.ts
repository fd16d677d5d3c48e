/**
 * Stands in for codemirror-json-schema's markdown renderer (markdown-it and shiki, a megabyte):
 * the policy schema's descriptions are plain sentences, shown as escaped text.
 */
const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function renderMarkdown(markdown: string, _inline = true): string {
  return escapeHtml(markdown);
}
