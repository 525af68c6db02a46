#!/usr/bin/env python3
"""案卷核验程序 (zhifa archive verifier): checks an exported 案卷 package with the Python standard library alone.

    python3 verify.py                  verify the package this file sits in
    python3 verify.py DIR_OR_ZIP       verify an extracted package directory or the .zip itself
    python3 verify.py --expect-key ID  also require the platform key id published by the platform
    python3 verify.py --no-native-sm3  behave as if OpenSSL had no SM3 (what a machine without SM3 sees)

Needs Python 3.8 or later and nothing else (no zhifa, no Django, no third-party package). Checks, in order:

1. bagit.txt declares BagIt 1.0 in UTF-8;
2. tagmanifest-sha256.txt: every tag file (bagit.txt, bag-info.txt, the manifests, verify.py) is listed and matches;
3. manifest-sha256.txt and manifest-sm3.txt: every file under data/ is listed, exists and matches (SM3 through
   OpenSSL when hashlib has it; otherwise "SM3 not available, checked SHA-256"); bag-info.txt's Payload-Oxum;
4. the checkpoint (data/ledger/checkpoint.json): its Ed25519 signature (RFC 8032, verified here in pure Python)
   with the included public key, whose key id and SHA-256 fingerprint are printed: compare them with the ones the
   platform publishes;
5. every ledger event (data/ledger/events.jsonl): the leaf hash recomputed from its exact entry bytes
   (RFC 9162: leaf = H(0x00 || entry); SM3 in pure Python when OpenSSL lacks it), its inclusion proof against the
   checkpoint's root (RFC 9162 §2.1.3.2), that it belongs to this case, and that its readable fields are the entry's;
6. data/index.json: every document and evidence file of the 卷内目录 has the digest its ledger event recorded.

Exit status 0 and "核验通过" when everything holds; 1 and the first problem (file and line) otherwise.
"""

import base64
import hashlib
import json
import os
import struct
import sys
import zipfile

FORMAT = "zhifa-archive/1"
CHECKPOINT_KIND = "zhifa-ledger-checkpoint/v1"
BAGIT_LINES = ["BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8"]
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sm3.txt", "verify.py")
EVENTS = "data/ledger/events.jsonl"
CHECKPOINT = "data/ledger/checkpoint.json"
PUBLIC_KEY = "data/ledger/public-key.pem"
INDEX = "data/index.json"
# data/ files that are not items of the 卷内目录 (everything else must be one)
METADATA_FILES = (EVENTS, CHECKPOINT, PUBLIC_KEY, INDEX, "data/卷内目录.txt", "data/案件信息.json")
CHUNK = 1 << 20


class Problem(Exception):
    def __init__(self, where, message, line=None):
        super().__init__(message)
        self.where, self.message, self.line = where, message, line

    def __str__(self):
        place = self.where + (f" 第{self.line}行" if self.line else "")
        return f"{place}：{self.message}"


# --- SM3 (GB/T 32905-2016) in pure Python: slow, used for the ledger's small entries when OpenSSL lacks SM3 -----

_M = 0xFFFFFFFF
_SM3_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)


def _rotl(x, n):
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M


def sm3_pure(data):
    data = bytes(data)
    bits = len(data) * 8
    data += b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack(">Q", bits)
    v = list(_SM3_IV)
    for off in range(0, len(data), 64):
        w = list(struct.unpack(">16I", data[off : off + 64]))
        for j in range(16, 68):
            x = w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)
            w.append(x ^ _rotl(x, 15) ^ _rotl(x, 23) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
        a, b, c, d, e, f, g, h = v
        for j in range(64):
            t = 0x79CC4519 if j < 16 else 0x7A879D8A
            a12 = _rotl(a, 12)
            ss1 = _rotl((a12 + e + _rotl(t, j)) & _M, 7)
            ss2 = ss1 ^ a12
            if j < 16:
                ff, gg = a ^ b ^ c, e ^ f ^ g
            else:
                ff, gg = (a & b) | (a & c) | (b & c), (e & f) | (~e & g)
            tt1 = (ff + d + ss2 + (w[j] ^ w[j + 4])) & _M
            tt2 = (gg + h + ss1 + w[j]) & _M
            a, b, c, d = tt1, a, _rotl(b, 9), c
            e, f, g, h = tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17), e, _rotl(f, 19), g
        v = [x ^ y for x, y in zip((a, b, c, d, e, f, g, h), v)]  # noqa: B905 (runs on Python 3.8+)
    return b"".join(struct.pack(">I", x) for x in v)


def native_sm3_available():
    try:
        return hashlib.new("sm3", b"abc").hexdigest() == (
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        )
    except ValueError:
        return False


NATIVE_SM3 = native_sm3_available()


def digest(alg, data):
    """One-shot digest for the ledger's tree hashing ("sm3" falls back to pure Python)."""
    if alg == "sha256":
        return hashlib.sha256(data).digest()
    if alg == "sm3":
        return hashlib.new("sm3", data).digest() if NATIVE_SM3 else sm3_pure(data)
    raise ValueError(f"不支持的摘要算法 {alg!r}")


# --- Ed25519 verification (RFC 8032 §5.1.7, after the reference code of §6) -------------------------------------

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(p1, p2):
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % _P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % _P
    c = 2 * p1[3] * p2[3] * _D % _P
    d = 2 * p1[2] * p2[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(p1, p2):
    return (p1[0] * p2[2] - p2[0] * p1[2]) % _P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public, message, signature):
    """True when `signature` (64 bytes) is a valid Ed25519 signature of `message` under `public` (32 bytes)."""
    public, signature = bytes(public), bytes(signature)
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + bytes(message)).digest(), "little") % _Q
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def public_key_from_pem(text):
    """The raw 32-byte key of an Ed25519 SubjectPublicKeyInfo PEM."""
    lines = [ln.strip() for ln in text.strip().splitlines()]
    if not lines or lines[0] != "-----BEGIN PUBLIC KEY-----" or lines[-1] != "-----END PUBLIC KEY-----":
        raise ValueError("不是PEM格式的公钥")
    der = base64.b64decode("".join(lines[1:-1]), validate=True)
    if len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
        raise ValueError("不是Ed25519公钥")
    return der[len(ED25519_SPKI_PREFIX) :]


# --- RFC 9162 Merkle tree ------------------------------------------------------------------------------------


def leaf_hash(alg, entry):
    return digest(alg, b"\x00" + entry)


def root_from_inclusion(alg, index, size, leaf, proof):
    """RFC 9162 §2.1.3.2: the root the inclusion proof leads to, or None when it cannot be valid."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = digest(alg, b"\x01" + p + r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = digest(alg, b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def canonical_json(value):
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


# --- reading the package -------------------------------------------------------------------------------------


class Bag:
    """The package's files by their path relative to the bag root (a directory or a .zip with one top folder)."""

    def __init__(self, location):
        self.location = location
        self.zip = None
        if os.path.isfile(location):
            try:
                self.zip = zipfile.ZipFile(location)
            except zipfile.BadZipFile:
                raise Problem(os.path.basename(location), "不是有效的zip文件") from None
            names = [n for n in self.zip.namelist() if not n.endswith("/")]
            tops = {n.split("/", 1)[0] for n in names}
            if len(tops) != 1 or any("/" not in n for n in names):
                raise Problem(os.path.basename(location), "zip中应只有一个案卷目录")
            self.prefix = tops.pop() + "/"
            self.members = {n[len(self.prefix) :]: n for n in names}
        elif os.path.isdir(location):
            root = location
            if not os.path.exists(os.path.join(root, "bagit.txt")):
                subdirs = [d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))]
                if len(subdirs) == 1 and os.path.exists(os.path.join(root, subdirs[0], "bagit.txt")):
                    root = os.path.join(root, subdirs[0])
            self.root = root
            self.members = {}
            for folder, _dirs, files in os.walk(root):
                for name in files:
                    full = os.path.join(folder, name)
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    self.members[rel] = full
        else:
            raise Problem(location, "找不到案卷（目录或zip文件）")

    def exists(self, path):
        return path in self.members

    def open(self, path):
        if path not in self.members:
            raise Problem(path, "文件缺失")
        return self.zip.open(self.members[path]) if self.zip else open(self.members[path], "rb")

    def read(self, path):
        with self.open(path) as fh:
            return fh.read()

    def text(self, path):
        try:
            return self.read(path).decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(path, "不是UTF-8文本") from None

    def digests(self, path, algs):
        hashers = {alg: hashlib.new(alg) for alg in algs}
        size = 0
        try:
            with self.open(path) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
        except zipfile.BadZipFile as exc:  # a damaged zip member (CRC mismatch)
            raise Problem(path, f"zip中的文件已损坏（{exc}）") from None
        return {alg: hasher.hexdigest() for alg, hasher in hashers.items()}, size


# --- the checks ----------------------------------------------------------------------------------------------


def parse_manifest(bag, name):
    """[(line number, digest, path)] of a BagIt manifest."""
    entries, seen = [], set()
    for number, line in enumerate(bag.text(name).split("\n"), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if (
            len(parts) != 2
            or not all(c in "0123456789abcdef" for c in parts[0].lower())
            or len(parts[0]) != 64
        ):
            raise Problem(name, "格式错误（应为“摘要 空格 文件路径”）", number)
        path = parts[1].strip()
        if path in seen:
            raise Problem(name, f"重复列出 {path}", number)
        seen.add(path)
        entries.append((number, parts[0].lower(), path))
    return entries


def check_bagit(bag):
    lines = bag.text("bagit.txt").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, expected in enumerate(BAGIT_LINES, start=1):
        if number > len(lines) or lines[number - 1] != expected:
            raise Problem("bagit.txt", f"应为“{expected}”", number)
    if len(lines) != len(BAGIT_LINES):
        raise Problem("bagit.txt", "多余的内容", len(BAGIT_LINES) + 1)


def check_tag_manifest(bag):
    name = "tagmanifest-sha256.txt"
    entries = parse_manifest(bag, name)
    listed = {path for _n, _d, path in entries}
    for required in TAG_FILES:
        if required not in listed:
            raise Problem(name, f"未列出标签文件 {required}")
    for number, expected, path in entries:
        if "/" in path or path.startswith("tagmanifest-"):
            raise Problem(name, f"不应列出 {path}", number)
        if not bag.exists(path):
            raise Problem(path, f"文件缺失（{name} 第{number}行列出）")
        actual, _size = bag.digests(path, ["sha256"])
        if actual["sha256"] != expected:
            raise Problem(path, f"SHA-256 摘要不符（{name} 第{number}行）：文件已被改动")
    for path in bag.members:
        if "/" not in path and path not in listed and not path.startswith("tagmanifest-"):
            raise Problem(path, f"多余的文件（{name} 未列出）")


def check_payload(bag, report):
    """Both payload manifests against every file under data/, each file read once."""
    sha = {path: (number, d) for number, d, path in parse_manifest(bag, "manifest-sha256.txt")}
    sm3 = {path: (number, d) for number, d, path in parse_manifest(bag, "manifest-sm3.txt")}
    payload = sorted(p for p in bag.members if p.startswith("data/"))
    for manifest, entries in (("manifest-sha256.txt", sha), ("manifest-sm3.txt", sm3)):
        for path, (number, _d) in sorted(entries.items(), key=lambda kv: kv[1][0]):
            if not path.startswith("data/"):
                raise Problem(manifest, f"{path} 不在 data/ 目录下", number)
            if not bag.exists(path):
                raise Problem(path, f"文件缺失（{manifest} 第{number}行列出）")
        for path in payload:
            if path not in entries:
                raise Problem(path, f"多余的文件（{manifest} 未列出）")
    algs = ["sha256"] + (["sm3"] if NATIVE_SM3 else [])
    total = 0
    digests = {}
    for path in payload:
        actual, size = bag.digests(path, algs)
        total += size
        for alg, manifest, entries in (
            ("sha256", "manifest-sha256.txt", sha),
            ("sm3", "manifest-sm3.txt", sm3),
        ):
            if alg in actual and actual[alg] != entries[path][1]:
                label = "SHA-256" if alg == "sha256" else "SM3"
                raise Problem(path, f"{label} 摘要不符（{manifest} 第{entries[path][0]}行）：文件已被改动")
        digests[path] = actual["sha256"]
    if not NATIVE_SM3:
        report.append(
            "SM3 not available, checked SHA-256（本机OpenSSL不支持SM3，已按SHA-256清单核验全部文件）"
        )
    return digests, total, len(payload)


def parse_bag_info(bag):
    info = {}
    last = None
    for number, line in enumerate(bag.text("bag-info.txt").split("\n"), start=1):
        if not line:
            continue
        if line[0] in " \t":
            if last is None:
                raise Problem("bag-info.txt", "续行之前没有标签", number)
            info[last][-1] += " " + line.strip()
            continue
        if ":" not in line:
            raise Problem("bag-info.txt", "格式错误（应为“标签: 值”）", number)
        label, value = line.split(":", 1)
        last = label.strip()
        info.setdefault(last, []).append(value.strip())
    return info


def check_oxum(info, total, count):
    oxum = (info.get("Payload-Oxum") or [""])[0]
    if oxum != f"{total}.{count}":
        raise Problem("bag-info.txt", f"Payload-Oxum 为“{oxum}”，实际为 {total}.{count}")


def load_json(bag, path):
    try:
        return json.loads(bag.text(path))
    except ValueError as exc:
        raise Problem(path, f"JSON格式错误（{exc}）") from None


def check_checkpoint(bag, report, expect_key=None):
    try:
        public = public_key_from_pem(bag.text(PUBLIC_KEY))
    except ValueError as exc:
        raise Problem(PUBLIC_KEY, str(exc)) from None
    cp = load_json(bag, CHECKPOINT)
    fields = ("kind", "tree_size", "root_hash", "alg", "time", "key_id")
    missing = [f for f in (*fields, "signature") if f not in cp]
    if missing:
        raise Problem(CHECKPOINT, f"缺少字段 {'、'.join(missing)}")
    if cp["kind"] != CHECKPOINT_KIND:
        raise Problem(CHECKPOINT, f"不是平台签名检查点（kind={cp['kind']!r}）")
    key_id = hashlib.sha256(public).hexdigest()[:32]
    if expect_key and key_id != expect_key.strip().lower():
        raise Problem(PUBLIC_KEY, f"所附公钥的密钥标识为 {key_id}，不是平台公布的 {expect_key}")
    if cp["key_id"] != key_id:
        raise Problem(CHECKPOINT, f"密钥标识 {cp['key_id']} 与所附公钥（{key_id}）不符")
    statement = canonical_json({f: cp[f] for f in fields})
    if "statement" in cp and cp["statement"].encode() != statement:
        raise Problem(CHECKPOINT, "statement 与各字段不一致")
    try:
        signature = bytes.fromhex(cp["signature"])
        root = bytes.fromhex(cp["root_hash"])
    except (TypeError, ValueError):
        raise Problem(CHECKPOINT, "签名或根摘要不是十六进制") from None
    if cp["alg"] not in ("sm3", "sha256"):
        raise Problem(CHECKPOINT, f"不支持的摘要算法 {cp['alg']!r}")
    if not isinstance(cp["tree_size"], int) or cp["tree_size"] < 1:
        raise Problem(CHECKPOINT, "tree_size 无效")
    if not ed25519_verify(public, statement, signature):
        raise Problem(CHECKPOINT, "Ed25519 签名无效：检查点不是所附公钥签发的，或已被改动")
    fingerprint = hashlib.sha256(public).hexdigest()
    report.append(f"平台公钥 密钥标识（key id）：{key_id}")
    report.append("平台公钥 SHA-256 指纹：" + " ".join(fingerprint[i : i + 8] for i in range(0, 64, 8)))
    report.append("  请与平台公布的密钥标识/指纹比对：一致才说明检查点确由该平台签发。")
    report.append(
        f"检查点：记录数 {cp['tree_size']}，根摘要（{cp['alg']}）{cp['root_hash']}，签名时间 {cp['time']}（UTC）"
    )
    return cp, root


ENTRY_FIELDS = (
    "index", "event_id", "actor_id", "actor_agency_id", "case_id", "time", "actor_name", "actor_role",
    "event_type", "subject_type", "subject_id", "alg", "payload",
)  # fmt: skip


def check_events(bag, cp, root, case_id):
    events = {}
    last_index = -1
    text = bag.text(EVENTS)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise Problem(EVENTS, "没有全过程记录事件")
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
            entry_text = item["entry"]
            entry = json.loads(entry_text)
            proof = [bytes.fromhex(p) for p in item["proof"]]
            stated_leaf = bytes.fromhex(item["leaf_hash"])
            readable = item["event"]
        except (ValueError, KeyError, TypeError) as exc:
            raise Problem(EVENTS, f"格式错误（{exc}）", number) from None
        if not isinstance(entry, list) or len(entry) != len(ENTRY_FIELDS):
            raise Problem(EVENTS, "entry 不是13项的记录", number)
        fields = dict(zip(ENTRY_FIELDS, entry))  # noqa: B905 (length checked; Python 3.8+)
        index, alg = fields["index"], fields["alg"]
        if alg != cp["alg"] or item.get("alg") != alg:
            raise Problem(EVENTS, f"摘要算法 {alg!r} 与检查点（{cp['alg']}）不符", number)
        if not isinstance(index, int) or index <= last_index:
            raise Problem(EVENTS, "记录序号缺失或未按升序排列", number)
        last_index = index
        if item.get("index") != index:
            raise Problem(EVENTS, "index 与 entry 中的序号不符", number)
        leaf = leaf_hash(alg, entry_text.encode("utf-8"))
        if leaf != stated_leaf:
            raise Problem(EVENTS, "叶子摘要与记录内容不符：记录已被改动", number)
        if not index < cp["tree_size"]:
            raise Problem(EVENTS, f"记录序号 {index} 不在检查点（{cp['tree_size']}条）范围内", number)
        if root_from_inclusion(alg, index, cp["tree_size"], leaf, proof) != root:
            raise Problem(EVENTS, f"第{index}条记录的包含证明与检查点根摘要不符", number)
        payload = fields["payload"]
        belongs = fields["case_id"] == case_id or (
            fields["case_id"] is None
            and fields["subject_type"] == "cases.case"
            and fields["subject_id"] == str(case_id)
        )
        if not belongs:
            raise Problem(EVENTS, f"该记录不属于本案（案件ID {case_id}）", number)
        expected = {k: v for k, v in fields.items() if k not in ("index", "alg", "event_id")}
        expected["id"] = fields["event_id"]
        if readable != expected:
            raise Problem(EVENTS, "event 字段与 entry（签名覆盖的内容）不一致", number)
        events[fields["event_id"]] = (number, fields["event_type"], payload)
    return events


def check_index(bag, digests, events, case_id):
    index = load_json(bag, INDEX)
    if index.get("format") != FORMAT or index.get("case_id") != case_id:
        raise Problem(INDEX, "不是本案的卷内目录数据")
    items = index.get("items")
    if not isinstance(items, list):
        raise Problem(INDEX, "缺少 items")
    listed = set()
    for position, item in enumerate(items, start=1):
        path = item.get("path")
        where = f"{INDEX} items[{position}]"
        if item.get("seq") != position:
            raise Problem(INDEX, f"items[{position}] 的序号应为 {position}")
        event_id = item.get("event_id")
        if event_id not in events:
            raise Problem(
                INDEX, f"items[{position}]（{item.get('title')}）引用的记录 {event_id} 不在 {EVENTS} 中"
            )
        number, event_type, payload = events[event_id]
        if path is None:  # physical evidence without an electronic file: its registration must be on record
            if (
                item.get("type") != "evidence"
                or event_type != "case.evidence_added"
                or (payload.get("evidence") != item.get("evidence_id") or payload.get("sha256"))
            ):
                raise Problem(INDEX, f"items[{position}] 缺少文件路径")
            continue
        if path not in digests:
            raise Problem(INDEX, f"items[{position}] 列出的文件 {path} 不在案卷中")
        listed.add(path)
        if item.get("type") == "document":
            if event_type != "document.issued" or payload.get("sha256") != digests[path]:
                raise Problem(path, f"与签发记录（{EVENTS} 第{number}行）中的摘要不符：文书已被改动或替换")
        elif item.get("type") == "evidence":
            if (
                event_type != "case.evidence_added"
                or payload.get("evidence") != item.get("evidence_id")
                or payload.get("sha256") != digests[path]
            ):
                raise Problem(
                    path, f"与证据登记记录（{EVENTS} 第{number}行）中的摘要不符：证据已被改动或替换"
                )
        else:
            raise Problem(where, f"未知的类型 {item.get('type')!r}")
    for path in digests:
        if path not in listed and path not in METADATA_FILES:
            raise Problem(path, "卷内目录中没有这个文件")
    return items


def verify(location, expect_key=None):
    """Run every check; raises Problem at the first failure, returns the report lines otherwise."""
    bag = Bag(location)
    report = []
    check_bagit(bag)
    check_tag_manifest(bag)
    digests, total, count = check_payload(bag, report)
    info = parse_bag_info(bag)
    check_oxum(info, total, count)
    try:
        case_id = int((info.get("Case-Id") or [""])[0])
    except ValueError:
        raise Problem("bag-info.txt", "缺少 Case-Id") from None
    cp, root = check_checkpoint(bag, report, expect_key)
    events = check_events(bag, cp, root, case_id)
    items = check_index(bag, digests, events, case_id)
    number = (info.get("External-Identifier") or ["（无案号）"])[0]
    agency = (info.get("Source-Organization") or [""])[0]
    report.insert(0, f"案卷：{agency} {number}（案件ID {case_id}）")
    report.append(f"文件 {count} 个（{total} 字节）摘要相符；卷内文书/证据 {len(items)} 件与全过程记录一致；")
    report.append(f"全过程记录 {len(events)} 条，均含于签名检查点。")
    return report


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    global NATIVE_SM3
    if "--no-native-sm3" in args:
        args.remove("--no-native-sm3")
        NATIVE_SM3 = False
    expect_key = None
    if "--expect-key" in args:
        at = args.index("--expect-key")
        if at + 1 >= len(args):
            print("用法：verify.py [目录或zip] [--expect-key 平台公布的密钥标识] [--no-native-sm3]")
            return 2
        expect_key = args[at + 1]
        del args[at : at + 2]
    location = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    self_digest = hashlib.sha256(open(os.path.abspath(__file__), "rb").read()).hexdigest()
    print(f"核验程序 {os.path.basename(__file__)} SHA-256：{self_digest}")
    try:
        report = verify(location, expect_key)
    except Problem as problem:
        print(f"核验失败：{problem}")
        return 1
    for line in report:
        print(line)
    print("核验通过")
    return 0


if __name__ == "__main__":
    sys.exit(main())
