"""The national statutes bundled with zhifa (public legislative texts, zhifa/laws/data/).

They are base data, not demo data: every period rule and gate of the platform cites them.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

BUNDLED = [
    {
        "code": "administrative-penalty-law",
        "file": "administrative-penalty-law-2021.md",
        "short_title": "行政处罚法",
        "level": "law",
        "issuer": "全国人民代表大会常务委员会",
        "version_date": "2021-01-22",
        "effective_from": "2021-07-15",
    },
    {
        "code": "administrative-licensing-law",
        "file": "administrative-licensing-law-2019.md",
        "short_title": "行政许可法",
        "level": "law",
        "issuer": "全国人民代表大会常务委员会",
        "version_date": "2019-04-23",
        "effective_from": "2019-04-23",
    },
    {
        "code": "administrative-coercion-law",
        "file": "administrative-coercion-law-2011.md",
        "short_title": "行政强制法",
        "level": "law",
        "issuer": "全国人民代表大会常务委员会",
        "version_date": "2011-06-30",
        "effective_from": "2012-01-01",
    },
    {
        "code": "administrative-reconsideration-law",
        "file": "administrative-reconsideration-law-2023.md",
        "short_title": "行政复议法",
        "level": "law",
        "issuer": "全国人民代表大会常务委员会",
        "version_date": "2023-09-01",
        "effective_from": "2024-01-01",
    },
]
