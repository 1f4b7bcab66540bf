"""The doctor's benchmark sets: broken/fixed Keras models the doctor is measured on.

Not part of the library a reader imports (``nnfail``): these sets import every chapter and build many
models, and they exist to measure ``nnfail.doctor``, not to be used by it. They install with the book (the
chapter "How well the doctor works" executes them) and are used by ``validation/`` and ``benchmarks/``.

- :mod:`nnfail_bench.realprograms`: real programs people asked about (the DeepFD benchmark's list), each
  retold in our own code with its repaired twin.
"""
