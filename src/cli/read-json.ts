/**
 * JSON for files people write by hand. `JSON.parse` says where a mistake is
 * on one runtime and not on another, and quotes the text around it, which in
 * a config file may be a token; this reader says where (line and column) and
 * what was expected, never what was found. It also refuses a key written
 * twice in one object, where `JSON.parse` would let the last one win silently.
 */

export type JsonRead = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses `text`, or says in one phrase where and why it is not JSON. */
export function readJson(text: string): JsonRead {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    new Scanner(body).document();
  } catch (error) {
    if (!(error instanceof Mistake)) throw error;
    const { line, column } = position(body, error.at);
    return { ok: false, error: `not valid JSON at line ${line}, column ${column}: ${error.message}` };
  }
  return { ok: true, value: JSON.parse(body) };
}

class Mistake extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;
const MAX_DEPTH = 512;

/** Walks a JSON text to its first mistake (thrown as `Mistake`); builds nothing. */
class Scanner {
  #i = 0;
  constructor(readonly text: string) {}

  document(): void {
    this.#value(0);
    this.#space();
    if (this.#i < this.text.length) this.#fail("more text after the end of the JSON value");
  }

  #value(depth: number): void {
    this.#space();
    if (depth > MAX_DEPTH) this.#fail("nested too deeply");
    const c = this.text[this.#i];
    if (c === "{") return this.#object(depth);
    if (c === "[") return this.#array(depth);
    if (c === '"') return void this.#string();
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.#i)) return void (this.#i += word.length);
    }
    NUMBER.lastIndex = this.#i;
    if (NUMBER.test(this.text)) return void (this.#i = NUMBER.lastIndex);
    this.#fail(c === undefined ? "the file ends where a value should be" : "expected a value (an object, list, string in double quotes, number, true, false or null)");
  }

  #object(depth: number): void {
    this.#i++;
    const keys = new Set<string>();
    this.#space();
    if (this.text[this.#i] === "}") return void this.#i++;
    for (;;) {
      this.#space();
      if (this.text[this.#i] === "}") this.#fail("a comma before '}' (JSON allows none)");
      if (this.text[this.#i] !== '"') this.#fail("expected a key in double quotes");
      const at = this.#i;
      const key = this.#string();
      if (keys.has(key)) throw new Mistake(at, `the key ${JSON.stringify(key)} appears twice in one object`);
      keys.add(key);
      this.#space();
      if (this.text[this.#i] !== ":") this.#fail("expected ':' after the key");
      this.#i++;
      this.#value(depth + 1);
      this.#space();
      if (this.#next(",")) continue;
      if (this.#next("}")) return;
      this.#fail("expected ',' or '}'");
    }
  }

  #array(depth: number): void {
    this.#i++;
    this.#space();
    if (this.text[this.#i] === "]") return void this.#i++;
    for (;;) {
      this.#space();
      if (this.text[this.#i] === "]") this.#fail("a comma before ']' (JSON allows none)");
      this.#value(depth + 1);
      this.#space();
      if (this.#next(",")) continue;
      if (this.#next("]")) return;
      this.#fail("expected ',' or ']'");
    }
  }

  /** A string from its opening quote; returns what it says. */
  #string(): string {
    const start = this.#i++;
    for (;;) {
      const c = this.text[this.#i];
      if (c === undefined) throw new Mistake(start, "a string that never ends (missing '\"')");
      if (c === '"') break;
      if (c === "\\") {
        ESCAPE.lastIndex = this.#i;
        if (!ESCAPE.test(this.text)) this.#fail("a backslash that starts no valid escape");
        this.#i = ESCAPE.lastIndex;
        continue;
      }
      if (c < " ") this.#fail("a line break or control character inside a string (write \\n)");
      this.#i++;
    }
    this.#i++;
    return JSON.parse(this.text.slice(start, this.#i));
  }

  #space(): void {
    for (;;) {
      const c = this.text[this.#i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.#i++;
      else if (c === "/" && (this.text[this.#i + 1] === "/" || this.text[this.#i + 1] === "*")) this.#fail("a comment (JSON has none)");
      else return;
    }
  }

  #next(c: string): boolean {
    if (this.text[this.#i] !== c) return false;
    this.#i++;
    return true;
  }

  #fail(message: string): never {
    throw new Mistake(this.#i, message);
  }
}

/** Line and column (both from 1, columns in characters) of an offset. */
function position(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: [...before.slice(lineStart)].length + 1 };
}
