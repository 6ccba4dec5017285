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
// Field arithmetic: 4×64-bit limbs, Montgomery form (R = 2^256), every value kept fully reduced (< p). Nothing
// branches on data: each conditional subtraction is a borrow mask (an unpredictable branch per addition cost more
// than the addition). Sums of products (the MDS mixes and the sparse partial-round rows) are accumulated column by
// column over all their terms as one 512-bit value and reduced once (see `dot`).
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

typedef unsigned __int128 u128;
typedef uint64_t u64;
struct Fr {
  u64 v[4];
};

// p = 21888242871839275222246405745257275088548364400416034343698204186575808495617
constexpr u64 P[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL};
constexpr u64 P2[4] = {0x87c3eb27e0000002ULL, 0x5067d090f372e122ULL, 0x70a08b6d0302b0baULL, 0x60c89ce5c2634053ULL};  // 2p
constexpr u64 P_INV = 0xc2e1f593efffffffULL;  // -p^{-1} mod 2^64
// R^2 mod p, to enter Montgomery form
constexpr u64 R2[4] = {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL};

#if defined(__x86_64__)
// add / subtract with carry: the compiler turns these into adc / sbb chains
inline unsigned char adc(unsigned char c, u64 a, u64 b, u64* r) {
  unsigned long long x;
  c = _addcarry_u64(c, a, b, &x);
  *r = x;
  return c;
}
inline unsigned char sbb(unsigned char c, u64 a, u64 b, u64* r) {
  unsigned long long x;
  c = _subborrow_u64(c, a, b, &x);
  *r = x;
  return c;
}
#else
inline unsigned char adc(unsigned char c, u64 a, u64 b, u64* r) {
  const u128 s = (u128)a + b + c;
  *r = (u64)s;
  return (unsigned char)(s >> 64);
}
inline unsigned char sbb(unsigned char c, u64 a, u64 b, u64* r) {
  const u128 d = (u128)a - b - c;
  *r = (u64)d;
  return (unsigned char)((d >> 64) & 1);
}
#endif

inline bool geq_p(const u64* a) {
  for (int i = 3; i >= 0; --i) {
    if (a[i] > P[i]) return true;
    if (a[i] < P[i]) return false;
  }
  return true;
}

// r = r − m if r ≥ m, else r (r < 2^256), without a branch (the borrow of r − m selects).
inline void csub(u64* r, const u64* m) {
  u64 d0, d1, d2, d3;
  unsigned char b = sbb(0, r[0], m[0], &d0);
  b = sbb(b, r[1], m[1], &d1);
  b = sbb(b, r[2], m[2], &d2);
  b = sbb(b, r[3], m[3], &d3);
  const u64 keep = 0 - (u64)b;  // all ones when r < m
  r[0] = (r[0] & keep) | (d0 & ~keep);
  r[1] = (r[1] & keep) | (d1 & ~keep);
  r[2] = (r[2] & keep) | (d2 & ~keep);
  r[3] = (r[3] & keep) | (d3 & ~keep);
}

// a + b for a, b < p: below 2p < 2^255, so no carry out; one masked subtraction.
inline Fr add(const Fr& a, const Fr& b) {
  Fr r;
  unsigned char c = adc(0, a.v[0], b.v[0], &r.v[0]);
  c = adc(c, a.v[1], b.v[1], &r.v[1]);
  c = adc(c, a.v[2], b.v[2], &r.v[2]);
  adc(c, a.v[3], b.v[3], &r.v[3]);
  csub(r.v, P);
  return r;
}

// hi:lo = a·b
inline u64 mulw(u64 a, u64 b, u64* hi) {
  const u128 x = (u128)a * b;
  *hi = (u64)(x >> 64);
  return (u64)x;
}

// (c2:c1:c0) += a·b, and t += m·p_j + carry (carry ← the high word): the two steps every product goes through.
// With BMI2, one mulx and an add/adc chain in inline assembly: g++ spills 128-bit temporaries of the portable form
// to the stack or to vector registers, which made a Poseidon(13) three times slower.
#if defined(__x86_64__) && defined(__BMI2__)
inline void mac3(u64& c0, u64& c1, u64& c2, u64 a, u64 b) {
  u64 lo, hi;
  asm("mulxq %[b], %[lo], %[hi]\n\t"
      "addq %[lo], %[c0]\n\t"
      "adcq %[hi], %[c1]\n\t"
      "adcq $0, %[c2]"
      : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2), [lo] "=&r"(lo), [hi] "=&r"(hi)
      : [a] "d"(a), [b] "rm"(b)
      : "cc");
}
inline void redc_step(u64& t, u64& carry, u64 m, u64 pj) {
  u64 lo, hi;
  asm("mulxq %[pj], %[lo], %[hi]\n\t"
      "addq %[carry], %[lo]\n\t"
      "adcq $0, %[hi]\n\t"
      "addq %[lo], %[t]\n\t"
      "adcq $0, %[hi]"
      : [t] "+r"(t), [lo] "=&r"(lo), [hi] "=&r"(hi)
      : [m] "d"(m), [pj] "rm"(pj), [carry] "r"(carry)
      : "cc");
  carry = hi;
}
#else
inline void mac3(u64& c0, u64& c1, u64& c2, u64 a, u64 b) {
  u64 ph;
  const u64 pl = mulw(a, b, &ph);
  unsigned char c = adc(0, c0, pl, &c0);
  c = adc(c, c1, ph, &c1);
  c2 += c;
}
inline void redc_step(u64& t, u64& carry, u64 m, u64 pj) {
  u64 ph;
  const u64 pl = mulw(m, pj, &ph);
  unsigned char c = adc(0, t, pl, &t);
  ph += c;
  c = adc(0, t, carry, &t);
  carry = ph + c;
}
#endif

// Σ_j a[j]·b[j] mod p (Montgomery) for K ≤ 17 terms, all reduced: the 512-bit sum T is built column by column
// (product scanning, a 192-bit carry-save accumulator per column: at most 4·17 products of < 2^128 each) and
// reduced once. Bounds: T < 17p² < 0.61·2^512, so T + m·p < 2^512 (no ninth limb) and REDC's result
// u = (T + m·p)/R < 17p²/R + p < 4.22p < 2^256; three masked subtractions (2p, 2p, p) bring it below p.
template <int K>
inline Fr dot(const Fr* a, const Fr* b) {
  static_assert(K >= 1 && K <= 17, "dot: 1..17 terms");
  u64 T[8];
  u64 c0 = 0, c1 = 0, c2 = 0;
#pragma GCC unroll 8
  for (int col = 0; col < 7; ++col) {
    const int lo = col < 4 ? 0 : col - 3;
    const int hi = col < 4 ? col : 3;
#pragma GCC unroll 17
    for (int j = 0; j < K; ++j) {
#pragma GCC unroll 4
      for (int i = lo; i <= hi; ++i) mac3(c0, c1, c2, a[j].v[i], b[j].v[col - i]);
    }
    T[col] = c0;
    c0 = c1;
    c1 = c2;
    c2 = 0;
  }
  T[7] = c0;
  // REDC: four word-by-word steps, each adding m·p·2^(64i) and carrying to the top
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const u64 m = T[i] * P_INV;
    u64 carry = 0;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) redc_step(T[i + j], carry, m, P[j]);
    unsigned char c = adc(0, T[i + 4], carry, &T[i + 4]);
#pragma GCC unroll 4
    for (int k = i + 5; k < 8; ++k) c = adc(c, T[k], 0, &T[k]);
  }
  // u < K·p²/R + p = p·(0.19·K + 1): below 2p for K ≤ 5, 4p for K ≤ 15, 4.22p for K ≤ 17
  Fr r = {{T[4], T[5], T[6], T[7]}};
  if constexpr (K > 15) csub(r.v, P2);
  if constexpr (K > 5) csub(r.v, P2);
  csub(r.v, P);
  return r;
}

// Montgomery product a·b·R^{-1} mod p (a one-term dot: product scanning, then REDC)
inline Fr mul(const Fr& a, const Fr& b) { return dot<1>(&a, &b); }

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
  // C: round constants; S: the sparse partial-round rows, (2t − 1) per round; MT, PT: M and P transposed, so that
  // row i of MT is column i of M (the output i of a mix is a dot product with one contiguous row)
  std::vector<Fr> C, S, MT, PT;
};
Params PARAMS[18];  // indexed by t = 2..17

// One permutation of width T = n + 1 over inputs already in Montgomery form; returns state[0] in Montgomery form.
// circomlibjs's poseidon_opt.js, step by step. (Interleaving two rows' permutations gained nothing measurable: the
// core is bound by multiply/add-with-carry throughput, not by the partial rounds' dependency chain.)
template <int T>
Fr permute(const Params& pr, const Fr* in) {
  const Fr* C = pr.C.data();
  const Fr* S = pr.S.data();
  const Fr* MT = pr.MT.data();
  const Fr* PT = pr.PT.data();
  constexpr int nP = N_ROUNDS_P[T - 2];
  Fr st[T], tmp[T];
  st[0] = C[0];  // state[0] = 0 + C[0]
  for (int i = 1; i < T; ++i) st[i] = add(in[i - 1], C[i]);

  auto mix = [&](const Fr* matT) {
    for (int i = 0; i < T; ++i) tmp[i] = dot<T>(matT + i * T, st);
    for (int i = 0; i < T; ++i) st[i] = tmp[i];
  };

  for (int r = 0; r < N_ROUNDS_F / 2 - 1; ++r) {
    for (int i = 0; i < T; ++i) st[i] = add(pow5(st[i]), C[(r + 1) * T + i]);
    mix(MT);
  }
  for (int i = 0; i < T; ++i) st[i] = add(pow5(st[i]), C[(N_ROUNDS_F / 2) * T + i]);
  mix(PT);
  for (int r = 0; r < nP; ++r) {
    st[0] = add(pow5(st[0]), C[(N_ROUNDS_F / 2 + 1) * T + r]);
    const Fr* s = S + (2 * T - 1) * r;
    const Fr s0 = dot<T>(s, st);
    for (int k = 1; k < T; ++k) st[k] = add(st[k], mul(st[0], s[T + k - 1]));
    st[0] = s0;
  }
  for (int r = 0; r < N_ROUNDS_F / 2 - 1; ++r) {
    for (int i = 0; i < T; ++i) st[i] = add(pow5(st[i]), C[(N_ROUNDS_F / 2 + 1) * T + nP + r * T + i]);
    mix(MT);
  }
  for (int i = 0; i < T; ++i) st[i] = pow5(st[i]);
  return dot<T>(MT, st);  // only state[0] of the last mix is the output
}

template <int T>
void hash_rows(const uint8_t* in, uint8_t* out, size_t from, size_t to) {
  constexpr int n = T - 1;
  const Params& pr = PARAMS[T];
  Fr buf[16];
  for (size_t k = from; k < to; ++k) {
    const uint8_t* row = in + k * n * 32;
    for (int i = 0; i < n; ++i) buf[i] = to_mont(load(row + i * 32));
    const Fr h = from_mont(permute<T>(pr, buf));
    std::memcpy(out + k * 32, h.v, 32);
  }
}

typedef void (*RowsFn)(const uint8_t*, uint8_t*, size_t, size_t);
// hash_rows for n = 1..16 inputs (t = 2..17)
constexpr RowsFn ROWS[16] = {&hash_rows<2>,  &hash_rows<3>,  &hash_rows<4>,  &hash_rows<5>,  &hash_rows<6>,  &hash_rows<7>,
                             &hash_rows<8>,  &hash_rows<9>,  &hash_rows<10>, &hash_rows<11>, &hash_rows<12>, &hash_rows<13>,
                             &hash_rows<14>, &hash_rows<15>, &hash_rows<16>, &hash_rows<17>};

void hash_range(int n, const uint8_t* in, uint8_t* out, size_t from, size_t to) { ROWS[n - 1](in, out, from, to); }

// Install width t's constants (canonical 32-byte LE values, counts as circomlibjs's poseidon_constants_opt.json).
// M and P arrive row-major (M[j][i] at j·t + i, output i = Σ_j M[j][i]·x_j) and are stored transposed.
void set_constants(int t, const uint8_t* C, const uint8_t* S, const uint8_t* M, const uint8_t* Pm) {
  const int nP = N_ROUNDS_P[t - 2];
  Params& pr = PARAMS[t];
  pr.C.resize(N_ROUNDS_F * t + nP);
  pr.S.resize(nP * (2 * t - 1));
  for (size_t k = 0; k < pr.C.size(); ++k) pr.C[k] = to_mont(load(C + k * 32));
  for (size_t k = 0; k < pr.S.size(); ++k) pr.S[k] = to_mont(load(S + k * 32));
  pr.MT.resize(t * t);
  pr.PT.resize(t * t);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < t; ++j) {
      pr.MT[i * t + j] = to_mont(load(M + (j * t + i) * 32));
      pr.PT[i * t + j] = to_mont(load(Pm + (j * t + i) * 32));
    }
  pr.ready = true;
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
  const uint8_t* data[4];
  for (int a = 0; a < 4; ++a) {
    uint8_t* d;
    size_t len;
    if (!get_bytes(env, argv[a + 1], &d, &len)) return throw_error(env, "setConstants: constants must be Uint8Arrays");
    if (len != want[a] * 32) return throw_error(env, "setConstants: wrong number of constants for this width");
    if (!all_canonical(d, want[a])) return throw_error(env, "setConstants: a constant is not a canonical field element");
    data[a] = d;
  }
  set_constants(t, data[0], data[1], data[2], data[3]);
  return nullptr;
}

// A batch being hashed: its threads, and references that keep the two buffers alive until it is joined.
struct Job {
  std::vector<std::thread> pool;
  napi_ref in = nullptr, out = nullptr;
};

void join(Job* job) {
  for (auto& th : job->pool) th.join();
  job->pool.clear();
}

// A job collected without hashWait (its caller threw): join before the buffers can go.
void finalize_job(napi_env env, void* data, void*) {
  Job* job = static_cast<Job*>(data);
  join(job);
  if (job->in) napi_delete_reference(env, job->in);
  if (job->out) napi_delete_reference(env, job->out);
  delete job;
}

// Checks the arguments of hashBatch / hashStart (throws, before hashing anything, if a value is not canonical or
// the buffers' sizes disagree) and starts the hashing on `threads` threads (none if the batch is small: then it
// is done on return).
napi_value start(napi_env env, napi_callback_info info, Job* job, bool* ok) {
  *ok = false;
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
  *ok = true;
  if (threads == 1 || count < 64) {
    hash_range(n, in, out, 0, count);
    return nullptr;
  }
  napi_create_reference(env, argv[1], 1, &job->in);
  napi_create_reference(env, argv[2], 1, &job->out);
  const size_t chunk = (count + threads - 1) / threads;
  for (int w = 0; w < threads; ++w) {
    size_t from = w * chunk, to = from + chunk < count ? from + chunk : count;
    if (from >= to) break;
    job->pool.emplace_back(hash_range, n, in, out, from, to);
  }
  return nullptr;
}

// hashBatch(n, inputs, out, threads): out[k] = Poseidon_n(inputs[k*n .. k*n+n)), 32-byte LE values, on `threads`
// threads; returns when done.
napi_value HashBatch(napi_env env, napi_callback_info info) {
  Job job;
  bool ok;
  start(env, info, &job, &ok);
  join(&job);
  if (job.in) napi_delete_reference(env, job.in);
  if (job.out) napi_delete_reference(env, job.out);
  return nullptr;
}

// hashStart(n, inputs, out, threads) → job: the same, but returns at once with the hashing running on its own
// threads, so the caller can work (write the last batch to the database) meanwhile; hashWait(job) joins it. The
// caller must not touch `out` (nor change `inputs`) until hashWait returns.
napi_value HashStart(napi_env env, napi_callback_info info) {
  Job* job = new Job();
  bool ok;
  start(env, info, job, &ok);
  if (!ok) {
    delete job;
    return nullptr;
  }
  napi_value handle;
  napi_create_external(env, job, finalize_job, nullptr, &handle);
  return handle;
}

napi_value HashWait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  napi_valuetype type;
  if (argc != 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_external || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    return throw_error(env, "hashWait(job): a job from hashStart expected");
  }
  Job* job = static_cast<Job*>(data);
  join(job);
  if (job->in) napi_delete_reference(env, job->in);
  if (job->out) napi_delete_reference(env, job->out);
  job->in = job->out = nullptr;
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"setConstants", nullptr, SetConstants, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hashBatch", nullptr, HashBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hashStart", nullptr, HashStart, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hashWait", nullptr, HashWait, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 4, props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
