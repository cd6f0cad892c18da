"""An in-memory stand-in for the Solr core CKAN 2.12 indexes datasets in (Solr, a Java server, cannot run here).

CKAN cannot write a dataset without its search index: ``package_create`` and ``resource_create`` fail and roll
back when Solr does not answer. This answers what CKAN and pysolr send, on loopback only, with the standard
library (adapted from the approach of /work/shared/tools/ckan/fake_solr.py):

* ``GET /solr/<core>/schema`` → a schema named ``ckan-2.12`` (CKAN's start-up version check);
* ``GET /solr/<core>/admin/ping``;
* ``POST /solr/<core>/update``: a JSON list of documents to add, or XML ``<add>``, ``<delete>`` (by id or query),
  ``<commit/>``;
* ``GET|POST /solr/<core>/select``: ``q``, ``fq``, ``fl``, ``rows``, ``start``, ``sort``, ``facet.field``,
  ``facet.limit``, ``facet.mincount``.

Queries are a Lucene subset: ``field:value``, ``field:"phrase"``, ``field:(a OR b)``, ``field:*``,
``field:[a TO b]``, ``*:*``, ``+``/``-``/``NOT``, ``AND``/``OR``, parentheses and bare words (matched against the
catch-all text). Text fields match lower-cased word tokens; there is no relevance scoring (``score`` sorts keep
insertion order), so tests assert filters and counts, never ranking.

Usage: ``python tools/ckan/fake_solr.py --port 58983`` (binds 127.0.0.1).
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import re
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SCHEMA_XML = '<?xml version="1.0" encoding="UTF-8"?>\n<schema name="ckan-2.12" version="1.6"></schema>\n'
UNIQUE_KEY = "index_id"
#: Fields CKAN's schema declares as tokenised text (the others match exactly, as Solr's string fields do).
TEXT_FIELDS = frozenset({"text", "title", "notes", "res_name", "res_description", "author", "maintainer", "urls",
                         "ckan_url", "download_url", "title_ngram", "res_url"})
#: What feeds the catch-all ``text`` field (the copyField rules of CKAN's schema.xml).
TEXT_SOURCES = ("name", "title", "notes", "tags", "groups", "organization", "res_name", "res_description",
                "res_format", "author", "maintainer", "license", "url", "version", "urls", "text")
EXTRAS = ("extras_", "res_extras_")
DEFAULT_QF = "name^4 title^4 tags^2 groups^2 text"
Params = dict[str, list[str]]
Node = tuple  # ("bool", [(occur, node), ...]) | ("term", field, kind, value)

_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r"""\s*(?:(?P<lpar>\()|(?P<rpar>\))|(?P<range>[\[{][^\]}]*[\]}])|
                        (?P<phrase>"(?:[^"\\]|\\.)*")|(?P<word>(?:\\.|[^\s()"\[\]{}])+))""", re.X)
_FIELD = re.compile(r"^((?:\\.|[^:\\])+):(.*)$")


# ---------------------------------------------------------------- values and tokens

def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w.lower()) for w in _WORD.findall(text)]


def _raw(doc: dict, name: str) -> list:
    value = doc.get(name)
    if value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, list) else [value]


def _values(doc: dict, name: str) -> list:
    if name != "text":
        return _raw(doc, name)
    found = [v for source in TEXT_SOURCES for v in _raw(doc, source)]
    return found + [v for key in doc if key.startswith(EXTRAS) for v in _raw(doc, key)]


def _is_text(name: str) -> bool:
    return name in TEXT_FIELDS or name.startswith(EXTRAS)


def _str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# ---------------------------------------------------------------- query parsing

def _lex(query: str) -> list[tuple[str, str]]:
    out, pos, query = [], 0, query.strip()
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match or match.end() == pos:
            if query[pos:].strip():
                raise ValueError(f"cannot parse query near {query[pos:pos + 30]!r}")
            break
        pos = match.end()
        kind = str(match.lastgroup)
        out.append((kind, match.group(kind)))
    return out


@dataclass
class _Parser:
    """Recursive descent over the tokens: boolean clauses of terms, each with an occurrence (must/should/not)."""

    tokens: list[tuple[str, str]]
    default_op: str
    i: int = 0

    def peek(self) -> tuple[str | None, str | None]:
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self) -> tuple[str | None, str | None]:
        token = self.peek()
        self.i += 1
        return token

    def parse(self, name: str | None = None, in_group: bool = False) -> Node:
        clauses: list[list] = []  # [occur, node, explicit]
        conjunction = None
        while True:
            kind, value = self.peek()
            if kind is None or (kind == "rpar" and in_group):
                break
            if kind == "rpar":
                self.take()
                continue
            if kind == "word" and value in ("AND", "&&", "OR", "||"):
                self.take()
                conjunction = "OR" if value in ("OR", "||") else "AND"
                continue
            occur = self._prefix()
            clauses.append(self._clause(clauses, occur, self.clause(name), conjunction))
            conjunction = None
        return ("bool", [(c[0], c[1]) for c in clauses])

    def _prefix(self) -> str | None:
        kind, value = self.peek()
        occur = None
        if kind == "word" and value in ("NOT", "!"):
            self.take()
            occur = "not"
            kind, value = self.peek()
        if kind == "word" and value and value[0] in "+-" and len(value) > 1:
            self.tokens[self.i] = ("word", value[1:])
            return "must" if value[0] == "+" else "not"
        if kind == "word" and value in ("+", "-"):
            self.take()
            return "must" if value == "+" else "not"
        return occur

    def _clause(self, clauses: list[list], occur: str | None, node: Node, conjunction: str | None) -> list:
        explicit = occur is not None
        occur = occur or ("should" if self.default_op == "OR" else "must")
        if conjunction:
            joined = "should" if conjunction == "OR" else "must"
            if clauses and not clauses[-1][2]:
                clauses[-1][0] = joined
            if not explicit:
                occur = joined
        return [occur, node, explicit]

    def group(self, name: str | None) -> Node:
        node = self.parse(name, in_group=True)
        if self.peek()[0] == "rpar":
            self.take()
        return node

    def clause(self, name: str | None) -> Node:
        kind, value = self.take()
        value = value or ""
        if kind == "lpar":
            return self.group(name)
        if kind == "phrase":
            return ("term", name, "phrase", _unescape(value[1:-1]))
        if kind == "range":
            return ("term", name, "range", value)
        if kind != "word":
            raise ValueError(f"unexpected token {value!r}")
        match = _FIELD.match(value)
        if not match or name is not None:
            return ("term", name, "word", value if value == "*" else _unescape(value))
        name, rest = _unescape(match.group(1)), match.group(2)
        if rest:
            return ("term", name, "word", rest if rest == "*" else _unescape(rest))
        return self._field_value(name)

    def _field_value(self, name: str) -> Node:
        kind, value = self.peek()
        if kind == "lpar":
            self.take()
            return self.group(name)
        if kind in ("phrase", "range"):
            self.take()
            text = value or ""
            return ("term", name, kind, _unescape(text[1:-1]) if kind == "phrase" else text)
        return ("term", name, "word", "")


@dataclass(frozen=True)
class _Query:
    node: Node
    default_field: str | None
    fields: tuple[str, ...]  # for bare words without a default field (dismax)


def _compile(query: str, params: Params, is_filter: bool) -> _Query | None:
    query = (query or "").strip()
    if not query or query in ("*:*", "*"):
        return None
    if query.startswith("{!"):
        raise ValueError("local params ({!...}) are not supported by the Solr stand-in")
    qf = tuple(f.split("^")[0] for f in (params.get("qf") or [DEFAULT_QF])[0].split() if f)
    dismax = (params.get("defType") or ["lucene"])[0] in ("dismax", "edismax")
    default_field = None if dismax and not is_filter else (params.get("df") or ["text"])[0]
    node = _Parser(_lex(query), (params.get("q.op") or ["AND"])[0].upper()).parse()
    return _Query(node, default_field, qf)


# ---------------------------------------------------------------- matching

def _in_range(values: list, bounds: str) -> bool:
    match = re.match(r"^\s*(\S+)\s+TO\s+(\S+)\s*$", bounds[1:-1])
    if not match:
        return False
    low, high = match.group(1), match.group(2)

    def inside(value: object) -> bool:
        for bound, is_low, inclusive in ((low, True, bounds[0] == "["), (high, False, bounds[-1] == "]")):
            bound = _unescape(bound).strip('"')
            if bound == "*" or bound.upper().startswith("NOW"):
                continue
            a: Any
            b: Any
            try:
                a, b = float(_str(value)), float(bound)
            except ValueError:
                a, b = _str(value), bound
            if (is_low and (a < b or (a == b and not inclusive))) or (
                    not is_low and (a > b or (a == b and not inclusive))):
                return False
        return True

    return any(inside(v) for v in values)


def _matches_text(values: list, kind: str, value: str) -> bool:
    wanted = _tokens(value)
    if not wanted:
        return False
    for v in values:
        have = _tokens(_str(v))
        if kind == "phrase":
            if any(have[i:i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1)):
                return True
        elif all(w in have for w in wanted):
            return True
    return False


def _matches_exact(values: list, value: str) -> bool:
    for v in values:
        if _str(v) == value or (isinstance(v, bool) and _str(v) == value.lower()):
            return True
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            with contextlib.suppress(ValueError):
                if float(value) == float(v):
                    return True
    return False


def _matches(doc: dict, name: str | None, kind: str, value: str, query: _Query) -> bool:
    if name is None:
        names = [query.default_field] if query.default_field else list(query.fields)
        return any(_matches(doc, n, kind, value, query) for n in names)
    if name == "*" and value == "*":
        return True
    values = _values(doc, name)
    text = _is_text(name) or name == "text"
    if kind == "range":
        return _in_range(values, value)
    if value == "*":
        return any(_str(v) != "" for v in values)
    if kind == "word" and ("*" in value or "?" in value):
        pattern = value.lower() if text else value
        candidates = ([c for v in values for c in [*_WORD.findall(_str(v).lower()), _str(v).lower()]] if text
                      else [_str(v) for v in values])
        return any(fnmatch.fnmatchcase(c, pattern) for c in candidates)
    return _matches_text(values, kind, value) if text else _matches_exact(values, value)


def _evaluate(node: Node, doc: dict, query: _Query) -> bool:
    if node[0] == "term":
        return _matches(doc, node[1], node[2], node[3], query)
    clauses = node[1]
    musts = [n for occur, n in clauses if occur == "must"]
    shoulds = [n for occur, n in clauses if occur == "should"]
    if any(not _evaluate(n, doc, query) for n in musts):
        return False
    if any(_evaluate(n, doc, query) for occur, n in clauses if occur == "not"):
        return False
    if shoulds and not musts:
        return any(_evaluate(n, doc, query) for n in shoulds)
    return True


# ---------------------------------------------------------------- the core

@dataclass
class Core:
    """The documents, in insertion order, keyed by CKAN's ``index_id``."""

    docs: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, doc: dict) -> None:
        clean = {k: v for k, v in doc.items() if v is not None and v != []}
        key = clean.get(UNIQUE_KEY, clean.get("id"))
        if key is None:
            raise ValueError(f"document without {UNIQUE_KEY} or id")
        with self.lock:
            self.docs[str(key)] = clean

    def delete_ids(self, ids: list[str]) -> None:
        with self.lock:
            for key in [k for k, d in self.docs.items() if k in ids or str(d.get("id")) in ids]:
                del self.docs[key]

    def delete_query(self, query: str) -> None:
        compiled = _compile(query, {"q.op": ["AND"]}, True)
        with self.lock:
            for key in [k for k, d in self.docs.items() if compiled is None or _evaluate(compiled.node, d, compiled)]:
                del self.docs[key]

    def search(self, params: Params) -> dict:
        with self.lock:
            docs = list(self.docs.values())
        queries = [q for q in [_compile((params.get("q") or ["*:*"])[0], params, False),
                               *(_compile(f, params, True) for f in params.get("fq", []))] if q]
        hits = _sorted([d for d in docs if all(_evaluate(q.node, d, q) for q in queries)],
                       (params.get("sort") or [""])[0])
        start = int((params.get("start") or ["0"])[0] or 0)
        rows = int((params.get("rows") or ["10"])[0] or 10)
        page = hits[start:start + rows] if rows >= 0 else hits[start:]
        response: dict = {
            "responseHeader": {"status": 0, "QTime": 0, "params": {k: v[-1] for k, v in params.items()}},
            "response": {"numFound": len(hits), "start": start, "numFoundExact": True,
                         "docs": [_project(d, params) for d in page]},
        }
        if (params.get("facet") or ["false"])[0] == "true":
            response["facet_counts"] = {"facet_queries": {}, "facet_fields": _facets(hits, params),
                                        "facet_ranges": {}, "facet_intervals": {}, "facet_heatmaps": {}}
        return response

    def update(self, body: bytes, content_type: str) -> None:
        text = body.decode("utf-8") if body else ""
        if not text.strip():
            return
        if "json" in content_type or text.lstrip()[:1] in "[{":
            self._update_json(json.loads(text))
        else:
            self._update_xml(ET.fromstring(text))

    def _update_json(self, data: object) -> None:
        if isinstance(data, list):
            for doc in data:
                self.add(doc)
            return
        for verb, items in (data if isinstance(data, dict) else {}).items():
            for item in items if isinstance(items, list) else [items]:
                if verb == "add":
                    self.add(item.get("doc", item))
                elif verb == "delete" and isinstance(item, dict) and "query" in item:
                    self.delete_query(item["query"])
                elif verb == "delete":
                    self.delete_ids([str(item["id"] if isinstance(item, dict) else item)])

    def _update_xml(self, root: ET.Element) -> None:
        for element in [root] if root.tag != "update" else list(root):
            if element.tag == "add":
                for doc in element.findall("doc"):
                    self.add(_xml_doc(doc))
            elif element.tag == "delete":
                self.delete_ids([e.text or "" for e in element.findall("id")])
                for query in element.findall("query"):
                    self.delete_query(query.text or "*:*")
            # <commit/>, <optimize/>, <rollback/>: every change is visible at once


def _xml_doc(element: ET.Element) -> dict:
    doc: dict = {}
    for f in element.findall("field"):
        name, value = f.get("name") or "", f.text or ""
        doc[name] = [*(doc[name] if isinstance(doc[name], list) else [doc[name]]), value] if name in doc else value
    return doc


def _sorted(hits: list[dict], sort: str) -> list[dict]:
    keys = [(bits[0], len(bits) > 1 and bits[1].lower() == "desc")
            for bits in (part.split() for part in sort.split(",") if part.strip()) if bits[0] != "score"]
    for name, descending in reversed(keys):
        present = [d for d in hits if _values(d, name)]
        missing = [d for d in hits if not _values(d, name)]

        def key(doc: dict, name: str = name) -> tuple:
            value = _values(doc, name)[0]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return (0, value, "")
            return (1, 0, _str(value).lower() if name.endswith("_string") else _str(value))

        hits = sorted(present, key=key, reverse=descending) + missing
    return hits


def _project(doc: dict, params: Params) -> dict:
    wanted = [f for f in re.split(r"[,\s]+", ",".join(params.get("fl", ["*"]))) if f]
    out = dict(doc) if "*" in wanted else {f: doc[f] for f in wanted if f in doc}
    if "score" in wanted:
        out["score"] = 1.0
    return out


def _facets(hits: list[dict], params: Params) -> dict[str, list]:
    limit = int((params.get("facet.limit") or ["100"])[0])
    mincount = int((params.get("facet.mincount") or ["0"])[0])
    out = {}
    for name in params.get("facet.field", []):
        field_limit = int((params.get(f"f.{name}.facet.limit") or [limit])[0])
        field_min = int((params.get(f"f.{name}.facet.mincount") or [mincount])[0])
        counts: dict[str, int] = {}
        for doc in hits:
            for value in {_str(v) for v in _values(doc, name)}:
                counts[value] = counts.get(value, 0) + 1
        items = [kv for kv in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if kv[1] >= field_min]
        out[name] = [x for kv in (items[:field_limit] if field_limit >= 0 else items) for x in kv]
    return out


# ---------------------------------------------------------------- HTTP

def _handler(core: Core, verbose: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "chiso-fake-solr/1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            if verbose:
                sys.stderr.write("fake_solr: " + format % args + "\n")

        def _send(self, status: int, payload: object, content_type: str = "application/json; charset=utf-8") -> None:
            body = payload if isinstance(payload, bytes) else (
                payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _route(self) -> None:
            parts = urlsplit(self.path)
            params = parse_qs(parts.query, keep_blank_values=True)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type", "")
            match = re.match(r"^/solr/[^/]+(/.*)?$", parts.path.rstrip("/"))
            handler = (match.group(1) or "") if match else None
            try:
                if handler == "/select":
                    if "x-www-form-urlencoded" in content_type:
                        for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
                            params.setdefault(k, []).extend(v)
                    return self._send(200, core.search(params))
                if handler == "/update":
                    core.update(body, content_type)
                    return self._send(200, {"responseHeader": {"status": 0, "QTime": 0}})
                if handler in ("/schema", "/admin/file"):
                    return self._send(200, SCHEMA_XML, "application/xml; charset=utf-8")
                if handler == "/admin/ping":
                    return self._send(200, {"responseHeader": {"status": 0}, "status": "OK"})
                return self._send(404, {"error": {"msg": f"no handler for {parts.path}", "code": 404}})
            except (ValueError, KeyError, ET.ParseError) as exc:
                return self._send(400, {"responseHeader": {"status": 400},
                                        "error": {"msg": f"fake_solr: {type(exc).__name__}: {exc}", "code": 400}})

        do_GET = do_POST = _route

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=58983)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(Core(), args.verbose))
    print(f"fake_solr listening on http://127.0.0.1:{args.port}/solr/<core>", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
