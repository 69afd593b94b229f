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

export interface DB extends AccessTables, WorkflowTables, StudentTables, StudentImportTables {
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

export interface LoginThrottleTable {
  key: string;
  user_id: number | null;
  failures: number;
  window_started_at: Date;
  locked_until: Date | null;
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
  login_throttle: LoginThrottleTable;
  responsible_person: ResponsiblePersonTable;
  audit_log: AuditLogTable;
}

/** A moment that the code sets itself (signed documents carry it, so the database must not). */
type EventTime = ColumnType<Date, Date | string, Date | string>;
type OptionalEventTime = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type WorkflowLevel = "school" | "county" | "prefecture" | "province" | "nation";
export type WorkflowSide = "subject" | "sending" | "receiving";
export type WorkflowStatus = "in_progress" | "returned" | "approved" | "rejected" | "withdrawn";
export type WorkflowStepStatus = "waiting" | "pending" | "approved" | "rejected" | "returned" | "skipped";
export type WorkflowDecision = "approve" | "reject" | "return";
export type SignatureAlgorithmName = "SM2-SM3" | "Ed25519";
export type SealStatus = "active" | "suspended" | "revoked";
export type SealType = "official" | "business" | "finance" | "contract";
export type RetentionClass = "permanent" | "y30" | "y10";

export interface CalendarDayTable {
  day: DateString;
  is_working: boolean;
  name: Generated<string>;
  source: "chinese-days" | "override" | "manual";
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowChainTable {
  scope: string;
  code: string;
  definition: ColumnType<unknown, string, string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SigningKeyTable {
  id: Generated<number>;
  /** "node": the node's own key, which signs audit anchors (migration 0011). */
  owner_kind: "unit" | "user" | "node";
  owner_unit_id: number | null;
  owner_user_id: number | null;
  algorithm: SignatureAlgorithmName;
  public_key: string;
  private_key_enc: string;
  status: Generated<"active" | "retired">;
  retired_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type AuditAnchorReason = "interval" | "decision" | "seal" | "manual";

export interface AuditAnchorTable {
  id: Generated<number>;
  entry_id: number;
  entry_hash: string;
  reason: AuditAnchorReason;
  previous_anchor_id: number | null;
  signed_document: string;
  signature: string;
  signature_algorithm: SignatureAlgorithmName;
  signing_key_id: number;
  anchored_at: Date;
  /** When it was sent to the national node (the exchange; not built yet). */
  sent_at: Date | null;
}

export interface SealTable {
  id: Generated<number>;
  seal_code: string;
  unit_id: number;
  province_code: string | null;
  name: string;
  seal_type: SealType;
  valid_from: DateString;
  valid_to: DateString;
  picture: Buffer | null;
  picture_media_type: "image/png" | "image/svg+xml" | null;
  key_id: number;
  issuer_unit_id: number;
  issuer_key_id: number;
  issued_by_user_id: number | null;
  auto_issued: Generated<boolean>;
  seal_info: string;
  issuer_signature: string;
  signature_algorithm: SignatureAlgorithmName;
  status: Generated<SealStatus>;
  status_reason: string | null;
  status_changed_at: Date | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ArchiveItemTable {
  id: Generated<number>;
  content_hash: string;
  media_type: string;
  byte_size: number;
  title: string;
  kind: string;
  retention_class: RetentionClass;
  retain_until: DateString | null;
  unit_id: number;
  province_code: string | null;
  created_by_user_id: number | null;
  seal_id: number;
  signing_key_id: number;
  signature_algorithm: SignatureAlgorithmName;
  signed_document: string;
  signature: string;
  created_at: EventTime;
  updated_at: Timestamp;
  /** The module whose read permission reading the item requires (0011). */
  module: string;
  /** The item holds personal data: every read of it is audited (0011). */
  personal: Generated<boolean>;
}

export interface ArchiveSubjectTable {
  item_id: number;
  subject_type: string;
  subject_id: string;
  created_at: Timestamp;
}

export interface WorkflowRequestTable {
  id: Generated<number>;
  type_code: string;
  module: string;
  chain_code: string;
  chain_scope: string;
  title: string;
  status: WorkflowStatus;
  version: Generated<number>;
  round: Generated<number>;
  current_step_no: number | null;
  subject_unit_id: number;
  province_code: string | null;
  submitter_user_id: number | null;
  submitter_unit_id: number;
  content_hash: string;
  archive_item_id: number | null;
  submitted_at: EventTime;
  closed_at: OptionalEventTime;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowSubmissionTable {
  request_id: number;
  round: number;
  payload: ColumnType<Record<string, unknown>, string, string>;
  content_hash: string;
  submitted_by_user_id: number | null;
  submitted_at: EventTime;
}

export interface WorkflowStepTable {
  id: Generated<number>;
  request_id: number;
  round: number;
  step_no: number;
  level: WorkflowLevel;
  side: WorkflowSide;
  label: string | null;
  acting_unit_id: number;
  province_code: string | null;
  status: WorkflowStepStatus;
  limit_days: number;
  started_at: OptionalEventTime;
  due_on: DateString | null;
  decided_at: OptionalEventTime;
  decided_by_user_id: number | null;
  decision: WorkflowDecision | null;
  comment: string | null;
  attachments: Generated<string[]>;
  signed_document: string | null;
  signature: string | null;
  signature_algorithm: SignatureAlgorithmName | null;
  signing_key_id: number | null;
  seal_id: number | null;
  personal_signature: string | null;
  personal_key_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowPartyTable {
  request_id: number;
  unit_id: number;
  role: "submitter" | "subject" | "sending" | "receiving" | "acting";
}

export interface WorkflowCommentTable {
  id: Generated<number>;
  request_id: number;
  step_id: number | null;
  round: number;
  author_user_id: number;
  author_unit_id: number;
  body: string;
  attachments: Generated<string[]>;
  created_at: Timestamp;
}

export interface WorkflowTables {
  calendar_day: CalendarDayTable;
  workflow_chain: WorkflowChainTable;
  signing_key: SigningKeyTable;
  audit_anchor: AuditAnchorTable;
  seal: SealTable;
  archive_item: ArchiveItemTable;
  archive_subject: ArchiveSubjectTable;
  workflow_request: WorkflowRequestTable;
  workflow_submission: WorkflowSubmissionTable;
  workflow_step: WorkflowStepTable;
  workflow_party: WorkflowPartyTable;
  workflow_comment: WorkflowCommentTable;
}

export interface StudentTable {
  id: Generated<number>;
  student_number: string;
  number_kind: "G" | "J" | "L";
  province_code: string;
  school_unit_id: number;
  name: string;
  former_name: string | null;
  sex: string;
  birth_date: DateString;
  birthplace_code: string | null;
  native_place_code: string | null;
  ethnicity: string | null;
  nationality: string | null;
  id_document_type: string;
  identity_number: string | null;
  id_valid_until: string | null;
  overseas_status: string | null;
  political_status: string | null;
  health_status: string | null;
  household_location_code: string | null;
  household_type: string | null;
  stage: string;
  grade: string;
  class_name: string | null;
  class_number: string | null;
  aux_number: string | null;
  enrolment_month: string | null;
  enrolment_mode: string | null;
  attendance_mode: string | null;
  status: Generated<string>;
  current_address: string | null;
  mailing_address: string | null;
  home_address: string | null;
  phone: string | null;
  is_only_child: boolean | null;
  had_preschool: boolean | null;
  left_behind: string | null;
  is_migrant_child: boolean | null;
  is_orphan: boolean | null;
  is_martyr_child: boolean | null;
  inclusive_schooling: string | null;
  disability_type: string | null;
  guardians: ColumnType<unknown[], string | undefined, string>;
  suspended_since: DateString | null;
  change_version: Version;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StudentEventTable {
  id: Generated<number>;
  student_id: number;
  change_type: string;
  effective_on: DateString;
  school_unit_id: number | null;
  before: ColumnType<Record<string, unknown>, string | undefined, string>;
  after: ColumnType<Record<string, unknown>, string | undefined, string>;
  request_id: number | null;
  job_id: number | null;
  actor_user_id: number | null;
  created_at: Timestamp;
}

export type StudentProblemKind =
  | "duplicate_identity"
  | "duplicate_person"
  | "check_character"
  | "missing_required"
  | "temporary_number";

export interface StudentProblemTable {
  id: Generated<number>;
  student_id: number;
  kind: StudentProblemKind;
  related_student_id: number | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  status: Generated<"open" | "resolving" | "resolved">;
  resolution: "evidence" | "correction" | "deletion" | "merged" | null;
  resolved_at: Date | null;
  /** The request resolving (or that resolved) the problem; null while open (0009). */
  resolution_request_id: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Students per school and status, kept by the write paths (0010, students.tally.ts). */
export interface StudentTallyTable {
  school_unit_id: number;
  status: string;
  n: number;
}

export interface StudentNumberSequenceTable {
  prefix: string;
  last_value: number;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** The module whose read permission reading the job requires (0011). */
  module: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  unit_id: number;
  params: ColumnType<Record<string, unknown>, string | undefined, string>;
  progress_done: Generated<number>;
  progress_total: Generated<number>;
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: string | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export interface JobItemTable {
  job_id: number;
  item_key: string;
  done_at: Timestamp;
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

export interface StudentTables {
  student: StudentTable;
  student_event: StudentEventTable;
  student_problem: StudentProblemTable;
  student_tally: StudentTallyTable;
  student_number_sequence: StudentNumberSequenceTable;
  job: JobTable;
  job_item: JobItemTable;
}

export type StudentImportPhase =
  | "validating"
  | "previewed"
  | "committing"
  | "committed"
  | "failed"
  | "expired";

export interface StudentImportTable {
  job_id: number;
  phase: StudentImportPhase;
  file_name: string | null;
  file_sha256: string;
  file_format: "csv" | "xlsx";
  file_encoding: string | null;
  staging_table: string | null;
  total_rows: Generated<number>;
  staged_rows: Generated<number>;
  ready_rows: Generated<number>;
  existing_rows: Generated<number>;
  duplicate_rows: Generated<number>;
  error_rows: Generated<number>;
  created_rows: Generated<number>;
  problem_rows: Generated<number>;
  register_duplicates: boolean | null;
  created_by: number | null;
  committed_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StudentImportIssueTable {
  job_id: number;
  seq: number;
  row_number: number;
  field: string;
  code: string;
  kind: "error" | "duplicate";
  params: ColumnType<Record<string, string | number>, string | undefined, string>;
  related_student_id: number | null;
  related_row: number | null;
}

/**
 * The per-import staging table student_import_row_<job id> (UNLOGGED, created by the import):
 * the student columns of each checked row plus its school and the duplicate-check verdict.
 */
export interface StudentImportRowTable
  extends Omit<
    StudentTable,
    | "id"
    | "student_number"
    | "number_kind"
    | "status"
    | "suspended_since"
    | "change_version"
    | "created_at"
    | "updated_at"
  > {
  row_number: number;
  division_code: string;
  flag: "existing" | "duplicate_in_file" | "duplicate_identity" | "duplicate_person" | null;
  related_student_id: number | null;
  related_row: number | null;
}

export interface StudentImportTables {
  student_import: StudentImportTable;
  student_import_issue: StudentImportIssueTable;
}
