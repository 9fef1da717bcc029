"""The data brain's sharing in the demo: three consumers, a request in every state (one overdue and
escalated), grants and a key, all through the services a data steward and a department use."""

from datetime import timedelta

from django.utils import timezone

from cityops.accounts.models import User
from cityops.databrain.models import Consumer, Resource
from cityops.databrain.sharing import services, sweeper
from cityops.demo.names import URBAN_MANAGEMENT
from cityops.demo.people import Progress, Tally, no_progress

# consumer, resource, purpose, days ago submitted, what then happens
REQUESTS = [
    ("D-CGZF", "103001-0002", "出租屋安全巡查：核对承租人数与消防通道", 20, "pending"),  # overdue, escalated
    ("D-CGZF", "101001-0002", "流动人口集中居住点的市容巡查", 1, "pending"),
    ("D-XFJY", "102001-0001", "消防安全检查对象名单", 5, "granted"),  # unconditional
    ("SYS-GRID", "201001-0002", "网格化管理系统同步重点场所", 3, "granted"),  # unconditional
    ("SYS-GRID", "203001-0002", "网格化管理系统展示消防重点单位", 4, "approve"),
    ("D-CGZF", "101002-0001", "走访困难群众", 6, "refuse"),
    ("D-XFJY", "202001-0002", "校园消防演练名单", 2, "withdraw"),
]


def sharing_seed(progress: Progress = no_progress) -> Tally:
    """Consumers, requests, grants and a key, when the demo has none yet."""
    if Consumer.objects.exists():
        return Tally(unchanged=Consumer.objects.count())
    steward = User.objects.get(username="steward")
    handler = User.objects.filter(username="handler").first() or steward
    consumers = {
        "D-CGZF": services.consumer_create(
            kind="department", code="", department=URBAN_MANAGEMENT, by=steward
        ),
        "D-XFJY": services.consumer_create(kind="department", code="", department="D-XFJY", by=steward),
        "SYS-GRID": services.consumer_create(
            kind="system",
            code="SYS-GRID",
            name="网格化管理系统",
            contact="信息中心 王工 0760-88880000",
            by=steward,
        ),
    }
    now = timezone.now()
    today = timezone.localdate()
    tally = Tally(created=len(consumers))
    for consumer, code, purpose, ago, then in REQUESTS:
        resource = Resource.objects.filter(code=code).first()
        if resource is None:
            continue
        names = [f.name for f in resource.fields.all()][:4]
        personal = [f.name for f in resource.fields.all() if f.personal and f.name in names][:1]
        req = services.request_submit(
            consumer=consumers[consumer],
            resource=resource,
            purpose=purpose,
            fields=names,
            unmasked=personal,
            starts_on=today,
            ends_on=today + timedelta(days=180),
            by=handler if consumer == "D-CGZF" else steward,
            now=now - timedelta(days=ago),
        )
        if then == "approve":
            services.request_approve(
                request=req, by=steward, fields=names[:3], unmasked=[], reason="同意，不含明文个人信息"
            )
        elif then == "refuse":
            services.request_refuse(request=req, by=steward, reason="用途不属于法定职责，请由民政部门走访")
        elif then == "withdraw":
            services.request_withdraw(request=req, by=steward)
        tally.created += 1
    services.key_create(consumer=consumers["SYS-GRID"], name="网格化管理系统接口", days=365, by=steward)
    sweeper.sweep()
    return tally
