// Officers by name and unit (王敏，区审计局), never by login name: the desk's people directory
// (GET /people, from the people file the desk was started with), loaded once after sign-in.
import { call } from './api.js';

let directory = { people: {}, units: {} };

export async function loadPeople() {
  try {
    directory = await call('GET', '/people');
  } catch {
    // Without the directory the pages still work; they say "未登记人员" rather than a login name.
    directory = { people: {}, units: {} };
  }
  return directory;
}

export function personName(username) {
  if (!username) return '';
  return directory.people?.[username]?.name || '未登记人员';
}

// "王敏（游仙区容错纠错工作领导小组办公室）": the name, then the unit(s) they act for.
export function personWithUnit(username, fallback = '未登记人员') {
  if (!username) return '';
  const person = directory.people?.[username];
  if (!person) return fallback;
  return person.units?.length ? `${person.name}（${person.units.join('、')}）` : person.name;
}

export function unitName(groupId) {
  if (!groupId) return '';
  return directory.units?.[groupId] || DEPARTMENT_NAMES[groupId] || '未登记单位';
}

// The Art. 5 member units a case's investigation can go to (the ids of workers/organisation.py,
// which the desk may not import): a department with no officer in the directory still has a name.
const DEPARTMENT_NAMES = {
  'dept-party-office': '区委办',
  'dept-government-office': '区政府办',
  'dept-discipline-commission': '区纪委监委',
  'dept-org-department': '区委组织部',
  'dept-political-legal': '区委政法委',
  'dept-inspection-office': '区委巡察办',
  'dept-target-supervision': '区目督办',
  'dept-human-resources': '区人社局',
  'dept-audit': '区审计局',
  'dept-justice': '区司法局',
  'dept-legal-affairs': '区政府法制办',
  'leading-group-office': '游仙区容错纠错工作领导小组办公室',
  'leading-group': '游仙区容错纠错工作领导小组',
  'org-personnel': '组织人事部门',
  'district-committee': '中共绵阳市游仙区委员会',
  'discipline-office': '游仙区纪委监委党风政风监督室',
};

// The unit a task is offered to: a department's own instance names its department (the
// multi-instance `department` variable), otherwise the candidate group.
export function taskUnit(task, variables = {}) {
  if (typeof variables.department === 'string' && variables.department) return unitName(variables.department);
  const groups = task.candidateGroups || [];
  return groups.map((group) => {
    // Accountability subjects are named per case (subject-<unit>); the case names the unit.
    if (!directory.units?.[group] && group.startsWith('subject-') && variables.accountabilitySubject) {
      return `${variables.accountabilitySubject}（问责主体）`;
    }
    return unitName(group);
  }).join('、');
}
