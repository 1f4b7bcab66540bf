"""nnfail: the helper package of the book "Why small neural networks fail to learn simple functions".

Chapters import what they need from the submodules (data, engine, stats, plots, ...). Importing the
package itself is cheap and has no side effects: TensorFlow loads only when a module that needs it does.
"""
__version__ = "0.1.0"
