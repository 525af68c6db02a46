"""Search benchmark: `zhifa.portal.search.services.search` latency at 100k (and, with ZHIFA_BENCH_SEARCH_FULL=1,
1M) publications against the bare SQL statements it runs, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Corpus: synthetic, deterministic 行政执法决定 summaries of ~220 characters (below: a party, the facts, the law
broken, the basis, the penalty, the deciding body), bulk-loaded with executemany (SQLite) or COPY (PostgreSQL) into
the search index's own tables, with exactly the tokens `index_document` writes (the same functions build them).
The build time (tokenising + loading + the GIN index) is printed and put in the first result's note.

Measured per query (2-character terms are the main case; also a single character, a long phrase, two terms, a
Latin/digit term, filters, a deep page): `search()` end to end — query parsing, the backend's statements, the
SearchPage — against the same statements replayed on the raw DB-API cursor (captured with an execute wrapper
during the measured call: "the bare SQL it runs"). Value and baseline are queries/s of the medians; the note has
median and p95 in ms and the hit count. `--quick`: 20k documents. 1M documents take ~10 min or more per database
to build on a 2-core machine, so they run only with ZHIFA_BENCH_SEARCH_FULL=1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import statistics
import time
from dataclasses import dataclass

from benchmarks import Context, Result, bench

# ---------------------------------------------------------------------------------------------------- corpus
# Synthetic, deterministic 行政执法决定 texts for the search benchmark (no real people or companies).
#
# Each document is ~200 characters in the style of a published 处罚决定 summary: a party, the facts, the law broken,
# the legal basis, the penalty and the deciding body. Products, places, violations and company words are drawn
# with Zipf-like weights, so that common words (食品, 罚款, 市场监督管理局) occur in most documents and rare ones
# (鲟鱼子酱, 玛纳斯) in few, as in real publication sets.

PLACES = ["昌吉", "阜康", "呼图壁", "玛纳斯", "奇台", "吉木萨尔", "木垒", "乌鲁木齐", "石河子", "五家渠"]
TRADES = ["食品经营部", "餐饮店", "超市", "药店", "商贸有限公司", "农资店", "建材经营部", "汽车修理厂", "加油站",
          "养殖场", "屠宰场", "化工有限公司", "物流有限公司", "眼镜店", "母婴用品店", "烟酒商行", "百货商店"]  # fmt: skip
SHOP_WORDS = ["鑫源", "天山", "丰泽", "金穗", "瑞祥", "恒通", "福满", "绿洲", "雪莲", "长青", "新丝路", "博达",
              "昆仑", "红旗", "康健", "盛世", "宏达", "顺意", "安泰", "惠民"]  # fmt: skip
PRODUCTS = ["食用植物油", "面粉", "大米", "牛奶", "酸奶", "月饼", "白酒", "啤酒", "饮料", "糕点", "辣椒酱", "酱油",
            "食醋", "火锅底料", "牛肉干", "馕", "葡萄干", "红枣", "枸杞", "蜂蜜", "奶粉", "婴幼儿配方奶粉", "保健食品",
            "化妆品", "农药", "化肥", "种子", "兽药", "饲料", "电线电缆", "安全帽", "灭火器", "电动自行车", "儿童玩具",
            "成品油", "液化石油气", "眼镜", "中药饮片", "医疗器械", "口罩", "冷冻肉", "羊肉", "海参", "鲟鱼子酱",
            "燕窝", "螺蛳粉", "薰衣草精油", "哈密瓜", "胡杨木工艺品", "和田玉"]  # fmt: skip
VIOLATIONS = [
    ("销售超过保质期的{p}", "《中华人民共和国食品安全法》第三十四条第十项", "《中华人民共和国食品安全法》第一百二十四条"),
    ("经营标签不符合规定的{p}", "《中华人民共和国食品安全法》第六十七条", "《中华人民共和国食品安全法》第一百二十五条"),
    ("未按规定查验{p}进货凭证", "《中华人民共和国食品安全法》第五十三条", "《中华人民共和国食品安全法》第一百二十六条"),
    ("销售不合格的{p}", "《中华人民共和国产品质量法》第三十九条", "《中华人民共和国产品质量法》第五十条"),
    ("对{p}作虚假宣传", "《中华人民共和国反不正当竞争法》第八条", "《中华人民共和国反不正当竞争法》第二十条"),
    ("发布违法{p}广告", "《中华人民共和国广告法》第二十八条", "《中华人民共和国广告法》第五十五条"),
    ("价格欺诈销售{p}", "《中华人民共和国价格法》第十四条", "《中华人民共和国价格法》第四十条"),
    ("无证经营{p}", "《无证无照经营查处办法》第二条", "《无证无照经营查处办法》第十三条"),
    ("超标排放含{p}废水", "《中华人民共和国水污染防治法》第十条", "《中华人民共和国水污染防治法》第八十三条"),
    ("未落实{p}安全生产责任制", "《中华人民共和国安全生产法》第二十一条", "《中华人民共和国安全生产法》第九十四条"),
]  # fmt: skip
PENALTIES = [
    ("警告", ["warning"]),
    ("罚款人民币{a}元", ["fine"]),
    ("没收违法所得{b}元，并处罚款{a}元", ["confiscate_gains", "fine"]),
    ("没收违法销售的{p}，并处罚款{a}元", ["confiscate_property", "fine"]),
    ("责令停产停业，并处罚款{a}元", ["suspend_business", "fine"]),
    ("吊销营业执照", ["revoke_licence"]),
    ("通报批评", ["circulation"]),
]
AGENCY_KINDS = ["市场监督管理局", "生态环境局", "应急管理局", "农业农村局", "交通运输局", "卫生健康委员会"]
CATEGORIES = ["penalty", "penalty", "penalty", "penalty", "licensing", "inspection", "coercion"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


@dataclass
class Doc:
    doc_id: int
    agency_id: int
    jurisdiction_path: str
    category: str
    published_on: dt.date
    penalty_kinds: list[str]
    title: str
    text: str


def agencies() -> list[tuple[int, str, str]]:
    """(agency_id, name, jurisdiction path): one of each kind per place (60 bodies under /65/6523/)."""
    out = []
    for i, place in enumerate(PLACES):
        path = f"/65/6523/{652301 + i}/"
        for j, kind in enumerate(AGENCY_KINDS):
            out.append((1000 + i * 10 + j, f"{place}市{kind}", path))
    return out


def documents(count: int, seed: int = 20260101, start_id: int = 1):
    """Yield `count` documents with ids start_id.. in random publication order (dates over ~6 years)."""
    rng = random.Random(seed)
    bodies = agencies()
    body_w = _zipf_weights(len(bodies), 0.6)
    prod_w = _zipf_weights(len(PRODUCTS), 1.05)
    place_w = _zipf_weights(len(PLACES), 0.9)
    trade_w = _zipf_weights(len(TRADES), 0.8)
    first = dt.date(2020, 1, 1).toordinal()
    span = dt.date(2025, 12, 31).toordinal() - first
    for n in range(count):
        agency_id, agency, path = rng.choices(bodies, body_w)[0]
        place = rng.choices(PLACES, place_w)[0]
        party = f"{place}市{rng.choice(SHOP_WORDS)}{rng.choices(TRADES, trade_w)[0]}"
        product = rng.choices(PRODUCTS, prod_w)[0]
        other = rng.choices(PRODUCTS, prod_w)[0]
        fact, article, basis = rng.choice(VIOLATIONS)
        fact = fact.format(p=product)
        amount = rng.choice([500, 1000, 2000, 3000, 5000, 8000, 10000, 20000, 50000, 100000])
        penalty, kinds = rng.choice(PENALTIES)
        penalty = penalty.format(a=amount, b=rng.randint(100, 9999), p=product)
        day = dt.date.fromordinal(first + rng.randrange(span))
        person = rng.choice(SURNAMES) + "某"
        text = (
            f"当事人{party}（统一社会信用代码已隐去，负责人{person}）于{day.year}年{day.month}月{rng.randint(1, 28)}日"
            f"{fact}，货值金额{rng.randint(100, 20000)}元。经查，执法人员现场检查时发现其经营场所存放的{other}"
            f"亦未能提供合法来源证明。当事人的上述行为违反了{article}的规定。依据{basis}的规定，"
            f"{agency}决定给予当事人如下行政处罚：{penalty}。当事人已于法定期限内履行完毕。"
            f"执行标准GB{rng.choice([2760, 2761, 2762, 7718, 14881])}-{rng.choice([2014, 2017, 2021])}。"
        )
        title = f"{party}{fact}案"
        yield Doc(
            doc_id=start_id + n,
            agency_id=agency_id,
            jurisdiction_path=path,
            category=rng.choice(CATEGORIES),
            published_on=day,
            penalty_kinds=kinds,
            title=title,
            text=text,
        )


# ---------------------------------------------------------------------------------------------------- loading

CHUNK = 25_000


def _rows(job: tuple[int, int, str]) -> list[tuple]:
    """Rows of one chunk of documents (in a worker process): the document row and its full-text values."""
    import json

    from zhifa.portal.search import tokens as T
    from zhifa.portal.search.backends import PostgresBackend, SQLiteBackend
    from zhifa.portal.search.services import sort_key

    start, count, vendor = job
    out = []
    for d in documents(count, seed=20260101 + start, start_id=start):
        analysed = T.analyse(d.title + "\n" + d.text)
        meta = T.meta_tokens(
            agency_id=d.agency_id, jurisdiction_path=d.jurisdiction_path, category=d.category,
            penalty_kinds=d.penalty_kinds,
        )  # fmt: skip
        row = (d.doc_id, sort_key(d.published_on, d.doc_id), d.agency_id, d.jurisdiction_path, d.category,
               d.published_on, json.dumps(d.penalty_kinds), d.title, d.text, T.TOKENIZER_VERSION)  # fmt: skip
        if vendor == "sqlite":
            out.append((row, (row[1], *SQLiteBackend.columns(analysed, meta))))
        else:
            out.append((*row, PostgresBackend.tsvector(analysed, meta)))
    return out


COLUMNS = "doc_id, sort_key, agency_id, jurisdiction_path, category, published_on, penalty_kinds, title, text, tokenizer"


def load(first_id: int, count: int) -> float:
    """Add documents first_id..first_id+count-1 to the index; returns seconds (build included)."""
    import multiprocessing

    from django.db import connection, transaction

    vendor = connection.vendor
    jobs = [(s, min(CHUNK, first_id + count - s), vendor) for s in range(first_id, first_id + count, CHUNK)]
    started = time.perf_counter()
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        if vendor == "sqlite":
            for rows in pool.imap(_rows, jobs):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO portal_search_document ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [r[0] for r in rows],
                    )
                    cursor.executemany(
                        "INSERT INTO portal_search_fts (rowid, body, meta, ends) VALUES (%s, %s, %s, %s)",
                        [r[1] for r in rows],
                    )
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS portal_search_document_tsv")
            raw = connection.connection
            for rows in pool.imap(_rows, jobs):
                with transaction.atomic(), raw.cursor() as cursor:
                    with cursor.copy(f"COPY portal_search_document ({COLUMNS}, tsv) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                cursor.execute(
                    "CREATE INDEX portal_search_document_tsv ON portal_search_document USING gin (tsv)"
                )
                cursor.execute("VACUUM ANALYZE portal_search_document")
    finally:
        pool.close()
        pool.join()
    return time.perf_counter() - started


def _size_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        else:
            cursor.execute("SELECT pg_total_relation_size('portal_search_document')")
        return cursor.fetchone()[0] / 1e6


# ---------------------------------------------------------------------------------------------------- queries

QUERIES: list[tuple[str, str, dict]] = [
    ("2字 食品", "食品", {}),
    ("2字 罚款", "罚款", {}),
    ("2字 昌吉", "昌吉", {}),
    ("2字 子酱 (鲟鱼子酱, rare)", "子酱", {}),
    ("1字 罚", "罚", {}),
    ("3字 玛纳斯", "玛纳斯", {}),
    ("7字 市场监督管理局", "市场监督管理局", {}),
    ("2 terms 食品 罚款", "食品 罚款", {}),
    ("Latin GB2760", "GB2760", {}),
    ("食品 + agency", "食品", {"agency_id": 1043}),
    ("子酱 + agency", "子酱", {"agency_id": 1000}),
    ("罚款 + 2024", "罚款", {"date_from": dt.date(2024, 1, 1), "date_to": dt.date(2024, 12, 31)}),
    ("昌吉 + subtree/category/kind", "昌吉",
     {"jurisdiction_path": "/65/6523/652301/", "category": "penalty", "penalty_kind": "revoke_licence"}),
    ("filters only: agency", "", {"agency_id": 1021}),
    ("食品 page 20", "食品", {"page": 20}),
]  # fmt: skip


def _percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def _measure(q: str, kwargs: dict, reps: int) -> dict:
    from django.db import connection

    from zhifa.portal.search.services import search

    statements: list[tuple[str, list]] = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    search(q, **kwargs)  # warm
    with connection.execute_wrapper(capture):
        result = search(q, **kwargs)
    ours = []
    for _ in range(reps):
        started = time.perf_counter()
        search(q, **kwargs)
        ours.append(time.perf_counter() - started)
    raw = connection.connection
    sqlite = connection.vendor == "sqlite"
    bare = []
    for _ in range(reps):
        started = time.perf_counter()
        with contextlib.nullcontext() if sqlite else raw.transaction():  # as search's own transaction
            cursor = raw.cursor()
            for sql, params in statements:
                cursor.execute(sql.replace("%s", "?") if sqlite else sql, params)
                if cursor.description:
                    cursor.fetchall()
            cursor.close()
        bare.append(time.perf_counter() - started)
    return {
        "ours": ours,
        "bare": bare,
        "total": f"{result.total}{'+' if result.total_capped else ''}",
        "statements": len(statements),
    }


def _results(size: int, build_note: str, reps: int) -> list[Result]:
    import sys

    out = []
    for i, (label, q, kwargs) in enumerate(QUERIES):
        m = _measure(q, kwargs, reps)
        med, p95 = statistics.median(m["ours"]), _percentile(m["ours"], 0.95)
        bmed, bp95 = statistics.median(m["bare"]), _percentile(m["bare"], 0.95)
        note = (
            f"median {med * 1000:.1f} ms p95 {p95 * 1000:.1f} ms; bare {bmed * 1000:.1f}/{bp95 * 1000:.1f} ms; "
            f"{m['statements']} stmt; {m['total']} hits"
        )
        if i == 0:
            note += f"; {build_note}"
        print(f"    {size:>9,} {label:32s} {note}", file=sys.stderr, flush=True)
        out.append(
            Result(
                name=f"search {size // 1000}k: {label}",
                unit="q/s",
                value=1 / med,
                baseline_name="bare SQL",
                baseline=1 / bmed,
                min_value=5.0,  # a median under 200 ms ("well under a second")
                note=note,
            )
        )
    return out


@bench("search")
def search_latency(ctx: Context) -> list[Result]:
    import sys

    sizes = [20_000] if ctx.quick else [100_000]
    if not ctx.quick and os.environ.get("ZHIFA_BENCH_SEARCH_FULL") == "1":
        sizes.append(1_000_000)
    reps = 7 if ctx.quick else 15
    results, loaded = [], 0
    for size in sizes:
        seconds = load(loaded + 1, size - loaded)
        build = f"built {loaded:,}→{size:,} docs in {seconds:.0f} s, table+index {_size_mb():,.0f} MB"
        loaded = size
        print(f"  [{ctx.vendor}] search index {build}", file=sys.stderr, flush=True)
        results += _results(size, build, reps)
    return results
