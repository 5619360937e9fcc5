"""The type stubs (viewlib.pyi) and docstrings describe the module as it is: the same names,
the same parameters and defaults, installed with the package."""

import ast
import inspect
from pathlib import Path

import pytest

import viewlib

STUB = ast.parse((Path(__file__).parents[1] / "viewlib.pyi").read_text())


def public(names):
    return {n for n in names if not n.startswith("_")}


def stub_functions(body):
    return {node.name: node for node in body if isinstance(node, ast.FunctionDef)}


def stub_classes():
    return {node.name: node for node in STUB.body if isinstance(node, ast.ClassDef)}


def test_stub_names_are_the_module_names():
    # Private stub names (`_ProcessReport`, a TypedDict) exist for type checkers only.
    stubbed = public(set(stub_functions(STUB.body)) | set(stub_classes()))
    modules = {n for n in dir(viewlib) if inspect.ismodule(getattr(viewlib, n))}
    assert stubbed == public(dir(viewlib)) - modules
    for name, node in stub_classes().items():
        if not name.startswith("_"):
            assert public(stub_functions(node.body)) == public(dir(getattr(viewlib, name))), name


def parameters(node):
    """(name, default) of a stub function's parameters, keyword-only ones last, `self` left
    out."""
    args = node.args.args
    defaults = [None] * (len(args) - len(node.args.defaults)) + [
        ast.literal_eval(d) for d in node.args.defaults
    ]
    keyword_defaults = [d and ast.literal_eval(d) for d in node.args.kw_defaults]
    return [(a.arg, d) for a, d in zip(args, defaults) if a.arg != "self"] + [
        (a.arg, d) for a, d in zip(node.args.kwonlyargs, keyword_defaults)
    ]


def runtime_parameters(function):
    return [
        (p.name, None if p.default is inspect.Parameter.empty else p.default)
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


@pytest.mark.parametrize("name", sorted(stub_functions(STUB.body)))
def test_function_signatures_match(name):
    function = getattr(viewlib, name)
    assert parameters(stub_functions(STUB.body)[name]) == runtime_parameters(function)
    assert function.__doc__ and len(function.__doc__) > 20


@pytest.mark.parametrize("cls", ["Image", "Lut"])
def test_method_signatures_match(cls):
    for name, node in stub_functions(stub_classes()[cls].body).items():
        if name.startswith("_"):
            continue  # dunders: __buffer__ is the type checkers' spelling of the C slots
        attribute = getattr(getattr(viewlib, cls), name)
        if callable(attribute):
            assert parameters(node) == runtime_parameters(attribute), name
    assert getattr(viewlib, cls).__doc__


def test_stubs_and_marker_are_installed():
    package = Path(viewlib.__file__).parent
    installed = ast.parse((package / "__init__.pyi").read_text())
    assert ast.dump(installed) == ast.dump(STUB)
    assert (package / "py.typed").is_file()


def test_the_module_is_built_for_the_stable_abi():
    # pyproject.toml's `features = ["abi3"]`: one wheel for CPython 3.11 and later.
    native = Path(viewlib.viewlib.__file__)
    assert native.name.endswith(".abi3.so") or native.suffix == ".pyd", native.name
