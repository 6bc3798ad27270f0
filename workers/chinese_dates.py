"""Dates as official documents write them: 二〇二六年十月十三日."""

from __future__ import annotations

from datetime import date

_DIGITS = "〇一二三四五六七八九"


def _small_number(value: int) -> str:
    """1..31 in Chinese numerals: 十, 十三, 二十, 三十一."""
    tens, units = divmod(value, 10)
    if tens == 0:
        return _DIGITS[units]
    prefix = "十" if tens == 1 else f"{_DIGITS[tens]}十"
    return prefix + (_DIGITS[units] if units else "")


def chinese_date(day: date) -> str:
    year = "".join(_DIGITS[int(digit)] for digit in f"{day.year:04d}")
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"
