/**
 * The part of Bun's raw TCP client the load processes use, declared here so
 * the files also type-check where Bun's types are not installed.
 */

export interface TcpSocket {
  /** Returns how many bytes were written; the rest waits for `drain`. */
  write(data: Uint8Array | string): number;
  end(): void;
}

export interface TcpHandlers {
  open(socket: TcpSocket): void;
  data(socket: TcpSocket, chunk: Uint8Array): void;
  drain?(socket: TcpSocket): void;
  close(socket: TcpSocket): void;
  error(socket: TcpSocket, error: Error): void;
  connectError?(socket: TcpSocket, error: Error): void;
}

declare const Bun: {
  connect(options: { hostname: string; port: number; socket: TcpHandlers }): Promise<TcpSocket>;
};

export const connectTcp = (hostname: string, port: number, socket: TcpHandlers): Promise<TcpSocket> =>
  Bun.connect({ hostname, port, socket });
