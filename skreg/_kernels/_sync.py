"""Atomics and the shared words of a fit's two threads.

The main thread of a fit and its helper thread
(:mod:`skreg._kernels.helper_thread`) talk through one int64 array,
``progress``, with each word on its own cache line (the offsets below);
a one-element array means no helper.  Words are read with acquire and
written with release semantics, so that a thread that sees a word's new
value also sees every store made before it.
"""

import platform

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["compare_exchange", "load_acquire", "spin_pause", "store_release"]

# the read-ahead sweep (helper_thread)
POS = 0  # position in ``sweep`` of the step under way
NSWEEP = 8  # positions the current sweep runs
SWEEP_NO = 16  # sweeps started so far (1, 2, ...)
STOP = 24  # nonzero: the helper returns
TASK = 32  # IDLE or READ_AHEAD (the sweep under way)
TASK_NO = 40  # numbered tasks (PRODUCTS, SPLIT_CD) given so far
DONE = 48  # the last of them finished (or passed over)
LO, HI, WITH_ACC = 56, 64, 72  # a PRODUCTS task: raw_products on feats[LO:HI]
# the split CD epochs (cd_split): the two threads' step counters, the main
# thread's request that the helper leave, the task's first step number, and
# who runs the helper's rows (0 nobody yet, 1 the helper, 2 the main thread)
COUNTER = 80
ABANDON = 96
BASE = 104
CLAIM = 112
# a SPLIT_CD task's epochs, full_every, positive flag and working-set size
EPOCHS, FULL_EVERY, POSITIVE, NWS = 120, 128, 136, 144
KIND = 152  # the numbered task's kind (PRODUCTS or SPLIT_CD)
EXITED = 160  # nonzero once the helper returned (it reads nothing more)
SIZE = 168
# a SPLIT_CD task's floats (a float64 array ``fparams``): the two partial
# sums of the even and of the odd steps at 0, 8, 16, 24 (one line each),
# then l1, l2, the residual offset and the weighted residual sum
L1, L2, OFFSET, RSUM = 32, 40, 48, 56
FSIZE = 64

_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")


def _element_pointer(context, builder, signature, args):
    ary = context.make_array(signature.args[0])(context, builder, args[0])
    return cgutils.get_item_pointer(
        context, builder, signature.args[0], ary, [args[1]], wraparound=False
    )


@intrinsic
def load_acquire(typingctx, arr, idx):
    """``arr[idx]`` read atomically (acquire), never hoisted out of a loop."""
    sig = types.int64(arr, idx)

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature, args)
        return builder.load_atomic(ptr, ordering="acquire", align=8)

    return sig, codegen


@intrinsic
def store_release(typingctx, arr, idx, val):
    """``arr[idx] = val`` atomically (release): a thread that reads ``val``
    with :func:`load_acquire` also sees the stores made before it."""
    sig = types.void(arr, idx, val)

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature, args)
        builder.store_atomic(args[2], ptr, ordering="release", align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def compare_exchange(typingctx, arr, idx, expected, new):
    """Atomically set ``arr[idx] = new`` if it holds ``expected``; returns
    whether it did (sequentially consistent)."""
    sig = types.boolean(arr, idx, expected, new)

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature, args)
        pair = builder.cmpxchg(ptr, args[2], args[3], "seq_cst", "seq_cst")
        return builder.extract_value(pair, 1)

    return sig, codegen


@intrinsic
def spin_pause(typingctx):
    """The x86 ``pause`` hint in a spin loop (nothing elsewhere)."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if _X86:
            fnty = ir.FunctionType(ir.VoidType(), [])
            fn = builder.module.declare_intrinsic("llvm.x86.sse2.pause", fnty=fnty)
            builder.call(fn, [])
        return context.get_dummy_value()

    return sig, codegen
