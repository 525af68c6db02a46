"""The working-day calendar and the statutory period rules (architecture.md "Deadlines").

Calendar: chinesecalendar ships the State Council holiday schedules it knows (2004–2026 in 1.11.0). A
`HolidayOverride` row beats it for one date (a rest day or a 调休 working day); a `CalendarYear` row declares that an
administrator has entered a whole year from the 国务院办公厅 notice (weekdays work, weekends rest, overrides for the
rest). A date in a year with neither is an error, never a guess.

Period rules: one row per version of a statutory period (code + valid_from/valid_to) with the article that sets
it, the article that decides its day type, its extension and who approves it, and whether excluded intervals
(检测、鉴定、听证 …) stop the clock. Rows are data that administrators change when a law changes.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from zhifa.core.models import TimeStamped
from zhifa.core.roles import Role
from zhifa.core.scoping import ScopedManager


class CalendarYear(TimeStamped):
    """An administrator's declaration that a year's holiday schedule has been entered (as HolidayOverride rows)."""

    year = models.PositiveSmallIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2200)]
    )
    source = models.CharField(
        "依据", max_length=200, help_text="国务院办公厅放假安排通知的文号，如“国办发明电〔2026〕X号”"
    )
    complete = models.BooleanField(
        "已完整录入",
        default=False,
        help_text="勾选后，该年度除已录入的放假/调休日期外，按周一至周五上班、周六周日休息计算。",
    )
    note = models.TextField("备注", blank=True)

    objects = ScopedManager()
    scope_agency_field = None  # not agency data: every staff member reads it, administrators write it
    scope_edit_roles: dict = {}

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["-year"]

    @classmethod
    def scope_public_q(cls):
        return models.Q()  # the holiday schedule is public information

    def __str__(self) -> str:
        return f"{self.year}年（{self.source}）"


class HolidayOverride(TimeStamped):
    """One date whose status differs from chinesecalendar (or that a CalendarYear's schedule needs)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假（休息日）"
        WORKDAY = "workday", "调休上班（工作日）"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    name = models.CharField("名称", max_length=60, help_text="如“春节”“国庆节”“调休上班”")
    note = models.CharField("说明", max_length=200, blank=True)

    objects = ScopedManager()
    scope_agency_field = None
    scope_edit_roles: dict = {}

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    @classmethod
    def scope_public_q(cls):
        return models.Q()

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}"


class Unit(models.TextChoices):
    CALENDAR_DAY = "calendar_day", "日（自然日）"
    WORKING_DAY = "working_day", "工作日"
    HOUR = "hour", "小时"
    MONTH = "month", "月"


UNIT_WORD = {
    Unit.CALENDAR_DAY: "日",
    Unit.WORKING_DAY: "个工作日",
    Unit.HOUR: "小时",
    Unit.MONTH: "个月",
}


class PeriodRule(TimeStamped):
    """A statutory period, versioned by code + valid_from/valid_to. Lookup by code takes the version valid on
    the start date. A version's arithmetic (amount, unit, extension, …) is fixed once saved: a change of law is
    a new version, so that a decision that stored its rule version can always be re-checked."""

    class Direction(models.TextChoices):
        AFTER = "after", "自起算日起（期限在后）"
        BEFORE = "before", "在某事件之前（期限在前）"

    code = models.CharField(
        "规则代码",
        max_length=60,
        db_index=True,
        validators=[
            RegexValidator(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", "规则代码只能由小写字母、数字、下划线和点组成。")
        ],
        help_text="如 penalty.service；同一规则各版本共用",
    )
    name = models.CharField("名称", max_length=100)
    start_label = models.CharField(
        "起算事件", max_length=60, blank=True, help_text="如“立案之日”“宣告之日”“举行听证之日”"
    )
    amount = models.PositiveIntegerField("期限数", validators=[MinValueValidator(1)])
    unit = models.CharField("单位", max_length=16, choices=Unit.choices)
    direction = models.CharField("方向", max_length=8, choices=Direction.choices, default=Direction.AFTER)
    citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="期限依据",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="规定该期限的条文",
    )
    day_type_citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="日期类型依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="决定按工作日或自然日计算的条文，如行政处罚法第八十五条",
    )
    extension_amount = models.PositiveIntegerField("可延长期限数", default=0, help_text="0 = 不可延长")
    extension_unit = models.CharField("延长单位", max_length=16, choices=Unit.choices, blank=True)
    extension_max_times = models.PositiveSmallIntegerField("最多延长次数", default=1)
    extension_approver = models.CharField("延长审批角色", max_length=16, choices=Role.choices, blank=True)
    extension_citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="延长依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="规定延长的条文（须是法律法规库中规定了“延长”的条文）",
    )
    extension_basis = models.CharField(
        "延长依据（库外法规、规章）",
        max_length=300,
        blank=True,
        help_text="延长依据不在法律法规库中时填写，如部门规章《市场监督管理行政处罚程序规定》中关于办案期限延长的条款",
    )
    allows_excluded_intervals = models.BooleanField(
        "可扣除期间", default=False, help_text="检测、检验、检疫、鉴定、听证、专家评审等所需时间不计入期限"
    )
    excluded_citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="扣除期间依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    roll_forward = models.BooleanField(
        "届满日遇节假日顺延",
        default=False,
        help_text="期间届满的最后一日是节假日的，以节假日后的第一个工作日为届满日（仅自然日、月）",
    )
    roll_forward_citation = models.ForeignKey(
        "laws.Citation",
        verbose_name="顺延依据",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    roll_forward_basis = models.CharField(
        "顺延依据（库外法律）",
        max_length=200,
        blank=True,
        help_text="顺延依据不在法律法规库中时填写，如“参照《民法典》第二百零三条”",
    )
    valid_from = models.DateField("适用起始日")
    valid_to = models.DateField("适用截止日", null=True, blank=True, help_text="空 = 现行有效")
    note = models.TextField("说明", blank=True)

    objects = ScopedManager()
    scope_agency_field = None
    scope_edit_roles: dict = {}

    # Fields that define a version's arithmetic: fixed once the version exists (see services.save_period_rule).
    FIXED_FIELDS = (
        "code",
        "amount",
        "unit",
        "direction",
        "citation",
        "day_type_citation",
        "extension_amount",
        "extension_unit",
        "extension_max_times",
        "extension_approver",
        "extension_citation",
        "extension_basis",
        "allows_excluded_intervals",
        "excluded_citation",
        "roll_forward",
        "roll_forward_citation",
        "roll_forward_basis",
        "valid_from",
    )

    class Meta:
        verbose_name = "期限规则"
        verbose_name_plural = "期限规则"
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="period_rule_version_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="period_rule_validity_ordered",
            ),
        ]

    @classmethod
    def scope_public_q(cls):
        return models.Q()  # statutory periods are public

    def __str__(self) -> str:
        return f"{self.name}（{self.amount_text}）"

    @property
    def amount_text(self) -> str:
        return f"{self.amount}{UNIT_WORD[self.unit]}"

    @property
    def effective_extension_unit(self) -> str:
        return self.extension_unit or self.unit

    @property
    def extension_text(self) -> str:
        if not self.extension_amount:
            return ""
        who = Role(self.extension_approver).label if self.extension_approver else "有权机关"
        text = f"经{who}批准可延长{self.extension_amount}{UNIT_WORD[self.effective_extension_unit]}"
        if self.extension_max_times > 1:
            text += f"（最多{self.extension_max_times}次）"
        return text

    def clean(self):
        errors = {}
        if self.unit in (Unit.HOUR, Unit.MONTH) and self.allows_excluded_intervals:
            errors["allows_excluded_intervals"] = "按小时或按月计算的期限不支持扣除期间。"
        if self.roll_forward and self.unit not in (Unit.CALENDAR_DAY, Unit.MONTH):
            errors["roll_forward"] = (
                "只有按自然日或按月计算的期限才需要届满日顺延（工作日期限本身不含节假日）。"
            )
        if self.roll_forward and self.direction == self.Direction.BEFORE:
            errors["roll_forward"] = "“在某事件之前”的期限不顺延。"
        if self.roll_forward and not (self.roll_forward_citation_id or self.roll_forward_basis):
            errors["roll_forward_basis"] = "顺延须注明依据（法律法规库中的条文或库外法律的名称条号）。"
        if self.extension_amount and not self.extension_approver:
            errors["extension_approver"] = "可延长的期限须指定审批角色。"
        if self.extension_amount and not (self.extension_citation_id or self.extension_basis):
            errors["extension_basis"] = "延长须注明依据（法律法规库中的条文或库外法规、规章的名称条号）。"
        if self.extension_citation_id and "延长" not in self.extension_citation.quoted_text:
            # e.g. 行政处罚法第六十条 sets 90 days and defers to other rules ("从其规定"): it grants no extension.
            errors["extension_citation"] = (
                f"{self.extension_citation}没有规定延长，不能作为延长依据；"
                "延长来自其他法律、法规、规章的，请在“延长依据（库外法规、规章）”中注明。"
            )
        if not self.extension_amount and (self.extension_citation_id or self.extension_basis):
            errors["extension_amount"] = "填写了延长依据的期限须填写可延长期限数。"
        if (
            self.extension_unit
            and (Unit.HOUR in (self.unit, self.extension_unit))
            and self.extension_unit != self.unit
        ):
            errors["extension_unit"] = "按小时计算的期限只能按小时延长，按日或按月计算的期限不能按小时延长。"
        if self.extension_amount and self.direction == self.Direction.BEFORE:
            errors["extension_amount"] = "“在某事件之前”的期限不能延长。"
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = "适用截止日不能早于起始日。"
        if errors:
            raise ValidationError(errors)
