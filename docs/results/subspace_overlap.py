"""How much of each GEMS task subspace lies inside the shared subspace (docs/RESULTS.md).

Reads a GEMS optimizer checkpoint (OUT/checkpoint/encoder-optimizer.bin: "GEMSOPT1", a 4-byte
big-endian header length, a JSON header, then float32 tensors; java/org/gemsj/optim/OptimizerCheckpoint.java)
and, for every targeted weight, the share of the search and rec bases' energy inside the span of
the shared basis (1 = the task subspace adds no new direction; a random subspace gives r_sh / d).

    python3 docs/results/subspace_overlap.py out/study-ml/runs/gems/seed-1/checkpoint/encoder-optimizer.bin
"""
import json
import struct
import sys

import numpy as np


def nonzero(columns):
    return columns[:, np.linalg.norm(columns, axis=0) > 1e-6]


def main(path):
    data = open(path, "rb").read()
    if data[:8] != b"GEMSOPT1":
        sys.exit(f"{path}: not a GEMS optimizer checkpoint")
    length = struct.unpack(">I", data[8:12])[0]
    header = json.loads(data[12:12 + length])
    offset = 12 + length
    r_sh, r_task = header["config"]["rankShared"], header["config"]["rankTask"]
    inside = {"attention": [], "ffn": []}
    chance = {"attention": [], "ffn": []}
    for t in header["tensors"]:
        count = int(np.prod(t["shape"]))
        start, offset = offset, offset + 4 * count
        if t["role"] == "basis":
            basis = np.frombuffer(data, dtype="<f4", count=count, offset=start).reshape(t["shape"]).astype(np.float64)
            # right bases (m >= n) hold the basis vectors as rows (r x n), left bases as columns (m x r)
            v = basis.T if t["shape"][0] < t["shape"][1] else basis
            # the complementary decomposition leaves zero columns where it found fewer directions: drop them
            shared, _ = np.linalg.qr(nonzero(v[:, :r_sh]))
            share = [np.linalg.norm(shared.T @ b) ** 2 / np.linalg.norm(b) ** 2
                     for b in (nonzero(v[:, r_sh:r_sh + r_task]), nonzero(v[:, r_sh + r_task:])) if b.shape[1] > 0]
            if not share:
                continue
            kind = "attention" if ".attention." in t["owner"] else "ffn"
            inside[kind].append(np.mean(share))
            chance[kind].append(r_sh / v.shape[0])
    for kind in inside:
        print(f"{kind}: {np.mean(inside[kind]):.3f} of the task subspaces' energy lies in the shared subspace "
              f"(random subspaces: {np.mean(chance[kind]):.3f}; {len(inside[kind])} weights, step {header['step']})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
