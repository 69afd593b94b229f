/** The audit trail (GET /audit, newest first, keyset pages) and its hash-chain check. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";

export interface AuditEntry {
  id: number;
  occurredAt: string;
  actorKind: string;
  actorUserId: number | null;
  actorUsername: string;
  actorUnitId: number | null;
  action: string;
  module: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: string;
  ip: string | null;
  detail: Record<string, unknown>;
  hash: string;
}

export interface AuditFilter {
  action?: string;
  module?: string;
  outcome?: "success" | "failure" | "denied";
  userId?: number;
  from?: string;
  to?: string;
  withinUnitId?: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBroken?: { id: number; reason: string };
}

const PAGE = 50;

export function useAuditLog(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: ["audit", filter],
    queryFn: ({ pageParam }) =>
      apiRequest<{ items: AuditEntry[]; nextBeforeId: number | null }>("/audit", {
        query: { ...filter, limit: PAGE, beforeId: pageParam },
      }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.nextBeforeId ?? undefined,
  });
}

export const verifyChain = () => apiRequest<VerifyResult>("/audit/verify", { method: "POST" });
