/**
 * The electronic archive (电子档案): documents deposited and sealed by a unit, such as closed
 * approval requests and issued registry cards. Several pages list the items about one subject
 * and re-check their seals, so the reads live here (GET /archive/items…, needs workflow:read).
 */
import { useQuery } from "@tanstack/react-query";
import { apiDownload, apiRequest } from "../api/client";
import type { Page } from "../api/types";
import type { VerificationProblem } from "../ui/VerifiedTag";

export interface ArchiveItem {
  id: number;
  contentHash: string;
  mediaType: string;
  byteSize: number;
  title: string;
  kind: string;
  retentionClass: string;
  retainUntil: string | null;
  unit: { id: number; name: string };
  createdByUserId: number | null;
  sealId: number;
  signingKeyId: number;
  signatureAlgorithm: string;
  signature: string;
  signedDocument: string;
  createdAt: string;
}

export interface ArchiveVerification {
  itemId: number;
  ok: boolean;
  problems: VerificationProblem[];
}

export interface ArchiveFilter {
  subjectType?: string;
  subjectId?: string;
  kind?: string;
  page: number;
  pageSize: number;
}

export const archiveKeys = {
  all: ["archive"] as const,
  list: (filter: ArchiveFilter) => ["archive", "items", filter] as const,
  one: (id: number) => ["archive", "item", id] as const,
  verification: (id: number) => ["archive", "verification", id] as const,
};

export function useArchiveItems(filter: ArchiveFilter, enabled = true) {
  return useQuery({
    queryKey: archiveKeys.list(filter),
    queryFn: () => apiRequest<Page<ArchiveItem>>("/archive/items", { query: { ...filter } }),
    enabled,
    placeholderData: (previous) => previous,
  });
}

export function useArchiveItem(id: number | null | undefined) {
  return useQuery({
    queryKey: archiveKeys.one(id ?? 0),
    queryFn: () => apiRequest<ArchiveItem>(`/archive/items/${id}`),
    enabled: typeof id === "number" && id > 0,
  });
}

/** Re-hashes the stored file and checks its seal signature on the server, each time it is asked. */
export function useArchiveVerification(id: number | null | undefined) {
  return useQuery({
    queryKey: archiveKeys.verification(id ?? 0),
    queryFn: () => apiRequest<ArchiveVerification>(`/archive/items/${id}/verification`),
    enabled: typeof id === "number" && id > 0,
    staleTime: 0,
  });
}

export function downloadArchiveItem(item: Pick<ArchiveItem, "id" | "title" | "mediaType">): Promise<string> {
  const extension =
    item.mediaType === "application/pdf" ? "pdf" : item.mediaType.includes("json") ? "json" : "bin";
  return apiDownload(`/archive/items/${item.id}/content`, {}, `${item.title}.${extension}`);
}
