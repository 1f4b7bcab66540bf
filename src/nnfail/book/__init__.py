"""The book machinery: chapter parameters and the chapter registry, the papermill runner with its cache,
the strict site build, and the ``nnfail`` command line. Nothing here imports TensorFlow."""
