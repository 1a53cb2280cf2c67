// The bounds on the workflows-file, apart from the unpacker so that a hook that does not
// unpack (the package was checked before) does not load tar to know them.

export const MiB = 1024 * 1024;

/**
 * What the charm accepts of a workflows-file, an input it does not trust (SECURITY.md, item 3;
 * README, "Resources"). The package `npm run build` writes is ~1.4 MiB compressed, 7 MiB
 * unpacked, 14 entries. The unpacked total bounds the memory a hook holds, so a gzip bomb
 * is refused after at most that much inflating.
 */
export const WORKFLOWS_FILE_LIMITS = {
  compressedBytes: 16 * MiB,
  unpackedBytes: 64 * MiB,
  entryBytes: 32 * MiB,
  entries: 1000,
} as const;
