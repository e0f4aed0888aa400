/**
 * Package sets are stored as content-addressed chunks shared between sets
 * (DESIGN.md §2: sets are content-addressed; here so are their parts). A
 * set's packages, in name order, are cut after a package whose name hashes to
 * a boundary, so where the cuts fall depends on names alone: a host whose
 * night's updates changed three versions gets a new set made of its old
 * chunks but three, and writes about a hundred item rows instead of 1,500.
 */
import crypto from 'node:crypto';

/** A package of a set as chunking needs it: its dictionary id and its name. */
export interface ChunkMember {
  id: number;
  name: string;
}

export interface PackageChunk {
  /** sha256 (hex) of the chunk's package ids, ascending, comma-separated. */
  hash: string;
  /** Ascending. */
  ids: number[];
}

/** One name in BOUNDARY_EVERY ends a chunk: about 32 packages a chunk, 47 for a 1,500-package set. */
const BOUNDARY_EVERY = 32;
/** A run of names without a boundary is cut here anyway (at a change of name), bounding what one changed package rewrites. */
const MAX_CHUNK = 256;

/** FNV-1a over the name's UTF-16 code units: a fast, stable hash that only needs to spread names evenly. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const byName = (a: ChunkMember, b: ChunkMember) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id);

/**
 * The chunks of a set. Every member is in exactly one chunk; packages of one
 * name (several installed kernels) always share one. Members may come in any
 * order (a report's normalised list is already in name order).
 */
export function chunkPackageSet(members: readonly ChunkMember[]): PackageChunk[] {
  let sorted = members;
  for (let i = 1; i < members.length; i++) {
    if (members[i - 1].name > members[i].name) {
      sorted = [...members].sort(byName);
      break;
    }
  }
  const chunks: PackageChunk[] = [];
  let ids: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const { id, name } = sorted[i];
    ids.push(id);
    const last = i === sorted.length - 1;
    const nameEnds = last || sorted[i + 1].name !== name;
    if (last || (nameEnds && (nameHash(name) % BOUNDARY_EVERY === 0 || ids.length >= MAX_CHUNK))) {
      ids.sort((a, b) => a - b);
      chunks.push({ hash: crypto.createHash('sha256').update(ids.join(',')).digest('hex'), ids });
      ids = [];
    }
  }
  return chunks;
}
