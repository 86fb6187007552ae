# AOT ID: ['0_inference']
from ctypes import c_void_p, c_long, c_int
import torch
import math
import random
import os
import tempfile
from math import inf, nan
from cmath import nanj
from torch._inductor.hooks import run_intermediate_hooks
from torch._inductor.utils import maybe_profile
from torch._inductor.codegen.memory_planning import _align as align
from torch import device, empty_strided
from torch._inductor.async_compile import AsyncCompile
from torch._inductor.select_algorithm import extern_kernels
import triton
import triton.language as tl
from torch._inductor.runtime.triton_heuristics import start_graph, end_graph
from torch._C import _cuda_getCurrentRawStream as get_raw_stream

aten = torch.ops.aten
inductor_ops = torch.ops.inductor
_quantized = torch.ops._quantized
assert_size_stride = torch._C._dynamo.guards.assert_size_stride
assert_alignment = torch._C._dynamo.guards.assert_alignment
empty_strided_cpu = torch._C._dynamo.guards._empty_strided_cpu
empty_strided_cpu_pinned = torch._C._dynamo.guards._empty_strided_cpu_pinned
empty_strided_cuda = torch._C._dynamo.guards._empty_strided_cuda
empty_strided_xpu = torch._C._dynamo.guards._empty_strided_xpu
empty_strided_mtia = torch._C._dynamo.guards._empty_strided_mtia
reinterpret_tensor = torch._C._dynamo.guards._reinterpret_tensor
alloc_from_pool = torch.ops.inductor._alloc_from_pool
async_compile = AsyncCompile()
empty_strided_p2p = torch._C._distributed_c10d._SymmetricMemory.empty_strided_p2p
from torch._C import _cuda_getCurrentRawStream as get_raw_stream



# kernel path: /tmp/block_probe_cache_75hw0tcz/fe/cfes3gng3pbdmaybvzfl4hycl45rhnqpac2qlh6chsqb6zk7vxaz.py
# Topologically Sorted Source Nodes: [silu, truediv, clamp, rows, t, row_descale, t_1, output, silu_1, truediv_1, clamp_1, rows_1, t_2, row_descale_1, t_3, output_2], Original ATen: [aten.silu, aten.div, aten.clamp, aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   clamp => clamp_max, clamp_min
#   clamp_1 => clamp_max_1, clamp_min_1
#   output => _scaled_mm
#   output_2 => _scaled_mm_1
#   row_descale => slice_1
#   row_descale_1 => slice_2
#   rows => convert_element_type_3
#   rows_1 => convert_element_type_9
#   silu => add, convert_element_type, div, exp, neg
#   silu_1 => add_5, convert_element_type_6, div_2, exp_1, neg_1
#   t => permute
#   t_1 => permute_1
#   t_2 => permute_2
#   t_3 => permute_3
#   truediv => div_1
#   truediv_1 => div_3
# Graph fragment:
#   %arg0_1 : Tensor "bf16[1, 3072][3072, 1]cuda:0" = PlaceHolder[target=arg0_1]
#   %arg1_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg1_1]
#   %arg7_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg7_1]
#   %convert_element_type : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%arg0_1, torch.float32), kwargs = {})
#   %neg : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.neg.default](args = (%convert_element_type,), kwargs = {})
#   %exp : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.exp.default](args = (%neg,), kwargs = {})
#   %add : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%exp, 1), kwargs = {})
#   %div : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type, %add), kwargs = {})
#   %div_1 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%div, %arg1_1), kwargs = {})
#   %clamp_min : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_1, -448.0), kwargs = {})
#   %clamp_max : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min, 448.0), kwargs = {})
#   %convert_element_type_3 : Tensor "f8e4m3fn[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max, torch.float8_e4m3fn), kwargs = {})
#   %permute : Tensor "f8e4m3fn[3072, 18432][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg4_1, [1, 0]), kwargs = {})
#   %slice_1 : Tensor "f32[1, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 1), kwargs = {})
#   %permute_1 : Tensor "f32[1, 18432][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg3_1, [1, 0]), kwargs = {})
#   %_scaled_mm : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_3, %permute, %slice_1, %permute_1, None, None, torch.bfloat16, True), kwargs = {})
#   %convert_element_type_6 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%arg0_1, torch.float32), kwargs = {})
#   %neg_1 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.neg.default](args = (%convert_element_type_6,), kwargs = {})
#   %exp_1 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.exp.default](args = (%neg_1,), kwargs = {})
#   %add_5 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%exp_1, 1), kwargs = {})
#   %div_2 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_6, %add_5), kwargs = {})
#   %div_3 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%div_2, %arg7_1), kwargs = {})
#   %clamp_min_1 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_3, -448.0), kwargs = {})
#   %clamp_max_1 : Tensor "f32[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_1, 448.0), kwargs = {})
#   %convert_element_type_9 : Tensor "f8e4m3fn[1, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_1, torch.float8_e4m3fn), kwargs = {})
#   %permute_2 : Tensor "f8e4m3fn[3072, 18432][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg9_1, [1, 0]), kwargs = {})
#   %slice_2 : Tensor "f32[1, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 1), kwargs = {})
#   %permute_3 : Tensor "f32[1, 18432][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg8_1, [1, 0]), kwargs = {})
#   %_scaled_mm_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_9, %permute_2, %slice_2, %permute_3, None, None, torch.bfloat16, True), kwargs = {})
#   return %buf0,%buf5
triton_poi_fused__scaled_mm__to_copy_clamp_div_silu_slice_t_0 = async_compile.triton('triton_poi_fused__scaled_mm__to_copy_clamp_div_silu_slice_t_0', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 4096}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*fp32', 'in_ptr2': '*fp32', 'out_ptr0': '*fp8e4nv', 'out_ptr1': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__scaled_mm__to_copy_clamp_div_silu_slice_t_0', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 3, 'num_store': 2, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 18432}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__scaled_mm__to_copy_clamp_div_silu_slice_t_0(in_ptr0, in_ptr1, in_ptr2, out_ptr0, out_ptr1, xnumel, XBLOCK : tl.constexpr):
    xnumel = 3072
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = xindex < xnumel
    x0 = xindex
    tmp0 = tl.load(in_ptr0 + (x0), xmask).to(tl.float32)
    tmp7 = tl.load(in_ptr1 + (0))
    tmp8 = tl.broadcast_to(tmp7, [XBLOCK])
    tmp15 = tl.load(in_ptr2 + (0))
    tmp16 = tl.broadcast_to(tmp15, [XBLOCK])
    tmp1 = tmp0.to(tl.float32)
    tmp2 = -tmp1
    tmp3 = libdevice.exp(tmp2)
    tmp4 = tl.full([1], 1.0, tl.float32)
    tmp5 = tmp3 + tmp4
    tmp6 = (tmp1 / tmp5)
    tmp9 = (tmp6 / tmp8)
    tmp10 = tl.full([1], -448.0, tl.float32)
    tmp11 = triton_helpers.maximum(tmp9, tmp10)
    tmp12 = tl.full([1], 448.0, tl.float32)
    tmp13 = triton_helpers.minimum(tmp11, tmp12)
    tmp14 = tmp13.to(tl.float8e4nv)
    tmp17 = (tmp6 / tmp16)
    tmp18 = triton_helpers.maximum(tmp17, tmp10)
    tmp19 = triton_helpers.minimum(tmp18, tmp12)
    tmp20 = tmp19.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x0), tmp14, xmask)
    tl.store(out_ptr1 + (x0), tmp20, xmask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/pc/cpcdxax5kqqkkwahg3muyx6y4uelmtttvisibqn6bfo4fxyw5pcs.py
# Topologically Sorted Source Nodes: [output_1, chunk, layer_norm, getitem_7, add_1, mul, getitem_8, x, flat_2, float_3, truediv_2, clamp_2, rows_2, t_4, row_descale_2, t_5, output_4, flat_3, float_4, truediv_3, clamp_3, rows_3, t_6, row_descale_3, t_7, output_6, flat_4, float_5, truediv_4, clamp_4, rows_4, t_8, row_descale_4, t_9, output_8], Original ATen: [aten.add, aten.split, aten.native_layer_norm, aten.unsqueeze, aten.mul, aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_1 => add_3
#   chunk => split
#   clamp_2 => clamp_max_2, clamp_min_2
#   clamp_3 => clamp_max_3, clamp_min_3
#   clamp_4 => clamp_max_4, clamp_min_4
#   flat_2 => view_4
#   flat_3 => view_6
#   flat_4 => view_8
#   float_3 => convert_element_type_12
#   float_4 => convert_element_type_14
#   float_5 => convert_element_type_16
#   getitem_7 => unsqueeze
#   getitem_8 => unsqueeze_1
#   layer_norm => add_2, convert_element_type_4, convert_element_type_5, mul, rsqrt, sub, var_mean
#   mul => mul_1
#   output_1 => add_1
#   output_4 => _scaled_mm_2
#   output_6 => _scaled_mm_3
#   output_8 => _scaled_mm_4
#   row_descale_2 => slice_3
#   row_descale_3 => slice_4
#   row_descale_4 => slice_5
#   rows_2 => convert_element_type_13
#   rows_3 => convert_element_type_15
#   rows_4 => convert_element_type_17
#   t_4 => permute_4
#   t_5 => permute_5
#   t_6 => permute_6
#   t_7 => permute_7
#   t_8 => permute_8
#   t_9 => permute_9
#   truediv_2 => div_4
#   truediv_3 => div_5
#   truediv_4 => div_6
#   x => add_4
# Graph fragment:
#   %arg6_1 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0" = PlaceHolder[target=arg6_1]
#   %getitem_7 : Tensor "f32[1, 4096, 1][4096, 1, 4096]cuda:0" = PlaceHolder[target=getitem_7]
#   %buf3 : Tensor "f32[1, 4096, 1][4096, 1, 4096]cuda:0" = PlaceHolder[target=buf3]
#   %_scaled_mm : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm]
#   %arg5_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg5_1]
#   %add_4 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0" = PlaceHolder[target=add_4]
#   %arg12_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg12_1]
#   %arg16_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg16_1]
#   %arg20_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg20_1]
#   %add_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm, %arg5_1), kwargs = {})
#   %split : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_1, 3072, 1), kwargs = {})
#   %convert_element_type_4 : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%arg6_1, torch.float32), kwargs = {})
#   %var_mean : [num_users=2] = call_function[target=torch.ops.aten.var_mean.correction](args = (%convert_element_type_4, [2]), kwargs = {correction: 0, keepdim: True})
#   %sub : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sub.Tensor](args = (%convert_element_type_4, %getitem_7), kwargs = {})
#   %add_2 : Tensor "f32[1, 4096, 1][4096, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%getitem_6, 1e-06), kwargs = {})
#   %rsqrt : Tensor "f32[1, 4096, 1][4096, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_2,), kwargs = {})
#   %mul : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%sub, %rsqrt), kwargs = {})
#   %convert_element_type_5 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul, torch.bfloat16), kwargs = {})
#   %unsqueeze : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_1, 1), kwargs = {})
#   %add_3 : Tensor "bf16[1, 1, 3072][3072, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%unsqueeze, 1), kwargs = {})
#   %mul_1 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_5, %add_3), kwargs = {})
#   %unsqueeze_1 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem, 1), kwargs = {})
#   %add_4 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=3] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_1, %unsqueeze_1), kwargs = {})
#   %view_4 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_4, [-1, 3072]), kwargs = {})
#   %convert_element_type_12 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_4, torch.float32), kwargs = {})
#   %div_4 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_12, %arg12_1), kwargs = {})
#   %clamp_min_2 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_4, -448.0), kwargs = {})
#   %clamp_max_2 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_2, 448.0), kwargs = {})
#   %convert_element_type_13 : Tensor "f8e4m3fn[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_2, torch.float8_e4m3fn), kwargs = {})
#   %permute_4 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg14_1, [1, 0]), kwargs = {})
#   %slice_3 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_5 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg13_1, [1, 0]), kwargs = {})
#   %_scaled_mm_2 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_13, %permute_4, %slice_3, %permute_5, None, None, torch.bfloat16, True), kwargs = {})
#   %view_6 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_4, [-1, 3072]), kwargs = {})
#   %convert_element_type_14 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_6, torch.float32), kwargs = {})
#   %div_5 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_14, %arg16_1), kwargs = {})
#   %clamp_min_3 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_5, -448.0), kwargs = {})
#   %clamp_max_3 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_3, 448.0), kwargs = {})
#   %convert_element_type_15 : Tensor "f8e4m3fn[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_3, torch.float8_e4m3fn), kwargs = {})
#   %permute_6 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg18_1, [1, 0]), kwargs = {})
#   %slice_4 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_7 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg17_1, [1, 0]), kwargs = {})
#   %_scaled_mm_3 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_15, %permute_6, %slice_4, %permute_7, None, None, torch.bfloat16, True), kwargs = {})
#   %view_8 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_4, [-1, 3072]), kwargs = {})
#   %convert_element_type_16 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_8, torch.float32), kwargs = {})
#   %div_6 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_16, %arg20_1), kwargs = {})
#   %clamp_min_4 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_6, -448.0), kwargs = {})
#   %clamp_max_4 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_4, 448.0), kwargs = {})
#   %convert_element_type_17 : Tensor "f8e4m3fn[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_4, torch.float8_e4m3fn), kwargs = {})
#   %permute_8 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg22_1, [1, 0]), kwargs = {})
#   %slice_5 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_9 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg21_1, [1, 0]), kwargs = {})
#   %_scaled_mm_4 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_17, %permute_8, %slice_5, %permute_9, None, None, torch.bfloat16, True), kwargs = {})
#   return %getitem_7,%buf3,%add_4,%buf15,%buf22,%buf30
triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_1 = async_compile.triton('triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_1', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.reduction(
    size_hints={'x': 4096, 'r0_': 4096},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*fp32', 'in_ptr4': '*fp32', 'in_ptr5': '*fp32', 'out_ptr3': '*fp8e4nv', 'out_ptr4': '*fp8e4nv', 'out_ptr5': '*fp8e4nv', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr', 'R0_BLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]], (8,): [['tt.divisibility', 16]], (9,): [['tt.divisibility', 16]], (10,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_1', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 9, 'num_store': 3, 'num_reduction': 2, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 0, 'r0_': 100687872}}
)
@triton.jit
def triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_1(in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, in_ptr5, out_ptr3, out_ptr4, out_ptr5, xnumel, r0_numel, XBLOCK : tl.constexpr, R0_BLOCK : tl.constexpr):
    xnumel = 4096
    r0_numel = 3072
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = tl.full([XBLOCK], True, tl.int1)[:, None]
    r0_base = tl.arange(0, R0_BLOCK)[None, :]
    rbase = r0_base
    x0 = xindex
    tmp3_mean = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp3_m2 = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp3_weight = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp0 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp1 = tmp0.to(tl.float32)
        tmp2 = tl.broadcast_to(tmp1, [XBLOCK, R0_BLOCK])
        tmp3_mean_next, tmp3_m2_next, tmp3_weight_next = triton_helpers.welford_reduce(
            tmp2, tmp3_mean, tmp3_m2, tmp3_weight, roffset == 0
        )
        tmp3_mean = tl.where(r0_mask, tmp3_mean_next, tmp3_mean)
        tmp3_m2 = tl.where(r0_mask, tmp3_m2_next, tmp3_m2)
        tmp3_weight = tl.where(r0_mask, tmp3_weight_next, tmp3_weight)
    tmp4, tmp5, tmp6 = triton_helpers.welford(tmp3_mean, tmp3_m2, tmp3_weight, 1)
    tmp3 = tmp4[:, None]
    tmp7 = tmp5[:, None]
    tmp8 = tmp6[:, None]
    tmp30 = tl.load(in_ptr3 + (0))
    tmp31 = tl.broadcast_to(tmp30, [1, 1])
    tmp38 = tl.load(in_ptr4 + (0))
    tmp39 = tl.broadcast_to(tmp38, [1, 1])
    tmp44 = tl.load(in_ptr5 + (0))
    tmp45 = tl.broadcast_to(tmp44, [1, 1])
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp9 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp19 = tl.load(in_ptr1 + (3072 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp20 = tl.load(in_ptr2 + (3072 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp25 = tl.load(in_ptr1 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp26 = tl.load(in_ptr2 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp10 = tmp9.to(tl.float32)
        tmp11 = tmp10 - tmp3
        tmp12 = tl.full([1, 1], 3072.0, tl.float32)
        tmp13 = (tmp7 / tmp12)
        tmp14 = tl.full([1, 1], 1e-06, tl.float32)
        tmp15 = tmp13 + tmp14
        tmp16 = libdevice.rsqrt(tmp15)
        tmp17 = tmp11 * tmp16
        tmp18 = tmp17.to(tl.float32)
        tmp21 = tmp19 + tmp20
        tmp22 = tl.full([1, 1], 1.0, tl.float32)
        tmp23 = tmp21 + tmp22
        tmp24 = tmp18 * tmp23
        tmp27 = tmp25 + tmp26
        tmp28 = tmp24 + tmp27
        tmp29 = tmp28.to(tl.float32)
        tmp32 = (tmp29 / tmp31)
        tmp33 = tl.full([1, 1], -448.0, tl.float32)
        tmp34 = triton_helpers.maximum(tmp32, tmp33)
        tmp35 = tl.full([1, 1], 448.0, tl.float32)
        tmp36 = triton_helpers.minimum(tmp34, tmp35)
        tmp37 = tmp36.to(tl.float8e4nv)
        tmp40 = (tmp29 / tmp39)
        tmp41 = triton_helpers.maximum(tmp40, tmp33)
        tmp42 = triton_helpers.minimum(tmp41, tmp35)
        tmp43 = tmp42.to(tl.float8e4nv)
        tmp46 = (tmp29 / tmp45)
        tmp47 = triton_helpers.maximum(tmp46, tmp33)
        tmp48 = triton_helpers.minimum(tmp47, tmp35)
        tmp49 = tmp48.to(tl.float8e4nv)
        tl.store(out_ptr3 + (r0_1 + 3072*x0), tmp37, r0_mask)
        tl.store(out_ptr4 + (r0_1 + 3072*x0), tmp43, r0_mask)
        tl.store(out_ptr5 + (r0_1 + 3072*x0), tmp49, r0_mask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/ox/coxrjmjajf4eqviv2hgllnlrbrrexmqihq67gdexjisjabatoxtu.py
# Topologically Sorted Source Nodes: [output_3, chunk_1, layer_norm_1, getitem_16, add_4, mul_1, getitem_17, x_1, flat_5, float_6, truediv_5, clamp_5, rows_5, t_10, row_descale_5, t_11, output_10, flat_6, float_7, truediv_6, clamp_6, rows_6, t_12, row_descale_6, t_13, output_12, flat_7, float_8, truediv_7, clamp_7, rows_7, t_14, row_descale_7, t_15, output_14], Original ATen: [aten.add, aten.split, aten.native_layer_norm, aten.unsqueeze, aten.mul, aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_4 => add_8
#   chunk_1 => split_1
#   clamp_5 => clamp_max_5, clamp_min_5
#   clamp_6 => clamp_max_6, clamp_min_6
#   clamp_7 => clamp_max_7, clamp_min_7
#   flat_5 => view_10
#   flat_6 => view_12
#   flat_7 => view_14
#   float_6 => convert_element_type_18
#   float_7 => convert_element_type_20
#   float_8 => convert_element_type_22
#   getitem_16 => unsqueeze_2
#   getitem_17 => unsqueeze_3
#   layer_norm_1 => add_7, convert_element_type_10, convert_element_type_11, mul_2, rsqrt_1, sub_1, var_mean_1
#   mul_1 => mul_3
#   output_10 => _scaled_mm_5
#   output_12 => _scaled_mm_6
#   output_14 => _scaled_mm_7
#   output_3 => add_6
#   row_descale_5 => slice_6
#   row_descale_6 => slice_7
#   row_descale_7 => slice_8
#   rows_5 => convert_element_type_19
#   rows_6 => convert_element_type_21
#   rows_7 => convert_element_type_23
#   t_10 => permute_10
#   t_11 => permute_11
#   t_12 => permute_12
#   t_13 => permute_13
#   t_14 => permute_14
#   t_15 => permute_15
#   truediv_5 => div_7
#   truediv_6 => div_8
#   truediv_7 => div_9
#   x_1 => add_9
# Graph fragment:
#   %arg11_1 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0" = PlaceHolder[target=arg11_1]
#   %getitem_15 : Tensor "f32[1, 512, 1][512, 1, 512]cuda:0" = PlaceHolder[target=getitem_15]
#   %buf8 : Tensor "f32[1, 512, 1][512, 1, 512]cuda:0" = PlaceHolder[target=buf8]
#   %_scaled_mm_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm_1]
#   %arg10_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg10_1]
#   %add_9 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0" = PlaceHolder[target=add_9]
#   %arg24_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg24_1]
#   %arg28_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg28_1]
#   %arg32_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg32_1]
#   %add_6 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_1, %arg10_1), kwargs = {})
#   %split_1 : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_6, 3072, 1), kwargs = {})
#   %convert_element_type_10 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%arg11_1, torch.float32), kwargs = {})
#   %var_mean_1 : [num_users=2] = call_function[target=torch.ops.aten.var_mean.correction](args = (%convert_element_type_10, [2]), kwargs = {correction: 0, keepdim: True})
#   %sub_1 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sub.Tensor](args = (%convert_element_type_10, %getitem_15), kwargs = {})
#   %add_7 : Tensor "f32[1, 512, 1][512, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%getitem_14, 1e-06), kwargs = {})
#   %rsqrt_1 : Tensor "f32[1, 512, 1][512, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_7,), kwargs = {})
#   %mul_2 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%sub_1, %rsqrt_1), kwargs = {})
#   %convert_element_type_11 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_2, torch.bfloat16), kwargs = {})
#   %unsqueeze_2 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_9, 1), kwargs = {})
#   %add_8 : Tensor "bf16[1, 1, 3072][3072, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%unsqueeze_2, 1), kwargs = {})
#   %mul_3 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_11, %add_8), kwargs = {})
#   %unsqueeze_3 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_8, 1), kwargs = {})
#   %add_9 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=3] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_3, %unsqueeze_3), kwargs = {})
#   %view_10 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_9, [-1, 3072]), kwargs = {})
#   %convert_element_type_18 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_10, torch.float32), kwargs = {})
#   %div_7 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_18, %arg24_1), kwargs = {})
#   %clamp_min_5 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_7, -448.0), kwargs = {})
#   %clamp_max_5 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_5, 448.0), kwargs = {})
#   %convert_element_type_19 : Tensor "f8e4m3fn[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_5, torch.float8_e4m3fn), kwargs = {})
#   %permute_10 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg26_1, [1, 0]), kwargs = {})
#   %slice_6 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_11 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg25_1, [1, 0]), kwargs = {})
#   %_scaled_mm_5 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_19, %permute_10, %slice_6, %permute_11, None, None, torch.bfloat16, True), kwargs = {})
#   %view_12 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_9, [-1, 3072]), kwargs = {})
#   %convert_element_type_20 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_12, torch.float32), kwargs = {})
#   %div_8 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_20, %arg28_1), kwargs = {})
#   %clamp_min_6 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_8, -448.0), kwargs = {})
#   %clamp_max_6 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_6, 448.0), kwargs = {})
#   %convert_element_type_21 : Tensor "f8e4m3fn[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_6, torch.float8_e4m3fn), kwargs = {})
#   %permute_12 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg30_1, [1, 0]), kwargs = {})
#   %slice_7 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_13 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg29_1, [1, 0]), kwargs = {})
#   %_scaled_mm_6 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_21, %permute_12, %slice_7, %permute_13, None, None, torch.bfloat16, True), kwargs = {})
#   %view_14 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_9, [-1, 3072]), kwargs = {})
#   %convert_element_type_22 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_14, torch.float32), kwargs = {})
#   %div_9 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_22, %arg32_1), kwargs = {})
#   %clamp_min_7 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_9, -448.0), kwargs = {})
#   %clamp_max_7 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_7, 448.0), kwargs = {})
#   %convert_element_type_23 : Tensor "f8e4m3fn[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_7, torch.float8_e4m3fn), kwargs = {})
#   %permute_14 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg34_1, [1, 0]), kwargs = {})
#   %slice_8 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_15 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg33_1, [1, 0]), kwargs = {})
#   %_scaled_mm_7 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_23, %permute_14, %slice_8, %permute_15, None, None, torch.bfloat16, True), kwargs = {})
#   return %getitem_15,%buf8,%add_9,%buf11,%buf19,%buf28
triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_2 = async_compile.triton('triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_2', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.reduction(
    size_hints={'x': 512, 'r0_': 4096},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*fp32', 'in_ptr4': '*fp32', 'in_ptr5': '*fp32', 'out_ptr3': '*fp8e4nv', 'out_ptr4': '*fp8e4nv', 'out_ptr5': '*fp8e4nv', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr', 'R0_BLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]], (8,): [['tt.divisibility', 16]], (9,): [['tt.divisibility', 16]], (10,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_2', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 9, 'num_store': 3, 'num_reduction': 2, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 0, 'r0_': 12607488}}
)
@triton.jit
def triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_2(in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, in_ptr5, out_ptr3, out_ptr4, out_ptr5, xnumel, r0_numel, XBLOCK : tl.constexpr, R0_BLOCK : tl.constexpr):
    xnumel = 512
    r0_numel = 3072
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = xindex < xnumel
    r0_base = tl.arange(0, R0_BLOCK)[None, :]
    rbase = r0_base
    x0 = xindex
    tmp3_mean = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp3_m2 = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp3_weight = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp0 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask & xmask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp1 = tmp0.to(tl.float32)
        tmp2 = tl.broadcast_to(tmp1, [XBLOCK, R0_BLOCK])
        tmp3_mean_next, tmp3_m2_next, tmp3_weight_next = triton_helpers.welford_reduce(
            tmp2, tmp3_mean, tmp3_m2, tmp3_weight, roffset == 0
        )
        tmp3_mean = tl.where(r0_mask & xmask, tmp3_mean_next, tmp3_mean)
        tmp3_m2 = tl.where(r0_mask & xmask, tmp3_m2_next, tmp3_m2)
        tmp3_weight = tl.where(r0_mask & xmask, tmp3_weight_next, tmp3_weight)
    tmp4, tmp5, tmp6 = triton_helpers.welford(tmp3_mean, tmp3_m2, tmp3_weight, 1)
    tmp3 = tmp4[:, None]
    tmp7 = tmp5[:, None]
    tmp8 = tmp6[:, None]
    tmp30 = tl.load(in_ptr3 + (0))
    tmp31 = tl.broadcast_to(tmp30, [1, 1])
    tmp38 = tl.load(in_ptr4 + (0))
    tmp39 = tl.broadcast_to(tmp38, [1, 1])
    tmp44 = tl.load(in_ptr5 + (0))
    tmp45 = tl.broadcast_to(tmp44, [1, 1])
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp9 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask & xmask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp19 = tl.load(in_ptr1 + (3072 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp20 = tl.load(in_ptr2 + (3072 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp25 = tl.load(in_ptr1 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp26 = tl.load(in_ptr2 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp10 = tmp9.to(tl.float32)
        tmp11 = tmp10 - tmp3
        tmp12 = tl.full([1, 1], 3072.0, tl.float32)
        tmp13 = (tmp7 / tmp12)
        tmp14 = tl.full([1, 1], 1e-06, tl.float32)
        tmp15 = tmp13 + tmp14
        tmp16 = libdevice.rsqrt(tmp15)
        tmp17 = tmp11 * tmp16
        tmp18 = tmp17.to(tl.float32)
        tmp21 = tmp19 + tmp20
        tmp22 = tl.full([1, 1], 1.0, tl.float32)
        tmp23 = tmp21 + tmp22
        tmp24 = tmp18 * tmp23
        tmp27 = tmp25 + tmp26
        tmp28 = tmp24 + tmp27
        tmp29 = tmp28.to(tl.float32)
        tmp32 = (tmp29 / tmp31)
        tmp33 = tl.full([1, 1], -448.0, tl.float32)
        tmp34 = triton_helpers.maximum(tmp32, tmp33)
        tmp35 = tl.full([1, 1], 448.0, tl.float32)
        tmp36 = triton_helpers.minimum(tmp34, tmp35)
        tmp37 = tmp36.to(tl.float8e4nv)
        tmp40 = (tmp29 / tmp39)
        tmp41 = triton_helpers.maximum(tmp40, tmp33)
        tmp42 = triton_helpers.minimum(tmp41, tmp35)
        tmp43 = tmp42.to(tl.float8e4nv)
        tmp46 = (tmp29 / tmp45)
        tmp47 = triton_helpers.maximum(tmp46, tmp33)
        tmp48 = triton_helpers.minimum(tmp47, tmp35)
        tmp49 = tmp48.to(tl.float8e4nv)
        tl.store(out_ptr3 + (r0_1 + 3072*x0), tmp37, r0_mask & xmask)
        tl.store(out_ptr4 + (r0_1 + 3072*x0), tmp43, r0_mask & xmask)
        tl.store(out_ptr5 + (r0_1 + 3072*x0), tmp49, r0_mask & xmask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/56/c565i5fbgjpowrfxgvjczbpwuymldb34lfkcsllxt2njlc5jme75.py
# Topologically Sorted Source Nodes: [output_11, encoder_query, unflatten_3, rms_norm_2], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
# Source node to ATen node mapping:
#   encoder_query => view_11
#   output_11 => add_13
#   rms_norm_2 => convert_element_type_28, mean_2, pow_3
#   unflatten_3 => view_19
# Graph fragment:
#   %_scaled_mm_5 : Tensor "bf16[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_5]
#   %arg27_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg27_1]
#   %add_13 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_5, %arg27_1), kwargs = {})
#   %view_11 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_13, [1, 512, 3072]), kwargs = {})
#   %view_19 : Tensor "bf16[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_11, [1, 512, 24, 128]), kwargs = {})
#   %convert_element_type_28 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_19, torch.float32), kwargs = {})
#   %pow_3 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.pow.Tensor_Scalar](args = (%convert_element_type_28, 2), kwargs = {})
#   %mean_2 : Tensor "f32[1, 512, 24, 1][12288, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mean.dim](args = (%pow_3, [3], True), kwargs = {})
#   return %buf13
triton_per_fused__fused_rms_norm_add_view_3 = async_compile.triton('triton_per_fused__fused_rms_norm_add_view_3', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.persistent_reduction(
    size_hints={'x': 16384, 'r0_': 128},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'out_ptr0': '*fp32', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_per_fused__fused_rms_norm_add_view_3', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': None, 'atomic_add_found': False, 'num_load': 2, 'num_store': 1, 'num_reduction': 1, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 98304, 'r0_': 3151872}}
)
@triton.jit
def triton_per_fused__fused_rms_norm_add_view_3(in_ptr0, in_ptr1, out_ptr0, xnumel, r0_numel, XBLOCK : tl.constexpr):
    xnumel = 12288
    r0_numel = 128
    R0_BLOCK: tl.constexpr = 128
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = tl.full([XBLOCK], True, tl.int1)[:, None]
    r0_index = tl.arange(0, R0_BLOCK)[None, :]
    r0_offset = 0
    r0_mask = tl.full([R0_BLOCK], True, tl.int1)[None, :]
    roffset = r0_offset
    rindex = r0_index
    r0_2 = r0_index
    x3 = xindex
    x0 = (xindex % 24)
    tmp0 = tl.load(in_ptr0 + (r0_2 + 128*x3), None).to(tl.float32)
    tmp1 = tl.load(in_ptr1 + (r0_2 + 128*x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp2 = tmp0 + tmp1
    tmp3 = tmp2.to(tl.float32)
    tmp4 = tmp3 * tmp3
    tmp5 = tl.broadcast_to(tmp4, [XBLOCK, R0_BLOCK])
    tmp7 = tl.sum(tmp5, 1)[:, None].to(tl.float32)
    tl.store(out_ptr0 + (x3), tmp7, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/yq/cyqdnmoigyueowe3ugd4upjj76lqs44s54xl6fnialnpd56kq5lt.py
# Topologically Sorted Source Nodes: [output_5, query, unflatten, query_1], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
# Source node to ATen node mapping:
#   output_5 => add_10
#   query => view_5
#   query_1 => convert_element_type_24, mean, pow_1
#   unflatten => view_16
# Graph fragment:
#   %_scaled_mm_2 : Tensor "bf16[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_2]
#   %arg15_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg15_1]
#   %add_10 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_2, %arg15_1), kwargs = {})
#   %view_5 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_10, [1, 4096, 3072]), kwargs = {})
#   %view_16 : Tensor "bf16[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_5, [1, 4096, 24, 128]), kwargs = {})
#   %convert_element_type_24 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_16, torch.float32), kwargs = {})
#   %pow_1 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.pow.Tensor_Scalar](args = (%convert_element_type_24, 2), kwargs = {})
#   %mean : Tensor "f32[1, 4096, 24, 1][98304, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mean.dim](args = (%pow_1, [3], True), kwargs = {})
#   return %buf17
triton_per_fused__fused_rms_norm_add_view_4 = async_compile.triton('triton_per_fused__fused_rms_norm_add_view_4', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.persistent_reduction(
    size_hints={'x': 131072, 'r0_': 128},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'out_ptr0': '*fp32', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_per_fused__fused_rms_norm_add_view_4', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': None, 'atomic_add_found': False, 'num_load': 2, 'num_store': 1, 'num_reduction': 1, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 786432, 'r0_': 25171968}}
)
@triton.jit
def triton_per_fused__fused_rms_norm_add_view_4(in_ptr0, in_ptr1, out_ptr0, xnumel, r0_numel, XBLOCK : tl.constexpr):
    xnumel = 98304
    r0_numel = 128
    R0_BLOCK: tl.constexpr = 128
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = tl.full([XBLOCK], True, tl.int1)[:, None]
    r0_index = tl.arange(0, R0_BLOCK)[None, :]
    r0_offset = 0
    r0_mask = tl.full([R0_BLOCK], True, tl.int1)[None, :]
    roffset = r0_offset
    rindex = r0_index
    r0_2 = r0_index
    x3 = xindex
    x0 = (xindex % 24)
    tmp0 = tl.load(in_ptr0 + (r0_2 + 128*x3), None).to(tl.float32)
    tmp1 = tl.load(in_ptr1 + (r0_2 + 128*x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp2 = tmp0 + tmp1
    tmp3 = tmp2.to(tl.float32)
    tmp4 = tmp3 * tmp3
    tmp5 = tl.broadcast_to(tmp4, [XBLOCK, R0_BLOCK])
    tmp7 = tl.sum(tmp5, 1)[:, None].to(tl.float32)
    tl.store(out_ptr0 + (x3), tmp7, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/dj/cdjlbmbtuj7pzkm75uydosqexrqcxgoq47dwyyqbx4fhytjaqczd.py
# Topologically Sorted Source Nodes: [output_11, encoder_query, unflatten_3, rms_norm_2, output_5, query, unflatten, query_1, query_2], Original ATen: [aten.add, aten.view, aten._fused_rms_norm, aten.cat]
# Source node to ATen node mapping:
#   encoder_query => view_11
#   output_11 => add_13
#   output_5 => add_10
#   query => view_5
#   query_1 => add_16, convert_element_type_24, convert_element_type_25, mean, mul_4, mul_5, pow_1, rsqrt_2
#   query_2 => cat
#   rms_norm_2 => add_18, convert_element_type_28, convert_element_type_29, mean_2, mul_8, mul_9, pow_3, rsqrt_4
#   unflatten => view_16
#   unflatten_3 => view_19
# Graph fragment:
#   %_scaled_mm_5 : Tensor "bf16[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_5]
#   %arg27_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg27_1]
#   %buf13 : Tensor "f32[1, 512, 24, 1][12288, 24, 1, 12288]cuda:0" = PlaceHolder[target=buf13]
#   %arg38_1 : Tensor "bf16[128][1]cuda:0" = PlaceHolder[target=arg38_1]
#   %_scaled_mm_2 : Tensor "bf16[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_2]
#   %arg15_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg15_1]
#   %buf17 : Tensor "f32[1, 4096, 24, 1][98304, 24, 1, 98304]cuda:0" = PlaceHolder[target=buf17]
#   %arg36_1 : Tensor "bf16[128][1]cuda:0" = PlaceHolder[target=arg36_1]
#   %add_13 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_5, %arg27_1), kwargs = {})
#   %view_11 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_13, [1, 512, 3072]), kwargs = {})
#   %view_19 : Tensor "bf16[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_11, [1, 512, 24, 128]), kwargs = {})
#   %convert_element_type_28 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_19, torch.float32), kwargs = {})
#   %pow_3 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.pow.Tensor_Scalar](args = (%convert_element_type_28, 2), kwargs = {})
#   %mean_2 : Tensor "f32[1, 512, 24, 1][12288, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mean.dim](args = (%pow_3, [3], True), kwargs = {})
#   %add_18 : Tensor "f32[1, 512, 24, 1][12288, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Scalar](args = (%mean_2, 1e-06), kwargs = {})
#   %rsqrt_4 : Tensor "f32[1, 512, 24, 1][12288, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_18,), kwargs = {})
#   %mul_8 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_28, %rsqrt_4), kwargs = {})
#   %mul_9 : Tensor "f32[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_8, %arg38_1), kwargs = {})
#   %convert_element_type_29 : Tensor "bf16[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_9, torch.bfloat16), kwargs = {})
#   %add_10 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_2, %arg15_1), kwargs = {})
#   %view_5 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_10, [1, 4096, 3072]), kwargs = {})
#   %view_16 : Tensor "bf16[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_5, [1, 4096, 24, 128]), kwargs = {})
#   %convert_element_type_24 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_16, torch.float32), kwargs = {})
#   %pow_1 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.pow.Tensor_Scalar](args = (%convert_element_type_24, 2), kwargs = {})
#   %mean : Tensor "f32[1, 4096, 24, 1][98304, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mean.dim](args = (%pow_1, [3], True), kwargs = {})
#   %add_16 : Tensor "f32[1, 4096, 24, 1][98304, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Scalar](args = (%mean, 1e-06), kwargs = {})
#   %rsqrt_2 : Tensor "f32[1, 4096, 24, 1][98304, 24, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_16,), kwargs = {})
#   %mul_4 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_24, %rsqrt_2), kwargs = {})
#   %mul_5 : Tensor "f32[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_4, %arg36_1), kwargs = {})
#   %convert_element_type_25 : Tensor "bf16[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_5, torch.bfloat16), kwargs = {})
#   %cat : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.aten.cat.default](args = ([%convert_element_type_29, %convert_element_type_25], 1), kwargs = {})
#   return %cat
triton_poi_fused__fused_rms_norm_add_cat_view_5 = async_compile.triton('triton_poi_fused__fused_rms_norm_add_cat_view_5', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'y': 131072, 'x': 128}, tile_hint=TileHint.DEFAULT,
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*fp32', 'in_ptr3': '*bf16', 'in_ptr4': '*bf16', 'in_ptr5': '*bf16', 'in_ptr6': '*fp32', 'in_ptr7': '*bf16', 'out_ptr0': '*bf16', 'ynumel': 'i32', 'xnumel': 'i32', 'YBLOCK': 'constexpr', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]], (8,): [['tt.divisibility', 16]], (9,): [['tt.divisibility', 16]], (10,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid2DWithYZOverflow', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__fused_rms_norm_add_cat_view_5', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 8, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'y': 442368, 'x': 84947456}},
    min_elem_per_thread=0
)
@triton.jit
def triton_poi_fused__fused_rms_norm_add_cat_view_5(in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, in_ptr5, in_ptr6, in_ptr7, out_ptr0, ynumel, xnumel, YBLOCK : tl.constexpr, XBLOCK : tl.constexpr):
    ynumel = 110592
    xnumel = 128
    yoffset = (tl.program_id(1) + tl.program_id(2) * tl.num_programs(1)) * YBLOCK
    yindex = yoffset + tl.arange(0, YBLOCK)[:, None]
    ymask = yindex < ynumel
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[None, :]
    xmask = xindex < xnumel
    y1 = yindex // 24
    x2 = xindex
    y0 = (yindex % 24)
    y3 = yindex
    tmp0 = y1
    tmp1 = tl.full([1, 1], 0, tl.int64)
    tmp2 = tmp0 >= tmp1
    tmp3 = tl.full([1, 1], 512, tl.int64)
    tmp4 = tmp0 < tmp3
    tmp5 = tl.load(in_ptr0 + (x2 + 128*y0 + 3072*(y1)), tmp4 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp6 = tl.load(in_ptr1 + (x2 + 128*y0), tmp4 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp7 = tmp5 + tmp6
    tmp8 = tmp7.to(tl.float32)
    tmp9 = tl.load(in_ptr2 + (tl.broadcast_to(y0 + 24*(y1), [YBLOCK, XBLOCK])), tmp4 & xmask & ymask, eviction_policy='evict_last', other=0.0)
    tmp10 = tl.full([1, 1], 128.0, tl.float32)
    tmp11 = (tmp9 / tmp10)
    tmp12 = tl.full([1, 1], 1e-06, tl.float32)
    tmp13 = tmp11 + tmp12
    tmp14 = libdevice.rsqrt(tmp13)
    tmp15 = tmp8 * tmp14
    tmp16 = tl.load(in_ptr3 + (tl.broadcast_to(x2, [YBLOCK, XBLOCK])), tmp4 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp17 = tmp16.to(tl.float32)
    tmp18 = tmp15 * tmp17
    tmp19 = tmp18.to(tl.float32)
    tmp20 = tl.full(tmp19.shape, 0.0, tmp19.dtype)
    tmp21 = tl.where(tmp4, tmp19, tmp20)
    tmp22 = tmp0 >= tmp3
    tmp23 = tl.full([1, 1], 4608, tl.int64)
    tmp24 = tmp0 < tmp23
    tmp25 = tl.load(in_ptr4 + (x2 + 128*y0 + 3072*((-512) + y1)), tmp22 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp26 = tl.load(in_ptr5 + (x2 + 128*y0), tmp22 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp27 = tmp25 + tmp26
    tmp28 = tmp27.to(tl.float32)
    tmp29 = tl.load(in_ptr6 + (tl.broadcast_to(y0 + 24*((-512) + y1), [YBLOCK, XBLOCK])), tmp22 & xmask & ymask, eviction_policy='evict_last', other=0.0)
    tmp30 = tl.full([1, 1], 128.0, tl.float32)
    tmp31 = (tmp29 / tmp30)
    tmp32 = tl.full([1, 1], 1e-06, tl.float32)
    tmp33 = tmp31 + tmp32
    tmp34 = libdevice.rsqrt(tmp33)
    tmp35 = tmp28 * tmp34
    tmp36 = tl.load(in_ptr7 + (tl.broadcast_to(x2, [YBLOCK, XBLOCK])), tmp22 & xmask & ymask, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp37 = tmp36.to(tl.float32)
    tmp38 = tmp35 * tmp37
    tmp39 = tmp38.to(tl.float32)
    tmp40 = tl.full(tmp39.shape, 0.0, tmp39.dtype)
    tmp41 = tl.where(tmp22, tmp39, tmp40)
    tmp42 = tl.where(tmp4, tmp21, tmp41)
    tl.store(out_ptr0 + (x2 + 128*y3), tmp42, xmask & ymask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/e6/ce6idrk7ssnquwtiuk6kn6akd6qbj5dddb4rrplymee2ypbhsexy.py
# Topologically Sorted Source Nodes: [reshape_16, unbind, reshape_17, unbind_1, float_9, cos, mul_2, neg, stack, x_rotated, float_10, sin, mul_3, add_12, out, scale, to_22, getitem_35, mul_6, clamp_8, to_23, float_11, cos_2, mul_4, neg_1, stack_1, x_rotated_1, float_12, sin_2, mul_5, add_13, out_1, scale_1, to_24, getitem_36, mul_7, clamp_9, to_25, output_15, encoder_value, unflatten_5, output_9, value, value_1, value_2, scale_2, to_26, getitem_37, mul_8, clamp_10, to_27, getitem_38, getitem_39, getitem_40, fa3_fp8_default], Original ATen: [aten.view, aten.unbind, aten._to_copy, aten.unsqueeze, aten.mul, aten.neg, aten.stack, aten.add, aten.select, aten.clamp, aten.cat, aten.slice, lora_fast.fa3_fp8]
# Source node to ATen node mapping:
#   add_12 => add_20
#   add_13 => add_21
#   clamp_10 => clamp_max_10, clamp_min_10, convert_element_type_47, convert_element_type_48
#   clamp_8 => clamp_max_8, clamp_min_8, convert_element_type_39, convert_element_type_40
#   clamp_9 => clamp_max_9, clamp_min_9, convert_element_type_43, convert_element_type_44
#   cos => unsqueeze_4, unsqueeze_5
#   cos_2 => unsqueeze_10, unsqueeze_11
#   encoder_value => view_15
#   fa3_fp8_default => fa3_fp8
#   float_10 => convert_element_type_33
#   float_11 => convert_element_type_35
#   float_12 => convert_element_type_36
#   float_9 => convert_element_type_32
#   getitem_35 => unsqueeze_16
#   getitem_36 => unsqueeze_17
#   getitem_37 => unsqueeze_18
#   getitem_38 => select_3, slice_9
#   getitem_39 => select_4, slice_10
#   getitem_40 => select_5, slice_11
#   mul_2 => mul_12
#   mul_3 => mul_13
#   mul_4 => mul_14
#   mul_5 => mul_15
#   mul_6 => mul_16
#   mul_7 => mul_17
#   mul_8 => mul_18
#   neg => neg_2
#   neg_1 => neg_3
#   out => convert_element_type_34
#   out_1 => convert_element_type_37
#   output_15 => add_15
#   output_9 => add_12
#   reshape_16 => view_22
#   reshape_17 => view_24
#   scale => select
#   scale_1 => select_1
#   scale_2 => select_2
#   sin => unsqueeze_6, unsqueeze_7
#   sin_2 => unsqueeze_12, unsqueeze_13
#   stack => cat_3, unsqueeze_8, unsqueeze_9
#   stack_1 => cat_4, unsqueeze_14, unsqueeze_15
#   to_22 => convert_element_type_38
#   to_23 => convert_element_type_41
#   to_24 => convert_element_type_42
#   to_25 => convert_element_type_45
#   to_26 => convert_element_type_46
#   to_27 => convert_element_type_49
#   unbind => unbind
#   unbind_1 => unbind_1
#   unflatten_5 => view_21
#   value => view_9
#   value_1 => view_18
#   value_2 => cat_2
#   x_rotated => view_23
#   x_rotated_1 => view_25
# Graph fragment:
#   %cat : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=cat]
#   %arg40_1 : Tensor "f32[4608, 128][128, 1]cuda:0" = PlaceHolder[target=arg40_1]
#   %arg41_1 : Tensor "f32[4608, 128][128, 1]cuda:0" = PlaceHolder[target=arg41_1]
#   %arg42_1 : Tensor "f32[3, 24][24, 1]cuda:0" = PlaceHolder[target=arg42_1]
#   %clamp_max_8 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=clamp_max_8]
#   %cat_1 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=cat_1]
#   %clamp_max_9 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=clamp_max_9]
#   %view_22 : Tensor "bf16[1, 4608, 24, 64, 2][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%cat, [1, 4608, 24, -1, 2]), kwargs = {})
#   %unbind : [num_users=2] = call_function[target=torch.ops.aten.unbind.int](args = (%view_22, -1), kwargs = {})
#   %view_24 : Tensor "bf16[1, 4608, 24, 64, 2][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%cat_1, [1, 4608, 24, -1, 2]), kwargs = {})
#   %unbind_1 : [num_users=2] = call_function[target=torch.ops.aten.unbind.int](args = (%view_24, -1), kwargs = {})
#   %convert_element_type_32 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%cat, torch.float32), kwargs = {})
#   %unsqueeze_4 : Tensor "f32[1, 4608, 128][589824, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%arg40_1, 0), kwargs = {})
#   %unsqueeze_5 : Tensor "f32[1, 4608, 1, 128][589824, 128, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%unsqueeze_4, 2), kwargs = {})
#   %mul_12 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_32, %unsqueeze_5), kwargs = {})
#   %neg_2 : Tensor "bf16[1, 4608, 24, 64][7077888, 1536, 64, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.neg.default](args = (%getitem_17,), kwargs = {})
#   %unsqueeze_8 : Tensor "bf16[1, 4608, 24, 64, 1][7077888, 1536, 64, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%neg_2, 4), kwargs = {})
#   %unsqueeze_9 : Tensor "bf16[1, 4608, 24, 64, 1][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_16, 4), kwargs = {})
#   %cat_3 : Tensor "bf16[1, 4608, 24, 64, 2][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.cat.default](args = ([%unsqueeze_8, %unsqueeze_9], -1), kwargs = {})
#   %view_23 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%cat_3, [1, 4608, 24, 128]), kwargs = {})
#   %convert_element_type_33 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_23, torch.float32), kwargs = {})
#   %unsqueeze_6 : Tensor "f32[1, 4608, 128][589824, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%arg41_1, 0), kwargs = {})
#   %unsqueeze_7 : Tensor "f32[1, 4608, 1, 128][589824, 128, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%unsqueeze_6, 2), kwargs = {})
#   %mul_13 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_33, %unsqueeze_7), kwargs = {})
#   %add_20 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_12, %mul_13), kwargs = {})
#   %convert_element_type_34 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%add_20, torch.bfloat16), kwargs = {})
#   %select : Tensor "f32[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg42_1, 0, 0), kwargs = {})
#   %convert_element_type_38 : Tensor "bf16[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%select, torch.bfloat16), kwargs = {})
#   %unsqueeze_16 : Tensor "bf16[24, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%convert_element_type_38, 1), kwargs = {})
#   %mul_16 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_34, %unsqueeze_16), kwargs = {})
#   %convert_element_type_39 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_16, torch.float32), kwargs = {})
#   %clamp_min_8 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%convert_element_type_39, -448.0), kwargs = {})
#   %clamp_max_8 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_8, 448.0), kwargs = {})
#   %convert_element_type_40 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_8, torch.bfloat16), kwargs = {})
#   %convert_element_type_41 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_40, torch.float8_e4m3fn), kwargs = {})
#   %convert_element_type_35 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%cat_1, torch.float32), kwargs = {})
#   %unsqueeze_10 : Tensor "f32[1, 4608, 128][589824, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%arg40_1, 0), kwargs = {})
#   %unsqueeze_11 : Tensor "f32[1, 4608, 1, 128][589824, 128, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%unsqueeze_10, 2), kwargs = {})
#   %mul_14 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_35, %unsqueeze_11), kwargs = {})
#   %neg_3 : Tensor "bf16[1, 4608, 24, 64][7077888, 1536, 64, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.neg.default](args = (%getitem_19,), kwargs = {})
#   %unsqueeze_14 : Tensor "bf16[1, 4608, 24, 64, 1][7077888, 1536, 64, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%neg_3, 4), kwargs = {})
#   %unsqueeze_15 : Tensor "bf16[1, 4608, 24, 64, 1][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_18, 4), kwargs = {})
#   %cat_4 : Tensor "bf16[1, 4608, 24, 64, 2][14155776, 3072, 128, 2, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.cat.default](args = ([%unsqueeze_14, %unsqueeze_15], -1), kwargs = {})
#   %view_25 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%cat_4, [1, 4608, 24, 128]), kwargs = {})
#   %convert_element_type_36 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_25, torch.float32), kwargs = {})
#   %unsqueeze_12 : Tensor "f32[1, 4608, 128][589824, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%arg41_1, 0), kwargs = {})
#   %unsqueeze_13 : Tensor "f32[1, 4608, 1, 128][589824, 128, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%unsqueeze_12, 2), kwargs = {})
#   %mul_15 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_36, %unsqueeze_13), kwargs = {})
#   %add_21 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_14, %mul_15), kwargs = {})
#   %convert_element_type_37 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%add_21, torch.bfloat16), kwargs = {})
#   %select_1 : Tensor "f32[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg42_1, 0, 1), kwargs = {})
#   %convert_element_type_42 : Tensor "bf16[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%select_1, torch.bfloat16), kwargs = {})
#   %unsqueeze_17 : Tensor "bf16[24, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%convert_element_type_42, 1), kwargs = {})
#   %mul_17 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_37, %unsqueeze_17), kwargs = {})
#   %convert_element_type_43 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_17, torch.float32), kwargs = {})
#   %clamp_min_9 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%convert_element_type_43, -448.0), kwargs = {})
#   %clamp_max_9 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_9, 448.0), kwargs = {})
#   %convert_element_type_44 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_9, torch.bfloat16), kwargs = {})
#   %convert_element_type_45 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_44, torch.float8_e4m3fn), kwargs = {})
#   %add_15 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_7, %arg35_1), kwargs = {})
#   %view_15 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_15, [1, 512, 3072]), kwargs = {})
#   %view_21 : Tensor "bf16[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_15, [1, 512, 24, 128]), kwargs = {})
#   %add_12 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_4, %arg23_1), kwargs = {})
#   %view_9 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_12, [1, 4096, 3072]), kwargs = {})
#   %view_18 : Tensor "bf16[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_9, [1, 4096, 24, 128]), kwargs = {})
#   %cat_2 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.cat.default](args = ([%view_21, %view_18], 1), kwargs = {})
#   %select_2 : Tensor "f32[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg42_1, 0, 2), kwargs = {})
#   %convert_element_type_46 : Tensor "bf16[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%select_2, torch.bfloat16), kwargs = {})
#   %unsqueeze_18 : Tensor "bf16[24, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%convert_element_type_46, 1), kwargs = {})
#   %mul_18 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%cat_2, %unsqueeze_18), kwargs = {})
#   %convert_element_type_47 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_18, torch.float32), kwargs = {})
#   %clamp_min_10 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%convert_element_type_47, -448.0), kwargs = {})
#   %clamp_max_10 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_10, 448.0), kwargs = {})
#   %convert_element_type_48 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_10, torch.bfloat16), kwargs = {})
#   %convert_element_type_49 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_48, torch.float8_e4m3fn), kwargs = {})
#   %select_3 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 0), kwargs = {})
#   %slice_9 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_3, 0, 0, 1), kwargs = {})
#   %select_4 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 1), kwargs = {})
#   %slice_10 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_4, 0, 0, 1), kwargs = {})
#   %select_5 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 2), kwargs = {})
#   %slice_11 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_5, 0, 0, 1), kwargs = {})
#   %fa3_fp8 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.lora_fast.fa3_fp8.default](args = (%convert_element_type_41, %convert_element_type_45, %convert_element_type_49, %slice_9, %slice_10, %slice_11), kwargs = {})
#   return %clamp_max_8,%buf32,%clamp_max_9,%buf33
triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_neg_select_slice_stack_unbind_unsqueeze_view_6 = async_compile.triton('triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_neg_select_slice_stack_unbind_unsqueeze_view_6', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 16777216}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*fp32', 'in_ptr2': '*fp32', 'in_ptr3': '*fp32', 'in_ptr4': '*bf16', 'out_ptr1': '*fp8e4nv', 'out_ptr3': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_neg_select_slice_stack_unbind_unsqueeze_view_6', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 10, 'num_store': 2, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 231211008}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_neg_select_slice_stack_unbind_unsqueeze_view_6(in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, out_ptr1, out_ptr3, xnumel, XBLOCK : tl.constexpr):
    xnumel = 14155776
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x3 = xindex
    x0 = (xindex % 128)
    x2 = xindex // 3072
    x4 = xindex // 128
    x1 = ((xindex // 128) % 24)
    tmp0 = tl.load(in_ptr0 + (x3), None).to(tl.float32)
    tmp2 = tl.load(in_ptr1 + (x0 + 128*x2), None, eviction_policy='evict_last')
    tmp19 = tl.load(in_ptr2 + (x0 + 128*x2), None, eviction_policy='evict_last')
    tmp23 = tl.load(in_ptr3 + (x1), None, eviction_policy='evict_last')
    tmp33 = tl.load(in_ptr4 + (x3), None).to(tl.float32)
    tmp46 = tl.load(in_ptr3 + (24 + x1), None, eviction_policy='evict_last')
    tmp1 = tmp0.to(tl.float32)
    tmp3 = tmp1 * tmp2
    tmp4 = (x3 % 2)
    tmp5 = tl.full([1], 0, tl.int64)
    tmp6 = tmp4 >= tmp5
    tmp7 = tl.full([1], 1, tl.int64)
    tmp8 = tmp4 < tmp7
    tmp9 = tl.load(in_ptr0 + (1 + 2*(x0 // 2) + 128*x4), tmp8, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp10 = -tmp9
    tmp11 = tl.full(tmp10.shape, 0.0, tmp10.dtype)
    tmp12 = tl.where(tmp8, tmp10, tmp11)
    tmp13 = tmp4 >= tmp7
    tmp14 = tl.full([1], 2, tl.int64)
    tmp15 = tmp4 < tmp14
    tmp16 = tl.load(in_ptr0 + (2*(x0 // 2) + 128*x4), tmp13, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp17 = tl.where(tmp8, tmp12, tmp16)
    tmp18 = tmp17.to(tl.float32)
    tmp20 = tmp18 * tmp19
    tmp21 = tmp3 + tmp20
    tmp22 = tmp21.to(tl.float32)
    tmp24 = tmp23.to(tl.float32)
    tmp25 = tmp22 * tmp24
    tmp26 = tmp25.to(tl.float32)
    tmp27 = tl.full([1], -448.0, tl.float32)
    tmp28 = triton_helpers.maximum(tmp26, tmp27)
    tmp29 = tl.full([1], 448.0, tl.float32)
    tmp30 = triton_helpers.minimum(tmp28, tmp29)
    tmp31 = tmp30.to(tl.float32)
    tmp32 = tmp31.to(tl.float8e4nv)
    tmp34 = tmp33.to(tl.float32)
    tmp35 = tmp34 * tmp2
    tmp36 = tl.load(in_ptr4 + (1 + 2*(x0 // 2) + 128*x4), tmp8, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp37 = -tmp36
    tmp38 = tl.full(tmp37.shape, 0.0, tmp37.dtype)
    tmp39 = tl.where(tmp8, tmp37, tmp38)
    tmp40 = tl.load(in_ptr4 + (2*(x0 // 2) + 128*x4), tmp13, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp41 = tl.where(tmp8, tmp39, tmp40)
    tmp42 = tmp41.to(tl.float32)
    tmp43 = tmp42 * tmp19
    tmp44 = tmp35 + tmp43
    tmp45 = tmp44.to(tl.float32)
    tmp47 = tmp46.to(tl.float32)
    tmp48 = tmp45 * tmp47
    tmp49 = tmp48.to(tl.float32)
    tmp50 = triton_helpers.maximum(tmp49, tmp27)
    tmp51 = triton_helpers.minimum(tmp50, tmp29)
    tmp52 = tmp51.to(tl.float32)
    tmp53 = tmp52.to(tl.float8e4nv)
    tl.store(out_ptr1 + (x3), tmp32, None)
    tl.store(out_ptr3 + (x3), tmp53, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/tw/ctw4w2lhyguxlheufc6r6pzqhdqsvglvmfxg6xrvdiahartgdspa.py
# Topologically Sorted Source Nodes: [clamp_8, to_23, clamp_9, to_25, output_15, encoder_value, unflatten_5, output_9, value, value_1, value_2, scale_2, to_26, getitem_37, mul_8, clamp_10, to_27, getitem_38, getitem_39, getitem_40, fa3_fp8_default], Original ATen: [aten.clamp, aten._to_copy, aten.add, aten.view, aten.cat, aten.select, aten.unsqueeze, aten.mul, aten.slice, lora_fast.fa3_fp8]
# Source node to ATen node mapping:
#   clamp_10 => clamp_max_10, clamp_min_10, convert_element_type_47, convert_element_type_48
#   clamp_8 => convert_element_type_40
#   clamp_9 => convert_element_type_44
#   encoder_value => view_15
#   fa3_fp8_default => fa3_fp8
#   getitem_37 => unsqueeze_18
#   getitem_38 => select_3, slice_9
#   getitem_39 => select_4, slice_10
#   getitem_40 => select_5, slice_11
#   mul_8 => mul_18
#   output_15 => add_15
#   output_9 => add_12
#   scale_2 => select_2
#   to_23 => convert_element_type_41
#   to_25 => convert_element_type_45
#   to_26 => convert_element_type_46
#   to_27 => convert_element_type_49
#   unflatten_5 => view_21
#   value => view_9
#   value_1 => view_18
#   value_2 => cat_2
# Graph fragment:
#   %_scaled_mm_7 : Tensor "bf16[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_7]
#   %arg35_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg35_1]
#   %_scaled_mm_4 : Tensor "bf16[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_4]
#   %arg23_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg23_1]
#   %arg42_1 : Tensor "f32[3, 24][24, 1]cuda:0" = PlaceHolder[target=arg42_1]
#   %convert_element_type_40 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_8, torch.bfloat16), kwargs = {})
#   %convert_element_type_41 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_40, torch.float8_e4m3fn), kwargs = {})
#   %convert_element_type_44 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_9, torch.bfloat16), kwargs = {})
#   %convert_element_type_45 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_44, torch.float8_e4m3fn), kwargs = {})
#   %add_15 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_7, %arg35_1), kwargs = {})
#   %view_15 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_15, [1, 512, 3072]), kwargs = {})
#   %view_21 : Tensor "bf16[1, 512, 24, 128][1572864, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_15, [1, 512, 24, 128]), kwargs = {})
#   %add_12 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_4, %arg23_1), kwargs = {})
#   %view_9 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_12, [1, 4096, 3072]), kwargs = {})
#   %view_18 : Tensor "bf16[1, 4096, 24, 128][12582912, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%view_9, [1, 4096, 24, 128]), kwargs = {})
#   %cat_2 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.cat.default](args = ([%view_21, %view_18], 1), kwargs = {})
#   %select_2 : Tensor "f32[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg42_1, 0, 2), kwargs = {})
#   %convert_element_type_46 : Tensor "bf16[24][1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%select_2, torch.bfloat16), kwargs = {})
#   %unsqueeze_18 : Tensor "bf16[24, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%convert_element_type_46, 1), kwargs = {})
#   %mul_18 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%cat_2, %unsqueeze_18), kwargs = {})
#   %convert_element_type_47 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_18, torch.float32), kwargs = {})
#   %clamp_min_10 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%convert_element_type_47, -448.0), kwargs = {})
#   %clamp_max_10 : Tensor "f32[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_10, 448.0), kwargs = {})
#   %convert_element_type_48 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_10, torch.bfloat16), kwargs = {})
#   %convert_element_type_49 : Tensor "f8e4m3fn[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%convert_element_type_48, torch.float8_e4m3fn), kwargs = {})
#   %select_3 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 0), kwargs = {})
#   %slice_9 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_3, 0, 0, 1), kwargs = {})
#   %select_4 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 1), kwargs = {})
#   %slice_10 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_4, 0, 0, 1), kwargs = {})
#   %select_5 : Tensor "f32[64, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.select.int](args = (%arg43_1, 0, 2), kwargs = {})
#   %slice_11 : Tensor "f32[1, 24][24, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%select_5, 0, 0, 1), kwargs = {})
#   %fa3_fp8 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.lora_fast.fa3_fp8.default](args = (%convert_element_type_41, %convert_element_type_45, %convert_element_type_49, %slice_9, %slice_10, %slice_11), kwargs = {})
#   return %buf34
triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_select_slice_unsqueeze_view_7 = async_compile.triton('triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_select_slice_unsqueeze_view_7', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 16777216}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*bf16', 'in_ptr4': '*fp32', 'out_ptr0': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_select_slice_unsqueeze_view_7', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 5, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 56635392}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_select_slice_unsqueeze_view_7(in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    xnumel = 14155776
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x2 = xindex // 3072
    x3 = (xindex % 3072)
    x1 = ((xindex // 128) % 24)
    x4 = xindex
    tmp19 = tl.load(in_ptr4 + (48 + x1), None, eviction_policy='evict_last')
    tmp0 = x2
    tmp1 = tl.full([1], 0, tl.int64)
    tmp2 = tmp0 >= tmp1
    tmp3 = tl.full([1], 512, tl.int64)
    tmp4 = tmp0 < tmp3
    tmp5 = tl.load(in_ptr0 + (x3 + 3072*(x2)), tmp4, other=0.0).to(tl.float32)
    tmp6 = tl.load(in_ptr1 + (x3), tmp4, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp7 = tmp5 + tmp6
    tmp8 = tl.full(tmp7.shape, 0.0, tmp7.dtype)
    tmp9 = tl.where(tmp4, tmp7, tmp8)
    tmp10 = tmp0 >= tmp3
    tmp11 = tl.full([1], 4608, tl.int64)
    tmp12 = tmp0 < tmp11
    tmp13 = tl.load(in_ptr2 + (x3 + 3072*((-512) + x2)), tmp10, other=0.0).to(tl.float32)
    tmp14 = tl.load(in_ptr3 + (x3), tmp10, eviction_policy='evict_last', other=0.0).to(tl.float32)
    tmp15 = tmp13 + tmp14
    tmp16 = tl.full(tmp15.shape, 0.0, tmp15.dtype)
    tmp17 = tl.where(tmp10, tmp15, tmp16)
    tmp18 = tl.where(tmp4, tmp9, tmp17)
    tmp20 = tmp19.to(tl.float32)
    tmp21 = tmp18 * tmp20
    tmp22 = tmp21.to(tl.float32)
    tmp23 = tl.full([1], -448.0, tl.float32)
    tmp24 = triton_helpers.maximum(tmp22, tmp23)
    tmp25 = tl.full([1], 448.0, tl.float32)
    tmp26 = triton_helpers.minimum(tmp24, tmp25)
    tmp27 = tmp26.to(tl.float32)
    tmp28 = tmp27.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x4), tmp28, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/kt/cktaftav5pmkxulgzxyio67bc5ig4azicpwpu5on3pmvlprqrbfw.py
# Topologically Sorted Source Nodes: [flatten_2, hidden_states_1, flat_8, float_13, truediv_8, clamp_11, rows_8, t_16, row_descale_8, t_17, output_16], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
# Source node to ATen node mapping:
#   clamp_11 => clamp_max_11, clamp_min_11
#   flat_8 => view_27
#   flatten_2 => view_26
#   float_13 => convert_element_type_50
#   hidden_states_1 => slice_13
#   output_16 => _scaled_mm_8
#   row_descale_8 => slice_14
#   rows_8 => convert_element_type_51
#   t_16 => permute_16
#   t_17 => permute_17
#   truediv_8 => div_10
# Graph fragment:
#   %fa3_fp8 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=fa3_fp8]
#   %arg44_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg44_1]
#   %view_26 : Tensor "bf16[1, 4608, 3072][14155776, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.aten.reshape.default](args = (%fa3_fp8, [1, 4608, 3072]), kwargs = {})
#   %slice_13 : Tensor "bf16[1, 4096, 3072][14155776, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%view_26, 1, 512, 9223372036854775807), kwargs = {})
#   %view_27 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%slice_13, [-1, 3072]), kwargs = {})
#   %convert_element_type_50 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_27, torch.float32), kwargs = {})
#   %div_10 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_50, %arg44_1), kwargs = {})
#   %clamp_min_11 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_10, -448.0), kwargs = {})
#   %clamp_max_11 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_11, 448.0), kwargs = {})
#   %convert_element_type_51 : Tensor "f8e4m3fn[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_11, torch.float8_e4m3fn), kwargs = {})
#   %permute_16 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg46_1, [1, 0]), kwargs = {})
#   %slice_14 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_17 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg45_1, [1, 0]), kwargs = {})
#   %_scaled_mm_8 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_51, %permute_16, %slice_14, %permute_17, None, None, torch.bfloat16, True), kwargs = {})
#   return %buf37
triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_8 = async_compile.triton('triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_8', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 16777216}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*fp32', 'out_ptr0': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_8', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 2, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 50331648}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_8(in_ptr0, in_ptr1, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    xnumel = 12582912
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x0 = xindex
    tmp0 = tl.load(in_ptr0 + (1572864 + x0), None).to(tl.float32)
    tmp2 = tl.load(in_ptr1 + (0))
    tmp3 = tl.broadcast_to(tmp2, [XBLOCK])
    tmp1 = tmp0.to(tl.float32)
    tmp4 = (tmp1 / tmp3)
    tmp5 = tl.full([1], -448.0, tl.float32)
    tmp6 = triton_helpers.maximum(tmp4, tmp5)
    tmp7 = tl.full([1], 448.0, tl.float32)
    tmp8 = triton_helpers.minimum(tmp6, tmp7)
    tmp9 = tmp8.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x0), tmp9, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/cw/ccwbwjewtl6yei4hfkjx33vtky5snrbskmnfov5mk773r3g2epoj.py
# Topologically Sorted Source Nodes: [output_1, chunk, unsqueeze, output_17, reshape_19, attn_output, hidden_states_3, norm_hidden_states, getitem_45, add_17, mul_10, getitem_46, norm_hidden_states_1, flat_10, float_15, truediv_10, clamp_13, rows_10, t_20, row_descale_10, t_21, output_20], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul, aten.native_layer_norm, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_17 => add_26
#   attn_output => mul_19
#   chunk => split
#   clamp_13 => clamp_max_13, clamp_min_13
#   flat_10 => view_31
#   float_15 => convert_element_type_56
#   getitem_45 => unsqueeze_20
#   getitem_46 => unsqueeze_21
#   hidden_states_3 => add_24
#   mul_10 => mul_21
#   norm_hidden_states => add_25, convert_element_type_54, convert_element_type_55, mul_20, rsqrt_6, sub_2, var_mean_2
#   norm_hidden_states_1 => add_27
#   output_1 => add_1
#   output_17 => add_22
#   output_20 => _scaled_mm_10
#   reshape_19 => view_28
#   row_descale_10 => slice_16
#   rows_10 => convert_element_type_57
#   t_20 => permute_20
#   t_21 => permute_21
#   truediv_10 => div_12
#   unsqueeze => unsqueeze_19
# Graph fragment:
#   %arg6_1 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0" = PlaceHolder[target=arg6_1]
#   %_scaled_mm : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm]
#   %arg5_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg5_1]
#   %_scaled_mm_8 : Tensor "bf16[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_8]
#   %arg47_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg47_1]
#   %add_24 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0" = PlaceHolder[target=add_24]
#   %getitem_21 : Tensor "f32[1, 4096, 1][4096, 1, 4096]cuda:0" = PlaceHolder[target=getitem_21]
#   %buf41 : Tensor "f32[1, 4096, 1][4096, 1, 4096]cuda:0" = PlaceHolder[target=buf41]
#   %arg52_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg52_1]
#   %clamp_max_13 : Tensor "f32[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=clamp_max_13]
#   %add_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm, %arg5_1), kwargs = {})
#   %split : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_1, 3072, 1), kwargs = {})
#   %unsqueeze_19 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_2, 1), kwargs = {})
#   %add_22 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_8, %arg47_1), kwargs = {})
#   %view_28 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_22, [1, 4096, 3072]), kwargs = {})
#   %mul_19 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%unsqueeze_19, %view_28), kwargs = {})
#   %add_24 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.aten.add.Tensor](args = (%arg6_1, %mul_19), kwargs = {})
#   %convert_element_type_54 : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%add_24, torch.float32), kwargs = {})
#   %var_mean_2 : [num_users=2] = call_function[target=torch.ops.aten.var_mean.correction](args = (%convert_element_type_54, [2]), kwargs = {correction: 0, keepdim: True})
#   %sub_2 : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sub.Tensor](args = (%convert_element_type_54, %getitem_21), kwargs = {})
#   %add_25 : Tensor "f32[1, 4096, 1][4096, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%getitem_20, 1e-06), kwargs = {})
#   %rsqrt_6 : Tensor "f32[1, 4096, 1][4096, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_25,), kwargs = {})
#   %mul_20 : Tensor "f32[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%sub_2, %rsqrt_6), kwargs = {})
#   %convert_element_type_55 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_20, torch.bfloat16), kwargs = {})
#   %unsqueeze_20 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_4, 1), kwargs = {})
#   %add_26 : Tensor "bf16[1, 1, 3072][3072, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%unsqueeze_20, 1), kwargs = {})
#   %mul_21 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_55, %add_26), kwargs = {})
#   %unsqueeze_21 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_3, 1), kwargs = {})
#   %add_27 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_21, %unsqueeze_21), kwargs = {})
#   %view_31 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_27, [-1, 3072]), kwargs = {})
#   %convert_element_type_56 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_31, torch.float32), kwargs = {})
#   %div_12 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_56, %arg52_1), kwargs = {})
#   %clamp_min_13 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_12, -448.0), kwargs = {})
#   %clamp_max_13 : Tensor "f32[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_13, 448.0), kwargs = {})
#   %convert_element_type_57 : Tensor "f8e4m3fn[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_13, torch.float8_e4m3fn), kwargs = {})
#   %permute_20 : Tensor "f8e4m3fn[3072, 12288][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg54_1, [1, 0]), kwargs = {})
#   %slice_16 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_21 : Tensor "f32[1, 12288][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg53_1, [1, 0]), kwargs = {})
#   %_scaled_mm_10 : Tensor "bf16[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_57, %permute_20, %slice_16, %permute_21, None, None, torch.bfloat16, True), kwargs = {})
#   return %add_24,%getitem_21,%buf41,%clamp_max_13,%buf56
triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_9 = async_compile.triton('triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_9', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.reduction(
    size_hints={'x': 4096, 'r0_': 4096},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_out_ptr0': '*bf16', 'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*bf16', 'in_ptr4': '*fp32', 'out_ptr3': '*fp8e4nv', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr', 'R0_BLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]], (8,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_9', 'mutated_arg_names': ['in_out_ptr0'], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 11, 'num_store': 2, 'num_reduction': 2, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 0, 'r0_': 125872128}}
)
@triton.jit
def triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_9(in_out_ptr0, in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, out_ptr3, xnumel, r0_numel, XBLOCK : tl.constexpr, R0_BLOCK : tl.constexpr):
    xnumel = 4096
    r0_numel = 3072
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = tl.full([XBLOCK], True, tl.int1)[:, None]
    r0_base = tl.arange(0, R0_BLOCK)[None, :]
    rbase = r0_base
    x0 = xindex
    tmp11_mean = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp11_m2 = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp11_weight = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp0 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp1 = tl.load(in_ptr1 + (6144 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp2 = tl.load(in_ptr2 + (6144 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp4 = tl.load(in_out_ptr0 + (r0_1 + 3072*x0), r0_mask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp5 = tl.load(in_ptr3 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp3 = tmp1 + tmp2
        tmp6 = tmp4 + tmp5
        tmp7 = tmp3 * tmp6
        tmp8 = tmp0 + tmp7
        tmp9 = tmp8.to(tl.float32)
        tmp10 = tl.broadcast_to(tmp9, [XBLOCK, R0_BLOCK])
        tmp11_mean_next, tmp11_m2_next, tmp11_weight_next = triton_helpers.welford_reduce(
            tmp10, tmp11_mean, tmp11_m2, tmp11_weight, roffset == 0
        )
        tmp11_mean = tl.where(r0_mask, tmp11_mean_next, tmp11_mean)
        tmp11_m2 = tl.where(r0_mask, tmp11_m2_next, tmp11_m2)
        tmp11_weight = tl.where(r0_mask, tmp11_weight_next, tmp11_weight)
        tl.store(in_out_ptr0 + (r0_1 + 3072*x0), tmp8, r0_mask)
    tmp12, tmp13, tmp14 = triton_helpers.welford(tmp11_mean, tmp11_m2, tmp11_weight, 1)
    tmp11 = tmp12[:, None]
    tmp15 = tmp13[:, None]
    tmp16 = tmp14[:, None]
    tmp38 = tl.load(in_ptr4 + (0))
    tmp39 = tl.broadcast_to(tmp38, [1, 1])
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp17 = tl.load(in_out_ptr0 + (r0_1 + 3072*x0), r0_mask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp27 = tl.load(in_ptr1 + (12288 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp28 = tl.load(in_ptr2 + (12288 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp33 = tl.load(in_ptr1 + (9216 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp34 = tl.load(in_ptr2 + (9216 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp18 = tmp17.to(tl.float32)
        tmp19 = tmp18 - tmp11
        tmp20 = tl.full([1, 1], 3072.0, tl.float32)
        tmp21 = (tmp15 / tmp20)
        tmp22 = tl.full([1, 1], 1e-06, tl.float32)
        tmp23 = tmp21 + tmp22
        tmp24 = libdevice.rsqrt(tmp23)
        tmp25 = tmp19 * tmp24
        tmp26 = tmp25.to(tl.float32)
        tmp29 = tmp27 + tmp28
        tmp30 = tl.full([1, 1], 1.0, tl.float32)
        tmp31 = tmp29 + tmp30
        tmp32 = tmp26 * tmp31
        tmp35 = tmp33 + tmp34
        tmp36 = tmp32 + tmp35
        tmp37 = tmp36.to(tl.float32)
        tmp40 = (tmp37 / tmp39)
        tmp41 = tl.full([1, 1], -448.0, tl.float32)
        tmp42 = triton_helpers.maximum(tmp40, tmp41)
        tmp43 = tl.full([1, 1], 448.0, tl.float32)
        tmp44 = triton_helpers.minimum(tmp42, tmp43)
        tmp45 = tmp44.to(tl.float8e4nv)
        tl.store(out_ptr3 + (r0_1 + 3072*x0), tmp45, r0_mask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/24/c24tglnrxy6xjg3bkrh5m5gd7p5wks6v7ygpnh465nbvnqfpb5ea.py
# Topologically Sorted Source Nodes: [flatten_2, context, flat_9, float_14, truediv_9, clamp_12, rows_9, t_18, row_descale_9, t_19, output_18], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
# Source node to ATen node mapping:
#   clamp_12 => clamp_max_12, clamp_min_12
#   context => slice_12
#   flat_9 => view_29
#   flatten_2 => view_26
#   float_14 => convert_element_type_52
#   output_18 => _scaled_mm_9
#   row_descale_9 => slice_15
#   rows_9 => convert_element_type_53
#   t_18 => permute_18
#   t_19 => permute_19
#   truediv_9 => div_11
# Graph fragment:
#   %fa3_fp8 : Tensor "bf16[1, 4608, 24, 128][14155776, 3072, 128, 1]cuda:0" = PlaceHolder[target=fa3_fp8]
#   %arg48_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg48_1]
#   %view_26 : Tensor "bf16[1, 4608, 3072][14155776, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.aten.reshape.default](args = (%fa3_fp8, [1, 4608, 3072]), kwargs = {})
#   %slice_12 : Tensor "bf16[1, 512, 3072][14155776, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%view_26, 1, 0, 512), kwargs = {})
#   %view_29 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%slice_12, [-1, 3072]), kwargs = {})
#   %convert_element_type_52 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_29, torch.float32), kwargs = {})
#   %div_11 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_52, %arg48_1), kwargs = {})
#   %clamp_min_12 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_11, -448.0), kwargs = {})
#   %clamp_max_12 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_12, 448.0), kwargs = {})
#   %convert_element_type_53 : Tensor "f8e4m3fn[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_12, torch.float8_e4m3fn), kwargs = {})
#   %permute_18 : Tensor "f8e4m3fn[3072, 3072][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg50_1, [1, 0]), kwargs = {})
#   %slice_15 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_19 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg49_1, [1, 0]), kwargs = {})
#   %_scaled_mm_9 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_53, %permute_18, %slice_15, %permute_19, None, None, torch.bfloat16, True), kwargs = {})
#   return %buf43
triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_10 = async_compile.triton('triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_10', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 2097152}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*fp32', 'out_ptr0': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_10', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 2, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 6291456}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_10(in_ptr0, in_ptr1, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    xnumel = 1572864
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x0 = xindex
    tmp0 = tl.load(in_ptr0 + (x0), None).to(tl.float32)
    tmp2 = tl.load(in_ptr1 + (0))
    tmp3 = tl.broadcast_to(tmp2, [XBLOCK])
    tmp1 = tmp0.to(tl.float32)
    tmp4 = (tmp1 / tmp3)
    tmp5 = tl.full([1], -448.0, tl.float32)
    tmp6 = triton_helpers.maximum(tmp4, tmp5)
    tmp7 = tl.full([1], 448.0, tl.float32)
    tmp8 = triton_helpers.minimum(tmp6, tmp7)
    tmp9 = tmp8.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x0), tmp9, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/ro/crok6et3rpbqwngnzqve7hgzbmaey63qbm7jtnrktm375fer5g7j.py
# Topologically Sorted Source Nodes: [output_3, chunk_1, unsqueeze_2, output_19, context_attn_output, context_attn_output_1, encoder_hidden_states, norm_encoder_hidden_states, getitem_49, add_24, mul_18, getitem_50, norm_encoder_hidden_states_1, flat_12, float_18, truediv_12, clamp_15, rows_12, t_24, row_descale_12, t_25, output_24], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul, aten.native_layer_norm, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_24 => add_34
#   chunk_1 => split_1
#   clamp_15 => clamp_max_15, clamp_min_15
#   context_attn_output => view_30
#   context_attn_output_1 => mul_28
#   encoder_hidden_states => add_32
#   flat_12 => view_35
#   float_18 => convert_element_type_64
#   getitem_49 => unsqueeze_24
#   getitem_50 => unsqueeze_25
#   mul_18 => mul_30
#   norm_encoder_hidden_states => add_33, convert_element_type_62, convert_element_type_63, mul_29, rsqrt_7, sub_3, var_mean_3
#   norm_encoder_hidden_states_1 => add_35
#   output_19 => add_23
#   output_24 => _scaled_mm_12
#   output_3 => add_6
#   row_descale_12 => slice_18
#   rows_12 => convert_element_type_65
#   t_24 => permute_24
#   t_25 => permute_25
#   truediv_12 => div_14
#   unsqueeze_2 => unsqueeze_23
# Graph fragment:
#   %arg11_1 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0" = PlaceHolder[target=arg11_1]
#   %_scaled_mm_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm_1]
#   %arg10_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg10_1]
#   %_scaled_mm_9 : Tensor "bf16[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_9]
#   %arg51_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg51_1]
#   %add_32 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0" = PlaceHolder[target=add_32]
#   %getitem_23 : Tensor "f32[1, 512, 1][512, 1, 512]cuda:0" = PlaceHolder[target=getitem_23]
#   %buf47 : Tensor "f32[1, 512, 1][512, 1, 512]cuda:0" = PlaceHolder[target=buf47]
#   %arg60_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg60_1]
#   %clamp_max_15 : Tensor "f32[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=clamp_max_15]
#   %add_6 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_1, %arg10_1), kwargs = {})
#   %split_1 : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_6, 3072, 1), kwargs = {})
#   %unsqueeze_23 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_10, 1), kwargs = {})
#   %add_23 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_9, %arg51_1), kwargs = {})
#   %view_30 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_23, [1, 512, 3072]), kwargs = {})
#   %mul_28 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%unsqueeze_23, %view_30), kwargs = {})
#   %add_32 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.aten.add.Tensor](args = (%arg11_1, %mul_28), kwargs = {})
#   %convert_element_type_62 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=2] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%add_32, torch.float32), kwargs = {})
#   %var_mean_3 : [num_users=2] = call_function[target=torch.ops.aten.var_mean.correction](args = (%convert_element_type_62, [2]), kwargs = {correction: 0, keepdim: True})
#   %sub_3 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sub.Tensor](args = (%convert_element_type_62, %getitem_23), kwargs = {})
#   %add_33 : Tensor "f32[1, 512, 1][512, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%getitem_22, 1e-06), kwargs = {})
#   %rsqrt_7 : Tensor "f32[1, 512, 1][512, 1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.rsqrt.default](args = (%add_33,), kwargs = {})
#   %mul_29 : Tensor "f32[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%sub_3, %rsqrt_7), kwargs = {})
#   %convert_element_type_63 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_29, torch.bfloat16), kwargs = {})
#   %unsqueeze_24 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_12, 1), kwargs = {})
#   %add_34 : Tensor "bf16[1, 1, 3072][3072, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%unsqueeze_24, 1), kwargs = {})
#   %mul_30 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_63, %add_34), kwargs = {})
#   %unsqueeze_25 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_11, 1), kwargs = {})
#   %add_35 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%mul_30, %unsqueeze_25), kwargs = {})
#   %view_35 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_35, [-1, 3072]), kwargs = {})
#   %convert_element_type_64 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_35, torch.float32), kwargs = {})
#   %div_14 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_64, %arg60_1), kwargs = {})
#   %clamp_min_15 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_14, -448.0), kwargs = {})
#   %clamp_max_15 : Tensor "f32[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_15, 448.0), kwargs = {})
#   %convert_element_type_65 : Tensor "f8e4m3fn[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_15, torch.float8_e4m3fn), kwargs = {})
#   %permute_24 : Tensor "f8e4m3fn[3072, 12288][1, 3072]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg62_1, [1, 0]), kwargs = {})
#   %slice_18 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_25 : Tensor "f32[1, 12288][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg61_1, [1, 0]), kwargs = {})
#   %_scaled_mm_12 : Tensor "bf16[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_65, %permute_24, %slice_18, %permute_25, None, None, torch.bfloat16, True), kwargs = {})
#   return %add_32,%getitem_23,%buf47,%clamp_max_15,%buf50
triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_11 = async_compile.triton('triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_11', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.reduction(
    size_hints={'x': 512, 'r0_': 4096},
    reduction_hint=ReductionHint.INNER,
    filename=__file__,
    triton_meta={'signature': {'in_out_ptr0': '*bf16', 'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*bf16', 'in_ptr4': '*fp32', 'out_ptr3': '*fp8e4nv', 'xnumel': 'i32', 'r0_numel': 'i32', 'XBLOCK': 'constexpr', 'R0_BLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]], (6,): [['tt.divisibility', 16]], (7,): [['tt.divisibility', 16]], (8,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_11', 'mutated_arg_names': ['in_out_ptr0'], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 11, 'num_store': 2, 'num_reduction': 2, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': True, 'tiling_scores': {'x': 0, 'r0_': 15771648}}
)
@triton.jit
def triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_11(in_out_ptr0, in_ptr0, in_ptr1, in_ptr2, in_ptr3, in_ptr4, out_ptr3, xnumel, r0_numel, XBLOCK : tl.constexpr, R0_BLOCK : tl.constexpr):
    xnumel = 512
    r0_numel = 3072
    rnumel = r0_numel
    RBLOCK: tl.constexpr = R0_BLOCK
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = xindex < xnumel
    r0_base = tl.arange(0, R0_BLOCK)[None, :]
    rbase = r0_base
    x0 = xindex
    tmp11_mean = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp11_m2 = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    tmp11_weight = tl.zeros([XBLOCK, R0_BLOCK], tl.float32)
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp0 = tl.load(in_ptr0 + (r0_1 + 3072*x0), r0_mask & xmask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp1 = tl.load(in_ptr1 + (6144 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp2 = tl.load(in_ptr2 + (6144 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp4 = tl.load(in_out_ptr0 + (r0_1 + 3072*x0), r0_mask & xmask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp5 = tl.load(in_ptr3 + (r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp3 = tmp1 + tmp2
        tmp6 = tmp4 + tmp5
        tmp7 = tmp3 * tmp6
        tmp8 = tmp0 + tmp7
        tmp9 = tmp8.to(tl.float32)
        tmp10 = tl.broadcast_to(tmp9, [XBLOCK, R0_BLOCK])
        tmp11_mean_next, tmp11_m2_next, tmp11_weight_next = triton_helpers.welford_reduce(
            tmp10, tmp11_mean, tmp11_m2, tmp11_weight, roffset == 0
        )
        tmp11_mean = tl.where(r0_mask & xmask, tmp11_mean_next, tmp11_mean)
        tmp11_m2 = tl.where(r0_mask & xmask, tmp11_m2_next, tmp11_m2)
        tmp11_weight = tl.where(r0_mask & xmask, tmp11_weight_next, tmp11_weight)
        tl.store(in_out_ptr0 + (r0_1 + 3072*x0), tmp8, r0_mask & xmask)
    tmp12, tmp13, tmp14 = triton_helpers.welford(tmp11_mean, tmp11_m2, tmp11_weight, 1)
    tmp11 = tmp12[:, None]
    tmp15 = tmp13[:, None]
    tmp16 = tmp14[:, None]
    tmp38 = tl.load(in_ptr4 + (0))
    tmp39 = tl.broadcast_to(tmp38, [1, 1])
    for r0_offset in tl.range(0, r0_numel, R0_BLOCK):
        r0_index = r0_offset + r0_base
        r0_mask = r0_index < r0_numel
        roffset = r0_offset
        rindex = r0_index
        r0_1 = r0_index
        tmp17 = tl.load(in_out_ptr0 + (r0_1 + 3072*x0), r0_mask & xmask, eviction_policy='evict_first', other=0.0).to(tl.float32)
        tmp27 = tl.load(in_ptr1 + (12288 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp28 = tl.load(in_ptr2 + (12288 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp33 = tl.load(in_ptr1 + (9216 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp34 = tl.load(in_ptr2 + (9216 + r0_1), r0_mask, eviction_policy='evict_last', other=0.0).to(tl.float32)
        tmp18 = tmp17.to(tl.float32)
        tmp19 = tmp18 - tmp11
        tmp20 = tl.full([1, 1], 3072.0, tl.float32)
        tmp21 = (tmp15 / tmp20)
        tmp22 = tl.full([1, 1], 1e-06, tl.float32)
        tmp23 = tmp21 + tmp22
        tmp24 = libdevice.rsqrt(tmp23)
        tmp25 = tmp19 * tmp24
        tmp26 = tmp25.to(tl.float32)
        tmp29 = tmp27 + tmp28
        tmp30 = tl.full([1, 1], 1.0, tl.float32)
        tmp31 = tmp29 + tmp30
        tmp32 = tmp26 * tmp31
        tmp35 = tmp33 + tmp34
        tmp36 = tmp32 + tmp35
        tmp37 = tmp36.to(tl.float32)
        tmp40 = (tmp37 / tmp39)
        tmp41 = tl.full([1, 1], -448.0, tl.float32)
        tmp42 = triton_helpers.maximum(tmp40, tmp41)
        tmp43 = tl.full([1, 1], 448.0, tl.float32)
        tmp44 = triton_helpers.minimum(tmp42, tmp43)
        tmp45 = tmp44.to(tl.float8e4nv)
        tl.store(out_ptr3 + (r0_1 + 3072*x0), tmp45, r0_mask & xmask)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/pc/cpcgzcajjegle4yjofw6adqcf4h46dlxcz65k6fdinozaerudvhq.py
# Topologically Sorted Source Nodes: [output_25, hidden_states_9, value_4, mul_19, mul_20, mul_21, add_27, mul_22, sigmoid_1, mul_23, hidden_states_10, flat_13, float_20, truediv_13, clamp_16, rows_13, t_26, row_descale_13, t_27, output_26], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_27 => add_37
#   clamp_16 => clamp_max_16, clamp_min_16
#   flat_13 => view_37
#   float_20 => convert_element_type_68
#   hidden_states_10 => convert_element_type_67
#   hidden_states_9 => view_36
#   mul_19 => mul_31
#   mul_20 => mul_32
#   mul_21 => mul_33
#   mul_22 => mul_34
#   mul_23 => mul_35
#   output_25 => add_36
#   output_26 => _scaled_mm_13
#   row_descale_13 => slice_19
#   rows_13 => convert_element_type_69
#   sigmoid_1 => sigmoid_1
#   t_26 => permute_26
#   t_27 => permute_27
#   truediv_13 => div_15
#   value_4 => convert_element_type_66
# Graph fragment:
#   %_scaled_mm_12 : Tensor "bf16[512, 12288][12288, 1]cuda:0" = PlaceHolder[target=_scaled_mm_12]
#   %arg63_1 : Tensor "bf16[12288][1]cuda:0" = PlaceHolder[target=arg63_1]
#   %arg64_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg64_1]
#   %add_36 : Tensor "bf16[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_12, %arg63_1), kwargs = {})
#   %view_36 : Tensor "bf16[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_36, [1, 512, 12288]), kwargs = {})
#   %convert_element_type_66 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=5] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_36, torch.float32), kwargs = {})
#   %mul_31 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_66, 0.044715), kwargs = {})
#   %mul_32 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_31, %convert_element_type_66), kwargs = {})
#   %mul_33 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_32, %convert_element_type_66), kwargs = {})
#   %add_37 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%convert_element_type_66, %mul_33), kwargs = {})
#   %mul_34 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%add_37, 1.5957691216057308), kwargs = {})
#   %sigmoid_1 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sigmoid.default](args = (%mul_34,), kwargs = {})
#   %mul_35 : Tensor "f32[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_66, %sigmoid_1), kwargs = {})
#   %convert_element_type_67 : Tensor "bf16[1, 512, 12288][6291456, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_35, torch.bfloat16), kwargs = {})
#   %view_37 : Tensor "bf16[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%convert_element_type_67, [-1, 12288]), kwargs = {})
#   %convert_element_type_68 : Tensor "f32[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_37, torch.float32), kwargs = {})
#   %div_15 : Tensor "f32[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_68, %arg64_1), kwargs = {})
#   %clamp_min_16 : Tensor "f32[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_15, -448.0), kwargs = {})
#   %clamp_max_16 : Tensor "f32[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_16, 448.0), kwargs = {})
#   %convert_element_type_69 : Tensor "f8e4m3fn[512, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_16, torch.float8_e4m3fn), kwargs = {})
#   %permute_26 : Tensor "f8e4m3fn[12288, 3072][1, 12288]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg66_1, [1, 0]), kwargs = {})
#   %slice_19 : Tensor "f32[512, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 512), kwargs = {})
#   %permute_27 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg65_1, [1, 0]), kwargs = {})
#   %_scaled_mm_13 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_69, %permute_26, %slice_19, %permute_27, None, None, torch.bfloat16, True), kwargs = {})
#   return %buf52
triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_12 = async_compile.triton('triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_12', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 8388608}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*fp32', 'out_ptr0': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_12', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 3, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 25190400}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_12(in_ptr0, in_ptr1, in_ptr2, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    xnumel = 6291456
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x2 = xindex
    x0 = (xindex % 12288)
    tmp0 = tl.load(in_ptr0 + (x2), None).to(tl.float32)
    tmp1 = tl.load(in_ptr1 + (x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp15 = tl.load(in_ptr2 + (0))
    tmp16 = tl.broadcast_to(tmp15, [XBLOCK])
    tmp2 = tmp0 + tmp1
    tmp3 = tmp2.to(tl.float32)
    tmp4 = tl.full([1], 0.044715, tl.float32)
    tmp5 = tmp3 * tmp4
    tmp6 = tmp5 * tmp3
    tmp7 = tmp6 * tmp3
    tmp8 = tmp3 + tmp7
    tmp9 = tl.full([1], 1.5957691216057308, tl.float32)
    tmp10 = tmp8 * tmp9
    tmp11 = tl.sigmoid(tmp10)
    tmp12 = tmp3 * tmp11
    tmp13 = tmp12.to(tl.float32)
    tmp14 = tmp13.to(tl.float32)
    tmp17 = (tmp14 / tmp16)
    tmp18 = tl.full([1], -448.0, tl.float32)
    tmp19 = triton_helpers.maximum(tmp17, tmp18)
    tmp20 = tl.full([1], 448.0, tl.float32)
    tmp21 = triton_helpers.minimum(tmp19, tmp20)
    tmp22 = tmp21.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x2), tmp22, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/7u/c7u6szlguqhzdyff5zpgwq42kxk33rtcp7rigzjqf46nvwpent2o.py
# Topologically Sorted Source Nodes: [output_3, chunk_1, unsqueeze_3, output_27, hidden_states_12, mul_24, encoder_hidden_states_1], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul]
# Source node to ATen node mapping:
#   chunk_1 => split_1
#   encoder_hidden_states_1 => add_39
#   hidden_states_12 => view_38
#   mul_24 => mul_36
#   output_27 => add_38
#   output_3 => add_6
#   unsqueeze_3 => unsqueeze_26
# Graph fragment:
#   %add_32 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0" = PlaceHolder[target=add_32]
#   %_scaled_mm_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm_1]
#   %arg10_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg10_1]
#   %_scaled_mm_13 : Tensor "bf16[512, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_13]
#   %arg67_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg67_1]
#   %add_6 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_1, %arg10_1), kwargs = {})
#   %split_1 : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_6, 3072, 1), kwargs = {})
#   %unsqueeze_26 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_13, 1), kwargs = {})
#   %add_38 : Tensor "bf16[512, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_13, %arg67_1), kwargs = {})
#   %view_38 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_38, [1, 512, 3072]), kwargs = {})
#   %mul_36 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%unsqueeze_26, %view_38), kwargs = {})
#   %add_39 : Tensor "bf16[1, 512, 3072][1572864, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%add_32, %mul_36), kwargs = {})
#   return %add_39
triton_poi_fused_add_mul_split_unsqueeze_view_13 = async_compile.triton('triton_poi_fused_add_mul_split_unsqueeze_view_13', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 2097152}, 
    filename=__file__,
    triton_meta={'signature': {'in_out_ptr0': '*bf16', 'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*bf16', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused_add_mul_split_unsqueeze_view_13', 'mutated_arg_names': ['in_out_ptr0'], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 5, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 12601344}},
    min_elem_per_thread=0
)
@triton.jit
def triton_poi_fused_add_mul_split_unsqueeze_view_13(in_out_ptr0, in_ptr0, in_ptr1, in_ptr2, in_ptr3, xnumel, XBLOCK : tl.constexpr):
    xnumel = 1572864
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x2 = xindex
    x0 = (xindex % 3072)
    tmp0 = tl.load(in_out_ptr0 + (x2), None).to(tl.float32)
    tmp1 = tl.load(in_ptr0 + (15360 + x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp2 = tl.load(in_ptr1 + (15360 + x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp4 = tl.load(in_ptr2 + (x2), None).to(tl.float32)
    tmp5 = tl.load(in_ptr3 + (x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp3 = tmp1 + tmp2
    tmp6 = tmp4 + tmp5
    tmp7 = tmp3 * tmp6
    tmp8 = tmp0 + tmp7
    tl.store(in_out_ptr0 + (x2), tmp8, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/li/clilaup5vmmcao2blrepofvr56k6za4eeqwm4id2srhakiqc75ld.py
# Topologically Sorted Source Nodes: [output_21, hidden_states_4, value_3, mul_11, mul_12, mul_13, add_20, mul_14, sigmoid, mul_15, hidden_states_5, flat_11, float_17, truediv_11, clamp_14, rows_11, t_22, row_descale_11, t_23, output_22], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
# Source node to ATen node mapping:
#   add_20 => add_29
#   clamp_14 => clamp_max_14, clamp_min_14
#   flat_11 => view_33
#   float_17 => convert_element_type_60
#   hidden_states_4 => view_32
#   hidden_states_5 => convert_element_type_59
#   mul_11 => mul_22
#   mul_12 => mul_23
#   mul_13 => mul_24
#   mul_14 => mul_25
#   mul_15 => mul_26
#   output_21 => add_28
#   output_22 => _scaled_mm_11
#   row_descale_11 => slice_17
#   rows_11 => convert_element_type_61
#   sigmoid => sigmoid
#   t_22 => permute_22
#   t_23 => permute_23
#   truediv_11 => div_13
#   value_3 => convert_element_type_58
# Graph fragment:
#   %_scaled_mm_10 : Tensor "bf16[4096, 12288][12288, 1]cuda:0" = PlaceHolder[target=_scaled_mm_10]
#   %arg55_1 : Tensor "bf16[12288][1]cuda:0" = PlaceHolder[target=arg55_1]
#   %arg56_1 : Tensor "f32[1, 1][1, 1]cuda:0" = PlaceHolder[target=arg56_1]
#   %add_28 : Tensor "bf16[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_10, %arg55_1), kwargs = {})
#   %view_32 : Tensor "bf16[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_28, [1, 4096, 12288]), kwargs = {})
#   %convert_element_type_58 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=5] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_32, torch.float32), kwargs = {})
#   %mul_22 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_58, 0.044715), kwargs = {})
#   %mul_23 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_22, %convert_element_type_58), kwargs = {})
#   %mul_24 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%mul_23, %convert_element_type_58), kwargs = {})
#   %add_29 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%convert_element_type_58, %mul_24), kwargs = {})
#   %mul_25 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%add_29, 1.5957691216057308), kwargs = {})
#   %sigmoid : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.sigmoid.default](args = (%mul_25,), kwargs = {})
#   %mul_26 : Tensor "f32[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%convert_element_type_58, %sigmoid), kwargs = {})
#   %convert_element_type_59 : Tensor "bf16[1, 4096, 12288][50331648, 12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%mul_26, torch.bfloat16), kwargs = {})
#   %view_33 : Tensor "bf16[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%convert_element_type_59, [-1, 12288]), kwargs = {})
#   %convert_element_type_60 : Tensor "f32[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%view_33, torch.float32), kwargs = {})
#   %div_13 : Tensor "f32[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.div.Tensor](args = (%convert_element_type_60, %arg56_1), kwargs = {})
#   %clamp_min_14 : Tensor "f32[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_min.default](args = (%div_13, -448.0), kwargs = {})
#   %clamp_max_14 : Tensor "f32[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.clamp_max.default](args = (%clamp_min_14, 448.0), kwargs = {})
#   %convert_element_type_61 : Tensor "f8e4m3fn[4096, 12288][12288, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.prims.convert_element_type.default](args = (%clamp_max_14, torch.float8_e4m3fn), kwargs = {})
#   %permute_22 : Tensor "f8e4m3fn[12288, 3072][1, 12288]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg58_1, [1, 0]), kwargs = {})
#   %slice_17 : Tensor "f32[4096, 1][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.slice.Tensor](args = (%arg2_1, 0, 0, 4096), kwargs = {})
#   %permute_23 : Tensor "f32[1, 3072][1, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.permute.default](args = (%arg57_1, [1, 0]), kwargs = {})
#   %_scaled_mm_11 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten._scaled_mm.default](args = (%convert_element_type_61, %permute_22, %slice_17, %permute_23, None, None, torch.bfloat16, True), kwargs = {})
#   return %buf58
triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_14 = async_compile.triton('triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_14', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 67108864}, 
    filename=__file__,
    triton_meta={'signature': {'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*fp32', 'out_ptr0': '*fp8e4nv', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_14', 'mutated_arg_names': [], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 3, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 201351168}},
    min_elem_per_thread=2
)
@triton.jit
def triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_14(in_ptr0, in_ptr1, in_ptr2, out_ptr0, xnumel, XBLOCK : tl.constexpr):
    xnumel = 50331648
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x2 = xindex
    x0 = (xindex % 12288)
    tmp0 = tl.load(in_ptr0 + (x2), None).to(tl.float32)
    tmp1 = tl.load(in_ptr1 + (x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp15 = tl.load(in_ptr2 + (0))
    tmp16 = tl.broadcast_to(tmp15, [XBLOCK])
    tmp2 = tmp0 + tmp1
    tmp3 = tmp2.to(tl.float32)
    tmp4 = tl.full([1], 0.044715, tl.float32)
    tmp5 = tmp3 * tmp4
    tmp6 = tmp5 * tmp3
    tmp7 = tmp6 * tmp3
    tmp8 = tmp3 + tmp7
    tmp9 = tl.full([1], 1.5957691216057308, tl.float32)
    tmp10 = tmp8 * tmp9
    tmp11 = tl.sigmoid(tmp10)
    tmp12 = tmp3 * tmp11
    tmp13 = tmp12.to(tl.float32)
    tmp14 = tmp13.to(tl.float32)
    tmp17 = (tmp14 / tmp16)
    tmp18 = tl.full([1], -448.0, tl.float32)
    tmp19 = triton_helpers.maximum(tmp17, tmp18)
    tmp20 = tl.full([1], 448.0, tl.float32)
    tmp21 = triton_helpers.minimum(tmp19, tmp20)
    tmp22 = tmp21.to(tl.float8e4nv)
    tl.store(out_ptr0 + (x2), tmp22, None)
''', device_str='cuda')


# kernel path: /tmp/block_probe_cache_75hw0tcz/aa/caamnlote76pz2xbb3byycxholcgas72bcktnf2523g63qqlb4r3.py
# Topologically Sorted Source Nodes: [output_1, chunk, unsqueeze_1, output_23, hidden_states_7, ff_output, hidden_states_8], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul]
# Source node to ATen node mapping:
#   chunk => split
#   ff_output => mul_27
#   hidden_states_7 => view_34
#   hidden_states_8 => add_31
#   output_1 => add_1
#   output_23 => add_30
#   unsqueeze_1 => unsqueeze_22
# Graph fragment:
#   %add_24 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0" = PlaceHolder[target=add_24]
#   %_scaled_mm : Tensor "bf16[1, 18432][18432, 1]cuda:0" = PlaceHolder[target=_scaled_mm]
#   %arg5_1 : Tensor "bf16[18432][1]cuda:0" = PlaceHolder[target=arg5_1]
#   %_scaled_mm_11 : Tensor "bf16[4096, 3072][3072, 1]cuda:0" = PlaceHolder[target=_scaled_mm_11]
#   %arg59_1 : Tensor "bf16[3072][1]cuda:0" = PlaceHolder[target=arg59_1]
#   %add_1 : Tensor "bf16[1, 18432][18432, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm, %arg5_1), kwargs = {})
#   %split : [num_users=6] = call_function[target=torch.ops.aten.split.Tensor](args = (%add_1, 3072, 1), kwargs = {})
#   %unsqueeze_22 : Tensor "bf16[1, 1, 3072][18432, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.unsqueeze.default](args = (%getitem_5, 1), kwargs = {})
#   %add_30 : Tensor "bf16[4096, 3072][3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%_scaled_mm_11, %arg59_1), kwargs = {})
#   %view_34 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.reshape.default](args = (%add_30, [1, 4096, 3072]), kwargs = {})
#   %mul_27 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.mul.Tensor](args = (%unsqueeze_22, %view_34), kwargs = {})
#   %add_31 : Tensor "bf16[1, 4096, 3072][12582912, 3072, 1]cuda:0"[num_users=1] = call_function[target=torch.ops.aten.add.Tensor](args = (%add_24, %mul_27), kwargs = {})
#   return %add_31
triton_poi_fused_add_mul_split_unsqueeze_view_15 = async_compile.triton('triton_poi_fused_add_mul_split_unsqueeze_view_15', '''
import triton
import triton.language as tl

from torch._inductor.runtime import triton_helpers, triton_heuristics
from torch._inductor.runtime.triton_helpers import libdevice, math as tl_math
from torch._inductor.runtime.hints import AutotuneHint, ReductionHint, TileHint, DeviceProperties
triton_helpers.set_driver_to_gpu()

@triton_heuristics.pointwise(
    size_hints={'x': 16777216}, 
    filename=__file__,
    triton_meta={'signature': {'in_out_ptr0': '*bf16', 'in_ptr0': '*bf16', 'in_ptr1': '*bf16', 'in_ptr2': '*bf16', 'in_ptr3': '*bf16', 'xnumel': 'i32', 'XBLOCK': 'constexpr'}, 'device': DeviceProperties(type='cuda', index=0, multi_processor_count=132, cc=90, major=9, regs_per_multiprocessor=65536, max_threads_per_multi_processor=2048, max_threads_per_block=1024, warp_size=32), 'constants': {}, 'native_matmul': False, 'enable_fp_fusion': True, 'launch_pdl': False, 'disable_ftz': False, 'configs': [{(0,): [['tt.divisibility', 16]], (1,): [['tt.divisibility', 16]], (2,): [['tt.divisibility', 16]], (3,): [['tt.divisibility', 16]], (4,): [['tt.divisibility', 16]], (5,): [['tt.divisibility', 16]]}]},
    inductor_meta={'grid_type': 'Grid1D', 'autotune_hints': set(), 'kernel_name': 'triton_poi_fused_add_mul_split_unsqueeze_view_15', 'mutated_arg_names': ['in_out_ptr0'], 'optimize_mem': True, 'no_x_dim': False, 'atomic_add_found': False, 'num_load': 5, 'num_store': 1, 'num_reduction': 0, 'backend_hash': '91D1D1166449D9E2EB66EB9770C9E2C3B0FEB787341F27FEB4D3F0338DA50336', 'assert_indirect_indexing': True, 'autotune_local_cache': True, 'autotune_pointwise': True, 'autotune_remote_cache': None, 'force_disable_caches': False, 'dynamic_scale_rblock': True, 'max_autotune': False, 'max_autotune_pointwise': False, 'min_split_scan_rblock': 256, 'spill_threshold': 16, 'store_cubin': False, 'deterministic': True, 'force_filter_reduction_configs': False, 'mix_order_reduction_allow_multi_stages': False, 'are_deterministic_algorithms_enabled': False, 'has_loadstore_with_contiguous_rdim': False, 'tiling_scores': {'x': 100681728}},
    min_elem_per_thread=0
)
@triton.jit
def triton_poi_fused_add_mul_split_unsqueeze_view_15(in_out_ptr0, in_ptr0, in_ptr1, in_ptr2, in_ptr3, xnumel, XBLOCK : tl.constexpr):
    xnumel = 12582912
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:]
    xmask = tl.full([XBLOCK], True, tl.int1)[:]
    x2 = xindex
    x0 = (xindex % 3072)
    tmp0 = tl.load(in_out_ptr0 + (x2), None).to(tl.float32)
    tmp1 = tl.load(in_ptr0 + (15360 + x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp2 = tl.load(in_ptr1 + (15360 + x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp4 = tl.load(in_ptr2 + (x2), None).to(tl.float32)
    tmp5 = tl.load(in_ptr3 + (x0), None, eviction_policy='evict_last').to(tl.float32)
    tmp3 = tmp1 + tmp2
    tmp6 = tmp4 + tmp5
    tmp7 = tmp3 * tmp6
    tmp8 = tmp0 + tmp7
    tl.store(in_out_ptr0 + (x2), tmp8, None)
''', device_str='cuda')

def partition_0(args):
    arg0_1, arg1_1, arg7_1, arg4_1, arg2_1, arg3_1, arg6_1, arg5_1, arg12_1, arg16_1, arg20_1, arg9_1, arg8_1, arg11_1, arg10_1, arg24_1, arg28_1, arg32_1, arg26_1, arg25_1, arg27_1, arg14_1, arg13_1, arg15_1, arg38_1, arg36_1, arg30_1, arg29_1, arg31_1, arg18_1, arg17_1, arg19_1, arg39_1, arg37_1, arg40_1, arg41_1, arg42_1, arg34_1, arg33_1, arg22_1, arg21_1, arg35_1, arg23_1, arg43_1, arg44_1, arg46_1, arg45_1, arg47_1, arg52_1, arg48_1, arg50_1, arg49_1, arg51_1, arg60_1, arg62_1, arg61_1, arg63_1, arg64_1, arg66_1, arg65_1, arg67_1, arg54_1, arg53_1, arg55_1, arg56_1, arg58_1, arg57_1, arg59_1 = args
    args.clear()
    assert_size_stride(arg0_1, (1, 3072), (3072, 1))
    assert_size_stride(arg1_1, (1, 1), (1, 1))
    assert_size_stride(arg7_1, (1, 1), (1, 1))
    assert_size_stride(arg4_1, (18432, 3072), (3072, 1))
    assert_size_stride(arg2_1, (1048576, 1), (1, 1))
    assert_size_stride(arg3_1, (18432, 1), (1, 1))
    assert_size_stride(arg6_1, (1, 4096, 3072), (12582912, 3072, 1))
    assert_size_stride(arg5_1, (18432, ), (1, ))
    assert_size_stride(arg12_1, (1, 1), (1, 1))
    assert_size_stride(arg16_1, (1, 1), (1, 1))
    assert_size_stride(arg20_1, (1, 1), (1, 1))
    assert_size_stride(arg9_1, (18432, 3072), (3072, 1))
    assert_size_stride(arg8_1, (18432, 1), (1, 1))
    assert_size_stride(arg11_1, (1, 512, 3072), (1572864, 3072, 1))
    assert_size_stride(arg10_1, (18432, ), (1, ))
    assert_size_stride(arg24_1, (1, 1), (1, 1))
    assert_size_stride(arg28_1, (1, 1), (1, 1))
    assert_size_stride(arg32_1, (1, 1), (1, 1))
    assert_size_stride(arg26_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg25_1, (3072, 1), (1, 1))
    assert_size_stride(arg27_1, (3072, ), (1, ))
    assert_size_stride(arg14_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg13_1, (3072, 1), (1, 1))
    assert_size_stride(arg15_1, (3072, ), (1, ))
    assert_size_stride(arg38_1, (128, ), (1, ))
    assert_size_stride(arg36_1, (128, ), (1, ))
    assert_size_stride(arg30_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg29_1, (3072, 1), (1, 1))
    assert_size_stride(arg31_1, (3072, ), (1, ))
    assert_size_stride(arg18_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg17_1, (3072, 1), (1, 1))
    assert_size_stride(arg19_1, (3072, ), (1, ))
    assert_size_stride(arg39_1, (128, ), (1, ))
    assert_size_stride(arg37_1, (128, ), (1, ))
    assert_size_stride(arg40_1, (4608, 128), (128, 1))
    assert_size_stride(arg41_1, (4608, 128), (128, 1))
    assert_size_stride(arg42_1, (3, 24), (24, 1))
    assert_size_stride(arg34_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg33_1, (3072, 1), (1, 1))
    assert_size_stride(arg22_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg21_1, (3072, 1), (1, 1))
    assert_size_stride(arg35_1, (3072, ), (1, ))
    assert_size_stride(arg23_1, (3072, ), (1, ))
    assert_size_stride(arg43_1, (3, 64, 24), (1536, 24, 1))
    assert_size_stride(arg44_1, (1, 1), (1, 1))
    assert_size_stride(arg46_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg45_1, (3072, 1), (1, 1))
    assert_size_stride(arg47_1, (3072, ), (1, ))
    assert_size_stride(arg52_1, (1, 1), (1, 1))
    assert_size_stride(arg48_1, (1, 1), (1, 1))
    assert_size_stride(arg50_1, (3072, 3072), (3072, 1))
    assert_size_stride(arg49_1, (3072, 1), (1, 1))
    assert_size_stride(arg51_1, (3072, ), (1, ))
    assert_size_stride(arg60_1, (1, 1), (1, 1))
    assert_size_stride(arg62_1, (12288, 3072), (3072, 1))
    assert_size_stride(arg61_1, (12288, 1), (1, 1))
    assert_size_stride(arg63_1, (12288, ), (1, ))
    assert_size_stride(arg64_1, (1, 1), (1, 1))
    assert_size_stride(arg66_1, (3072, 12288), (12288, 1))
    assert_size_stride(arg65_1, (3072, 1), (1, 1))
    assert_size_stride(arg67_1, (3072, ), (1, ))
    assert_size_stride(arg54_1, (12288, 3072), (3072, 1))
    assert_size_stride(arg53_1, (12288, 1), (1, 1))
    assert_size_stride(arg55_1, (12288, ), (1, ))
    assert_size_stride(arg56_1, (1, 1), (1, 1))
    assert_size_stride(arg58_1, (3072, 12288), (12288, 1))
    assert_size_stride(arg57_1, (3072, 1), (1, 1))
    assert_size_stride(arg59_1, (3072, ), (1, ))
    with torch.cuda._DeviceGuard(0):
        torch.cuda.set_device(0)
        buf0 = empty_strided_cuda((1, 3072), (3072, 1), torch.float8_e4m3fn)
        buf5 = empty_strided_cuda((1, 3072), (3072, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [silu, truediv, clamp, rows, t, row_descale, t_1, output, silu_1, truediv_1, clamp_1, rows_1, t_2, row_descale_1, t_3, output_2], Original ATen: [aten.silu, aten.div, aten.clamp, aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_poi_fused__scaled_mm__to_copy_clamp_div_silu_slice_t_0.run(arg0_1, arg1_1, arg7_1, buf0, buf5, 3072, stream=stream0)
        del arg0_1
        del arg1_1
        del arg7_1
        buf1 = empty_strided_cuda((1, 18432), (18432, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [silu, truediv, clamp, rows, t, row_descale, t_1, output], Original ATen: [aten.silu, aten.div, aten.clamp, aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf0, reinterpret_tensor(arg4_1, (3072, 18432), (1, 3072), 0), reinterpret_tensor(arg2_1, (1, 1), (1, 1), 0), reinterpret_tensor(arg3_1, (1, 18432), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf1)
        del arg3_1
        del arg4_1
        del buf0
        buf15 = empty_strided_cuda((4096, 3072), (3072, 1), torch.float8_e4m3fn)
        buf22 = empty_strided_cuda((4096, 3072), (3072, 1), torch.float8_e4m3fn)
        buf30 = empty_strided_cuda((4096, 3072), (3072, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [output_1, chunk, layer_norm, getitem_7, add_1, mul, getitem_8, x, flat_2, float_3, truediv_2, clamp_2, rows_2, t_4, row_descale_2, t_5, output_4, flat_3, float_4, truediv_3, clamp_3, rows_3, t_6, row_descale_3, t_7, output_6, flat_4, float_5, truediv_4, clamp_4, rows_4, t_8, row_descale_4, t_9, output_8], Original ATen: [aten.add, aten.split, aten.native_layer_norm, aten.unsqueeze, aten.mul, aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_1.run(arg6_1, buf1, arg5_1, arg12_1, arg16_1, arg20_1, buf15, buf22, buf30, 4096, 3072, stream=stream0)
        del arg12_1
        del arg16_1
        del arg20_1
        buf6 = empty_strided_cuda((1, 18432), (18432, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [silu_1, truediv_1, clamp_1, rows_1, t_2, row_descale_1, t_3, output_2], Original ATen: [aten.silu, aten.div, aten.clamp, aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf5, reinterpret_tensor(arg9_1, (3072, 18432), (1, 3072), 0), reinterpret_tensor(arg2_1, (1, 1), (1, 1), 0), reinterpret_tensor(arg8_1, (1, 18432), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf6)
        del arg8_1
        del arg9_1
        del buf5
        buf11 = empty_strided_cuda((512, 3072), (3072, 1), torch.float8_e4m3fn)
        buf19 = empty_strided_cuda((512, 3072), (3072, 1), torch.float8_e4m3fn)
        buf28 = empty_strided_cuda((512, 3072), (3072, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [output_3, chunk_1, layer_norm_1, getitem_16, add_4, mul_1, getitem_17, x_1, flat_5, float_6, truediv_5, clamp_5, rows_5, t_10, row_descale_5, t_11, output_10, flat_6, float_7, truediv_6, clamp_6, rows_6, t_12, row_descale_6, t_13, output_12, flat_7, float_8, truediv_7, clamp_7, rows_7, t_14, row_descale_7, t_15, output_14], Original ATen: [aten.add, aten.split, aten.native_layer_norm, aten.unsqueeze, aten.mul, aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_2.run(arg11_1, buf6, arg10_1, arg24_1, arg28_1, arg32_1, buf11, buf19, buf28, 512, 3072, stream=stream0)
        del arg24_1
        del arg28_1
        del arg32_1
        buf12 = empty_strided_cuda((512, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [flat_5, float_6, truediv_5, clamp_5, rows_5, t_10, row_descale_5, t_11, output_10], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf11, reinterpret_tensor(arg26_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg25_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf12)
        del arg25_1
        del arg26_1
        del buf11
        buf13 = empty_strided_cuda((1, 512, 24, 1), (12288, 24, 1, 12288), torch.float32)
        # Topologically Sorted Source Nodes: [output_11, encoder_query, unflatten_3, rms_norm_2], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
        stream0 = get_raw_stream(0)
        triton_per_fused__fused_rms_norm_add_view_3.run(buf12, arg27_1, buf13, 12288, 128, stream=stream0)
        buf16 = empty_strided_cuda((4096, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [flat_2, float_3, truediv_2, clamp_2, rows_2, t_4, row_descale_2, t_5, output_4], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf15, reinterpret_tensor(arg14_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg13_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf16)
        del arg13_1
        del arg14_1
        del buf15
        buf17 = empty_strided_cuda((1, 4096, 24, 1), (98304, 24, 1, 98304), torch.float32)
        # Topologically Sorted Source Nodes: [output_5, query, unflatten, query_1], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
        stream0 = get_raw_stream(0)
        triton_per_fused__fused_rms_norm_add_view_4.run(buf16, arg15_1, buf17, 98304, 128, stream=stream0)
        buf18 = empty_strided_cuda((1, 4608, 24, 128), (14155776, 3072, 128, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [output_11, encoder_query, unflatten_3, rms_norm_2, output_5, query, unflatten, query_1, query_2], Original ATen: [aten.add, aten.view, aten._fused_rms_norm, aten.cat]
        stream0 = get_raw_stream(0)
        triton_poi_fused__fused_rms_norm_add_cat_view_5.run(buf12, arg27_1, buf13, arg38_1, buf16, arg15_1, buf17, arg36_1, buf18, 110592, 128, stream=stream0)
        del arg15_1
        del arg27_1
        del arg36_1
        del arg38_1
        buf20 = buf12; del buf12  # reuse
        # Topologically Sorted Source Nodes: [flat_6, float_7, truediv_6, clamp_6, rows_6, t_12, row_descale_6, t_13, output_12], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf19, reinterpret_tensor(arg30_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg29_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf20)
        del arg29_1
        del arg30_1
        del buf19
        buf21 = buf13; del buf13  # reuse
        # Topologically Sorted Source Nodes: [output_13, encoder_key, unflatten_4, rms_norm_3], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
        stream0 = get_raw_stream(0)
        triton_per_fused__fused_rms_norm_add_view_3.run(buf20, arg31_1, buf21, 12288, 128, stream=stream0)
        buf23 = buf16; del buf16  # reuse
        # Topologically Sorted Source Nodes: [flat_3, float_4, truediv_3, clamp_3, rows_3, t_6, row_descale_3, t_7, output_6], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf22, reinterpret_tensor(arg18_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg17_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf23)
        del arg17_1
        del arg18_1
        del buf22
        buf24 = buf17; del buf17  # reuse
        # Topologically Sorted Source Nodes: [output_7, key, unflatten_1, key_1], Original ATen: [aten.add, aten.view, aten._fused_rms_norm]
        stream0 = get_raw_stream(0)
        triton_per_fused__fused_rms_norm_add_view_4.run(buf23, arg19_1, buf24, 98304, 128, stream=stream0)
        buf25 = empty_strided_cuda((1, 4608, 24, 128), (14155776, 3072, 128, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [output_13, encoder_key, unflatten_4, rms_norm_3, output_7, key, unflatten_1, key_1, key_2], Original ATen: [aten.add, aten.view, aten._fused_rms_norm, aten.cat]
        stream0 = get_raw_stream(0)
        triton_poi_fused__fused_rms_norm_add_cat_view_5.run(buf20, arg31_1, buf21, arg39_1, buf23, arg19_1, buf24, arg37_1, buf25, 110592, 128, stream=stream0)
        del arg19_1
        del arg31_1
        del arg37_1
        del arg39_1
        del buf20
        del buf21
        del buf23
        del buf24
        buf32 = empty_strided_cuda((1, 4608, 24, 128), (14155776, 3072, 128, 1), torch.float8_e4m3fn)
        buf33 = empty_strided_cuda((1, 4608, 24, 128), (14155776, 3072, 128, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [reshape_16, unbind, reshape_17, unbind_1, float_9, cos, mul_2, neg, stack, x_rotated, float_10, sin, mul_3, add_12, out, scale, to_22, getitem_35, mul_6, clamp_8, to_23, float_11, cos_2, mul_4, neg_1, stack_1, x_rotated_1, float_12, sin_2, mul_5, add_13, out_1, scale_1, to_24, getitem_36, mul_7, clamp_9, to_25, output_15, encoder_value, unflatten_5, output_9, value, value_1, value_2, scale_2, to_26, getitem_37, mul_8, clamp_10, to_27, getitem_38, getitem_39, getitem_40, fa3_fp8_default], Original ATen: [aten.view, aten.unbind, aten._to_copy, aten.unsqueeze, aten.mul, aten.neg, aten.stack, aten.add, aten.select, aten.clamp, aten.cat, aten.slice, lora_fast.fa3_fp8]
        stream0 = get_raw_stream(0)
        triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_neg_select_slice_stack_unbind_unsqueeze_view_6.run(buf18, arg40_1, arg41_1, arg42_1, buf25, buf32, buf33, 14155776, stream=stream0)
        del arg40_1
        del arg41_1
        del buf18
        del buf25
        buf29 = empty_strided_cuda((512, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [flat_7, float_8, truediv_7, clamp_7, rows_7, t_14, row_descale_7, t_15, output_14], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf28, reinterpret_tensor(arg34_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg33_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf29)
        del arg33_1
        del arg34_1
        buf31 = empty_strided_cuda((4096, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [flat_4, float_5, truediv_4, clamp_4, rows_4, t_8, row_descale_4, t_9, output_8], Original ATen: [aten.view, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf30, reinterpret_tensor(arg22_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg21_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf31)
        del arg21_1
        del arg22_1
        buf34 = empty_strided_cuda((1, 4608, 24, 128), (14155776, 3072, 128, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [clamp_8, to_23, clamp_9, to_25, output_15, encoder_value, unflatten_5, output_9, value, value_1, value_2, scale_2, to_26, getitem_37, mul_8, clamp_10, to_27, getitem_38, getitem_39, getitem_40, fa3_fp8_default], Original ATen: [aten.clamp, aten._to_copy, aten.add, aten.view, aten.cat, aten.select, aten.unsqueeze, aten.mul, aten.slice, lora_fast.fa3_fp8]
        stream0 = get_raw_stream(0)
        triton_poi_fused__to_copy_add_cat_clamp_fa3_fp8_mul_select_slice_unsqueeze_view_7.run(buf29, arg35_1, buf31, arg23_1, arg42_1, buf34, 14155776, stream=stream0)
        del arg23_1
        del arg35_1
        del arg42_1
        # Topologically Sorted Source Nodes: [clamp_8, to_23, clamp_9, to_25, output_15, encoder_value, unflatten_5, output_9, value, value_1, value_2, scale_2, to_26, getitem_37, mul_8, clamp_10, to_27, getitem_38, getitem_39, getitem_40, fa3_fp8_default], Original ATen: [aten.clamp, aten._to_copy, aten.add, aten.view, aten.cat, aten.select, aten.unsqueeze, aten.mul, aten.slice, lora_fast.fa3_fp8]
        buf35 = torch.ops.lora_fast.fa3_fp8.default(buf32, buf33, buf34, reinterpret_tensor(arg43_1, (1, 24), (24, 1), 0), reinterpret_tensor(arg43_1, (1, 24), (24, 1), 1536), reinterpret_tensor(arg43_1, (1, 24), (24, 1), 3072))
        del arg43_1
        del buf32
        del buf33
        del buf34
        buf36 = buf35
        assert_size_stride(buf36, (1, 4608, 24, 128), (14155776, 3072, 128, 1), 'torch.ops.lora_fast.fa3_fp8.default')
        assert_alignment(buf36, 16, 'torch.ops.lora_fast.fa3_fp8.default')
        del buf35
        buf37 = buf30; del buf30  # reuse
        # Topologically Sorted Source Nodes: [flatten_2, hidden_states_1, flat_8, float_13, truediv_8, clamp_11, rows_8, t_16, row_descale_8, t_17, output_16], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_8.run(buf36, arg44_1, buf37, 12582912, stream=stream0)
        del arg44_1
        buf38 = buf31; del buf31  # reuse
        # Topologically Sorted Source Nodes: [flatten_2, hidden_states_1, flat_8, float_13, truediv_8, clamp_11, rows_8, t_16, row_descale_8, t_17, output_16], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
        extern_kernels._scaled_mm(buf37, reinterpret_tensor(arg46_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg45_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf38)
        del arg45_1
        del arg46_1
        buf39 = reinterpret_tensor(buf38, (1, 4096, 3072), (12582912, 3072, 1), 0); del buf38  # reuse
        buf56 = buf37; del buf37  # reuse
        # Topologically Sorted Source Nodes: [output_1, chunk, unsqueeze, output_17, reshape_19, attn_output, hidden_states_3, norm_hidden_states, getitem_45, add_17, mul_10, getitem_46, norm_hidden_states_1, flat_10, float_15, truediv_10, clamp_13, rows_10, t_20, row_descale_10, t_21, output_20], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul, aten.native_layer_norm, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_9.run(buf39, arg6_1, buf1, arg5_1, arg47_1, arg52_1, buf56, 4096, 3072, stream=stream0)
        del arg47_1
        del arg52_1
        del arg6_1
        buf43 = buf28; del buf28  # reuse
        # Topologically Sorted Source Nodes: [flatten_2, context, flat_9, float_14, truediv_9, clamp_12, rows_9, t_18, row_descale_9, t_19, output_18], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_poi_fused__scaled_mm__to_copy_clamp_div_slice_t_view_10.run(buf36, arg48_1, buf43, 1572864, stream=stream0)
        del arg48_1
        del buf36
        buf44 = buf29; del buf29  # reuse
        # Topologically Sorted Source Nodes: [flatten_2, context, flat_9, float_14, truediv_9, clamp_12, rows_9, t_18, row_descale_9, t_19, output_18], Original ATen: [aten.view, aten.slice, aten._to_copy, aten.div, aten.clamp, aten.t, aten._scaled_mm]
        extern_kernels._scaled_mm(buf43, reinterpret_tensor(arg50_1, (3072, 3072), (1, 3072), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg49_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf44)
        del arg49_1
        del arg50_1
        buf45 = reinterpret_tensor(buf44, (1, 512, 3072), (1572864, 3072, 1), 0); del buf44  # reuse
        buf50 = buf43; del buf43  # reuse
        # Topologically Sorted Source Nodes: [output_3, chunk_1, unsqueeze_2, output_19, context_attn_output, context_attn_output_1, encoder_hidden_states, norm_encoder_hidden_states, getitem_49, add_24, mul_18, getitem_50, norm_encoder_hidden_states_1, flat_12, float_18, truediv_12, clamp_15, rows_12, t_24, row_descale_12, t_25, output_24], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul, aten.native_layer_norm, aten._to_copy, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_red_fused__scaled_mm__to_copy_add_clamp_div_mul_native_layer_norm_slice_split_t_unsqueeze_view_11.run(buf45, arg11_1, buf6, arg10_1, arg51_1, arg60_1, buf50, 512, 3072, stream=stream0)
        del arg11_1
        del arg51_1
        del arg60_1
        buf51 = empty_strided_cuda((512, 12288), (12288, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [rows_12, t_24, row_descale_12, t_25, output_24], Original ATen: [aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf50, reinterpret_tensor(arg62_1, (3072, 12288), (1, 3072), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg61_1, (1, 12288), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf51)
        del arg61_1
        del arg62_1
        del buf50
        buf52 = empty_strided_cuda((512, 12288), (12288, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [output_25, hidden_states_9, value_4, mul_19, mul_20, mul_21, add_27, mul_22, sigmoid_1, mul_23, hidden_states_10, flat_13, float_20, truediv_13, clamp_16, rows_13, t_26, row_descale_13, t_27, output_26], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_12.run(buf51, arg63_1, arg64_1, buf52, 6291456, stream=stream0)
        del arg63_1
        del arg64_1
        del buf51
        buf53 = empty_strided_cuda((512, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [output_25, hidden_states_9, value_4, mul_19, mul_20, mul_21, add_27, mul_22, sigmoid_1, mul_23, hidden_states_10, flat_13, float_20, truediv_13, clamp_16, rows_13, t_26, row_descale_13, t_27, output_26], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf52, reinterpret_tensor(arg66_1, (12288, 3072), (1, 12288), 0), reinterpret_tensor(arg2_1, (512, 1), (1, 1), 0), reinterpret_tensor(arg65_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf53)
        del arg65_1
        del arg66_1
        del buf52
        buf54 = buf45; del buf45  # reuse
        # Topologically Sorted Source Nodes: [output_3, chunk_1, unsqueeze_3, output_27, hidden_states_12, mul_24, encoder_hidden_states_1], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul]
        stream0 = get_raw_stream(0)
        triton_poi_fused_add_mul_split_unsqueeze_view_13.run(buf54, buf6, arg10_1, buf53, arg67_1, 1572864, stream=stream0)
        del arg10_1
        del arg67_1
        del buf53
        del buf6
        buf57 = empty_strided_cuda((4096, 12288), (12288, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [rows_10, t_20, row_descale_10, t_21, output_20], Original ATen: [aten._to_copy, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf56, reinterpret_tensor(arg54_1, (3072, 12288), (1, 3072), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg53_1, (1, 12288), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf57)
        del arg53_1
        del arg54_1
        del buf56
        buf58 = empty_strided_cuda((4096, 12288), (12288, 1), torch.float8_e4m3fn)
        # Topologically Sorted Source Nodes: [output_21, hidden_states_4, value_3, mul_11, mul_12, mul_13, add_20, mul_14, sigmoid, mul_15, hidden_states_5, flat_11, float_17, truediv_11, clamp_14, rows_11, t_22, row_descale_11, t_23, output_22], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        stream0 = get_raw_stream(0)
        triton_poi_fused__scaled_mm__to_copy_add_clamp_div_mul_sigmoid_slice_t_view_14.run(buf57, arg55_1, arg56_1, buf58, 50331648, stream=stream0)
        del arg55_1
        del arg56_1
        del buf57
        buf59 = empty_strided_cuda((4096, 3072), (3072, 1), torch.bfloat16)
        # Topologically Sorted Source Nodes: [output_21, hidden_states_4, value_3, mul_11, mul_12, mul_13, add_20, mul_14, sigmoid, mul_15, hidden_states_5, flat_11, float_17, truediv_11, clamp_14, rows_11, t_22, row_descale_11, t_23, output_22], Original ATen: [aten.add, aten.view, aten._to_copy, aten.mul, aten.sigmoid, aten.div, aten.clamp, aten.t, aten.slice, aten._scaled_mm]
        extern_kernels._scaled_mm(buf58, reinterpret_tensor(arg58_1, (12288, 3072), (1, 12288), 0), reinterpret_tensor(arg2_1, (4096, 1), (1, 1), 0), reinterpret_tensor(arg57_1, (1, 3072), (1, 1), 0), out_dtype=torch.bfloat16, use_fast_accum=True, out=buf59)
        del arg2_1
        del arg57_1
        del arg58_1
        del buf58
        buf60 = buf39; del buf39  # reuse
        # Topologically Sorted Source Nodes: [output_1, chunk, unsqueeze_1, output_23, hidden_states_7, ff_output, hidden_states_8], Original ATen: [aten.add, aten.split, aten.unsqueeze, aten.view, aten.mul]
        stream0 = get_raw_stream(0)
        triton_poi_fused_add_mul_split_unsqueeze_view_15.run(buf60, buf1, arg5_1, buf59, arg59_1, 12582912, stream=stream0)
        del arg59_1
        del arg5_1
        del buf1
        del buf59
    return (buf54, buf60, )


async_compile.wait(globals())
del async_compile

class Runner:
    def __init__(self, partitions):
        self.partitions = partitions

    def recursively_apply_fns(self, fns):
        new_callables = []
        for fn, c in zip(fns, self.partitions):
            new_callables.append(fn(c))
        self.partitions = new_callables

    def call(self, args):
        arg0_1, arg1_1, arg2_1, arg3_1, arg4_1, arg5_1, arg6_1, arg7_1, arg8_1, arg9_1, arg10_1, arg11_1, arg12_1, arg13_1, arg14_1, arg15_1, arg16_1, arg17_1, arg18_1, arg19_1, arg20_1, arg21_1, arg22_1, arg23_1, arg24_1, arg25_1, arg26_1, arg27_1, arg28_1, arg29_1, arg30_1, arg31_1, arg32_1, arg33_1, arg34_1, arg35_1, arg36_1, arg37_1, arg38_1, arg39_1, arg40_1, arg41_1, arg42_1, arg43_1, arg44_1, arg45_1, arg46_1, arg47_1, arg48_1, arg49_1, arg50_1, arg51_1, arg52_1, arg53_1, arg54_1, arg55_1, arg56_1, arg57_1, arg58_1, arg59_1, arg60_1, arg61_1, arg62_1, arg63_1, arg64_1, arg65_1, arg66_1, arg67_1 = args
        args.clear()
        partition0_args = [arg0_1, arg1_1, arg7_1, arg4_1, arg2_1, arg3_1, arg6_1, arg5_1, arg12_1, arg16_1, arg20_1, arg9_1, arg8_1, arg11_1, arg10_1, arg24_1, arg28_1, arg32_1, arg26_1, arg25_1, arg27_1, arg14_1, arg13_1, arg15_1, arg38_1, arg36_1, arg30_1, arg29_1, arg31_1, arg18_1, arg17_1, arg19_1, arg39_1, arg37_1, arg40_1, arg41_1, arg42_1, arg34_1, arg33_1, arg22_1, arg21_1, arg35_1, arg23_1, arg43_1, arg44_1, arg46_1, arg45_1, arg47_1, arg52_1, arg48_1, arg50_1, arg49_1, arg51_1, arg60_1, arg62_1, arg61_1, arg63_1, arg64_1, arg66_1, arg65_1, arg67_1, arg54_1, arg53_1, arg55_1, arg56_1, arg58_1, arg57_1, arg59_1]
        del arg0_1, arg1_1, arg7_1, arg4_1, arg2_1, arg3_1, arg6_1, arg5_1, arg12_1, arg16_1, arg20_1, arg9_1, arg8_1, arg11_1, arg10_1, arg24_1, arg28_1, arg32_1, arg26_1, arg25_1, arg27_1, arg14_1, arg13_1, arg15_1, arg38_1, arg36_1, arg30_1, arg29_1, arg31_1, arg18_1, arg17_1, arg19_1, arg39_1, arg37_1, arg40_1, arg41_1, arg42_1, arg34_1, arg33_1, arg22_1, arg21_1, arg35_1, arg23_1, arg43_1, arg44_1, arg46_1, arg45_1, arg47_1, arg52_1, arg48_1, arg50_1, arg49_1, arg51_1, arg60_1, arg62_1, arg61_1, arg63_1, arg64_1, arg66_1, arg65_1, arg67_1, arg54_1, arg53_1, arg55_1, arg56_1, arg58_1, arg57_1, arg59_1
        (buf54, buf60) = self.partitions[0](partition0_args)
        del partition0_args
        return (buf54, buf60, )

runner = Runner(partitions=[partition_0,])
call = runner.call
recursively_apply_fns = runner.recursively_apply_fns


def get_args():
    from torch._dynamo.testing import rand_strided
    arg0_1 = rand_strided((1, 3072), (3072, 1), device='cuda:0', dtype=torch.bfloat16)
    arg1_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg2_1 = rand_strided((1048576, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg3_1 = rand_strided((18432, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg4_1 = rand_strided((18432, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg5_1 = rand_strided((18432, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg6_1 = rand_strided((1, 4096, 3072), (12582912, 3072, 1), device='cuda:0', dtype=torch.bfloat16)
    arg7_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg8_1 = rand_strided((18432, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg9_1 = rand_strided((18432, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg10_1 = rand_strided((18432, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg11_1 = rand_strided((1, 512, 3072), (1572864, 3072, 1), device='cuda:0', dtype=torch.bfloat16)
    arg12_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg13_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg14_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg15_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg16_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg17_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg18_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg19_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg20_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg21_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg22_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg23_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg24_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg25_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg26_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg27_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg28_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg29_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg30_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg31_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg32_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg33_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg34_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg35_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg36_1 = rand_strided((128, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg37_1 = rand_strided((128, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg38_1 = rand_strided((128, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg39_1 = rand_strided((128, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg40_1 = rand_strided((4608, 128), (128, 1), device='cuda:0', dtype=torch.float32)
    arg41_1 = rand_strided((4608, 128), (128, 1), device='cuda:0', dtype=torch.float32)
    arg42_1 = rand_strided((3, 24), (24, 1), device='cuda:0', dtype=torch.float32)
    arg43_1 = rand_strided((3, 64, 24), (1536, 24, 1), device='cuda:0', dtype=torch.float32)
    arg44_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg45_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg46_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg47_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg48_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg49_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg50_1 = rand_strided((3072, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg51_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg52_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg53_1 = rand_strided((12288, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg54_1 = rand_strided((12288, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg55_1 = rand_strided((12288, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg56_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg57_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg58_1 = rand_strided((3072, 12288), (12288, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg59_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg60_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg61_1 = rand_strided((12288, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg62_1 = rand_strided((12288, 3072), (3072, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg63_1 = rand_strided((12288, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    arg64_1 = rand_strided((1, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg65_1 = rand_strided((3072, 1), (1, 1), device='cuda:0', dtype=torch.float32)
    arg66_1 = rand_strided((3072, 12288), (12288, 1), device='cuda:0', dtype=torch.float8_e4m3fn)
    arg67_1 = rand_strided((3072, ), (1, ), device='cuda:0', dtype=torch.bfloat16)
    return [arg0_1, arg1_1, arg2_1, arg3_1, arg4_1, arg5_1, arg6_1, arg7_1, arg8_1, arg9_1, arg10_1, arg11_1, arg12_1, arg13_1, arg14_1, arg15_1, arg16_1, arg17_1, arg18_1, arg19_1, arg20_1, arg21_1, arg22_1, arg23_1, arg24_1, arg25_1, arg26_1, arg27_1, arg28_1, arg29_1, arg30_1, arg31_1, arg32_1, arg33_1, arg34_1, arg35_1, arg36_1, arg37_1, arg38_1, arg39_1, arg40_1, arg41_1, arg42_1, arg43_1, arg44_1, arg45_1, arg46_1, arg47_1, arg48_1, arg49_1, arg50_1, arg51_1, arg52_1, arg53_1, arg54_1, arg55_1, arg56_1, arg57_1, arg58_1, arg59_1, arg60_1, arg61_1, arg62_1, arg63_1, arg64_1, arg65_1, arg66_1, arg67_1]


def benchmark_compiled_module(args, times=10, repeat=10):
    from torch._inductor.utils import print_performance
    fn = lambda: call(list(args))
    return print_performance(fn, times=times, repeat=repeat)


if __name__ == "__main__":
    from torch._inductor.wrapper_benchmark import compiled_module_main
    args = get_args()
    compiled_module_main('None', lambda times, repeat: benchmark_compiled_module(args, times=times, repeat=repeat))
