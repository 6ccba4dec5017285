// circomlib's Poseidon over the BN254 scalar field, as a Node-API addon (no node-gyp: built by
// client/venue/hasher.ts with g++ against the Node-API headers shipped with Node; Node-API is ABI-stable, so one
// build loads in every Node version).
//
// The permutation is circomlibjs's optimised form (src/poseidon_opt.js, after filecoin's neptune): full rounds with
// the MDS matrix M, one pre-sparse matrix P, partial rounds with sparse matrices S. Constants are not compiled in:
// the caller passes circomlibjs's poseidon_constants_opt.json values (as 32-byte little-endian field elements) to
// `setConstants` once per width t = inputs + 1, so the addon cannot drift from circomlib's parameters. Known-answer
// and property tests (test/venue/poseidon.test.ts) compare every width 1..16 against poseidon-lite.
//
// Field arithmetic: 4×64-bit limbs, Montgomery form (R = 2^256), CIOS multiplication with unsigned __int128.
// Every value is kept fully reduced (< p), so addition needs one conditional subtraction (p < 2^254: no carry out).
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace {

typedef unsigned __int128 u128;
struct Fr {
  uint64_t v[4];
};

// p = 21888242871839275222246405745257275088548364400416034343698204186575808495617
constexpr uint64_t P[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
constexpr uint64_t P_INV = 0xc2e1f593efffffffULL;  // -p^{-1} mod 2^64
// R^2 mod p, to enter Montgomery form
constexpr uint64_t R2[4] = {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL};

inline bool geq_p(const uint64_t* a) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] > P[i]) return true;
    if (a[i] < P[i]) return false;
  }
  return true;
}

inline void sub_p(uint64_t* a) {
  u128 borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 d = (u128)a[i] - P[i] - borrow;
    a[i] = (uint64_t)d;
    borrow = (d >> 64) & 1;
  }
}

inline Fr add(const Fr& a, const Fr& b) {
  Fr r;
  u128 c = 0;
  for (int i = 0; i < 4; ++i) {
    c += (u128)a.v[i] + b.v[i];
    r.v[i] = (uint64_t)c;
    c >>= 64;
  }
  if (geq_p(r.v)) sub_p(r.v);
  return r;
}

// Montgomery product a·b·R^{-1} mod p: CIOS with the "no-carry" shortcut, valid because p's top limb is below
// 2^63 − 1 (so the running value never needs a fifth limb).
inline Fr mul(const Fr& a, const Fr& b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (int i = 0; i < 4; ++i) {
    const uint64_t bi = b.v[i];
    u128 x = (u128)a.v[0] * bi + t0;
    uint64_t A = (uint64_t)(x >> 64);
    t0 = (uint64_t)x;
    const uint64_t m = t0 * P_INV;
    u128 y = (u128)m * P[0] + t0;
    uint64_t C = (uint64_t)(y >> 64);
    x = (u128)a.v[1] * bi + t1 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * P[1] + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t0 = (uint64_t)y;
    x = (u128)a.v[2] * bi + t2 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * P[2] + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t1 = (uint64_t)y;
    x = (u128)a.v[3] * bi + t3 + A;
    A = (uint64_t)(x >> 64);
    y = (u128)m * P[3] + (uint64_t)x + C;
    C = (uint64_t)(y >> 64);
    t2 = (uint64_t)y;
    t3 = C + A;
  }
  Fr r = {{t0, t1, t2, t3}};
  if (geq_p(r.v)) sub_p(r.v);
  return r;
}

// Lazy reduction for sums of products (the MDS mixes): 512-bit products are added up unreduced and reduced once.
// REDC needs its input below p·R; a sum of k products of reduced values is below k·p², so k·p < R = 2^256 allows
// k ≤ 5 (p ≈ 0.189 · 2^256). Acc holds 8 limbs (a sum of 5 products is below 2^511).
constexpr int LAZY_TERMS = 5;
struct Acc {
  uint64_t v[8];
};

inline void mac(Acc& acc, const Fr& a, const Fr& b) {
  for (int i = 0; i < 4; ++i) {
    u128 carry = 0;
    for (int j = 0; j < 4; ++j) {
      u128 t = (u128)a.v[j] * b.v[i] + acc.v[i + j] + (uint64_t)carry;
      acc.v[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    for (int k = i + 4; carry != 0 && k < 8; ++k) {
      u128 t = (u128)acc.v[k] + (uint64_t)carry;
      acc.v[k] = (uint64_t)t;
      carry = t >> 64;
    }
  }
}

// Montgomery reduction of an 8-limb value T < p·R: T·R^{-1} mod p.
inline Fr redc(Acc acc) {
  uint64_t top = 0;  // a ninth limb: T + m·p stays below 2·p·R < 2^512·0.38, so it never carries past here
  for (int i = 0; i < 4; ++i) {
    const uint64_t m = acc.v[i] * P_INV;
    u128 carry = 0;
    for (int j = 0; j < 4; ++j) {
      u128 t = (u128)m * P[j] + acc.v[i + j] + (uint64_t)carry;
      acc.v[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    for (int k = i + 4; carry != 0; ++k) {
      if (k == 8) {
        top += (uint64_t)carry;
        break;
      }
      u128 t = (u128)acc.v[k] + (uint64_t)carry;
      acc.v[k] = (uint64_t)t;
      carry = t >> 64;
    }
  }
  Fr r = {{acc.v[4], acc.v[5], acc.v[6], acc.v[7]}};
  if (top != 0 || geq_p(r.v)) sub_p(r.v);
  return r;
}

// Σ_j mat[j·stride + col]·x[j] over j < t, reduced every LAZY_TERMS products.
inline Fr dot(const Fr* mat, int stride, int col, const Fr* x, int t) {
  Fr total = {{0, 0, 0, 0}};
  for (int j0 = 0; j0 < t; j0 += LAZY_TERMS) {
    Acc acc = {{0, 0, 0, 0, 0, 0, 0, 0}};
    const int j1 = j0 + LAZY_TERMS < t ? j0 + LAZY_TERMS : t;
    for (int j = j0; j < j1; ++j) mac(acc, mat[j * stride + col], x[j]);
    total = add(total, redc(acc));
  }
  return total;
}

inline Fr pow5(const Fr& a) {
  Fr a2 = mul(a, a);
  Fr a4 = mul(a2, a2);
  return mul(a4, a);
}

inline Fr load(const uint8_t* p) {
  Fr r;
  std::memcpy(r.v, p, 32);  // little-endian host (x86-64, aarch64)
  return r;
}

const Fr R2_FR = {{R2[0], R2[1], R2[2], R2[3]}};
const Fr ONE_RAW = {{1, 0, 0, 0}};

inline Fr to_mont(const Fr& a) { return mul(a, R2_FR); }
inline Fr from_mont(const Fr& a) { return mul(a, ONE_RAW); }

constexpr int N_ROUNDS_F = 8;
constexpr int N_ROUNDS_P[16] = {56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68};

struct Params {
  bool ready = false;
  std::vector<Fr> C, S, M, P;  // M and P row-major as given: M[j][i] at j*t + i
};
Params PARAMS[18];  // indexed by t = 2..17

// One permutation of width t = n + 1 over inputs already in Montgomery form; returns state[0] in Montgomery form.
Fr permute(const Params& pr, int t, const Fr* in) {
  const Fr* C = pr.C.data();
  const Fr* S = pr.S.data();
  const Fr* M = pr.M.data();
  const Fr* Pm = pr.P.data();
  const int nP = N_ROUNDS_P[t - 2];
  Fr st[17], tmp[17];
  st[0] = Fr{{0, 0, 0, 0}};
  for (int i = 1; i < t; ++i) st[i] = in[i - 1];
  for (int i = 0; i < t; ++i) st[i] = add(st[i], C[i]);

  auto mix = [&](const Fr* mat) {
    for (int i = 0; i < t; ++i) tmp[i] = dot(mat, t, i, st, t);
    for (int i = 0; i < t; ++i) st[i] = tmp[i];
  };

  for (int r = 0; r < N_ROUNDS_F / 2 - 1; ++r) {
    for (int i = 0; i < t; ++i) st[i] = add(pow5(st[i]), C[(r + 1) * t + i]);
    mix(M);
  }
  for (int i = 0; i < t; ++i) st[i] = add(pow5(st[i]), C[(N_ROUNDS_F / 2) * t + i]);
  mix(Pm);
  for (int r = 0; r < nP; ++r) {
    st[0] = add(pow5(st[0]), C[(N_ROUNDS_F / 2 + 1) * t + r]);
    const Fr* s = S + (2 * t - 1) * r;
    Fr s0 = dot(s, 1, 0, st, t);
    for (int k = 1; k < t; ++k) st[k] = add(st[k], mul(st[0], s[t + k - 1]));
    st[0] = s0;
  }
  for (int r = 0; r < N_ROUNDS_F / 2 - 1; ++r) {
    for (int i = 0; i < t; ++i) st[i] = add(pow5(st[i]), C[(N_ROUNDS_F / 2 + 1) * t + nP + r * t + i]);
    mix(M);
  }
  for (int i = 0; i < t; ++i) st[i] = pow5(st[i]);
  // only state[0] of the last mix is the output
  return dot(M, t, 0, st, t);
}

void hash_range(int n, const uint8_t* in, uint8_t* out, size_t from, size_t to) {
  const Params& pr = PARAMS[n + 1];
  Fr buf[16];
  for (size_t k = from; k < to; ++k) {
    const uint8_t* row = in + k * n * 32;
    for (int i = 0; i < n; ++i) buf[i] = to_mont(load(row + i * 32));
    Fr h = from_mont(permute(pr, n + 1, buf));
    std::memcpy(out + k * 32, h.v, 32);
  }
}

// ---- Node-API glue ----

napi_value throw_error(napi_env env, const char* msg) {
  napi_throw_error(env, "ZKMARGIN_POSEIDON", msg);
  return nullptr;
}

bool get_bytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return false;
  napi_typedarray_type type;
  size_t length, offset;
  void* ptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &ptr, &ab, &offset) != napi_ok) return false;
  if (type != napi_uint8_array) return false;
  *data = static_cast<uint8_t*>(ptr);
  *len = length;
  return true;
}

// Every 32-byte little-endian value of a buffer must be a canonical field element (< p).
bool all_canonical(const uint8_t* data, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    uint64_t v[4];
    std::memcpy(v, data + k * 32, 32);
    if (geq_p(v)) return false;
  }
  return true;
}

// setConstants(t, C, S, M, P): circomlibjs's optimised constants for width t, each a Uint8Array of 32-byte LE values.
napi_value SetConstants(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5) return throw_error(env, "setConstants(t, C, S, M, P): 5 arguments expected");
  int32_t t;
  if (napi_get_value_int32(env, argv[0], &t) != napi_ok || t < 2 || t > 17) return throw_error(env, "setConstants: t must be 2..17");
  const int nP = N_ROUNDS_P[t - 2];
  const size_t want[4] = {(size_t)(N_ROUNDS_F * t + nP), (size_t)(nP * (2 * t - 1)), (size_t)(t * t), (size_t)(t * t)};
  std::vector<Fr>* dst[4] = {&PARAMS[t].C, &PARAMS[t].S, &PARAMS[t].M, &PARAMS[t].P};
  for (int a = 0; a < 4; ++a) {
    uint8_t* data;
    size_t len;
    if (!get_bytes(env, argv[a + 1], &data, &len)) return throw_error(env, "setConstants: constants must be Uint8Arrays");
    if (len != want[a] * 32) return throw_error(env, "setConstants: wrong number of constants for this width");
    if (!all_canonical(data, want[a])) return throw_error(env, "setConstants: a constant is not a canonical field element");
    dst[a]->resize(want[a]);
    for (size_t k = 0; k < want[a]; ++k) (*dst[a])[k] = to_mont(load(data + k * 32));
  }
  PARAMS[t].ready = true;
  return nullptr;
}

// hashBatch(n, inputs, out, threads): out[k] = Poseidon_n(inputs[k*n .. k*n+n)), 32-byte LE values, on `threads`
// threads. Throws (before hashing anything) if a value is not canonical or the buffers' sizes disagree.
napi_value HashBatch(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) return throw_error(env, "hashBatch(n, inputs, out, threads): 4 arguments expected");
  int32_t n, threads;
  if (napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1 || n > 16) return throw_error(env, "hashBatch: n must be 1..16");
  if (!PARAMS[n + 1].ready) return throw_error(env, "hashBatch: constants for this width were not set");
  uint8_t *in, *out;
  size_t inLen, outLen;
  if (!get_bytes(env, argv[1], &in, &inLen) || !get_bytes(env, argv[2], &out, &outLen)) return throw_error(env, "hashBatch: inputs and out must be Uint8Arrays");
  if (napi_get_value_int32(env, argv[3], &threads) != napi_ok || threads < 1 || threads > 64) return throw_error(env, "hashBatch: threads must be 1..64");
  if (inLen % ((size_t)n * 32) != 0) return throw_error(env, "hashBatch: inputs length is not a multiple of n*32");
  const size_t count = inLen / ((size_t)n * 32);
  if (outLen != count * 32) return throw_error(env, "hashBatch: out length must be 32 per hash");
  if (!all_canonical(in, count * n)) return throw_error(env, "hashBatch: an input is not a canonical field element (< p)");
  if (threads == 1 || count < 64) {
    hash_range(n, in, out, 0, count);
  } else {
    std::vector<std::thread> pool;
    const size_t chunk = (count + threads - 1) / threads;
    for (int w = 0; w < threads; ++w) {
      size_t from = w * chunk, to = from + chunk < count ? from + chunk : count;
      if (from >= to) break;
      pool.emplace_back(hash_range, n, in, out, from, to);
    }
    for (auto& th : pool) th.join();
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setConstants", nullptr, SetConstants, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hashBatch", nullptr, HashBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
