/** Problem codes of the student registry, in Simplified Chinese and English. */
type Message = { "zh-CN": string; en: string };

export const studentMessages = {
  student_not_found: {
    "zh-CN": "学生不存在或不在您的管理范围内",
    en: "The student does not exist or is outside your scope",
  },
  school_required: {
    "zh-CN": "请填写学校标识码（本单位不是学校）",
    en: "Give the school code (your unit is not a school)",
  },
  school_not_found: {
    "zh-CN": "学校 {code} 不存在、已撤销或不在您的管理范围内",
    en: "School {code} does not exist, is closed or is outside your scope",
  },
  grade_not_offered: {
    "zh-CN": "该校不开设“{stage}”学段，不能登记该年级",
    en: "The school does not teach the stage {stage}",
  },
  student_number_exhausted: {
    "zh-CN": "{prefix} 下的学籍号已用完，请联系上级管理员",
    en: "No student numbers are left under {prefix}; contact the administrator above",
  },
  problem_not_found: {
    "zh-CN": "问题学籍不存在或已处理",
    en: "The problem record does not exist or is resolved",
  },
  problem_resolving: {
    "zh-CN": "该问题学籍正由申请 #{requestId} 处理，请待其办结后再提交",
    en: "The problem record is being resolved by request #{requestId}; wait until it closes",
  },
  student_not_in_school: {
    "zh-CN": "学生当前状态（{status}）不是在读，不能办理此业务",
    en: "The student is not in school (status {status})",
  },
  student_not_suspended: { "zh-CN": "学生不在休学状态，不能复学", en: "The student is not suspended" },
  student_school_mismatch: { "zh-CN": "学生不属于该学校", en: "The student does not belong to that school" },
  graduating_grade_frozen: {
    "zh-CN": "暑期（7月1日至8月14日）毕业年级（{grade}）不办理新业务",
    en: "Graduating grades ({grade}) take no new business in the summer window (1 Jul – 14 Aug)",
  },
  transfer_same_school: {
    "zh-CN": "转入学校与转出学校相同",
    en: "The receiving school is the sending school",
  },
  transfer_while_suspended: { "zh-CN": "休学期间不能转学", en: "A suspended student cannot transfer" },
  suspension_too_long: {
    "zh-CN": "休学期限须在 {max} 年以内，且结束日期晚于开始日期",
    en: "A suspension lasts at most {max} years and must end after it starts",
  },
  not_graduating_grade: {
    "zh-CN": "学生所在年级（{grade}）不是毕业年级",
    en: "Grade {grade} is not a graduating grade",
  },
  no_previous_grade: {
    "zh-CN": "年级 {grade} 没有可留级的上一年级",
    en: "Grade {grade} has no previous grade to repeat",
  },
  identity_number_registered: {
    "zh-CN": "该身份证件号已在全国学籍库中登记",
    en: "The identity number is already registered nationwide",
  },
  // Spreadsheet import and export (students.import.ts, students.export.ts)
  duplicate_identity: {
    "zh-CN":
      "该身份证件号已在其他学校登记学籍（疑似重复学籍）：{provinceName} {schoolName}（学校标识码 {schoolCode}），学籍号 {studentNumber}",
    en: "The identity number is already registered at another school (suspected duplicate): {schoolName} (school code {schoolCode}), {provinceName}, student number {studentNumber}",
  },
  duplicate_person: {
    "zh-CN":
      "已有姓名、性别、出生日期相同的学籍（疑似重复学籍）：{provinceName} {schoolName}（学校标识码 {schoolCode}），学籍号 {studentNumber}",
    en: "A record with the same name, sex and birth date exists (suspected duplicate): {schoolName} (school code {schoolCode}), {provinceName}, student number {studentNumber}",
  },
  import_not_found: { "zh-CN": "导入任务不存在", en: "The import does not exist" },
  import_not_committable: {
    "zh-CN": "导入任务处于“{phase}”状态，不能提交",
    en: "The import is {phase} and cannot be committed",
  },
  import_outdated: {
    "zh-CN": "预览之后有 {count} 行与新登记的学籍重复，请重新上传并预览",
    en: "{count} row(s) now duplicate records registered after the preview; upload and preview again",
  },
  import_staging_lost: {
    "zh-CN": "导入的暂存数据已不存在（已过期或数据库曾重启），请重新上传",
    en: "The staged rows of this import are gone (expired or the database restarted); upload again",
  },
  import_nothing_to_commit: { "zh-CN": "没有可导入的行", en: "There are no rows to import" },
  import_not_resumable: {
    "zh-CN": "该导入任务不能继续，请重新上传文件",
    en: "This import cannot be resumed; upload the file again",
  },
  export_too_large_for_xlsx: {
    "zh-CN": "XLSX 最多容纳 {max} 行，请改为导出 CSV 或缩小范围",
    en: "An XLSX sheet holds at most {max} rows; export CSV or narrow the filter",
  },
  export_unmasked_forbidden: {
    "zh-CN": "导出完整身份证件号需要学籍维护权限",
    en: "Exporting full identity numbers needs the permission to maintain student records",
  },
  import_outside_scope: {
    "zh-CN": "有 {count} 行所属学校已不在您的管理范围内，导入未提交",
    en: "{count} rows belong to schools no longer in your scope; nothing was committed",
  },
} satisfies Record<string, Message>;

export type StudentErrorCode = keyof typeof studentMessages;
