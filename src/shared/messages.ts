/**
 * The catalogue of error codes and their messages in Simplified Chinese (default) and English.
 * Placeholders in braces are filled from the error's params. A code's meaning never changes.
 */

import { type StudentErrorCode, studentMessages } from "../modules/students/students.messages";
import { type IdentifierErrorCode, identifierMessages } from "../platform/identifiers/identifiers.errors";
import { type WorkflowErrorCode, workflowMessages } from "../platform/workflow/workflow.messages";

export type Locale = "zh-CN" | "en";
type Message = Record<Locale, string>;

const platformMessages = {
  internal: {
    "zh-CN": "系统内部错误，请稍后重试或联系管理员",
    en: "Internal error; try again later or contact the administrator",
  },
  unauthenticated: { "zh-CN": "请先登录", en: "Sign in first" },
  session_expired: { "zh-CN": "登录已过期，请重新登录", en: "Your session has expired; sign in again" },
  forbidden: { "zh-CN": "您没有执行此操作的权限", en: "You are not allowed to do this" },
  csrf_failed: {
    "zh-CN": "安全校验失败，请刷新页面后重试",
    en: "Security check failed; reload the page and try again",
  },
  login_failed: { "zh-CN": "用户名或密码错误", en: "Wrong user name or password" },
  account_locked: {
    "zh-CN": "连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员解锁",
    en: "Too many failed sign-ins; the account is locked. Try again in {minutes} minutes or ask an administrator",
  },
  password_change_required: {
    "zh-CN": "请先修改初始密码",
    en: "Change your initial password first",
  },
  password_incorrect: { "zh-CN": "当前密码不正确", en: "The current password is wrong" },
  password_length: {
    "zh-CN": "密码长度须为 {min}–{max} 位",
    en: "The password must have {min} to {max} characters",
  },
  password_weak: {
    "zh-CN": "密码须包含大写字母、小写字母、数字、符号中的至少 {classes} 类",
    en: "The password must mix at least {classes} of: upper case, lower case, digits, symbols",
  },
  password_contains_username: {
    "zh-CN": "密码不能包含用户名",
    en: "The password must not contain the user name",
  },
  password_reused: {
    "zh-CN": "新密码不能与当前密码相同",
    en: "The new password must differ from the current one",
  },
  token_invalid: { "zh-CN": "访问令牌无效或已吊销", en: "The API token is invalid or revoked" },
  role_unknown: { "zh-CN": "角色 {role} 不存在", en: "Role {role} does not exist" },
  role_not_allowed_for_unit: {
    "zh-CN": "角色 {role} 不适用于该类单位",
    en: "Role {role} cannot be held by users of this kind of unit",
  },
  role_exceeds_own: {
    "zh-CN": "不能授予超出本人权限的角色 {role}",
    en: "You cannot grant role {role}: it has permissions you do not hold",
  },
  self_role_change: { "zh-CN": "不能修改自己的角色", en: "You cannot change your own roles" },
  username_taken: { "zh-CN": "用户名 {username} 已被使用", en: "User name {username} is already taken" },
  phone_taken: { "zh-CN": "手机号已被其他账号使用", en: "The phone number is used by another account" },
  responsible_unit_kind: {
    "zh-CN": "只有学校和部门可以指定责任人",
    en: "Only schools and departments name responsible persons",
  },
  job_not_found: {
    "zh-CN": "任务不存在或不在您的管理范围内",
    en: "The job does not exist or is outside your scope",
  },
  job_not_resumable: {
    "zh-CN": "任务状态为“{status}”，不能继续",
    en: "The job is {status} and cannot be resumed",
  },
  bad_request: { "zh-CN": "请求无效", en: "The request is not valid" },
  not_found: { "zh-CN": "未找到所请求的资源", en: "The requested resource was not found" },
  route_not_found: { "zh-CN": "接口不存在：{method} {url}", en: "No such endpoint: {method} {url}" },
  validation_failed: {
    "zh-CN": "提交的数据有误，请检查标出的字段",
    en: "The submitted data is invalid; check the fields listed",
  },
  payload_too_large: { "zh-CN": "提交的数据过大", en: "The request body is too large" },
  unsupported_media_type: { "zh-CN": "不支持的内容类型", en: "Unsupported content type" },
  malformed_body: { "zh-CN": "请求内容无法解析", en: "The request body could not be parsed" },
  database_unavailable: { "zh-CN": "数据库暂不可用", en: "The database is not available" },
  code_set_not_found: { "zh-CN": "代码集 {name} 不存在", en: "Code set {name} does not exist" },
  code_unknown: {
    "zh-CN": "“{value}”不是代码集“{codeSet}”中的有效代码",
    en: '"{value}" is not a valid code of code set "{codeSet}"',
  },
  division_unknown: {
    "zh-CN": "行政区划代码 {code} 不存在",
    en: "Administrative division {code} does not exist",
  },
  unit_not_found: {
    "zh-CN": "单位不存在或不在您的管理范围内",
    en: "The unit does not exist or is outside your scope",
  },
  parent_not_found: { "zh-CN": "上级单位 {parent} 不存在", en: "Parent unit {parent} does not exist" },
  parent_kind_invalid: {
    "zh-CN": "学校不能挂在“{parentKind}”类单位之下",
    en: 'A school cannot be placed under a unit of kind "{parentKind}"',
  },
  school_code_taken: {
    "zh-CN": "学校标识码 {code} 已被“{name}”使用",
    en: 'School code {code} is already used by "{name}"',
  },
  credit_code_taken: {
    "zh-CN": "统一社会信用代码 {code} 已被其他学校使用",
    en: "Credit code {code} is already used by another school",
  },
  school_province_mismatch: {
    "zh-CN": "学校标识码省份部分 {codeProvince} 与所在行政区划的省份 {divisionProvince} 不一致",
    en: "The province part {codeProvince} of the school code does not match the division's province {divisionProvince}",
  },
  school_type_stage_mismatch: {
    "zh-CN": "学校类型 {schoolType} 与学段不符",
    en: "School type {schoolType} does not match the stages",
  },
  unit_not_active: {
    "zh-CN": "单位“{name}”已撤销或合并，不能办理此业务",
    en: 'Unit "{name}" is closed or merged',
  },
  unit_already_active: { "zh-CN": "单位“{name}”已在办", en: 'Unit "{name}" is already open' },
  unit_in_use: {
    "zh-CN": "单位“{name}”已有业务数据引用，不能删除；请办理撤销或合并",
    en: 'Unit "{name}" is referenced by records and cannot be deleted; close or merge it instead',
  },
  merge_target_invalid: {
    "zh-CN": "合并目标必须是另一所在办学校",
    en: "The merge target must be another open school",
  },
  effective_date_invalid: {
    "zh-CN": "生效日期 {date} 不能早于 {after}",
    en: "The effective date {date} cannot be earlier than {after}",
  },
  import_file_unreadable: { "zh-CN": "文件无法读取：{reason}", en: "The file cannot be read: {reason}" },
  import_headers_invalid: {
    "zh-CN": "表头不正确：缺少列 {missing}",
    en: "Wrong headers: missing column(s) {missing}",
  },
  import_rows_invalid: {
    "zh-CN": "共 {count} 行有错误，未导入任何数据",
    en: "{count} row(s) have errors; nothing was imported",
  },
  import_empty: { "zh-CN": "文件中没有数据行", en: "The file has no data rows" },
  page_window_exceeded: {
    "zh-CN": "只能翻阅前 {max} 条记录，请增加筛选条件",
    en: "Only the first {max} rows can be paged through; narrow the filter",
  },
  date_invalid: {
    "zh-CN": "日期“{value}”无效，应为 YYYY-MM-DD 或 YYYYMMDD",
    en: 'Invalid date "{value}"; use YYYY-MM-DD or YYYYMMDD',
  },
  number_lost_digits: {
    "zh-CN": "该单元格被 Excel 存为数字，已丢失位数；请将该列设为“文本”后重新填写",
    en: "Excel stored this cell as a number and lost digits; format the column as Text and re-enter it",
  },
  merged_cell: { "zh-CN": "不能使用合并单元格", en: "Merged cells are not allowed" },
  cell_error: { "zh-CN": "单元格包含公式错误", en: "The cell contains a formula error" },
  cell_formula_without_value: {
    "zh-CN": "单元格是没有计算结果的公式；请在 Excel 中打开并保存文件，或填写数值而不是公式",
    en: "The cell holds a formula without a computed value; open and save the file in Excel, or enter the value instead",
  },
  import_limit_exceeded: {
    "zh-CN": "文件超出导入限制 {limit}（上限 {max}），未读取；请拆分文件后分批导入",
    en: "The file exceeds the import limit {limit} (at most {max}) and was not read; split it and import the parts",
  },
  import_worker_failed: {
    "zh-CN": "文件读取中断，未导入任何数据；请检查文件后重试",
    en: "Reading the file was interrupted and nothing was imported; check the file and try again",
  },
  field_too_long: { "zh-CN": "不能超过 {max} 个字", en: "At most {max} characters" },
  month_invalid: { "zh-CN": "年月“{value}”无效，应为 YYYYMM", en: 'Invalid month "{value}"; use YYYYMM' },
  division_code_invalid: { "zh-CN": "行政区划代码“{value}”无效", en: 'Invalid division code "{value}"' },
  yes_no_invalid: {
    "zh-CN": "应填“是”或“否”，不能是“{value}”",
    en: 'Use 是 (yes) or 否 (no), not "{value}"',
  },
  phone_invalid: { "zh-CN": "电话号码“{value}”格式不正确", en: 'Invalid phone number "{value}"' },
  date_in_future: { "zh-CN": "日期 {value} 晚于今天", en: "The date {value} is in the future" },
  identity_birth_mismatch: {
    "zh-CN": "出生日期与身份证件号不一致，证件号中为 {expected}",
    en: "The birth date differs from the identity number, which says {expected}",
  },
  identity_sex_mismatch: {
    "zh-CN": "性别与身份证件号不一致",
    en: "The sex differs from the identity number",
  },
  field_required: { "zh-CN": "必填", en: "Required" },
  field_invalid: { "zh-CN": "格式不正确", en: "Invalid format" },
  duplicate_in_file: { "zh-CN": "与第 {row} 行重复", en: "Duplicates row {row}" },
} satisfies Record<string, Message>;

export type PlatformErrorCode = keyof typeof platformMessages;
export type ErrorCode = PlatformErrorCode | IdentifierErrorCode | WorkflowErrorCode | StudentErrorCode;

const catalogue: Record<string, Message> = {
  ...platformMessages,
  ...identifierMessages,
  ...workflowMessages,
  ...studentMessages,
};

export function hasMessage(code: string): code is ErrorCode {
  return Object.hasOwn(catalogue, code);
}

/** The message of a code in a locale with its placeholders filled; unknown codes fall back to `internal`. */
export function formatMessage(
  code: string,
  locale: Locale,
  params: Record<string, string | number> = {},
): string {
  const template = (catalogue[code] ?? platformMessages.internal)[locale];
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

/** Chooses zh-CN unless the Accept-Language header prefers English. */
export function localeFromHeader(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return "zh-CN";
  const ranked = acceptLanguage
    .split(",")
    .map((part) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.find((p) => p.trim().startsWith("q="));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "zh-CN";
}

export const allMessages = (): Readonly<Record<string, Message>> => catalogue;
