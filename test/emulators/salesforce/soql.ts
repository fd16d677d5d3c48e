/**
 * A parser for the SOQL subset the middleware needs:
 * SELECT fields | COUNT() FROM Obj [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n],
 * with AND/OR/NOT, parentheses, =, !=, <>, <, <=, >, >=, LIKE, IN, NOT IN, and relationship
 * paths such as Owner.Name.
 */
export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  | { kind: "null" }
  | { kind: "date"; value: string }
  | { kind: "datetime"; value: string; ms: number };

export type Operator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "IN" | "NOT IN";

export type Condition =
  | { op: "AND" | "OR"; left: Condition; right: Condition }
  | { op: "NOT"; operand: Condition }
  | { op: "compare"; path: string[]; operator: Operator; value: Literal | Literal[] };

export interface OrderBy {
  path: string[];
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  /** Field paths, or "count" for SELECT COUNT(). */
  select: string[][] | "count";
  from: string;
  where?: Condition;
  orderBy: OrderBy[];
  limit?: number;
  offset?: number;
}

export class SoqlError extends Error {
  readonly errorCode: string;

  constructor(message: string, errorCode = "MALFORMED_QUERY") {
    super(message);
    this.errorCode = errorCode;
  }
}

type Token =
  | { t: "word"; v: string }
  | { t: "string"; v: string }
  | { t: "number"; v: number }
  | { t: "date"; v: string }
  | { t: "datetime"; v: string }
  | { t: "punct"; v: string };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.]*/;
const PUNCT = /^(!=|<>|<=|>=|[=<>(),])/;
const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", '"': '"', "'": "'", "\\": "\\", _: "\\_", "%": "\\%" };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let rest = soql;
  while ((rest = rest.trimStart()).length > 0) {
    let m: RegExpExecArray | null;
    if (rest[0] === "'") {
      let value = "";
      let i = 1;
      for (; i < rest.length && rest[i] !== "'"; i++) {
        if (rest[i] === "\\") {
          const escaped = ESCAPES[rest[++i] ?? ""];
          if (escaped === undefined) throw new SoqlError(`Invalid string literal ${rest.slice(0, i + 1)}: illegal escape sequence`);
          value += escaped;
        } else value += rest[i];
      }
      if (i >= rest.length) throw new SoqlError(`unexpected token: ${rest}: unterminated string literal`);
      tokens.push({ t: "string", v: value });
      rest = rest.slice(i + 1);
    } else if ((m = DATETIME.exec(rest))) {
      tokens.push({ t: "datetime", v: m[0] });
      rest = rest.slice(m[0].length);
    } else if ((m = DATE.exec(rest))) {
      tokens.push({ t: "date", v: m[0] });
      rest = rest.slice(m[0].length);
    } else if ((m = NUMBER.exec(rest))) {
      tokens.push({ t: "number", v: Number(m[0]) });
      rest = rest.slice(m[0].length);
    } else if ((m = WORD.exec(rest))) {
      tokens.push({ t: "word", v: m[0] });
      rest = rest.slice(m[0].length);
    } else if ((m = PUNCT.exec(rest))) {
      tokens.push({ t: "punct", v: m[0] === "<>" ? "!=" : m[0] });
      rest = rest.slice(m[0].length);
    } else {
      throw new SoqlError(`unexpected token: '${rest.slice(0, 20)}'`);
    }
  }
  return tokens;
}

const describe = (token: Token | undefined) => (token ? `'${String(token.v)}'` : "<EOF>");

class Parser {
  private i = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): SoqlQuery {
    this.keyword("SELECT");
    const select = this.selectList();
    this.keyword("FROM");
    const from = this.word();
    const query: SoqlQuery = { select, from, orderBy: [] };
    if (this.acceptKeyword("WHERE")) query.where = this.orExpression();
    if (this.acceptKeyword("ORDER")) {
      this.keyword("BY");
      do query.orderBy.push(this.orderItem());
      while (this.acceptPunct(","));
    }
    if (this.acceptKeyword("LIMIT")) query.limit = this.integer();
    if (this.acceptKeyword("OFFSET")) query.offset = this.integer();
    if (this.i < this.tokens.length) throw new SoqlError(`unexpected token: ${describe(this.tokens[this.i])}`);
    return query;
  }

  private selectList(): string[][] | "count" {
    const first = this.peek();
    if (first?.t === "word" && first.v.toUpperCase() === "COUNT" && this.tokens[this.i + 1]?.v === "(") {
      this.i += 2;
      if (!this.acceptPunct(")")) throw new SoqlError("only COUNT() is supported by the emulator");
      return "count";
    }
    const fields: string[][] = [];
    do fields.push(this.word().split("."));
    while (this.acceptPunct(","));
    return fields;
  }

  private orderItem(): OrderBy {
    const path = this.word().split(".");
    let descending = false;
    if (this.acceptKeyword("DESC")) descending = true;
    else this.acceptKeyword("ASC");
    let nullsLast = descending;
    if (this.acceptKeyword("NULLS")) {
      if (this.acceptKeyword("LAST")) nullsLast = true;
      else {
        this.keyword("FIRST");
        nullsLast = false;
      }
    }
    return { path, descending, nullsLast };
  }

  private orExpression(): Condition {
    let left = this.andExpression();
    while (this.acceptKeyword("OR")) left = { op: "OR", left, right: this.andExpression() };
    return left;
  }

  private andExpression(): Condition {
    let left = this.unary();
    while (this.acceptKeyword("AND")) left = { op: "AND", left, right: this.unary() };
    return left;
  }

  private unary(): Condition {
    if (this.acceptKeyword("NOT")) return { op: "NOT", operand: this.unary() };
    if (this.acceptPunct("(")) {
      const inner = this.orExpression();
      this.punct(")");
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const path = this.word().split(".");
    const token = this.next();
    if (token?.t === "punct" && ["=", "!=", "<", "<=", ">", ">="].includes(token.v)) {
      return { op: "compare", path, operator: token.v as Operator, value: this.literal() };
    }
    const word = token?.t === "word" ? token.v.toUpperCase() : "";
    if (word === "LIKE") return { op: "compare", path, operator: "LIKE", value: this.literal() };
    if (word === "IN") return { op: "compare", path, operator: "IN", value: this.list() };
    if (word === "NOT") {
      this.keyword("IN");
      return { op: "compare", path, operator: "NOT IN", value: this.list() };
    }
    throw new SoqlError(`unexpected token: ${describe(token)}`);
  }

  private list(): Literal[] {
    this.punct("(");
    const values: Literal[] = [];
    do values.push(this.literal());
    while (this.acceptPunct(","));
    this.punct(")");
    return values;
  }

  private literal(): Literal {
    const token = this.next();
    switch (token?.t) {
      case "string":
        return { kind: "string", value: token.v };
      case "number":
        return { kind: "number", value: token.v };
      case "date":
        return { kind: "date", value: token.v };
      case "datetime":
        return { kind: "datetime", value: token.v, ms: Date.parse(token.v) };
      case "word": {
        const upper = token.v.toUpperCase();
        if (upper === "NULL") return { kind: "null" };
        if (upper === "TRUE" || upper === "FALSE") return { kind: "boolean", value: upper === "TRUE" };
        break;
      }
      default:
        break;
    }
    throw new SoqlError(`unexpected token: ${describe(token)}`);
  }

  private integer(): number {
    const token = this.next();
    if (token?.t !== "number" || !Number.isInteger(token.v) || token.v < 0) throw new SoqlError(`unexpected token: ${describe(token)}`);
    return token.v;
  }

  private word(): string {
    const token = this.next();
    if (token?.t !== "word") throw new SoqlError(`unexpected token: ${describe(token)}`);
    return token.v;
  }

  private keyword(k: string): void {
    if (!this.acceptKeyword(k)) throw new SoqlError(`unexpected token: ${describe(this.peek())}, expecting ${k}`);
  }

  private acceptKeyword(k: string): boolean {
    const token = this.peek();
    if (token?.t === "word" && token.v.toUpperCase() === k) {
      this.i++;
      return true;
    }
    return false;
  }

  private punct(p: string): void {
    if (!this.acceptPunct(p)) throw new SoqlError(`unexpected token: ${describe(this.peek())}, expecting '${p}'`);
  }

  private acceptPunct(p: string): boolean {
    const token = this.peek();
    if (token?.t === "punct" && token.v === p) {
      this.i++;
      return true;
    }
    return false;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token | undefined {
    return this.tokens[this.i++];
  }
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).parse();
}
