"""Building native/ against python3's torch, with a fallback toolchain, and loading it."""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
import torch

from gpucheck import common
from gpucheck.common import BUILD_DIR, ENTRY, OUT, REPO, log, save


def sh(cmd, logf, timeout, env=None):
    log("$ " + " ".join(cmd))
    with open(logf, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        p = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=timeout, env=env)
    return p.returncode


def build(arch, jobs, extra=(), build_dir=BUILD_DIR):
    sec = common.RESULTS["sections"].setdefault("build", {})
    torch_lib = os.path.join(os.path.dirname(torch.__file__), "lib")
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    logf = os.path.join(OUT, "build.log")
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    cfg = ["cmake", "-S", REPO, "-B", build_dir] + gen + [
        "-DCMAKE_BUILD_TYPE=Release",
        "-DGEMS_TORCH_LIB_DIR=" + torch_lib,
        "-DGEMS_CUDA_ARCHITECTURES=" + arch,
        "-DCMAKE_CUDA_COMPILER=" + nvcc,
    ] + list(extra)
    t = time.time()
    rc = sh(cfg, logf, 300)
    if rc == 0:
        rc = sh(["cmake", "--build", build_dir, "-j", str(jobs)], logf, 400)
    sec.update({"rc": rc, "seconds": round(time.time() - t, 1), "torch_lib": torch_lib, "nvcc": nvcc,
                "arch": arch, "command": " ".join(cfg)})
    lib = os.path.join(build_dir, "libgems.so")
    cuda_lib = os.path.join(build_dir, "libgems_cuda.so")
    sec["libgems"] = os.path.exists(lib)
    sec["libgems_cuda"] = os.path.exists(cuda_lib)
    if rc != 0 or not os.path.exists(lib):
        with open(logf) as f:
            tail = f.read()[-6000:]
        log(tail)
        raise SystemExit("build failed (rc %d); see %s" % (rc, logf))
    # The compiler's resource report of the CUDA kernels (registers, spills), for the record.
    try:
        p = subprocess.run([nvcc, "-std=c++17", "-O3", "-arch=sm_" + arch.split(";")[0], "-Xptxas", "-v",
                            "-I", os.path.join(REPO, "native", "src"), "-c",
                            os.path.join(REPO, "native", "cuda", "kernels_cuda.cu"), "-o", "/tmp/gems_k.o"],
                           capture_output=True, text=True, timeout=120)
        sec["ptxas"] = [l for l in p.stderr.splitlines() if "registers" in l or "spill" in l]
    except Exception as e:  # informational only
        sec["ptxas"] = "failed: %r" % e
    return lib


def probe_ok(name, lib):
    p = subprocess.run([sys.executable, "-X", "faulthandler", ENTRY, "--probe", name, "--lib", lib],
                       capture_output=True, text=True, timeout=120)
    return p.returncode == 0 and ("probe %s: returned" % name) in p.stdout, (p.stdout + p.stderr)[-1500:]


def toolchain_facts(lib):
    facts = {}
    for key, cmd in (("ldd", ["ldd", lib]), ("needed", ["readelf", "-d", lib]),
                     ("cxx_candidates", ["bash", "-c", "which -a g++ c++; ls -l /usr/bin/g++* 2>/dev/null; "
                                                      "readlink -f $(command -v g++)"]),
                     ("size", ["size", lib]),
                     ("static_stdcxx", ["bash", "-c", "g++ -dumpspecs | grep -n -i -B1 -A1 'static-libstdc\\|stdc++' "
                                                      "| head -20"])):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            out = p.stdout + p.stderr
            if key == "needed":
                out = "\n".join(l for l in out.splitlines() if "NEEDED" in l)
            facts[key] = out.strip()[-1500:]
        except Exception as e:
            facts[key] = repr(e)
    return facts


def build_working(arch, jobs):
    """Builds as configured; if a probe of the ops that format messages with iostreams crashes
    (seen with the device's /opt/gcc toolchain), tries other build settings and keeps the first
    that works. Every try is recorded."""
    sec = common.RESULTS["sections"].setdefault("build", {})
    lib = build(arch, jobs)
    good, out = probe_ok("refresh_exact_cpu", lib)
    tries = [{"variant": "default", "probe_ok": good, "facts": toolchain_facts(lib), "probe_output": None if good else out}]
    log("build default: probe %s" % ("ok" if good else "CRASHED"))
    if not good:
        log(json.dumps(tries[0]["facts"], indent=1))
        variants = []
        default_cxx = ""
        try:
            with open(os.path.join(BUILD_DIR, "CMakeCache.txt")) as f:
                for line in f:
                    if line.startswith("CMAKE_CXX_COMPILER:"):
                        default_cxx = os.path.realpath(line.split("=", 1)[1].strip())
        except OSError:
            pass
        tries[0]["cxx"] = default_cxx
        # the system compiler, which links libstdc++ dynamically (as the Maven/CI build does)
        if os.path.exists("/usr/bin/g++") and os.path.realpath("/usr/bin/g++") != default_cxx:
            variants.append(("CXX=/usr/bin/g++", ["-DCMAKE_CXX_COMPILER=/usr/bin/g++"]))
        variants += [("-include iostream", ["-DCMAKE_CXX_FLAGS=-include iostream"]),
                     ("-Wl,-Bsymbolic", ["-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Bsymbolic"]),
                     ("-include iostream + -Wl,-Bsymbolic", ["-DCMAKE_CXX_FLAGS=-include iostream",
                                                             "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-Bsymbolic"])]
        for i, (name, extra) in enumerate(variants):
            try:
                vlib = build(arch, jobs, extra, BUILD_DIR + "-v%d" % i)
            except SystemExit as e:
                tries.append({"variant": name, "build_failed": str(e)})
                continue
            vgood, vout = probe_ok("refresh_exact_cpu", vlib)
            tries.append({"variant": name, "flags": extra, "probe_ok": vgood, "facts": toolchain_facts(vlib),
                          "probe_output": None if vgood else vout})
            log("build %s: probe %s" % (name, "ok" if vgood else "CRASHED"))
            if vgood:
                lib = vlib
                break
    sec["tries"] = tries
    sec["used"] = lib
    save()
    return lib


def load(lib):
    torch.ops.load_library(lib)
    c = ctypes.CDLL(lib)
    c.gems_registration_error.restype = ctypes.c_char_p
    c.gems_last_error.restype = ctypes.c_char_p
    reg = c.gems_registration_error().decode()
    cuda_ok = c.gems_cuda_available()
    info = {"registration_error": reg, "cuda_kernels_loaded": bool(cuda_ok)}
    common.RESULTS["sections"].setdefault("load", {}).update(info)
    log("loaded %s: registration_error=%r cuda kernels=%s" % (lib, reg, bool(cuda_ok)))
    if reg:
        raise SystemExit("ops not registered: " + reg)
    if not cuda_ok:
        raise SystemExit("libgems_cuda.so not loaded by libgems")
    for name in ("fused_step", "refresh_basis", "null_space_basis"):
        try:
            log("  gems::" + str(getattr(torch.ops.gems, name).default._schema))
        except Exception as e:  # informational only
            log("  gems::%s: schema not readable (%r)" % (name, e))
    return c
