/** How much of the store is read memory-mapped: scans and lookups skip a read() per page. */
export const MMAP_BYTES = 256 * 1024 * 1024;
