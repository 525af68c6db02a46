"""The kinds of 执法文书 the platform ships, as data.

`DEFAULT_KINDS` seeds the `DocumentKind` table after every migrate (only missing rows are created, so an
administrator's edits of a prefix or a required field survive). Each kind has:
    code             identifier (also the file name of its default HTML template under templates/documents/defaults/)
    name             the document's title
    prefix           the 文号 prefix after the agency's 文书简称 ("罚" → 昌市监罚〔2026〕12号); "" = not numbered
    required         context keys the document must carry, with their Chinese label and (for the 决定书) the item
                     of the article that demands them
    citation         (law code, article) the content rule enforces, or None
    sample           a realistic sample context, used by the template preview and the tests
"""

from __future__ import annotations

PENALTY_DECISION = "penalty_decision"

_PARTY = {
    "party_name": "昌吉市某某食品经营部",
    "party_type": "个体工商户",
    "party_id_label": "统一社会信用代码",
    "party_id": "92652301MA7XXXXX1K",
    "party_address": "新疆昌吉市延安北路88号",
    "party_representative": "张某某",
    "party_phone": "13899990000",
}
_OFFICERS = "甲执法（执法证号：T000001）、乙审核（执法证号：T000002）"

_FACTS = (
    "2026年3月2日，本局执法人员对当事人经营场所进行检查，发现当事人经营的“某某牌”酱牛肉（生产日期2025年11月1日，"
    "保质期90天）共12袋已超过保质期，仍在货架上销售，标价每袋38元。经查，当事人自2026年2月1日起销售上述超过保质期"
    "的食品，货值金额456元，违法所得152元。"
)
_EVIDENCE = [
    "现场笔录1份，证明检查时当事人经营场所内超过保质期食品的摆放及销售情况；",
    "询问笔录2份，证明当事人销售超过保质期食品的时间、数量及违法所得；",
    "照片6张及执法记录仪视频1段，证明现场检查情况；",
    "营业执照复印件1份，证明当事人的主体资格；",
    "进货单据3张，证明涉案食品的来源及进货价格。",
]

DEFAULT_KINDS: list[dict] = [
    {
        "code": "case_filing",
        "name": "立案审批表",
        # Not numbered on its own: the form carries the case's 案号 (昌市监立〔2026〕N号), issued at 立案.
        "prefix": "",
        "order": 10,
        "required": [
            ("case_source", "案件来源"),
            ("party_name", "当事人"),
            ("case_summary", "案情摘要"),
            ("filing_opinion", "承办人意见"),
        ],
        "citation": ("administrative-penalty-law", 54),
        "sample": {
            **_PARTY,
            "case_source": "检查发现",
            "case_summary": "当事人涉嫌销售超过保质期的食品，违反《中华人民共和国食品安全法》第三十四条第（十）项的规定。",
            "filing_opinion": "经核查，当事人涉嫌违法事实基本清楚，建议立案调查。",
            "officers": _OFFICERS,
            "head_opinion": "同意立案。",
        },
    },
    {
        "code": "on_site_record",
        "name": "现场笔录",
        "prefix": "",
        "order": 20,
        "required": [
            ("party_name", "当事人"),
            ("place", "检查地点"),
            ("record_time", "检查时间"),
            ("findings", "现场情况"),
        ],
        "citation": ("administrative-penalty-law", 55),
        "sample": {
            **_PARTY,
            "place": "新疆昌吉市延安北路88号当事人经营场所",
            "record_time": "2026年3月2日10时15分至11时05分",
            "officers": _OFFICERS,
            "findings": "执法人员出示执法证件，表明身份后对当事人经营场所进行检查。发现货架上摆放“某某牌”酱牛肉12袋，"
            "生产日期2025年11月1日，保质期90天，已超过保质期。执法人员对现场进行了拍照和录像。",
            "av_record": "执法记录仪编号 ZFJL-0012，全程录像。",
        },
    },
    {
        "code": "inquiry_record",
        "name": "询问笔录",
        "prefix": "",
        "order": 30,
        "required": [
            ("interviewee", "被询问人"),
            ("record_time", "询问时间"),
            ("place", "询问地点"),
            ("qa", "询问内容"),
        ],
        "citation": ("administrative-penalty-law", 55),
        "sample": {
            **_PARTY,
            "interviewee": "张某某（当事人经营者）",
            "record_time": "2026年3月3日15时00分至15时40分",
            "place": "昌吉市市场监督管理局询问室",
            "officers": _OFFICERS,
            "qa": [
                {
                    "q": "我们是昌吉市市场监督管理局的执法人员，现依法向你了解有关情况，你是否申请回避？",
                    "a": "不申请。",
                },
                {"q": "货架上的酱牛肉是什么时候开始销售的？", "a": "今年2月1日开始卖的。"},
                {"q": "一共卖出多少袋？", "a": "卖出4袋，每袋38元。"},
            ],
        },
    },
    {
        "code": "evidence_preservation_notice",
        "name": "先行登记保存证据通知书",
        "prefix": "先保",
        "order": 40,
        "required": [
            ("party_name", "当事人"),
            ("items", "先行登记保存的物品"),
            ("reason", "理由及依据"),
            ("storage_place", "保存地点"),
        ],
        "citation": ("administrative-penalty-law", 56),
        "sample": {
            **_PARTY,
            "reason": "因证据可能灭失或者以后难以取得，经本局负责人批准，依据《中华人民共和国行政处罚法》第五十六条的规定，"
            "对下列物品予以先行登记保存。",
            "items": ["“某某牌”酱牛肉（生产日期2025年11月1日）8袋"],
            "storage_place": "当事人经营场所仓库",
            "period_text": "本局将在七个工作日内作出处理决定。",
        },
    },
    {
        "code": "seizure_decision",
        "name": "查封扣押决定书",
        "prefix": "封",
        "order": 50,
        "required": [
            ("party_name", "当事人"),
            ("party_address", "当事人地址"),
            ("reason", "查封、扣押的理由"),
            ("legal_basis", "查封、扣押的依据"),
            ("items", "查封、扣押场所、设施或者财物的名称、数量"),
            ("period", "查封、扣押的期限"),
            ("review_body", "申请行政复议的机关"),
            ("court", "提起行政诉讼的人民法院"),
        ],
        "citation": ("administrative-coercion-law", 24),
        "sample": {
            **_PARTY,
            "reason": "当事人涉嫌销售超过保质期的食品。",
            "legal_basis": "《中华人民共和国食品安全法》第一百一十条第（四）项",
            "items": ["“某某牌”酱牛肉（生产日期2025年11月1日）8袋"],
            "period": "三十日（自2026年3月3日至2026年4月1日）",
            "review_body": "昌吉市人民政府",
            "court": "昌吉市人民法院",
        },
    },
    {
        "code": "penalty_notice",
        "name": "行政处罚告知书",
        "prefix": "罚告",
        "order": 60,
        "required": [
            ("party_name", "当事人"),
            ("facts", "违法事实"),
            ("legal_basis", "处罚依据"),
            ("proposed_penalty", "拟作出的行政处罚"),
        ],
        "citation": ("administrative-penalty-law", 44),
        "sample": {
            **_PARTY,
            "facts": _FACTS,
            "violated": "《中华人民共和国食品安全法》第三十四条第（十）项",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            "proposed_penalty": "1. 没收违法所得152元；2. 没收超过保质期的酱牛肉8袋；3. 罚款人民币5000元。",
            "statement_days": "五",
        },
    },
    {
        "code": "hearing_notice",
        "name": "听证告知书",
        "prefix": "听告",
        "order": 70,
        "required": [
            ("party_name", "当事人"),
            ("facts", "违法事实"),
            ("legal_basis", "处罚依据"),
            ("proposed_penalty", "拟作出的行政处罚"),
        ],
        "citation": ("administrative-penalty-law", 63),
        "sample": {
            **_PARTY,
            "facts": _FACTS,
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            "proposed_penalty": "1. 没收违法所得152元；2. 罚款人民币50000元；3. 吊销食品经营许可证。",
        },
    },
    {
        "code": "hearing_record",
        "name": "听证笔录",
        "prefix": "",
        "order": 80,
        "required": [
            ("party_name", "当事人"),
            ("hearing_time", "听证时间"),
            ("place", "听证地点"),
            ("host", "听证主持人"),
            ("proceedings", "听证过程"),
        ],
        "citation": ("administrative-penalty-law", 64),
        "sample": {
            **_PARTY,
            "hearing_time": "2026年3月20日9时30分",
            "place": "昌吉市市场监督管理局听证室",
            "host": "丙负责",
            "recorder": "丁记录",
            "investigators": _OFFICERS,
            "proceedings": [
                "主持人宣布听证纪律，核对当事人身份，告知当事人的权利和义务，当事人不申请回避。",
                "案件调查人员提出当事人违法的事实、证据和行政处罚建议。",
                "当事人进行申辩和质证，称对违法事实无异议，请求从轻处罚。",
                "当事人作最后陈述。",
            ],
        },
    },
    {
        "code": PENALTY_DECISION,
        "name": "行政处罚决定书",
        "prefix": "罚",
        "order": 90,
        # 行政处罚法第五十九条: the items (一) to (六) a 决定书 must state.
        "required": [
            ("party_name", "当事人的姓名或者名称", 1),
            ("party_address", "当事人的地址", 1),
            ("facts", "违反法律、法规、规章的事实", 2),
            ("evidence", "证据", 2),
            ("penalty", "行政处罚的种类", 3),
            ("legal_basis", "行政处罚的依据", 3),
            ("performance", "行政处罚的履行方式和期限", 4),
            ("review_body", "申请行政复议的途径（复议机关）", 5),
            ("court", "提起行政诉讼的途径（人民法院）", 5),
            ("agency_name", "作出决定的行政机关名称", 6),
            ("decision_date", "作出决定的日期", 6),
        ],
        "citation": ("administrative-penalty-law", 59),
        "sample": {
            **_PARTY,
            "case_source_text": "2026年3月2日，本局执法人员在日常检查中发现当事人涉嫌销售超过保质期的食品，"
            "经本局负责人批准，于2026年3月2日立案调查。",
            "facts": _FACTS,
            "evidence": _EVIDENCE,
            "violated": "《中华人民共和国食品安全法》第三十四条第（十）项",
            "statement": "本局于2026年3月10日向当事人送达了《行政处罚告知书》，告知当事人拟作出行政处罚的事实、理由、"
            "依据及享有的陈述、申辩权利。当事人在法定期限内未提出陈述、申辩意见。",
            "discretion": "当事人积极配合调查，如实陈述违法事实，依据《新疆维吾尔自治区市场监督管理行政处罚裁量基准》，"
            "对其从轻处罚。",
            "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
            "penalty": [
                "没收违法所得人民币152元；",
                "没收超过保质期的“某某牌”酱牛肉8袋；",
                "罚款人民币5000元。",
            ],
            "performance": "当事人应当自收到本决定书之日起十五日内，持本决定书到指定银行或者通过电子支付系统缴纳罚没款。"
            "到期不缴纳罚款的，本局可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款的数额。",
            "review_body": "昌吉市人民政府",
            "court": "昌吉市人民法院",
        },
    },
    {
        "code": "service_receipt",
        "name": "送达回证",
        "prefix": "送",
        "order": 100,
        "required": [
            ("served_document", "送达文书名称及文号"),
            ("recipient", "受送达人"),
            ("service_place", "送达地点"),
            ("service_method", "送达方式"),
        ],
        "citation": ("administrative-penalty-law", 61),
        "sample": {
            **_PARTY,
            "served_document": "行政处罚决定书（昌市监罚〔2026〕12号）",
            "recipient": "昌吉市某某食品经营部（经营者：张某某）",
            "service_place": "新疆昌吉市延安北路88号",
            "service_method": "直接送达",
            "servers": _OFFICERS,
        },
    },
    {
        "code": "case_closing",
        "name": "结案审批表",
        "prefix": "结",
        "order": 110,
        "required": [
            ("party_name", "当事人"),
            ("decision_summary", "处理决定"),
            ("execution", "执行情况"),
        ],
        "citation": None,
        "sample": {
            **_PARTY,
            "case_number": "昌市监立〔2026〕7号",
            "decision_summary": "没收违法所得152元，没收超过保质期食品8袋，罚款5000元（昌市监罚〔2026〕12号）。",
            "execution": "当事人已于2026年3月28日缴纳罚没款5152元，涉案食品已监督销毁。",
            "closing_opinion": "案件已执行完毕，建议结案。",
            "head_opinion": "同意结案。",
        },
    },
]

# 法制审核意见书 (zhifa.reviews; 行政处罚法第五十八条, 国办发〔2018〕118号 书面审核意见; columns as domain.md §4).
# Signed by the agency's review body: its reviewers and the advisors the Justice Bureau assigned to it.
DEFAULT_KINDS.append(
    {
        "code": "legal_review_opinion",
        "name": "法制审核意见书",
        "prefix": "法审",
        "order": 85,
        "issuer": "zhifa.reviews.services.may_sign_opinion",
        "required": [
            ("party_name", "当事人"),
            ("decision_summary", "执法决定简述"),
            ("legal_basis", "法律依据"),
            ("facts", "事实认定"),
            ("conclusion", "审核意见"),
            ("details", "具体意见"),
            ("reviewer", "审核人"),
        ],
        "citation": ("administrative-penalty-law", 58),
        "sample": {
            **_PARTY,
            "review_body": "法制审核机构",
            "case_number": "昌市监立〔2026〕7号",
            "decision_summary": "给予行政处罚，罚款人民币150,000.00元（决定书代拟稿第1版）",
            "legal_basis": "《中华人民共和国产品质量法》第四十九条",
            "facts": "当事人销售不合格电线电缆86卷，货值金额15480元。",
            "scope": "目录清单第1项：对法人或者其他组织罚款150000元，达到100000元的标准",
            "conclusion": "同意",
            "details": "事实清楚，证据确实充分，程序合法，适用依据正确，裁量适当。",
            "problems": [],
            "checklist": [{"point": "主体与人员资格", "hint": "", "result": "符合", "note": ""}],
            "reviewer": "乙审核（具有法律职业资格）",
            "attachments": ["调查终结报告", "证据材料"],
        },
    }
)

# The other outcomes of 行政处罚法第五十七条 and the extension of a seizure: each a written decision of its own.
DEFAULT_KINDS.extend(
    [
        {
            "code": "seizure_extension",
            "name": "延长查封扣押期限决定书",
            "prefix": "延封",
            "order": 55,
            "required": [
                ("party_name", "当事人"),
                ("original_number", "原查封扣押决定书文号"),
                ("reason", "延长理由"),
                ("period", "延长后的期限"),
                ("review_body", "申请行政复议的机关"),
                ("court", "提起行政诉讼的人民法院"),
            ],
            # 行政强制法第二十五条第二款: 延长查封、扣押的决定应当及时书面告知当事人，并说明理由。
            "citation": ("administrative-coercion-law", 25),
            "sample": {
                **_PARTY,
                "original_number": "昌市监封〔2026〕3号",
                "reason": "涉案食品须经检验机构检验，检验报告尚未出具，案情复杂。",
                "period": "延长三十日，至2026年5月1日",
                "review_body": "昌吉市人民政府",
                "court": "昌吉市人民法院",
            },
        },
        {
            "code": "no_penalty_decision",
            "name": "不予行政处罚决定书",
            "prefix": "不罚",
            "order": 81,
            "required": [
                ("party_name", "当事人"),
                ("facts", "案件事实"),
                ("ground", "不予行政处罚的理由"),
                ("legal_basis", "依据"),
                ("review_body", "申请行政复议的机关"),
                ("court", "提起行政诉讼的人民法院"),
            ],
            "citation": ("administrative-penalty-law", 57),
            "sample": {
                **_PARTY,
                "case_number": "昌市监立〔2026〕9号",
                "facts": "当事人销售的食品标签瑕疵，不影响食品安全且不会对消费者造成误导，当事人已当场改正。",
                "ground": "违法行为轻微并及时改正，没有造成危害后果",
                "legal_basis": "《中华人民共和国行政处罚法》第三十三条第一款",
                "review_body": "昌吉市人民政府",
                "court": "昌吉市人民法院",
            },
        },
        {
            "code": "case_transfer",
            "name": "涉嫌犯罪案件移送书",
            "prefix": "移",
            "order": 82,
            "required": [
                ("party_name", "当事人"),
                ("transfer_to", "移送机关"),
                ("facts", "涉嫌犯罪的事实"),
                ("legal_basis", "移送依据"),
                ("materials", "移送材料"),
            ],
            # 行政处罚法第二十七条第一款: 违法行为涉嫌犯罪的，行政机关应当及时将案件移送司法机关。
            "citation": ("administrative-penalty-law", 27),
            "sample": {
                **_PARTY,
                "case_number": "昌市监立〔2026〕11号",
                "transfer_to": "昌吉市公安局",
                "facts": "当事人生产销售的白酒经检验甲醇含量超标，涉案货值金额8万余元，涉嫌生产、销售伪劣产品罪。",
                "legal_basis": "《中华人民共和国行政处罚法》第二十七条第一款",
                "materials": ["涉嫌犯罪案件调查报告", "涉案物品清单", "检验报告", "其他有关材料"],
            },
        },
    ]
)

BY_CODE = {k["code"]: k for k in DEFAULT_KINDS}


def sample_context(code: str) -> dict:
    """A realistic sample context for a kind (template previews, tests, benchmarks)."""
    kind = BY_CODE.get(code)
    return dict(kind["sample"]) if kind else {}
