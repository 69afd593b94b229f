/**
 * Figures of the unit dashboard, computed from list totals (pageSize=1) of the existing
 * endpoints: the API has no statistics endpoint yet, so each figure is one small request.
 * A total past 10,000 comes back as a lower bound and is shown as "10,000+".
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import { isProblem } from "../../../shared/api/problem";
import type { CodeItem, Page, UnitStatus } from "../../../shared/api/types";
import { fetchChildren, searchUnits } from "../../../shared/api/units";

export interface Count {
  total: number;
  isLowerBound: boolean;
}

function toCount(page: Page<unknown>): Count {
  return { total: page.total, isLowerBound: page.totalIsLowerBound };
}

const STATUSES: UnitStatus[] = ["active", "closed", "merged"];

export function useChildCount(unitId: number) {
  return useQuery({
    queryKey: ["dashboard", unitId, "children"],
    queryFn: async () => toCount(await fetchChildren(unitId, { page: 1, pageSize: 1 })),
  });
}

export function useSchoolStatusCounts(unitId: number) {
  return useQueries({
    queries: STATUSES.map((status) => ({
      queryKey: ["dashboard", unitId, "schools", "status", status],
      queryFn: async () =>
        toCount(await searchUnits({ kind: "school", status, withinUnitId: unitId, page: 1, pageSize: 1 })),
    })),
    combine: (results) => ({
      counts: Object.fromEntries(STATUSES.map((s, i) => [s, results[i]?.data])) as Record<
        UnitStatus,
        Count | undefined
      >,
      isPending: results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}

/** Open schools per school type (the first two digits of the school code). */
export function useSchoolTypeCounts(unitId: number, types: CodeItem[] | undefined) {
  const active = (types ?? []).filter((type) => type.isActive);
  return useQueries({
    queries: active.map((type) => ({
      queryKey: ["dashboard", unitId, "schools", "type", type.code],
      queryFn: async () =>
        toCount(
          await searchUnits({
            kind: "school",
            status: "active",
            schoolType: type.code,
            withinUnitId: unitId,
            page: 1,
            pageSize: 1,
          }),
        ),
    })),
    combine: (results) => ({
      rows: active.map((type, i) => ({ type, count: results[i]?.data })),
      isPending: types === undefined || results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}

export function useUserCount(unitId: number, enabled: boolean) {
  return useQuery({
    queryKey: ["dashboard", unitId, "users"],
    queryFn: async () =>
      toCount(await apiRequest<Page<unknown>>("/users", { query: { unitId, pageSize: 1 } })),
    enabled,
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
      queryFn: async () =>
        toCount(
          await apiRequest<Page<unknown>>("/responsible-persons/missing", {
            query: { system: system.code, pageSize: 1 },
          }),
        ),
      enabled,
    })),
    combine: (results) => ({
      rows: list.map((system, i) => ({ system, count: results[i]?.data })),
      isPending: systems === undefined || results.some((r) => r.isPending),
    }),
  });
}

/**
 * A figure from a module that may not be deployed yet (students, workflow): null while the API
 * has no such route (404 route_not_found), so the dashboard shows nothing rather than a guess.
 */
function useOptionalCount(
  key: readonly unknown[],
  path: string,
  query: Record<string, number>,
  enabled: boolean,
) {
  return useQuery({
    queryKey: key,
    queryFn: async (): Promise<Count | null> => {
      try {
        return toCount(await apiRequest<Page<unknown>>(path, { query: { ...query, pageSize: 1 } }));
      } catch (error) {
        if (isProblem(error, "route_not_found")) return null;
        throw error;
      }
    },
    enabled,
  });
}

/** Student records (all statuses) of the unit's subtree. */
export function useStudentCount(unitId: number, enabled: boolean) {
  return useOptionalCount(["dashboard", unitId, "students"], "/students", { withinUnitId: unitId }, enabled);
}

/** Approval steps waiting for the user's own unit (待办). */
export function usePendingApprovals(enabled: boolean) {
  return useOptionalCount(["dashboard", "workflow-inbox"], "/workflow/inbox", {}, enabled);
}
