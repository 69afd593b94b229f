/**
 * Kysely table types. Written by hand beside the migrations that create the tables;
 * `src/db/schema.test.ts` checks that every table and column named here exists.
 */
import type { ColumnType, Generated } from "kysely";

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A calendar date, "YYYY-MM-DD" (the driver is set not to turn dates into Date objects). */
type DateString = string;
type Version = ColumnType<number, never, never>;

export interface CodeSetTable {
  name: string;
  title_zh: string;
  title_en: string;
  source: string;
  note: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CodeItemTable {
  code_set: string;
  code: string;
  label_zh: string;
  label_en: string;
  parent_code: string | null;
  sort_order: number;
  is_active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DivisionTable {
  code: string;
  name: string;
  level: number;
  parent_code: string | null;
  province_code: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type UnitKind = "nation" | "province" | "prefecture" | "county" | "department" | "school";
export type DepartmentType = "education" | "finance" | "hrss";
export type UnitStatus = "active" | "closed" | "merged";

export interface OrgUnitTable {
  id: Generated<number>;
  kind: UnitKind;
  level: number;
  code: string;
  name: string;
  parent_id: number | null;
  path: string;
  province_code: string | null;
  division_code: string | null;
  department_type: DepartmentType | null;
  status: Generated<UnitStatus>;
  effective_from: DateString | null;
  effective_to: DateString | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SchoolTable {
  unit_id: number;
  school_code: string;
  school_type: string;
  running_type: string;
  stages: string[];
  ownership: "public" | "private";
  credit_code: string | null;
  address: string | null;
  division_code: string;
  supervising_unit_id: number | null;
  opened_on: DateString | null;
  closed_on: DateString | null;
  merged_into_unit_id: number | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type UnitEventType =
  | "opened"
  | "renamed"
  | "moved"
  | "merged"
  | "absorbed"
  | "closed"
  | "reopened"
  | "updated";

export interface OrgUnitEventTable {
  id: Generated<number>;
  unit_id: number;
  event_type: UnitEventType;
  effective_on: DateString;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
}

export interface DeletedRecordTable {
  id: Generated<number>;
  table_name: string;
  natural_key: ColumnType<Record<string, unknown>, string, string>;
  change_version: Version;
  deleted_at: Timestamp;
}

export interface DB extends AccessTables {
  code_set: CodeSetTable;
  code_item: CodeItemTable;
  division: DivisionTable;
  org_unit: OrgUnitTable;
  school: SchoolTable;
  org_unit_event: OrgUnitEventTable;
  deleted_record: DeletedRecordTable;
}

export interface RoleTable {
  code: string;
  name_zh: string;
  name_en: string;
  description_zh: string;
  unit_sides: string[];
  is_builtin: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RolePermissionTable {
  role_code: string;
  permission: string;
}

export interface AppUserTable {
  id: Generated<number>;
  username: string;
  phone: string | null;
  display_name: string;
  unit_id: number;
  password_hash: string;
  password_changed_at: Timestamp;
  must_change_password: Generated<boolean>;
  failed_attempts: Generated<number>;
  locked_until: Date | null;
  status: Generated<"active" | "disabled">;
  last_login_at: Date | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UserRoleTable {
  user_id: number;
  role_code: string;
  granted_by: number | null;
  created_at: Timestamp;
}

export interface UserSessionTable {
  id: string;
  user_id: number;
  csrf_hash: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Timestamp;
}

export interface ResponsiblePersonTable {
  id: Generated<number>;
  unit_id: number;
  system: string;
  duty: "leader" | "operator";
  name: string;
  position: string | null;
  phone: string;
  email: string | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: number;
  occurred_at: Date;
  actor_kind: string;
  actor_user_id: number | null;
  actor_username: string;
  actor_unit_id: number | null;
  actor_unit_path: string | null;
  action: string;
  module: string;
  subject_type: string | null;
  subject_id: string | null;
  subject_unit_path: string | null;
  outcome: "success" | "failure" | "denied";
  ip: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  prev_hash: string;
  hash: string;
}

export interface AccessTables {
  role: RoleTable;
  role_permission: RolePermissionTable;
  app_user: AppUserTable;
  user_role: UserRoleTable;
  user_session: UserSessionTable;
  api_token: ApiTokenTable;
  responsible_person: ResponsiblePersonTable;
  audit_log: AuditLogTable;
}
