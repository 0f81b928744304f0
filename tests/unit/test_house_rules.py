"""The house rules a tool can check, read from the source files (no Django imported).

* only ``config/env.py`` reads the process environment;
* the adapters (``pacta/api``, ``pacta/web``, ``pacta/demo``) never write through the ORM: every
  write goes through an app's services;
* the import-linter contract "domain-is-pure" really breaks when the domain imports Django;
* money is never turned into a float.

Each checker is first shown to catch a breach in a small sample, so a checker that silently
finds nothing cannot pass for a clean code base.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _python_files(*folders: str) -> list[Path]:
    found = []
    for folder in folders:
        base = ROOT / folder
        assert base.is_dir(), f"{folder} is missing"
        found += [p for p in sorted(base.rglob("*.py")) if "migrations" not in p.parts]
    return found


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _dotted(node: ast.AST) -> str:
    """``self.writer.delete`` -> "self.writer.delete"; calls in the chain become "name()"."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    return "?"


# --- 1. only config/env.py reads the environment ------------------------------------------------
ENV_READER = "config/env.py"
#: Entry points may only choose the settings module, before Django starts.
SETTINGS_CHOOSERS = {"manage.py", "config/wsgi.py", "config/asgi.py"}
OS_ENV_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def _is_settings_choice(call: ast.Call, os_names: set[str]) -> bool:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", ...)``."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "setdefault"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "environ"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id in os_names
        and bool(call.args)
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == "DJANGO_SETTINGS_MODULE"
    )


def environment_reads(source: str, *, may_choose_settings: bool = False) -> list[str]:
    """Every place ``source`` reads the process environment (``line: what``)."""
    tree = ast.parse(source)
    os_names = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {a.asname or a.name for a in node.names if a.name == "os"}
    allowed: set[int] = set()
    if may_choose_settings:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_settings_choice(node, os_names):
                allowed.add(id(node.func.value))  # type: ignore[attr-defined]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import environ" for a in node.names if a.name == "environ"]
        elif isinstance(node, ast.ImportFrom):
            if node.module == "os":
                found += [
                    f"{node.lineno}: from os import {a.name}"
                    for a in node.names
                    if a.name in OS_ENV_NAMES
                ]
            elif node.module == "environ" or (node.module or "").startswith("environ."):
                found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Attribute) and id(node) not in allowed:
            if isinstance(node.value, ast.Name) and node.value.id in os_names:
                if node.attr in OS_ENV_NAMES:
                    found.append(f"{node.lineno}: {_dotted(node)}")
            elif _dotted(node) == "environ.Env":
                found.append(f"{node.lineno}: environ.Env")
    return found


def test_the_environment_checker_catches_each_way_to_read_it():
    samples = {
        "import os\nos.environ['X']": 1,
        "import os\nos.getenv('X')": 1,
        "import os as o\no.environ.get('X')": 1,
        "from os import environ\nenviron['X']": 1,
        "from os import getenv": 1,
        "import environ\nenv = environ.Env()": 2,
        "from environ import Env": 1,
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.dev')": 1,
        "import os\nos.path.join('a', 'b')": 0,
    }
    for source, count in samples.items():
        assert len(environment_reads(source)) == count, source
    chooser = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings.dev')"
    assert environment_reads(chooser, may_choose_settings=True) == []
    other = "import os\nos.environ.setdefault('DEBUG', '1')"
    assert environment_reads(other, may_choose_settings=True) == ["2: os.environ"]


def test_only_config_env_reads_the_environment():
    files = [*_python_files("pacta", "config"), ROOT / "manage.py"]
    assert ROOT / ENV_READER in files
    breaches = []
    for path in files:
        name = _relative(path)
        if name == ENV_READER:
            continue
        reads = environment_reads(
            path.read_text(encoding="utf-8"), may_choose_settings=name in SETTINGS_CHOOSERS
        )
        breaches += [f"{name}:{read}" for read in reads]
    assert breaches == []
    # The reader itself is where the environment is read (the checker sees it there).
    assert environment_reads((ROOT / ENV_READER).read_text(encoding="utf-8"))


# --- 2. adapters write through services only ----------------------------------------------------
ADAPTERS = ("pacta/api", "pacta/web", "pacta/demo")
#: Always a write, whatever the receiver.
WRITES = {"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "delete"}
#: A write when called on a manager or a queryset (``dict.update`` is not).
QUERYSET_WRITES = {"create", "update"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "none",
    "order_by",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "annotate",
    "distinct",
    "only",
    "defer",
    "using",
    "get_queryset",
}
#: Django's and DRF's own writers, which a subclass must not fall back on.
DEFAULT_WRITERS = {
    "save_model",
    "save_formset",
    "save_related",
    "delete_model",
    "delete_queryset",
    "perform_create",
    "perform_update",
    "perform_destroy",
}
#: pacta's own bases, whose save_model / perform_create ... write through the app's services:
#: a subclass may call them through super().
SERVICE_BASES = {"RecordAdmin", "RecordInline", "RecordViewSet"}
#: (file, call) pairs that look like writes but are not, each with its reason. Keep it tiny.
ALLOWED: dict[tuple[str, str], str] = {}


def _through_services(receiver: ast.AST) -> bool:
    """The receiver is an app's services module or a RecordWriter (``services.X``, ``writer``)."""
    parts = re.split(r"[.()]+", _dotted(receiver).lower())
    return any(p.endswith(("services", "writer")) for p in parts if p)


def _looks_like_queryset(receiver: ast.AST) -> bool:
    parts = [p for p in re.split(r"[.()]+", _dotted(receiver)) if p]
    last = parts[-1] if parts else ""
    return (
        bool(MANAGERS & set(parts))
        or last in QUERYSET_METHODS
        or last.endswith(("queryset", "_qs"))
        or last == "qs"
    )


def orm_writes(source: str) -> list[str]:
    """Calls in ``source`` that write through the ORM rather than through a service."""
    tree = ast.parse(source)
    bases_of: dict[int, set[str]] = {}  # call -> the bases of the class it is written in
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef):
            bases = {_dotted(b).rsplit(".", 1)[-1] for b in cls.bases}
            for inner in ast.walk(cls):
                bases_of[id(inner)] = bases  # nested classes come later and win
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        what = f"{node.lineno}: {_dotted(node.func)}("
        if _through_services(receiver):
            continue
        bases = bases_of.get(id(node), set())
        calls_super = isinstance(receiver, ast.Call) and _dotted(receiver.func) == "super"
        is_super = calls_super and not (bases and bases <= SERVICE_BASES)
        commit_false = any(
            k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
            for k in node.keywords
        )
        if (
            (method in WRITES and not (method == "save" and commit_false))
            or (method in QUERYSET_WRITES and _looks_like_queryset(receiver))
            or (is_super and method in DEFAULT_WRITERS)
        ):
            found.append(what)
    return found


def test_the_orm_write_checker_catches_each_way_to_write():
    breaches = {
        "customer.save()": 1,
        "form.save()": 1,
        "Customer.objects.create(name='x')": 1,
        "Customer._default_manager.create(name='x')": 1,
        "Customer.objects.filter(pk=1).update(name='x')": 1,
        "Customer.objects.filter(pk=1).delete()": 1,
        "self.get_queryset().update(is_active=False)": 1,
        "queryset.update(is_active=False)": 1,
        "obj.delete()": 1,
        "Token.objects.get_or_create(user=user)": 1,
        "Site.objects.bulk_create(rows)": 1,
        "Site.objects.bulk_update(rows, ['name'])": 1,
        "Site.objects.update_or_create(name='x')": 1,
        "super().save_model(request, obj, form, change)": 1,
        "super().perform_create(serializer)": 1,
        "class A(admin.ModelAdmin):\n def f(s, r, o):\n  super().save_model(r, o)": 1,
        "class A(ModelViewSet):\n def f(s, i):\n  super().perform_destroy(i)": 1,
        "class A(RecordAdmin, ModelAdmin):\n def f(s, r, o):\n  super().delete_model(r, o)": 1,
    }
    for source, count in breaches.items():
        assert len(orm_writes(source)) == count, source
    allowed = [
        "services.customer_create(actor=None, values={})",
        "self.writer.delete_record(obj, actor=user)",
        "writer.delete(actor=user, customer=obj)",
        "customer_services.CUSTOMER.update(actor=None)",
        "values.update({'a': 1})",
        "context.update(extra)",
        "form.save(commit=False)",
        "super().get_queryset(request)",
        "obj.refresh_from_db()",
        "class A(RecordAdmin):\n def f(s, r, o):\n  super().save_model(r, o)",
        "class A(RecordViewSet):\n def f(s, x):\n  super().perform_create(x)",
    ]
    for source in allowed:
        assert orm_writes(source) == [], source


def test_adapters_write_through_services_only():
    files = _python_files(*ADAPTERS)
    assert any(_relative(p) == "pacta/web/admin/records.py" for p in files)
    breaches = []
    for path in files:
        for write in orm_writes(path.read_text(encoding="utf-8")):
            call = write.split(": ", 1)[1]
            if (_relative(path), call) not in ALLOWED:
                breaches.append(f"{_relative(path)}:{write}")
    assert breaches == []


# --- 3. the domain-is-pure contract is not a no-op ----------------------------------------------
def _contract(contract_id: str) -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    matching = [c for c in contracts if c["id"] == contract_id]
    assert len(matching) == 1, f"no single contract {contract_id!r} in pyproject.toml"
    return matching[0]


def _renamed(value: object) -> object:
    """pacta -> fakepacta in lists of module names (external packages stay as they are)."""
    if isinstance(value, list):
        return ["fake" + v if v == "pacta" or v.startswith("pacta.") else v for v in value]
    return value


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def _lint_fake_package(tmp_path: Path, domain_source: str) -> subprocess.CompletedProcess[str]:
    contract = {key: _renamed(value) for key, value in _contract("domain-is-pure").items()}
    package = tmp_path / "fakepacta"
    modules: set[str] = {*contract["source_modules"], *contract["forbidden_modules"]}  # type: ignore[misc]
    for module in sorted(m for m in modules if m.startswith("fakepacta")):
        folder = tmp_path.joinpath(*module.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "domain" / "__init__.py").write_text(domain_source, encoding="utf-8")

    lines = [
        "[tool.importlinter]",
        'root_packages = ["fakepacta"]',
        "include_external_packages = true",
        "",
        "[[tool.importlinter.contracts]]",
        *(f"{key} = {_toml(value)}" for key, value in contract.items()),
    ]
    config = tmp_path / "importlinter.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), f"{lint_imports} is missing"
    return subprocess.run(
        [str(lint_imports), "--config", str(config), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_domain_contract_is_read_from_pyproject():
    contract = _contract("domain-is-pure")
    assert contract["type"] == "forbidden"
    assert contract["source_modules"] == ["pacta.domain"]
    assert {"django", "rest_framework", "pacta.accounts", "pacta.api"} <= set(
        contract["forbidden_modules"]  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("source", ["import django\n", "from fakepacta.accounts import models\n"])
def test_the_domain_contract_breaks_when_the_domain_imports_django_or_an_app(tmp_path, source):
    result = _lint_fake_package(tmp_path, source)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "BROKEN" in output, output
    assert "fakepacta.domain" in output


@pytest.mark.parametrize("source", ['"""Pure."""\n', "import decimal\n"])
def test_the_domain_contract_is_kept_when_the_domain_imports_nothing_of_ours(tmp_path, source):
    result = _lint_fake_package(tmp_path, source)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "KEPT" in output
    assert "BROKEN" not in output


# --- 4. money is never a float ------------------------------------------------------------------
MONEY_WORDS = {"price", "amount", "fee", "total", "rate", "cost"}


def _money_names(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        name = (
            inner.id
            if isinstance(inner, ast.Name)
            else inner.attr
            if isinstance(inner, ast.Attribute)
            else inner.value
            if isinstance(inner, ast.Constant) and isinstance(inner.value, str)
            else None
        )
        if name is None:
            continue
        words = {w.rstrip("s") for w in re.split(r"[_\W]+", name.lower()) if w}
        if words & MONEY_WORDS:
            yield name


def floats_of_money(source: str) -> list[str]:
    """``float(...)`` calls whose argument mentions a money name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "float"
        ):
            for argument in [*node.args, *(k.value for k in node.keywords)]:
                found += [f"{node.lineno}: float({name})" for name in _money_names(argument)]
    return found


def test_the_float_checker_catches_money_turned_into_floats():
    breaches = [
        "float(price)",
        "float(line.unit_price * quantity)",
        "float(invoice.total)",
        "float(amounts[0])",
        "float(self.fee)",
        "float(tax_rate.percent)",
        "float(cost_of(x))",
        "float(row['amount'])",
    ]
    for source in breaches:
        assert floats_of_money(source), source
    for source in ("float(latitude)", "float(minutes) / 60", "float(separate)"):
        assert floats_of_money(source) == [], source


def test_money_is_never_a_float():
    breaches = []
    for path in _python_files("pacta"):
        breaches += [
            f"{_relative(path)}:{hit}" for hit in floats_of_money(path.read_text(encoding="utf-8"))
        ]
    assert breaches == []
