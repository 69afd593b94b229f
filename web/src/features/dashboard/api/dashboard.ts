/**
 * Figures of a unit's home page in one request (GET /units/:id/stats): children, schools by
 * status and type, and — each only when the caller may read its module, otherwise null — users,
 * students by status, open problem records, approval steps waiting and overdue in the subtree.
 * The responsible-person gaps are not part of it and stay one small request per system.
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { CodeItem, Page } from "../../../shared/api/types";

export interface UnitStats {
  children: number;
  schoolsByStatus: Record<string, number>;
  schoolsByType: Record<string, number>;
  users: number | null;
  studentsByStatus: Record<string, number> | null;
  openProblems: number | null;
  pendingApprovals: number | null;
  overdueApprovals: number | null;
}

export interface Count {
  total: number;
  isLowerBound: boolean;
}

export function useUnitStats(unitId: number) {
  return useQuery({
    queryKey: ["dashboard", unitId, "stats"],
    queryFn: () => apiRequest<UnitStats>(`/units/${unitId}/stats`),
  });
}

/**
 * Units of the user's whole scope lacking a leader or operator, per system. The API's list
 * has no unit filter, so this figure is for the scope, not the selected unit.
 */
export function useResponsibleGaps(systems: CodeItem[] | undefined, enabled: boolean) {
  const list = systems ?? [];
  return useQueries({
    queries: list.map((system) => ({
      queryKey: ["dashboard", "responsible-gaps", system.code],
      queryFn: async (): Promise<Count> => {
        const page = await apiRequest<Page<unknown>>("/responsible-persons/missing", {
          query: { system: system.code, pageSize: 1 },
        });
        return { total: page.total, isLowerBound: page.totalIsLowerBound };
      },
      enabled,
    })),
    combine: (results) => ({
      rows: list.map((system, i) => ({ system, count: results[i]?.data })),
      isPending: systems === undefined || results.some((r) => r.isPending),
    }),
  });
}
