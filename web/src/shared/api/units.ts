/**
 * Reading the organisation tree. The shell (breadcrumbs, unit switcher) and several features
 * show the selected unit, so these reads are shared; changes to units live in features/orgs.
 */
import { useQuery } from "@tanstack/react-query";
import { apiRequest, type QueryParams } from "./client";
import type { Page, Unit, UnitKind, UnitStatus, UnitWithAncestors } from "./types";

export const unitKeys = {
  all: ["units"] as const,
  one: (id: number) => ["units", id] as const,
  children: (id: number, filter: ChildrenFilter) => ["units", id, "children", filter] as const,
  search: (filter: UnitSearchFilter) => ["units", "search", filter] as const,
};

export interface ChildrenFilter {
  q?: string;
  kind?: UnitKind;
  status?: UnitStatus;
  page: number;
  pageSize: number;
}

export interface UnitSearchFilter {
  q?: string;
  kind?: UnitKind;
  status?: UnitStatus;
  schoolType?: string;
  runningType?: string;
  withinUnitId?: number;
  page: number;
  pageSize: number;
}

export function fetchUnit(id: number): Promise<UnitWithAncestors> {
  return apiRequest<UnitWithAncestors>(`/units/${id}`);
}

export function fetchChildren(id: number, filter: ChildrenFilter): Promise<Page<Unit>> {
  return apiRequest<Page<Unit>>(`/units/${id}/children`, { query: { ...filter } as QueryParams });
}

export function searchUnits(filter: UnitSearchFilter): Promise<Page<Unit>> {
  return apiRequest<Page<Unit>>("/units", { query: { ...filter } as QueryParams });
}

export function useUnit(id: number | undefined) {
  return useQuery({
    queryKey: unitKeys.one(id ?? 0),
    queryFn: () => fetchUnit(id ?? 0),
    enabled: id !== undefined && id > 0,
  });
}

export function useChildren(id: number, filter: ChildrenFilter, enabled = true) {
  return useQuery({
    queryKey: unitKeys.children(id, filter),
    queryFn: () => fetchChildren(id, filter),
    enabled,
    placeholderData: (previous) => previous,
  });
}

export function useUnitSearch(filter: UnitSearchFilter, enabled = true) {
  return useQuery({
    queryKey: unitKeys.search(filter),
    queryFn: () => searchUnits(filter),
    enabled,
    placeholderData: (previous) => previous,
  });
}

export const ADMINISTRATIVE_KINDS: ReadonlySet<UnitKind> = new Set([
  "nation",
  "province",
  "prefecture",
  "county",
]);
