/**
 * The catalogue of error codes and their messages in Simplified Chinese (default) and English.
 * Placeholders in braces are filled from the error's params. A code's meaning never changes.
 */

import { type StudentErrorCode, studentMessages } from "../modules/students/students.messages";
import { type IdentifierErrorCode, identifierMessages } from "../platform/identifiers/identifiers.errors";
import { type PersonNameErrorCode, personNameMessages } from "../platform/identifiers/person-name";
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
  own_account: {
    "zh-CN": "不能通过账号管理操作自己的账号；修改本人密码请使用“修改密码”",
    en: "You cannot act on your own account here; change your own password under Change password",
  },
  not_outranked: {
    "zh-CN": "该账号拥有您不具备的权限，只能由更高权限或上级单位的管理员操作",
    en: "This account holds permissions you lack; only someone holding them, or an administrator above its level, can act on it",
  },
  login_throttled: {
    "zh-CN": "此网络地址登录失败次数过多，请 {minutes} 分钟后再试",
    en: "Too many failed sign-ins from this address; try again in {minutes} minutes",
  },
  username_like_phone: {
    "zh-CN": "用户名不能是手机号的形式（登录时手机号也可作为用户名）",
    en: "A user name cannot look like a phone number (phone numbers also sign in)",
  },
  phone_is_username: {
    "zh-CN": "该手机号是另一个账号的用户名，不能使用",
    en: "This phone number is another account's user name and cannot be used",
  },
  password_common: {
    "zh-CN": "密码过于常见或容易猜到（如常用词加数字），请换一个",
    en: "The password is too common or predictable (such as a common word with digits); choose another",
  },
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
  malformed_url: {
    "zh-CN": "请求地址含有无法解析的字符",
    en: "The address holds characters that cannot be decoded",
  },
  url_too_long: { "zh-CN": "请求地址中的参数过长", en: "A parameter in the address is too long" },
  database_unavailable: { "zh-CN": "数据库暂不可用", en: "The database is not available" },
  rate_limited: {
    "zh-CN": "请求过于频繁，请 {seconds} 秒后再试",
    en: "Too many requests; try again in {seconds} seconds",
  },
  backup_format_unknown: {
    "zh-CN": "{file} 不是可识别的 edumis 备份文件",
    en: "{file} is not an edumis backup file this version can read",
  },
  backup_tampered: {
    "zh-CN": "备份文件已被篡改或损坏（认证校验失败），拒绝恢复",
    en: "The backup file was altered or damaged (authentication failed); nothing was restored",
  },
  backup_wrong_key: {
    "zh-CN": "备份文件不是用此密钥（{source}）加密的，无法恢复",
    en: "The backup was not encrypted with this key ({source}); nothing was restored",
  },
  backup_key_unavailable: {
    "zh-CN":
      "找不到备份所用的节点主密钥：请设置 EDUMIS_SIGNING_KEY 或放置密钥文件 {file}，或使用口令（--passphrase）",
    en: "No node master key for the backup: set EDUMIS_SIGNING_KEY, place the key file {file}, or use a passphrase (--passphrase)",
  },
  backup_passphrase_invalid: {
    "zh-CN": "请在环境变量 EDUMIS_BACKUP_PASSPHRASE 中提供至少 {min} 个字符的备份口令",
    en: "Give a backup passphrase of at least {min} characters in EDUMIS_BACKUP_PASSPHRASE",
  },
  backup_engine_mismatch: {
    "zh-CN": "该备份来自 {backup} 数据库，不能恢复到 {target} 数据库",
    en: "The backup is of a {backup} database and cannot be restored into a {target} database",
  },
  backup_target_not_empty: {
    "zh-CN": "恢复目标不为空（{what}）；确认覆盖请加 --force",
    en: "The restore target is not empty ({what}); add --force to replace it",
  },
  backup_newer_than_code: {
    "zh-CN": "备份包含本版本程序不认识的数据库迁移 {migration}，请先升级程序",
    en: "The backup holds migration {migration} that this version does not know; upgrade first",
  },
  backup_tool_missing: {
    "zh-CN": "找不到与数据库服务器（PostgreSQL {major}）同一主版本的 {tool}（已查找：{searched}）",
    en: "No {tool} of the server's major version (PostgreSQL {major}) was found (looked in: {searched})",
  },
  backup_tool_failed: {
    "zh-CN": "{tool} 执行失败：{message}",
    en: "{tool} failed: {message}",
  },
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
  job_orderer_inactive: {
    "zh-CN": "下达该任务的账号已停用，任务不能继续",
    en: "The account that ordered the job is disabled; the job cannot run",
  },
  // Issue 13: input no field can hold, unexpected errors and the schema checks' own wording.
  text_unstorable_character: {
    "zh-CN": "含有不能保存的字符 {codePoint}（空字符或残缺的字符编码），请重新输入",
    en: "Contains a character that cannot be stored, {codePoint} (a NUL or a broken character encoding); type it again",
  },
  internal_error: {
    "zh-CN": "系统内部错误，请稍后重试；如需联系管理员，请提供错误编号 {requestId}",
    en: "Internal error; try again later. If you contact the administrator, quote the error number {requestId}",
  },
  calendar_date_invalid: {
    "zh-CN": "不是有效的日期，应为 YYYY-MM-DD（如 2026-09-01）",
    en: "Not a real calendar date; use YYYY-MM-DD (e.g. 2026-09-01)",
  },
  invalid_type: { "zh-CN": "类型不正确", en: "Wrong type of value" },
  too_small: { "zh-CN": "过短或过小", en: "Too short or too small" },
  too_big: { "zh-CN": "过长或过大", en: "Too long or too large" },
  invalid_format: { "zh-CN": "格式不正确", en: "Invalid format" },
  invalid_value: { "zh-CN": "不是可选的值之一", en: "Not one of the allowed values" },
  unrecognized_keys: { "zh-CN": "含有不认识的字段", en: "Contains unknown fields" },
  invalid_union: { "zh-CN": "格式不正确", en: "Invalid value" },
  not_multiple_of: { "zh-CN": "数值不正确", en: "Invalid number" },
  invalid_key: { "zh-CN": "字段名不正确", en: "Invalid field name" },
  invalid_element: { "zh-CN": "其中有不正确的值", en: "Contains an invalid value" },
  custom: { "zh-CN": "格式不正确", en: "Invalid value" },
} satisfies Record<string, Message>;

export type PlatformErrorCode = keyof typeof platformMessages;
export type ErrorCode =
  | PlatformErrorCode
  | IdentifierErrorCode
  | WorkflowErrorCode
  | StudentErrorCode
  | PersonNameErrorCode;

const catalogue: Record<string, Message> = {
  ...platformMessages,
  ...identifierMessages,
  ...workflowMessages,
  ...studentMessages,
  ...personNameMessages,
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
