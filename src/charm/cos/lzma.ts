// LZMA compression in the .lzma ("alone") format, which Python's lzma.decompress reads (its
// default FORMAT_AUTO takes .xz and .lzma): the grafana_dashboard consumer's decoding.
// The `lzma` package is plain JavaScript, so the bundled charm needs no native module.
interface Lzma {
  compress(data: Uint8Array, mode: number): number[];
}

/** The smallest output the format gives (mode 9); a dashboard is tens of KiB. */
export function lzmaCompress(data: Buffer): Buffer {
  // Loaded on first use: only a leader with a grafana-dashboard relation compresses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package has no ES module or types
  const { LZMA } = require('lzma/src/lzma_worker.js') as { LZMA: Lzma };
  return Buffer.from(LZMA.compress(data, 9).map((byte) => byte & 0xff));
}
