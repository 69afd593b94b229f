/** Request and response shapes of the student registry API. */
import { z } from "zod";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import { STUDENT_FIELDS } from "./students.fields";
import type { StudentRow } from "./students.repo";

const fieldValue = z.union([z.string().max(300), z.boolean()]).nullish();

/** A registration: the template's fields by key; codes or their Chinese labels are accepted. */
export const registrationBody = z
  .object(
    Object.fromEntries(STUDENT_FIELDS.map((f) => [f.key, fieldValue])) as Record<string, typeof fieldValue>,
  )
  .strict();

/** Who holds the record a suspected duplicate duplicates (students.holders.ts). */
export const duplicateHolderSchema = z.object({
  studentId: z.number().nullable(),
  studentNumber: z.string(),
  schoolName: z.string(),
  schoolCode: z.string(),
  provinceCode: z.string(),
  provinceName: z.string(),
});

export const studentListQuery = pageQuerySchema.extend({
  q: z.string().trim().min(1).max(40).optional(),
  schoolId: z.coerce.number().int().positive().optional(),
  withinUnitId: z.coerce.number().int().positive().optional(),
  grade: z.string().max(10).optional(),
  className: z.string().max(50).optional(),
  status: z.string().max(4).optional(),
});

export const studentListItem = z.object({
  id: z.number(),
  studentNumber: z.string(),
  name: z.string(),
  sex: z.string(),
  birthDate: z.string(),
  identityNumber: z.string().nullable(),
  stage: z.string(),
  grade: z.string(),
  className: z.string().nullable(),
  status: z.string(),
  schoolId: z.number(),
  schoolName: z.string(),
});
export const studentPage = pageSchema(studentListItem);

const guardian = z.object({
  name: z.string(),
  relation: z.string().nullable(),
  idType: z.string().nullable(),
  idNumber: z.string().nullable(),
  phone: z.string().nullable(),
});

export const studentDetail = z.object({
  id: z.number(),
  studentNumber: z.string(),
  numberKind: z.enum(["G", "J", "L"]),
  provinceCode: z.string(),
  schoolId: z.number(),
  schoolName: z.string(),
  name: z.string(),
  formerName: z.string().nullable(),
  sex: z.string(),
  birthDate: z.string(),
  birthplace: z.string().nullable(),
  nativePlace: z.string().nullable(),
  ethnicity: z.string().nullable(),
  nationality: z.string().nullable(),
  idDocumentType: z.string(),
  identityNumber: z.string().nullable(),
  idValidUntil: z.string().nullable(),
  overseasStatus: z.string().nullable(),
  politicalStatus: z.string().nullable(),
  healthStatus: z.string().nullable(),
  householdLocation: z.string().nullable(),
  householdType: z.string().nullable(),
  stage: z.string(),
  grade: z.string(),
  className: z.string().nullable(),
  classNumber: z.string().nullable(),
  auxNumber: z.string().nullable(),
  enrolmentMonth: z.string().nullable(),
  enrolmentMode: z.string().nullable(),
  attendanceMode: z.string().nullable(),
  status: z.string(),
  currentAddress: z.string().nullable(),
  mailingAddress: z.string().nullable(),
  homeAddress: z.string().nullable(),
  phone: z.string().nullable(),
  isOnlyChild: z.boolean().nullable(),
  hadPreschool: z.boolean().nullable(),
  leftBehind: z.string().nullable(),
  isMigrantChild: z.boolean().nullable(),
  isOrphan: z.boolean().nullable(),
  isMartyrChild: z.boolean().nullable(),
  inclusiveSchooling: z.string().nullable(),
  disabilityType: z.string().nullable(),
  guardians: z.array(guardian),
  problems: z.array(
    z.object({
      id: z.number(),
      kind: z.string(),
      status: z.string(),
      relatedStudentId: z.number().nullable(),
      /** The approval request resolving (or that resolved) the problem. */
      requestId: z.number().nullable(),
    }),
  ),
});

export function toStudentDetail(
  s: StudentRow,
  schoolName: string,
  problems: {
    id: number;
    kind: string;
    status: string;
    related_student_id: number | null;
    resolution_request_id: number | null;
  }[],
): z.infer<typeof studentDetail> {
  return {
    id: s.id,
    studentNumber: s.student_number,
    numberKind: s.number_kind,
    provinceCode: s.province_code,
    schoolId: s.school_unit_id,
    schoolName,
    name: s.name,
    formerName: s.former_name,
    sex: s.sex,
    birthDate: s.birth_date,
    birthplace: s.birthplace_code,
    nativePlace: s.native_place_code,
    ethnicity: s.ethnicity,
    nationality: s.nationality,
    idDocumentType: s.id_document_type,
    identityNumber: s.identity_number,
    idValidUntil: s.id_valid_until,
    overseasStatus: s.overseas_status,
    politicalStatus: s.political_status,
    healthStatus: s.health_status,
    householdLocation: s.household_location_code,
    householdType: s.household_type,
    stage: s.stage,
    grade: s.grade,
    className: s.class_name,
    classNumber: s.class_number,
    auxNumber: s.aux_number,
    enrolmentMonth: s.enrolment_month,
    enrolmentMode: s.enrolment_mode,
    attendanceMode: s.attendance_mode,
    status: s.status,
    currentAddress: s.current_address,
    mailingAddress: s.mailing_address,
    homeAddress: s.home_address,
    phone: s.phone,
    isOnlyChild: s.is_only_child,
    hadPreschool: s.had_preschool,
    leftBehind: s.left_behind,
    isMigrantChild: s.is_migrant_child,
    isOrphan: s.is_orphan,
    isMartyrChild: s.is_martyr_child,
    inclusiveSchooling: s.inclusive_schooling,
    disabilityType: s.disability_type,
    guardians: s.guardians as z.infer<typeof guardian>[],
    problems: problems.map((p) => ({
      id: p.id,
      kind: p.kind,
      status: p.status,
      relatedStudentId: p.related_student_id,
      requestId: p.resolution_request_id,
    })),
  };
}

export const studentEvent = z.object({
  id: z.number(),
  changeType: z.string(),
  effectiveOn: z.string(),
  schoolId: z.number().nullable(),
  schoolName: z.string().nullable(),
  before: z.record(z.string(), z.unknown()),
  after: z.record(z.string(), z.unknown()),
  requestId: z.number().nullable(),
  createdAt: z.string(),
});
