/**
 * Finds where HTTP/1.1 responses end in a byte stream, without keeping or
 * decoding bodies: the head is read up to its blank line, then the body is
 * skipped by `Content-Length` or by chunk sizes.
 */

export interface ResponseEnd {
  status: number;
  bodyBytes: number;
}

const State = { Head: 0, Body: 1, ChunkSize: 2, ChunkData: 3, ChunkEnd: 4, Trailer: 5 } as const;
type State = typeof State[keyof typeof State];

export class ResponseReader {
  #state: State = State.Head;
  /** Text of the head, or of the current chunk-size or trailer line. */
  #line = "";
  #remaining = 0;
  #status = 0;
  #bodyBytes = 0;

  /** Feeds bytes; returns the responses that ended in them. */
  feed(chunk: Uint8Array): ResponseEnd[] {
    const ended: ResponseEnd[] = [];
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case State.Head: {
          const j = chunk.indexOf(10, i);
          const end = j < 0 ? chunk.length : j + 1;
          this.#line += latin1(chunk.subarray(i, end));
          i = end;
          if (this.#line.endsWith("\r\n\r\n")) this.#head(ended);
          break;
        }
        case State.Body:
        case State.ChunkData: {
          const n = Math.min(this.#remaining, chunk.length - i);
          i += n;
          this.#bodyBytes += n;
          this.#remaining -= n;
          if (this.#remaining > 0) break;
          if (this.#state === State.Body) this.#end(ended);
          else this.#state = State.ChunkEnd;
          break;
        }
        case State.ChunkSize:
        case State.Trailer:
        case State.ChunkEnd: {
          const j = chunk.indexOf(10, i);
          const end = j < 0 ? chunk.length : j + 1;
          this.#line += latin1(chunk.subarray(i, end));
          i = end;
          if (j < 0) break;
          const line = this.#line.trimEnd();
          this.#line = "";
          if (this.#state === State.ChunkEnd) this.#state = State.ChunkSize;
          else if (this.#state === State.Trailer) {
            if (line === "") this.#end(ended);
          } else {
            const size = parseInt(line, 16);
            if (size === 0) this.#state = State.Trailer;
            else {
              this.#remaining = size;
              this.#state = State.ChunkData;
            }
          }
          break;
        }
      }
    }
    return ended;
  }

  #head(ended: ResponseEnd[]): void {
    const head = this.#line;
    this.#line = "";
    this.#status = Number(head.slice(9, 12));
    this.#bodyBytes = 0;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) this.#state = State.ChunkSize;
    else if (length && Number(length[1]) > 0) {
      this.#remaining = Number(length[1]);
      this.#state = State.Body;
    } else this.#end(ended);
  }

  #end(ended: ResponseEnd[]): void {
    ended.push({ status: this.#status, bodyBytes: this.#bodyBytes });
    this.#state = State.Head;
  }
}

const latin1 = (bytes: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
};
