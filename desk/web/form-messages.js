// form-js speaks English; this translate service gives officers its messages in Chinese.
const CHINESE = {
  'Add new': '新增',
  'All values selected': '已全部选择',
  Collapse: '收起',
  'Date and time must both be entered.': '日期和时间须同时填写。',
  Decrement: '减少',
  Increment: '增加',
  'Expand all ({value})': '全部展开（{value}）',
  'Field is required.': '此项为必填项。',
  'Field must be a valid email.': '请填写有效的电子邮箱。',
  'Field must be a valid international phone number. (e.g. +4930664040900)': '请填写有效的国际电话号码（如 +8681612345678）。',
  'Field must have maximum length of {value}.': '最多 {value} 个字。',
  'Field must have minimum length of {value}.': '至少 {value} 个字。',
  'Field must have maximum value of {value}.': '不得大于 {value}。',
  'Field must have minimum value of {value}.': '不得小于 {value}。',
  'Field must match pattern {value}.': '格式不符合要求（{value}）。',
  'Next page': '下一页',
  'Previous page': '上一页',
  'No content to show.': '暂无内容。',
  'No results': '没有匹配项',
  'Nothing to show.': '暂无内容。',
  'Remove tag': '移除',
  Search: '搜索',
  'Skip to search': '跳到搜索',
  'Value is not a number.': '请填写数字。',
  'Value is expected to be an integer.': '请填写整数。',
  '{page} of {total}': '第 {page} 页，共 {total} 页',
};

function translate(template, replacements = {}) {
  const text = CHINESE[template] || template;
  return text.replace(/{([^}]+)}/g, (whole, name) => (name in replacements ? String(replacements[name]) : whole));
}

export const chineseMessages = { translate: ['value', translate] };
