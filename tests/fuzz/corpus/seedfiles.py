"""What the make_seeds_*.py scripts share: writing a corpus."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write_seeds(seeds, name, out=None):
    """One file per seed, named by its key, in OUT (default: the corpus NAME
    next to these scripts), made if missing. Returns OUT."""
    out = out or os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    for seed, data in seeds.items():
        with open(os.path.join(out, seed), "wb") as f:
            f.write(data)
    return out
