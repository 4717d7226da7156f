"""An import-linter contract of our own: a package may import only what it is allowed.

import-linter's own contracts forbid named modules; the domain layer needs the opposite,
an allow-list (its own modules, the standard library and the few libraries it is built
on), so that any new dependency of pure code is a decision, not an accident. Configured
in ``pyproject.toml`` (``[tool.importlinter]``) and run by ``lint-imports``.
"""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AllowedImportsContract(Contract):
    """``source_modules`` (packages) import only ``allowed_modules`` and the standard library.

    Every module inside a source package may import the others in it.
    """

    type_name = "allowed_imports"

    source_modules = fields.ListField(subfield=fields.StringField())
    allowed_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        allowed = [*self.source_modules, *self.allowed_modules]
        found: list[tuple[str, str, int]] = []
        for source in self.source_modules:
            for module in sorted({source, *graph.find_descendants(source)}):
                for imported in sorted(graph.find_modules_directly_imported_by(module)):
                    if _within(imported, allowed) or _standard_library(imported):
                        continue
                    details = graph.get_import_details(importer=module, imported=imported)
                    line = details[0]["line_number"] if details else 0
                    found.append((module, imported, line))
        return ContractCheck(kept=not found, metadata={"imports": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, imported, line in check.metadata["imports"]:
            output.print_error(f"{module} imports {imported} (line {line}), which is not allowed.")
        output.new_line()
        output.print(f"Allowed: {', '.join(self.allowed_modules)} and the standard library.")


def _within(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _standard_library(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names
