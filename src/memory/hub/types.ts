// The hub's plain data: groups, listings (a reviewed snapshot of a shared memory or skill) and installs.
import type { SkillDraft } from "../skills/types";

export const HUB_KINDS = ["memory", "skill"] as const;
export type HubKind = (typeof HUB_KINDS)[number];
export const LISTING_STATUSES = ["pending", "approved", "rejected"] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];
export const MEMBER_KINDS = ["user", "agent"] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

/** Sizes the hub accepts. */
export const HUB_LIMITS = {
  noteChars: 1_000,
  reasonChars: 1_000,
  groupNameChars: 100,
  groupDescriptionChars: 1_000,
  membersPerCall: 100,
  membersPerGroup: 1_000,
  groupsPerTenant: 500,
  /** Approved listings one hub search scores (newest first). */
  searchScan: 2_000,
  listLimit: 200,
} as const;

/** Who may see a listing once approved: the whole tenant, or one group. */
export type Visibility = { tenant: true } | { group_id: string };

export interface HubGroup {
  id: string;
  name: string;
  description: string | null;
  created_at: number;
  created_by: string;
}

export interface GroupMember {
  kind: MemberKind;
  id: string;
}

/** A memory as the hub keeps it: its desensitized text and fields, no metadata. */
export interface MemorySnapshot {
  text: string;
  type: string;
  tags: string[];
}

/** A skill as the hub keeps it: the fields of its draft, without the source messages. */
export type SkillSnapshot = Omit<SkillDraft, "source_message_ids">;

export type ListingContent = { kind: "memory"; memory: MemorySnapshot } | { kind: "skill"; skill: SkillSnapshot };

export interface HubListing {
  id: string;
  kind: HubKind;
  source_cube_id: string;
  source_id: string;
  source_version: number;
  visibility: Visibility;
  title: string;
  content: ListingContent;
  note: string | null;
  status: ListingStatus;
  reason: string | null;
  publisher_key_id: string;
  publisher_user_id: string | null;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
  updated_at: number;
  /** When the listing expires with its source memory (never read from then on); null: never. */
  expires_at: number | null;
  /** A newer snapshot of an approved listing, waiting for review or rejected, while this one serves; null: none. */
  revision: ListingRevision | null;
}

/** A re-published snapshot of an approved listing: reviewed on its own, the approved one serving meanwhile. */
export interface ListingRevision
  extends Pick<HubListing, "source_version" | "visibility" | "title" | "content" | "note" | "reason" | "publisher_key_id" | "publisher_user_id" | "decided_by" | "decided_at" | "created_at" | "expires_at"> {
  status: "pending" | "rejected";
  /** The embedder and vector of its text, which replace the listing's when it is approved. */
  embedder: string;
  vector: string;
}

export interface HubInstall {
  listing_id: string;
  target_cube_id: string;
  kind: HubKind;
  source_id: string;
  installed_id: string;
  installed_version: number;
  created_at: number;
  updated_at: number;
}
