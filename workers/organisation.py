"""Who is who in the procedure: the issuing organ and the candidate-group ids of the contract."""

from __future__ import annotations

ISSUING_ORGAN = "游仙区容错纠错工作领导小组办公室"
LEADING_GROUP = "游仙区容错纠错工作领导小组"

# Art. 5 member units that the leading group can direct to investigate (Art. 8(3)).
DEPARTMENT_NAMES: dict[str, str] = {
    "dept-party-office": "区委办",
    "dept-government-office": "区政府办",
    "dept-discipline-commission": "区纪委监委",
    "dept-org-department": "区委组织部",
    "dept-political-legal": "区委政法委",
    "dept-inspection-office": "区委巡察办",
    "dept-target-supervision": "区目督办",
    "dept-human-resources": "区人社局",
    "dept-audit": "区审计局",
    "dept-justice": "区司法局",
    "dept-legal-affairs": "区政府法制办",
}

RECIPIENT_NAMES: dict[str, str] = {
    "applicant": "申请人",
    "leading-group-office": ISSUING_ORGAN,
    "leading-group": LEADING_GROUP,
    "org-personnel": "组织人事部门",
    "district-committee": "中共绵阳市游仙区委员会",
    # Art. 9 acted on: the body that holds the applicant to account (named by the case).
    "accountability-subject": "问责主体",
}

# The options of form `publicity-arrangement` (field publicityChannel).
PUBLICITY_CHANNEL_NAMES: dict[str, str] = {
    "unit-bulletin": "单位公示栏",
    "district-website": "区政府网站",
    "internal-notice": "内部通报",
}


def publicity_channel_name(channel: str) -> str:
    """How the announcement names the channel; free text (older cases, other clients) as given."""
    return PUBLICITY_CHANNEL_NAMES.get(channel, channel)


def department_name(group_id: str) -> str:
    """The department's name; an id outside the list is shown as given rather than dropped."""
    return DEPARTMENT_NAMES.get(group_id, group_id)
