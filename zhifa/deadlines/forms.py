from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from zhifa.deadlines.models import PeriodRule


class DueForm(forms.Form):
    rule = forms.ModelChoiceField(label="期限规则", queryset=PeriodRule.objects.none(), empty_label="请选择")
    start = forms.DateField(label="起算日（当日不计入）", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="起算时刻（按小时计算的规则）", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    extensions = forms.IntegerField(
        label="已批准延长次数", min_value=0, max_value=10, initial=0, required=False
    )
    excluded_from = forms.DateField(
        label="扣除期间自（可选）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    excluded_to = forms.DateField(
        label="扣除期间至（可选）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rules is not None:
            self.fields["rule"].queryset = rules
        self.fields["rule"].label_from_instance = lambda r: f"{r.name}（{r.amount_text}，{r.citation}）"

    def clean(self):
        data = super().clean()
        a, b = data.get("excluded_from"), data.get("excluded_to")
        if bool(a) != bool(b):
            raise forms.ValidationError("扣除期间须同时填写开始日和结束日。")
        return data

    def start_value(self):
        data = self.cleaned_data
        if data.get("start_time"):
            return timezone.make_aware(dt.datetime.combine(data["start"], data["start_time"]))
        return data["start"]

    def excluded(self):
        a, b = self.cleaned_data.get("excluded_from"), self.cleaned_data.get("excluded_to")
        return [(a, b)] if a and b else []
