/**
 * Shapes of the API's responses that several parts of the console read (see /api/docs).
 * Feature-specific shapes live with their feature.
 */

/** The list convention: 1-based pages; past 10,000 matches the total is a lower bound. */
export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  totalIsLowerBound: boolean;
}

export type UnitKind = "nation" | "province" | "prefecture" | "county" | "department" | "school";
export type UnitStatus = "active" | "closed" | "merged";
export type Ownership = "public" | "private";

export interface SchoolFields {
  schoolCode: string;
  schoolType: string;
  runningType: string;
  stages: string[];
  ownership: Ownership;
  creditCode: string | null;
  address: string | null;
  supervisingUnitId: number | null;
  openedOn: string | null;
  closedOn: string | null;
  mergedIntoUnitId: number | null;
}

export interface Unit {
  id: number;
  kind: UnitKind;
  level: number;
  code: string;
  name: string;
  parentId: number | null;
  provinceCode: string | null;
  divisionCode: string | null;
  departmentType: "education" | "finance" | "hrss" | null;
  status: UnitStatus;
  childCount?: number;
  school: SchoolFields | null;
}

export interface UnitAncestor {
  id: number;
  kind: UnitKind;
  code: string;
  name: string;
}

export interface UnitWithAncestors {
  unit: Unit;
  ancestors: UnitAncestor[];
}

export interface Me {
  userId: number | null;
  username: string;
  displayName: string;
  unitId: number;
  unitName: string;
  scopeUnitId: number;
  side: string;
  roles: string[];
  permissions: string[];
  mustChangePassword: boolean;
}

export interface CodeItem {
  code: string;
  labelZh: string;
  labelEn: string;
  parentCode: string | null;
  isActive: boolean;
}

export interface CodeSet {
  name: string;
  titleZh: string;
  titleEn: string;
  source: string;
  note: string | null;
  items: CodeItem[];
}

export interface CodeSetSummary {
  name: string;
  titleZh: string;
  titleEn: string;
  source: string;
  note: string | null;
  itemCount: number;
}

export interface Ok {
  ok: true;
}
