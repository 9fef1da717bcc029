"""The demo town's government service catalogue: 1,264 items of the 28 departments that give
services, written through the catalogue's own import (bulk inserts, published at once).

Each department has its usual items (市场监管: 食品经营许可证核发, 个体工商户登记 …; 公安: 出生登记,
户口迁移, 居民身份证 …); licences and registrations split into the business items of the standard
(新办, 变更, 延续, 注销, 补办) until the department's share of the 1,264 is reached. Time limits
follow the item type (a licence: 20 working days by law, promised in 3 to 10), materials follow the
applicant (a person's ID card is fetched from the data brain's household register, a company's
licence from its enterprise register), and about half of the items have the situation of an
agent applying on someone's behalf. Seeding again adds only the items that are missing.
"""

import random

from cityops.demo.egov_items import CATALOGUE, ORG, B, P
from cityops.demo.people import ACTOR, Progress, Tally, no_progress
from cityops.egov.choices import Applicant, Delivery, LimitKind, MaterialForm, MaterialSource, OnlineDepth
from cityops.egov.models import ServiceItem
from cityops.egov.services import GuideIn, ItemIn, MaterialIn, SituationIn, catalogue_import

SEED = 1264
TOTAL = 1264
DIVISION = "441900"  # the city's division code, the first part of every item code
CENTRE = "大岭山镇政务服务中心"
PERSON_REGISTER = "101001-0001"  # 户籍人口信息
ENTERPRISE_REGISTER = "102001-0001"  # 企业登记信息
SHOP_REGISTER = "102001-0002"  # 个体工商户信息
FOOD_LICENCES = "102001-0003"  # 食品经营许可信息
PROPERTY_REGISTER = "103001-0001"  # 不动产登记信息
INSURANCE_REGISTER = "202003-0001"  # 社会保险参保信息

TYPE_CODES = {
    "licensing": "XK",
    "confirmation": "QR",
    "adjudication": "CJ",
    "benefit": "JF",
    "award": "JL",
    "filing": "BA",
    "other_power": "QT",
    "public_service": "GG",
}
# (legal days or None, promised days range; 0 = done on the spot)
LIMITS = {
    "licensing": (20, (3, 10)),
    "confirmation": (20, (0, 7)),
    "adjudication": (60, (20, 30)),
    "benefit": (30, (5, 15)),
    "award": (30, (10, 20)),
    "filing": (None, (0, 3)),
    "other_power": (30, (5, 15)),
    "public_service": (None, (0, 5)),
}
BASIS = {
    "licensing": "《中华人民共和国行政许可法》",
    "confirmation": "《广东省行政许可和政务服务事项管理办法》",
    "adjudication": "《中华人民共和国行政复议法》",
    "benefit": "《社会救助暂行办法》",
    "award": "《广东省表彰奖励办法》",
    "filing": "《广东省行政备案管理办法》",
    "other_power": "《中华人民共和国行政处罚法》",
    "public_service": "《广东省政务服务条例》",
}
# The business items (业务办理项) a licence or registration splits into, after the main one.
VARIANTS = [
    "",
    "（变更名称）",
    "（变更地址）",
    "（变更负责人）",
    "（变更经营范围）",
    "（延续）",
    "（注销）",
    "（遗失补办）",
    "（换发）",
    "（证件损毁换领）",
    "（跨区迁移）",
    "（变更许可项目）",
    "（增设分支机构）",
]
# The sub-items (子项) the other items split into by who applies.
APPLICANT_VARIANTS = ["", "（外市户籍人员）", "（港澳台居民）", "（外国人）", "（现役军人及家属）"]


def _suffixes(base: tuple) -> list[str]:
    """Business items for a licence of organisations, sub-items by applicant for the rest."""
    return VARIANTS if base[4] and base[2] != Applicant.PERSON else APPLICANT_VARIANTS


def _shares(rng: random.Random) -> dict[str, int]:
    """Items per department: by the size of its list, summing to TOTAL."""
    capacity = {code: sum(len(_suffixes(v)) for v in items) for code, (_law, items) in CATALOGUE.items()}
    base = {code: len(items) for code, (_law, items) in CATALOGUE.items()}
    total_cap = sum(capacity.values())
    shares = {code: max(base[code], round(TOTAL * capacity[code] / total_cap)) for code in CATALOGUE}
    order = sorted(CATALOGUE, key=lambda c: -capacity[c])
    if sum(capacity.values()) < TOTAL:
        raise ValueError("the demo catalogue lists fewer items than it must seed")
    i = 0
    while sum(shares.values()) != TOTAL:
        code = order[i % len(order)]
        step = 1 if sum(shares.values()) < TOTAL else -1
        if base[code] <= shares[code] + step <= capacity[code]:
            shares[code] += step
        i += 1
    return shares


def _names(items: list[tuple], share: int) -> list[tuple[str, tuple]]:
    """The department's first ``share`` items: every base item, then their business variants."""
    out = [(base[0], base) for base in items]
    for n in range(1, max(len(VARIANTS), len(APPLICANT_VARIANTS))):
        for base in items:
            suffixes = _suffixes(base)
            if n < len(suffixes):
                out.append((base[0] + suffixes[n], base))
    return out[:share]


def _materials(rng: random.Random, applicant: str, item_type: str, name: str) -> list[MaterialIn]:
    mats = [MaterialIn(f"《{name.split('（')[0]}》申请表", MaterialForm.ORIGINAL, 1)]
    if applicant in (P, B):
        mats.append(
            MaterialIn(
                "申请人居民身份证",
                MaterialForm.ORIGINAL_AND_COPY,
                1,
                source=MaterialSource.ELICENCE,
                resource=PERSON_REGISTER,
                note="可由平台从户籍人口信息核验，免提交复印件",
            )
        )
    if applicant in (ORG, B):
        mats.append(
            MaterialIn(
                "营业执照",
                MaterialForm.COPY,
                1,
                required=applicant == ORG,
                source=MaterialSource.ELICENCE,
                resource=ENTERPRISE_REGISTER,
                note="电子证照可免提交",
            )
        )
        mats.append(MaterialIn("法定代表人身份证明", MaterialForm.COPY, 1))
    if "食品" in name or "餐饮" in name:
        mats.append(MaterialIn("经营场所平面图", MaterialForm.ORIGINAL, 1))
        mats.append(MaterialIn("食品安全管理制度", MaterialForm.ORIGINAL, 1))
        if "（" in name:
            mats.append(
                MaterialIn(
                    "原食品经营许可证",
                    MaterialForm.ORIGINAL,
                    1,
                    source=MaterialSource.GOVERNMENT,
                    resource=FOOD_LICENCES,
                )
            )
    if "个体工商户" in name and "（" in name:
        mats.append(
            MaterialIn(
                "原个体工商户营业执照",
                MaterialForm.ORIGINAL,
                1,
                source=MaterialSource.GOVERNMENT,
                resource=SHOP_REGISTER,
            )
        )
    if "不动产" in name or "房" in name:
        mats.append(
            MaterialIn(
                "不动产权证书",
                MaterialForm.ORIGINAL,
                1,
                source=MaterialSource.GOVERNMENT,
                resource=PROPERTY_REGISTER,
            )
        )
    if item_type == "benefit":
        mats.append(MaterialIn("银行账户信息", MaterialForm.COPY, 1))
        mats.append(
            MaterialIn(
                "参保证明",
                MaterialForm.ELECTRONIC,
                1,
                source=MaterialSource.ELICENCE,
                resource=INSURANCE_REGISTER,
            )
        )
    if item_type == "licensing" and rng.random() < 0.5:
        mats.append(MaterialIn("场所使用证明（产权证明或租赁合同）", MaterialForm.COPY, 1))
    return mats


def _situations(rng: random.Random, name: str, mats: list[MaterialIn]) -> list[SituationIn]:
    situations = []
    if name == "出生登记":
        situations = [SituationIn("在本市医院出生"), SituationIn("在外地出生"), SituationIn("非婚生育")]
        mats.append(MaterialIn("出生医学证明", MaterialForm.ORIGINAL, 1, source=MaterialSource.GOVERNMENT))
        mats.append(
            MaterialIn(
                "父母双方居民户口簿",
                MaterialForm.ORIGINAL,
                1,
                resource=PERSON_REGISTER,
                source=MaterialSource.GOVERNMENT,
            )
        )
        mats.append(MaterialIn("父母结婚证", MaterialForm.ORIGINAL_AND_COPY, 1, situation="在外地出生"))
        mats.append(MaterialIn("亲子鉴定证明", MaterialForm.ORIGINAL, 1, situation="非婚生育"))
    if rng.random() < 0.5:
        situations.append(SituationIn("委托他人代办", "申请人不能到场，由受托人办理"))
        mats.append(MaterialIn("授权委托书", MaterialForm.ORIGINAL, 1, situation="委托他人代办"))
        mats.append(
            MaterialIn("受托人居民身份证", MaterialForm.ORIGINAL_AND_COPY, 1, situation="委托他人代办")
        )
    return situations


def _guide(rng: random.Random, law: str, dept_phone: int, name: str, base: tuple) -> GuideIn:
    _name, item_type, applicant, result, _variants = base
    legal, (lo, hi) = LIMITS[item_type]
    promised = rng.randint(lo, hi)
    if legal is not None:
        promised = min(promised, legal)
    immediate = promised == 0
    online = item_type != "adjudication" and rng.random() < 0.85
    depth = (
        OnlineDepth.FULL
        if online and immediate and rng.random() < 0.4
        else (OnlineDepth.PREVIEW if online else OnlineDepth.FORMS)
    )
    mats = _materials(rng, applicant, item_type, name)
    situations = _situations(rng, name, mats)
    fee = item_type == "licensing" and rng.random() < 0.1
    return GuideIn(
        name=name,
        item_type=item_type,
        implementing_body=CENTRE if item_type == "public_service" else "",
        legal_basis=f"{law}；{BASIS[item_type]}",
        applicant=applicant,
        conditions="1. 申请人具有完全民事行为能力或为依法设立的组织；\n2. 申请材料齐全、符合法定形式；\n3. 符合本事项规定的其他条件。",
        limit_kind=LimitKind.IMMEDIATE if immediate else LimitKind.PROMISED,
        legal_days=legal,
        promised_days=promised,
        fee=fee,
        fee_standard="按国家规定标准收取工本费" if fee else "",
        fee_basis="《广东省行政事业性收费项目目录》" if fee else "",
        online=online,
        window=True,
        kiosk=online and rng.random() < 0.45,
        visits=0 if depth == OnlineDepth.FULL else (1 if online else rng.choice([1, 1, 2])),
        online_depth=depth,
        place=f"{CENTRE}综合受理窗口",
        hours="周一至周五 9:00-12:00，14:00-17:30（法定节假日除外）",
        phone=f"0769-8556{dept_phone:04d}",
        result_name=result,
        delivery=[Delivery.WINDOW, Delivery.POST] + ([Delivery.ELECTRONIC] if online else []),
        situations=situations,
        materials=mats,
    )


def service_items() -> list[ItemIn]:
    """The 1,264 items of the demo catalogue, the same on every run."""
    from cityops.demo.names import DEPARTMENTS

    rng = random.Random(SEED)
    dept_names = {code: (n, name) for n, (code, name, _s, _g, _v) in enumerate(DEPARTMENTS, 1)}
    shares = _shares(rng)
    out = []
    for dept, (law, items) in CATALOGUE.items():
        n_phone, dept_name = dept_names[dept]
        counters: dict[str, int] = {}
        for name, base in _names(items, shares[dept]):
            type_code = TYPE_CODES[base[1]]
            counters[type_code] = counters.get(type_code, 0) + 1
            guide = _guide(rng, law, n_phone, name, base)
            guide.implementing_body = guide.implementing_body or f"东莞市{dept_name}大岭山分支机构"
            code = f"{DIVISION}{dept[2:]}-{type_code}-{counters[type_code]:04d}"
            out.append(ItemIn(code, dept, guide))
    return out


def services_seed(progress: Progress = no_progress) -> Tally:
    """The service item catalogue, published; only the items that are missing are added."""
    items = service_items()
    have = set(ServiceItem.objects.values_list("code", flat=True))
    missing = [i for i in items if i.code not in have]
    if not missing:
        return Tally(unchanged=len(items))
    result = catalogue_import(items=missing, publish=True, actor_name=ACTOR)
    return Tally(created=result.created, unchanged=len(items) - len(missing))
