/** Stands in for codemirror-json-schema's YAML and JSON5 parsers: the policy editor is JSON only. */
const unused = () => {
  throw new Error("only JSON is edited here");
};
export const parseYAMLDocumentState = unused;
export const parseJSON5DocumentState = unused;
