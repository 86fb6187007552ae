"""Our Triton kernels compiled for sm_90 without a GPU: what the tests of each kernel's lowering share."""

from __future__ import annotations


def hopper_ptx(kernel, kinds: dict[str, str], constants: dict[str, object]) -> str:
    """The PTX Triton writes for `kernel` (a `triton.jit` function) on an H100: `kinds` types its arguments (pointers,
    integers), `constants` gives its compile-time ones; any other argument is a Python float, fp64 as inductor types it."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    names = [parameter.name for parameter in kernel.params]
    signature = {name: "constexpr" if name in constants else kinds.get(name, "fp64") for name in names}
    source = ASTSource(fn=kernel, signature=signature, constexprs={(names.index(name),): value for name, value in constants.items() if name in names})
    return triton.compile(source, target=GPUTarget("cuda", 90, 32)).asm["ptx"]
