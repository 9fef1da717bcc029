"""The demo town's data records: about 1.1 million synthetic rows over the 24 resources, each
resource's file generated (deterministic, from a fixed seed) as a data steward would receive it —
a GBK CSV, some dates as 1990/01/02 or 19900102 — and loaded through the load service, so every row
passes the same mapping, upsert and quality checks as a real file.

The files carry the problems real ones do, at rates a steward would recognise: about 2 % of resident
IDs with a wrong check character and 0.3 % with an impossible birth date, 1 % of mobiles mistyped,
0.5 % of unknown division codes, a few credit codes off by one character, some required values
missing, 0.3 % of rows repeated with the same key. Everything is kept and flagged.

``settings.CITYOPS_DEMO_DATA_RECORDS`` (1,100,000) sets the total; the share of each resource is
fixed (the floating population is the largest, the schools the smallest). A resource that has
records already is left as it is.
"""

import csv
import io
import random
from datetime import date, timedelta

from django.conf import settings
from stdnum.cn import ric, uscc

from cityops.databrain.loads import load_file
from cityops.databrain.models import Resource
from cityops.demo import names
from cityops.demo.people import ACTOR, Progress, Tally, no_progress

SEED = 20261207
DEFAULT_TOTAL = 1_100_000
# resource code → share of the records (sums to 1)
SHARES = {
    "101001-0001": 0.1688,
    "101001-0002": 0.24,
    "103001-0002": 0.085,
    "101002-0001": 0.004,
    "101002-0002": 0.006,
    "101002-0003": 0.004,
    "101002-0004": 0.012,
    "102001-0001": 0.03,
    "102001-0002": 0.045,
    "102001-0003": 0.008,
    "102001-0004": 0.07,
    "103001-0001": 0.06,
    "201001-0001": 0.0004,
    "201001-0002": 0.003,
    "201002-0001": 0.04,
    "202001-0001": 0.0001,
    "202001-0002": 0.045,
    "202002-0001": 0.0002,
    "202002-0002": 0.06,
    "202003-0001": 0.09,
    "202003-0002": 0.025,
    "203001-0001": 0.0005,
    "203001-0002": 0.0018,
    "203002-0001": 0.0012,
}
PLACES = ["441900", "441900", "441900", "440106", "450102", "430102", "360426", "510104", "420106", "445102"]
VILLAGES = [v for _area, _bearing, vs in names.AREAS for v, _c in vs]
ROADS = ["环城路", "大岭山大道", "莞长路", "教育路", "湖畔路", "连平路", "金桔路", "鸡翅岭路"]
WORDS = {
    "gender": ["男", "女"],
    "relation": ["户主", "配偶", "子", "女", "父母", "孙子女"],
    "status": ["存续", "在业", "注销", "吊销"],
    "industry": ["制造业", "批发和零售业", "住宿和餐饮业", "建筑业", "租赁和商务服务业"],
    "kind": [
        "人员密集场所",
        "三小场所",
        "加油站",
        "井盖",
        "路灯",
        "垃圾箱",
        "医院",
        "诊所",
        "幼儿园",
        "小学",
    ],
    "ownership": ["公办", "民办"],
    "grade": ["一级", "二级", "三级", "四级"],
    "disability_type": ["视力", "听力", "言语", "肢体", "智力", "精神"],
    "placement": ["自主就业", "安排工作", "退休", "供养"],
    "service": ["助餐", "助浴", "助洁", "助医", "紧急呼叫"],
    "taxpayer_type": ["一般纳税人", "小规模纳税人"],
    "credit_grade": ["A", "B", "M", "C", "D"],
    "use": ["住宅", "商业", "工业", "办公"],
    "insurance": ["城乡居民养老", "职工养老", "城乡居民医疗", "职工医疗"],
    "state": ["就业", "失业", "灵活就业"],
    "group": ["老年人", "高血压", "糖尿病", "孕产妇", "儿童", "一般人群"],
    "category": ["重点管理", "简化管理", "登记管理"],
    "major_hazard": ["是", "否"],
    "team": ["大岭山社区卫生服务中心一团队", "二团队", "三团队"],
}


class Maker:
    """Values of one kind, most right, some wrong in the ways real files are."""

    def __init__(self, rnd: random.Random):
        self.rnd = rnd
        self.serial = 0

    def person_id(self) -> str:
        rnd = self.rnd
        while True:
            self.serial += 1
            body = f"{rnd.choice(PLACES)}{self.day(1990, 2015).strftime('%Y%m%d')}{rnd.randint(0, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if ric.is_valid(number):
                break
        roll = rnd.random()
        if roll < 0.02:  # a typo in the check character
            return number[:-1] + rnd.choice([c for c in "0123456789X" if c != number[-1]])
        if roll < 0.023:  # 30 February, with a check character that fits it
            body = number[:10] + "0230" + number[14:17]
            return body + ric.calc_check_digit(body + "0")
        return number

    def credit_code(self) -> str:
        rnd = self.rnd
        while True:
            body = (
                "9144190"
                + rnd.choice("0123456789")
                + "MA"
                + "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
            )
            number = body + uscc.calc_check_digit(body)
            if uscc.is_valid(number):
                break
        return number[:-1] + "0" if rnd.random() < 0.01 and number[-1] != "0" else number

    def mobile(self) -> str:
        number = self.rnd.choice(names.MOBILE_PREFIXES) + f"{self.rnd.randint(0, 99_999_999):08d}"
        return number[:-1] if self.rnd.random() < 0.01 else number

    def name(self) -> str:
        given = "".join(self.rnd.choice(names.GIVEN_CHARS) for _ in range(self.rnd.choice((1, 2, 2))))
        return self.rnd.choice(names.SURNAMES) + given

    def day(self, first: int, last: int) -> date:
        start = date(first, 1, 1)
        return start + timedelta(days=self.rnd.randint(0, (date(last, 12, 31) - start).days))

    def date_text(self, first: int, last: int) -> str:
        d = self.day(first, last)
        fmt = self.rnd.choices(["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"], weights=(90, 7, 3))[0]
        return d.strftime(fmt)

    def division(self) -> str:
        return "449999" if self.rnd.random() < 0.005 else self.rnd.choice(PLACES)

    def address(self) -> str:
        return f"{names.CITY_PREFIX}{self.rnd.choice(VILLAGES)}{self.rnd.choice(ROADS)}{self.rnd.randint(1, 300)}号"


def value(field, n: int, mk: Maker, key: bool = False) -> str:
    rnd = mk.rnd
    if field.rule == "resident_id":
        return mk.person_id()
    if field.rule == "credit_code":
        return mk.credit_code()
    if field.rule == "mobile":
        return "" if rnd.random() < 0.1 else mk.mobile()
    if field.rule == "division":
        return mk.division()
    if field.required and not key and rnd.random() < 0.003:
        return ""
    if field.type == "date":
        return mk.date_text(1940, 2020) if "birth" in field.name else mk.date_text(2000, 2025)
    if field.type == "integer":
        return str(rnd.randint(0, 12 if field.name in ("rooms", "tenants", "family_size") else 3000))
    if field.type == "number":
        if field.name == "lon":
            return f"{113.80 + rnd.random() * 0.12:.6f}"
        if field.name == "lat":
            return f"{22.84 + rnd.random() * 0.10:.6f}"
        return f"{rnd.uniform(10, 5000):.2f}"
    if field.name in WORDS:
        return rnd.choice(WORDS[field.name])
    if field.name in ("name", "operator", "owner_name", "holder", "legal_person") and field.personal:
        return mk.name()
    if field.name == "address":
        return mk.address()
    if field.name == "village":
        return rnd.choice(VILLAGES)
    if field.name == "grid":
        return f"{rnd.choice(VILLAGES)}第{rnd.randint(1, 6)}网格"
    return f"{field.title}{n:06d}"


def resource_file(resource: Resource, count: int) -> bytes:
    """The resource's file of ``count`` rows (titles as the header, GBK), repeated keys included."""
    rnd = random.Random(f"{SEED}-{resource.code}")
    mk = Maker(rnd)
    fields = list(resource.fields.all())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.title for f in fields])
    last = None
    for n in range(count):
        if last is not None and rnd.random() < 0.003:
            writer.writerow(last)  # a row sent twice
            continue
        row = [value(f, n, mk, f.name in resource.key_fields) for f in fields]
        writer.writerow(row)
        last = row
    return out.getvalue().encode("gb18030")


def records_seed(progress: Progress = no_progress) -> Tally:
    """Load the records of every resource that has none."""
    total = getattr(settings, "CITYOPS_DEMO_DATA_RECORDS", DEFAULT_TOTAL)
    tally = Tally()
    for code, share in progress(list(SHARES.items()), desc="data records"):
        resource = Resource.objects.filter(code=code).first()
        if resource is None or resource.record_count:
            tally.unchanged += 1
            continue
        data = resource_file(resource, max(1, round(total * share)))
        load = load_file(resource_code=code, data=data, filename=f"{resource.name}.csv", actor_name=ACTOR)
        if load.status != "done":
            raise RuntimeError(f"the demo file of {code} was refused: {load.errors[:3]}")
        tally.created += load.inserted
    return tally
