// SPDX-License-Identifier: Apache-2.0
#include "bpf_emulator.hpp"

#include <cstring>

namespace sandbox::seccomp::test {

BpfResult run_bpf(std::span<const sock_filter> program, const seccomp_data &data) {
  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[BPF_MEMWORDS] = {};
  BpfResult result;
  std::size_t pc = 0;
  while (pc < program.size()) {
    const sock_filter &insn = program[pc++];
    ++result.executed;
    const std::uint32_t k = insn.k;
    switch (BPF_CLASS(insn.code)) {
    case BPF_LD:
      if (BPF_MODE(insn.code) == BPF_ABS) {
        // seccomp allows only aligned 32-bit loads inside seccomp_data.
        if (BPF_SIZE(insn.code) != BPF_W || k % 4 != 0 || k + 4 > sizeof data)
          return result;
        std::memcpy(&a, reinterpret_cast<const char *>(&data) + k, 4);
      } else if (BPF_MODE(insn.code) == BPF_IMM) {
        a = k;
      } else if (BPF_MODE(insn.code) == BPF_MEM && k < BPF_MEMWORDS) {
        a = mem[k];
      } else if (BPF_MODE(insn.code) == BPF_LEN) {
        a = sizeof data;
      } else {
        return result;
      }
      break;
    case BPF_LDX:
      if (BPF_MODE(insn.code) == BPF_MEM && k < BPF_MEMWORDS)
        x = mem[k];
      else if (BPF_MODE(insn.code) == BPF_IMM)
        x = k;
      else if (BPF_MODE(insn.code) == BPF_LEN)
        x = sizeof data;
      else
        return result;
      break;
    case BPF_ST:
      if (k >= BPF_MEMWORDS)
        return result;
      mem[k] = a;
      break;
    case BPF_STX:
      if (k >= BPF_MEMWORDS)
        return result;
      mem[k] = x;
      break;
    case BPF_ALU: {
      const std::uint32_t v = BPF_SRC(insn.code) == BPF_X ? x : k;
      switch (BPF_OP(insn.code)) {
      case BPF_ADD:
        a += v;
        break;
      case BPF_SUB:
        a -= v;
        break;
      case BPF_MUL:
        a *= v;
        break;
      case BPF_AND:
        a &= v;
        break;
      case BPF_OR:
        a |= v;
        break;
      case BPF_XOR:
        a ^= v;
        break;
      case BPF_LSH:
        a = v < 32 ? a << v : 0;
        break;
      case BPF_RSH:
        a = v < 32 ? a >> v : 0;
        break;
      case BPF_NEG:
        a = 0U - a;
        break;
      default:
        return result;
      }
      break;
    }
    case BPF_JMP: {
      if (BPF_OP(insn.code) == BPF_JA) {
        pc += k;
        break;
      }
      const std::uint32_t v = BPF_SRC(insn.code) == BPF_X ? x : k;
      bool taken = false;
      switch (BPF_OP(insn.code)) {
      case BPF_JEQ:
        taken = a == v;
        break;
      case BPF_JGT:
        taken = a > v;
        break;
      case BPF_JGE:
        taken = a >= v;
        break;
      case BPF_JSET:
        taken = (a & v) != 0;
        break;
      default:
        return result;
      }
      pc += taken ? insn.jt : insn.jf;
      break;
    }
    case BPF_RET:
      result.ret = BPF_RVAL(insn.code) == BPF_A ? a : k;
      result.ok = true;
      return result;
    case BPF_MISC:
      if (BPF_MISCOP(insn.code) == BPF_TAX)
        x = a;
      else
        a = x;
      break;
    default:
      return result;
    }
  }
  return result; // fell off the end
}

} // namespace sandbox::seccomp::test
