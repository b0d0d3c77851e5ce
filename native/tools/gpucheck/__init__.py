"""The GPU check of libgems, one module per job; native/tools/gpu_check.py runs it."""
