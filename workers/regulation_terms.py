"""The regulation's enumerations as the procedure codes them, with their wording in the measures.

Codes are those of docs/procedure-contract.md (`art7-1`, `art9-2`, distinction values); the texts
are quoted from 《游仙区容错纠错实施办法（试行）》, so documents cite the regulation itself.
"""

from __future__ import annotations

CHINESE_ORDINALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

ART7_TEXT: dict[str, str] = {
    "art7-1": "法律法规、党章党规没有明令禁止的",
    "art7-2": "符合中央大政方针和省委省政府、市委市政府、区委区政府决策部署的",
    "art7-3": "按相关规定经过调研论证、风险评估和坚持集体领导、民主集中、个别酝酿、会议决定的",
    "art7-4": "立足围绕大局、促进经济社会发展，担当奉献、开拓进取，没有失职渎职的",
    "art7-5": "没有为个人、他人谋取私利，没有为单位或小团体谋取不正当利益的",
    "art7-6": "积极主动挽回损失、消除不良影响或有效阻止危害结果发生的",
    "art7-7": "在推动重大项目和重点工作中，因大胆履职、大力推进出现一定失误或引发矛盾的",
    "art7-8": "在服务企业、服务群众中，因着眼于提高效率进行容缺受理、容缺审查出现偏差的",
    "art7-9": (
        "在处置突发事件、化解信访积案或执行急难险重任务中，因主动揽责涉险、勇于破除障碍、"
        "积极担当作为，出现一定失误或引发信访问题的"
    ),
    "art7-10": "其他符合容错免责情形的",
}
ART7_CODES = frozenset(ART7_TEXT)

ART9_TEXT: dict[str, str] = {
    "art9-1": "在落实党风廉政建设责任制考核中免于扣分",
    "art9-2": "在评先评优、表彰奖励、选拔任用时不作负面评价",
    "art9-3": "在单位工作绩效目标考评和个人年度考核时不作负面评价",
    "art9-4": "需要行政问责或组织处理的，酌情从轻、减轻或免于处理",
    "art9-5": "需追究党纪政纪责任的，根据相关规定，酌情从轻、减轻或免于处分",
}
ART9_CODES = frozenset(ART9_TEXT)

# Art. 3, the three distinctions: each value says on which side of the line the conduct falls.
DISTINCTION_TEXT: dict[str, str] = {
    "reform-inexperience": "属于推进改革中因缺乏经验、先行先试出现的失误和错误",
    "knowing-violation": "属于明知故犯的违纪违法行为",
    "no-explicit-restriction": "属于上级尚无明确限制的探索性试验中的失误和错误",
    "persisted-after-ban": "属于上级明令禁止后依然我行我素的违纪违法行为",
    "unintentional-for-development": "属于为推动发展的无意过失",
    "private-gain-violation": "属于为谋取私利的违纪违法行为",
}


def item_label(code: str) -> str:
    """`art7-3` → `第七条第（三）项`."""
    article, _, number = code.partition("-")
    article_numeral = {"art7": "七", "art9": "九"}[article]
    return f"第{article_numeral}条第（{CHINESE_ORDINALS[int(number) - 1]}）项"
