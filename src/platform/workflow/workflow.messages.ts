/**
 * Problem codes of the workflow engine, the electronic seals and the electronic archive, with
 * their messages in Simplified Chinese and English. Spread into the catalogue of
 * src/shared/messages.ts; a code's meaning never changes once published.
 */
type Message = { "zh-CN": string; en: string };

export const workflowMessages = {
  request_type_unknown: {
    "zh-CN": "业务申请类型“{type}”不存在",
    en: 'Request type "{type}" does not exist',
  },
  request_not_found: {
    "zh-CN": "申请不存在或不在您的管理范围内",
    en: "The request does not exist or is outside your scope",
  },
  request_closed: {
    "zh-CN": "该申请已办结（{status}），不能再办理",
    en: "The request is closed ({status}); nothing more can be done with it",
  },
  step_not_yours: {
    "zh-CN": "当前审批环节不由您所在单位办理",
    en: "The current step is not for your unit to decide",
  },
  request_version_conflict: {
    "zh-CN": "该申请已被他人处理（当前版本 {current}，您看到的是 {expected}），请刷新后重试",
    en: "Someone else has acted on the request (version {current}, you saw {expected}); reload and try again",
  },
  already_decided: {
    "zh-CN": "您所在单位已对该申请作出决定",
    en: "Your unit has already decided on this request",
  },
  withdraw_not_allowed: {
    "zh-CN": "申请已有审批意见，不能撤回",
    en: "The request can no longer be withdrawn: a decision has been taken on it",
  },
  not_submitter: {
    "zh-CN": "只有提交申请的单位可以办理此操作",
    en: "Only the unit that submitted the request can do this",
  },
  request_not_returned: {
    "zh-CN": "只有被退回修改的申请可以重新提交",
    en: "Only a request returned for revision can be resubmitted",
  },
  chain_level_missing: {
    "zh-CN": "审批流程“{chain}”需要“{unit}”所属的{levelZh}级单位，但该级单位不存在",
    en: 'Approval chain "{chain}" needs a {level}-level unit above "{unit}", and there is none',
  },
  chain_not_configured: {
    "zh-CN": "审批流程“{chain}”未配置（{detail}）",
    en: 'Approval chain "{chain}" is not configured ({detail})',
  },
  comment_not_allowed: {
    "zh-CN": "只有申请单位和审批单位可以发表意见",
    en: "Only the submitting and the deciding units can comment on a request",
  },
  signer_required: {
    "zh-CN": "审批决定须由具名用户作出并签名",
    en: "A decision must be taken and signed by a named user",
  },
  seal_not_found: {
    "zh-CN": "电子印章不存在或不在您的管理范围内",
    en: "The electronic seal does not exist or is outside your scope",
  },
  seal_revoked: {
    "zh-CN": "“{unit}”的电子印章已吊销，须重新制发印章后才能签章",
    en: 'The electronic seal of "{unit}" is revoked; a new seal must be issued before it can sign',
  },
  seal_suspended: {
    "zh-CN": "“{unit}”的电子印章已暂停使用",
    en: 'The electronic seal of "{unit}" is suspended',
  },
  seal_expired: {
    "zh-CN": "“{unit}”的电子印章不在有效期内（{validFrom} 至 {validTo}）",
    en: 'The electronic seal of "{unit}" is not valid today (valid {validFrom} to {validTo})',
  },
  seal_already_active: {
    "zh-CN": "“{unit}”已有有效的电子印章，请先暂停或吊销",
    en: '"{unit}" already has a valid seal; suspend or revoke it first',
  },
  seal_status_invalid: {
    "zh-CN": "电子印章当前状态为“{status}”，不能执行该操作",
    en: 'The seal is "{status}"; this action does not apply',
  },
  seal_issuer_invalid: {
    "zh-CN": "电子印章须由上级单位（教育行政部门）制发",
    en: "A seal is issued by a department above the unit",
  },
  seal_picture_invalid: {
    "zh-CN": "印章图片须为 PNG 或 SVG，且不超过 {maxKb} KB",
    en: "The seal picture must be PNG or SVG and at most {maxKb} KB",
  },
  archive_item_not_found: {
    "zh-CN": "电子档案不存在或不在您的管理范围内",
    en: "The archive item does not exist or is outside your scope",
  },
  archive_tampered: {
    "zh-CN": "电子档案 {id} 校验失败：内容或签章已被篡改",
    en: "Archive item {id} failed verification: its content or seal signature was altered",
  },
  signing_unavailable: {
    "zh-CN": "签名服务未配置主密钥（EDUMIS_SIGNING_KEY），暂不能签章",
    en: "Signing is not configured (EDUMIS_SIGNING_KEY is missing); nothing can be signed",
  },
  separation_of_duties: {
    "zh-CN": "职责分离：申请的提交人，以及已办理该申请其他审批环节的人员，不能办理本环节",
    en: "Separation of duties: the submitter of a request, and whoever decided another of its steps, cannot decide this step",
  },
  separation_unsatisfiable: {
    "zh-CN": "审批链“{chain}”要求提交单位以外的人员审批，但第 {stepNo} 步由提交单位办理",
    en: 'Chain "{chain}" requires deciders outside the submitting unit, but step {stepNo} acts at the submitting unit',
  },
} satisfies Record<string, Message>;

export type WorkflowErrorCode = keyof typeof workflowMessages;
