// zkmargin native Groth16 prover (bn128): the prove step of snarkjs's `groth16 prove`, over iden3's ffiasm C++
// field, curve, multiexp and FFT code (npm package ffiasm, the library rapidsnark is built on).
//
//   groth16 <circuit.zkey> <witness.wtns> <proof.json> <public.json>
//
// Reads a snarkjs Groth16 proving key and a circom witness, writes the proof and the public signals in snarkjs's
// JSON shapes, and one line per step on stdout ("stage read", "stage coefficients", …, "stage blind"). Every section of both files is checked against the header before a byte of it is used: a key or a
// witness of another circuit, a truncated file or a witness value outside the field is refused with a message naming
// it. The witness is not checked against the constraints here (neither does snarkjs): the caller verifies the proof
// (prover/node.ts does so for every proof).
//
// Exit codes: 0 proof written; 1 usage; 2 unreadable or malformed zkey or wtns; 3 zkey and wtns do not belong to
// each other; 4 cannot write the output; 5 internal error.
//
// Built by scripts/lib/nativeProver.ts: buildzqfield generates fq/fr (nasm), g++ -O3 -fopenmp with GMP.
#include <gmp.h>
#include <omp.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "alt_bn128.hpp"
#include "binfile_utils.hpp"
#include "fft.hpp"
#include "wtns_utils.hpp"
#include "zkey_utils.hpp"

using AltBn128::Engine;
typedef Engine::FrElement Scalar;
typedef Engine::G1Point G1Point;
typedef Engine::G1PointAffine G1PointAffine;
typedef Engine::G2Point G2Point;
typedef Engine::G2PointAffine G2PointAffine;

namespace {

const char *BN128_Q = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
const char *BN128_R = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

struct Fail {
  int code;
  std::string message;
};

[[noreturn]] void fail(int code, const std::string &message) { throw Fail{code, message}; }

// One line per step on stdout ("stage <name>"), for the caller's progress report (prover/node.ts NATIVE_STAGES).
void stage(const char *name) {
  std::printf("stage %s\n", name);
  std::fflush(stdout);
}

// A binary file of snarkjs's container format ("zkey", "wtns"): magic, version, then (type u32, size u64, bytes)
// sections. The table is walked here against the file's real size, since ffiasm's BinFile trusts it.
void checkContainer(const std::string &file, const char *magic, uint32_t maxVersion) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) fail(2, file + ": cannot open (" + std::strerror(errno) + ")");
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char head[12];
  if (size < 12 || !in.read(head, 12)) fail(2, file + ": too short to be a ." + magic + " file");
  if (std::memcmp(head, magic, 4) != 0) fail(2, file + ": not a ." + magic + " file (magic \"" + std::string(head, 4) + "\")");
  uint32_t version, nSections;
  std::memcpy(&version, head + 4, 4);
  std::memcpy(&nSections, head + 8, 4);
  if (version == 0 || version > maxVersion) fail(2, file + ": ." + magic + " version " + std::to_string(version) + " is not supported");
  uint64_t pos = 12;
  for (uint32_t i = 0; i < nSections; i++) {
    char sh[12];
    if (pos + 12 > size) fail(2, file + ": truncated (section table entry " + std::to_string(i) + " past the end)");
    in.seekg(static_cast<std::streamoff>(pos));
    in.read(sh, 12);
    uint64_t sSize;
    std::memcpy(&sSize, sh + 4, 8);
    pos += 12;
    if (sSize > size - pos) fail(2, file + ": truncated (section " + std::to_string(i) + " claims " + std::to_string(sSize) + " bytes, " + std::to_string(size - pos) + " left)");
    pos += sSize;
  }
  if (pos != size) fail(2, file + ": " + std::to_string(size - pos) + " trailing bytes after the last section");
}

uint64_t sectionSize(BinFileUtils::BinFile &f, uint32_t id, const std::string &what) {
  try {
    return f.getSectionSize(id);
  } catch (std::exception *e) {
    delete e;
    fail(2, what + ": section " + std::to_string(id) + " is missing");
  }
}

void expectSize(BinFileUtils::BinFile &f, uint32_t id, uint64_t want, const std::string &what) {
  const uint64_t got = sectionSize(f, id, what);
  if (got != want) fail(2, what + ": section " + std::to_string(id) + " has " + std::to_string(got) + " bytes, the header implies " + std::to_string(want));
}

bool mpzIs(const mpz_t v, const char *dec) {
  mpz_t w;
  mpz_init_set_str(w, dec, 10);
  const bool eq = mpz_cmp(v, w) == 0;
  mpz_clear(w);
  return eq;
}

// a < r for a little-endian 4-limb value in normal form
bool belowR(const uint64_t *a, const uint64_t *r) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != r[i]) return a[i] < r[i];
  }
  return false;
}

// A uniformly random element of Fr in normal form (rejection sampling on 254 bits).
Scalar randomScalar(const uint64_t *r) {
  Scalar x;
  for (;;) {
    uint8_t *p = reinterpret_cast<uint8_t *>(x.v);
    size_t got = 0;
    while (got < sizeof(x.v)) {
      const ssize_t n = getrandom(p + got, sizeof(x.v) - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail(5, std::string("getrandom: ") + std::strerror(errno));
      }
      got += static_cast<size_t>(n);
    }
    x.v[3] &= 0x3fffffffffffffffULL;
    if (belowR(x.v, r)) return x;
  }
}

#pragma pack(push, 1)
struct Coef {  // as the key stores it: no padding between the indices and the element
  uint32_t m;
  uint32_t c;
  uint32_t s;
  Scalar coef;
};
#pragma pack(pop)
static_assert(sizeof(Coef) == 12 + 32, "a zkey coefficient is 12 bytes of indices and one 32-byte field element");

std::string g1Json(Engine &E, G1Point &p) {
  G1PointAffine a;
  E.g1.copy(a, p);
  std::ostringstream ss;
  if (E.g1.isZero(a)) {
    ss << "[\"0\",\"1\",\"0\"]";
  } else {
    ss << "[\"" << E.f1.toString(a.x) << "\",\"" << E.f1.toString(a.y) << "\",\"1\"]";
  }
  return ss.str();
}

std::string g2Json(Engine &E, G2Point &p) {
  G2PointAffine a;
  E.g2.copy(a, p);
  std::ostringstream ss;
  if (E.g2.isZero(a)) {
    ss << "[[\"0\",\"0\"],[\"1\",\"0\"],[\"0\",\"0\"]]";
  } else {
    ss << "[[\"" << E.f1.toString(a.x.a) << "\",\"" << E.f1.toString(a.x.b) << "\"],[\"" << E.f1.toString(a.y.a) << "\",\""
       << E.f1.toString(a.y.b) << "\"],[\"1\",\"0\"]]";
  }
  return ss.str();
}

void writeFile(const std::string &file, const std::string &text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text) || !out.flush()) fail(4, file + ": cannot write (" + std::strerror(errno) + ")");
}

int prove(const std::string &zkeyFile, const std::string &wtnsFile, const std::string &proofFile, const std::string &publicFile) {
  Engine &E = Engine::engine;

  stage("read");
  checkContainer(zkeyFile, "zkey", 1);
  checkContainer(wtnsFile, "wtns", 2);
  std::unique_ptr<BinFileUtils::BinFile> zkey;
  std::unique_ptr<BinFileUtils::BinFile> wtns;
  std::unique_ptr<ZKeyUtils::Header> zh;
  std::unique_ptr<WtnsUtils::Header> wh;
  try {
    zkey = BinFileUtils::openExisting(zkeyFile, "zkey", 1);
    wtns = BinFileUtils::openExisting(wtnsFile, "wtns", 2);
    expectSize(*zkey, 1, 4, zkeyFile);
    const uint64_t h2 = sectionSize(*zkey, 2, zkeyFile);
    if (h2 != 4 + 32 + 4 + 32 + 12 + 64 * 3 + 128 * 3) fail(2, zkeyFile + ": section 2 (Groth16 header) has " + std::to_string(h2) + " bytes, not a bn128 key's");
    // the element sizes ffiasm's loadHeader reads past must be 32 before it runs
    const uint8_t *h2d = static_cast<const uint8_t *>(zkey->getSectionData(2));
    uint32_t n8q, n8r;
    std::memcpy(&n8q, h2d, 4);
    std::memcpy(&n8r, h2d + 4 + 32, 4);
    if (n8q != 32 || n8r != 32) fail(2, zkeyFile + ": field element sizes " + std::to_string(n8q) + "/" + std::to_string(n8r) + " bytes, not a bn128 key's 32/32");
    zh = ZKeyUtils::loadHeader(zkey.get());
    const uint64_t w1 = sectionSize(*wtns, 1, wtnsFile);
    if (w1 != 4 + 32 + 4) fail(2, wtnsFile + ": section 1 (header) has " + std::to_string(w1) + " bytes, not a bn128 witness's");
    uint32_t n8w;
    std::memcpy(&n8w, wtns->getSectionData(1), 4);
    if (n8w != 32) fail(2, wtnsFile + ": field element size " + std::to_string(n8w) + " bytes, not bn128's 32");
    wh = WtnsUtils::loadHeader(wtns.get());
  } catch (std::exception *e) {
    const std::string m = e->what();
    delete e;
    fail(2, "cannot read " + zkeyFile + " / " + wtnsFile + ": " + m);
  } catch (std::exception &e) {
    fail(2, "cannot read " + zkeyFile + " / " + wtnsFile + ": " + e.what());
  }

  if (zh->n8q != 32 || !mpzIs(zh->qPrime, BN128_Q)) fail(2, zkeyFile + ": not a bn128 key (base field)");
  if (zh->n8r != 32 || !mpzIs(zh->rPrime, BN128_R)) fail(2, zkeyFile + ": not a bn128 key (scalar field)");
  if (wh->n8 != 32 || !mpzIs(wh->prime, BN128_R)) fail(3, wtnsFile + ": the witness is not over bn128's scalar field");

  const uint64_t nVars = zh->nVars;
  const uint64_t nPublic = zh->nPublic;
  const uint64_t domainSize = zh->domainSize;
  if (nVars < nPublic + 1) fail(2, zkeyFile + ": " + std::to_string(nPublic) + " public signals but only " + std::to_string(nVars) + " variables");
  if (domainSize == 0 || (domainSize & (domainSize - 1)) != 0 || domainSize > (1ULL << 27)) fail(2, zkeyFile + ": domain size " + std::to_string(domainSize) + " is not a power of two up to 2^27");
  if (wh->nVars != nVars) {
    fail(3, wtnsFile + " has " + std::to_string(wh->nVars) + " signals, the key's circuit " + std::to_string(nVars) + ": the witness is not of this key's circuit");
  }

  const uint64_t coefBytes = sectionSize(*zkey, 4, zkeyFile);
  if (coefBytes < 4) fail(2, zkeyFile + ": section 4 (coefficients) is empty");
  uint32_t nCoefs;
  std::memcpy(&nCoefs, zkey->getSectionData(4), 4);
  if (coefBytes != 4 + static_cast<uint64_t>(nCoefs) * sizeof(Coef)) fail(2, zkeyFile + ": section 4 has " + std::to_string(coefBytes) + " bytes for " + std::to_string(nCoefs) + " coefficients");
  expectSize(*zkey, 3, (nPublic + 1) * 64, zkeyFile);
  expectSize(*zkey, 5, nVars * 64, zkeyFile);
  expectSize(*zkey, 6, nVars * 64, zkeyFile);
  expectSize(*zkey, 7, nVars * 128, zkeyFile);
  expectSize(*zkey, 8, (nVars - nPublic - 1) * 64, zkeyFile);
  expectSize(*zkey, 9, domainSize * 64, zkeyFile);
  expectSize(*wtns, 2, nVars * 32, wtnsFile);

  const Coef *coefs = reinterpret_cast<const Coef *>(static_cast<uint8_t *>(zkey->getSectionData(4)) + 4);
  for (uint64_t i = 0; i < nCoefs; i++) {
    if (coefs[i].m > 1 || coefs[i].c >= domainSize || coefs[i].s >= nVars) fail(2, zkeyFile + ": coefficient " + std::to_string(i) + " points outside the key's matrices");
  }

  uint64_t rLimbs[4] = {0, 0, 0, 0};
  mpz_export(rLimbs, nullptr, -1, 8, -1, 0, zh->rPrime);
  Scalar *w = static_cast<Scalar *>(wtns->getSectionData(2));
  for (uint64_t i = 0; i < nVars; i++) {
    if (!belowR(w[i].v, rLimbs)) fail(2, wtnsFile + ": signal " + std::to_string(i) + " is not below the field's modulus");
  }
  if (w[0].v[0] != 1 || w[0].v[1] != 0 || w[0].v[2] != 0 || w[0].v[3] != 0) fail(2, wtnsFile + ": signal 0 is not 1 (not a circom witness)");

  stage("coefficients");
  // A·w and B·w on the evaluation domain (Montgomery: the key's coefficients carry R², the witness is plain).
  std::vector<Scalar> a(domainSize), b(domainSize), c(domainSize);  // zero-initialised: 0 in Montgomery form too
  {
    const int nLocks = 1024;
    std::vector<omp_lock_t> locks(nLocks);
    for (auto &l : locks) omp_init_lock(&l);
#pragma omp parallel for
    for (uint64_t i = 0; i < nCoefs; i++) {
      Scalar *ab = coefs[i].m == 0 ? a.data() : b.data();
      Scalar aux, coef;
      std::memcpy(&coef, &coefs[i].coef, sizeof(coef));
      E.fr.mul(aux, w[coefs[i].s], coef);
      omp_set_lock(&locks[coefs[i].c % nLocks]);
      E.fr.add(ab[coefs[i].c], ab[coefs[i].c], aux);
      omp_unset_lock(&locks[coefs[i].c % nLocks]);
    }
    for (auto &l : locks) omp_destroy_lock(&l);
  }
#pragma omp parallel for
  for (uint64_t i = 0; i < domainSize; i++) E.fr.mul(c[i], a[i], b[i]);

  // H: evaluate A, B, C on the coset of the 2n-th root of unity, then (A·B − C) there is H·Z up to a constant the
  // key's H points already carry (snarkjs's layout).
  FFT<Engine::Fr> fft(domainSize * 2);
  const uint32_t domainPower = fft.log2(domainSize);
  const char *fftStage[] = {"fft-a", "fft-b", "fft-c"};
  int fftIndex = 0;
  for (std::vector<Scalar> *v : {&a, &b, &c}) {
    stage(fftStage[fftIndex++]);
    fft.ifft(v->data(), domainSize);
#pragma omp parallel for
    for (uint64_t i = 0; i < domainSize; i++) E.fr.mul((*v)[i], (*v)[i], fft.root(domainPower + 1, i));
    fft.fft(v->data(), domainSize);
  }
#pragma omp parallel for
  for (uint64_t i = 0; i < domainSize; i++) {
    E.fr.mul(a[i], a[i], b[i]);
    E.fr.sub(a[i], a[i], c[i]);
    E.fr.fromMontgomery(a[i], a[i]);
  }
  std::vector<Scalar>().swap(b);
  std::vector<Scalar>().swap(c);

  auto *pointsA = static_cast<G1PointAffine *>(zkey->getSectionData(5));
  auto *pointsB1 = static_cast<G1PointAffine *>(zkey->getSectionData(6));
  auto *pointsB2 = static_cast<G2PointAffine *>(zkey->getSectionData(7));
  auto *pointsC = static_cast<G1PointAffine *>(zkey->getSectionData(8));
  auto *pointsH = static_cast<G1PointAffine *>(zkey->getSectionData(9));
  const uint32_t sW = sizeof(Scalar);

  G1Point piH, piA, piB1, piC;
  G2Point piB;
  stage("multiexp-h");
  E.g1.multiMulByScalar(piH, pointsH, reinterpret_cast<uint8_t *>(a.data()), sW, domainSize);
  std::vector<Scalar>().swap(a);
  stage("multiexp-a");
  E.g1.multiMulByScalar(piA, pointsA, reinterpret_cast<uint8_t *>(w), sW, nVars);
  stage("multiexp-b1");
  E.g1.multiMulByScalar(piB1, pointsB1, reinterpret_cast<uint8_t *>(w), sW, nVars);
  stage("multiexp-b2");
  E.g2.multiMulByScalar(piB, pointsB2, reinterpret_cast<uint8_t *>(w), sW, nVars);
  stage("multiexp-c");
  E.g1.multiMulByScalar(piC, pointsC, reinterpret_cast<uint8_t *>(w + nPublic + 1), sW, nVars - nPublic - 1);

  stage("blind");
  // Blinding: fresh r, s for every proof (a proof without them would reveal the witness's commitments).
  Scalar r = randomScalar(rLimbs);
  Scalar s = randomScalar(rLimbs);
  auto &alpha1 = *static_cast<G1PointAffine *>(zh->vk_alpha1);
  auto &beta1 = *static_cast<G1PointAffine *>(zh->vk_beta1);
  auto &beta2 = *static_cast<G2PointAffine *>(zh->vk_beta2);
  auto &delta1 = *static_cast<G1PointAffine *>(zh->vk_delta1);
  auto &delta2 = *static_cast<G2PointAffine *>(zh->vk_delta2);
  G1Point p1;
  G2Point p2;

  E.g1.add(piA, piA, alpha1);  // A = α + Σ wᵢAᵢ + rδ
  E.g1.mulByScalar(p1, delta1, reinterpret_cast<uint8_t *>(&r), sizeof(r));
  E.g1.add(piA, piA, p1);

  E.g2.add(piB, piB, beta2);  // B = β + Σ wᵢBᵢ + sδ (G2), and the same in G1 for C
  E.g2.mulByScalar(p2, delta2, reinterpret_cast<uint8_t *>(&s), sizeof(s));
  E.g2.add(piB, piB, p2);
  E.g1.add(piB1, piB1, beta1);
  E.g1.mulByScalar(p1, delta1, reinterpret_cast<uint8_t *>(&s), sizeof(s));
  E.g1.add(piB1, piB1, p1);

  E.g1.add(piC, piC, piH);  // C = Σ wᵢCᵢ + H + sA + rB₁ − rsδ
  E.g1.mulByScalar(p1, piA, reinterpret_cast<uint8_t *>(&s), sizeof(s));
  E.g1.add(piC, piC, p1);
  E.g1.mulByScalar(p1, piB1, reinterpret_cast<uint8_t *>(&r), sizeof(r));
  E.g1.add(piC, piC, p1);
  Scalar rs;
  E.fr.mul(rs, r, s);  // Montgomery product r·s·R⁻¹, back to the plain r·s
  E.fr.toMontgomery(rs, rs);
  E.g1.mulByScalar(p1, delta1, reinterpret_cast<uint8_t *>(&rs), sizeof(rs));
  E.g1.sub(piC, piC, p1);

  std::ostringstream proof;
  proof << "{\n \"pi_a\": " << g1Json(E, piA) << ",\n \"pi_b\": " << g2Json(E, piB) << ",\n \"pi_c\": " << g1Json(E, piC)
        << ",\n \"protocol\": \"groth16\",\n \"curve\": \"bn128\"\n}\n";
  std::ostringstream pub;
  pub << "[";
  for (uint64_t i = 1; i <= nPublic; i++) {
    Scalar m;
    E.fr.toMontgomery(m, w[i]);
    pub << (i > 1 ? "," : "") << "\n \"" << E.fr.toString(m) << "\"";
  }
  pub << "\n]\n";
  writeFile(proofFile, proof.str());
  writeFile(publicFile, pub.str());
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <circuit.zkey> <witness.wtns> <proof.json> <public.json>\n", argc > 0 ? argv[0] : "groth16");
    return 1;
  }
  try {
    return prove(argv[1], argv[2], argv[3], argv[4]);
  } catch (Fail &f) {
    std::fprintf(stderr, "groth16: %s\n", f.message.c_str());
    return f.code;
  } catch (std::exception *e) {
    std::fprintf(stderr, "groth16: %s\n", e->what());
    return 5;
  } catch (std::exception &e) {
    std::fprintf(stderr, "groth16: %s\n", e.what());
    return 5;
  }
}
