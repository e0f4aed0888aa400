/**
 * Which OS group's feed rows a host is judged by (DESIGN.md §8). A host of a
 * derivative (Alma, Rocky, CentOS, Oracle) is judged by its own distribution's
 * feed when one is loaded, and only otherwise by its parent's (RHEL); a host
 * whose group no loaded feed covers is "not covered", never "secure".
 */
import type { Config } from '../config';

export interface GroupRef {
  id: number;
  name: string;
}

export class FeedGroups {
  private readonly parents: { pattern: RegExp; parent: string }[];
  private readonly byName: Map<string, number>;
  private readonly names: Map<number, string>;

  constructor(
    groups: readonly GroupRef[],
    private readonly covered: ReadonlySet<number>,
    config: Pick<Config, 'status'>,
  ) {
    this.parents = config.status.parentGroups.map((rule) => ({ pattern: new RegExp(rule.pattern), parent: rule.parent }));
    this.byName = new Map(groups.map((g) => [g.name, g.id]));
    this.names = new Map(groups.map((g) => [g.id, g.name]));
  }

  /** The group whose feed rows judge hosts of `osGroupId`, or null when none is covered. */
  feedGroupOf(osGroupId: number | null): number | null {
    if (osGroupId === null) return null;
    if (this.covered.has(osGroupId)) return osGroupId;
    const name = this.names.get(osGroupId);
    if (name === undefined) return null;
    for (const { pattern, parent } of this.parents) {
      if (!pattern.test(name)) continue;
      const parentId = this.byName.get(name.replace(pattern, parent));
      if (parentId !== undefined && this.covered.has(parentId)) return parentId;
    }
    return null;
  }

  knows(id: number): boolean {
    return this.names.has(id);
  }

  nameOf(id: number | null): string | null {
    return id === null ? null : (this.names.get(id) ?? null);
  }

  /** The host OS groups judged by any of these feed groups. */
  groupsJudgedBy(feedGroupIds: ReadonlySet<number>): number[] {
    return [...this.names.keys()].filter((id) => {
      const feed = this.feedGroupOf(id);
      return feed !== null && feedGroupIds.has(feed);
    });
  }
}
